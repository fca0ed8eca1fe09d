// The core's enumerations and records, declared to uniffi as the core defines them.
// (Included into `uniffi_api.rs`, one module, by `include!`: the imports are there.)

// ---------------------------------------------------------------- the core's enumerations

#[uniffi::remote(Enum)]
enum Product {
    Core,
    Telephony,
    VirtualPbx,
    AutomatedCalls,
    Chatbots,
    IntegrationsApi,
    ContactCenterAi,
}

#[uniffi::remote(Enum)]
enum AccessLevel {
    NoAccess,
    User,
    Administrator,
    Owner,
}

#[uniffi::remote(Enum)]
enum Preset {
    Managers,
    RoleModel,
    Dashboard,
}

// ---------------------------------------------------------------- the core's records

/// What `create_tenant` created: the tenant, its superadministrator and the built-in roles.
#[uniffi::remote(Record)]
pub struct TenantCreated {
    pub tenant: TenantId,
    pub superadmin: UserId,
    pub roles: Vec<RoleId>,
}

/// A tenant's password and lockout policy (`lockout_ms` = `i64::MAX`: until unlocked).
#[uniffi::remote(Record)]
pub struct PasswordPolicy {
    pub min_length: Count,
    pub max_length: Count,
    pub reject_common: bool,
    pub reject_personal: bool,
    pub max_failed_logins: u32,
    pub lockout_ms: i64,
    pub reset_token_ttl_ms: i64,
}

/// A user to create. `temporary` (the initial password must be changed at first login)
/// defaults to true, as for every password set by someone else. `scopes` (call groups / IVRs,
/// as `set_user_scopes`), `groups` (each as `add_member`), `teams` (as `set_user_teams`) and
/// `grants` (each as `grant_role_in_scope`) are applied in the same commit.
#[uniffi::remote(Record)]
pub struct NewUser {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub roles: Vec<RoleId>,
    pub active: bool,
    pub password: Option<Secret>,
    #[uniffi(default = true)]
    pub temporary: bool,
    // Last, with their defaults, so that callers written before them still compile.
    #[uniffi(default)]
    pub scopes: Vec<ScopeId>,
    #[uniffi(default)]
    pub groups: Vec<GroupId>,
    #[uniffi(default)]
    pub teams: Vec<ScopeId>,
    #[uniffi(default)]
    pub grants: Vec<ScopeGrant>,
    #[uniffi(default)]
    pub external_id: Option<String>,
}

/// A role granted to a user for `scope` and everything below it.
#[uniffi::remote(Record)]
pub struct ScopeGrant {
    pub role: RoleId,
    pub scope: ScopeId,
}

/// A user. Times are ms since the Unix epoch; `stamp` is the security stamp.
#[uniffi::remote(Record)]
pub struct User {
    pub id: UserId,
    pub tenant: TenantId,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub external_id: Option<String>,
    pub active: bool,
    pub roles: RoleSet,
    pub scopes: ScopeSet,
    pub grants: ScopeGrantSet,
    pub teams: ScopeSet,
    pub windows: WindowMap,
    pub eligible: EligibleSet,
    pub break_glass: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_login: Option<i64>,
    pub stamp: u64,
}

/// A user search: text to look for, active users only, paging (limit 1 to 1000).
#[uniffi::remote(Record)]
pub struct UserQuery {
    pub text: Option<String>,
    pub active_only: bool,
    pub offset: Count,
    pub limit: Count,
}

/// One page of users: the users of this page, how many match in all, and this page's offset.
type UserPage = Page<User>;
#[uniffi::remote(Record)]
pub struct UserPage {
    pub items: Vec<User>,
    pub total: Count,
    pub offset: Count,
}

/// A custom role to create.
#[uniffi::remote(Record)]
pub struct NewRole {
    pub name: String,
    pub permissions: Permissions,
    pub scoped: bool,
    pub admin_tier: bool,
    pub description: String,
    /// What it denies to every holder (explicit deny); last, with its default (none), so that
    /// callers written before it still compile.
    #[uniffi(default)]
    pub denied: Permissions,
}

