"""The exception hierarchy of rolecall.

Every error the core reports is raised as a subclass of :class:`RolecallError` carrying the
core's stable numeric ``code`` (1xx invalid input, 2xx not found, 3xx conflict, 4xx refused by a
rule, 5xx authentication, 9xx storage) and its stable snake_case ``kind`` (``"escalation"``,
``"unknown_user"``, ... the same names the conformance vectors and the C library use).

The class is chosen by the core's category, or for a few kinds by a finer subclass; nothing
here decides anything about the rules.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple, Type

__all__ = [
    "AccountLockedError",
    "AuthenticationError",
    "AuthenticationFailedError",
    "BusyError",
    "ConflictError",
    "EscalationError",
    "ForeignTokenError",
    "InvalidImportError",
    "InvalidInputError",
    "InvalidTokenError",
    "NoPasswordError",
    "NotFoundError",
    "PermissionDeniedError",
    "ReadOnlyError",
    "RolecallError",
    "SeparationOfDutyError",
    "StaleError",
    "StorageError",
    "UnavailableError",
    "UnknownPermissionError",
    "WeakPasswordError",
    "WrongTenantError",
]


class RolecallError(Exception):
    """Base class of every error raised by rolecall.

    Attributes:
        code: the core's stable numeric error code (never reused for another meaning).
        kind: the core's stable snake_case error kind, e.g. ``"permission_denied"``.
        message: the core's message.
    """

    #: The core's error category this class stands for ("" for the base class).
    category: str = ""

    def __init__(self, message: str, code: int = 0, kind: str = "") -> None:
        """Messages name things for a person (a group's name, a user's email); errors about
        an object also carry its id for programs, as an attribute named after its kind
        (``user``, ``group``, ``role``, ``agreement``)."""
        super().__init__(message)
        self.message = message
        self.code = code
        self.kind = kind

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (self.message, self.code, self.kind))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code}, kind={self.kind!r})"


class InvalidInputError(RolecallError, ValueError):
    """A malformed value: a name, email or phone, an unknown permission, preset, product or
    access level, a bad scope kind name, an argument out of range, a scope that is not a team
    where a team is needed (kind ``"not_a_team"``, code 116: ``scope`` is its id) (codes
    1xx)."""

    category = "invalid_input"


class UnknownPermissionError(InvalidInputError):
    """A permission name (or bits) that is not in the catalogue (code 103)."""


class WeakPasswordError(InvalidInputError):
    """The password breaks the tenant's password policy (code 109). ``rule`` names the rule
    that failed: ``"empty"``, ``"too_short"``, ``"too_long"``, ``"common"``,
    ``"contains_personal_data"`` or ``"control_characters"``. Never contains the password."""

    def __init__(self, message: str, code: int = 0, kind: str = "", rule: str = "") -> None:
        super().__init__(message, code, kind)
        self.rule = rule

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (self.message, self.code, self.kind, self.rule))


class InvalidImportError(InvalidInputError):
    """An import's input has problems (kind ``"invalid_import"``, code 118): ``problems`` lists
    every one as ``(location, field, reason)``, where ``location`` is a JSON path such as
    ``"users[3].email"`` or a CSV line (``"line 4"``). Nothing was applied."""

    def __init__(
        self,
        message: str,
        code: int = 0,
        kind: str = "",
        problems: Optional[List[Tuple[str, str, str]]] = None,
    ) -> None:
        super().__init__(message, code, kind)
        self.problems: List[Tuple[str, str, str]] = list(problems or [])

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (self.message, self.code, self.kind, self.problems))


class NotFoundError(RolecallError, LookupError):
    """An unknown tenant, user, role, group, scope or agreement, or one of another tenant
    (codes 2xx)."""

    category = "not_found"


class WrongTenantError(NotFoundError):
    """The object exists but belongs to another tenant than the acting user's (code 210)."""


class ConflictError(RolecallError):
    """The change conflicts with existing state: a duplicate email or name, a group that is a
    member's only group, a user who owns an agreement, a bare role name held in several
    namespaces (kind ``"ambiguous_name"``: ``namespaces`` lists them), a scope moved below
    itself (kind ``"scope_cycle"``, code 305: ``scope`` and ``parent``), a scope deleted while
    it has child scopes or team members (kind ``"scope_not_empty"``, code 306: ``scope``,
    ``children`` and ``members`` counts) (codes 3xx)."""

    category = "conflict"


class SeparationOfDutyError(ConflictError):
    """The change would leave a user holding both sides of a separation-of-duty rule (kind
    ``"separation_of_duty"``, code 307): ``rule`` is the rule's name, ``email`` the user's
    email."""

    def __init__(
        self, message: str, code: int = 0, kind: str = "", rule: str = "", email: str = ""
    ) -> None:
        super().__init__(message, code, kind)
        self.rule = rule
        self.email = email

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (self.message, self.code, self.kind, self.rule, self.email))


