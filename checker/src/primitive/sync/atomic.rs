//! Atomic types with std's API: `AtomicBool`, the integer atomics, `AtomicPtr`, and the fences.
//!
//! Inside a model every atomic operation is a scheduling point: the strategy may switch to
//! another thread just before it. The value lives in the execution's memory
//! (`runtime::atomics`); the std atomic inside the shim type serves as scratch space:
//! it is given the value the operation reads, the std operation runs on it (so every method has
//! std's exact semantics and panics), and the memory records what it did. Outside a model each
//! operation is exactly the std operation.
//!
//! Which store each operation reads (or, for a store, where it goes in the modification order)
//! is the C++20 memory model's choice (`crate::memory`), taken by the strategy, so `Relaxed`,
//! `Acquire` and `Release` show their weak outcomes (a stale load, store buffering);
//! `MemoryModel::SeqCst` makes every access read the latest store. `compare_exchange_weak`
//! fails spuriously inside a model only when spurious wakeups are on, as a choice.

use std::fmt;
use std::panic::Location;

use crate::event::{MemOrder, ObjectKind, Op, Site, StoreId};
use crate::real::{races, RealSlot};
use crate::runtime::atomics::{self, Access};
use crate::runtime::{api, ObjectSlot};

pub use std::sync::atomic::Ordering;

/// The engine's name for an ordering.
fn mem_order(o: Ordering) -> MemOrder {
    match o {
        Ordering::Relaxed => MemOrder::Relaxed,
        Ordering::Release => MemOrder::Release,
        Ordering::Acquire => MemOrder::Acquire,
        Ordering::AcqRel => MemOrder::AcqRel,
        // `Ordering` is non-exhaustive; anything new is at least as strong as `SeqCst` claims.
        _ => MemOrder::SeqCst,
    }
}

/// An atomic value as the bits the engine records: integers as their two's-complement bits,
/// `bool` as 0 or 1, pointers as their address.
trait Bits: Copy {
    fn bits(self) -> u64;
}

macro_rules! bits_by_cast {
    ($($t:ty),*) => {$(
        impl Bits for $t {
            #[inline]
            fn bits(self) -> u64 {
                self as u64
            }
        }
    )*};
}

bits_by_cast!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, bool);

impl<T> Bits for *mut T {
    #[inline]
    fn bits(self) -> u64 {
        self.expose_provenance() as u64
    }
}

/// The std atomic inside a shim atomic, as bits.
trait Scratch {
    /// Its value.
    fn get_bits(&self) -> u64;
    /// Gives it a value.
    fn set_bits(&self, bits: u64);
}

macro_rules! scratch_by_cast {
    ($(($atomic:ident, $t:ty, $width:literal)),* $(,)?) => {$(
        #[cfg(target_has_atomic = $width)]
        impl Scratch for std::sync::atomic::$atomic {
            #[inline]
            fn get_bits(&self) -> u64 {
                self.load(Ordering::Relaxed).bits()
            }
            #[inline]
            fn set_bits(&self, bits: u64) {
                self.store(bits as $t, Ordering::Relaxed)
            }
        }
    )*};
}

scratch_by_cast!(
    (AtomicI8, i8, "8"),
    (AtomicI16, i16, "16"),
    (AtomicI32, i32, "32"),
    (AtomicI64, i64, "64"),
    (AtomicIsize, isize, "ptr"),
    (AtomicU8, u8, "8"),
    (AtomicU16, u16, "16"),
    (AtomicU32, u32, "32"),
    (AtomicU64, u64, "64"),
    (AtomicUsize, usize, "ptr"),
);

#[cfg(target_has_atomic = "8")]
impl Scratch for std::sync::atomic::AtomicBool {
    #[inline]
    fn get_bits(&self) -> u64 {
        self.load(Ordering::Relaxed).bits()
    }
    #[inline]
    fn set_bits(&self, bits: u64) {
        self.store(bits != 0, Ordering::Relaxed)
    }
}

#[cfg(target_has_atomic = "ptr")]
impl<T> Scratch for std::sync::atomic::AtomicPtr<T> {
    #[inline]
    fn get_bits(&self) -> u64 {
        self.load(Ordering::Relaxed).bits()
    }
    #[inline]
    fn set_bits(&self, bits: u64) {
        // `bits` came from a pointer of this atomic, whose provenance `bits()` exposed.
        self.store(
            std::ptr::with_exposed_provenance_mut(bits as usize),
            Ordering::Relaxed,
        )
    }
}

