//! `loom::cell`: `UnsafeCell` whose accesses the race detector checks, with loom's closure API
//! and its `get`/`get_mut` pointer guards, and `Cell` on top of it.

use std::panic::Location;

use conc_check_engine::primitive::cell::CellCore;

/// A cell whose contents are reached through raw pointers; every access is a scheduling point
/// and an event the race detector checks.
pub struct UnsafeCell<T: ?Sized> {
    core: CellCore,
    value: std::cell::UnsafeCell<T>,
}

impl<T> UnsafeCell<T> {
    /// A cell holding `value`.
    #[track_caller]
    pub const fn new(value: T) -> UnsafeCell<T> {
        UnsafeCell {
            core: CellCore::new(Location::caller()),
            value: std::cell::UnsafeCell::new(value),
        }
    }

    /// The contents, consuming the cell.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> UnsafeCell<T> {
    /// Runs `f` with a read-only pointer to the contents: a read of the cell.
    #[track_caller]
    pub fn with<F, R>(&self, f: F) -> R
    where
        F: FnOnce(*const T) -> R,
    {
        self.core.read(Location::caller());
        f(self.value.get())
    }

    /// Runs `f` with a mutable pointer to the contents: a write of the cell.
    #[track_caller]
    pub fn with_mut<F, R>(&self, f: F) -> R
    where
        F: FnOnce(*mut T) -> R,
    {
        self.core.write(Location::caller());
        f(self.value.get())
    }

    /// A read-only pointer to the contents: a read of the cell, now.
    #[track_caller]
    pub fn get(&self) -> ConstPtr<T> {
        self.core.read(Location::caller());
        ConstPtr {
            ptr: self.value.get(),
        }
    }

    /// A mutable pointer to the contents: a write of the cell, now.
    #[track_caller]
    pub fn get_mut(&self) -> MutPtr<T> {
        self.core.write(Location::caller());
        MutPtr {
            ptr: self.value.get(),
        }
    }
}

impl<T: Default> Default for UnsafeCell<T> {
    #[track_caller]
    fn default() -> UnsafeCell<T> {
        UnsafeCell::new(T::default())
    }
}

impl<T> From<T> for UnsafeCell<T> {
    #[track_caller]
    fn from(value: T) -> UnsafeCell<T> {
        UnsafeCell::new(value)
    }
}

impl<T: ?Sized> std::fmt::Debug for UnsafeCell<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UnsafeCell { .. }")
    }
}

/// A read-only pointer into an [`UnsafeCell`], from [`UnsafeCell::get`].
#[derive(Debug)]
pub struct ConstPtr<T: ?Sized> {
    ptr: *const T,
}

impl<T: ?Sized> ConstPtr<T> {
    /// The contents, by reference.
    ///
    /// # Safety
    /// As dereferencing the raw pointer: the cell is alive and nobody writes it meanwhile.
    pub unsafe fn deref(&self) -> &T {
        // SAFETY: guaranteed by the caller.
        unsafe { &*self.ptr }
    }

    /// Runs `f` with the raw pointer.
    pub fn with<F, R>(&self, f: F) -> R
    where
        F: FnOnce(*const T) -> R,
    {
        f(self.ptr)
    }
}

/// A mutable pointer into an [`UnsafeCell`], from [`UnsafeCell::get_mut`].
#[derive(Debug)]
pub struct MutPtr<T: ?Sized> {
    ptr: *mut T,
}

impl<T: ?Sized> MutPtr<T> {
    /// The contents, by mutable reference.
    ///
    /// # Safety
    /// As dereferencing the raw pointer: the cell is alive and nobody else reaches it
    /// meanwhile.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn deref(&self) -> &mut T {
        // SAFETY: guaranteed by the caller.
        unsafe { &mut *self.ptr }
    }

    /// Runs `f` with the raw pointer.
    pub fn with<F, R>(&self, f: F) -> R
    where
        F: FnOnce(*mut T) -> R,
    {
        f(self.ptr)
    }
}

/// A mutable memory location for `Copy`-style access, like `std::cell::Cell`, whose every
/// access the race detector checks (a `Cell` is not `Sync`; it can still be shared unsoundly
/// through `unsafe` code, which is what this catches).
#[derive(Debug)]
pub struct Cell<T> {
    cell: UnsafeCell<T>,
}

impl<T> Cell<T> {
    /// A cell holding `value`.
    #[track_caller]
    pub const fn new(value: T) -> Cell<T> {
        Cell {
            cell: UnsafeCell::new(value),
        }
    }

    /// Sets the contents.
    #[track_caller]
    pub fn set(&self, value: T) {
        drop(self.replace(value));
    }

    /// Swaps the contents of two cells.
    #[track_caller]
    pub fn swap(&self, other: &Cell<T>) {
        if std::ptr::eq(self, other) {
            return;
        }
        self.cell.with_mut(|a| {
            other.cell.with_mut(|b| {
                // SAFETY: two distinct cells, each reached only through its own access.
                unsafe { std::ptr::swap(a, b) }
            })
        });
    }

    /// Replaces the contents, returning the old ones.
    #[track_caller]
    pub fn replace(&self, value: T) -> T {
        // SAFETY: a `Cell` is not `Sync`, so this thread alone reaches the contents.
        self.cell
            .with_mut(|p| unsafe { std::mem::replace(&mut *p, value) })
    }

    /// The contents, consuming the cell.
    pub fn into_inner(self) -> T {
        self.cell.into_inner()
    }
}

impl<T: Copy> Cell<T> {
    /// A copy of the contents.
    #[track_caller]
    pub fn get(&self) -> T {
        // SAFETY: as in `replace`.
        self.cell.with(|p| unsafe { *p })
    }
}

impl<T: Default> Cell<T> {
    /// Takes the contents, leaving the default.
    #[track_caller]
    pub fn take(&self) -> T {
        self.replace(T::default())
    }
}

impl<T: Default> Default for Cell<T> {
    #[track_caller]
    fn default() -> Cell<T> {
        Cell::new(T::default())
    }
}

impl<T: Copy> Clone for Cell<T> {
    #[track_caller]
    fn clone(&self) -> Cell<T> {
        Cell::new(self.get())
    }
}

impl<T> From<T> for Cell<T> {
    #[track_caller]
    fn from(value: T) -> Cell<T> {
        Cell::new(value)
    }
}

impl<T: PartialEq + Copy> PartialEq for Cell<T> {
    #[track_caller]
    fn eq(&self, other: &Cell<T>) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq + Copy> Eq for Cell<T> {}

impl<T: PartialOrd + Copy> PartialOrd for Cell<T> {
    #[track_caller]
    fn partial_cmp(&self, other: &Cell<T>) -> Option<std::cmp::Ordering> {
        self.get().partial_cmp(&other.get())
    }
}

impl<T: Ord + Copy> Ord for Cell<T> {
    #[track_caller]
    fn cmp(&self, other: &Cell<T>) -> std::cmp::Ordering {
        self.get().cmp(&other.get())
    }
}
