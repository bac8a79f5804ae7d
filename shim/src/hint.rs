//! `std::hint::spin_loop`, which lets other model threads run inside a model.

#[cfg(not(any(conc_check, feature = "model")))]
pub use std::hint::spin_loop;

#[cfg(any(conc_check, feature = "model"))]
pub use conc_check_engine::primitive::hint::spin_loop;