/// The event of an unconditional read-modify-write (`swap`, `fetch_add`, ...) that found `old`
/// and left `new`.
fn rmw(order: Ordering, old: impl Bits, new: impl Bits) -> Op {
    Op::AtomicRmw {
        order: mem_order(order),
        success: true,
        cas: false,
        old: old.bits(),
        new: new.bits(),
        from: StoreId::LATEST,
        id: StoreId::LATEST,
    }
}

/// What a compare-exchange expecting `current` is to the memory model.
fn cas_access<T: Bits>(current: T, success: Ordering, failure: Ordering) -> Access {
    Access::Cas {
        expected: current.bits(),
        success: mem_order(success),
        failure: mem_order(failure),
    }
}

/// The event of a compare-exchange that tried to store `new`: a store with the success
/// ordering, or only a load of the value found with the failure ordering.
fn cas<T: Bits>(result: &Result<T, T>, new: T, success: Ordering, failure: Ordering) -> Op {
    match *result {
        Ok(prev) => Op::AtomicRmw {
            order: mem_order(success),
            success: true,
            cas: true,
            old: prev.bits(),
            new: new.bits(),
            from: StoreId::LATEST,
            id: StoreId::LATEST,
        },
        Err(actual) => Op::AtomicRmw {
            order: mem_order(failure),
            success: false,
            cas: true,
            old: actual.bits(),
            new: actual.bits(),
            from: StoreId::LATEST,
            id: StoreId::LATEST,
        },
    }
}

/// The failure ordering the deprecated `compare_and_swap` uses for `order`, as std does.
fn strongest_failure_ordering(order: Ordering) -> Ordering {
    match order {
        Ordering::Release | Ordering::Relaxed => Ordering::Relaxed,
        Ordering::AcqRel | Ordering::Acquire => Ordering::Acquire,
        _ => Ordering::SeqCst,
    }
}

/// The std atomics of a shim atomic: `inner`, the scratch space operations run on, and
/// `initial`, the value it was created with, which every execution starts from.
struct Cells<'a, S> {
    inner: &'a S,
    initial: &'a S,
}

/// One atomic operation inside a model: a scheduling point; the memory model's choice of
/// the store it reads (or follows), which the scratch atomic then holds; the std operation
/// `op` on it; what it did recorded in the memory and as the event `event` describes.
#[inline]
fn step<S: Scratch, R>(
    slot: &ObjectSlot,
    cells: Cells<'_, S>,
    site: Site,
    access: Access,
    op: impl FnOnce() -> R,
    event: impl FnOnce(&R) -> Op,
) -> R {
    api::point(site, false);
    let (id, reused) = slot.id_noting_reuse(ObjectKind::Atomic);
    let initial = reused.then(|| cells.initial.get_bits());
    let held = cells.inner.get_bits();
    let (read, prepared) = atomics::prepare(id, held, initial, access, site);
    cells.inner.set_bits(read);
    // If `op` panics (std rejects the ordering), the scratch atomic must not keep the older
    // value it was given: the next access would take it for a write through `get_mut`.
    let restore = Restore {
        cell: cells.inner,
        value: held,
    };
    let result = op();
    std::mem::forget(restore);
    let mut event = event(&result);
    // Between operations the scratch atomic holds the latest store (a load may have been
    // given an older one).
    cells
        .inner
        .set_bits(atomics::record(id, prepared, &mut event, site));
    api::emit(Some(id), event, site);
    result
}

/// Puts `value` back into the scratch atomic `cell` when dropped (on a panic of the
/// operation; the normal path forgets it).
struct Restore<'a, S: Scratch> {
    cell: &'a S,
    value: u64,
}

impl<S: Scratch> Drop for Restore<'_, S> {
    fn drop(&mut self) {
        self.cell.set_bits(self.value);
    }
}

/// One atomic operation on a real thread: the std operation `op`, recorded as `event` says
/// once race tracking has started (a tracked cell was used).
#[inline]
fn real_step<R>(
    real: &RealSlot,
    slot: &ObjectSlot,
    site: Site,
    op: impl FnOnce() -> R,
    event: impl FnOnce(&R) -> Op,
) -> R {
    real.atomic(slot.site(), site, op, event)
}

