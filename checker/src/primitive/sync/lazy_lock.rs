//! `LazyLock`.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::PoisonError;

use crate::event::Op;
use crate::runtime::api;

use super::once::{Claim, OnceModel};

/// A value initialised on first access, with std's API and semantics (poisoning included).
///
/// Inside a model, of the threads that first access it at once exactly one runs the initialiser
/// while the others block until it is done. The value lives in the object itself: a `static`
/// initialised during one execution stays initialised in the next.
///
/// ```
/// use conc_check::sync::LazyLock;
///
/// static SQUARES: LazyLock<Vec<u32>> = LazyLock::new(|| (0..4).map(|i| i * i).collect());
/// assert_eq!(SQUARES[3], 9);
/// assert_eq!(LazyLock::force(&SQUARES).len(), 4);
/// ```
pub struct LazyLock<T, F = fn() -> T> {
    model: OnceModel,
    /// The initialiser, until it runs; `None` afterwards (or once it panicked: poisoned).
    init: std::sync::Mutex<Option<F>>,
    value: std::sync::OnceLock<T>,
}

impl<T, F: FnOnce() -> T> LazyLock<T, F> {
    /// A new lazy value that `f` will initialise on first access.
    #[track_caller]
    pub const fn new(f: F) -> LazyLock<T, F> {
        LazyLock {
            model: OnceModel::new(Location::caller()),
            init: std::sync::Mutex::new(Some(f)),
            value: std::sync::OnceLock::new(),
        }
    }

    /// Forces the initialisation and returns a reference to the value. If another thread is
    /// initialising it, waits for it.
    ///
    /// # Panics
    /// If the initialiser panics (the panic propagates and poisons the `LazyLock`), and on every
    /// access after that.
    #[track_caller]
    pub fn force(this: &LazyLock<T, F>) -> &T {
        if !api::in_model() {
            return this.value.get_or_init(|| this.take_init()());
        }
        let site = Location::caller();
        let id = this.model.id();
        api::point(site, false);
        match this
            .model
            .claim(id, site, false, || this.value.get().is_some())
        {
            Claim::Complete => api::emit(Some(id), Op::OnceComplete, site),
            Claim::Poisoned => panic!("LazyLock instance has previously been poisoned"),
            Claim::Run { .. } => {
                let run = this.model.run(id, site);
                this.model
                    .store_initialised(&this.value, this.take_init()(), "LazyLock");
                run.complete();
            }
        }
        this.value.get().expect("the value was initialised")
    }

    /// Forces the initialisation and returns a mutable reference to the value. No other thread
    /// can access it meanwhile, since `this` is borrowed mutably.
    ///
    /// # Panics
    /// As [`LazyLock::force`].
    pub fn force_mut(this: &mut LazyLock<T, F>) -> &mut T {
        if this.value.get().is_none() {
            let f = this
                .init
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            let f = f.unwrap_or_else(|| panic!("LazyLock instance has previously been poisoned"));
            let _ = this.value.set(f());
        }
        this.value.get_mut().expect("the value was initialised")
    }

    /// The initialiser, which the caller is the one to run.
    #[track_caller]
    fn take_init(&self) -> F {
        let f = self
            .init
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match f {
            Some(f) => f,
            None => panic!("LazyLock instance has previously been poisoned"),
        }
    }
}

impl<T, F> LazyLock<T, F> {
    /// The value if it is initialised, without initialising it. Never blocks.
    #[track_caller]
    pub fn get(this: &LazyLock<T, F>) -> Option<&T> {
        if api::in_model() {
            this.model
                .look(Location::caller(), || this.value.get(), Option::is_some)
        } else {
            this.value.get()
        }
    }

    /// A mutable reference to the value if it is initialised, without initialising it.
    pub fn get_mut(this: &mut LazyLock<T, F>) -> Option<&mut T> {
        this.value.get_mut()
    }
}

impl<T, F: FnOnce() -> T> Deref for LazyLock<T, F> {
    type Target = T;

    /// As [`LazyLock::force`].
    #[track_caller]
    fn deref(&self) -> &T {
        LazyLock::force(self)
    }
}

impl<T, F: FnOnce() -> T> DerefMut for LazyLock<T, F> {
    /// As [`LazyLock::force_mut`].
    fn deref_mut(&mut self) -> &mut T {
        LazyLock::force_mut(self)
    }
}

impl<T: Default> Default for LazyLock<T> {
    /// A `LazyLock` that `T::default` initialises.
    #[track_caller]
    fn default() -> LazyLock<T> {
        LazyLock::new(T::default)
    }
}

impl<T: fmt::Debug, F> fmt::Debug for LazyLock<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_tuple("LazyLock");
        match self.value.get() {
            Some(v) => d.field(v),
            None => d.field(&format_args!("<uninit>")),
        };
        d.finish()
    }
}
