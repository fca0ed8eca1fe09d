//! The permission catalogue: every right named in the rights tables of the sources.
//!
//! A [`Permission`] value is a set of rights (a `bitflags` set over `u128`); a single right is a
//! set with one bit. Each right has a stable dotted name (`broadcasts.control`) that parses and
//! prints. Bit positions are part of the C ABI and never change; serde (de)serialises sets **by
//! name**, so stored data survives the catalogue growing.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

macro_rules! catalogue {
    ($( $(#[doc = $doc:literal])* $konst:ident = $bit:literal, $name:literal; )*) => {
        bitflags::bitflags! {
            /// A set of permissions; a single permission is a set with exactly one bit.
            ///
            /// ```
            /// use rolecall::Permission;
            /// let p = Permission::CAMPAIGNS_VIEW | Permission::SCRIPTS_VIEW;
            /// assert!(p.contains(Permission::SCRIPTS_VIEW));
            /// assert_eq!("broadcasts.control".parse::<Permission>().unwrap(), Permission::BROADCASTS_CONTROL);
            /// assert_eq!(Permission::BROADCASTS_CONTROL.to_string(), "broadcasts.control");
            /// ```
            #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
            pub struct Permission: u128 {
                $( $(#[doc = $doc])* const $konst = 1u128 << $bit; )*
            }
        }

        /// Every permission of the catalogue with its dotted name, in **catalogue order**: the
        /// declaration order, grouped by source. It is not bit order (bits are fixed for the C
        /// ABI, and `agreements.manage` sits at bit 64): every list of permissions the library
        /// returns, in every language, is in this order.
        pub const CATALOGUE: &[(Permission, &str)] = &[ $( (Permission::$konst, $name), )* ];
    };
}

catalogue! {
    // --- directory administration (000, 003, 004) ---
    /// See the list of users and their roles (000 Manager "user viewing", 001 USER).
    USERS_VIEW = 0, "users.view";
    /// Create, edit and delete users and change their roles (000 Admin "user management").
    USERS_MANAGE = 1, "users.manage";
    /// See roles and their rights (001 USER "list of users and roles").
    ROLES_VIEW = 2, "roles.view";
    /// Create, edit and delete custom roles.
    ROLES_MANAGE = 3, "roles.manage";
    /// See user groups, their members and permissions (004).
    GROUPS_VIEW = 4, "groups.view";
    /// Create, rename and delete user groups, change their roles and members (004).
    GROUPS_MANAGE = 5, "groups.manage";
    /// Create and delete call groups and IVRs (003 Technical "create IVRs, users, groups").
    SCOPES_MANAGE = 6, "scopes.manage";
    /// Create agreements (contracts) and appoint their owner (002).
    // Bit 64 is the one bit past a machine word: it goes to the right checked least often
    // (bindings whose integers are fastest below 2^63, such as Python's, pay for it only here).
    AGREEMENTS_MANAGE = 64, "agreements.manage";

    // --- 000 Managers ---
    /// View campaigns.
    CAMPAIGNS_VIEW = 8, "campaigns.view";
    /// Create and edit campaigns ("campaign management").
    CAMPAIGNS_MANAGE = 9, "campaigns.manage";
    /// Start and stop campaigns.
    CAMPAIGNS_CONTROL = 10, "campaigns.control";
    /// View scripts.
    SCRIPTS_VIEW = 11, "scripts.view";
    /// Edit scripts ("script editing", "script management").
    SCRIPTS_EDIT = 12, "scripts.edit";
    /// View numbers.
    NUMBERS_VIEW = 13, "numbers.view";
    /// Create and edit numbers ("number management"; 001 DIALER_ADMIN "create and edit the number list").
    NUMBERS_MANAGE = 14, "numbers.manage";
    /// View billing.
    BILLING_VIEW = 15, "billing.view";
    /// Manage billing.
    BILLING_MANAGE = 16, "billing.manage";
    /// View reports.
    REPORTS_VIEW = 17, "reports.view";
    /// Change system settings.
    SETTINGS_MANAGE = 18, "settings.manage";
    /// Use the API.
    API_ACCESS = 19, "api.access";
    /// System administration (000 Service).
    SYSTEM_ADMIN = 20, "system.admin";

    // --- 001 Role model ---
    /// See the list of clients.
    CLIENTS_VIEW = 21, "clients.view";
    /// Block or unblock clients.
    CLIENTS_BLOCK = 22, "clients.block";
    /// Read logs.
    LOGS_VIEW = 23, "logs.view";
    /// Tag logs with special tags.
    LOGS_TAG = 24, "logs.tag";
    /// See tags.
    TAGS_VIEW = 25, "tags.view";
    /// View channels on the Channels page.
    CHANNELS_VIEW = 26, "channels.view";
    /// Create channels.
    CHANNELS_CREATE = 27, "channels.create";
    /// View the User flow page.
    USERFLOW_VIEW = 28, "userflow.view";
    /// See the list of projects.
    PROJECTS_VIEW = 29, "projects.view";
    /// See project statistics.
    PROJECTS_STATS = 30, "projects.stats";
    /// See the project overview page.
    PROJECTS_OVERVIEW = 31, "projects.overview";
    /// View content in the editor.
    CONTENT_VIEW = 32, "content.view";
    /// Edit content in the editor.
    CONTENT_EDIT = 33, "content.edit";
    /// View deployment statistics / the deployment page.
    DEPLOYMENTS_VIEW = 34, "deployments.view";
    /// Deploy manually.
    DEPLOYMENTS_DEPLOY = 35, "deployments.deploy";
    /// View news.
    NEWS_VIEW = 36, "news.view";
    /// Create news.
    NEWS_CREATE = 37, "news.create";
    /// Edit news.
    NEWS_EDIT = 38, "news.edit";
    /// View settings.
    SETTINGS_VIEW = 39, "settings.view";
    /// View one's personal information in the profile.
    PROFILE_VIEW = 40, "profile.view";
    /// Change one's personal information in the profile.
    PROFILE_EDIT = 41, "profile.edit";
    /// View voice broadcasts.
    BROADCASTS_VIEW = 42, "broadcasts.view";
    /// Create voice broadcasts.
    BROADCASTS_CREATE = 43, "broadcasts.create";
    /// Start, suspend and finish voice broadcasts.
    BROADCASTS_CONTROL = 44, "broadcasts.control";
    /// Download the account's dialog logs as .csv.
    RAWLOGS_DOWNLOAD = 45, "rawlogs.download";
    /// See dialogs (001 USER "including dialogs").
    DIALOGS_VIEW = 46, "dialogs.view";

    // --- 003 Dashboard pages ---
    /// Dashboard: Activity page.
    DASHBOARD_ACTIVITY = 47, "dashboard.activity";
    /// Dashboard: Logs page.
    DASHBOARD_LOGS = 48, "dashboard.logs";
    /// Dashboard: Campaigns page.
    DASHBOARD_CAMPAIGNS = 49, "dashboard.campaigns";
    /// Dashboard: Analytics page.
    DASHBOARD_ANALYTICS = 50, "dashboard.analytics";
    /// Dashboard: Task management page.
    DASHBOARD_TASKS = 51, "dashboard.tasks";
    /// Dashboard: Credits and billing page (add credits, download invoices).
    DASHBOARD_BILLING = 52, "dashboard.billing";
    /// Dashboard configuration: Users.
    DASHBOARD_USERS = 53, "dashboard.users";
    /// Dashboard configuration: Numbers.
    DASHBOARD_NUMBERS = 54, "dashboard.numbers";
    /// Dashboard configuration: IVRs and audio conferences.
    DASHBOARD_IVRS = 55, "dashboard.ivrs";
    /// Dashboard configuration: Call tags.
    DASHBOARD_CALL_TAGS = 56, "dashboard.call_tags";
    /// Dashboard configuration: Snoozes.
    DASHBOARD_SNOOZES = 57, "dashboard.snoozes";
    /// Dashboard configuration: Blocked numbers.
    DASHBOARD_BLOCKED_NUMBERS = 58, "dashboard.blocked_numbers";
    /// Dashboard configuration: Contacts.
    DASHBOARD_CONTACTS = 59, "dashboard.contacts";
    /// Dashboard developer page: Dev.
    DASHBOARD_DEV = 60, "dashboard.dev";
    /// Dashboard: Integrations.
    DASHBOARD_INTEGRATIONS = 61, "dashboard.integrations";
    /// Dashboard: Action logs.
    DASHBOARD_ACTION_LOGS = 62, "dashboard.action_logs";
    /// Dashboard: Brands.
    DASHBOARD_BRANDS = 63, "dashboard.brands";
    /// Dashboard: Other.
    DASHBOARD_OTHER = 7, "dashboard.other";
}

impl Permission {
    /// The dotted name of a single permission, or `None` for an empty or multi-bit set.
    pub fn name(self) -> Option<&'static str> {
        CATALOGUE.iter().find(|(p, _)| *p == self).map(|(_, n)| *n)
    }

    /// Looks a single permission up by its dotted name (exact, lowercase).
    ///
    /// # Errors
    /// [`Error::UnknownPermission`] for a name not in the catalogue.
    pub fn by_name(name: &str) -> Result<Permission, Error> {
        CATALOGUE
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(p, _)| *p)
            .ok_or_else(|| Error::UnknownPermission {
                name: truncate_for_message(name),
            })
    }

    /// The set with these bits, refusing bits outside the catalogue (for values that crossed
    /// a language boundary as integers).
    ///
    /// # Errors
    /// [`Error::UnknownPermission`] naming the bits outside the catalogue.
    pub fn from_bits_checked(bits: u128) -> Result<Permission, Error> {
        Permission::from_bits(bits).ok_or_else(|| Error::UnknownPermission {
            name: format!("bits {:#x}", bits & !Permission::all().bits()),
        })
    }

    /// Parses a set from dotted names; an empty slice gives the empty set.
    ///
    /// # Errors
    /// [`Error::UnknownPermission`] for the first name not in the catalogue.
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Result<Permission, Error> {
        names.iter().try_fold(Permission::empty(), |acc, n| {
            Ok(acc | Permission::by_name(n.as_ref())?)
        })
    }

    /// The dotted names of the permissions in this set, in catalogue order.
    pub fn names(self) -> Vec<&'static str> {
        CATALOGUE
            .iter()
            .filter(|(p, _)| self.contains(*p))
            .map(|(_, n)| *n)
            .collect()
    }

    /// The single permissions in this set, in catalogue order.
    pub fn singles(self) -> impl Iterator<Item = Permission> {
        CATALOGUE
            .iter()
            .map(|(p, _)| *p)
            .filter(move |p| self.contains(*p))
    }
}

/// Keeps error messages bounded when a caller passes a huge string.
pub(crate) fn truncate_for_message(s: &str) -> String {
    const MAX: usize = 64;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(MAX).collect();
        t.push('…');
        t
    }
}