/// One atomic operation `op`, recorded as `event` says: through the scheduler inside a model
/// ([`step`]), for the race detector on real threads ([`real_step`]).
#[inline]
fn observed<S: Scratch, R>(
    real: &RealSlot,
    slot: &ObjectSlot,
    cells: Cells<'_, S>,
    site: Site,
    access: Access,
    op: impl FnOnce() -> R,
    event: impl FnOnce(&R) -> Op,
) -> R {
    if api::in_model() {
        step(slot, cells, site, access, op, event)
    } else {
        real_step(real, slot, site, op, event)
    }
}

/// The methods every atomic type has, for the value type `$t`. Expects `slot`, `real`,
/// `inner` and `initial` fields and a `Location` in scope.
macro_rules! common_methods {
    ($t:ty) => {
        /// The std atomics of this one (see [`Cells`]).
        #[inline]
        fn cells(&self) -> Cells<'_, impl Scratch> {
            Cells {
                inner: &self.inner,
                initial: &self.initial,
            }
        }

        /// Consumes the atomic and returns the value it contains.
        #[inline]
        pub const fn into_inner(self) -> $t {
            self.inner.into_inner()
        }

        /// A mutable reference to the value; no synchronisation is needed since `self` is
        /// borrowed mutably, so this is not a scheduling point.
        #[inline]
        pub fn get_mut(&mut self) -> &mut $t {
            self.inner.get_mut()
        }

        /// A raw pointer to the value. Inside a model, between operations it points at the
        /// latest value, and a write through it counts as a write of the thread that runs the
        /// next operation on the atomic; reads and writes through it are not scheduling points.
        #[inline]
        pub const fn as_ptr(&self) -> *mut $t {
            self.inner.as_ptr()
        }

        /// Loads the value.
        ///
        /// # Panics
        /// If `order` is `Release` or `AcqRel`.
        #[track_caller]
        #[inline]
        pub fn load(&self, order: Ordering) -> $t {
            observed(
                &self.real,
                &self.slot,
                self.cells(),
                Location::caller(),
                Access::Load(mem_order(order)),
                || self.inner.load(order),
                |v| Op::AtomicLoad {
                    order: mem_order(order),
                    value: v.bits(),
                    from: StoreId::LATEST,
                },
            )
        }

        /// Stores a value.
        ///
        /// # Panics
        /// If `order` is `Acquire` or `AcqRel`.
        #[track_caller]
        #[inline]
        pub fn store(&self, val: $t, order: Ordering) {
            observed(
                &self.real,
                &self.slot,
                self.cells(),
                Location::caller(),
                Access::Store(mem_order(order)),
                || self.inner.store(val, order),
                |_| Op::AtomicStore {
                    order: mem_order(order),
                    value: val.bits(),
                    id: StoreId::LATEST,
                },
            )
        }

        /// Stores a value, returning the previous one.
        #[track_caller]
        #[inline]
        pub fn swap(&self, val: $t, order: Ordering) -> $t {
            observed(
                &self.real,
                &self.slot,
                self.cells(),
                Location::caller(),
                Access::Rmw(mem_order(order)),
                || self.inner.swap(val, order),
                |old| rmw(order, *old, val),
            )
        }

        /// Stores `new` if the value is `current`. Returns `Ok(previous)` if it stored,
        /// `Err(actual)` if not.
        ///
        /// # Errors
        /// `Err` with the value found when it was not `current`.
        ///
        /// # Panics
        /// If `failure` is `Release` or `AcqRel`.
        #[track_caller]
        #[inline]
        pub fn compare_exchange(
            &self,
            current: $t,
            new: $t,
            success: Ordering,
            failure: Ordering,
        ) -> Result<$t, $t> {
            observed(
                &self.real,
                &self.slot,
                self.cells(),
                Location::caller(),
                cas_access(current, success, failure),
                || self.inner.compare_exchange(current, new, success, failure),
                |r| cas(r, new, success, failure),
            )
        }

        /// Like [`compare_exchange`](Self::compare_exchange), but may fail spuriously. Inside a
        /// model a spurious failure is a choice the strategy explores when spurious wakeups are
        /// on (`Builder::spurious_wakeups`), never twice in a row for one thread and atomic, so
        /// a retry loop ends; with them off (the default) it never fails spuriously.
        ///
        /// # Errors
        /// `Err` with the value found when the exchange did not take place.
        ///
        /// # Panics
        /// If `failure` is `Release` or `AcqRel`.
        #[track_caller]
        #[inline]
        pub fn compare_exchange_weak(
            &self,
            current: $t,
            new: $t,
            success: Ordering,
            failure: Ordering,
        ) -> Result<$t, $t> {
            if api::in_model() {
                // The strong version on the scratch atomic (a real spurious failure would make
                // the execution depend on the hardware); a spurious failure is the strategy's
                // choice when spurious wakeups are on.
                step(
                    &self.slot,
                    self.cells(),
                    Location::caller(),
                    cas_access(current, success, failure),
                    || {
                        let r = self.inner.compare_exchange(current, new, success, failure);
                        if r.is_ok() && atomics::fails_spuriously(self.slot.id(ObjectKind::Atomic))
                        {
                            // Scratch space: undo the store the failure did not make.
                            self.inner.store(current, Ordering::Relaxed);
                            return Err(current);
                        }
                        r
                    },
                    |r| cas(r, new, success, failure),
                )
            } else {
                real_step(
                    &self.real,
                    &self.slot,
                    Location::caller(),
                    || {
                        self.inner
                            .compare_exchange_weak(current, new, success, failure)
                    },
                    |r| cas(r, new, success, failure),
                )
            }
        }

        /// Stores `new` if the value is `current`; returns the previous value either way.
        #[deprecated(
            since = "1.50.0",
            note = "Use `compare_exchange` or `compare_exchange_weak` instead"
        )]
        #[track_caller]
        #[inline]
        pub fn compare_and_swap(&self, current: $t, new: $t, order: Ordering) -> $t {
            match self.compare_exchange(current, new, order, strongest_failure_ordering(order)) {
                Ok(x) | Err(x) => x,
            }
        }

        /// Applies `f` to the value until it stores `f`'s result. Returns `Ok(previous)`, or
        /// `Err(previous)` if `f` returned `None`. Inside a model, each load and
        /// compare-exchange of the loop is a scheduling point.
        ///
        /// # Errors
        /// `Err` with the last value loaded when `f` returned `None`.
        ///
        /// # Panics
        /// If `fetch_order` is `Release` or `AcqRel`.
        #[track_caller]
        #[inline]
        pub fn fetch_update<F>(
            &self,
            set_order: Ordering,
            fetch_order: Ordering,
            mut f: F,
        ) -> Result<$t, $t>
        where
            F: FnMut($t) -> Option<$t>,
        {
            // Outside a model, once races are tracked, `f` (the caller's code) also runs between
            // recorded loads and compare-exchanges, outside the tool's lock.
            if api::in_model() || races::active() {
                let mut prev = self.load(fetch_order);
                while let Some(next) = f(prev) {
                    match self.compare_exchange_weak(prev, next, set_order, fetch_order) {
                        x @ Ok(_) => return x,
                        Err(next_prev) => prev = next_prev,
                    }
                }
                Err(prev)
            } else {
                self.inner.fetch_update(set_order, fetch_order, f)
            }
        }

        /// The same as [`fetch_update`](Self::fetch_update).
        ///
        /// # Errors
        /// `Err` with the last value loaded when `f` returned `None`.
        ///
        /// # Panics
        /// If `fetch_order` is `Release` or `AcqRel`.
        #[track_caller]
        #[inline]
        pub fn try_update(
            &self,
            set_order: Ordering,
            fetch_order: Ordering,
            f: impl FnMut($t) -> Option<$t>,
        ) -> Result<$t, $t> {
            self.fetch_update(set_order, fetch_order, f)
        }

        /// Applies `f` to the value until it stores `f`'s result; returns the previous value.
        ///
        /// # Panics
        /// If `fetch_order` is `Release` or `AcqRel`.
        #[track_caller]
        #[inline]
        pub fn update(
            &self,
            set_order: Ordering,
            fetch_order: Ordering,
            mut f: impl FnMut($t) -> $t,
        ) -> $t {
            match self.fetch_update(set_order, fetch_order, |x| Some(f(x))) {
                Ok(x) | Err(x) => x,
            }
        }
    };
}

