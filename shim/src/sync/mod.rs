//! `std::sync`, instrumented under `cargo conc-check`.

#[cfg(not(instrumented))]
pub use std::sync::*;

#[cfg(instrumented)]
mod instrumented;
#[cfg(instrumented)]
pub use instrumented::*;
