//! Who is in which group and org unit, and who is active (portable statements, see `store`):
//! reading a member as a [`Viewer`], and changing the directory with the `granted` and
//! `revoked` feed rows of the contacts whose audience the change moves, in one transaction
//! under the tenant's lock, as `sync_core::access::directory_change` decides.

use std::collections::BTreeMap;

use sync_core::access::{self, UnitTree, Viewer};
use sync_core::ids::{ContactId, GroupId, MemberId, TenantId, UnitId};
use sync_core::wire::{DocMeta, Visibility};
use uuid::Uuid;

use super::contacts::{advance, lock_tenant};
use super::{Backend, Connection, insert_rows};
use crate::store::sql::codec::{self, uuid};
use crate::store::sql::{plan, projection};
use crate::store::{Access, StoreError};

fn member_id(id: Uuid) -> MemberId {
    MemberId::from_bytes(id.into_bytes())
}

fn group_id(id: Uuid) -> GroupId {
    GroupId::from_bytes(id.into_bytes())
}

fn unit_id(id: Uuid) -> UnitId {
    UnitId::from_bytes(id.into_bytes())
}

/// The tenant's unit tree.
pub(super) async fn unit_tree(conn: &mut Connection, tenant: TenantId) -> Result<UnitTree, StoreError> {
    let rows: Vec<(Uuid, Option<Uuid>)> =
        sqlx::query_as("SELECT id, parent_id FROM units WHERE tenant_id = $1")
            .bind(uuid(tenant.as_bytes()))
            .fetch_all(conn)
            .await?;
    UnitTree::from_parents(
        rows.into_iter()
            .map(|(unit, parent)| (unit_id(unit), parent.map(unit_id))),
    )
    .map_err(|error| StoreError::Corrupt(format!("the unit tree of tenant {tenant}: {error}")))
}

/// One member as the access rules see them; `None` if there is no such member.
pub(super) async fn viewer(
    conn: &mut Connection,
    tenant: TenantId,
    member: MemberId,
) -> Result<Option<Viewer>, StoreError> {
    let tenant_id = uuid(tenant.as_bytes());
    let member_id = uuid(member.as_bytes());
    let active: Option<bool> =
        sqlx::query_scalar("SELECT active FROM members WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id)
            .bind(member_id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(active) = active else {
        return Ok(None);
    };
    let groups: Vec<Uuid> = sqlx::query_scalar(
        "SELECT group_id FROM group_members WHERE tenant_id = $1 AND member_id = $2",
    )
    .bind(tenant_id)
    .bind(member_id)
    .fetch_all(&mut *conn)
    .await?;
    let units: Vec<Uuid> = sqlx::query_scalar(
        "SELECT unit_id FROM unit_members WHERE tenant_id = $1 AND member_id = $2",
    )
    .bind(tenant_id)
    .bind(member_id)
    .fetch_all(&mut *conn)
    .await?;
    let tree = if units.is_empty() {
        UnitTree::new()
    } else {
        unit_tree(conn, tenant).await?
    };
    Ok(Some(Viewer::new(
        member,
        groups.into_iter().map(group_id),
        units.into_iter().map(unit_id),
        &tree,
        active,
    )))
}

/// Every member of the tenant as the access rules see them, in member order.
pub(super) async fn viewers(
    conn: &mut Connection,
    tenant: TenantId,
) -> Result<Vec<Viewer>, StoreError> {
    let tenant_id = uuid(tenant.as_bytes());
    let members: Vec<(Uuid, bool)> =
        sqlx::query_as("SELECT id, active FROM members WHERE tenant_id = $1 ORDER BY id")
            .bind(tenant_id)
            .fetch_all(&mut *conn)
            .await?;
    let pairs = "SELECT member_id, group_id FROM group_members WHERE tenant_id = $1";
    let mut groups: BTreeMap<Uuid, Vec<GroupId>> = BTreeMap::new();
    for (member, group) in sqlx::query_as::<_, (Uuid, Uuid)>(pairs)
        .bind(tenant_id)
        .fetch_all(&mut *conn)
        .await?
    {
        groups.entry(member).or_default().push(group_id(group));
    }
    let pairs = "SELECT member_id, unit_id FROM unit_members WHERE tenant_id = $1";
    let mut units: BTreeMap<Uuid, Vec<UnitId>> = BTreeMap::new();
    for (member, unit) in sqlx::query_as::<_, (Uuid, Uuid)>(pairs)
        .bind(tenant_id)
        .fetch_all(&mut *conn)
        .await?
    {
        units.entry(member).or_default().push(unit_id(unit));
    }
    let tree = unit_tree(conn, tenant).await?;
    Ok(members
        .into_iter()
        .map(|(member, active)| {
            Viewer::new(
                member_id(member),
                groups.remove(&member).unwrap_or_default(),
                units.remove(&member).unwrap_or_default(),
                &tree,
                active,
            )
        })
        .collect())
}

/// `member` as the access rules see them, with the tenant's access generation read first (so
/// the viewer is at least as new as the generation it is labelled with).
pub(super) async fn access(
    store: &Backend,
    tenant: TenantId,
    member: MemberId,
) -> Result<Access, StoreError> {
    let mut conn = store.reads().acquire().await?;
    let generation: i64 = sqlx::query_scalar("SELECT access_gen FROM tenants WHERE id = $1")
        .bind(uuid(tenant.as_bytes()))
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("tenant {tenant}"),
        })?;
    let viewer = viewer(&mut conn, tenant, member)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("member {member}"),
        })?;
    Ok(Access {
        viewer,
        generation: codec::seq_from_sql(generation)?,
    })
}