/// A read-modify-write method that maps to the std method of the same name.
macro_rules! rmw_method {
    ($(#[$doc:meta])* $method:ident($t:ty) -> $r:ty) => {
        $(#[$doc])*
        #[track_caller]
        #[inline]
        pub fn $method(&self, val: $t, order: Ordering) -> $r {
            observed(
                &self.real,
                &self.slot,
                self.cells(),
                    Location::caller(),
                    Access::Rmw(mem_order(order)),
                    || self.inner.$method(val, order),
                    |old| rmw(order, *old, self.inner.load(Ordering::Relaxed)),
            )
        }
    };
}

/// The trait impls every atomic type has.
macro_rules! common_impls {
    ($atomic:ident, $t:ty, $default:expr) => {
        impl Default for $atomic {
            #[track_caller]
            fn default() -> Self {
                Self::new($default)
            }
        }

        impl From<$t> for $atomic {
            #[track_caller]
            fn from(v: $t) -> Self {
                Self::new(v)
            }
        }

        impl fmt::Debug for $atomic {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.inner, f)
            }
        }
    };
}

/// [`atomics::UnsyncLoad`] for the atomic type `$atomic` holding `$t`.
macro_rules! unsync_load_impl {
    ($atomic:ty, $t:ty $(, $generic:ident)?) => {
        impl$(<$generic>)? atomics::UnsyncLoad for $atomic {
            type Value = $t;

            #[track_caller]
            unsafe fn unsync_load(&self) -> $t {
                let value = self.load(Ordering::Relaxed);
                if api::in_model() {
                    let id = self.slot.id(ObjectKind::Atomic);
                    atomics::check_unsync_load(id, Location::caller());
                }
                value
            }
        }
    };
}

