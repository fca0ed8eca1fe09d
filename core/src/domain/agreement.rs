//! Agreements (contracts), products and access levels (source 002).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Error;

/// One of the seven products access is set for, per agreement (002).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Product {
    /// System \[CORE\]: managing roles and access on the agreement.
    Core = 0,
    /// Telephony.
    Telephony = 1,
    /// Virtual PBX.
    VirtualPbx = 2,
    /// Automated calls.
    AutomatedCalls = 3,
    /// Chatbots.
    Chatbots = 4,
    /// Integrations and API v2.0 (Integrations and For developers).
    IntegrationsApi = 5,
    /// Contact Center AI.
    ContactCenterAi = 6,
}

impl Product {
    /// All products, in their stable order.
    pub const ALL: [Product; 7] = [
        Product::Core,
        Product::Telephony,
        Product::VirtualPbx,
        Product::AutomatedCalls,
        Product::Chatbots,
        Product::IntegrationsApi,
        Product::ContactCenterAi,
    ];

    /// The stable snake_case name (`virtual_pbx`).
    pub fn name(self) -> &'static str {
        match self {
            Product::Core => "core",
            Product::Telephony => "telephony",
            Product::VirtualPbx => "virtual_pbx",
            Product::AutomatedCalls => "automated_calls",
            Product::Chatbots => "chatbots",
            Product::IntegrationsApi => "integrations_api",
            Product::ContactCenterAi => "contact_center_ai",
        }
    }

    /// The product with this stable number (0..=6).
    ///
    /// # Errors
    /// [`Error::UnknownProduct`] for a number outside 0..=6.
    pub fn from_index(i: u32) -> Result<Product, Error> {
        Product::ALL
            .get(i as usize)
            .copied()
            .ok_or_else(|| Error::UnknownProduct {
                name: i.to_string(),
            })
    }
}

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Product {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Product::ALL
            .iter()
            .copied()
            .find(|p| p.name() == s)
            .ok_or_else(|| Error::UnknownProduct {
                name: super::permission::truncate_for_message(s),
            })
    }
}

/// Access level of a user on a product of an agreement: NoAccess < User < Administrator < Owner.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum AccessLevel {
    /// Without access: may use the product but not view or edit its data.
    #[default]
    NoAccess = 0,
    /// May view the product's settings.
    User = 1,
    /// May change the product's settings; on System (CORE) may grant User and Administrator.
    Administrator = 2,
    /// Appointed at creation; exactly one per agreement; may grant No access, User, Administrator.
    Owner = 3,
}

impl AccessLevel {
    /// All levels, lowest first.
    pub const ALL: [AccessLevel; 4] = [
        AccessLevel::NoAccess,
        AccessLevel::User,
        AccessLevel::Administrator,
        AccessLevel::Owner,
    ];

    /// The stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            AccessLevel::NoAccess => "no_access",
            AccessLevel::User => "user",
            AccessLevel::Administrator => "administrator",
            AccessLevel::Owner => "owner",
        }
    }

    /// The level with this stable number (0..=3).
    ///
    /// # Errors
    /// [`Error::UnknownAccessLevel`] for a number outside 0..=3.
    pub fn from_index(i: u32) -> Result<AccessLevel, Error> {
        AccessLevel::ALL
            .get(i as usize)
            .copied()
            .ok_or_else(|| Error::UnknownAccessLevel {
                name: i.to_string(),
            })
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for AccessLevel {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AccessLevel::ALL
            .iter()
            .copied()
            .find(|l| l.name() == s)
            .ok_or_else(|| Error::UnknownAccessLevel {
                name: super::permission::truncate_for_message(s),
            })
    }
}

/// The levels of one user on the seven products, indexed by [`Product`] as `u8`.
pub type Levels = [AccessLevel; 7];
