//! `UnsafeCell` with loom's closure-based API, so that conc-check can see every access.
//!
//! In a normal build this is a zero-cost wrapper around `std::cell::UnsafeCell`. Under
//! instrumentation, inside a model every access is a scheduling point and an event that the
//! race detector checks.

#[cfg(any(conc_check, feature = "model"))]
use conc_check_engine::primitive::cell::CellCore;

/// A cell whose contents are accessed through raw pointers inside closures.
///
/// ```
/// let cell = conc_check::cell::UnsafeCell::new(1);
/// cell.with_mut(|p| unsafe { *p += 1 });
/// assert_eq!(cell.with(|p| unsafe { *p }), 2);
/// ```
#[cfg_attr(not(any(conc_check, feature = "model")), repr(transparent))]
pub struct UnsafeCell<T: ?Sized> {
    #[cfg(any(conc_check, feature = "model"))]
    core: CellCore,
    value: std::cell::UnsafeCell<T>,
}

impl<T> UnsafeCell<T> {
    /// A cell holding `value`.
    #[track_caller]
    #[inline]
    pub const fn new(value: T) -> Self {
        UnsafeCell {
            #[cfg(any(conc_check, feature = "model"))]
            core: CellCore::new(std::panic::Location::caller()),
            value: std::cell::UnsafeCell::new(value),
        }
    }

    /// The contents, consuming the cell.
    #[inline]
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> UnsafeCell<T> {
    /// Runs `f` with a read-only pointer to the contents (a read access).
    #[track_caller]
    #[inline]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        #[cfg(any(conc_check, feature = "model"))]
        self.core.read(std::panic::Location::caller());
        f(self.value.get())
    }

    /// Runs `f` with a mutable pointer to the contents (a write access).
    #[track_caller]
    #[inline]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        #[cfg(any(conc_check, feature = "model"))]
        self.core.write(std::panic::Location::caller());
        f(self.value.get())
    }

    /// A mutable reference; no other access can exist since `self` is borrowed mutably.
    #[inline]
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }
}

impl<T: Default> Default for UnsafeCell<T> {
    #[track_caller]
    fn default() -> Self {
        UnsafeCell::new(T::default())
    }
}

impl<T> From<T> for UnsafeCell<T> {
    #[track_caller]
    fn from(value: T) -> Self {
        UnsafeCell::new(value)
    }
}

impl<T: ?Sized> std::fmt::Debug for UnsafeCell<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UnsafeCell { .. }")
    }
}