impl fmt::Display for Permission {
    /// Prints the dotted names joined by `|`; the empty set prints as `(none)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("(none)");
        }
        f.write_str(&self.names().join("|"))
    }
}

impl fmt::Debug for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Permission({self})")
    }
}

impl FromStr for Permission {
    type Err = Error;

    /// Parses one dotted name, or several joined by `|` or `,`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.split(['|', ','])
            .map(str::trim)
            .try_fold(Permission::empty(), |acc, n| {
                Ok(acc | Permission::by_name(n)?)
            })
    }
}

impl Serialize for Permission {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.names())
    }
}

impl<'de> Deserialize<'de> for Permission {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(deserializer)?;
        Permission::from_names(&names).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips_and_bits_are_unique() {
        let mut seen = Permission::empty();
        for (p, n) in CATALOGUE {
            assert_eq!(p.bits().count_ones(), 1, "{n}");
            assert!(!seen.intersects(*p), "bit reused by {n}");
            seen |= *p;
            assert_eq!(Permission::by_name(n).ok(), Some(*p));
            assert_eq!(p.name(), Some(*n));
            assert_eq!(p.to_string(), *n);
            assert!(
                n.contains('.')
                    && n.chars()
                        .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
            );
        }
        assert_eq!(seen, Permission::all());
    }

    #[test]
    fn serde_uses_names_not_bits() {
        let set = Permission::BROADCASTS_CONTROL | Permission::USERS_VIEW;
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(json, r#"["users.view","broadcasts.control"]"#);
        assert_eq!(serde_json::from_str::<Permission>(&json).unwrap(), set);
        assert!(serde_json::from_str::<Permission>(r#"["no.such"]"#).is_err());
    }

    #[test]
    fn unknown_names_are_refused() {
        assert!(matches!(
            "campaigns.fly".parse::<Permission>(),
            Err(Error::UnknownPermission { .. })
        ));
        assert_eq!(
            "campaigns.view|scripts.view".parse::<Permission>().unwrap(),
            Permission::CAMPAIGNS_VIEW | Permission::SCRIPTS_VIEW
        );
    }
}
