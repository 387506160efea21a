//! Tenants, members, groups, devices, refresh tokens and signing keys.

use server::store::{NewMember, NewTenant, RefreshRecord, Role, Rotation, Store, StoreError};
use sync_core::ids::{DeviceId, GroupId, MemberId, TenantId};

use super::support::team;

pub async fn a_tenant_starts_with_its_owner_and_emails_are_unique(store: &dyn Store) {
    let new = NewTenant {
        name: "Yamata Keiki".into(),
        owner_email: "aiko@yamata.example".into(),
        owner_name: "Aiko Sato".into(),
        owner_password_hash: "$argon2id$aiko".into(),
        region: "JP".into(),
    };
    let (tenant, owner) = store.create_tenant(&new).await.expect("created");
    assert_eq!(store.tenant_region(tenant).await.unwrap(), "JP");
    assert_eq!(store.head(tenant).await.unwrap(), 0, "an empty feed");

    let found = store
        .member_by_email("aiko@yamata.example")
        .await
        .unwrap()
        .expect("the owner logs in by email");
    assert_eq!((found.tenant, found.member), (tenant, owner));
    assert_eq!(found.role, Role::Owner);
    assert_eq!(found.name, "Aiko Sato");
    assert_eq!(found.password_hash, "$argon2id$aiko");
    assert!(found.active);
    assert_eq!(
        store.member(tenant, owner).await.unwrap(),
        Some(found.clone())
    );
    assert_eq!(store.members(tenant).await.unwrap(), vec![found]);
    assert_eq!(
        store
            .member_by_email("nobody@yamata.example")
            .await
            .unwrap(),
        None
    );

    let again = store.create_tenant(&new).await;
    assert!(
        matches!(&again, Err(StoreError::Conflict { what }) if what.contains("aiko@yamata")),
        "a second tenant with the same owner email: {again:?}"
    );
    let member = NewMember {
        email: "aiko@yamata.example".into(),
        name: "Another Aiko".into(),
        role: Role::Member,
        password_hash: "x".into(),
    };
    assert!(matches!(
        store.add_member(tenant, &member).await,
        Err(StoreError::Conflict { .. })
    ));
    let unknown = TenantId::from_u128(404);
    assert!(matches!(
        store.head(unknown).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.tenant_region(unknown).await,
        Err(StoreError::NotFound { .. })
    ));
}

pub async fn members_join_groups_and_register_devices(store: &dyn Store) {
    let team = team(store, "groups").await;
    let ana = store
        .member(team.tenant, team.ana)
        .await
        .unwrap()
        .expect("ana");
    assert_eq!(
        (ana.role, ana.email.as_str()),
        (Role::Member, "ana@groups.example")
    );
    assert_eq!(store.members(team.tenant).await.unwrap().len(), 3);

    assert!(
        store
            .set_password(team.tenant, team.ana, &ana.password_hash, "$argon2id$new")
            .await
            .unwrap()
    );
    let renamed = store.member(team.tenant, team.ana).await.unwrap().unwrap();
    assert_eq!(renamed.password_hash, "$argon2id$new");
    assert!(
        !store
            .set_password(team.tenant, team.ana, &ana.password_hash, "$argon2id$late")
            .await
            .unwrap(),
        "a second accept of the same invitation finds it gone"
    );
    assert_eq!(
        store
            .member(team.tenant, team.ana)
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "$argon2id$new"
    );
    assert!(matches!(
        store
            .set_password(team.tenant, MemberId::from_u128(404), "x", "y")
            .await,
        Err(StoreError::NotFound { .. })
    ));

    let north = store.create_group(team.tenant, "North").await.unwrap();
    let south = store.create_group(team.tenant, "South").await.unwrap();
    assert!(matches!(
        store.create_group(team.tenant, "North").await,
        Err(StoreError::Conflict { .. })
    ));
    store
        .add_to_group(team.tenant, north, team.ana)
        .await
        .unwrap();
    store
        .add_to_group(team.tenant, north, team.ana)
        .await
        .expect("adding twice is harmless");
    store
        .add_to_group(team.tenant, south, team.ana)
        .await
        .unwrap();
    let mut expected = vec![north, south];
    expected.sort();
    assert_eq!(
        store.groups_of(team.tenant, team.ana).await.unwrap(),
        expected
    );
    assert!(
        store
            .groups_of(team.tenant, team.ben)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        store
            .add_to_group(team.tenant, GroupId::from_u128(404), team.ana)
            .await,
        Err(StoreError::NotFound { .. })
    ));

    let phone = store
        .register_device(team.tenant, team.ana, "Ana's phone")
        .await
        .unwrap();
    let laptop = store
        .register_device(team.tenant, team.ana, "Ana's laptop")
        .await
        .unwrap();
    let record = store
        .device(team.tenant, phone)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(
        (record.member, record.name.as_str(), record.revoked),
        (team.ana, "Ana's phone", false)
    );
    let devices: Vec<DeviceId> = store
        .devices_of(team.tenant, team.ana)
        .await
        .unwrap()
        .iter()
        .map(|d| d.device)
        .collect();
    assert_eq!(devices.len(), 2);
    assert!(devices.contains(&phone) && devices.contains(&laptop));

    store.revoke_device(team.tenant, phone).await.unwrap();
    assert!(
        store
            .device(team.tenant, phone)
            .await
            .unwrap()
            .unwrap()
            .revoked
    );
    assert!(
        !store
            .device(team.tenant, laptop)
            .await
            .unwrap()
            .unwrap()
            .revoked
    );
    assert!(matches!(
        store
            .revoke_device(team.tenant, DeviceId::from_u128(404))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store
            .register_device(team.tenant, MemberId::from_u128(404), "ghost")
            .await,
        Err(StoreError::NotFound { .. })
    ));
}

