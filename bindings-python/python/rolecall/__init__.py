"""rolecall: authorization and user directory for call-center products.

The rules live in the Rust core; this package converts Python values and delegates.

>>> import rolecall
>>> d = rolecall.Directory()
>>> acme = d.create_tenant("Acme", rolecall.NewUser("Ada", "Root", "ada@acme.test"),
...                        presets=[rolecall.Preset.MANAGERS])
>>> operator = d.role_by_name(acme.tenant, "Operator")
>>> olga = d.create_user(acme.superadmin, first_name="Olga", last_name="Petrova",
...                      email="olga@acme.test", roles=[operator])
>>> d.check(olga, rolecall.Permission.CAMPAIGNS_CONTROL), d.check(olga, "users.manage")
(True, False)

Scopes form a hierarchy; a role granted for a scope applies to everything below it, and a
tenant-defined kind is a plain str:

>>> lyon = d.create_scope(acme.superadmin, rolecall.ScopeKind.TEAM, "Lyon")
>>> queue = d.create_scope(acme.superadmin, "queue", "Lyon EN", parent=lyon)
>>> d.scope(queue).kind, d.scope(queue).parent == lyon
(<ScopeKind.QUEUE: 'queue'>, True)
>>> d.scope(d.create_scope(acme.superadmin, "brand", "Acme Blue")).kind
'brand'
>>> d.grant_role_in_scope(acme.superadmin, olga, operator, lyon)
>>> [(g.role == operator.id, g.scope == lyon) for g in d.user(olga).grants]
[(True, True)]
"""

from rolecall._enums import AccessLevel, Permission, Preset, Product, ScopeKind
from rolecall._errors import (
    AccountLockedError,
    AuthenticationError,
    AuthenticationFailedError,
    BusyError,
    ConflictError,
    EscalationError,
    ForeignTokenError,
    InvalidImportError,
    InvalidInputError,
    InvalidTokenError,
    NoPasswordError,
    NotFoundError,
    PermissionDeniedError,
    ReadOnlyError,
    RolecallError,
    SeparationOfDutyError,
    StaleError,
    StorageError,
    UnavailableError,
    UnknownPermissionError,
    WeakPasswordError,
    WrongTenantError,
)
from rolecall._rolecall import (
    Agreement,
    Assignment,
    AuditEvent,
    CredentialStatus,
    Directory,
    Eligibility,
    Explanation,
    Grant,
    Group,
    ImportReport,
    KindReport,
    Impact,
    ManualClock,
    NewUser,
    Notification,
    Page,
    PasswordPolicy,
    PresetRole,
    ResetIssued,
    Role,
    Scope,
    ScopeAccess,
    ScopeGrant,
    Session,
    Simulation,
    Snapshot,
    SodRule,
    SodViolation,
    Tenant,
    TenantCreated,
    TenantSettings,
    TimedGrant,
    User,
    UserImpact,
    Window,
    __version__,
    permission_names,
    version,
)

__all__ = [
    "AccessLevel",
    "AccountLockedError",
    "Agreement",
    "Assignment",
    "AuditEvent",
    "AuthenticationError",
    "AuthenticationFailedError",
    "BusyError",
    "ConflictError",
    "CredentialStatus",
    "Directory",
    "Eligibility",
    "EscalationError",
    "ForeignTokenError",
    "Explanation",
    "Grant",
    "Group",
    "ImportReport",
    "InvalidImportError",
    "Impact",
    "InvalidInputError",
    "InvalidTokenError",
    "KindReport",
    "ManualClock",
    "NewUser",
    "NoPasswordError",
    "NotFoundError",
    "Notification",
    "Page",
    "PasswordPolicy",
    "Permission",
    "PermissionDeniedError",
    "Preset",
    "PresetRole",
    "Product",
    "ReadOnlyError",
    "ResetIssued",
    "Role",
    "RolecallError",
    "SeparationOfDutyError",
    "Scope",
    "ScopeAccess",
    "ScopeGrant",
    "ScopeKind",
    "Session",
    "Simulation",
    "Snapshot",
    "SodRule",
    "SodViolation",
    "StaleError",
    "StorageError",
    "Tenant",
    "TenantCreated",
    "TenantSettings",
    "TimedGrant",
    "UnavailableError",
    "UnknownPermissionError",
    "User",
    "UserImpact",
    "WeakPasswordError",
    "Window",
    "WrongTenantError",
    "__version__",
    "permission_names",
    "version",
]
