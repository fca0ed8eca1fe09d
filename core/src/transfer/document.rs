//! The tenant document: every record of one tenant, referenced by name and email (never by
//! id), so that a document exported from one directory imports into any other.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The value of [`TenantDocument::format`].
pub const DOCUMENT_FORMAT: &str = "rolecall.tenant";
/// The version of the document format this library writes and reads.
pub const DOCUMENT_VERSION: u32 = 1;

/// One tenant as a versioned JSON document: its settings, roles, groups, scopes, users and
/// agreements, everything referenced by name or email.
///
/// Written by [`Directory::export_tenant`](crate::Directory::export_tenant) in a deterministic
/// order (the same directory state always gives the same bytes), read by
/// [`Directory::import_tenant`](crate::Directory::import_tenant). Its JSON Schema is committed
/// at `docs/schema/tenant-v1.schema.json` ([`TenantDocument::json_schema`]).
///
/// References:
/// - a role is `namespace/name` (`managers/Operator`, `custom/Night shift`); a bare name is
///   accepted on import when exactly one namespace holds it;
/// - a scope is `kind/name` (`call_group/Sales`, `team/Support`); a team in
///   [`DocUser::teams`] may be its bare name;
/// - a group or an agreement is its name, a user its email.
///
/// ```
/// use rolecall::{Directory, ExportOptions, NewUser, Preset};
/// let dir = Directory::in_memory();
/// let t = dir.create_tenant("Acme", &NewUser::new("Ada", "Root", "root@acme.test"), &[Preset::Managers])?;
/// let doc = dir.export_tenant(t.superadmin, &ExportOptions::default())?;
/// assert_eq!(doc.format, "rolecall.tenant");
/// assert!(doc.roles.iter().any(|r| r.namespace == "managers" && r.name == "Operator"));
/// // Importing what was exported changes nothing.
/// let report = dir.import_tenant(t.superadmin, &doc)?;
/// assert!(!report.changed);
/// # Ok::<(), rolecall::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "rolecall tenant document, version 1",
    description = "One tenant of a rolecall directory: settings, roles, scopes, groups, users and agreements, referenced by name and email (never by id)."
)]
pub struct TenantDocument {
    /// Always `rolecall.tenant`.
    #[schemars(extend("const" = "rolecall.tenant"))]
    pub format: String,
    /// The format version: 1.
    #[schemars(extend("const" = 1))]
    pub version: u32,
    /// The tenant's name, settings and password policy; absent in a document of users only
    /// (a CSV import), which then leaves them as they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<DocTenant>,
    /// Roles, built-in (preset) ones included so that grants of them resolve, sorted by
    /// namespace and name.
    #[serde(default)]
    pub roles: Vec<DocRole>,
    /// Scope resources with their kind and parent, sorted by kind and name.
    #[serde(default)]
    pub scopes: Vec<DocScope>,
    /// User groups with their roles, sorted by name (members are listed on each user).
    #[serde(default)]
    pub groups: Vec<DocGroup>,
    /// Users, sorted by email.
    #[serde(default)]
    pub users: Vec<DocUser>,
    /// Agreements with their owner, levels and PBX links, sorted by name.
    #[serde(default)]
    pub agreements: Vec<DocAgreement>,
}

impl TenantDocument {
    /// An empty document (no tenant section, no records).
    pub fn new() -> Self {
        TenantDocument {
            format: DOCUMENT_FORMAT.to_owned(),
            version: DOCUMENT_VERSION,
            tenant: None,
            roles: Vec::new(),
            scopes: Vec::new(),
            groups: Vec::new(),
            users: Vec::new(),
            agreements: Vec::new(),
        }
    }

    /// The document as JSON text (pretty-printed, deterministic).
    pub fn to_json(&self) -> String {
        // Plain data with string keys: serialising cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The largest import text read: a JSON document ([`from_json`](Self::from_json)) or a
    /// users CSV ([`Directory::import_users_csv`](crate::Directory::import_users_csv)), 1 GiB
    /// (an export of some 2,500,000 users; an export of 1,000,000 is about 400 MiB). It bounds what an import holds in memory: the document read
    /// from the text takes a small multiple of the text's size (every string in it is a
    /// piece of the text), and planning it adds a record per object it names. A larger text
    /// is refused before it is read.
    pub const MAX_TEXT_BYTES: usize = 1 << 30;

    /// Reads a document from JSON text.
    ///
    /// # Errors
    /// [`Error::InvalidImport`](crate::Error::InvalidImport) when the text is not a document
    /// of this format (bad JSON, a missing or unknown field, a wrong type), with the line and
    /// column; or is longer than [`MAX_TEXT_BYTES`](Self::MAX_TEXT_BYTES) (nothing read).
    pub fn from_json(text: &str) -> Result<Self, crate::Error> {
        too_large(text)?;
        serde_json::from_str(text).map_err(|e| crate::Error::InvalidImport {
            problems: vec![crate::ImportProblem {
                location: format!("line {} column {}", e.line(), e.column()),
                field: String::new(),
                reason: crate::domain::truncate_for_message(&e.to_string()),
            }],
        })
    }

    /// The JSON Schema (draft 2020-12) of the document, as committed at
    /// `docs/schema/tenant-v1.schema.json`.
    pub fn json_schema() -> String {
        let schema = schemars::schema_for!(TenantDocument);
        serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
    }
}

impl Default for TenantDocument {
    fn default() -> Self {
        Self::new()
    }
}

/// The tenant itself: name, superadministrator, options and password policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocTenant {
    /// Its display name. Import renames the tenant when it differs (superadministrator only).
    pub name: String,
    /// The email of its superadministrator (informative: an import never changes who it is).
    pub superadmin: String,
    /// The stricter reading of 002 (see [`TenantSettings`](crate::TenantSettings)).
    pub strict_agreement_levels: bool,
    /// The region national phone numbers are read in (ISO 3166-1 alpha-2).
    #[serde(default)]
    pub phone_region: Option<String>,
    /// Separation-of-duty rules, sorted by name.
    #[serde(default)]
    pub separation_of_duty: Vec<DocSodRule>,
    /// The password and login policy.
    pub password_policy: DocPasswordPolicy,
}

