//! Role presets: the role catalogues of the three product families, reproduced from the rights
//! tables of the sources. A preset is installed into a tenant as built-in roles.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::permission::Permission as P;
use crate::Error;

/// A role catalogue of one product family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// 000 "Managers": Admin, Manager, Operator, Viewer, Service.
    Managers,
    /// 001 "Role model": ACCESSOR … USER, eleven roles.
    RoleModel,
    /// 003 "Dashboard access": Admin, Supervisor, Accountant, Technical.
    Dashboard,
}

/// One role of a preset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PresetRole {
    /// The role's name as the source spells it.
    pub name: &'static str,
    /// Its exact permission set.
    pub permissions: P,
    /// Whether its permissions apply only to the holder's assigned call groups / IVRs.
    pub scoped: bool,
    /// Whether it is an administrator-tier role (only the superadministrator grants it).
    pub admin_tier: bool,
    /// The source's description.
    pub description: &'static str,
}

const fn role(
    name: &'static str,
    permissions: P,
    scoped: bool,
    admin_tier: bool,
    description: &'static str,
) -> PresetRole {
    PresetRole {
        name,
        permissions,
        scoped,
        admin_tier,
        description,
    }
}

const CAMPAIGNS: P = P::CAMPAIGNS_VIEW
    .union(P::CAMPAIGNS_MANAGE)
    .union(P::CAMPAIGNS_CONTROL);
const SCRIPTS: P = P::SCRIPTS_VIEW.union(P::SCRIPTS_EDIT);
const NUMBERS: P = P::NUMBERS_VIEW.union(P::NUMBERS_MANAGE);
const BILLING: P = P::BILLING_VIEW.union(P::BILLING_MANAGE);
const PROJECTS: P = P::PROJECTS_VIEW
    .union(P::PROJECTS_STATS)
    .union(P::PROJECTS_OVERVIEW);
const PROFILE: P = P::PROFILE_VIEW.union(P::PROFILE_EDIT);

/// Every permission of the dashboard pages (003).
const DASHBOARD_PAGES: P = P::from_bits_truncate(
    P::DASHBOARD_ACTIVITY.bits()
        | P::DASHBOARD_LOGS.bits()
        | P::DASHBOARD_CAMPAIGNS.bits()
        | P::DASHBOARD_ANALYTICS.bits()
        | P::DASHBOARD_TASKS.bits()
        | P::DASHBOARD_BILLING.bits()
        | TECHNICAL_PAGES.bits(),
);

const SUPERVISOR_PAGES: P = P::from_bits_truncate(
    P::DASHBOARD_ACTIVITY.bits()
        | P::DASHBOARD_LOGS.bits()
        | P::DASHBOARD_CAMPAIGNS.bits()
        | P::DASHBOARD_ANALYTICS.bits()
        | P::DASHBOARD_TASKS.bits(),
);

const TECHNICAL_PAGES: P = P::from_bits_truncate(
    P::DASHBOARD_USERS.bits()
        | P::DASHBOARD_NUMBERS.bits()
        | P::DASHBOARD_IVRS.bits()
        | P::DASHBOARD_CALL_TAGS.bits()
        | P::DASHBOARD_SNOOZES.bits()
        | P::DASHBOARD_BLOCKED_NUMBERS.bits()
        | P::DASHBOARD_CONTACTS.bits()
        | P::DASHBOARD_DEV.bits()
        | P::DASHBOARD_INTEGRATIONS.bits()
        | P::DASHBOARD_ACTION_LOGS.bits()
        | P::DASHBOARD_BRANDS.bits()
        | P::DASHBOARD_OTHER.bits(),
);

const MANAGERS: &[PresetRole] = &[
    role(
        "Admin",
        P::USERS_VIEW
            .union(P::USERS_MANAGE)
            .union(CAMPAIGNS)
            .union(SCRIPTS)
            .union(NUMBERS)
            .union(BILLING)
            .union(P::REPORTS_VIEW)
            .union(P::SETTINGS_MANAGE),
        false,
        true,
        "user management, campaigns, scripts, numbers, billing, report viewing, system settings",
    ),
    role(
        "Manager",
        P::USERS_VIEW
            .union(CAMPAIGNS)
            .union(SCRIPTS)
            .union(NUMBERS)
            .union(P::REPORTS_VIEW),
        false,
        false,
        "user viewing, campaign management, script management, number management, report viewing",
    ),
    role(
        "Operator",
        P::CAMPAIGNS_VIEW
            .union(P::CAMPAIGNS_CONTROL)
            .union(P::SCRIPTS_VIEW)
            .union(P::NUMBERS_VIEW)
            .union(P::REPORTS_VIEW),
        false,
        false,
        "campaign viewing, campaign start/stop, script viewing, number viewing, report viewing",
    ),
    role(
        "Viewer",
        P::CAMPAIGNS_VIEW
            .union(P::SCRIPTS_VIEW)
            .union(P::NUMBERS_VIEW)
            .union(P::REPORTS_VIEW),
        false,
        false,
        "only viewing campaigns, scripts, numbers, reports",
    ),
    role(
        "Service",
        SCRIPTS
            .union(BILLING)
            .union(P::API_ACCESS)
            .union(P::SYSTEM_ADMIN),
        false,
        false,
        "script editing, billing management, API access, system administration",
    ),
];

