//! Scoped threads: `scope`, `Scope`, `ScopedJoinHandle`.

use std::cell::Cell;
use std::io;
use std::marker::PhantomData;
use std::panic::Location;
use std::sync::Mutex as StdMutex;

use crate::event::ThreadId as ModelThreadId;
use crate::real::{races, thread as real_thread};
use crate::runtime::api;

use super::current::Thread;
use super::spawn::{spawn_model_unchecked, Builder, Handle};

/// A scope in which threads may borrow from the enclosing stack, like `std::thread::Scope`.
pub struct Scope<'scope, 'env: 'scope> {
    /// The std scope, when running on OS threads.
    real: Cell<Option<*const ()>>,
    /// The model threads spawned in this scope, joined when it ends.
    model_threads: StdMutex<Vec<ModelThreadId>>,
    /// Real mode's ids of the OS threads spawned in this scope, joined when it ends.
    real_threads: StdMutex<Vec<ModelThreadId>>,
    scope: PhantomData<&'scope mut &'scope ()>,
    env: PhantomData<&'env mut &'env ()>,
}

// SAFETY: `real` points to std's `Scope`, which is `Sync`; it is only set before any thread
// that could share this scope exists.
unsafe impl Sync for Scope<'_, '_> {}
// SAFETY: as above; the pointer is only dereferenced as a shared `&std::thread::Scope`.
unsafe impl Send for Scope<'_, '_> {}

/// A handle to join a scoped thread.
pub struct ScopedJoinHandle<'scope, T> {
    inner: Handle<std::thread::ScopedJoinHandle<'scope, T>, T>,
}

/// Creates a scope for spawning threads that borrow local data; every thread spawned in it is
/// joined before `scope` returns.
#[track_caller]
pub fn scope<'env, F, T>(f: F) -> T
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
{
    let ours: Scope<'_, 'env> = Scope {
        real: Cell::new(None),
        model_threads: StdMutex::new(Vec::new()),
        real_threads: StdMutex::new(Vec::new()),
        scope: PhantomData,
        env: PhantomData,
    };
    if api::in_model() {
        let site = Location::caller();
        // As std, every thread is joined before the scope ends, even when `f` panics: they
        // borrow from the stack that the panic unwinds.
        // SAFETY: `ours` lives until every model thread of the scope has been joined below.
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(unsafe { extend(&ours) })));
        let threads =
            std::mem::take(&mut *ours.model_threads.lock().unwrap_or_else(|p| p.into_inner()));
        // As std: a scoped thread that panicked and was not joined by hand makes the scope panic.
        let mut unhandled = false;
        for t in threads {
            unhandled |= api::join(t, site).is_some();
        }
        match result {
            Err(payload) => std::panic::resume_unwind(payload),
            Ok(_) if unhandled => panic!("a scoped thread panicked"),
            Ok(value) => value,
        }
    } else {
        let result = std::thread::scope(|s| {
            ours.real.set(Some(std::ptr::from_ref(s).cast::<()>()));
            // SAFETY: `ours` outlives `std::thread::scope`, which joins every thread first.
            f(unsafe { extend(&ours) })
        });
        // The end of the scope joined every thread in it.
        let site = Location::caller();
        for t in ours
            .real_threads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            races::joined(*t, site);
        }
        result
    }
}

/// Extends the borrow of a scope to the lifetime its threads see.
///
/// # Safety
/// The scope must outlive every thread spawned through the returned reference.
unsafe fn extend<'a, 'scope, 'env>(s: &'a Scope<'_, 'env>) -> &'scope Scope<'scope, 'env> {
    unsafe { std::mem::transmute::<&Scope<'_, 'env>, &'scope Scope<'scope, 'env>>(s) }
}

impl<'scope, 'env> Scope<'scope, 'env> {
    /// Spawns a thread in the scope.
    #[track_caller]
    pub fn spawn<F, T>(&'scope self, f: F) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        self.spawn_with(Builder::new(), f, Location::caller())
            .expect("failed to spawn thread")
    }

    pub(super) fn spawn_with<F, T>(
        &'scope self,
        builder: Builder,
        f: F,
        site: &'static Location<'static>,
    ) -> io::Result<ScopedJoinHandle<'scope, T>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        if let Some(real) = self.real.get() {
            // SAFETY: set by `scope` to the std scope that is running this very closure.
            let s = unsafe { &*(real as *const std::thread::Scope<'scope, 'env>) };
            let id = races::spawn(site);
            let handle = builder.into_std().spawn_scoped(s, move || {
                real_thread::enter(id);
                f()
            })?;
            self.real_threads
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(id);
            let thread = Thread::real(handle.thread().clone());
            return Ok(ScopedJoinHandle {
                inner: Handle::Real { handle, thread, id },
            });
        }
        // SAFETY: the scope joins this model thread before its borrows end; an execution that
        // is abandoned never runs the thread again.
        let (id, packet) = unsafe { spawn_model_unchecked(f, builder, site) };
        self.model_threads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(id);
        Ok(ScopedJoinHandle {
            inner: Handle::Model {
                id,
                packet,
                thread: Thread::model(id),
            },
        })
    }
}

impl<T> ScopedJoinHandle<'_, T> {
    /// Waits for the thread to finish and returns its result.
    ///
    /// # Errors
    /// `Err` with the panic payload if the thread panicked.
    #[track_caller]
    pub fn join(self) -> std::thread::Result<T> {
        self.inner.join(Location::caller())
    }

    /// The thread this handle joins.
    #[must_use]
    pub fn thread(&self) -> &Thread {
        self.inner.thread()
    }

    /// Whether the thread has finished.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }
}

impl std::fmt::Debug for Scope<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scope { .. }")
    }
}

impl<T> std::fmt::Debug for ScopedJoinHandle<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScopedJoinHandle { .. }")
    }
}
