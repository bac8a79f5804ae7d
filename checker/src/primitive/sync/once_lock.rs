//! `OnceLock`.

use std::fmt;
use std::panic::Location;

use crate::event::{ObjectId, Op, Site};
use crate::runtime::api;

use super::once::{Claim, OnceModel, Signal};

/// A cell that can be written only once, with std's API and semantics.
///
/// Inside a model, of the threads that race to initialise it exactly one runs its initialiser
/// while the others block until it is done; initialising it again from inside its own
/// initialiser is reported as a deadlock (std leaves that unspecified; it deadlocks today). The
/// value lives in the cell itself: a `static` set during one execution stays set in the next.
///
/// ```
/// use conc_check::sync::OnceLock;
///
/// static CONFIG: OnceLock<String> = OnceLock::new();
/// assert!(CONFIG.get().is_none());
/// assert_eq!(CONFIG.get_or_init(|| "on".to_string()), "on");
/// assert_eq!(CONFIG.set("off".to_string()), Err("off".to_string()));
/// assert_eq!(CONFIG.get().map(String::as_str), Some("on"));
/// ```
pub struct OnceLock<T> {
    model: OnceModel,
    signal: Signal,
    inner: std::sync::OnceLock<T>,
}

impl<T> OnceLock<T> {
    /// A new, empty cell.
    #[track_caller]
    #[must_use]
    pub const fn new() -> OnceLock<T> {
        OnceLock::from_std(Location::caller(), std::sync::OnceLock::new())
    }

    const fn from_std(site: Site, inner: std::sync::OnceLock<T>) -> OnceLock<T> {
        OnceLock {
            model: OnceModel::new(site),
            signal: Signal::new(),
            inner,
        }
    }

    /// The value, or `None` if the cell is empty (or still being initialised). Never blocks.
    #[track_caller]
    pub fn get(&self) -> Option<&T> {
        if api::in_model() {
            self.model
                .look(Location::caller(), || self.inner.get(), Option::is_some)
        } else {
            self.inner.get()
        }
    }

    /// A mutable reference to the value, or `None` if the cell is empty.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.inner.get_mut()
    }

    /// Blocks until the cell holds a value, and returns it.
    #[track_caller]
    pub fn wait(&self) -> &T {
        if api::in_model() {
            let site = Location::caller();
            let id = self.model.id();
            api::point(site, false);
            // `force`: a panicking initialiser leaves the cell empty for the next one.
            let _ = self
                .model
                .wait(id, site, true, || self.inner.get().is_some());
            api::emit(Some(id), Op::OnceComplete, site);
        } else if self.inner.get().is_none() {
            self.signal.wait_until(|| self.inner.get().is_some());
        }
        self.inner.get().expect("the cell was initialised")
    }

    /// Puts `value` in the cell if it is empty. If another thread is initialising the cell,
    /// waits for it first.
    ///
    /// # Errors
    /// `Err(value)` if the cell was full.
    #[track_caller]
    pub fn set(&self, value: T) -> Result<(), T> {
        if !api::in_model() {
            let result = self.inner.set(value);
            if result.is_ok() {
                self.signal.notify();
            }
            return result;
        }
        let site = Location::caller();
        let id = self.model.id();
        api::point(site, false);
        match self.claim(id, site) {
            Claim::Run { .. } => {
                let run = self.model.run(id, site);
                let result = self.inner.set(value);
                run.complete();
                self.signal.notify();
                result
            }
            _ => {
                api::emit(Some(id), Op::OnceComplete, site);
                Err(value)
            }
        }
    }

    /// The value, initialising the cell with `f` first if it is empty. Of several threads that
    /// call this at once, exactly one runs its `f`; the others wait for it.
    ///
    /// If `f` panics the panic propagates and the cell stays empty.
    #[track_caller]
    pub fn get_or_init<F>(&self, f: F) -> &T
    where
        F: FnOnce() -> T,
    {
        if !api::in_model() {
            let mut ran = false;
            let value = self.inner.get_or_init(|| {
                ran = true;
                f()
            });
            if ran {
                self.signal.notify();
            }
            return value;
        }
        let site = Location::caller();
        let id = self.model.id();
        api::point(site, false);
        match self.claim(id, site) {
            Claim::Run { .. } => {
                let run = self.model.run(id, site);
                self.model.store_initialised(&self.inner, f(), "OnceLock");
                run.complete();
                self.signal.notify();
            }
            _ => api::emit(Some(id), Op::OnceComplete, site),
        }
        self.inner.get().expect("the cell was initialised")
    }

    /// Consumes the cell, returning its value if it has one.
    pub fn into_inner(self) -> Option<T> {
        self.inner.into_inner()
    }

    /// Takes the value out, leaving the cell empty.
    pub fn take(&mut self) -> Option<T> {
        self.inner.take()
    }

    /// Inside a model: becomes the initialiser, or waits for the running one. A cell whose
    /// initialiser panicked is empty again (std's `OnceLock` is never poisoned).
    fn claim(&self, id: ObjectId, site: Site) -> Claim {
        self.model
            .claim(id, site, true, || self.inner.get().is_some())
    }
}

impl<T> Default for OnceLock<T> {
    #[track_caller]
    fn default() -> OnceLock<T> {
        OnceLock::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for OnceLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_tuple("OnceLock");
        match self.inner.get() {
            Some(v) => d.field(v),
            None => d.field(&format_args!("<uninit>")),
        };
        d.finish()
    }
}

impl<T: Clone> Clone for OnceLock<T> {
    #[track_caller]
    fn clone(&self) -> OnceLock<T> {
        let site = Location::caller();
        let inner = match self.get() {
            Some(value) => std::sync::OnceLock::from(value.clone()),
            None => std::sync::OnceLock::new(),
        };
        OnceLock::from_std(site, inner)
    }
}

impl<T> From<T> for OnceLock<T> {
    #[track_caller]
    fn from(value: T) -> Self {
        OnceLock::from_std(Location::caller(), std::sync::OnceLock::from(value))
    }
}

impl<T: PartialEq> PartialEq for OnceLock<T> {
    #[track_caller]
    fn eq(&self, other: &OnceLock<T>) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceLock<T> {}
