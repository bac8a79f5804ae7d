//! `Once` and `OnceState`, and the model machinery that `OnceLock` and `LazyLock` share.
//!
//! Inside a model a once-style object keeps its coordination state (who runs the initialiser,
//! whether one panicked) in a small std mutex of its own. That mutex is only ever held for a
//! read or an update and never across a scheduling point or a block: those switch to other model
//! threads on the same OS thread, which would then block on it for good. Whether the object is
//! complete is read from the real storage (a std `Once` or `OnceLock`), so a value set in one
//! execution stays set, like the data of a `static` `Mutex`; the coordination state starts
//! afresh in every execution.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::PoisonError;

use crate::event::{ObjectId, ObjectKind, Op, Site, WaitFor};
use crate::runtime::{api, ObjectSlot};

/// A synchronisation primitive that runs a one-time initialisation, with std's API and
/// semantics (poisoning included).
///
/// Inside a model the first thread to arrive runs the closure and the others block until it has
/// finished; calling `call_once` again from inside its own closure is reported as a deadlock.
///
/// ```
/// use conc_check::sync::Once;
///
/// static INIT: Once = Once::new();
/// let mut runs = 0;
/// INIT.call_once(|| runs += 1);
/// INIT.call_once(|| runs += 1);
/// assert_eq!(runs, 1);
/// assert!(INIT.is_completed());
/// ```
pub struct Once {
    model: OnceModel,
    signal: Signal,
    /// Set when a closure run by a real thread panicked, cleared when one completes.
    poisoned: AtomicBool,
    inner: std::sync::Once,
}

/// The state a [`Once::call_once_force`] closure is given.
pub struct OnceState {
    poisoned: bool,
    /// std's `OnceState` is `Send` but neither `Sync` nor `RefUnwindSafe`.
    _not_sync: PhantomData<Cell<()>>,
}

impl OnceState {
    fn new(poisoned: bool) -> OnceState {
        OnceState {
            poisoned,
            _not_sync: PhantomData,
        }
    }

    /// Whether an earlier initialiser of the `Once` panicked, poisoning it.
    #[must_use]
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }
}

impl fmt::Debug for OnceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceState")
            .field("poisoned", &self.poisoned)
            .finish()
    }
}

impl Once {
    /// A new `Once` whose closure has not run.
    #[track_caller]
    #[allow(clippy::new_without_default)] // std's `Once` has no `Default` either.
    #[must_use]
    pub const fn new() -> Once {
        Once {
            model: OnceModel::new(Location::caller()),
            signal: Signal::new(),
            poisoned: AtomicBool::new(false),
            inner: std::sync::Once::new(),
        }
    }

    /// Runs `f` if no closure of this `Once` has completed yet; otherwise does nothing. If
    /// another thread is running a closure, waits for it to finish first.
    ///
    /// # Panics
    /// If an earlier closure panicked (the `Once` is poisoned); the panic of `f` itself is
    /// propagated and poisons the `Once`.
    #[track_caller]
    pub fn call_once<F>(&self, f: F)
    where
        F: FnOnce(),
    {
        if api::in_model() {
            self.call_model(false, Location::caller(), |_| f());
        } else if !self.inner.is_completed() {
            self.call_real(false, |_| f());
        }
    }

    /// Like [`Once::call_once`], but runs `f` even if the `Once` is poisoned; `f` learns about
    /// that from its [`OnceState`]. A closure that completes clears the poisoning.
    #[track_caller]
    pub fn call_once_force<F>(&self, f: F)
    where
        F: FnOnce(&OnceState),
    {
        if api::in_model() {
            self.call_model(true, Location::caller(), f);
        } else if !self.inner.is_completed() {
            self.call_real(true, f);
        }
    }

    /// Whether a closure has completed. Never blocks.
    #[track_caller]
    pub fn is_completed(&self) -> bool {
        if api::in_model() {
            self.model.look(
                Location::caller(),
                || self.inner.is_completed(),
                |done| *done,
            )
        } else {
            self.inner.is_completed()
        }
    }

    /// Blocks until a closure of this `Once` has completed.
    ///
    /// # Panics
    /// If the `Once` is poisoned; use [`Once::wait_force`] to wait through poisoning.
    #[track_caller]
    pub fn wait(&self) {
        self.wait_at(false, Location::caller());
    }

    /// Blocks until a closure of this `Once` has completed, ignoring poisoning.
    #[track_caller]
    pub fn wait_force(&self) {
        self.wait_at(true, Location::caller());
    }

    #[track_caller]
    fn wait_at(&self, force: bool, site: Site) {
        let complete = || self.inner.is_completed();
        if api::in_model() {
            let id = self.model.id();
            api::point(site, false);
            if self.model.wait(id, site, force, complete).is_err() {
                panic!("Once instance has previously been poisoned");
            }
            api::emit(Some(id), Op::OnceComplete, site);
        } else if !complete() {
            let poisoned = || !force && self.poisoned.load(Ordering::SeqCst);
            self.signal.wait_until(|| complete() || poisoned());
            if !complete() {
                panic!("Once instance has previously been poisoned");
            }
        }
    }

