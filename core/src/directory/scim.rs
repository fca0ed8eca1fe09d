//! The commits of the SCIM mapper ([`crate::scim`]): one SCIM request, one commit.

use crate::audit::AuditAction;
use crate::domain::{GroupId, UserId};
use crate::ops::UserPatch;
use crate::Error;

use super::Directory;

impl Directory {
    /// Edits a user's profile and, when `active` is given, its activity, in one commit:
    /// under the rules of [`update_user`](Self::update_user) and
    /// [`set_active`](Self::set_active), all or nothing.
    pub(crate) fn update_user_and_activity(
        &self,
        actor: UserId,
        user: UserId,
        patch: &UserPatch,
        active: Option<bool>,
    ) -> Result<(), Error> {
        let action = if *patch == UserPatch::default() {
            AuditAction::SetActive
        } else {
            AuditAction::UpdateUser
        };
        self.write(Some(actor), action, |p| {
            p.update_user_and_activity(actor, user, patch, active)
        })
    }

    /// Creates a group without roles and with these members, in one commit: under the rules
    /// of [`create_group`](Self::create_group) and [`add_member`](Self::add_member).
    pub(crate) fn create_group_with_members(
        &self,
        actor: UserId,
        name: &str,
        members: &[UserId],
    ) -> Result<GroupId, Error> {
        self.write(Some(actor), AuditAction::CreateGroup, |p| {
            p.create_group_with_members(actor, name, members)
        })
    }

    /// Renames a group (when `name` is given) and adds and removes members, in one commit:
    /// under the rules of [`rename_group`](Self::rename_group),
    /// [`add_members`](Self::add_members) and [`remove_member`](Self::remove_member).
    pub(crate) fn update_group_and_members(
        &self,
        actor: UserId,
        group: GroupId,
        name: Option<&str>,
        add: &[UserId],
        remove: &[UserId],
    ) -> Result<(), Error> {
        let action = if !add.is_empty() {
            AuditAction::AddMembers
        } else if !remove.is_empty() {
            AuditAction::RemoveMember
        } else {
            AuditAction::RenameGroup
        };
        self.write(Some(actor), action, |p| {
            p.update_group_and_members(actor, group, name, add, remove)
        })
    }
}
