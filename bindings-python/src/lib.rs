//! Python bindings of rolecall: the module `rolecall._rolecall`, re-exported by the `rolecall`
//! package. The bindings convert types and errors and call the core; no rule lives here.

use pyo3::prelude::*;

/// The native module.
#[pymodule]
mod _rolecall {
    use pyo3::prelude::*;

    /// The version of the rolecall core this module was built from.
    #[pyfunction]
    fn version() -> &'static str {
        env!("CARGO_PKG_VERSION")
    }

    /// The dotted names of every permission in the catalogue, in bit order.
    #[pyfunction]
    fn permission_names() -> Vec<&'static str> {
        rolecall::CATALOGUE.iter().map(|(_, n)| *n).collect()
    }

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))
    }
}
