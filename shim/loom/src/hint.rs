//! `std::hint`, with `spin_loop` a scheduling point that lets other threads run.

pub use conc_check_engine::primitive::hint::spin_loop;
pub use std::hint::{black_box, unreachable_unchecked};
