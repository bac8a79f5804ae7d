//! `loom::alloc`: std's allocator, with every allocation tracked: one still alive when every
//! thread has finished is a `leak` finding naming where it was made.

use std::cell::RefCell;
use std::panic::Location;

use conc_check_engine::facade::{self, AllocationHandle};

use crate::per_execution::{self, PerExecution};

pub use std::alloc::Layout;

std::thread_local! {
    /// The running execution's live raw allocations, by address.
    static LIVE: RefCell<PerExecution<Vec<(usize, AllocationHandle)>>> = RefCell::default();
}

/// Notes a raw allocation at `ptr` made at `site`.
fn made(ptr: *mut u8, site: &'static Location<'static>) {
    if ptr.is_null() {
        return;
    }
    if let Some(handle) = facade::track_allocation("allocation", site) {
        per_execution::with(&LIVE, |live| live.push((ptr as usize, handle)));
    }
}

/// Allocates memory as `std::alloc::alloc` does.
///
/// # Safety
/// As `std::alloc::alloc`.
#[track_caller]
pub unsafe fn alloc(layout: Layout) -> *mut u8 {
    // SAFETY: guaranteed by the caller.
    let ptr = unsafe { std::alloc::alloc(layout) };
    made(ptr, Location::caller());
    ptr
}

/// Allocates zeroed memory as `std::alloc::alloc_zeroed` does.
///
/// # Safety
/// As `std::alloc::alloc_zeroed`.
#[track_caller]
pub unsafe fn alloc_zeroed(layout: Layout) -> *mut u8 {
    // SAFETY: guaranteed by the caller.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
    made(ptr, Location::caller());
    ptr
}

/// Frees memory as `std::alloc::dealloc` does.
///
/// # Safety
/// As `std::alloc::dealloc`.
pub unsafe fn dealloc(ptr: *mut u8, layout: Layout) {
    if facade::in_model() {
        let handle = per_execution::with(&LIVE, |live| {
            let i = live.iter().position(|(p, _)| *p == ptr as usize)?;
            Some(live.swap_remove(i).1)
        });
        if let Some(handle) = handle {
            facade::release_allocation(handle);
        }
    }
    // SAFETY: guaranteed by the caller.
    unsafe { std::alloc::dealloc(ptr, layout) }
}

/// A value whose lifetime is tracked: a `Track` still alive when every thread has finished is
/// a `leak` finding.
#[derive(Debug)]
pub struct Track<T> {
    value: T,
    handle: Option<AllocationHandle>,
}

impl<T> Track<T> {
    /// Tracks `value`.
    #[track_caller]
    pub fn new(value: T) -> Track<T> {
        Track {
            value,
            handle: facade::track_allocation("Track", Location::caller()),
        }
    }

    /// The value, by reference.
    pub fn get_ref(&self) -> &T {
        &self.value
    }

    /// The value, by mutable reference.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.value
    }

    /// The value, no longer tracked.
    pub fn into_inner(mut self) -> T {
        if let Some(handle) = self.handle.take() {
            facade::release_allocation(handle);
        }
        // SAFETY: `self` is forgotten right after, so the value is moved out exactly once.
        let value = unsafe { std::ptr::read(&self.value) };
        std::mem::forget(self);
        value
    }
}

impl<T> Drop for Track<T> {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            facade::release_allocation(handle);
        }
    }
}