class PermissionDeniedError(RolecallError):
    """An authorization rule refused the change: a missing right, the superadministrator's or
    an administrator's protection, an agreement rule, a right held only for teams the target
    user is not in (kind ``"outside_teams"``, code 407: ``user`` is the target's id, 0 for a
    user being created) (codes 4xx)."""

    category = "permission_denied"


class EscalationError(PermissionDeniedError):
    """The acting user tried to grant rights it does not hold itself (code 401)."""


class AuthenticationError(RolecallError):
    """Authentication and credentials (codes 5xx; reserved for logins and passwords)."""

    category = "authentication"


class AuthenticationFailedError(AuthenticationError):
    """Wrong email or password, or an inactive account: deliberately the same error for all
    three (code 500). Also a wrong current password in ``change_password``."""


class AccountLockedError(AuthenticationError):
    """Too many failed logins: the account is locked until ``until`` (ms since the Unix epoch;
    code 501)."""

    def __init__(
        self, message: str, code: int = 0, kind: str = "", until: Optional[int] = None
    ) -> None:
        super().__init__(message, code, kind)
        self.until = until

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (self.message, self.code, self.kind, self.until))


class InvalidTokenError(AuthenticationError):
    """A recovery token that is unknown, expired, already used, superseded by a later password
    change, or of another tenant (code 502)."""


class NoPasswordError(AuthenticationError):
    """The user has no password yet (code 503)."""


class StorageError(RolecallError):
    """The store failed and nothing was changed, or the file cannot be used (codes 9xx)."""

    category = "storage"


class ReadOnlyError(StorageError):
    """The directory was opened read-only, or its file cannot be written (code 904)."""


class BusyError(StorageError):
    """The database stayed locked by another process past the busy timeout; retry (code 905)."""


class UnavailableError(StorageError):
    """The store cannot be reached (a PostgreSQL server down, restarting or unreachable, a
    connection lost); nothing changed and checks keep answering from the last snapshot.
    Retryable: the store reconnects by itself at the next call (code 908)."""


class StaleError(StorageError):
    """``Directory.at_least`` timed out before this instance reached the revision the token
    asks for (``wanted``; ``reached`` is where this instance got). Retryable (code 909)."""

    def __init__(
        self,
        message: str,
        code: int = 0,
        kind: str = "",
        wanted: Optional[int] = None,
        reached: Optional[int] = None,
    ) -> None:
        super().__init__(message, code, kind)
        self.wanted = wanted
        self.reached = reached

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (self.message, self.code, self.kind, self.wanted, self.reached))


class ForeignTokenError(StorageError):
    """A revision token that does not belong to this store: taken from another database or
    schema, malformed, or newer than everything the store holds (a store restored from an
    older backup) (code 910)."""


for _cls in (
    RolecallError,
    InvalidInputError,
    UnknownPermissionError,
    WeakPasswordError,
    InvalidImportError,
    NotFoundError,
    WrongTenantError,
    ConflictError,
    SeparationOfDutyError,
    PermissionDeniedError,
    EscalationError,
    AuthenticationError,
    AuthenticationFailedError,
    AccountLockedError,
    InvalidTokenError,
    NoPasswordError,
    StorageError,
    ReadOnlyError,
    BusyError,
    UnavailableError,
    StaleError,
    ForeignTokenError,
):
    # Shown in tracebacks as `rolecall.EscalationError`, where users import them from.
    _cls.__module__ = "rolecall"

_BY_CATEGORY: Dict[str, Type[RolecallError]] = {
    cls.category: cls
    for cls in (
        InvalidInputError,
        NotFoundError,
        ConflictError,
        PermissionDeniedError,
        AuthenticationError,
        StorageError,
    )
}

_BY_KIND: Dict[str, Type[RolecallError]] = {
    "unknown_permission": UnknownPermissionError,
    "wrong_tenant": WrongTenantError,
    "escalation": EscalationError,
    "separation_of_duty": SeparationOfDutyError,
    "weak_password": WeakPasswordError,
    "invalid_import": InvalidImportError,
    "authentication_failed": AuthenticationFailedError,
    "account_locked": AccountLockedError,
    "invalid_token": InvalidTokenError,
    "no_password": NoPasswordError,
    "read_only": ReadOnlyError,
    "busy": BusyError,
    "unavailable": UnavailableError,
    "stale": StaleError,
    "foreign_token": ForeignTokenError,
}


def _from_core(
    message: str, code: int, kind: str, category: str, extra: Optional[Dict[str, Any]] = None
) -> RolecallError:
    """Builds the exception for a core error (called by the native module). ``extra`` holds
    the data some errors carry (``rule``, ``until``), set as attributes."""
    cls = _BY_KIND.get(kind) or _BY_CATEGORY.get(category, RolecallError)
    exc = cls(message, code, kind)
    for name, value in (extra or {}).items():
        setattr(exc, name, value)
    return exc
