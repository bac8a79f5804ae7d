//! `spawn`, `Builder` and `JoinHandle`.

use std::io;
use std::panic::Location;
use std::sync::{Arc, Mutex};

use crate::event::{Site, ThreadId as ModelThreadId};
use crate::real::{races, thread as real_thread};
use crate::runtime::api;
use crate::runtime::body::{Body, RunOnce, Spawned, TakeResult};

use super::current::Thread;

/// The result slot a model thread fills when its closure returns: the cell the thread ran its
/// closure out of (`runtime::body::Spawned`), or, for a closure that need not be `Send`, a slot
/// of its own.
pub(super) struct Packet<T>(Arc<dyn TakeResult<T>>);

// SAFETY: a packet is made only from a `Spawned<F, T>` with `F: Send` (`spawn_model_unchecked`)
// or from a `Mutex<Option<T>>` (`spawn_model_boxed`); both are `Send` and `Sync` when `T: Send`.
unsafe impl<T: Send> Send for Packet<T> {}
// SAFETY: as for `Send`.
unsafe impl<T: Send> Sync for Packet<T> {}

impl<T> Packet<T> {
    /// The thread's result, if it returned and nobody took the result yet.
    fn take(&self) -> Option<T> {
        self.0.take_result()
    }
}

impl<T> TakeResult<T> for Mutex<Option<T>> {
    fn take_result(&self) -> Option<T> {
        self.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Starts a model thread running `f`, writing its result into the returned packet.
pub(super) fn spawn_model<F, T>(
    f: F,
    builder: Builder,
    site: &'static Location<'static>,
) -> (ModelThreadId, Packet<T>)
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    // SAFETY: everything is 'static.
    unsafe { spawn_model_unchecked(f, builder, site) }
}

/// [`spawn_model`] for closures and results that borrow from a scope.
///
/// # Safety
/// The caller joins the thread before anything `f` or `T` borrows goes away (or abandons the
/// execution, after which the thread never runs again).
pub(super) unsafe fn spawn_model_unchecked<'a, F, T>(
    f: F,
    builder: Builder,
    site: &'static Location<'static>,
) -> (ModelThreadId, Packet<T>)
where
    F: FnOnce() -> T + Send + 'a,
    T: Send + 'a,
{
    // One allocation holds the closure, then the result.
    let cell = Arc::new(Spawned::new(f));
    let run: Arc<dyn RunOnce + 'a> = cell.clone();
    let packet: Arc<dyn TakeResult<T> + 'a> = cell;
    // SAFETY: guaranteed by the caller: the closure runs (or is leaked with its execution)
    // before its borrows end, and the join handle that holds the result lives no longer than
    // they do.
    let run =
        unsafe { std::mem::transmute::<Arc<dyn RunOnce + 'a>, Arc<dyn RunOnce + 'static>>(run) };
    // SAFETY: as above.
    let packet = unsafe {
        std::mem::transmute::<Arc<dyn TakeResult<T> + 'a>, Arc<dyn TakeResult<T> + 'static>>(packet)
    };
    let id = api::spawn_body(Body::Spawned(run), builder.name, builder.stack_size, site);
    (id, Packet(packet))
}

/// [`spawn_model`] for a closure that need not be `Send` (the loom facade's `spawn`): the
/// closure is boxed and writes its result into a slot of its own.
fn spawn_model_boxed<F, T>(
    f: F,
    builder: Builder,
    site: &'static Location<'static>,
) -> (ModelThreadId, Packet<T>)
where
    F: FnOnce() -> T + 'static,
    T: 'static,
{
    let slot = Arc::new(Mutex::new(None));
    let result = slot.clone();
    let body = Box::new(move || {
        let value = f();
        *result.lock().unwrap_or_else(|p| p.into_inner()) = Some(value);
    });
    let id = api::spawn(body, builder.name, builder.stack_size, site);
    (id, Packet(slot))
}

/// Joins a model thread and takes its result: its value, or the payload of its panic (which
/// std hands to the joiner; a panic that somebody joined is not a finding by itself).
pub(super) fn join_model<T>(
    id: ModelThreadId,
    packet: &Packet<T>,
    site: &'static Location<'static>,
) -> std::thread::Result<T> {
    let panicked = api::join(id, site);
    let value = packet.take();
    match (value, panicked) {
        (Some(value), _) => Ok(value),
        (None, Some(payload)) => Err(payload),
        (None, None) => Err(Box::new("the thread's result was already taken")),
    }
}

/// An owned permission to join a thread, like `std::thread::JoinHandle`.
pub struct JoinHandle<T> {
    inner: Handle<std::thread::JoinHandle<T>, T>,
}

/// The std join handle inside a real-mode handle: a spawned or a scoped thread's.
pub(super) trait StdHandle<T> {
    fn join(self) -> std::thread::Result<T>;
    fn is_finished(&self) -> bool;
}

impl<T> StdHandle<T> for std::thread::JoinHandle<T> {
    fn join(self) -> std::thread::Result<T> {
        std::thread::JoinHandle::join(self)
    }
    fn is_finished(&self) -> bool {
        std::thread::JoinHandle::is_finished(self)
    }
}