/// A separation-of-duty rule, its sides by permission name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocSodRule {
    /// Its name.
    pub name: String,
    /// One side (permission names, such as `billing.manage`).
    pub first: Vec<String>,
    /// The other side.
    pub second: Vec<String>,
}

/// The password policy (see [`PasswordPolicy`](crate::PasswordPolicy)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocPasswordPolicy {
    /// Shortest accepted password, in characters.
    pub min_length: usize,
    /// Longest accepted password, in characters.
    pub max_length: usize,
    /// Refuse the most common passwords.
    pub reject_common: bool,
    /// Refuse passwords containing the user's email or names.
    pub reject_personal: bool,
    /// Failed logins in a row that lock the account.
    pub max_failed_logins: u32,
    /// How long a lock lasts, in ms.
    pub lockout_ms: i64,
    /// How long a recovery token is valid, in ms.
    pub reset_token_ttl_ms: i64,
}

impl From<&crate::PasswordPolicy> for DocPasswordPolicy {
    fn from(p: &crate::PasswordPolicy) -> Self {
        DocPasswordPolicy {
            min_length: p.min_length,
            max_length: p.max_length,
            reject_common: p.reject_common,
            reject_personal: p.reject_personal,
            max_failed_logins: p.max_failed_logins,
            lockout_ms: p.lockout_ms,
            reset_token_ttl_ms: p.reset_token_ttl_ms,
        }
    }
}

impl From<&DocPasswordPolicy> for crate::PasswordPolicy {
    fn from(p: &DocPasswordPolicy) -> Self {
        crate::PasswordPolicy {
            min_length: p.min_length,
            max_length: p.max_length,
            reject_common: p.reject_common,
            reject_personal: p.reject_personal,
            max_failed_logins: p.max_failed_logins,
            lockout_ms: p.lockout_ms,
            reset_token_ttl_ms: p.reset_token_ttl_ms,
        }
    }
}

/// A role. Built-in roles (namespace other than `custom`) come from their preset: importing
/// one installs its preset when missing and never changes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocRole {
    /// `custom`, or the preset it comes from (`managers`, `role_model`, `dashboard`).
    pub namespace: String,
    /// Its name, unique in its namespace.
    pub name: String,
    /// What it grants, by permission name.
    pub permissions: Vec<String>,
    /// What it denies to every holder, by permission name.
    #[serde(default)]
    pub denied: Vec<String>,
    /// Whether its permissions apply only within the holder's scopes.
    #[serde(default)]
    pub scoped: bool,
    /// Administrator tier.
    #[serde(default)]
    pub admin_tier: bool,
    /// Free text.
    #[serde(default)]
    pub description: String,
}

/// A scope resource.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocScope {
    /// Its kind: `call_group`, `ivr`, `queue`, `campaign`, `number`, `team` or a tenant's own.
    pub kind: String,
    /// Its name, unique per kind.
    pub name: String,
    /// Its parent as `kind/name`, or none for a root.
    #[serde(default)]
    pub parent: Option<String>,
}

/// A user group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocGroup {
    /// Its name.
    pub name: String,
    /// The roles its members inherit (`namespace/name`).
    pub roles: Vec<String>,
}

/// A user. A list left out (`null` or absent) leaves what the user holds as it is; a list
/// given is what the user holds afterwards.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocUser {
    /// The login; users without an external id in the document, or whose external id matches
    /// nobody, are matched by it (compared as logins are).
    pub email: String,
    /// The user's id in the system it is provisioned from (exact, unique per tenant): users
    /// are matched by it first. Left out, the user's external id stays as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Phone (stored in E.164).
    #[serde(default)]
    pub phone: Option<String>,
    /// Whether the user is active (default true).
    #[serde(default = "yes")]
    pub active: bool,
    /// Roles held directly (`namespace/name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    /// Groups the user is a member of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    /// Scopes the user's scoped roles apply to (`kind/name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// Teams the user is a member of (`team/name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teams: Option<Vec<String>>,
    /// Roles held for one scope each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grants: Option<Vec<DocGrant>>,
    /// Validity windows of time-bound assignments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows: Option<Vec<DocWindow>>,
    /// Roles the user may activate for itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligible: Option<Vec<DocEligibility>>,
    /// A break-glass (emergency) account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub break_glass: Option<bool>,
    /// The argon2id password hash (PHC string), only in an export that asked for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<DocPassword>,
}