impl atomics::ReferenceCount for AtomicUsize {
    fn mark_reference_count(&self, what: &'static str) {
        if api::in_model() {
            atomics::mark_reference_count(self.slot.id(ObjectKind::Atomic), what);
        }
    }
}

macro_rules! atomic_int {
    ($(($atomic:ident, $t:ident, $width:literal)),* $(,)?) => {$(
        #[doc = concat!("An integer type which can be safely shared between threads: `std::sync::atomic::", stringify!($atomic), "` that the model can schedule.")]
        #[cfg(target_has_atomic = $width)]
        pub struct $atomic {
            slot: ObjectSlot,
            real: RealSlot,
            inner: std::sync::atomic::$atomic,
            /// The value it was created with (see [`Cells`]).
            initial: std::sync::atomic::$atomic,
        }

        #[cfg(target_has_atomic = $width)]
        impl $atomic {
            /// Creates a new atomic integer.
            #[track_caller]
            #[inline]
            #[must_use]
            pub const fn new(v: $t) -> Self {
                $atomic {
                    slot: ObjectSlot::new(Location::caller()),
                    real: RealSlot::new(),
                    inner: std::sync::atomic::$atomic::new(v),
                    initial: std::sync::atomic::$atomic::new(v),
                }
            }

            common_methods!($t);

            rmw_method! {
                /// Adds to the value (wrapping on overflow), returning the previous value.
                fetch_add($t) -> $t
            }
            rmw_method! {
                /// Subtracts from the value (wrapping on overflow), returning the previous value.
                fetch_sub($t) -> $t
            }
            rmw_method! {
                /// Bitwise "and" with the value, returning the previous value.
                fetch_and($t) -> $t
            }
            rmw_method! {
                /// Bitwise "nand" with the value, returning the previous value.
                fetch_nand($t) -> $t
            }
            rmw_method! {
                /// Bitwise "or" with the value, returning the previous value.
                fetch_or($t) -> $t
            }
            rmw_method! {
                /// Bitwise "xor" with the value, returning the previous value.
                fetch_xor($t) -> $t
            }
            rmw_method! {
                /// Stores the maximum of the value and `val`, returning the previous value.
                fetch_max($t) -> $t
            }
            rmw_method! {
                /// Stores the minimum of the value and `val`, returning the previous value.
                fetch_min($t) -> $t
            }
        }

        #[cfg(target_has_atomic = $width)]
        common_impls!($atomic, $t, 0);

        #[cfg(target_has_atomic = $width)]
        unsync_load_impl!($atomic, $t);
    )*};
}