/// Changes to a custom role; `None` leaves a field as it is.
#[uniffi::remote(Record)]
pub struct RolePatch {
    pub name: Option<String>,
    pub permissions: Option<Permissions>,
    pub description: Option<String>,
    /// New denied set (denials removed are a grant to every holder).
    #[uniffi(default)]
    pub denied: Option<Permissions>,
}

/// A role: its name is unique within its `namespace` (`custom`, or the preset it was
/// installed from).
#[uniffi::remote(Record)]
pub struct Role {
    pub id: RoleId,
    pub tenant: TenantId,
    pub name: String,
    pub namespace: RoleNamespace,
    pub permissions: Permissions,
    pub scoped: bool,
    pub admin_tier: bool,
    pub description: String,
    pub created_at: i64,
    /// What it denies (explicit deny).
    pub denied: Permissions,
}

/// A user group: a named set of roles its members inherit.
#[uniffi::remote(Record)]
pub struct Group {
    pub id: GroupId,
    pub tenant: TenantId,
    pub name: String,
    pub roles: RoleSet,
    pub created_at: i64,
}

/// An agreement and its Owner.
#[uniffi::remote(Record)]
pub struct Agreement {
    pub id: AgreementId,
    pub tenant: TenantId,
    pub name: String,
    pub owner: UserId,
    pub created_at: i64,
}

/// One reason a user holds (part of) a permission: a role, held directly or through a group,
/// or granted for `scope` (and everything below it).
#[uniffi::remote(Record)]
pub struct Grant {
    pub role: RoleId,
    pub role_name: String,
    pub role_namespace: RoleNamespace,
    pub via_group: Option<GroupId>,
    pub scoped: bool,
    pub scope: Option<ScopeId>,
    pub grants: Permissions,
}

/// Why a check answers as it does.
#[uniffi::remote(Record)]
pub struct Explanation {
    pub user: UserId,
    pub permission: Permissions,
    pub allowed: bool,
    pub superadmin: bool,
    pub inactive: bool,
    pub grants: Vec<Grant>,
    /// The roles denying part of the permission (explicit deny).
    pub denied_by: Vec<Grant>,
}

/// A successful login: keep `stamp` with the session.
#[uniffi::remote(Record)]
pub struct Session {
    pub user: UserId,
    pub stamp: u64,
    pub must_change_password: bool,
}

/// A user's credential state (no hash).
#[uniffi::remote(Record)]
pub struct CredentialStatus {
    pub has_password: bool,
    pub must_change: bool,
    pub failed_logins: u32,
    pub locked_until: Option<i64>,
}

/// A recovery token to send to the user (single use).
#[uniffi::remote(Record)]
pub struct ResetIssued {
    pub user: UserId,
    pub token: Secret,
    pub expires_at: i64,
}

/// A query over the audit log; every filter optional; oldest first.
#[uniffi::remote(Record)]
pub struct AuditQuery {
    pub tenant: Option<TenantId>,
    pub actor: Option<UserId>,
    pub target_kind: Option<ObjectKind>,
    pub target_id: Option<u64>,
    pub action: Option<AuditAction>,
    pub outcome: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub offset: Count,
    pub limit: Count,
}

/// One audit record (`before` and `after`: JSON, secrets redacted).
#[uniffi::remote(Record)]
pub struct AuditEvent {
    pub seq: u64,
    pub at: i64,
    pub tenant: TenantId,
    pub actor: Option<UserId>,
    pub action: AuditAction,
    pub outcome: String,
    pub target_kind: Option<ObjectKind>,
    pub target_id: Option<u64>,
    pub detail: Option<String>,
    pub revision: Option<u64>,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One page of audit events.
type AuditPage = Page<AuditEvent>;
#[uniffi::remote(Record)]
pub struct AuditPage {
    pub items: Vec<AuditEvent>,
    pub total: Count,
    pub offset: Count,
}

/// A separation-of-duty rule: no user may hold both sides (any permission of each).
#[uniffi::remote(Record)]
pub struct SodRule {
    pub name: String,
    pub first: Permissions,
    pub second: Permissions,
}

/// A user holding both sides of a rule.
#[uniffi::remote(Record)]
pub struct SodViolation {
    pub rule: String,
    pub user: UserId,
}
