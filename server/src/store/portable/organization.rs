//! Groups, org units and members as admins change them (portable statements, see `store`):
//! every change of who is in what, or who is active, goes through
//! `directory::change_directory`, which writes the grant and revoke rows it causes.

use std::collections::BTreeMap;

use sync_core::ids::{GroupId, MemberId, TenantId, UnitId};
use uuid::Uuid;

use super::directory::{change_directory, unit_tree};
use super::{Backend, Connection};
use crate::store::sql::codec::{self, classify, uuid};
use crate::store::{GroupRecord, Role, StoreError, UnitChange, UnitRecord};

fn member_id(id: Uuid) -> MemberId {
    MemberId::from_bytes(id.into_bytes())
}

fn group_id(id: Uuid) -> GroupId {
    GroupId::from_bytes(id.into_bytes())
}

fn unit_id(id: Uuid) -> UnitId {
    UnitId::from_bytes(id.into_bytes())
}

fn no_such(what: String) -> StoreError {
    StoreError::NotFound { what }
}

pub(super) async fn groups(store: &Backend, tenant: TenantId) -> Result<Vec<GroupRecord>, StoreError> {
    let mut conn = store.reads().acquire().await?;
    let tenant_id = uuid(tenant.as_bytes());
    let named: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT id, name FROM groups WHERE tenant_id = $1 ORDER BY name, id")
            .bind(tenant_id)
            .fetch_all(&mut *conn)
            .await?;
    let pairs: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT group_id, member_id FROM group_members WHERE tenant_id = $1 \
         ORDER BY group_id, member_id",
    )
    .bind(tenant_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut members: BTreeMap<Uuid, Vec<MemberId>> = BTreeMap::new();
    for (group, member) in pairs {
        members.entry(group).or_default().push(member_id(member));
    }
    Ok(named
        .into_iter()
        .map(|(id, name)| GroupRecord {
            id: group_id(id),
            name,
            members: members.remove(&id).unwrap_or_default(),
        })
        .collect())
}

/// Who belongs to what: a group or an org unit.
#[derive(Debug, Clone, Copy)]
pub(super) enum Membership {
    /// A group.
    Group(GroupId),
    /// An org unit.
    Unit(UnitId),
}

impl Membership {
    /// The statements that join and leave it: `$1` tenant, `$2` group or unit, `$3` member.
    fn statements(self) -> (&'static str, &'static str) {
        match self {
            Membership::Group(_) => (
                "INSERT INTO group_members (tenant_id, group_id, member_id) \
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                "DELETE FROM group_members \
                 WHERE tenant_id = $1 AND group_id = $2 AND member_id = $3",
            ),
            Membership::Unit(_) => (
                "INSERT INTO unit_members (tenant_id, unit_id, member_id) \
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                "DELETE FROM unit_members \
                 WHERE tenant_id = $1 AND unit_id = $2 AND member_id = $3",
            ),
        }
    }

    fn id(self) -> Uuid {
        match self {
            Membership::Group(group) => uuid(group.as_bytes()),
            Membership::Unit(unit) => uuid(unit.as_bytes()),
        }
    }

    fn name(self) -> String {
        match self {
            Membership::Group(group) => format!("group {group}"),
            Membership::Unit(unit) => format!("unit {unit}"),
        }
    }
}

/// Put `member` in (`joined`) or take them out of a group or unit, with the rows of what they
/// gain or lose.
pub(super) async fn set_membership(
    store: &Backend,
    tenant: TenantId,
    of: Membership,
    member: MemberId,
    joined: bool,
) -> Result<(), StoreError> {
    change_directory(store, tenant, async |conn: &mut Connection| {
        let (join, leave) = of.statements();
        sqlx::query(if joined { join } else { leave })
            .bind(uuid(tenant.as_bytes()))
            .bind(of.id())
            .bind(uuid(member.as_bytes()))
            .execute(conn)
            .await
            .map_err(|error| {
                classify(
                    error,
                    "membership",
                    &format!("{} or member {member}", of.name()),
                )
            })?;
        Ok(())
    })
    .await
}

