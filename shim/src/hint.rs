//! `std::hint::spin_loop`, which lets other model threads run inside a model.

/// Signals a spin-wait loop. Inside a model this is a scheduling point that lets other threads
/// run (like `thread::yield_now`); elsewhere it is `std::hint::spin_loop`.
#[track_caller]
#[inline]
pub fn spin_loop() {
    #[cfg(any(conc_check, feature = "model"))]
    if conc_check_engine::runtime::api::in_model() {
        conc_check_engine::runtime::api::yield_now(std::panic::Location::caller());
        return;
    }
    std::hint::spin_loop()
}
