//! loom's `Arc`: std's `Arc` whose reference count the model sees (a clone is a Relaxed
//! increment, a drop a Release decrement with an Acquire fence before the value is dropped,
//! as std does it), so that what one thread did before dropping its reference happens before
//! the destructor another thread runs. Each allocation is tracked: one still alive when every
//! thread has finished is a `leak` finding.

use std::borrow::Borrow;
use std::cmp::Ordering as CmpOrdering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::mem::{self, ManuallyDrop};
use std::ops::Deref;
use std::panic::Location;
use std::pin::Pin;

use conc_check_engine::facade::{self, AllocationHandle, ReferenceCount};
use conc_check_engine::primitive::sync::atomic::{fence, AtomicUsize, Ordering};

/// What the std `Arc` holds: the model's count, the leak record, the value.
struct Inner<T: ?Sized> {
    count: AtomicUsize,
    allocation: Option<AllocationHandle>,
    value: T,
}

/// A thread-safe reference-counted pointer, like `std::sync::Arc`.
pub struct Arc<T: ?Sized> {
    inner: ManuallyDrop<std::sync::Arc<Inner<T>>>,
}

impl<T> Arc<T> {
    /// A new `Arc` holding `value`.
    #[track_caller]
    pub fn new(value: T) -> Arc<T> {
        let site = Location::caller();
        let inner = std::sync::Arc::new(Inner {
            count: AtomicUsize::new(1),
            allocation: facade::track_allocation("Arc", site),
            value,
        });
        // Its steps read as clones and drops of this `Arc` in a report's interleaving.
        inner.count.mark_reference_count("Arc");
        Arc {
            inner: ManuallyDrop::new(inner),
        }
    }

    /// A new pinned `Arc` holding `value`.
    #[track_caller]
    pub fn pin(value: T) -> Pin<Arc<T>> {
        // SAFETY: the value lives in the shared allocation and never moves out of it while
        // pinned (`try_unwrap` needs an `Arc`, which a `Pin` does not hand out).
        unsafe { Pin::new_unchecked(Arc::new(value)) }
    }

    /// The value, if this is the only reference to it; otherwise `Err` with the `Arc` back.
    ///
    /// # Errors
    /// When another reference exists.
    #[track_caller]
    pub fn try_unwrap(this: Arc<T>) -> Result<T, Arc<T>> {
        if this
            .inner
            .count
            .compare_exchange(1, 0, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return Err(this);
        }
        let mut this = ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again.
        let inner = unsafe { ManuallyDrop::take(&mut this.inner) };
        match std::sync::Arc::try_unwrap(inner) {
            Ok(inner) => {
                if let Some(handle) = inner.allocation {
                    facade::release_allocation(handle);
                }
                Ok(inner.value)
            }
            Err(_) => unreachable!("the model's count and std's agree: this was the last Arc"),
        }
    }

    /// Rebuilds an `Arc` from a pointer [`Arc::into_raw`] returned.
    ///
    /// # Safety
    /// `ptr` must come from `Arc::<T>::into_raw`, and each such pointer may be turned back into
    /// an `Arc` once (as with `std::sync::Arc::from_raw`).
    pub unsafe fn from_raw(ptr: *const T) -> Arc<T> {
        let offset = mem::offset_of!(Inner<T>, value);
        // SAFETY: `ptr` is the address of the `value` field, derived from the pointer std's
        // `into_raw` returned for the whole `Inner<T>` (see `into_raw`), so stepping back by the
        // field's offset gives that pointer back, with its provenance.
        let inner = unsafe { ptr.byte_sub(offset) as *const Inner<T> };
        Arc {
            // SAFETY: as above; the caller guarantees the reference is owned once.
            inner: ManuallyDrop::new(unsafe { std::sync::Arc::from_raw(inner) }),
        }
    }

    /// Adds a reference to the `Arc` that `ptr` (from [`Arc::into_raw`]) stands for.
    ///
    /// # Safety
    /// As `std::sync::Arc::increment_strong_count`: `ptr` comes from `into_raw` and its `Arc`
    /// is still alive.
    pub unsafe fn increment_strong_count(ptr: *const T) {
        // SAFETY: guaranteed by the caller; the rebuilt `Arc` is forgotten, not dropped.
        let arc = ManuallyDrop::new(unsafe { Arc::from_raw(ptr) });
        mem::forget(Arc::clone(&arc));
    }

