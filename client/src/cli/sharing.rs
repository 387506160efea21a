//! `rolo share`, `unshare`, `transfer`, `purge`, `empty-trash` and `tags rename|delete`: what
//! only the server may do to contacts. Each first syncs (so the server acts on what this
//! device shows, edits made offline included), then calls the REST API, then syncs again so
//! the outcome is on this device when the command returns.

use std::path::Path;

use clap::{ArgGroup, Args, Subcommand};
use sync_core::ids::{GroupId, MemberId, UnitId};
use sync_core::wire::Visibility;

use crate::api::Rest;
use crate::api::team::find_member;
use crate::replica::Replica;
use crate::sync::{SyncOptions, sync_once};

/// Arguments of `rolo share`.
#[derive(Debug, Args)]
#[command(group(
    ArgGroup::new("who").required(true).multiple(true)
        .args(["all", "private", "members", "groups", "units"])
))]
pub struct ShareArgs {
    /// The contact's id, or the start of it.
    id: String,
    /// Everyone in the company.
    #[arg(long, conflicts_with_all = ["private", "members", "groups", "units"])]
    all: bool,
    /// Only its owner.
    #[arg(long, conflicts_with_all = ["members", "groups", "units"])]
    private: bool,
    /// Also this member (by email). Repeatable. A contact shared with everyone becomes
    /// shared with its owner and those listed only.
    #[arg(long = "member", value_name = "EMAIL")]
    members: Vec<String>,
    /// Also the members of this group (by name). Repeatable.
    #[arg(long = "group", value_name = "NAME")]
    groups: Vec<String>,
    /// Also the members of this org unit and the units below it (by name). Repeatable.
    #[arg(long = "unit", value_name = "NAME")]
    units: Vec<String>,
}

/// Arguments of `rolo unshare`.
#[derive(Debug, Args)]
#[command(group(
    ArgGroup::new("who").required(true).multiple(true).args(["members", "groups", "units"])
))]
pub struct UnshareArgs {
    /// The contact's id, or the start of it.
    id: String,
    /// No longer this member (by email). Repeatable.
    #[arg(long = "member", value_name = "EMAIL")]
    members: Vec<String>,
    /// No longer this group. Repeatable.
    #[arg(long = "group", value_name = "NAME")]
    groups: Vec<String>,
    /// No longer this org unit. Repeatable.
    #[arg(long = "unit", value_name = "NAME")]
    units: Vec<String>,
}

/// Arguments of `rolo transfer`.
#[derive(Debug, Args)]
pub struct TransferArgs {
    /// The contact's id, or the start of it.
    id: String,
    /// The new owner's email.
    #[arg(long, value_name = "EMAIL")]
    to: String,
}

/// Renaming or deleting a tag on every contact of the company.
#[derive(Debug, Subcommand)]
pub enum TagsAction {
    /// Rename a tag on every contact of the company (admins).
    Rename {
        /// The tag now.
        old: String,
        /// Its new name.
        new: String,
    },
    /// Remove a tag from every contact of the company (admins).
    Delete {
        /// The tag.
        tag: String,
    },
}

/// Members, groups and units named on the command line, as ids.
#[derive(Default)]
struct Named {
    members: Vec<MemberId>,
    groups: Vec<GroupId>,
    units: Vec<UnitId>,
}

async fn resolve(
    rest: &Rest,
    members: &[String],
    groups: &[String],
    units: &[String],
) -> anyhow::Result<Named> {
    let mut named = Named::default();
    if !members.is_empty() {
        let all = rest.members().await?;
        for email in members {
            named.members.push(find_member(&all, email)?.id);
        }
    }
    for group in groups {
        named.groups.push(rest.group_named(group).await?);
    }
    for unit in units {
        named.units.push(rest.unit_named(unit).await?);
    }
    Ok(named)
}

/// Opens the replica and syncs it, so the server sees this device's edits first.
async fn synced(home: &Path) -> anyhow::Result<Replica> {
    let mut replica = super::open(home).await?;
    sync_once(&mut replica, &SyncOptions::default()).await?;
    Ok(replica)
}

/// Brings the server's outcome back onto this device.
async fn finish(mut replica: Replica) -> anyhow::Result<()> {
    sync_once(&mut replica, &SyncOptions::default()).await?;
    replica.close().await?;
    Ok(())
}

