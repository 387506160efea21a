//! The company's people over REST: members and invitations, groups, and org units (a tree
//! of departments). Names and emails resolve to ids through the list routes; an id typed in
//! place of a name is taken as is.

use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use sync_core::ids::{GroupId, MemberId, UnitId};

use super::rest::{Rest, one_named};
use crate::error::Error;

/// A member of the company.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Member {
    /// The member.
    pub id: MemberId,
    /// Their login email.
    pub email: String,
    /// Their name.
    pub name: String,
    /// `owner`, `admin` or `member`.
    pub role: String,
    /// Whether they may sign in (deactivated members see nothing).
    pub active: bool,
}

/// A member just invited, with the one-time code to pass on to them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Invited {
    /// The new member.
    pub id: MemberId,
    /// Their email.
    pub email: String,
    /// Their name.
    pub name: String,
    /// `admin` or `member`.
    pub role: String,
    /// The code they accept the invitation with (`rolo join`); shown only this once.
    pub invite_code: String,
    /// When the code stops working, seconds since the Unix epoch.
    pub invite_expires_at: i64,
}

/// A group of members, to share contacts with all of them at once.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Group {
    /// The group.
    pub id: GroupId,
    /// Its name.
    pub name: String,
    /// Its members.
    #[serde(default)]
    pub members: Vec<MemberId>,
}

/// An org unit (department): sharing with it shares with its members and those of every unit
/// below it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Unit {
    /// The unit.
    pub id: UnitId,
    /// Its name.
    pub name: String,
    /// The unit it sits in; `None` at the top.
    #[serde(default)]
    pub parent: Option<UnitId>,
    /// Its own members (not those of the units below).
    #[serde(default)]
    pub members: Vec<MemberId>,
}

/// A change to a member.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberUpdate {
    /// Activate (`true`) or deactivate (`false`: their sessions end at once).
    pub active: Option<bool>,
    /// `admin` or `member` (only the company's owner changes roles).
    pub role: Option<String>,
}

/// A change to an org unit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitUpdate {
    /// A new name.
    pub name: Option<String>,
    /// A new place in the tree: `Some(None)` moves it to the top.
    pub parent: Option<Option<UnitId>>,
}

#[derive(Deserialize)]
struct Members {
    members: Vec<Member>,
}

#[derive(Deserialize)]
struct Groups {
    groups: Vec<Group>,
}

#[derive(Deserialize)]
struct Units {
    units: Vec<Unit>,
}

#[derive(Deserialize)]
struct Created<Id> {
    id: Id,
}

impl Rest {
    /// `GET /v1/members`: everyone in the company.
    pub async fn members(&self) -> Result<Vec<Member>, Error> {
        let list: Members = self.fetch(Method::GET, &["v1", "members"], None).await?;
        Ok(list.members)
    }

    /// The member whose email is `email` (any case) or whose id is `email`.
    pub async fn member_by_email(&self, email: &str) -> Result<Member, Error> {
        let members = self.members().await?;
        find_member(&members, email).cloned()
    }

    /// `POST /v1/members`: invites `email` as `role` (`admin` or `member`).
    pub async fn invite(&self, email: &str, name: &str, role: &str) -> Result<Invited, Error> {
        let body = json!({"email": email, "name": name, "role": role});
        self.fetch(Method::POST, &["v1", "members"], Some(&body))
            .await
    }

    /// `PATCH /v1/members/{id}`.
    pub async fn update_member(
        &self,
        member: MemberId,
        update: &MemberUpdate,
    ) -> Result<(), Error> {
        let mut body = serde_json::Map::new();
        if let Some(active) = update.active {
            body.insert("active".into(), active.into());
        }
        if let Some(role) = &update.role {
            body.insert("role".into(), role.clone().into());
        }
        let id = member.to_string();
        self.send(Method::PATCH, &["v1", "members", &id], Some(&body.into()))
            .await?;
        Ok(())
    }

    /// `GET /v1/groups`.
    pub async fn groups(&self) -> Result<Vec<Group>, Error> {
        let list: Groups = self.fetch(Method::GET, &["v1", "groups"], None).await?;
        Ok(list.groups)
    }

    /// The group named `name` (any case), or whose id is `name`.
    pub async fn group_named(&self, name: &str) -> Result<GroupId, Error> {
        if let Ok(id) = name.trim().parse::<GroupId>() {
            return Ok(id);
        }
        let groups = self.groups().await?;
        let wanted = name.trim().to_lowercase();
        Ok(one_named(&groups, "group", name, |g| g.name.to_lowercase() == wanted)?.id)
    }