fn token(team: &super::support::Team, device: DeviceId, n: u8, expires_at: i64) -> RefreshRecord {
    RefreshRecord {
        hash: [n; 32],
        tenant: team.tenant,
        member: team.ana,
        device,
        expires_at,
    }
}

const NOW: i64 = 1_900_000_000;
const LATER: i64 = NOW + 60 * 86_400;

pub async fn a_refresh_token_rotates_once_and_a_replay_revokes_the_device(store: &dyn Store) {
    let team = team(store, "refresh").await;
    let device = store
        .register_device(team.tenant, team.ana, "phone")
        .await
        .unwrap();
    let first = token(&team, device, 1, LATER);
    store.insert_refresh(&first).await.unwrap();

    let second = token(&team, device, 2, LATER);
    assert_eq!(
        store
            .rotate_refresh(&first.hash, &second, NOW)
            .await
            .unwrap(),
        Rotation::Rotated(second.clone())
    );
    // Someone replays the first token: theft. Every token of the device goes.
    let third = token(&team, device, 3, LATER);
    assert_eq!(
        store
            .rotate_refresh(&first.hash, &third, NOW)
            .await
            .unwrap(),
        Rotation::Reused { device }
    );
    assert_eq!(
        store
            .rotate_refresh(&second.hash, &third, NOW)
            .await
            .unwrap(),
        Rotation::Invalid,
        "the legitimate holder's newer token was revoked too"
    );
    assert_eq!(
        store.rotate_refresh(&[9; 32], &third, NOW).await.unwrap(),
        Rotation::Invalid,
        "an unknown token"
    );
}

pub async fn expired_and_revoked_refresh_tokens_are_invalid(store: &dyn Store) {
    let team = team(store, "expiry").await;
    let phone = store
        .register_device(team.tenant, team.ana, "phone")
        .await
        .unwrap();
    let expired = token(&team, phone, 1, NOW - 1);
    store.insert_refresh(&expired).await.unwrap();
    assert_eq!(
        store
            .rotate_refresh(&expired.hash, &token(&team, phone, 2, LATER), NOW)
            .await
            .unwrap(),
        Rotation::Invalid
    );

    let laptop = store
        .register_device(team.tenant, team.ana, "laptop")
        .await
        .unwrap();
    let valid = token(&team, laptop, 3, LATER);
    store.insert_refresh(&valid).await.unwrap();
    // Issued to the laptop, so it may not mint a token for the phone.
    assert_eq!(
        store
            .rotate_refresh(&valid.hash, &token(&team, phone, 4, LATER), NOW)
            .await
            .unwrap(),
        Rotation::Invalid
    );
    store.revoke_device(team.tenant, laptop).await.unwrap();
    assert_eq!(
        store
            .rotate_refresh(&valid.hash, &token(&team, laptop, 5, LATER), NOW)
            .await
            .unwrap(),
        Rotation::Invalid,
        "the device was revoked"
    );
    assert!(
        store
            .insert_refresh(&token(&team, DeviceId::from_u128(404), 6, LATER))
            .await
            .is_err(),
        "a token for an unknown device"
    );
}

pub async fn every_node_signs_with_the_first_key_stored(store: &dyn Store) {
    assert_eq!(store.signing_key("k1").await.unwrap(), None);
    let first = store
        .current_signing_key("k1", b"first secret")
        .await
        .unwrap();
    assert_eq!(first, ("k1".to_string(), b"first secret".to_vec()));
    let second = store
        .current_signing_key("k2", b"second secret")
        .await
        .unwrap();
    assert_eq!(second, first, "a second node adopts the key already stored");
    assert_eq!(
        store.signing_key("k1").await.unwrap(),
        Some(b"first secret".to_vec())
    );
    assert_eq!(store.signing_key("k2").await.unwrap(), None);
}
