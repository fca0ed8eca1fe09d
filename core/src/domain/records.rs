//! The records of the directory: plain data, (de)serialisable, no behaviour beyond accessors.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{
    AccessLevel, AgreementId, GroupId, ObjectKind, Permission, Preset, Product, RoleId,
    RoleNamespace, ScopeId, TenantId, UserId,
};
use crate::Error;

/// A tenant: one customer account. Every other object belongs to exactly one tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// Its id.
    pub id: TenantId,
    /// Its display name.
    pub name: String,
    /// The tenant's root user, appointed at creation (003).
    pub superadmin: UserId,
    /// Creation time, milliseconds since the Unix epoch.
    pub created_at: i64,
    /// The tenant's password and login policy.
    #[serde(default)]
    pub policy: crate::credentials::PasswordPolicy,
    /// The tenant's options (set by the superadministrator).
    #[serde(default)]
    pub settings: TenantSettings,
}

/// A tenant's options, set by its superadministrator with
/// [`Directory::set_tenant_settings`](crate::Directory::set_tenant_settings). The defaults are
/// the sources' rules as written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct TenantSettings {
    /// The stricter reading of 002: nobody sets a level on a product above its own level on
    /// that product (off by default: a CORE Administrator sets User or Administrator, and the
    /// Owner No access, User or Administrator, on every product of the agreement).
    pub strict_agreement_levels: bool,
    /// The region (ISO 3166-1 alpha-2, such as `US` or `FR`) that phone numbers typed without a
    /// country code are read in; `None` accepts only international numbers (`+…`).
    pub phone_region: Option<String>,
    /// The tenant's separation-of-duty rules (see [`SodRule`](crate::SodRule)): no user may
    /// hold both sides of one. Usually managed with
    /// [`Directory::add_sod_rule`](crate::Directory::add_sod_rule) and
    /// [`remove_sod_rule`](crate::Directory::remove_sod_rule).
    pub separation_of_duty: Vec<super::SodRule>,
}

impl TenantSettings {
    /// Checks the settings; a refusal names the field.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a `phone_region` that is not an ISO 3166-1 alpha-2 code
    /// libphonenumber knows; for separation-of-duty rules, [`Error::InvalidName`] for a bad
    /// name, [`Error::DuplicateName`] for a name used twice, [`Error::EmptyPermission`] for an
    /// empty side and [`Error::InvalidArgument`] for sides that share a permission.
    pub fn validate(&self) -> Result<(), Error> {
        super::sod::validated_rules(&self.separation_of_duty)?;
        if let Some(r) = &self.phone_region {
            if r.len() != 2 || !r.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(Error::InvalidArgument {
                    what: "phone_region",
                    reason: "must be an ISO 3166-1 alpha-2 code in capitals, such as \"US\"".into(),
                });
            }
            if !super::validate::phone_region_known(r) {
                return Err(Error::InvalidArgument {
                    what: "phone_region",
                    reason: format!("{r:?} has no numbering plan in libphonenumber's metadata"),
                });
            }
        }
        Ok(())
    }
}

