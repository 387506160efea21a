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
use crate::store::sql::codec::{self, classify, uuid};
use crate::store::sql::{plan, projection};
use crate::store::{Access, GroupRecord, Role, StoreError, UnitChange, UnitRecord};

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
async fn unit_tree(conn: &mut Connection, tenant: TenantId) -> Result<UnitTree, StoreError> {
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
async fn change_directory<T>(
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

pub(super) async fn add_to_group(
    store: &Backend,
    tenant: TenantId,
    group: GroupId,
    member: MemberId,
) -> Result<(), StoreError> {
    change_directory(store, tenant, async |conn: &mut Connection| {
        sqlx::query(
            "INSERT INTO group_members (tenant_id, group_id, member_id) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(group.as_bytes()))
        .bind(uuid(member.as_bytes()))
        .execute(conn)
        .await
        .map_err(|error| {
            classify(
                error,
                "group membership",
                &format!("group {group} or member {member}"),
            )
        })?;
        Ok(())
    })
    .await
}

pub(super) async fn remove_from_group(
    store: &Backend,
    tenant: TenantId,
    group: GroupId,
    member: MemberId,
) -> Result<(), StoreError> {
    change_directory(store, tenant, async |conn: &mut Connection| {
        sqlx::query(
            "DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2 AND member_id = $3",
        )
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(group.as_bytes()))
        .bind(uuid(member.as_bytes()))
        .execute(conn)
        .await?;
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

pub(super) async fn add_to_unit(
    store: &Backend,
    tenant: TenantId,
    unit: UnitId,
    member: MemberId,
) -> Result<(), StoreError> {
    change_directory(store, tenant, async |conn: &mut Connection| {
        sqlx::query(
            "INSERT INTO unit_members (tenant_id, unit_id, member_id) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(unit.as_bytes()))
        .bind(uuid(member.as_bytes()))
        .execute(conn)
        .await
        .map_err(|error| {
            classify(
                error,
                "unit membership",
                &format!("unit {unit} or member {member}"),
            )
        })?;
        Ok(())
    })
    .await
}

pub(super) async fn remove_from_unit(
    store: &Backend,
    tenant: TenantId,
    unit: UnitId,
    member: MemberId,
) -> Result<(), StoreError> {
    change_directory(store, tenant, async |conn: &mut Connection| {
        sqlx::query(
            "DELETE FROM unit_members WHERE tenant_id = $1 AND unit_id = $2 AND member_id = $3",
        )
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(unit.as_bytes()))
        .bind(uuid(member.as_bytes()))
        .execute(conn)
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
