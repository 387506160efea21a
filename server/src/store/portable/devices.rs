//! Devices and their refresh tokens (portable statements, see `store`): a revoked device loses its tokens in the same
//! transaction, and a rotation spends one token and stores the next atomically.

use sync_core::ids::{DeviceId, MemberId, TenantId};
use uuid::Uuid;

use super::{Backend, Connection};
use crate::store::sql::codec::{self, DeviceRow, classify, device_record, uuid};
use crate::store::sql::refresh::{RotationStep, StoredRefresh, rotation_step};
use crate::store::{DeviceRecord, RefreshRecord, Rotation, StoreError};

pub(super) async fn register_device(
    store: &Backend,
    tenant: TenantId,
    member: MemberId,
    name: &str,
) -> Result<DeviceId, StoreError> {
    let device = codec::new_id();
    let mut tx = store.write().await?;
    sqlx::query("INSERT INTO devices (tenant_id, id, member_id, name) VALUES ($1, $2, $3, $4)")
        .bind(uuid(tenant.as_bytes()))
        .bind(device)
        .bind(uuid(member.as_bytes()))
        .bind(name)
        .execute(&mut *tx)
        .await
        .map_err(|error| classify(error, "device id", &format!("member {member}")))?;
    tx.commit().await?;
    Ok(DeviceId::from_bytes(device.into_bytes()))
}

pub(super) async fn device(
    store: &Backend,
    tenant: TenantId,
    device: DeviceId,
) -> Result<Option<DeviceRecord>, StoreError> {
    Ok(sqlx::query_as::<_, DeviceRow>(
        "SELECT tenant_id, member_id, id, name, revoked FROM devices \
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(uuid(tenant.as_bytes()))
    .bind(uuid(device.as_bytes()))
    .fetch_optional(store.reads())
    .await?
    .map(device_record))
}

pub(super) async fn devices_of(
    store: &Backend,
    tenant: TenantId,
    member: MemberId,
) -> Result<Vec<DeviceRecord>, StoreError> {
    Ok(sqlx::query_as::<_, DeviceRow>(
        "SELECT tenant_id, member_id, id, name, revoked FROM devices \
         WHERE tenant_id = $1 AND member_id = $2 ORDER BY created_at, id",
    )
    .bind(uuid(tenant.as_bytes()))
    .bind(uuid(member.as_bytes()))
    .fetch_all(store.reads())
    .await?
    .into_iter()
    .map(device_record)
    .collect())
}

pub(super) async fn revoke_device(
    store: &Backend,
    tenant: TenantId,
    device: DeviceId,
) -> Result<(), StoreError> {
    let mut tx = store.write().await?;
    let updated = sqlx::query("UPDATE devices SET revoked = true WHERE tenant_id = $1 AND id = $2")
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(device.as_bytes()))
        .execute(&mut *tx)
        .await?;
    if updated.rows_affected() == 0 {
        return Err(StoreError::NotFound {
            what: format!("device {device}"),
        });
    }
    revoke_tokens(&mut tx, tenant, device).await?;
    tx.commit().await?;
    Ok(())
}

async fn revoke_tokens(
    tx: &mut Connection,
    tenant: TenantId,
    device: DeviceId,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM refresh_tokens WHERE tenant_id = $1 AND device_id = $2")
        .bind(uuid(tenant.as_bytes()))
        .bind(uuid(device.as_bytes()))
        .execute(tx)
        .await?;
    Ok(())
}

async fn insert_token(tx: &mut Connection, record: &RefreshRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO refresh_tokens (hash, tenant_id, member_id, device_id, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(record.hash.as_slice())
    .bind(uuid(record.tenant.as_bytes()))
    .bind(uuid(record.member.as_bytes()))
    .bind(uuid(record.device.as_bytes()))
    .bind(record.expires_at)
    .execute(tx)
    .await
    .map_err(|error| classify(error, "refresh token", &format!("device {}", record.device)))?;
    Ok(())
}

pub(super) async fn insert_refresh(
    store: &Backend,
    record: &RefreshRecord,
) -> Result<(), StoreError> {
    let mut tx = store.write().await?;
    insert_token(&mut tx, record).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn rotate_refresh(
    store: &Backend,
    old: &[u8; 32],
    new: &RefreshRecord,
    now: i64,
) -> Result<Rotation, StoreError> {
    let mut tx = store.write().await?;
    // Locking the token makes two concurrent refreshes with it take turns: the second sees
    // it spent, as a replay should be seen.
    let row: Option<(Uuid, Uuid, Uuid, i64, bool, bool)> = sqlx::query_as(concat!(
        "SELECT r.tenant_id, r.member_id, r.device_id, r.expires_at, r.spent, d.revoked \
         FROM refresh_tokens r \
         JOIN devices d ON d.tenant_id = r.tenant_id AND d.id = r.device_id \
         WHERE r.hash = $1",
        lock_rows_of!("r")
    ))
    .bind(old.as_slice())
    .fetch_optional(&mut *tx)
    .await?;
    let stored = row.map(
        |(tenant, member, device, expires_at, spent, device_revoked)| StoredRefresh {
            tenant: TenantId::from_bytes(tenant.into_bytes()),
            member: MemberId::from_bytes(member.into_bytes()),
            device: DeviceId::from_bytes(device.into_bytes()),
            expires_at,
            spent,
            device_revoked,
        },
    );
    match (rotation_step(stored, new, now), stored) {
        (RotationStep::Rotate, _) => {
            sqlx::query("UPDATE refresh_tokens SET spent = true WHERE hash = $1")
                .bind(old.as_slice())
                .execute(&mut *tx)
                .await?;
            insert_token(&mut tx, new).await?;
            tx.commit().await?;
            Ok(Rotation::Rotated(new.clone()))
        }
        (RotationStep::Reused, Some(stored)) => {
            revoke_tokens(&mut tx, stored.tenant, stored.device).await?;
            tx.commit().await?;
            Ok(Rotation::Reused {
                device: stored.device,
            })
        }
        _ => Ok(Rotation::Invalid),
    }
}
