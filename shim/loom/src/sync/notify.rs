//! loom's `Notify`: one thread waits until another notifies it.

use super::{Condvar, Mutex};

/// A one-permit notification: `notify` makes the permit available, `wait` blocks until it is
/// and takes it. A notification before the wait is not lost.
#[derive(Debug)]
pub struct Notify {
    notified: Mutex<bool>,
    condvar: Condvar,
}

impl Notify {
    /// A notify with no permit.
    #[track_caller]
    pub fn new() -> Notify {
        Notify {
            notified: Mutex::new(false),
            condvar: Condvar::new(),
        }
    }

    /// Makes the permit available and wakes a waiter.
    #[track_caller]
    pub fn notify(&self) {
        let mut notified = self.notified.lock().unwrap_or_else(|p| p.into_inner());
        *notified = true;
        self.condvar.notify_one();
    }

    /// Blocks until the permit is available, then takes it.
    #[track_caller]
    pub fn wait(&self) {
        let mut notified = self.notified.lock().unwrap_or_else(|p| p.into_inner());
        while !*notified {
            notified = self
                .condvar
                .wait(notified)
                .unwrap_or_else(|p| p.into_inner());
        }
        *notified = false;
    }
}

impl Default for Notify {
    #[track_caller]
    fn default() -> Notify {
        Notify::new()
    }
}