atomic_int! {
    (AtomicI8, i8, "8"),
    (AtomicI16, i16, "16"),
    (AtomicI32, i32, "32"),
    (AtomicI64, i64, "64"),
    (AtomicIsize, isize, "ptr"),
    (AtomicU8, u8, "8"),
    (AtomicU16, u16, "16"),
    (AtomicU32, u32, "32"),
    (AtomicU64, u64, "64"),
    (AtomicUsize, usize, "ptr"),
}

/// A boolean which can be safely shared between threads: `std::sync::atomic::AtomicBool` that
/// the model can schedule.
#[cfg(target_has_atomic = "8")]
pub struct AtomicBool {
    slot: ObjectSlot,
    real: RealSlot,
    inner: std::sync::atomic::AtomicBool,
    /// The value it was created with (see [`Cells`]).
    initial: std::sync::atomic::AtomicBool,
}

#[cfg(target_has_atomic = "8")]
impl AtomicBool {
    /// Creates a new atomic boolean.
    #[track_caller]
    #[inline]
    #[must_use]
    pub const fn new(v: bool) -> Self {
        AtomicBool {
            slot: ObjectSlot::new(Location::caller()),
            real: RealSlot::new(),
            inner: std::sync::atomic::AtomicBool::new(v),
            initial: std::sync::atomic::AtomicBool::new(v),
        }
    }

    common_methods!(bool);

    rmw_method! {
        /// Logical "and" with the value, returning the previous value.
        fetch_and(bool) -> bool
    }
    rmw_method! {
        /// Logical "nand" with the value, returning the previous value.
        fetch_nand(bool) -> bool
    }
    rmw_method! {
        /// Logical "or" with the value, returning the previous value.
        fetch_or(bool) -> bool
    }
    rmw_method! {
        /// Logical "xor" with the value, returning the previous value.
        fetch_xor(bool) -> bool
    }

    /// Logical "not" of the value, returning the previous value.
    #[track_caller]
    #[inline]
    pub fn fetch_not(&self, order: Ordering) -> bool {
        // What std does; `AtomicBool::fetch_not` itself is newer than this crate's MSRV.
        self.fetch_xor(true, order)
    }
}

#[cfg(target_has_atomic = "8")]
common_impls!(AtomicBool, bool, false);

#[cfg(target_has_atomic = "8")]
unsync_load_impl!(AtomicBool, bool);

#[cfg(target_has_atomic = "ptr")]
unsync_load_impl!(AtomicPtr<T>, *mut T, T);

/// A raw pointer which can be safely shared between threads: `std::sync::atomic::AtomicPtr`
/// that the model can schedule.
#[cfg(target_has_atomic = "ptr")]
pub struct AtomicPtr<T> {
    slot: ObjectSlot,
    real: RealSlot,
    inner: std::sync::atomic::AtomicPtr<T>,
    /// The value it was created with (see [`Cells`]).
    initial: std::sync::atomic::AtomicPtr<T>,
}