const ROLE_MODEL: &[PresetRole] = &[
    role(
        "ACCESSOR",
        P::CLIENTS_VIEW
            .union(P::LOGS_VIEW)
            .union(P::LOGS_TAG)
            .union(P::CHANNELS_VIEW)
            .union(P::USERFLOW_VIEW)
            .union(PROJECTS),
        false,
        false,
        "list of clients; read logs and tag them; channels, user flow, projects, project statistics and overview",
    ),
    role(
        "ANALYST",
        P::CLIENTS_VIEW
            .union(P::LOGS_VIEW)
            .union(P::CHANNELS_VIEW)
            .union(P::USERFLOW_VIEW)
            .union(P::PROJECTS_VIEW)
            .union(P::PROJECTS_STATS)
            .union(P::TAGS_VIEW)
            .union(PROFILE),
        false,
        false,
        "clients, logs, channels, user flow, projects and statistics, tags; own profile",
    ),
    role(
        "CONTENT_MANAGER",
        P::CLIENTS_VIEW
            .union(P::LOGS_VIEW)
            .union(P::CONTENT_VIEW)
            .union(P::CONTENT_EDIT)
            .union(P::CHANNELS_VIEW)
            .union(P::CHANNELS_CREATE)
            .union(P::DEPLOYMENTS_VIEW)
            .union(P::DEPLOYMENTS_DEPLOY)
            .union(P::NEWS_VIEW)
            .union(P::NEWS_CREATE)
            .union(P::NEWS_EDIT)
            .union(P::SETTINGS_VIEW)
            .union(P::USERFLOW_VIEW)
            .union(PROJECTS)
            .union(PROFILE),
        false,
        false,
        "clients, logs; edit content; create channels; deployments with manual deploy; news; settings; user flow; projects; own profile",
    ),
    role(
        "DIALER_ADMIN",
        NUMBERS.union(P::BROADCASTS_VIEW).union(P::BROADCASTS_CREATE),
        false,
        false,
        "create, view and edit the number list; create and view voice broadcasts",
    ),
    role(
        "DIALER_USER",
        P::NUMBERS_VIEW.union(P::BROADCASTS_VIEW),
        false,
        false,
        "view numbers and voice broadcasts",
    ),
    role(
        "DIALER_VERIFIED",
        P::BROADCASTS_CONTROL,
        false,
        false,
        "start, suspend and finish voice broadcasts",
    ),
    role("INITIAL", P::empty(), false, false, "client without access to make any changes"),
    role(
        "OPERATOR",
        P::CLIENTS_VIEW.union(P::CLIENTS_BLOCK).union(PROJECTS).union(PROFILE),
        false,
        false,
        "clients, block/unblock clients, projects, project statistics and overview; own profile",
    ),
    role(
        "RAWLOGS_ANALYTIC",
        P::RAWLOGS_DOWNLOAD,
        false,
        false,
        "download the account's dialog logs as .csv",
    ),
    role(
        "TECH_SUPPORT",
        PROJECTS.union(PROFILE),
        false,
        false,
        "projects, project statistics and overview; own profile",
    ),
    role(
        "USER",
        P::USERS_VIEW
            .union(P::ROLES_VIEW)
            .union(P::DIALOGS_VIEW)
            .union(P::LOGS_VIEW)
            .union(P::CONTENT_VIEW)
            .union(P::CHANNELS_VIEW)
            .union(P::DEPLOYMENTS_VIEW)
            .union(P::NEWS_VIEW)
            .union(P::SETTINGS_VIEW)
            .union(P::USERFLOW_VIEW)
            .union(P::PROJECTS_VIEW)
            .union(P::PROJECTS_STATS)
            .union(P::TAGS_VIEW)
            .union(PROFILE),
        false,
        false,
        "users and roles (including dialogs), logs, content, channels, deployments, news, settings, user flow, projects and statistics, tags; own profile",
    ),
];