pub(super) async fn share(home: &Path, args: ShareArgs) -> anyhow::Result<()> {
    let mut replica = synced(home).await?;
    let id = replica.resolve(&args.id).await?;
    let rest = Rest::signed_in(&mut replica).await?;
    let visibility = if args.all {
        Visibility::All
    } else if args.private {
        Visibility::private()
    } else {
        let named = resolve(&rest, &args.members, &args.groups, &args.units).await?;
        let (mut members, mut groups, mut units) = match replica.meta(id).await? {
            Some(meta) => match meta.visibility {
                Visibility::Members {
                    members,
                    groups,
                    units,
                } => (members, groups, units),
                Visibility::All => Default::default(),
            },
            None => Default::default(),
        };
        members.extend(named.members);
        groups.extend(named.groups);
        units.extend(named.units);
        Visibility::Members {
            members,
            groups,
            units,
        }
    };
    rest.set_visibility(id, &visibility).await?;
    finish(replica).await?;
    say!("{id} is now visible to {}", describe(&visibility));
    Ok(())
}

pub(super) async fn unshare(home: &Path, args: UnshareArgs) -> anyhow::Result<()> {
    let mut replica = synced(home).await?;
    let id = replica.resolve(&args.id).await?;
    let rest = Rest::signed_in(&mut replica).await?;
    let named = resolve(&rest, &args.members, &args.groups, &args.units).await?;
    let visibility = match replica.meta(id).await?.map(|meta| meta.visibility) {
        Some(Visibility::Members {
            mut members,
            mut groups,
            mut units,
        }) => {
            members.retain(|member| !named.members.contains(member));
            groups.retain(|group| !named.groups.contains(group));
            units.retain(|unit| !named.units.contains(unit));
            Visibility::Members {
                members,
                groups,
                units,
            }
        }
        Some(Visibility::All) => anyhow::bail!(
            "{id} is shared with everyone: share it with --private, or with the members, groups \
             and units who should see it"
        ),
        None => anyhow::bail!("{id} has not reached the server yet: nothing to unshare"),
    };
    rest.set_visibility(id, &visibility).await?;
    finish(replica).await?;
    say!("{id} is now visible to {}", describe(&visibility));
    Ok(())
}

/// Who a visibility lets see a contact, in words.
fn describe(visibility: &Visibility) -> String {
    match visibility {
        Visibility::All => "everyone in the company".into(),
        Visibility::Members {
            members,
            groups,
            units,
        } => {
            let mut parts = vec!["its owner".to_string()];
            let count = |n: usize, one: &str| match n {
                0 => None,
                1 => Some(format!("1 {one}")),
                n => Some(format!("{n} {one}s")),
            };
            parts.extend(count(members.len(), "member"));
            parts.extend(count(groups.len(), "group"));
            parts.extend(count(units.len(), "org unit"));
            parts.join(", ")
        }
    }
}

pub(super) async fn transfer(home: &Path, args: TransferArgs) -> anyhow::Result<()> {
    let mut replica = synced(home).await?;
    let id = replica.resolve(&args.id).await?;
    let rest = Rest::signed_in(&mut replica).await?;
    let owner = rest.member_by_email(&args.to).await?;
    rest.transfer(id, owner.id).await?;
    finish(replica).await?;
    say!("{id} now belongs to {} <{}>", owner.name, owner.email);
    Ok(())
}

pub(super) async fn purge(home: &Path, args: super::contacts::IdArgs) -> anyhow::Result<()> {
    let mut replica = synced(home).await?;
    let id = replica.resolve(&args.id).await?;
    let rest = Rest::signed_in(&mut replica).await?;
    rest.purge(id).await?;
    finish(replica).await?;
    say!("deleted {id} for good, on the server and every device");
    Ok(())
}

pub(super) async fn empty_trash(home: &Path) -> anyhow::Result<()> {
    let mut replica = synced(home).await?;
    let rest = Rest::signed_in(&mut replica).await?;
    let purged = rest.empty_trash().await?;
    finish(replica).await?;
    say!("deleted {purged} contacts in the trash for good");
    Ok(())
}

pub(super) async fn tags(home: &Path, action: TagsAction) -> anyhow::Result<()> {
    let mut replica = synced(home).await?;
    let rest = Rest::signed_in(&mut replica).await?;
    let message = match action {
        TagsAction::Rename { old, new } => {
            let count = rest.rename_tag(&old, &new).await?;
            format!("renamed {old:?} to {new:?} on {count} contacts")
        }
        TagsAction::Delete { tag } => {
            let count = rest.delete_tag(&tag).await?;
            format!("removed {tag:?} from {count} contacts")
        }
    };
    finish(replica).await?;
    say!("{message}");
    Ok(())
}
