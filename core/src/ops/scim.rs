//! Planning for the SCIM mapper ([`crate::scim`]): one SCIM request is one commit. A user's
//! profile and activity change together, a group is created with its members, and a group's
//! name and members change together, each under the rules of the single operations it is made
//! of.

use super::{dedup, Plan, UserPatch};
use crate::domain::rules::Actor;
use crate::domain::{Change, GroupId, Permission, UserId};
use crate::Error;

impl<'m> Plan<'m> {
    /// [`update_user`](Self::update_user) and, when `active` is given,
    /// [`set_active`](Self::set_active), planned as one change. Both plan from the model as it
    /// was, each putting the whole user record: the profile's record takes the activity of the
    /// second, so neither change is lost.
    pub fn update_user_and_activity(
        &mut self,
        actor: UserId,
        user: UserId,
        patch: &UserPatch,
        active: Option<bool>,
    ) -> Result<(), Error> {
        let start = self.changes.len();
        self.update_user(actor, user, patch)?;
        let Some(active) = active else {
            return Ok(());
        };
        self.set_active(actor, user, active)?;
        let puts: Vec<usize> = (start..self.changes.len())
            .filter(|&i| matches!(&self.changes[i], Change::UserPut(u) if u.id == user))
            .collect();
        if let [profile, activity] = puts[..] {
            if let Change::UserPut(u) = &mut self.changes[profile] {
                u.active = active;
            }
            self.changes.remove(activity);
        }
        Ok(())
    }

    /// [`create_group`](Self::create_group) without roles, then each of `members` joining it
    /// under [`add_member`](Self::add_member)'s rules, as one change.
    pub fn create_group_with_members(
        &mut self,
        actor: UserId,
        name: &str,
        members: &[UserId],
    ) -> Result<GroupId, Error> {
        let id = self.create_group(actor, name, &[])?;
        let group = self.changes.iter().rev().find_map(|c| match c {
            Change::GroupPut(g) if g.id == id => Some(g.clone()),
            _ => None,
        });
        let Some(group) = group else {
            return Err(Error::Corrupt("a planned group went missing".into()));
        };
        let a = Actor::load(self.m, actor)?;
        for user in dedup(members) {
            let t = self.managed(&a, user, Permission::GROUPS_MANAGE)?;
            self.join(&a, &group, t)?;
        }
        Ok(id)
    }

    /// A group renamed (when `name` is given), `add` joining it and `remove` leaving it, as
    /// one change under the rules of [`rename_group`](Self::rename_group),
    /// [`add_members`](Self::add_members) and [`remove_member`](Self::remove_member).
    pub fn update_group_and_members(
        &mut self,
        actor: UserId,
        group: GroupId,
        name: Option<&str>,
        add: &[UserId],
        remove: &[UserId],
    ) -> Result<(), Error> {
        if let Some(name) = name {
            self.rename_group(actor, group, name)?;
        }
        self.add_members(actor, group, add)?;
        for user in dedup(remove) {
            self.remove_member(actor, group, user)?;
        }
        Ok(())
    }
}
