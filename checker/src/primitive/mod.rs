//! The primitives: std-shaped `sync` and `thread` types, and the cores of `cell::UnsafeCell`
//! and `hint::spin_loop`, each owning its identity and picking its mode inside: inside a model
//! an operation goes through the scheduler (`runtime::api`); on real threads it is
//! the std operation, watched by real mode (`real`).
//!
//! The shim (`conc_check::sync`, `conc_check::thread`, …) re-exports these under `--cfg
//! conc_check` or the `model` feature, and std's own types otherwise; it decides nothing about
//! modes itself.

pub mod cell;
pub mod hint;
pub mod sync;
pub mod thread;
pub mod time;
