//! The plain structs exchanged with C: input structs the caller fills, and read-only records
//! the library allocates (owned by the caller, freed with their `_free` function, which accepts
//! NULL and frees everything the record points to).

// Declared in the header's order (cbindgen follows the declaration order of the modules, and
// rustfmt would sort a block of declarations: hence one block per module).
mod inputs;

mod tenants;

mod timed;

mod users;

mod roles;

mod scopes;

mod explain;

mod credentials;

mod audit;

pub use audit::*;
pub use credentials::*;
pub use explain::*;
pub use inputs::*;
pub use roles::*;
pub use scopes::*;
pub use tenants::*;
pub use timed::*;
pub use users::*;