pub(super) async fn rename_group(
    store: &Backend,
    tenant: TenantId,
    group: GroupId,
    name: &str,
) -> Result<(), StoreError> {
    let mut tx = store.write().await?;
    let renamed = sqlx::query("UPDATE groups SET name = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(group.as_bytes()))
        .bind(name)
        .execute(&mut *tx)
        .await
        .map_err(|error| classify(error, &format!("group name {name:?}"), "tenant"))?
        .rows_affected();
    if renamed == 0 {
        return Err(no_such(format!("group {group}")));
    }
    tx.commit().await?;
    Ok(())
}

/// Delete a group: its members lose what was shared with them through it. Contacts keep the
/// group's id in their visibility, naming no one.
pub(super) async fn delete_group(
    store: &Backend,
    tenant: TenantId,
    group: GroupId,
) -> Result<(), StoreError> {
    change_directory(store, tenant, async |conn: &mut Connection| {
        let tenant_id = uuid(tenant.as_bytes());
        let group_id = uuid(group.as_bytes());
        sqlx::query("DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2")
            .bind(tenant_id)
            .bind(group_id)
            .execute(&mut *conn)
            .await?;
        let deleted = sqlx::query("DELETE FROM groups WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id)
            .bind(group_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(no_such(format!("group {group}")));
        }
        Ok(())
    })
    .await
}

pub(super) async fn units(store: &Backend, tenant: TenantId) -> Result<Vec<UnitRecord>, StoreError> {
    let mut conn = store.reads().acquire().await?;
    let tenant_id = uuid(tenant.as_bytes());
    let named: Vec<(Uuid, String, Option<Uuid>)> = sqlx::query_as(
        "SELECT id, name, parent_id FROM units WHERE tenant_id = $1 ORDER BY name, id",
    )
    .bind(tenant_id)
    .fetch_all(&mut *conn)
    .await?;
    let pairs: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT unit_id, member_id FROM unit_members WHERE tenant_id = $1 \
         ORDER BY unit_id, member_id",
    )
    .bind(tenant_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut members: BTreeMap<Uuid, Vec<MemberId>> = BTreeMap::new();
    for (unit, member) in pairs {
        members.entry(unit).or_default().push(member_id(member));
    }
    Ok(named
        .into_iter()
        .map(|(id, name, parent)| UnitRecord {
            id: unit_id(id),
            name,
            parent: parent.map(unit_id),
            members: members.remove(&id).unwrap_or_default(),
        })
        .collect())
}

pub(super) async fn create_unit(
    store: &Backend,
    tenant: TenantId,
    name: &str,
    parent: Option<UnitId>,
) -> Result<UnitId, StoreError> {
    let unit = codec::new_id();
    let mut tx = store.write().await?;
    sqlx::query("INSERT INTO units (tenant_id, id, name, parent_id) VALUES ($1, $2, $3, $4)")
        .bind(uuid(tenant.as_bytes()))
        .bind(unit)
        .bind(name)
        .bind(parent.map(|parent| uuid(parent.as_bytes())))
        .execute(&mut *tx)
        .await
        .map_err(|error| classify(error, "unit id", "parent unit"))?;
    tx.commit().await?;
    Ok(unit_id(unit))
}

/// Rename a unit, or move it (with everything below it) under another parent: its members
/// and those of the units below gain what is shared with their new ancestors and lose what
/// was shared with the old ones. A move into its own subtree is refused.
pub(super) async fn update_unit(
    store: &Backend,
    tenant: TenantId,
    unit: UnitId,
    change: &UnitChange,
) -> Result<(), StoreError> {
    change_directory(store, tenant, async |conn: &mut Connection| {
        let tenant_id = uuid(tenant.as_bytes());
        let unit_uuid = uuid(unit.as_bytes());
        let tree = unit_tree(&mut *conn, tenant).await?;
        if !tree.contains(unit) {
            return Err(no_such(format!("unit {unit}")));
        }
        if let Some(name) = &change.name {
            sqlx::query("UPDATE units SET name = $3 WHERE tenant_id = $1 AND id = $2")
                .bind(tenant_id)
                .bind(unit_uuid)
                .bind(name)
                .execute(&mut *conn)
                .await?;
        }
        if let Some(parent) = change.parent {
            tree.check_move(unit, parent)
                .map_err(|error| StoreError::Refused {
                    field: "parent".into(),
                    reason: error.to_string(),
                })?;
            sqlx::query("UPDATE units SET parent_id = $3 WHERE tenant_id = $1 AND id = $2")
                .bind(tenant_id)
                .bind(unit_uuid)
                .bind(parent.map(|parent| uuid(parent.as_bytes())))
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    })
    .await
}

/// Delete a unit: its members leave it, and the units below it move up to its parent.
pub(super) async fn delete_unit(
    store: &Backend,
    tenant: TenantId,
    unit: UnitId,
) -> Result<(), StoreError> {
    change_directory(store, tenant, async |conn: &mut Connection| {
        let tenant_id = uuid(tenant.as_bytes());
        let unit_uuid = uuid(unit.as_bytes());
        let tree = unit_tree(&mut *conn, tenant).await?;
        if !tree.contains(unit) {
            return Err(no_such(format!("unit {unit}")));
        }
        let parent = tree.parent(unit).map(|parent| uuid(parent.as_bytes()));
        sqlx::query("UPDATE units SET parent_id = $3 WHERE tenant_id = $1 AND parent_id = $2")
            .bind(tenant_id)
            .bind(unit_uuid)
            .bind(parent)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM unit_members WHERE tenant_id = $1 AND unit_id = $2")
            .bind(tenant_id)
            .bind(unit_uuid)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM units WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id)
            .bind(unit_uuid)
            .execute(&mut *conn)
            .await?;
        Ok(())
    })
    .await
}

/// Deactivate or reactivate a member: deactivated, they see nothing (their devices drop every
/// contact at their next sync); reactivated, they see again what they may.
pub(super) async fn set_member_active(
    store: &Backend,
    tenant: TenantId,
    member: MemberId,
    active: bool,
) -> Result<(), StoreError> {
    change_directory(store, tenant, async |conn: &mut Connection| {
        let updated = sqlx::query("UPDATE members SET active = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(uuid(tenant.as_bytes()))
            .bind(uuid(member.as_bytes()))
            .bind(active)
            .execute(conn)
            .await?
            .rows_affected();
        if updated == 0 {
            return Err(no_such(format!("member {member}")));
        }
        Ok(())
    })
    .await
}

/// Change a member's role; roles decide who manages contacts, not who sees them.
pub(super) async fn set_member_role(
    store: &Backend,
    tenant: TenantId,
    member: MemberId,
    role: Role,
) -> Result<(), StoreError> {
    let mut tx = store.write().await?;
    let updated = sqlx::query("UPDATE members SET role = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(member.as_bytes()))
        .bind(role.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if updated == 0 {
        return Err(no_such(format!("member {member}")));
    }
    tx.commit().await?;
    Ok(())
}