/// Every live contact whose audience a change of the directory can move: all of them when
/// someone's `active` flag changes (a deactivated member sees nothing), else only those
/// shared with a list (for a contact shared with everyone, groups and units do not matter).
async fn affected_metas(
    conn: &mut Connection,
    tenant: TenantId,
    all_too: bool,
) -> Result<Vec<(ContactId, DocMeta)>, StoreError> {
    let everyone = codec::encode_visibility(&Visibility::All);
    let rows: Vec<(Uuid, Uuid, Vec<u8>)> = sqlx::query_as(
        "SELECT id, owner, visibility FROM documents \
         WHERE tenant_id = $1 AND NOT purged AND ($2 OR visibility <> $3) ORDER BY id",
    )
    .bind(uuid(tenant.as_bytes()))
    .bind(all_too)
    .bind(everyone)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, owner, visibility)| {
            Ok((
                ContactId::from_bytes(id.into_bytes()),
                codec::decode_meta(owner, &visibility)?,
            ))
        })
        .collect()
}

/// Run `change` on the directory in a write transaction under the tenant's lock, then write
/// the rows of every contact whose audience it moved and bump the access generation.
pub(super) async fn change_directory<T>(
    store: &Backend,
    tenant: TenantId,
    change: impl AsyncFnOnce(&mut Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut tx = store.write().await?;
    let head = lock_tenant(&mut tx, tenant).await?;
    let before = viewers(&mut tx, tenant).await?;
    let value = change(&mut *tx).await?;
    let after = viewers(&mut tx, tenant).await?;
    if before != after {
        let activity_changed = before
            .iter()
            .zip(&after)
            .any(|(before, after)| before.member != after.member || before.active != after.active)
            || before.len() != after.len();
        let metas = affected_metas(&mut tx, tenant, activity_changed).await?;
        let changes = access::directory_change(
            &before,
            &after,
            metas.iter().map(|(doc, meta)| (*doc, meta)),
        );
        let rows = plan::access_rows(&changes, head);
        insert_rows(&mut tx, tenant, &rows).await?;
        sqlx::query("UPDATE tenants SET access_gen = access_gen + 1 WHERE id = $1")
            .bind(uuid(tenant.as_bytes()))
            .execute(&mut *tx)
            .await?;
        if !rows.is_empty() {
            advance(&mut tx, store, tenant, head + rows.len() as u64).await?;
        }
    }
    tx.commit().await?;
    Ok(value)
}

/// Rewrite a contact's access rows for its metadata now.
pub(super) async fn write_access(
    conn: &mut Connection,
    tenant: TenantId,
    doc: ContactId,
    meta: &DocMeta,
) -> Result<(), StoreError> {
    let tenant_id = uuid(tenant.as_bytes());
    let doc_id = uuid(doc.as_bytes());
    sqlx::query("DELETE FROM contact_access WHERE tenant_id = $1 AND doc_id = $2")
        .bind(tenant_id)
        .bind(doc_id)
        .execute(&mut *conn)
        .await?;
    for principal in codec::principals(meta) {
        sqlx::query(projection::INSERT_ACCESS)
        .bind(tenant_id)
        .bind(doc_id)
        .bind(principal)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