    /// `call_once` / `call_once_force` inside a model.
    #[track_caller]
    fn call_model(&self, force: bool, site: Site, f: impl FnOnce(&OnceState)) {
        let id = self.model.id();
        api::point(site, false);
        match self
            .model
            .claim(id, site, force, || self.inner.is_completed())
        {
            Claim::Complete => api::emit(Some(id), Op::OnceComplete, site),
            Claim::Poisoned => panic!("Once instance has previously been poisoned"),
            Claim::Run { poisoned } => {
                let run = self.model.run(id, site);
                f(&OnceState::new(poisoned));
                // The real `Once` records completion, for later executions and real threads.
                self.inner.call_once_force(|_| {});
                self.poisoned.store(false, Ordering::SeqCst);
                run.complete();
                self.signal.notify();
            }
        }
    }

    /// `call_once` / `call_once_force` on real threads: std's, plus the bookkeeping `wait`
    /// needs.
    fn call_real(&self, force: bool, f: impl FnOnce(&OnceState)) {
        let ran = Cell::new(false);
        let mut guard = RealRun {
            once: self,
            ran: &ran,
            ok: false,
        };
        if force {
            self.inner.call_once_force(|state| {
                // Running again: `wait` waits for this run rather than panic at the poisoning.
                ran.set(true);
                self.poisoned.store(false, Ordering::SeqCst);
                f(&OnceState::new(state.is_poisoned()));
            });
        } else {
            self.inner.call_once(|| {
                ran.set(true);
                f(&OnceState::new(false));
            });
        }
        guard.ok = true;
    }
}

/// After a real thread's `call_once*`: records whether the closure it ran panicked and wakes
/// the real threads in `wait`.
struct RealRun<'a> {
    once: &'a Once,
    ran: &'a Cell<bool>,
    ok: bool,
}

impl Drop for RealRun<'_> {
    fn drop(&mut self) {
        if self.ran.get() {
            self.once.poisoned.store(!self.ok, Ordering::SeqCst);
            self.once.signal.notify();
        }
    }
}

impl fmt::Debug for Once {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Once").finish_non_exhaustive()
    }
}

// ---- shared by `Once`, `OnceLock` and `LazyLock` ----

/// Where the initialisation of a once-style object stands in the running execution. Whether it
/// is complete is not kept here but read from the object's real storage.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    /// No initialiser is running (and, unless the storage says otherwise, none has completed).
    Idle,
    /// A model thread runs the initialiser.
    Running,
    /// An initialiser panicked.
    Poisoned,
}

#[derive(Debug)]
struct ModelState {
    /// The execution the phase belongs to; a phase of an earlier execution counts as `Idle`.
    generation: u32,
    phase: Phase,
}

/// What a once-style operation does next, inside a model.
pub(super) enum Claim {
    /// The object is complete.
    Complete,
    /// The object is poisoned and the operation does not run through poisoning.
    Poisoned,
    /// The caller runs the initialiser, then calls [`ModelRun::complete`].
    Run {
        /// Whether an earlier initialiser panicked.
        poisoned: bool,
    },
}

/// The model side of a once-style object.
pub(super) struct OnceModel {
    slot: ObjectSlot,
    state: std::sync::Mutex<ModelState>,
}

impl OnceModel {
    /// The model side of an object created at `site`.
    pub(super) const fn new(site: Site) -> OnceModel {
        OnceModel {
            slot: ObjectSlot::new(site),
            state: std::sync::Mutex::new(ModelState {
                generation: 0,
                phase: Phase::Idle,
            }),
        }
    }

    /// The object's id in the running execution.
    pub(super) fn id(&self) -> ObjectId {
        self.slot.id(ObjectKind::Once)
    }

    /// A look that changes nothing (`get`, `is_completed`): a scheduling point, then `read`,
    /// then an event saying whether it found the object complete (which orders it after the
    /// initialiser) or not (which the reduction must still see as a read).
    pub(super) fn look<R>(
        &self,
        site: Site,
        read: impl FnOnce() -> R,
        complete: impl FnOnce(&R) -> bool,
    ) -> R {
        let id = self.id();
        api::point(site, false);
        let value = read();
        let op = if complete(&value) {
            Op::OnceComplete
        } else {
            Op::Observe
        };
        api::emit(Some(id), op, site);
        value
    }

    /// Stores `value`, which a model thread's initialiser computed, into `cell`, the std cell
    /// of a `kind` (`OnceLock`, `LazyLock`) this object models.
    ///
    /// # Panics
    /// If something outside the model filled the cell meanwhile: the object was created
    /// outside the model, which the message says.
    pub(super) fn store_initialised<T>(&self, cell: &std::sync::OnceLock<T>, value: T, kind: &str) {
        if cell.set(value).is_err() {
            panic!(
                "conc-check: the {kind} created at {} was initialised outside the model while a \
                 model thread initialised it; objects used in a model must be created inside it",
                self.site()
            );
        }
    }

