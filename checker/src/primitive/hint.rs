//! `hint::spin_loop`: inside a model a scheduling point that lets other threads run (like
//! `thread::yield_now`); on real threads `std::hint::spin_loop`.

use crate::runtime::api;

/// Signals a spin-wait loop.
#[track_caller]
#[inline]
pub fn spin_loop() {
    if api::in_model() {
        api::yield_now(std::panic::Location::caller());
        return;
    }
    std::hint::spin_loop()
}
