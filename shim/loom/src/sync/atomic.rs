//! `loom::sync::atomic`: conc-check's model atomics (every operation a scheduling point, loads
//! that may read older stores where the memory model allows it) with loom's extras:
//! `unsync_load`, `with_mut` and the deprecated `compare_and_swap`.
//!
//! Each type wraps the engine's atomic of the same name and dereferences to it, which is where
//! std's methods (`load`, `store`, `fetch_add`, ...) live.

use std::fmt;
use std::ops::Deref;

use conc_check_engine::facade::UnsyncLoad;
use conc_check_engine::primitive::sync::atomic as engine;

pub use engine::{compiler_fence, fence, Ordering};

/// Signals a spin-wait loop (deprecated in std; loom still offers it).
#[track_caller]
pub fn spin_loop_hint() {
    conc_check_engine::primitive::hint::spin_loop();
}

macro_rules! loom_atomic {
    ($(($name:ident, $t:ty)),* $(,)?) => {$(
        #[doc = concat!("`std::sync::atomic::", stringify!($name), "` in the model, with loom's extras.")]
        pub struct $name(engine::$name);

        impl $name {
            /// A new atomic holding `v`.
            #[track_caller]
            pub fn new(v: $t) -> Self {
                $name(engine::$name::new(v))
            }

            /// Runs `f` on the value; `&mut self` proves nobody else can access it.
            pub fn with_mut<R>(&mut self, f: impl FnOnce(&mut $t) -> R) -> R {
                f(self.0.get_mut())
            }

            /// Reads the latest value without synchronising.
            ///
            /// # Safety
            /// Every store to the atomic must happen before this load (loom's rule for a
            /// non-atomic read of an atomic); inside a model, a store that does not is a
            /// `data_race` finding.
            #[track_caller]
            pub unsafe fn unsync_load(&self) -> $t {
                // SAFETY: guaranteed by the caller, and checked.
                unsafe { UnsyncLoad::unsync_load(&self.0) }
            }

            /// The value, consuming the atomic.
            pub fn into_inner(self) -> $t {
                self.0.into_inner()
            }

            /// Stores `new` if the value is `current`; returns the previous value (std's
            /// deprecated form of `compare_exchange`, which loom still offers undeprecated).
            #[track_caller]
            pub fn compare_and_swap(&self, current: $t, new: $t, order: Ordering) -> $t {
                #[allow(deprecated)]
                self.0.compare_and_swap(current, new, order)
            }
        }

        impl Deref for $name {
            type Target = engine::$name;
            fn deref(&self) -> &engine::$name {
                &self.0
            }
        }

        impl Default for $name {
            #[track_caller]
            fn default() -> Self {
                $name::new(Default::default())
            }
        }

        impl From<$t> for $name {
            #[track_caller]
            fn from(v: $t) -> Self {
                $name::new(v)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }
    )*};
}

loom_atomic! {
    (AtomicBool, bool),
    (AtomicI8, i8),
    (AtomicI16, i16),
    (AtomicI32, i32),
    (AtomicI64, i64),
    (AtomicIsize, isize),
    (AtomicU8, u8),
    (AtomicU16, u16),
    (AtomicU32, u32),
    (AtomicU64, u64),
    (AtomicUsize, usize),
}

/// `std::sync::atomic::AtomicPtr` in the model, with loom's extras.
pub struct AtomicPtr<T>(engine::AtomicPtr<T>);

impl<T> AtomicPtr<T> {
    /// A new atomic pointer holding `p`.
    #[track_caller]
    pub fn new(p: *mut T) -> Self {
        AtomicPtr(engine::AtomicPtr::new(p))
    }

    /// Runs `f` on the pointer; `&mut self` proves nobody else can access it.
    pub fn with_mut<R>(&mut self, f: impl FnOnce(&mut *mut T) -> R) -> R {
        f(self.0.get_mut())
    }

    /// Reads the latest pointer without synchronising.
    ///
    /// # Safety
    /// Every store to the atomic must happen before this load; inside a model, a store that
    /// does not is a `data_race` finding.
    #[track_caller]
    pub unsafe fn unsync_load(&self) -> *mut T {
        // SAFETY: guaranteed by the caller, and checked.
        unsafe { UnsyncLoad::unsync_load(&self.0) }
    }

    /// The pointer, consuming the atomic.
    pub fn into_inner(self) -> *mut T {
        self.0.into_inner()
    }

    /// Stores `new` if the pointer is `current`; returns the previous pointer.
    #[track_caller]
    pub fn compare_and_swap(&self, current: *mut T, new: *mut T, order: Ordering) -> *mut T {
        #[allow(deprecated)]
        self.0.compare_and_swap(current, new, order)
    }
}

impl<T> Deref for AtomicPtr<T> {
    type Target = engine::AtomicPtr<T>;
    fn deref(&self) -> &engine::AtomicPtr<T> {
        &self.0
    }
}

impl<T> Default for AtomicPtr<T> {
    #[track_caller]
    fn default() -> Self {
        AtomicPtr::new(std::ptr::null_mut())
    }
}

impl<T> From<*mut T> for AtomicPtr<T> {
    #[track_caller]
    fn from(p: *mut T) -> Self {
        AtomicPtr::new(p)
    }
}

impl<T> fmt::Debug for AtomicPtr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}
