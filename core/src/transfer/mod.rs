//! Import and export of a tenant: the versioned JSON document ([`TenantDocument`]), its export,
//! its import through every rule in one commit, and the CSV of users.

mod csv;
mod document;
mod export;
mod import;

pub use self::csv::CSV_COLUMNS;
pub(crate) use self::csv::{relocate, users_document};
pub use document::{
    DocAgreement, DocAssignment, DocEligibility, DocGrant, DocGroup, DocLevels, DocPassword,
    DocPasswordPolicy, DocPbxLink, DocRole, DocScope, DocSodRule, DocTenant, DocUser, DocWindow,
    ExportOptions, ImportProblem, ImportReport, KindReport, TenantDocument, DOCUMENT_FORMAT,
    DOCUMENT_VERSION,
};
pub(crate) use export::export;
pub(crate) use import::plan_import;
