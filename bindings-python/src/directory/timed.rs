//! Time-bound grants, eligible grants and their activation, break-glass accounts (issue 16).

use pyo3::prelude::*;

use crate::convert::{RoleArg, ScopeArg, UserArg};
use crate::records::{Ms, PyWindow, TimedGrantArg, WindowArg};

use super::PyDirectory;

#[pymethods]
impl PyDirectory {
    // ======================= time-bound grants =======================

    /// Grants `grant` (a `TimedGrant`) to `user` for the instants of `window` (a `Window`),
    /// under the rules of the permanent grant; on an assignment already held it sets a new
    /// window, under the same rules (extending is a grant). `Window.ALWAYS` makes it permanent.
    /// The grant stops counting at its end with no call needed (a timer, or the `ManualClock`
    /// the directory was opened on); its end is audited (`expired`) and notified
    /// (`Notification` kind `"grant_expired"`), and the user's sessions end.
    ///
    /// Raises `InvalidInputError` (kind `"invalid_window"`) for a window that ends before it
    /// starts or has already ended, or (kind `"invalid_argument"`) for a time-bound no-access
    /// level; otherwise the errors of the permanent grant.
    fn grant_for(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        grant: TimedGrantArg,
        window: WindowArg,
    ) -> PyResult<()> {
        self.write(py, |d| d.grant_for(actor.0, user.0, &grant.0, window.0))
    }

    /// Moves the directory's time to its clock's now: grants whose window started or ended
    /// meanwhile start or end. It runs by itself; calling it is never needed, but it delivers
    /// at once to `on_notification` the notifications of grants that ended.
    fn tick(&self, py: Python<'_>) -> PyResult<()> {
        self.write(py, |d| {
            d.tick();
            Ok(())
        })
    }

    // ======================= eligibility and activation =======================

    /// Makes `user` eligible to activate `role` for itself, held directly (`scope` None) or
    /// for `scope`, for at most `max_ms` at a time (1 ms to 31 days). Making eligible obeys the
    /// rules of granting the role; setting it again replaces the maximum.
    ///
    /// Raises `InvalidInputError` for `max_ms` out of range; otherwise the errors of
    /// `assign_role` (or `grant_role_in_scope`).
    #[pyo3(signature = (actor, user, role, max_ms, *, scope = None))]
    fn make_eligible(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        role: RoleArg,
        max_ms: Ms,
        scope: Option<ScopeArg>,
    ) -> PyResult<()> {
        self.write(py, |d| {
            d.make_eligible(actor.0, user.0, role.0, scope.map(|s| s.0), max_ms.0)
        })
    }

    /// Takes back `user`'s eligibility for `role` (for `scope`). An activation under way runs
    /// to its end (`end_activation` ends it). Raises the errors of `revoke_role`.
    #[pyo3(signature = (actor, user, role, *, scope = None))]
    fn revoke_eligibility(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        role: RoleArg,
        scope: Option<ScopeArg>,
    ) -> PyResult<()> {
        self.write(py, |d| {
            d.revoke_eligibility(actor.0, user.0, role.0, scope.map(|s| s.0))
        })
    }

    /// `user` activates, for itself, `role` (for `scope`) for `duration_ms`, saying why
    /// (`justification`): a time-bound grant ending at now + `duration_ms`, audited
    /// (`activate`) and notified (`Notification` kind `"activated"`). Returns its `Window`.
    /// Activating again while active sets a new end.
    ///
    /// Raises `PermissionDeniedError` (kind `"not_eligible"`) without an eligibility for it;
    /// `InvalidInputError` for a duration out of range (1 ms to the eligibility's maximum), a
    /// role held permanently, or an empty or malformed justification (one line).
    #[pyo3(signature = (user, role, duration_ms, justification, *, scope = None))]
    fn activate(
        &self,
        py: Python<'_>,
        user: UserArg,
        role: RoleArg,
        duration_ms: Ms,
        justification: String,
        scope: Option<ScopeArg>,
    ) -> PyResult<PyWindow> {
        self.write(py, |d| {
            d.activate(
                user.0,
                role.0,
                scope.map(|s| s.0),
                duration_ms.0,
                &justification,
            )
        })
        .map(PyWindow)
    }

    /// Ends `user`'s activation of `role` (for `scope`) now, by the user itself or by whoever
    /// may revoke the role from it; ends any time-bound grant of the role the same way. Raises
    /// `InvalidInputError` when the user holds no time-bound grant of it, otherwise the errors
    /// of `revoke_role`.
    #[pyo3(signature = (actor, user, role, *, scope = None))]
    fn end_activation(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        role: RoleArg,
        scope: Option<ScopeArg>,
    ) -> PyResult<()> {
        self.write(py, |d| {
            d.end_activation(actor.0, user.0, role.0, scope.map(|s| s.0))
        })
    }

    // ======================= break-glass =======================

    /// Makes `user` a break-glass account (`on` True) or an ordinary one: a lock does not keep
    /// a break-glass account out, and each of its uses is audited and notified
    /// (`Notification` kind `"break_glass_used"`). The superadministrator only.
    fn set_break_glass(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        on: bool,
    ) -> PyResult<()> {
        self.write(py, |d| d.set_break_glass(actor.0, user.0, on))
    }
}