impl<T> StdHandle<T> for std::thread::ScopedJoinHandle<'_, T> {
    fn join(self) -> std::thread::Result<T> {
        std::thread::ScopedJoinHandle::join(self)
    }
    fn is_finished(&self) -> bool {
        std::thread::ScopedJoinHandle::is_finished(self)
    }
}

/// What a join handle holds, in either mode: the std handle `H` of a real thread, or the
/// result packet of a model thread. Shared by [`JoinHandle`] and `ScopedJoinHandle`.
pub(super) enum Handle<H, T> {
    Real {
        handle: H,
        thread: Thread,
        /// The thread's id in real mode's records.
        id: ModelThreadId,
    },
    Model {
        id: ModelThreadId,
        packet: Packet<T>,
        thread: Thread,
    },
}

impl<H: StdHandle<T>, T> Handle<H, T> {
    /// Waits for the thread, joined at `site`, and returns its result.
    pub(super) fn join(self, site: Site) -> std::thread::Result<T> {
        match self {
            Handle::Real { handle, id, .. } => {
                let result = real_thread::join(id, site, || handle.join());
                races::joined(id, site);
                result
            }
            Handle::Model { id, packet, .. } => join_model(id, &packet, site),
        }
    }

    /// The thread this handle joins.
    pub(super) fn thread(&self) -> &Thread {
        match self {
            Handle::Real { thread, .. } | Handle::Model { thread, .. } => thread,
        }
    }

    /// Whether the thread has finished running its closure.
    pub(super) fn is_finished(&self) -> bool {
        match self {
            Handle::Real { handle, .. } => handle.is_finished(),
            Handle::Model { id, .. } => api::is_finished(*id),
        }
    }
}

impl<T> JoinHandle<T> {
    /// The handle of model thread `id`, whose result `packet` receives.
    fn model(id: ModelThreadId, packet: Packet<T>) -> Self {
        JoinHandle {
            inner: Handle::Model {
                id,
                packet,
                thread: Thread::model(id),
            },
        }
    }

    /// Waits for the thread to finish and returns its result.
    ///
    /// # Errors
    /// `Err` with the panic payload if the thread panicked, as in std. Inside a model, a panic
    /// that somebody joins is the joiner's to handle; one that nobody joins is a finding, and so
    /// is the joiner's own panic when it unwraps the `Err`.
    #[track_caller]
    pub fn join(self) -> std::thread::Result<T> {
        self.inner.join(Location::caller())
    }

    /// The thread this handle joins.
    #[must_use]
    pub fn thread(&self) -> &Thread {
        self.inner.thread()
    }

    /// Whether the thread has finished running its closure.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }
}

impl<T> std::fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JoinHandle { .. }")
    }
}

/// Spawns a thread: a model thread inside a model, an OS thread outside.
#[track_caller]
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Builder::new().spawn(f).expect("failed to spawn thread")
}

/// Thread configuration, like `std::thread::Builder`.
#[derive(Debug, Default)]
#[must_use = "must eventually spawn the thread"]
pub struct Builder {
    name: Option<String>,
    stack_size: Option<usize>,
}

impl Builder {
    /// The default configuration.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the thread (shown in findings).
    pub fn name(mut self, name: String) -> Builder {
        self.name = Some(name);
        self
    }

    /// Sets the stack size of the thread, in bytes: an OS thread's, or a model thread's inside
    /// a model (which otherwise gets what a std thread gets: `RUST_MIN_STACK`, else 2 MiB).
    pub fn stack_size(mut self, size: usize) -> Builder {
        self.stack_size = Some(size);
        self
    }

    /// Spawns the thread.
    ///
    /// # Errors
    /// As `std::thread::Builder::spawn` (only for OS threads).
    #[track_caller]
    pub fn spawn<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        if api::in_model() {
            let (id, packet) = spawn_model(f, self, Location::caller());
            return Ok(JoinHandle::model(id, packet));
        }
        let id = races::spawn(Location::caller());
        let handle = self.into_std().spawn(move || {
            real_thread::enter(id);
            f()
        })?;
        let thread = Thread::real(handle.thread().clone());
        Ok(JoinHandle {
            inner: Handle::Real { handle, thread, id },
        })
    }

    /// Spawns a scoped thread, like `std::thread::Builder::spawn_scoped`.
    ///
    /// # Errors
    /// As `std::thread::Builder::spawn_scoped` (only for OS threads).
    #[track_caller]
    pub fn spawn_scoped<'scope, 'env, F, T>(
        self,
        scope: &'scope super::Scope<'scope, 'env>,
        f: F,
    ) -> io::Result<super::ScopedJoinHandle<'scope, T>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        scope.spawn_with(self, f, Location::caller())
    }

    /// Spawns a model thread; its closure need not be `Send` (model threads take turns on one
    /// OS thread). Only inside a model.
    pub(crate) fn spawn_in_model<F, T>(self, f: F, site: Site) -> JoinHandle<T>
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        let (id, packet) = spawn_model_boxed(f, self, site);
        JoinHandle::model(id, packet)
    }

    pub(super) fn into_std(self) -> std::thread::Builder {
        let mut b = std::thread::Builder::new();
        if let Some(name) = self.name {
            b = b.name(name);
        }
        if let Some(size) = self.stack_size {
            b = b.stack_size(size);
        }
        b
    }
}