    /// Drops a reference to the `Arc` that `ptr` (from [`Arc::into_raw`]) stands for.
    ///
    /// # Safety
    /// As `std::sync::Arc::decrement_strong_count`.
    pub unsafe fn decrement_strong_count(ptr: *const T) {
        // SAFETY: guaranteed by the caller.
        drop(unsafe { Arc::from_raw(ptr) });
    }
}

impl<T: ?Sized> Arc<T> {
    /// How many `Arc`s point at this value.
    pub fn strong_count(this: &Self) -> usize {
        std::sync::Arc::strong_count(&this.inner)
    }

    /// A mutable reference to the value, if no other `Arc` points at it.
    #[track_caller]
    pub fn get_mut(this: &mut Self) -> Option<&mut T> {
        if this.inner.count.load(Ordering::Acquire) != 1 {
            return None;
        }
        std::sync::Arc::get_mut(&mut this.inner).map(|inner| &mut inner.value)
    }

    /// Whether two `Arc`s point at the same allocation.
    pub fn ptr_eq(this: &Self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&this.inner, &other.inner)
    }

    /// A raw pointer to the value, derived from std's pointer to the whole allocation (so that
    /// [`Arc::from_raw`] may step back from it to the allocation's start).
    pub fn as_ptr(this: &Self) -> *const T {
        let inner = std::sync::Arc::as_ptr(&this.inner);
        // SAFETY: `inner` points at a live `Inner<T>`; only the field's address is taken.
        unsafe { std::ptr::addr_of!((*inner).value) }
    }

    /// Consumes the `Arc` and returns a pointer to the value; [`Arc::from_raw`] turns it back.
    pub fn into_raw(this: Self) -> *const T {
        let mut this = ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again; its reference moves into the pointer.
        let inner = std::sync::Arc::into_raw(unsafe { ManuallyDrop::take(&mut this.inner) });
        // SAFETY: as in `as_ptr`.
        unsafe { std::ptr::addr_of!((*inner).value) }
    }
}

impl<T: ?Sized> Clone for Arc<T> {
    #[track_caller]
    fn clone(&self) -> Arc<T> {
        self.inner.count.fetch_add(1, Ordering::Relaxed);
        Arc {
            inner: ManuallyDrop::new(std::sync::Arc::clone(&self.inner)),
        }
    }
}

impl<T: ?Sized> Drop for Arc<T> {
    fn drop(&mut self) {
        if self.inner.count.fetch_sub(1, Ordering::Release) == 1 {
            fence(Ordering::Acquire);
            if let Some(handle) = self.inner.allocation {
                facade::release_allocation(handle);
            }
        }
        // SAFETY: `inner` is not used again. No scheduling point lies between the model's
        // decrement above and std's here, so the thread whose decrement reached zero is the
        // one whose std `Arc` drops the value.
        unsafe { ManuallyDrop::drop(&mut self.inner) };
    }
}

impl<T: ?Sized> Deref for Arc<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner.value
    }
}

impl<T: ?Sized> AsRef<T> for Arc<T> {
    fn as_ref(&self) -> &T {
        self
    }
}

impl<T: ?Sized> Borrow<T> for Arc<T> {
    fn borrow(&self) -> &T {
        self
    }
}

impl<T: Default> Default for Arc<T> {
    #[track_caller]
    fn default() -> Arc<T> {
        Arc::new(T::default())
    }
}

impl<T> From<T> for Arc<T> {
    #[track_caller]
    fn from(value: T) -> Arc<T> {
        Arc::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Arc<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for Arc<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized> fmt::Pointer for Arc<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Pointer::fmt(&(&**self as *const T), f)
    }
}

impl<T: ?Sized + PartialEq> PartialEq for Arc<T> {
    fn eq(&self, other: &Arc<T>) -> bool {
        **self == **other
    }
}

impl<T: ?Sized + Eq> Eq for Arc<T> {}

impl<T: ?Sized + PartialOrd> PartialOrd for Arc<T> {
    fn partial_cmp(&self, other: &Arc<T>) -> Option<CmpOrdering> {
        (**self).partial_cmp(&**other)
    }
}

impl<T: ?Sized + Ord> Ord for Arc<T> {
    fn cmp(&self, other: &Arc<T>) -> CmpOrdering {
        (**self).cmp(&**other)
    }
}

impl<T: ?Sized + Hash> Hash for Arc<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state)
    }
}
