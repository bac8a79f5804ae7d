//! The waker a driver (`block_on`, a task's thread) polls its future with: waking it unparks
//! the driver's thread.
//!
//! It is built by hand (a `RawWaker`) rather than from `std::task::Wake` for one reason: inside
//! a model a clone tells the engine where the future registers its waker, which a deadlock
//! report names as the `.await` the future is pending at, and the engine counts the clones
//! still held (none held means nothing can ever wake the future: a lost wakeup).

use std::mem::ManuallyDrop;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc as StdArc, Mutex as StdMutex, PoisonError, Weak};
use std::task::{RawWaker, RawWakerVTable, Waker};

use crate::thread::{self, Thread};
use crate::time::Instant;

/// What every clone of a driver's waker shares: the thread to unpark, and the flag a wake sets
/// before it unparks. The driver parks until the flag is set, not merely until the thread is
/// unparked: code inside a poll that parks the thread itself (a nested `block_on`, a user's
/// `park`) may take the unpark meant for the driver, but not the flag.
pub(super) struct Unparker {
    thread: Thread,
    signals: StdArc<Signals>,
}

/// What a driver's wakers and the futures it polls tell the driver.
#[derive(Default)]
pub(super) struct Signals {
    /// A wake since the driver last looked.
    pub woken: AtomicBool,
    /// The earliest deadline a timer future of the current poll asked for (see
    /// [`super::wake_by`]).
    deadline: StdMutex<Option<Instant>>,
}

impl Signals {
    /// Takes the deadline the last poll asked for, clearing it for the next.
    pub(super) fn take_deadline(&self) -> Option<Instant> {
        self.deadline
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    fn wake_by(&self, deadline: Instant) {
        let mut armed = self.deadline.lock().unwrap_or_else(PoisonError::into_inner);
        if armed.is_none_or(|earlier| deadline < earlier) {
            *armed = Some(deadline);
        }
    }
}

impl Unparker {
    fn wake(&self) {
        self.signals.woken.store(true, Ordering::SeqCst);
        self.thread.unpark();
    }
}

/// Asks the driver polling through `waker` to poll again by `deadline` (see
/// [`super::wake_by`]); nothing for a waker of another executor.
pub(super) fn wake_by(waker: &Waker, deadline: Instant) {
    if waker.vtable() == &VTABLE {
        // SAFETY: a waker with this vtable carries an `Arc<Unparker>`, alive as long as it is.
        unsafe { borrow(waker.data()) }.signals.wake_by(deadline);
    }
}

/// A waker that unparks the current thread, a weak reference to the part its clones share
/// (whose strong count is how many wakers exist), and what they signal to the driver.
pub(super) fn current_thread_waker() -> (Waker, Weak<Unparker>, StdArc<Signals>) {
    let signals = StdArc::new(Signals::default());
    let unparker = StdArc::new(Unparker {
        thread: thread::current(),
        signals: signals.clone(),
    });
    let weak = StdArc::downgrade(&unparker);
    let raw = RawWaker::new(StdArc::into_raw(unparker).cast(), &VTABLE);
    // SAFETY: `raw` carries one strong count of an `Arc<Unparker>` and the vtable below treats
    // its data pointer as exactly that.
    (unsafe { Waker::from_raw(raw) }, weak, signals)
}

impl Unparker {
    /// Tells a checking build that the waker is being cloned (see the module's documentation).
    fn note_clone(&self) {
        #[cfg(any(conc_check, feature = "model"))]
        conc_check_engine::facade::waker_cloned(&self.thread);
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
    unparker.wake();
}

unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: as in `clone`.
    unsafe { borrow(data) }.wake();
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
        let (waker, shared, signals) = current_thread_waker();
        assert_eq!(shared.strong_count(), 1);
        let copy = waker.clone();
        assert_eq!(shared.strong_count(), 2);
        copy.wake();
        assert_eq!(shared.strong_count(), 1);
        waker.wake_by_ref();
        drop(waker);
        assert_eq!(shared.strong_count(), 0);
        // Both wakes set the flag and left the thread's token: this park returns at once.
        assert!(signals.woken.load(Ordering::SeqCst));
        thread::park();
    }
}
