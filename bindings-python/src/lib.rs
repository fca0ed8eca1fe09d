//! Python bindings of rolecall: the native module `rolecall._rolecall`, re-exported by the
//! `rolecall` package (`python/rolecall/`). The bindings convert types and errors and call the
//! core; no rule lives here.
//!
//! Layout: `convert` (Python values to core values), `errors` (core errors to the exception
//! hierarchy of `rolecall/_errors.py`), `records` (frozen record classes), `directory` (the
//! `Directory` class, one method per core operation), `snapshot` (`Snapshot`, `check_many`).
//! The enums (`Permission`, `Product`, ...) are built in `rolecall/_enums.py` from the
//! catalogue functions below, so their members always come from the core.

mod convert;
mod credentials;
mod directory;
mod errors;
mod records;
mod snapshot;

use pyo3::prelude::*;

/// The native module.
#[pymodule]
mod _rolecall {
    use std::str::FromStr;

    use pyo3::prelude::*;
    use rolecall::{AccessLevel, Permission, Preset, Product, CATALOGUE};

    use crate::convert::{all_scope_kinds, PresetArg};
    use crate::errors::OrRaise;

    #[pymodule_export]
    use crate::credentials::{
        PyAuditEvent, PyCredentialStatus, PyManualClock, PyNotification, PyPasswordPolicy,
        PyResetIssued, PySession,
    };
    #[pymodule_export]
    use crate::directory::PyDirectory;
    #[pymodule_export]
    use crate::records::{
        PyAgreement, PyExplanation, PyGrant, PyGroup, PyNewUser, PyPage, PyPresetRole, PyRole,
        PyScope, PyScopeAccess, PyScopeGrant, PySodRule, PySodViolation, PyTenant, PyTenantCreated,
        PyTenantSettings, PyUser,
    };
    #[pymodule_export]
    use crate::records::{PyAssignment, PyEligibility, PyTimedGrant, PyWindow};
    #[pymodule_export]
    use crate::records::{PyImpact, PySimulation, PyUserImpact};
    #[pymodule_export]
    use crate::records::{PyImportReport, PyKindReport};
    #[pymodule_export]
    use crate::snapshot::PySnapshot;

    /// The version of the rolecall core this module was built from.
    #[pyfunction]
    fn version() -> &'static str {
        env!("CARGO_PKG_VERSION")
    }

    /// The dotted names of every permission in the catalogue, in catalogue order (the core's
    /// `CATALOGUE`: declaration order, not bit order), like every permission list.
    #[pyfunction]
    fn permission_names() -> Vec<&'static str> {
        CATALOGUE.iter().map(|(_, n)| *n).collect()
    }

    /// The permission catalogue: `(member name, dotted name, bits)` for every permission, in
    /// catalogue order (not bit order). `rolecall.Permission` is built from it.
    #[pyfunction]
    fn permission_catalogue() -> Vec<(&'static str, &'static str, u128)> {
        Permission::all()
            .iter_names()
            .map(|(konst, p)| (konst, p.name().unwrap_or(konst), p.bits()))
            .collect()
    }

    /// The core's error table: `(code, kind, category)` for every error, in the core's
    /// declaration order (`rolecall::Error::CODES`). The exception classes of
    /// `rolecall/_errors.py` are tested against it.
    #[pyfunction]
    fn error_codes() -> Vec<(u32, &'static str, &'static str)> {
        rolecall::Error::CODES
            .iter()
            .map(|&(code, kind, category)| (code, kind, category.name()))
            .collect()
    }

    /// The bits of one permission, by its exact dotted name.
    #[pyfunction]
    fn permission_from_name(name: &str) -> PyResult<u128> {
        Permission::by_name(name).map(|p| p.bits()).or_raise()
    }

    /// The bits of a set written as dotted names joined by `|` or `,`.
    #[pyfunction]
    fn permission_parse(text: &str) -> PyResult<u128> {
        Permission::from_str(text).map(|p| p.bits()).or_raise()
    }

    fn known(bits: u128) -> Permission {
        Permission::from_bits_truncate(bits)
    }

    /// The dotted names of the permissions in a set, in catalogue order.
    #[pyfunction]
    fn permission_names_of(bits: u128) -> Vec<&'static str> {
        known(bits).names()
    }

    /// The dotted name of a single permission, or None for an empty or multi-bit set.
    #[pyfunction]
    fn permission_name(bits: u128) -> Option<&'static str> {
        known(bits).name()
    }

    /// A set as the core prints it: dotted names joined by `|`, or `(none)`.
    #[pyfunction]
    fn permission_display(bits: u128) -> String {
        known(bits).to_string()
    }

    /// Every product's stable name, in stable-number order.
    #[pyfunction]
    fn products() -> Vec<&'static str> {
        Product::ALL.iter().map(|p| p.name()).collect()
    }

    /// Every access level's stable name, lowest first.
    #[pyfunction]
    fn access_levels() -> Vec<&'static str> {
        AccessLevel::ALL.iter().map(|l| l.name()).collect()
    }

    /// Every scope kind's stable name.
    #[pyfunction]
    fn scope_kinds() -> Vec<String> {
        all_scope_kinds()
            .iter()
            .map(|k| k.name().to_owned())
            .collect()
    }

    /// Every preset's stable name.
    #[pyfunction]
    fn presets() -> Vec<&'static str> {
        Preset::ALL.iter().map(|p| p.name()).collect()
    }

    /// The roles of a preset, in the source's order.
    #[pyfunction]
    fn preset_roles(preset: PresetArg) -> Vec<PyPresetRole> {
        preset.0.roles().iter().copied().map(PyPresetRole).collect()
    }

    /// Does nothing and returns False. The baseline of `benches/python/bench_checks.py`: a
    /// pyo3 call with the argument shape of `Directory.check` (two positional arguments, a
    /// bool back), so the benchmark can report what a check costs above the crossing itself.
    /// Not part of the API (not in `rolecall.__all__`).
    #[pyfunction]
    #[pyo3(signature = (a, b))]
    fn _noop(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> bool {
        let _ = (a, b);
        false
    }

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        crate::install_logger(m.py());
        m.add("__version__", env!("CARGO_PKG_VERSION"))
    }
}

/// Forwards the core's log records (target `rolecall`) to Python's `logging` (logger
/// "rolecall", configured as any other), read afresh at each record: the records are rare (a
/// PostgreSQL connection lost, restored), so configuring `logging` after import takes effect.
/// Records of other targets are dropped. When this process already has a Rust logger (another
/// extension installed one), that one keeps the records.
fn install_logger(py: Python<'_>) {
    if let Ok(logger) = pyo3_log::Logger::new(py, pyo3_log::Caching::Nothing) {
        let _ = logger
            .filter(log::LevelFilter::Off)
            .filter_target("rolecall".to_owned(), log::LevelFilter::Info)
            .install();
    }
}