/// A person who logs in.
///
/// # Text fields
/// Names (first and last names, tenant, role, group, call group, IVR, agreement and PBX
/// subscriber names) are trimmed, put in Unicode NFC, and must hold 1 to
/// [`MAX_NAME_CHARS`](crate::MAX_NAME_CHARS) characters. A role description may be empty and
/// holds at most [`MAX_DESCRIPTION_CHARS`](crate::MAX_DESCRIPTION_CHARS) characters.
/// Neither may contain a control character (NUL, ESC, tab, CR, LF and every other C0/C1 code:
/// a description is one line of text, shown beside the role's name and written into one audit
/// line), a line or paragraph separator (U+2028, U+2029), or a bidirectional embedding,
/// override or isolate control (U+202A–U+202E, U+2066–U+2069), which would reorder whatever is
/// displayed after the field. Zero-width joiners and non-joiners stay allowed in names: several
/// scripts need them.
///
/// # Emails
/// An email address is the login: two addresses that look the same must be the same login.
/// Creating or changing a user trims the address and puts it in Unicode **NFKC**: fullwidth
/// and halfwidth forms and other compatibility characters become their ordinary equivalents (`ａｎｎ＠ａｃｍｅ．ｔｅｓｔ`
/// is stored as `ann@acme.test`), as IDNA does for domain names. It then refuses, with
/// [`Error::InvalidEmail`](crate::Error::InvalidEmail):
/// - control characters and spaces;
/// - invisible and format characters (Unicode `Default_Ignorable_Code_Point`: zero-width
///   space, joiner and non-joiner, soft hyphen, word joiner, byte-order mark, variation
///   selectors, Hangul fillers, tag characters) and bidirectional controls (U+200E, U+200F,
///   U+061C, U+202A–U+202E, U+2066–U+2069);
/// - any other non-ASCII character that is not a letter, mark or digit usable in an identifier
///   (UTS #39 identifier types `Not_Character`, `Deprecated`, `Not_NFKC`, `Not_XID`: symbols,
///   emoji, punctuation look-alikes, unassigned and private-use code points);
/// - **mixed scripts**: the part before `@`, and each label of the domain, must be written in
///   one script (characters common to all scripts, such as digits, `.`, `-`, `+`, `_`, go with
///   any), or in one of the combinations UTS #39 calls *highly restrictive*: Latin with
///   Han and Japanese kana, Latin with Han and Bopomofo, Latin with Han and Hangul. So
///   `pаypal@acme.test` with a Cyrillic `а` is refused, while `иван@пример.рф`, `josé@acme.test`
///   and `ann@пример.com` (Latin and Cyrillic in different labels) are accepted. A part written
///   wholly in another script that happens to look like a Latin word is accepted: it is a
///   different address, and uniqueness is decided on the key below.
///
/// The address is stored as normalised (case preserved). Uniqueness and login compare
/// keys: the NFKC form after Unicode **full case folding** (`Straße` and `STRASSE`,
/// `ΣΑΣ` and `σας` are the same login), as Unicode's compatibility caseless match defines.
/// Domains are not converted between Unicode and punycode (`xn--`) forms.
///
/// # Phone numbers
/// A phone number is parsed a number with libphonenumber's metadata (the `phonenumber` crate) and
/// stored in E.164 (`+` and up to 15 digits). A number written with its country code (`+`…)
/// is read as such; a national number is read in the tenant's
/// [`phone_region`](crate::TenantSettings::phone_region), and refused when the tenant has none.
/// The number must be valid for its country (libphonenumber's `isValidNumber`: an assigned
/// range of the right length), so fictional numbers such as `+1 555 010 0199` (there is no area
/// code 555) are refused, while `+1 212 555 0199` is accepted. Only digits, spaces, `- . ( ) /`
/// and a leading `+` are accepted: letters (vanity numbers, extensions) are refused.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// The tenant it belongs to.
    pub tenant: TenantId,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email, the login; unique per tenant, compared case-insensitively; case preserved here.
    pub email: String,
    /// Phone in E.164 (`+` and digits), as [validated](User#phone-numbers); records written
    /// by earlier versions may hold digits with an optional leading `+`.
    pub phone: Option<String>,
    /// The user's id in the system it was provisioned from (an identity provider's `externalId`,
    /// a personnel number): unique per tenant, compared exactly (case-sensitive), 1–255
    /// characters without control characters. Imports and SCIM match users by it first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// An inactive user has no permissions and cannot log in.
    pub active: bool,
    /// Roles held directly.
    pub roles: BTreeSet<RoleId>,
    /// Scopes assigned to the user (003): its scoped roles (held directly or through groups)
    /// apply to these and their descendants.
    pub scopes: BTreeSet<ScopeId>,
    /// Roles granted for one scope each ([`ScopeGrant`]): Supervisor of Sales, Analyst of
    /// Support.
    #[serde(default)]
    pub grants: BTreeSet<ScopeGrant>,
    /// The teams (scopes of kind [`ScopeKind::Team`]) the user is a member of: whoever holds a
    /// right over a team, or a team above it, may act on the user with it.
    #[serde(default)]
    pub teams: BTreeSet<ScopeId>,
    /// The validity windows of its time-bound assignments ([`Directory::grant_for`]); an
    /// assignment without one is permanent. A window is kept only while its assignment is held.
    ///
    /// [`Directory::grant_for`]: crate::Directory::grant_for
    #[serde(default, with = "super::windows_serde")]
    pub windows: std::collections::BTreeMap<super::Assignment, super::Window>,
    /// The roles the user may activate for itself for a time ([`Eligibility`]), at most one
    /// per role and scope.
    ///
    /// [`Eligibility`]: crate::Eligibility
    #[serde(default)]
    pub eligible: BTreeSet<super::Eligibility>,
    /// A break-glass (emergency) account: a lock after failed logins does not stop it from
    /// logging in, and every use of it (each login attempt, each change it makes) is audited
    /// and notified ([`Notification::BreakGlassUsed`](crate::Notification::BreakGlassUsed)).
    /// Set by the superadministrator.
    #[serde(default)]
    pub break_glass: bool,
    /// Creation time, ms since the Unix epoch.
    pub created_at: i64,
    /// Last change, ms since the Unix epoch.
    pub updated_at: i64,
    /// Last successful login, ms since the Unix epoch.
    pub last_login: Option<i64>,
    /// Security stamp: the revision of the last change that shrank the user's own access (a
    /// right, call group / IVR, agreement level or PBX link lost; deactivation) or changed its
    /// password or login email. A session issued under an older stamp is no longer valid.
    #[serde(default)]
    pub stamp: u64,
}

