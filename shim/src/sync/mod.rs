//! `std::sync`, instrumented under `cargo conc-check`.

#[cfg(not(any(conc_check, feature = "model")))]
pub use std::sync::*;

#[cfg(any(conc_check, feature = "model"))]
pub use conc_check_engine::primitive::sync::*;
