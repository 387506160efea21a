//! Tenants, their members and groups: portable statements, compiled into each backend (see
//! `store`).

use sync_core::ids::{GroupId, MemberId, TenantId};
use uuid::Uuid;

use super::{Backend, Connection};
use crate::store::sql::codec::{self, MemberRow, classify, member_record, uuid};
use crate::store::{MemberRecord, NewMember, NewTenant, Role, StoreError};

/// The columns of a `MemberRow`, in its order.
macro_rules! member_columns {
    () => {
        "tenant_id, id, email, name, role, password_hash, active"
    };
}

pub(super) async fn create_tenant(
    store: &Backend,
    new: &NewTenant,
) -> Result<(TenantId, MemberId), StoreError> {
    let tenant = codec::new_id();
    let owner = codec::new_id();
    let mut tx = store.write().await?;
    sqlx::query("INSERT INTO tenants (id, name, region) VALUES ($1, $2, $3)")
        .bind(tenant)
        .bind(&new.name)
        .bind(&new.region)
        .execute(&mut *tx)
        .await?;
    insert_member(
        &mut tx,
        tenant,
        owner,
        &NewMember {
            email: new.owner_email.clone(),
            name: new.owner_name.clone(),
            role: Role::Owner,
            password_hash: new.owner_password_hash.clone(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((
        TenantId::from_bytes(tenant.into_bytes()),
        MemberId::from_bytes(owner.into_bytes()),
    ))
}

async fn insert_member(
    tx: &mut Connection,
    tenant: Uuid,
    member: Uuid,
    new: &NewMember,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO members (tenant_id, id, email, name, role, password_hash) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant)
    .bind(member)
    .bind(&new.email)
    .bind(&new.name)
    .bind(new.role.as_str())
    .bind(&new.password_hash)
    .execute(tx)
    .await
    .map_err(|error| classify(error, &format!("email {}", new.email), "tenant"))?;
    Ok(())
}

pub(super) async fn tenant_region(store: &Backend, tenant: TenantId) -> Result<String, StoreError> {
    sqlx::query_scalar("SELECT region FROM tenants WHERE id = $1")
        .bind(uuid(tenant.as_bytes()))
        .fetch_optional(store.reads())
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("tenant {tenant}"),
        })
}

pub(super) async fn add_member(
    store: &Backend,
    tenant: TenantId,
    new: &NewMember,
) -> Result<MemberId, StoreError> {
    let member = codec::new_id();
    let mut tx = store.write().await?;
    insert_member(&mut tx, uuid(tenant.as_bytes()), member, new).await?;
    tx.commit().await?;
    Ok(MemberId::from_bytes(member.into_bytes()))
}

pub(super) async fn member_by_email(
    store: &Backend,
    email: &str,
) -> Result<Option<MemberRecord>, StoreError> {
    sqlx::query_as::<_, MemberRow>(concat!(
        "SELECT ",
        member_columns!(),
        " FROM members WHERE email = $1"
    ))
    .bind(email)
    .fetch_optional(store.reads())
    .await?
    .map(member_record)
    .transpose()
}

pub(super) async fn member(
    store: &Backend,
    tenant: TenantId,
    member: MemberId,
) -> Result<Option<MemberRecord>, StoreError> {
    sqlx::query_as::<_, MemberRow>(concat!(
        "SELECT ",
        member_columns!(),
        " FROM members WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(uuid(tenant.as_bytes()))
    .bind(uuid(member.as_bytes()))
    .fetch_optional(store.reads())
    .await?
    .map(member_record)
    .transpose()
}

pub(super) async fn members(
    store: &Backend,
    tenant: TenantId,
) -> Result<Vec<MemberRecord>, StoreError> {
    sqlx::query_as::<_, MemberRow>(concat!(
        "SELECT ",
        member_columns!(),
        " FROM members WHERE tenant_id = $1 ORDER BY id"
    ))
    .bind(uuid(tenant.as_bytes()))
    .fetch_all(store.reads())
    .await?
    .into_iter()
    .map(member_record)
    .collect()
}

pub(super) async fn set_password(
    store: &Backend,
    tenant: TenantId,
    member: MemberId,
    expected: &str,
    password_hash: &str,
) -> Result<bool, StoreError> {
    let mut tx = store.write().await?;
    let updated = sqlx::query(
        "UPDATE members SET password_hash = $3 \
         WHERE tenant_id = $1 AND id = $2 AND password_hash = $4",
    )
    .bind(uuid(tenant.as_bytes()))
    .bind(uuid(member.as_bytes()))
    .bind(password_hash)
    .bind(expected)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !updated {
        let exists: Option<(Uuid,)> =
            sqlx::query_as("SELECT id FROM members WHERE tenant_id = $1 AND id = $2")
                .bind(uuid(tenant.as_bytes()))
                .bind(uuid(member.as_bytes()))
                .fetch_optional(&mut *tx)
                .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound {
                what: format!("member {member}"),
            });
        }
    }
    tx.commit().await?;
    Ok(updated)
}

pub(super) async fn create_group(
    store: &Backend,
    tenant: TenantId,
    name: &str,
) -> Result<GroupId, StoreError> {
    let group = codec::new_id();
    let mut tx = store.write().await?;
    sqlx::query("INSERT INTO groups (tenant_id, id, name) VALUES ($1, $2, $3)")
        .bind(uuid(tenant.as_bytes()))
        .bind(group)
        .bind(name)
        .execute(&mut *tx)
        .await
        .map_err(|error| classify(error, &format!("group name {name:?}"), "tenant"))?;
    tx.commit().await?;
    Ok(GroupId::from_bytes(group.into_bytes()))
}

pub(super) async fn groups_of(
    store: &Backend,
    tenant: TenantId,
    member: MemberId,
) -> Result<Vec<GroupId>, StoreError> {
    let groups: Vec<Uuid> = sqlx::query_scalar(
        "SELECT group_id FROM group_members WHERE tenant_id = $1 AND member_id = $2 \
         ORDER BY group_id",
    )
    .bind(uuid(tenant.as_bytes()))
    .bind(uuid(member.as_bytes()))
    .fetch_all(store.reads())
    .await?;
    Ok(groups
        .into_iter()
        .map(|group| GroupId::from_bytes(group.into_bytes()))
        .collect())
}
