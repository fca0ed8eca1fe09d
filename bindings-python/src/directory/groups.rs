//! User groups.

use pyo3::prelude::*;

use crate::convert::{permission_to_py, GroupArg, RoleArg, RoleList, TenantArg, UserArg, UserList};
use crate::errors::OrRaise;
use crate::records::PyGroup;

use super::PyDirectory;

#[pymethods]
impl PyDirectory {
    // ======================= groups =======================

    /// Creates a user group with roles (004); returns its id. Needs `groups.manage`.
    #[pyo3(
        signature = (actor, name, roles = RoleList::default()),
        text_signature = "($self, actor, name, roles=())"
    )]
    fn create_group(
        &self,
        py: Python<'_>,
        actor: UserArg,
        name: String,
        roles: RoleList,
    ) -> PyResult<u64> {
        self.write(py, |d| d.create_group(actor.0, &name, &roles.0))
            .map(|id| id.0)
    }

    /// Renames a group.
    fn rename_group(
        &self,
        py: Python<'_>,
        actor: UserArg,
        group: GroupArg,
        name: String,
    ) -> PyResult<()> {
        self.write(py, |d| d.rename_group(actor.0, group.0, &name))
    }

    /// Adds a role to a group: a grant to every member.
    fn add_group_role(
        &self,
        py: Python<'_>,
        actor: UserArg,
        group: GroupArg,
        role: RoleArg,
    ) -> PyResult<()> {
        self.write(py, |d| d.add_group_role(actor.0, group.0, role.0))
    }

    /// Removes a role from a group.
    fn remove_group_role(
        &self,
        py: Python<'_>,
        actor: UserArg,
        group: GroupArg,
        role: RoleArg,
    ) -> PyResult<()> {
        self.write(py, |d| d.remove_group_role(actor.0, group.0, role.0))
    }

    /// Adds a user to a group: a grant of the group's roles.
    fn add_member(
        &self,
        py: Python<'_>,
        actor: UserArg,
        group: GroupArg,
        user: UserArg,
    ) -> PyResult<()> {
        self.write(py, |d| d.add_member(actor.0, group.0, user.0))
    }

    /// Adds many users (ids or `User`s, any iterable) to a group in one atomic commit, each
    /// under the rules of `add_member`: all join, or none when one is refused. Members
    /// already in the group, and repeats, are skipped.
    fn add_members(
        &self,
        py: Python<'_>,
        actor: UserArg,
        group: GroupArg,
        users: UserList,
    ) -> PyResult<()> {
        self.write(py, |d| d.add_members(actor.0, group.0, &users.0))
    }

    /// Removes a user from a group.
    fn remove_member(
        &self,
        py: Python<'_>,
        actor: UserArg,
        group: GroupArg,
        user: UserArg,
    ) -> PyResult<()> {
        self.write(py, |d| d.remove_member(actor.0, group.0, user.0))
    }

    /// Deletes a group; refused while it is the only group of one of its members (004).
    fn delete_group(&self, py: Python<'_>, actor: UserArg, group: GroupArg) -> PyResult<()> {
        self.write(py, |d| d.delete_group(actor.0, group.0))
    }

    /// A group.
    fn group(&self, id: GroupArg) -> PyResult<PyGroup> {
        self.d()?.group(id.0).map(PyGroup).or_raise()
    }

    /// The group of `tenant` with this name (case-insensitive).
    fn group_by_name(&self, tenant: TenantArg, name: &str) -> PyResult<PyGroup> {
        self.d()?
            .group_by_name(tenant.0, name)
            .map(PyGroup)
            .or_raise()
    }

    /// Every group of a tenant, in id order.
    fn groups(&self, tenant: TenantArg) -> PyResult<Vec<PyGroup>> {
        let groups = self.d()?.groups(tenant.0).or_raise()?;
        Ok(groups.into_iter().map(PyGroup).collect())
    }

    /// Ids of the members of a group, in id order.
    fn group_members(&self, group: GroupArg) -> PyResult<Vec<u64>> {
        let ids = self.d()?.group_members(group.0).or_raise()?;
        Ok(ids.into_iter().map(|u| u.0).collect())
    }

    /// The permissions a group grants its members (union of its roles).
    fn group_permissions<'py>(
        &self,
        py: Python<'py>,
        group: GroupArg,
    ) -> PyResult<Bound<'py, PyAny>> {
        let p = self.d()?.group_permissions(group.0).or_raise()?;
        permission_to_py(py, p)
    }

    /// Ids of the groups a user belongs to, in id order.
    fn user_groups(&self, user: UserArg) -> PyResult<Vec<u64>> {
        let ids = self.d()?.user_groups(user.0).or_raise()?;
        Ok(ids.into_iter().map(|g| g.0).collect())
    }
}
