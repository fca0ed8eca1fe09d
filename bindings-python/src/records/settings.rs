//! Tenant settings.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use pyo3::prelude::*;
use rolecall::TenantSettings;

use super::{py_bool, repr_opt};

// ============================ TenantSettings ============================

/// A tenant's options, set by its superadministrator with `Directory.set_tenant_settings` and
/// read with `Directory.tenant_settings`. Build one with keyword arguments; the defaults are
/// the sources' rules as written.
///
/// - `strict_agreement_levels`: the stricter reading of 002, nobody sets a level on a product
///   above its own level on that product (default False: a CORE Administrator sets User or
///   Administrator, and the Owner No access, User or Administrator, on every product).
/// - `phone_region`: the region (ISO 3166-1 alpha-2, such as "US") that phone numbers typed
///   without a country code are read in; None accepts only international numbers.
#[pyclass(frozen, eq, module = "rolecall", name = "TenantSettings")]
#[derive(PartialEq)]
pub struct PyTenantSettings(pub TenantSettings);

#[pymethods]
impl PyTenantSettings {
    #[new]
    #[pyo3(signature = (*, strict_agreement_levels = false, phone_region = None))]
    fn new(strict_agreement_levels: bool, phone_region: Option<String>) -> Self {
        let mut s = TenantSettings::default();
        s.strict_agreement_levels = strict_agreement_levels;
        s.phone_region = phone_region;
        PyTenantSettings(s)
    }
    /// Whether nobody sets an agreement level above its own level on that product.
    #[getter]
    fn strict_agreement_levels(&self) -> bool {
        self.0.strict_agreement_levels
    }
    /// The default region of national phone numbers, or None.
    #[getter]
    fn phone_region(&self) -> Option<&str> {
        self.0.phone_region.as_deref()
    }
    fn __hash__(&self) -> u64 {
        let mut h = DefaultHasher::new();
        (self.0.strict_agreement_levels, &self.0.phone_region).hash(&mut h);
        h.finish()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "TenantSettings(strict_agreement_levels={}, phone_region={})",
            py_bool(self.0.strict_agreement_levels),
            repr_opt(py, self.0.phone_region.as_deref())?
        ))
    }
}