/// A pointer read-modify-write, implemented with `fetch_update` since std's own methods are
/// newer than this crate's MSRV.
macro_rules! ptr_rmw_method {
    ($(#[$doc:meta])* $method:ident(|$p:ident, $val:ident| $new:expr)) => {
        $(#[$doc])*
        #[track_caller]
        #[inline]
        pub fn $method(&self, $val: usize, order: Ordering) -> *mut T {
            observed(
                &self.real,
                &self.slot,
                self.cells(),
                    Location::caller(),
                    Access::Rmw(mem_order(order)),
                    || self.rmw_ptr(order, |$p| $new),
                    |old| rmw(order, *old, self.inner.load(Ordering::Relaxed)),
            )
        }
    };
}

#[cfg(target_has_atomic = "ptr")]
impl<T> AtomicPtr<T> {
    /// Creates a new atomic pointer.
    #[track_caller]
    #[inline]
    #[must_use]
    pub const fn new(p: *mut T) -> Self {
        AtomicPtr {
            slot: ObjectSlot::new(Location::caller()),
            real: RealSlot::new(),
            inner: std::sync::atomic::AtomicPtr::new(p),
            initial: std::sync::atomic::AtomicPtr::new(p),
        }
    }

    common_methods!(*mut T);

    /// One atomic read-modify-write of the real pointer with `f`, with the ordering `order`.
    #[inline]
    fn rmw_ptr(&self, order: Ordering, mut f: impl FnMut(*mut T) -> *mut T) -> *mut T {
        let fetch = match order {
            Ordering::Release => Ordering::Relaxed,
            Ordering::AcqRel => Ordering::Acquire,
            o => o,
        };
        match self.inner.fetch_update(order, fetch, |p| Some(f(p))) {
            Ok(p) | Err(p) => p,
        }
    }

    ptr_rmw_method! {
        /// Offsets the pointer by `val` elements of `T` (wrapping), returning the previous
        /// pointer.
        fetch_ptr_add(|p, val| p.wrapping_add(val))
    }
    ptr_rmw_method! {
        /// Offsets the pointer back by `val` elements of `T` (wrapping), returning the previous
        /// pointer.
        fetch_ptr_sub(|p, val| p.wrapping_sub(val))
    }
    ptr_rmw_method! {
        /// Offsets the pointer by `val` bytes (wrapping), returning the previous pointer.
        fetch_byte_add(|p, val| p.wrapping_byte_add(val))
    }
    ptr_rmw_method! {
        /// Offsets the pointer back by `val` bytes (wrapping), returning the previous pointer.
        fetch_byte_sub(|p, val| p.wrapping_byte_sub(val))
    }
    ptr_rmw_method! {
        /// Bitwise "or" of the pointer's address with `val`, keeping its provenance; returns
        /// the previous pointer.
        fetch_or(|p, val| map_addr(p, |a| a | val))
    }
    ptr_rmw_method! {
        /// Bitwise "and" of the pointer's address with `val`, keeping its provenance; returns
        /// the previous pointer.
        fetch_and(|p, val| map_addr(p, |a| a & val))
    }
    ptr_rmw_method! {
        /// Bitwise "xor" of the pointer's address with `val`, keeping its provenance; returns
        /// the previous pointer.
        fetch_xor(|p, val| map_addr(p, |a| a ^ val))
    }
}

/// `p` with the address `f` computes from its address, keeping `p`'s provenance (what
/// `<*mut T>::map_addr` does; that is newer than this crate's MSRV).
#[inline]
fn map_addr<T>(p: *mut T, f: impl FnOnce(usize) -> usize) -> *mut T {
    let addr = p as usize;
    p.wrapping_byte_add(f(addr).wrapping_sub(addr))
}

#[cfg(target_has_atomic = "ptr")]
impl<T> Default for AtomicPtr<T> {
    #[track_caller]
    fn default() -> Self {
        AtomicPtr::new(std::ptr::null_mut())
    }
}

#[cfg(target_has_atomic = "ptr")]
impl<T> From<*mut T> for AtomicPtr<T> {
    #[track_caller]
    fn from(p: *mut T) -> Self {
        AtomicPtr::new(p)
    }
}

#[cfg(target_has_atomic = "ptr")]
impl<T> fmt::Debug for AtomicPtr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

#[cfg(target_has_atomic = "ptr")]
impl<T> fmt::Pointer for AtomicPtr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Pointer::fmt(&self.inner, f)
    }
}

/// A memory fence. Inside a model it is a scheduling point and is recorded; elsewhere it is
/// `std::sync::atomic::fence`.
///
/// # Panics
/// If `order` is `Relaxed`.
#[track_caller]
#[inline]
pub fn fence(order: Ordering) {
    if api::in_model() {
        let site = Location::caller();
        api::point(site, false);
        std::sync::atomic::fence(order);
        atomics::fence(mem_order(order));
        api::emit(
            None,
            Op::Fence {
                order: mem_order(order),
            },
            site,
        );
    } else {
        std::sync::atomic::fence(order);
        races::fence(mem_order(order), Location::caller());
    }
}

/// A compiler-only fence: `std::sync::atomic::compiler_fence`, never a scheduling point.
///
/// # Panics
/// If `order` is `Relaxed`.
#[inline]
pub fn compiler_fence(order: Ordering) {
    std::sync::atomic::compiler_fence(order)
}

/// Signals a spin-wait loop; the same as [`crate::primitive::hint::spin_loop`].
#[deprecated(since = "1.51.0", note = "use hint::spin_loop instead")]
#[track_caller]
#[inline]
pub fn spin_loop_hint() {
    crate::primitive::hint::spin_loop()
}