impl User {
    /// "First Last".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("tenant", &self.tenant)
            .field("name", &self.full_name())
            .field("email", &self.email)
            .field("phone", &self.phone)
            .field("active", &self.active)
            .field("roles", &self.roles)
            .field("scopes", &self.scopes)
            .field("grants", &self.grants)
            .field("teams", &self.teams)
            .field("windows", &self.windows)
            .field("eligible", &self.eligible)
            .field("break_glass", &self.break_glass)
            .field("stamp", &self.stamp)
            .finish_non_exhaustive()
    }
}

/// A named permission set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// Its id.
    pub id: RoleId,
    /// The tenant it belongs to.
    pub tenant: TenantId,
    /// Its name, unique within its namespace in the tenant (case-insensitively).
    pub name: String,
    /// The namespace its name is unique in: the preset it was installed from (a built-in role,
    /// which cannot be edited or deleted), or `custom` for the tenant's own roles.
    pub namespace: RoleNamespace,
    /// What it grants.
    pub permissions: Permission,
    /// What it denies (explicit deny): whoever holds the role, by any path (directly, through a
    /// group, by a per-scope grant), loses these rights tenant-wide, whatever grants them.
    /// Denials win over every allow; a group denies through the roles it holds. Never
    /// overlaps `permissions`; empty for built-in roles.
    #[serde(default)]
    pub denied: Permission,
    /// When true, its permissions apply only to the holder's assigned call groups / IVRs.
    pub scoped: bool,
    /// Administrator tier: only the superadministrator grants or changes it, and its holders'
    /// access can be changed only by the superadministrator (003).
    pub admin_tier: bool,
    /// Free text.
    pub description: String,
    /// Creation time, ms since the Unix epoch.
    pub created_at: i64,
}

impl Role {
    /// The preset it was installed from (a built-in role), `None` for a custom role.
    pub fn preset(&self) -> Option<Preset> {
        self.namespace.preset()
    }

    /// Its name qualified by its namespace, `namespace/name` (`dashboard/Admin`,
    /// `custom/Night shift`): unambiguous within the tenant, and accepted by
    /// [`Directory::role_by_name`](crate::Directory::role_by_name).
    pub fn qualified_name(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// A user group (004): a named set of roles whose members inherit them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Its id.
    pub id: GroupId,
    /// The tenant it belongs to.
    pub tenant: TenantId,
    /// Its name, unique per tenant (case-insensitively).
    pub name: String,
    /// The roles every member inherits.
    pub roles: BTreeSet<RoleId>,
    /// Creation time, ms since the Unix epoch.
    pub created_at: i64,
}

/// The name of a tenant-defined scope kind ("brand", "skill"): 1 to 24 bytes of `a`–`z`, `0`–`9`
/// and `_`, starting with a letter, and not the name of a built-in kind. A tenant adds a kind
/// simply by creating a scope of it; no schema changes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CustomKind {
    len: u8,
    bytes: [u8; CustomKind::MAX_LEN],
}

impl CustomKind {
    /// The longest name, in bytes.
    pub const MAX_LEN: usize = 24;