const DASHBOARD: &[PresetRole] = &[
    role(
        "Admin",
        DASHBOARD_PAGES
            .union(P::USERS_VIEW)
            .union(P::USERS_MANAGE)
            .union(P::ROLES_VIEW)
            .union(P::GROUPS_VIEW)
            .union(P::GROUPS_MANAGE)
            .union(P::SCOPES_MANAGE),
        false,
        true,
        "full access to the dashboard with no restrictions",
    ),
    role(
        "Supervisor",
        SUPERVISOR_PAGES,
        true,
        false,
        "Activity, Logs, Campaigns, Analytics and Task management, only for authorised call groups / IVRs",
    ),
    role("Accountant", P::DASHBOARD_BILLING, false, false, "only Credits and billing"),
    role(
        "Technical",
        TECHNICAL_PAGES.union(P::USERS_VIEW).union(P::USERS_MANAGE).union(P::SCOPES_MANAGE),
        false,
        false,
        "Configuration, Developer and Integrations pages; creates IVRs, users, call groups and numbers",
    ),
];

impl Preset {
    /// All presets.
    pub const ALL: [Preset; 3] = [Preset::Managers, Preset::RoleModel, Preset::Dashboard];

    /// The stable name (`managers`, `role_model`, `dashboard`).
    pub fn name(self) -> &'static str {
        match self {
            Preset::Managers => "managers",
            Preset::RoleModel => "role_model",
            Preset::Dashboard => "dashboard",
        }
    }

    /// The roles of this preset, in the source's order.
    pub fn roles(self) -> &'static [PresetRole] {
        match self {
            Preset::Managers => MANAGERS,
            Preset::RoleModel => ROLE_MODEL,
            Preset::Dashboard => DASHBOARD,
        }
    }

    /// The role of this preset with this name (exact spelling).
    pub fn role(self, name: &str) -> Option<&'static PresetRole> {
        self.roles().iter().find(|r| r.name == name)
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Preset {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Preset::ALL
            .iter()
            .copied()
            .find(|p| p.name() == s)
            .ok_or_else(|| Error::UnknownPreset {
                name: super::permission::truncate_for_message(s),
            })
    }
}

/// The namespace a role's name is unique in (case-insensitively), as Keycloak's client roles:
/// each preset's built-in roles live in the preset's namespace (`managers`, `role_model`,
/// `dashboard`), the tenant's own roles in `custom`. Several presets can therefore be installed
/// in one tenant even when their role names coincide (`managers/Admin` and `dashboard/Admin`).
///
/// Written `"custom"` or the preset's stable name; serialised as that string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum RoleNamespace {
    /// The tenant's own roles, created with `create_role`.
    Custom,
    /// The built-in roles installed from this preset.
    Preset(Preset),
}

impl RoleNamespace {
    /// Every namespace: `custom`, then the presets in [`Preset::ALL`] order.
    pub const ALL: [RoleNamespace; 4] = [
        RoleNamespace::Custom,
        RoleNamespace::Preset(Preset::Managers),
        RoleNamespace::Preset(Preset::RoleModel),
        RoleNamespace::Preset(Preset::Dashboard),
    ];

    /// The stable name: `custom`, or the preset's name (`managers`, `role_model`, `dashboard`).
    pub fn name(self) -> &'static str {
        match self {
            RoleNamespace::Custom => "custom",
            RoleNamespace::Preset(p) => p.name(),
        }
    }

    /// The preset of a built-in namespace, `None` for `custom`.
    pub fn preset(self) -> Option<Preset> {
        match self {
            RoleNamespace::Custom => None,
            RoleNamespace::Preset(p) => Some(p),
        }
    }
}

impl From<Option<Preset>> for RoleNamespace {
    fn from(p: Option<Preset>) -> Self {
        p.map_or(RoleNamespace::Custom, RoleNamespace::Preset)
    }
}

impl From<Preset> for RoleNamespace {
    fn from(p: Preset) -> Self {
        RoleNamespace::Preset(p)
    }
}

impl From<RoleNamespace> for &'static str {
    fn from(n: RoleNamespace) -> Self {
        n.name()
    }
}

impl TryFrom<String> for RoleNamespace {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        s.parse()
    }
}

impl fmt::Display for RoleNamespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for RoleNamespace {
    type Err = Error;
    /// Parses `custom` or a preset name (exact spelling).
    ///
    /// # Errors
    /// [`Error::UnknownNamespace`] for any other string.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RoleNamespace::ALL
            .iter()
            .copied()
            .find(|n| n.name() == s)
            .ok_or_else(|| Error::UnknownNamespace {
                name: super::permission::truncate_for_message(s),
            })
    }
}