fn yes() -> bool {
    true
}

/// A per-scope grant.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocGrant {
    /// The role (`namespace/name`).
    pub role: String,
    /// The scope (`kind/name`).
    pub scope: String,
}

/// What a window applies to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DocAssignment {
    /// A role held directly.
    Role(String),
    /// A role held for a scope.
    ScopeRole(DocGrant),
    /// A group membership.
    Group(String),
    /// An assigned scope.
    Scope(String),
    /// The level on a product of an agreement.
    Level {
        /// The agreement.
        agreement: String,
        /// The product (`core`, `telephony`, ...).
        product: String,
    },
    /// The PBX subscriber link under an agreement.
    Pbx(String),
}

/// The validity window of one of the user's assignments (which the user must hold).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocWindow {
    /// The assignment.
    pub assignment: DocAssignment,
    /// Start, ms since the Unix epoch.
    #[serde(default)]
    pub from: Option<i64>,
    /// End (exclusive), ms since the Unix epoch.
    #[serde(default)]
    pub until: Option<i64>,
}

/// An eligibility.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocEligibility {
    /// The role (`namespace/name`).
    pub role: String,
    /// The scope it is activated for (`kind/name`), or none.
    #[serde(default)]
    pub scope: Option<String>,
    /// The longest activation, in ms.
    pub max_ms: i64,
}

/// A stored password.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocPassword {
    /// The argon2id hash, as a PHC string (`$argon2id$...`).
    pub hash: String,
    /// Whether the user must change it at next login.
    pub must_change: bool,
}

/// An agreement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocAgreement {
    /// Its name.
    pub name: String,
    /// The email of its Owner.
    pub owner: String,
    /// Levels of the other users, sorted by email: product name to level name (`user`,
    /// `administrator`; products left out are `no_access`).
    #[serde(default)]
    pub levels: Vec<DocLevels>,
    /// PBX subscriber links, sorted by email.
    #[serde(default)]
    pub pbx: Vec<DocPbxLink>,
}

/// One user's levels on an agreement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocLevels {
    /// The user's email.
    pub user: String,
    /// Product name to level name.
    pub levels: BTreeMap<String, String>,
}

/// A PBX subscriber link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocPbxLink {
    /// The user's email.
    pub user: String,
    /// The subscriber.
    pub subscriber: String,
}

/// Options of [`Directory::export_tenant`](crate::Directory::export_tenant).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExportOptions {
    /// Include the users' password hashes (only the superadministrator may ask).
    pub password_hashes: bool,
}

/// What an import did, per kind of record.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Whether anything changed (one commit); `false` when the directory already held the
    /// document.
    pub changed: bool,
    /// The directory revision after the import.
    pub revision: u64,
    /// Whether the tenant's name, settings or password policy changed.
    pub tenant_updated: bool,
    /// Roles (`namespace/name`).
    pub roles: KindReport,
    /// Scopes (`kind/name`).
    pub scopes: KindReport,
    /// Groups.
    pub groups: KindReport,
    /// Users (emails).
    pub users: KindReport,
    /// Agreements.
    pub agreements: KindReport,
}

/// Created, updated and unchanged records of one kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindReport {
    /// Names (or emails) of the records created, in document order.
    pub created: Vec<String>,
    /// Names (or emails) of the records updated, in document order.
    pub updated: Vec<String>,
    /// How many records were already as the document says.
    pub unchanged: usize,
}

impl KindReport {
    /// How many records the import created, updated or left as they were, in all.
    pub fn total(&self) -> usize {
        self.created.len() + self.updated.len() + self.unchanged
    }
}

/// One problem in an import's input, as [`Error::InvalidImport`](crate::Error::InvalidImport)
/// reports them all at once.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ImportProblem {
    /// Where: a JSON path such as `users[3].email`, or `line 4` of a CSV text.
    pub location: String,
    /// The field (`email`, `roles`, ...), empty when the whole record is at fault.
    pub field: String,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}: {}", self.location, self.reason)
        } else {
            write!(f, "{} ({}): {}", self.location, self.field, self.reason)
        }
    }
}

/// Refuses an import text longer than [`TenantDocument::MAX_TEXT_BYTES`] before reading it.
pub(crate) fn too_large(text: &str) -> Result<(), crate::Error> {
    if text.len() <= TenantDocument::MAX_TEXT_BYTES {
        return Ok(());
    }
    Err(crate::Error::InvalidImport {
        problems: vec![crate::ImportProblem {
            location: String::new(),
            field: String::new(),
            reason: format!(
                "the text is {} bytes, more than the {} an import reads",
                text.len(),
                TenantDocument::MAX_TEXT_BYTES
            ),
        }],
    })
}
