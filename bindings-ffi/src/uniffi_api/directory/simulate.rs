// Dry runs: a throwaway fork driven step by step, and the impact of what was done on it.
// (Included into `uniffi_api.rs`, one module, by `include!`: the imports are there.)

#[uniffi::export]
impl Directory {
    /// A throwaway fork of this directory (the core's `Directory::fork`): an independent
    /// in-memory directory holding a copy of its current state, on a clock frozen at its now.
    /// Make changes on it with the usual methods, then `impact_json()` tells what they would
    /// change here; nothing reaches this directory.
    pub fn fork(&self) -> R<Arc<Self>> {
        Ok(Arc::new(Directory {
            inner: self.inner.fork()?,
        }))
    }

    /// On a fork: the impact of everything done on it so far, as the JSON the C API's
    /// `rolecall_simulate` returns (the README's "Dry run and impact"). `invalid_argument` on
    /// a directory that is not a fork.
    pub fn impact_json(&self) -> R<String> {
        json_text(serde_json::to_string(&self.inner.impact()?), "impact")
    }
}

/// A value of the core serialised to JSON text, or `invalid_argument` naming `what` should it
/// not serialise.
fn json_text(text: serde_json::Result<String>, what: &'static str) -> R<String> {
    text.map_err(|e| {
        rolecall::Error::InvalidArgument {
            what,
            reason: e.to_string(),
        }
        .into()
    })
}
