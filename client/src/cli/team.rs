//! `rolo invite`, `members`, `member`, `groups`, `group`, `units` and `unit`: the company's
//! people, over the REST API (they need the server).

use std::collections::BTreeMap;
use std::path::Path;

use clap::{ArgGroup, Args, Subcommand};
use sync_core::ids::{MemberId, UnitId};

use crate::api::Rest;
use crate::api::team::{Member, MemberUpdate, Unit, UnitUpdate};

/// Arguments of `rolo invite`.
#[derive(Debug, Args)]
pub struct InviteArgs {
    /// The new member's email: they sign in with it.
    email: String,
    /// Their name (default: the part of the email before the @).
    #[arg(long)]
    name: Option<String>,
    /// admin or member.
    #[arg(long, default_value = "member")]
    role: String,
}

/// Arguments of `rolo members`.
#[derive(Debug, Args)]
pub struct MembersArgs {
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `rolo member`.
#[derive(Debug, Args)]
#[command(group(
    ArgGroup::new("change").required(true).multiple(true)
        .args(["deactivate", "activate", "role"])
))]
pub struct MemberArgs {
    /// The member's email.
    email: String,
    /// Stop them signing in: their devices are disconnected at once and see nothing more.
    #[arg(long, conflicts_with = "activate")]
    deactivate: bool,
    /// Let a deactivated member sign in again.
    #[arg(long)]
    activate: bool,
    /// admin or member (only the company's owner changes roles).
    #[arg(long)]
    role: Option<String>,
}

/// Arguments of `rolo groups` and `rolo units`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `rolo group …`.
#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Create a group; prints its id.
    Create {
        /// Its name.
        name: String,
    },
    /// Rename a group.
    Rename {
        /// The group's name (or id).
        group: String,
        /// Its new name.
        new: String,
    },
    /// Delete a group: contacts shared with it are no longer seen through it.
    Delete {
        /// The group's name (or id).
        group: String,
    },
    /// Add a member to a group: they receive the contacts shared with it.
    Add {
        /// The group's name (or id).
        group: String,
        /// The member's email.
        email: String,
    },
    /// Remove a member from a group: their devices drop the contacts they saw only through it.
    Remove {
        /// The group's name (or id).
        group: String,
        /// The member's email.
        email: String,
    },
}

/// `rolo unit …`.
#[derive(Debug, Subcommand)]
pub enum UnitCommand {
    /// Create an org unit, at the top or inside another; prints its id.
    Create {
        /// Its name.
        name: String,
        /// The unit it sits in.
        #[arg(long)]
        parent: Option<String>,
    },
    /// Move a unit (with the units below it) inside another, or to the top.
    Move {
        /// The unit's name (or id).
        unit: String,
        /// Its new parent.
        #[arg(long, conflicts_with = "top", required_unless_present = "top")]
        parent: Option<String>,
        /// Move it to the top of the tree.
        #[arg(long)]
        top: bool,
    },
    /// Rename a unit.
    Rename {
        /// The unit's name (or id).
        unit: String,
        /// Its new name.
        new: String,
    },
    /// Delete a unit.
    Delete {
        /// The unit's name (or id).
        unit: String,
    },
    /// Add a member to a unit.
    Add {
        /// The unit's name (or id).
        unit: String,
        /// The member's email.
        email: String,
    },
    /// Remove a member from a unit.
    Remove {
        /// The unit's name (or id).
        unit: String,
        /// The member's email.
        email: String,
    },
}

async fn rest(home: &Path) -> anyhow::Result<Rest> {
    let mut replica = super::open(home).await?;
    let rest = Rest::signed_in(&mut replica).await?;
    replica.close().await?;
    Ok(rest)
}