    /// Where the object was created.
    pub(super) fn site(&self) -> Site {
        self.slot.site()
    }

    /// Runs `f` on this execution's phase. The std guard is dropped before this returns: `f`
    /// must not call the engine.
    fn with_phase<R>(&self, f: impl FnOnce(&mut Phase) -> R) -> R {
        let generation = api::generation();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.generation != generation {
            *state = ModelState {
                generation,
                phase: Phase::Idle,
            };
        }
        f(&mut state.phase)
    }

    /// After the operation's scheduling point: returns once the object is complete, or the
    /// caller is to run the initialiser, blocking while another thread runs one. `force`: a
    /// poisoned object may be initialised again (otherwise [`Claim::Poisoned`]).
    pub(super) fn claim(
        &self,
        id: ObjectId,
        site: Site,
        force: bool,
        complete: impl Fn() -> bool,
    ) -> Claim {
        loop {
            if complete() {
                return Claim::Complete;
            }
            let claim = self.with_phase(|phase| match *phase {
                Phase::Idle => {
                    *phase = Phase::Running;
                    Some(Claim::Run { poisoned: false })
                }
                Phase::Poisoned if force => {
                    *phase = Phase::Running;
                    Some(Claim::Run { poisoned: true })
                }
                Phase::Poisoned => Some(Claim::Poisoned),
                Phase::Running => None,
            });
            match claim {
                Some(claim @ Claim::Run { .. }) => {
                    // Which thread runs the initialiser is a race the search must see.
                    api::emit(Some(id), Op::Update, site);
                    return claim;
                }
                Some(claim) => return claim,
                None => {
                    api::block(WaitFor::Once(id), false, site);
                }
            }
        }
    }

    /// After the operation's scheduling point: blocks until the object is complete. `Err` when
    /// it is poisoned and `force` is false.
    pub(super) fn wait(
        &self,
        id: ObjectId,
        site: Site,
        force: bool,
        complete: impl Fn() -> bool,
    ) -> Result<(), ()> {
        loop {
            if complete() {
                return Ok(());
            }
            if !force && self.with_phase(|phase| *phase == Phase::Poisoned) {
                return Err(());
            }
            api::block(WaitFor::Once(id), false, site);
        }
    }

    /// The initialiser run the caller claimed. Dropping it without [`ModelRun::complete`]
    /// (the initialiser panicked) poisons the object and wakes the waiters.
    pub(super) fn run(&self, id: ObjectId, site: Site) -> ModelRun<'_> {
        ModelRun {
            model: self,
            id,
            site,
        }
    }

    /// Ends a run: the phase becomes `poisoned` or idle, and the waiters wake.
    fn end_run(&self, id: ObjectId, poisoned: bool) {
        if !api::in_model() {
            return;
        }
        self.with_phase(|phase| {
            *phase = if poisoned {
                Phase::Poisoned
            } else {
                Phase::Idle
            };
        });
        api::wake(id, true);
    }
}

/// A claimed initialiser run inside a model; see [`OnceModel::run`].
pub(super) struct ModelRun<'a> {
    model: &'a OnceModel,
    id: ObjectId,
    site: Site,
}

impl ModelRun<'_> {
    /// The initialiser finished and its result is in the real storage: wakes the waiters and
    /// records the completion.
    pub(super) fn complete(self) {
        let (model, id, site) = (self.model, self.id, self.site);
        std::mem::forget(self);
        model.end_run(id, false);
        if api::in_model() {
            api::emit(Some(id), Op::OnceComplete, site);
        }
    }
}

impl Drop for ModelRun<'_> {
    fn drop(&mut self) {
        self.model.end_run(self.id, true);
    }
}

/// Lets real threads wait for a once-style object to complete (std's own `wait` methods are
/// newer than this crate's minimum Rust version).
pub(super) struct Signal {
    lock: std::sync::Mutex<()>,
    cond: std::sync::Condvar,
}

impl Signal {
    pub(super) const fn new() -> Signal {
        Signal {
            lock: std::sync::Mutex::new(()),
            cond: std::sync::Condvar::new(),
        }
    }

    /// Wakes every real thread in [`Signal::wait_until`]; call after the state they wait for
    /// changed.
    pub(super) fn notify(&self) {
        let _guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        self.cond.notify_all();
    }

    /// Blocks until `done` returns true; it is checked under the signal's lock, so a change
    /// followed by [`Signal::notify`] is never missed.
    pub(super) fn wait_until(&self, done: impl Fn() -> bool) {
        let mut guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        while !done() {
            guard = self
                .cond
                .wait(guard)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}
