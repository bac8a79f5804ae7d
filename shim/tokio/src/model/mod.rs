//! The model's side of the facade: the same names as tokio's, on conc-check's tasks and locks.

mod select;
pub mod sync;
pub mod task;
pub mod time;

pub use conc_check::test;
pub use task::spawn;

#[doc(hidden)]
pub mod __private {
    //! What [`crate::select!`] expands to.
    pub use super::select::{start_index, PendingBranches};
}
