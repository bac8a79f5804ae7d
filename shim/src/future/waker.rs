//! The waker a driver (`block_on`, a task's thread) polls its future with: waking it unparks
//! the driver's thread.
//!
//! It is built by hand (a `RawWaker`) rather than from `std::task::Wake` for one reason: inside
//! a model a clone tells the engine where the future registers its waker, which a deadlock
//! report names as the `.await` the future is pending at, and the engine counts the clones
//! still held (none held means nothing can ever wake the future: a lost wakeup).

use std::mem::ManuallyDrop;
use std::sync::{Arc as StdArc, Weak};
use std::task::{RawWaker, RawWakerVTable, Waker};

use crate::thread::{self, Thread};

/// What every clone of a driver's waker shares: the thread to unpark.
pub(super) struct Unparker(Thread);

/// A waker that unparks the current thread, and a weak reference to the part its clones share
/// (whose strong count is how many wakers exist).
pub(super) fn current_thread_waker() -> (Waker, Weak<Unparker>) {
    let unparker = StdArc::new(Unparker(thread::current()));
    let weak = StdArc::downgrade(&unparker);
    let raw = RawWaker::new(StdArc::into_raw(unparker).cast(), &VTABLE);
    // SAFETY: `raw` carries one strong count of an `Arc<Unparker>` and the vtable below treats
    // its data pointer as exactly that.
    (unsafe { Waker::from_raw(raw) }, weak)
}

impl Unparker {
    /// Tells a checking build that the waker is being cloned (see the module's documentation).
    fn note_clone(&self) {
        #[cfg(any(conc_check, feature = "model"))]
        conc_check_engine::facade::waker_cloned(&self.0);
    }
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// The `Arc` a waker's data pointer carries, without taking over its count.
///
/// # Safety
/// `data` must come from `StdArc::<Unparker>::into_raw` and its count must still be held.
unsafe fn borrow(data: *const ()) -> ManuallyDrop<StdArc<Unparker>> {
    // SAFETY: as the caller promises; `ManuallyDrop` leaves the count alone.
    ManuallyDrop::new(unsafe { StdArc::from_raw(data.cast::<Unparker>()) })
}

unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: the vtable is only used with data from `current_thread_waker` (or a clone).
    let unparker = unsafe { borrow(data) };
    unparker.note_clone();
    let copy: StdArc<Unparker> = StdArc::clone(&unparker);
    RawWaker::new(StdArc::into_raw(copy).cast(), &VTABLE)
}

unsafe fn wake(data: *const ()) {
    // SAFETY: as in `clone`; waking by value consumes the waker's count.
    let unparker = unsafe { StdArc::from_raw(data.cast::<Unparker>()) };
    unparker.0.unpark();
}

unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: as in `clone`.
    unsafe { borrow(data) }.0.unpark();
}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: as in `clone`; dropping the waker gives up its count.
    drop(unsafe { StdArc::from_raw(data.cast::<Unparker>()) });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_are_counted_and_dropped() {
        let (waker, shared) = current_thread_waker();
        assert_eq!(shared.strong_count(), 1);
        let copy = waker.clone();
        assert_eq!(shared.strong_count(), 2);
        copy.wake();
        assert_eq!(shared.strong_count(), 1);
        waker.wake_by_ref();
        drop(waker);
        assert_eq!(shared.strong_count(), 0);
        // Both wakes left the thread's token: this park returns at once.
        thread::park();
    }
}