    /// A custom kind named `name`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a name that is empty, too long, not lowercase ASCII
    /// letters, digits and `_` starting with a letter, or a built-in kind's name.
    pub fn new(name: &str) -> Result<Self, Error> {
        let bad = |reason: &str| Error::InvalidArgument {
            what: "scope kind",
            reason: reason.into(),
        };
        let b = name.as_bytes();
        if b.is_empty() || b.len() > Self::MAX_LEN {
            return Err(bad("a kind name has 1 to 24 characters"));
        }
        if !b[0].is_ascii_lowercase()
            || !b
                .iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
        {
            return Err(bad(
                "a kind name is lowercase letters, digits and _, starting with a letter",
            ));
        }
        if ScopeKind::BUILT_IN.iter().any(|k| k.name() == name) {
            return Err(bad("that is a built-in kind"));
        }
        let mut bytes = [0; Self::MAX_LEN];
        bytes[..b.len()].copy_from_slice(b);
        Ok(CustomKind {
            len: b.len() as u8,
            bytes,
        })
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored (checked by `new`).
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or_default()
    }
}

impl fmt::Debug for CustomKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// The kind of a scope resource: a built-in kind, with a stable name and code, or one the
/// tenant defined.
///
/// | kind | name | code | what it is |
/// |---|---|---|---|
/// | [`CallGroup`](Self::CallGroup) | `call_group` | 0 | a call (routing) group (003) |
/// | [`Ivr`](Self::Ivr) | `ivr` | 1 | an IVR (003) |
/// | [`Queue`](Self::Queue) | `queue` | 2 | a contact-center queue |
/// | [`Campaign`](Self::Campaign) | `campaign` | 3 | an outbound campaign |
/// | [`Number`](Self::Number) | `number` | 4 | a phone number (DID) |
/// | [`Team`](Self::Team) | `team` | 5 | a unit of users: team, site, department; users are its members |
/// | [`Custom`](Self::Custom) | the tenant's | none | a tenant-defined kind (brand, skill, ...) |
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScopeKind {
    /// A call group (routing group).
    CallGroup,
    /// An IVR.
    Ivr,
    /// A queue.
    Queue,
    /// An outbound campaign.
    Campaign,
    /// A phone number (DID).
    Number,
    /// A unit of users (team, site, department): the only kind users are members of.
    Team,
    /// A kind the tenant defined.
    Custom(CustomKind),
}

impl ScopeKind {
    /// Every built-in kind, in code order.
    pub const BUILT_IN: [ScopeKind; 6] = [
        ScopeKind::CallGroup,
        ScopeKind::Ivr,
        ScopeKind::Queue,
        ScopeKind::Campaign,
        ScopeKind::Number,
        ScopeKind::Team,
    ];

    /// The stable name.
    pub fn name(&self) -> &str {
        match self {
            ScopeKind::CallGroup => "call_group",
            ScopeKind::Ivr => "ivr",
            ScopeKind::Queue => "queue",
            ScopeKind::Campaign => "campaign",
            ScopeKind::Number => "number",
            ScopeKind::Team => "team",
            ScopeKind::Custom(c) => c.as_str(),
        }
    }

    /// The stable code of a built-in kind (its index in [`BUILT_IN`](Self::BUILT_IN)); `None`
    /// for a custom kind.
    pub fn code(&self) -> Option<u32> {
        Self::BUILT_IN
            .iter()
            .position(|k| k == self)
            .map(|i| i as u32)
    }

    /// The built-in kind of `code`.
    pub fn from_code(code: u32) -> Option<ScopeKind> {
        Self::BUILT_IN.get(code as usize).copied()
    }

    /// A tenant-defined kind.
    ///
    /// # Errors
    /// As [`CustomKind::new`].
    pub fn custom(name: &str) -> Result<ScopeKind, Error> {
        CustomKind::new(name).map(ScopeKind::Custom)
    }
}

impl fmt::Display for ScopeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ScopeKind {
    type Err = Error;
    /// A built-in kind's name, or any other valid kind name as a custom kind.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match Self::BUILT_IN.iter().find(|k| k.name() == s) {
            Some(k) => Ok(*k),
            None => ScopeKind::custom(s),
        }
    }
}

impl Serialize for ScopeKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for ScopeKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A scope resource (003 and beyond): a call group, IVR, queue, campaign, number, team or a
/// tenant-defined kind, in a hierarchy where a grant on a node covers its descendants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// Its id.
    pub id: ScopeId,
    /// The tenant it belongs to.
    pub tenant: TenantId,
    /// Its kind.
    pub kind: ScopeKind,
    /// Its name, unique per tenant and kind.
    pub name: String,
    /// Its parent node in the tenant's hierarchy (any kind), or `None` for a root.
    #[serde(default)]
    pub parent: Option<ScopeId>,
}

/// A role granted to a user for one scope (and everything below it), as a Genesys role is
/// granted per division: its permissions apply only to data of that scope's subtree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ScopeGrant {
    /// The role.
    pub role: RoleId,
    /// The scope it applies to, with its descendants.
    pub scope: ScopeId,
}

