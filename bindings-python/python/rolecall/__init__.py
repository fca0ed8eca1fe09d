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
"""

from rolecall._enums import AccessLevel, Permission, Preset, Product, ScopeKind
from rolecall._errors import (
    AccountLockedError,
    AuthenticationError,
    BusyError,
    ConflictError,
    EscalationError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    ReadOnlyError,
    RolecallError,
    StorageError,
    UnknownPermissionError,
    WrongTenantError,
)
from rolecall._rolecall import (
    Agreement,
    Directory,
    Explanation,
    Grant,
    Group,
    NewUser,
    Page,
    PresetRole,
    Role,
    Scope,
    ScopeAccess,
    Snapshot,
    Tenant,
    TenantCreated,
    User,
    __version__,
    permission_names,
    version,
)

__all__ = [
    "AccessLevel",
    "AccountLockedError",
    "Agreement",
    "AuthenticationError",
    "BusyError",
    "ConflictError",
    "Directory",
    "EscalationError",
    "Explanation",
    "Grant",
    "Group",
    "InvalidInputError",
    "NewUser",
    "NotFoundError",
    "Page",
    "Permission",
    "PermissionDeniedError",
    "Preset",
    "PresetRole",
    "Product",
    "ReadOnlyError",
    "Role",
    "RolecallError",
    "Scope",
    "ScopeAccess",
    "ScopeKind",
    "Snapshot",
    "StorageError",
    "Tenant",
    "TenantCreated",
    "UnknownPermissionError",
    "User",
    "WrongTenantError",
    "__version__",
    "permission_names",
    "version",
]
