//! `std::thread`, instrumented under `cargo conc-check`.

#[cfg(not(any(conc_check, feature = "model")))]
pub use std::thread::*;

#[cfg(any(conc_check, feature = "model"))]
pub use conc_check_engine::primitive::thread::*;
