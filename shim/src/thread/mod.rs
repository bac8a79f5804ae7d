//! `std::thread`, instrumented under `cargo conc-check`.

#[cfg(not(instrumented))]
pub use std::thread::*;

#[cfg(instrumented)]
mod instrumented;
#[cfg(instrumented)]
pub use instrumented::*;