/// An agreement (contract) of a tenant (002).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    /// Its id.
    pub id: AgreementId,
    /// The tenant it belongs to.
    pub tenant: TenantId,
    /// Its name or number.
    pub name: String,
    /// The one Owner, appointed at creation.
    pub owner: UserId,
    /// Creation time, ms since the Unix epoch.
    pub created_at: i64,
}

/// One change to the directory: the typed record a store persists. A commit is a list of
/// changes applied atomically under one revision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Change {
    /// A tenant was created or changed.
    TenantPut(Tenant),
    /// A user was created or changed (whole record).
    UserPut(User),
    /// A user was deleted, with its memberships, levels and links.
    UserDeleted {
        /// The user.
        id: UserId,
    },
    /// A role was created or changed.
    RolePut(Role),
    /// A role was deleted and removed from every user and group.
    RoleDeleted {
        /// The role.
        id: RoleId,
    },
    /// A group was created or changed (name, roles).
    GroupPut(Group),
    /// A group was deleted with its memberships.
    GroupDeleted {
        /// The group.
        id: GroupId,
    },
    /// A user joined a group.
    MemberAdded {
        /// The group.
        group: GroupId,
        /// The user.
        user: UserId,
    },
    /// A user left a group.
    MemberRemoved {
        /// The group.
        group: GroupId,
        /// The user.
        user: UserId,
    },
    /// A call group or IVR was created or renamed.
    ScopePut(Scope),
    /// A call group or IVR was deleted and unassigned from every user.
    ScopeDeleted {
        /// The scope resource.
        id: ScopeId,
    },
    /// An agreement was created or its owner / name changed.
    AgreementPut(Agreement),
    /// A user's access level on a product of an agreement was set.
    LevelSet {
        /// The agreement.
        agreement: AgreementId,
        /// The user.
        user: UserId,
        /// The product.
        product: Product,
        /// The new level (never Owner: ownership is the agreement's `owner`).
        level: AccessLevel,
    },
    /// A user's credentials were set (password, temporary flag, failed-login counter, lock).
    CredentialPut(crate::credentials::Credential),
    /// A recovery token was issued (stored hashed).
    ResetTokenPut(crate::credentials::ResetToken),
    /// Every pending recovery token of a user was invalidated.
    ResetTokensCleared {
        /// The user.
        user: UserId,
    },
    /// A successful login was recorded.
    LoginRecorded {
        /// The user.
        user: UserId,
        /// When, ms since the Unix epoch.
        at: i64,
    },
    /// The security stamp of these users was set (their sessions issued before are invalid).
    StampSet {
        /// The users.
        users: Vec<UserId>,
        /// The new stamp (the revision of the commit).
        stamp: u64,
    },
    /// A user was linked to (or unlinked from) a virtual-PBX subscriber on an agreement.
    PbxLinkSet {
        /// The agreement.
        agreement: AgreementId,
        /// The user.
        user: UserId,
        /// The subscriber, or `None` to unlink.
        subscriber: Option<String>,
    },
}

impl Change {
    /// The kind and id of the object a `*Put` change creates or rewrites; `None` for the
    /// other changes. A store that keeps next-id counters bumps them from this.
    pub fn allocated_id(&self) -> Option<(ObjectKind, u64)> {
        Some(match self {
            Change::TenantPut(t) => (ObjectKind::Tenant, t.id.0),
            Change::UserPut(u) => (ObjectKind::User, u.id.0),
            Change::RolePut(r) => (ObjectKind::Role, r.id.0),
            Change::GroupPut(g) => (ObjectKind::Group, g.id.0),
            Change::ScopePut(s) => (ObjectKind::Scope, s.id.0),
            Change::AgreementPut(a) => (ObjectKind::Agreement, a.id.0),
            _ => return None,
        })
    }
}

/// A set of changes committed atomically under one revision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    /// The directory revision this commit creates (previous revision + 1).
    pub revision: u64,
    /// When it was made, ms since the Unix epoch.
    pub at: i64,
    /// The acting user, when there is one (tenant creation has none).
    pub actor: Option<UserId>,
    /// The changes, applied in order.
    pub changes: Vec<Change>,
    /// The audit events recording this commit, stored in the same transaction.
    #[serde(default)]
    pub audit: Vec<crate::audit::AuditEvent>,
}