pub(super) async fn invite(home: &Path, args: InviteArgs) -> anyhow::Result<()> {
    let rest = rest(home).await?;
    let name = args
        .name
        .unwrap_or_else(|| args.email.split('@').next().unwrap_or_default().to_string());
    let invited = rest.invite(&args.email, &name, &args.role).await?;
    say!(
        "invited {} <{}> as {}; pass on this one-time code: {}",
        invited.name,
        invited.email,
        invited.role,
        invited.invite_code
    );
    say!(
        "they join with `rolo join --server URL --email {} --code CODE` (before {})",
        invited.email,
        crate::view::utc(invited.invite_expires_at.saturating_mul(1000))
    );
    Ok(())
}

pub(super) async fn members(home: &Path, args: MembersArgs) -> anyhow::Result<()> {
    let members = rest(home).await?.members().await?;
    if args.json {
        let all: Vec<_> = members.iter().map(member_json).collect();
        say!("{}", serde_json::to_string_pretty(&all)?);
    } else {
        for member in &members {
            say!(
                "{:<28}  {:<24}  {:<6}{}",
                member.email,
                member.name,
                member.role,
                if member.active { "" } else { "  (deactivated)" }
            );
        }
    }
    Ok(())
}

fn member_json(member: &Member) -> serde_json::Value {
    serde_json::json!({
        "id": member.id.to_string(), "email": member.email, "name": member.name,
        "role": member.role, "active": member.active,
    })
}

pub(super) async fn member(home: &Path, args: MemberArgs) -> anyhow::Result<()> {
    let rest = rest(home).await?;
    let member = rest.member_by_email(&args.email).await?;
    let update = MemberUpdate {
        active: if args.deactivate {
            Some(false)
        } else if args.activate {
            Some(true)
        } else {
            None
        },
        role: args.role,
    };
    rest.update_member(member.id, &update).await?;
    say!("updated {}", member.email);
    Ok(())
}

pub(super) async fn groups(home: &Path, args: ListArgs) -> anyhow::Result<()> {
    let rest = rest(home).await?;
    let groups = rest.groups().await?;
    let emails = emails(&rest).await?;
    if args.json {
        let all: Vec<_> = groups
            .iter()
            .map(|group| {
                serde_json::json!({
                    "id": group.id.to_string(), "name": group.name,
                    "members": group.members.iter().map(|m| email_of(&emails, *m)).collect::<Vec<_>>(),
                })
            })
            .collect();
        say!("{}", serde_json::to_string_pretty(&all)?);
    } else {
        for group in &groups {
            let members: Vec<String> = group
                .members
                .iter()
                .map(|m| email_of(&emails, *m))
                .collect();
            say!("{}  ({})", group.name, members.join(", "));
        }
    }
    Ok(())
}

pub(super) async fn group(home: &Path, command: GroupCommand) -> anyhow::Result<()> {
    let rest = rest(home).await?;
    match command {
        GroupCommand::Create { name } => {
            let id = rest.create_group(&name).await?;
            say!("{id}");
        }
        GroupCommand::Rename { group, new } => {
            rest.rename_group(rest.group_named(&group).await?, &new)
                .await?;
            say!("renamed {group:?} to {new:?}");
        }
        GroupCommand::Delete { group } => {
            rest.delete_group(rest.group_named(&group).await?).await?;
            say!("deleted {group:?}");
        }
        GroupCommand::Add { group, email } => {
            let id = rest.group_named(&group).await?;
            let member = rest.member_by_email(&email).await?;
            rest.add_to_group(id, member.id).await?;
            say!("{} is in {group:?}", member.email);
        }
        GroupCommand::Remove { group, email } => {
            let id = rest.group_named(&group).await?;
            let member = rest.member_by_email(&email).await?;
            rest.remove_from_group(id, member.id).await?;
            say!("{} left {group:?}", member.email);
        }
    }
    Ok(())
}