    /// `POST /v1/groups`: returns the new group's id.
    pub async fn create_group(&self, name: &str) -> Result<GroupId, Error> {
        let body = json!({ "name": name });
        let created: Created<GroupId> = self
            .fetch(Method::POST, &["v1", "groups"], Some(&body))
            .await?;
        Ok(created.id)
    }

    /// `PATCH /v1/groups/{id}`.
    pub async fn rename_group(&self, group: GroupId, name: &str) -> Result<(), Error> {
        let id = group.to_string();
        let body = json!({ "name": name });
        self.send(Method::PATCH, &["v1", "groups", &id], Some(&body))
            .await?;
        Ok(())
    }

    /// `DELETE /v1/groups/{id}`.
    pub async fn delete_group(&self, group: GroupId) -> Result<(), Error> {
        let id = group.to_string();
        self.send(Method::DELETE, &["v1", "groups", &id], None)
            .await?;
        Ok(())
    }

    /// `POST /v1/groups/{id}/members`.
    pub async fn add_to_group(&self, group: GroupId, member: MemberId) -> Result<(), Error> {
        let id = group.to_string();
        let body = json!({ "member": member.to_string() });
        self.send(Method::POST, &["v1", "groups", &id, "members"], Some(&body))
            .await?;
        Ok(())
    }

    /// `DELETE /v1/groups/{id}/members/{member}`.
    pub async fn remove_from_group(&self, group: GroupId, member: MemberId) -> Result<(), Error> {
        let (id, member) = (group.to_string(), member.to_string());
        self.send(
            Method::DELETE,
            &["v1", "groups", &id, "members", &member],
            None,
        )
        .await?;
        Ok(())
    }

    /// `GET /v1/units`.
    pub async fn units(&self) -> Result<Vec<Unit>, Error> {
        let list: Units = self.fetch(Method::GET, &["v1", "units"], None).await?;
        Ok(list.units)
    }

    /// The unit named `name` (any case), or whose id is `name`.
    pub async fn unit_named(&self, name: &str) -> Result<UnitId, Error> {
        if let Ok(id) = name.trim().parse::<UnitId>() {
            return Ok(id);
        }
        let units = self.units().await?;
        let wanted = name.trim().to_lowercase();
        Ok(one_named(&units, "unit", name, |u| u.name.to_lowercase() == wanted)?.id)
    }

    /// `POST /v1/units`: returns the new unit's id.
    pub async fn create_unit(&self, name: &str, parent: Option<UnitId>) -> Result<UnitId, Error> {
        let body = json!({ "name": name, "parent": parent.map(|p| p.to_string()) });
        let created: Created<UnitId> = self
            .fetch(Method::POST, &["v1", "units"], Some(&body))
            .await?;
        Ok(created.id)
    }

    /// `PATCH /v1/units/{id}`: renames or moves a unit (a move into its own subtree is
    /// refused by the server).
    pub async fn update_unit(&self, unit: UnitId, update: &UnitUpdate) -> Result<(), Error> {
        let mut body = serde_json::Map::new();
        if let Some(name) = &update.name {
            body.insert("name".into(), name.clone().into());
        }
        if let Some(parent) = &update.parent {
            body.insert("parent".into(), parent.map(|p| p.to_string()).into());
        }
        let id = unit.to_string();
        self.send(Method::PATCH, &["v1", "units", &id], Some(&body.into()))
            .await?;
        Ok(())
    }

    /// `DELETE /v1/units/{id}`.
    pub async fn delete_unit(&self, unit: UnitId) -> Result<(), Error> {
        let id = unit.to_string();
        self.send(Method::DELETE, &["v1", "units", &id], None)
            .await?;
        Ok(())
    }

    /// `POST /v1/units/{id}/members`.
    pub async fn add_to_unit(&self, unit: UnitId, member: MemberId) -> Result<(), Error> {
        let id = unit.to_string();
        let body = json!({ "member": member.to_string() });
        self.send(Method::POST, &["v1", "units", &id, "members"], Some(&body))
            .await?;
        Ok(())
    }

    /// `DELETE /v1/units/{id}/members/{member}`.
    pub async fn remove_from_unit(&self, unit: UnitId, member: MemberId) -> Result<(), Error> {
        let (id, member) = (unit.to_string(), member.to_string());
        self.send(
            Method::DELETE,
            &["v1", "units", &id, "members", &member],
            None,
        )
        .await?;
        Ok(())
    }
}

/// The member of `members` whose email is `email` (any case) or whose id is `email`.
pub fn find_member<'a>(members: &'a [Member], email: &str) -> Result<&'a Member, Error> {
    let wanted = email.trim().to_lowercase();
    if let Ok(id) = wanted.parse::<MemberId>() {
        return one_named(members, "member", email, |m| m.id == id);
    }
    one_named(members, "member", email, |m| {
        m.email.to_lowercase() == wanted
    })
}