pub(super) async fn units(home: &Path, args: ListArgs) -> anyhow::Result<()> {
    let rest = rest(home).await?;
    let units = rest.units().await?;
    let emails = emails(&rest).await?;
    if args.json {
        let all: Vec<_> = units
            .iter()
            .map(|unit| {
                serde_json::json!({
                    "id": unit.id.to_string(), "name": unit.name,
                    "parent": unit.parent.map(|p| p.to_string()),
                    "members": unit.members.iter().map(|m| email_of(&emails, *m)).collect::<Vec<_>>(),
                })
            })
            .collect();
        say!("{}", serde_json::to_string_pretty(&all)?);
    } else {
        for line in tree(&units, &emails) {
            say!("{line}");
        }
    }
    Ok(())
}

/// The units as an indented tree, children under their parent, each level by name.
fn tree(units: &[Unit], emails: &BTreeMap<MemberId, String>) -> Vec<String> {
    fn walk(
        units: &[Unit],
        parent: Option<UnitId>,
        depth: usize,
        emails: &BTreeMap<MemberId, String>,
        lines: &mut Vec<String>,
    ) {
        let mut level: Vec<&Unit> = units.iter().filter(|u| u.parent == parent).collect();
        level.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
        for unit in level {
            let members: Vec<String> = unit.members.iter().map(|m| email_of(emails, *m)).collect();
            lines.push(format!(
                "{}{}  ({})",
                "  ".repeat(depth),
                unit.name,
                members.join(", ")
            ));
            // A unit whose parent is not listed would be lost; the server never answers so.
            if depth < units.len() {
                walk(units, Some(unit.id), depth + 1, emails, lines);
            }
        }
    }
    let mut lines = Vec::new();
    walk(units, None, 0, emails, &mut lines);
    lines
}

pub(super) async fn unit(home: &Path, command: UnitCommand) -> anyhow::Result<()> {
    let rest = rest(home).await?;
    match command {
        UnitCommand::Create { name, parent } => {
            let parent = match parent {
                Some(parent) => Some(rest.unit_named(&parent).await?),
                None => None,
            };
            say!("{}", rest.create_unit(&name, parent).await?);
        }
        UnitCommand::Move { unit, parent, top } => {
            let id = rest.unit_named(&unit).await?;
            let parent = match (parent, top) {
                (Some(parent), _) => Some(rest.unit_named(&parent).await?),
                (None, _) => None,
            };
            let update = UnitUpdate {
                name: None,
                parent: Some(parent),
            };
            rest.update_unit(id, &update).await?;
            say!("moved {unit:?}{}", if top { " to the top" } else { "" });
        }
        UnitCommand::Rename { unit, new } => {
            let update = UnitUpdate {
                name: Some(new.clone()),
                parent: None,
            };
            rest.update_unit(rest.unit_named(&unit).await?, &update)
                .await?;
            say!("renamed {unit:?} to {new:?}");
        }
        UnitCommand::Delete { unit } => {
            rest.delete_unit(rest.unit_named(&unit).await?).await?;
            say!("deleted {unit:?}");
        }
        UnitCommand::Add { unit, email } => {
            let id = rest.unit_named(&unit).await?;
            let member = rest.member_by_email(&email).await?;
            rest.add_to_unit(id, member.id).await?;
            say!("{} is in {unit:?}", member.email);
        }
        UnitCommand::Remove { unit, email } => {
            let id = rest.unit_named(&unit).await?;
            let member = rest.member_by_email(&email).await?;
            rest.remove_from_unit(id, member.id).await?;
            say!("{} left {unit:?}", member.email);
        }
    }
    Ok(())
}

async fn emails(rest: &Rest) -> anyhow::Result<BTreeMap<MemberId, String>> {
    Ok(rest
        .members()
        .await?
        .into_iter()
        .map(|member| (member.id, member.email))
        .collect())
}

fn email_of(emails: &BTreeMap<MemberId, String>, member: MemberId) -> String {
    emails
        .get(&member)
        .cloned()
        .unwrap_or_else(|| member.to_string())
}
