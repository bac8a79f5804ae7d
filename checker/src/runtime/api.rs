//! What the shim calls from inside model threads.
//!
//! Every function here is a scheduling point or records an event (or both). The shim checks
//! [`in_model`] first and uses real std primitives when it is false.

use std::any::Any;
use std::sync::{Arc, Weak};

use corosensei::Yielder;

use super::body::Body;
use super::context::{self, with};
use super::execution::{Execution, ThreadState};
use super::pending_future::{registration_stack, PendingFuture};
use crate::detector::panic::{blocked_while_unwinding, panic_finding, PanicRecord};
use crate::event::{LockMode, ObjectId, Op, Site, ThreadId, WaitFor, WakeReason};

/// True when the caller runs inside a model thread.
#[inline]
pub fn in_model() -> bool {
    context::in_model_thread()
}

/// What the current model thread does after a scheduling decision.
enum Then {
    /// It was chosen again: it goes on.
    GoOn,
    /// Another thread runs next: the current one suspends on its yielder.
    Suspend(*const Yielder<(), ()>),
    /// The execution is over: the current one suspends for good.
    Abandon(*const Yielder<(), ()>),
}

/// The [`Then`] of the decision `next` (a thread, or `None` when the execution is over), worked
/// out inside the execution's borrow that took the decision, so that a scheduling point borrows
/// the execution once.
fn then(e: &mut Execution, next: Option<ThreadId>) -> Then {
    match next {
        Some(t) if t == e.current => Then::GoOn,
        Some(t) => {
            e.next = Some(t);
            Then::Suspend(e.thread(e.current).yielder)
        }
        None => Then::Abandon(abandoning(e)),
    }
}

/// Ends the execution from the current thread, inside the execution's borrow; returns the
/// yielder it then suspends on for good.
fn abandoning(e: &mut Execution) -> *const Yielder<(), ()> {
    e.next = None;
    e.thread(e.current).yielder
}

/// Suspends the current coroutine on `yielder` for good: the scheduler will not resume it.
fn suspend_for_good(yielder: *const Yielder<(), ()>) -> ! {
    loop {
        // SAFETY: the yielder belongs to the running coroutine (set when it started) and lives
        // on its stack for as long as the coroutine runs.
        unsafe { (*yielder).suspend(()) }
    }
}

/// Does what [`then`] decided, outside the execution's borrow.
fn follow(then: Then) {
    match then {
        Then::GoOn => {}
        // SAFETY: the yielder belongs to the running coroutine (set when it started) and lives
        // on its stack for as long as the coroutine runs.
        Then::Suspend(yielder) => unsafe { (*yielder).suspend(()) },
        Then::Abandon(yielder) => suspend_for_good(yielder),
    }
}

/// Ends the execution: the current thread is never resumed.
pub(crate) fn abandon() -> ! {
    suspend_for_good(with(abandoning))
}

/// Whether the current model thread is unwinding from a panic. While it is, operations run
/// without switching threads: the OS thread's panic state belongs to this coroutine.
fn unwinding() -> bool {
    std::thread::panicking()
}

/// A scheduling point: the strategy may switch to another thread here. `yielded` says the
/// thread asked to let others run.
pub fn point(site: Site, yielded: bool) {
    if unwinding() {
        return;
    }
    follow(with(|e| {
        let me = e.current;
        let slot = e.thread(me);
        slot.at = Some(site);
        if slot.panic.is_some() {
            // The thread caught its panic and went on.
            slot.panic = None;
        }
        let next = e.pick_next(Some(me), yielded);
        then(e, next)
    }));
}

/// Records an event of the current thread; ends the execution if a detector says it cannot
/// go on.
pub fn emit(object: Option<ObjectId>, op: Op, site: Site) {
    if with(|e| {
        e.emit(object, op, site);
        e.fatal
    }) {
        abandon();
    }
}

/// Blocks the current thread on `wait` until another thread wakes it (or, when `timeout`, until
/// the scheduler lets the timeout fire). Returns why it woke.
pub fn block(wait: WaitFor, timeout: bool, site: Site) -> WakeReason {
    follow(with(|e| {
        let me = e.current;
        if unwinding() {
            // A `Drop` that blocks while the thread unwinds: the panic is the finding.
            let record = e.thread(me).panic.clone().unwrap_or(PanicRecord {
                message: "panic".into(),
                location: None,
            });
            let mut finding = panic_finding(me, &record, &e.names());
            let what = describe_wait(wait, |o| e.objects[o.index()].kind.type_name());
            blocked_while_unwinding(&mut finding, me, site, &what);
            e.fail(finding);
            e.tainted = true;
            return then(e, None);
        }
        e.block_current(wait, timeout);
        e.emit(None, Op::Block { wait }, site);
        let next = e.pick_next(None, false);
        then(e, next)
    }));
    with(|e| {
        let me = e.current;
        e.thread(me).wake
    })
}

fn describe_wait(wait: WaitFor, kind: impl Fn(ObjectId) -> &'static str) -> String {
    match wait {
        WaitFor::Join(t) => format!("thread {t} to finish"),
        WaitFor::Park => "an unpark".to_string(),
        other => match other.object() {
            Some(o) => format!("a {} (object #{})", kind(o), o.0),
            None => format!("{other:?}"),
        },
    }
}

/// Wakes the threads blocked on `object` (the longest-waiting one unless `all`).
pub fn wake(object: ObjectId, all: bool) -> usize {
    with(|e| e.wake_waiters(object, all))
}

/// A nondeterministic choice in `0..n`, taken by the strategy and recorded in the schedule.
pub fn choose(n: u32) -> u32 {
    with(|e| e.choose(n))
}

/// The current model thread.
pub fn current() -> ThreadId {
    with(|e| e.current)
}

/// The generation of the running execution (distinguishes objects of different executions).
pub fn generation() -> u32 {
    with(|e| e.generation)
}

/// The name given to a model thread.
pub fn thread_name(t: ThreadId) -> Option<Arc<str>> {
    with(|e| e.threads.get(t.index()).and_then(|s| s.name.clone()))
}

// ---- what is explored ----

/// Turns exploring of scheduling choices on (`true`) or off for the rest of the running
/// execution, unless [`skip_branch`] turned it off for good.
pub fn set_exploring(on: bool) {
    with(|e| {
        if !e.skipping {
            e.exploring = on;
        }
    });
}

/// Stops exploring scheduling choices for the rest of the running execution, for good.
pub fn skip_branch() {
    with(|e| {
        e.exploring = false;
        e.skipping = true;
    });
}

// ---- allocations checked for leaks ----

/// Which tracked allocation of which execution a handle names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocationHandle {
    generation: u32,
    index: u32,
}

/// Records that the running thread made an allocation (`what`, e.g. "Arc", made at `site`)
/// that must be released before the execution ends: one still alive when every thread has
/// finished is a `leak` finding. Not a scheduling point.
pub fn track_allocation(what: &'static str, site: Site) -> AllocationHandle {
    with(|e| {
        let index = e.allocations.len() as u32;
        e.allocations.push(Some(crate::detector::leak::Allocation {
            what,
            site,
            thread: e.current,
        }));
        AllocationHandle {
            generation: e.generation,
            index,
        }
    })
}

/// Records that a tracked allocation was released. A handle of an earlier execution (a value
/// that outlived it, e.g. in a `static`) is ignored.
pub fn release_allocation(handle: AllocationHandle) {
    if !in_model() {
        return;
    }
    with(|e| {
        if e.generation == handle.generation {
            if let Some(slot) = e.allocations.get_mut(handle.index as usize) {
                *slot = None;
            }
        }
    });
}

// ---- threads ----

/// Starts a model thread running `body`, on a stack of `stack_size` bytes when given (else the
/// size a std thread gets).
///
/// Not a scheduling point: creating a thread touches nothing another thread can observe, so every
/// interleaving is reached from the parent's next operation.
pub fn spawn(
    body: Box<dyn FnOnce() + 'static>,
    name: Option<String>,
    stack_size: Option<usize>,
    site: Site,
) -> ThreadId {
    spawn_body(Body::Boxed(body), name, stack_size, site)
}

/// [`spawn`] for any [`Body`] (a spawned closure that shares its cell with the join handle
/// needs no box of its own).
pub(crate) fn spawn_body(
    body: Body,
    name: Option<String>,
    stack_size: Option<usize>,
    site: Site,
) -> ThreadId {
    let child = with(|e| e.spawn(body, name.map(Arc::from), stack_size));
    emit(None, Op::Spawn { child }, site);
    child
}

/// The current thread is about to poll the future it drives, whose waker `waker` refers to:
/// a fresh record of where this poll registers its waker (see `runtime::pending_future`).
pub fn future_poll(waker: Weak<dyn Any + Send + Sync>) {
    with(|e| {
        let me = e.current;
        let slot = e.thread(me);
        match &mut slot.future {
            Some(future) => future.restart(waker),
            None => slot.future = Some(Box::new(PendingFuture::new(waker))),
        }
    });
}

/// The current thread's future is pending and the thread parks until its waker is woken
/// (`parked`), or it was woken (`!parked`). For a task (`is_task`) this is also what tells a
/// detached task left pending from a deadlock (see `ThreadSlot::idle_task`).
pub fn future_parked(parked: bool, is_task: bool) {
    with(|e| {
        let me = e.current;
        if let Some(future) = &mut e.thread(me).future {
            future.between_polls = parked;
            future.task = is_task;
        }
    });
}

/// The current thread no longer drives a future.
pub fn future_finished() {
    with(|e| {
        let me = e.current;
        e.thread(me).future = None;
    });
}

/// The waker of the future thread `owner` drives is being cloned: if `owner` is the current
/// thread, polling it, the first clone of the poll records where; so does the first clone in a
/// `select!` branch's poll (see [`branch_poll`]).
pub fn waker_cloned(owner: ThreadId) {
    let (for_future, for_branch) = with(|e| {
        let me = e.current;
        let slot = &e.threads[me.index()];
        let for_future =
            me == owner && slot.future.as_ref().is_some_and(|f| f.wants_registration());
        let for_branch = slot.branch_poll.as_ref().is_some_and(Vec::is_empty);
        (for_future, for_branch)
    });
    if !(for_future || for_branch) {
        return;
    }
    let stack = registration_stack();
    with(|e| {
        let me = e.current;
        let slot = e.thread(me);
        if for_branch {
            slot.branch_poll = Some(stack.clone());
        }
        if let (true, Some(future)) = (for_future, &mut slot.future) {
            future.registered(stack);
        }
    });
}

/// A `select!` starts (`begin`) or ends polling one of its branches on the current thread; the
/// end gives where the branch first cloned a waker in that poll, if it did.
pub fn branch_poll(begin: bool) -> Option<Vec<usize>> {
    with(|e| {
        let me = e.current;
        let slot = e.thread(me);
        if begin {
            slot.branch_poll = Some(Vec::new());
            None
        } else {
            slot.branch_poll.take().filter(|stack| !stack.is_empty())
        }
    })
}

/// `by` (a `select!`, a `timeout`) at `site` dropped a future that was pending where
/// `pending_at` says (see `runtime::cancellation`).
pub fn cancelled(by: &'static str, site: Site, pending_at: Vec<usize>) {
    with(|e| {
        let me = e.current;
        e.cancellations.record(me, by, site, pending_at);
    });
}

/// The future the current thread polls waits for `wait` (a task's end, an async lock, a
/// message…), at `site` when the primitive knows its caller's line (else where the future
/// registered its waker is named). The first such wait of a poll is kept.
pub fn future_waits(wait: WaitFor, site: Option<Site>) {
    with(|e| {
        let me = e.current;
        if let Some(future) = &mut e.thread(me).future {
            future.waits(wait, site);
        }
    });
}

/// Marks thread `t` as running an async task whose handle was dropped.
pub fn detach_task(t: ThreadId) {
    with(|e| {
        if let Some(slot) = e.threads.get_mut(t.index()) {
            slot.detached_task = true;
        }
    });
}

/// Whether model thread `t` has finished.
pub fn is_finished(t: ThreadId) -> bool {
    with(|e| {
        matches!(
            e.threads.get(t.index()).map(|s| s.state),
            Some(ThreadState::Finished)
        )
    })
}

/// Waits for model thread `t` to finish. Returns the payload of its panic if it panicked and
/// this is the first join to ask (std hands the payload to the joiner, whose business it then
/// is: a panic that somebody joined is not a finding, unless the joiner panics in turn).
///
/// Not a scheduling point of its own: joining a finished thread commutes with every other
/// operation, and joining a running one blocks, which lets the others run.
pub fn join(t: ThreadId, site: Site) -> Option<Box<dyn Any + Send>> {
    while !is_finished(t) {
        block(WaitFor::Join(t), false, site);
    }
    let payload = with(|e| {
        let me = e.current;
        let panicked = e.threads.get_mut(t.index())?.panicked.as_mut()?;
        panicked.joined = true;
        let record = panicked.record.clone();
        let payload = panicked.payload.take();
        e.thread(me).joined_panic = Some(Box::new((t, record)));
        payload
    });
    emit(None, Op::Join { target: t }, site);
    payload
}

/// `yield_now`, `spin_loop` and `sleep`: let other threads run.
///
/// When the yield ends a spin-loop iteration that repeated the one before it unchanged, the
/// thread then waits for another thread to write what the loop reads (see `runtime::spin`).
pub fn yield_now(site: Site) {
    point(site, true);
    emit(None, Op::Yield, site);
    if with(|e| e.take_spin_wait()) {
        block(WaitFor::Spin, false, site);
    }
}

/// `park` / `park_timeout`: waits for the thread's unpark token.
pub fn park(timeout: bool, site: Site) -> WakeReason {
    point(site, false);
    let reason = loop {
        if with(|e| std::mem::take(&mut e.thread(e.current).unpark_token)) {
            break WakeReason::Notified;
        }
        match block(WaitFor::Park, timeout, site) {
            WakeReason::Notified => continue,
            other => break other,
        }
    };
    emit(None, Op::Parked, site);
    reason
}

/// `Thread::unpark`: gives `target` its token and wakes it if parked.
pub fn unpark(target: ThreadId, site: Site) {
    point(site, false);
    with(|e| {
        if let Some(slot) = e.threads.get_mut(target.index()) {
            slot.unpark_token = true;
            if let ThreadState::Blocked(b) = slot.state {
                if b.wait == WaitFor::Park {
                    e.wake(target, WakeReason::Notified);
                }
            }
        }
    });
    emit(None, Op::Unpark { target }, site);
}

/// Runs `f` on the current model thread's value of the thread-local `key`, creating it with
/// `init` on first use.
pub fn with_local<T: 'static, R>(
    key: usize,
    init: impl FnOnce() -> T,
    f: impl FnOnce(&T) -> R,
) -> R {
    let find = || {
        with(|e| {
            let me = e.current;
            e.thread(me)
                .locals
                .iter()
                .find(|(k, _)| *k == key)
                .and_then(|(_, v)| v.downcast_ref::<T>())
                .map(|v| v as *const T)
        })
    };
    let ptr = match find() {
        Some(p) => p,
        None => {
            // Run the initialiser without the execution borrowed: it may use the shim.
            let value: Box<dyn Any> = Box::new(init());
            with(|e| {
                let me = e.current;
                e.thread(me).locals.push((key, value));
            });
            find().expect("just inserted")
        }
    };
    // SAFETY: the value is boxed and only dropped when its thread finishes, after `f` returned.
    f(unsafe { &*ptr })
}

// ---- locks ----

/// Acquires a lock, blocking while it is unavailable.
pub fn lock(object: ObjectId, mode: LockMode, site: Site) {
    point(site, false);
    acquire(object, mode, site);
}

/// The blocking part of [`lock`], without the scheduling point.
fn acquire(object: ObjectId, mode: LockMode, site: Site) {
    let mut waited = false;
    loop {
        let got = with(|e| {
            if e.lock_available(object, mode) {
                if waited && mode == LockMode::Exclusive {
                    e.objects[object.index()].writers_waiting -= 1;
                }
                e.take_lock(object, mode);
                e.emit(
                    Some(object),
                    Op::Acquire {
                        mode,
                        try_lock: false,
                    },
                    site,
                );
                Some(e.fatal)
            } else {
                None
            }
        });
        match got {
            Some(false) => return,
            Some(true) => abandon(),
            None => {
                if !waited && mode == LockMode::Exclusive {
                    with(|e| e.objects[object.index()].writers_waiting += 1);
                }
                waited = true;
                block(WaitFor::Lock(object, mode), false, site);
            }
        }
    }
}

/// Tries to acquire a lock without blocking.
pub fn try_lock(object: ObjectId, mode: LockMode, site: Site) -> bool {
    take_if_free(object, mode, site, true)
}

/// A scheduling point, then takes `object` in `mode` if it is free (an `Acquire` event, marked
/// as a `try_lock` when `try_lock`) or records the failed attempt.
fn take_if_free(object: ObjectId, mode: LockMode, site: Site, try_lock: bool) -> bool {
    point(site, false);
    with(|e| {
        let available = e.lock_available(object, mode);
        if available {
            e.take_lock(object, mode);
            e.emit(Some(object), Op::Acquire { mode, try_lock }, site);
        } else {
            e.emit(Some(object), Op::TryLockFailed { mode }, site);
        }
        available
    })
}

/// An async lock's attempt to acquire `object` in `mode` from a poll: a scheduling point that
/// takes the lock if it is free (an ordinary acquisition, as far as the detectors go: the
/// future waits for it, so it can be part of a lock-order cycle) or records a failed attempt.
pub fn poll_lock(object: ObjectId, mode: LockMode, site: Site) -> bool {
    take_if_free(object, mode, site, false)
}

/// Releases a lock and wakes its waiters.
pub fn unlock(object: ObjectId, mode: LockMode, site: Site) {
    point(site, false);
    with(|e| {
        e.release_lock(object, mode);
        e.emit(Some(object), Op::Release { mode }, site);
        e.wake_waiters(object, true);
    });
}

/// `Condvar::wait*`: releases `mutex`, waits for a notification on `condvar` (or a timeout, or
/// a spurious wakeup), and re-acquires `mutex`.
pub fn condvar_wait(condvar: ObjectId, mutex: ObjectId, timeout: bool, site: Site) -> WakeReason {
    point(site, false);
    with(|e| {
        e.release_lock(mutex, LockMode::Exclusive);
        e.emit(
            Some(mutex),
            Op::Release {
                mode: LockMode::Exclusive,
            },
            site,
        );
        e.wake_waiters(mutex, true);
    });
    let reason = block(WaitFor::Condvar(condvar), timeout, site);
    acquire(mutex, LockMode::Exclusive, site);
    reason
}

/// `Condvar::notify_one` / `notify_all`.
pub fn condvar_notify(condvar: ObjectId, all: bool, site: Site) {
    point(site, false);
    with(|e| {
        e.wake_waiters(condvar, all);
        e.emit(Some(condvar), Op::Notify { all }, site);
    });
}

/// Whether the current model thread is unwinding from a panic (`thread::panicking`).
pub fn panicking() -> bool {
    unwinding()
}

/// Called by the coroutine body when the thread's closure returned or panicked.
///
/// A panic of the main thread ends the execution with a `panic` finding. Another thread's panic
/// ends only that thread, as in std: its payload waits for whoever joins it, and it becomes a
/// finding only if nobody does (see [`super::explorer`]) or the joiner panics in turn.
pub(crate) fn finish_thread(result: std::thread::Result<()>) {
    if let Err(payload) = result {
        record_panic(payload);
    }
    // Destroy thread-locals while the thread can still use the shim.
    loop {
        let locals = with(|e| std::mem::take(&mut e.thread(e.current).locals));
        if locals.is_empty() {
            break;
        }
        if let Err(payload) =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(locals)))
        {
            record_panic(payload);
        }
    }
    with(|e| {
        let me = e.current;
        e.thread(me).state = ThreadState::Finished;
        e.emit(None, Op::Exit, crate::event::internal_site());
        e.wake_joiners(me);
        e.next = e.pick_next(None, false);
    });
}

/// A panic escaped the current thread's closure (or a thread-local's destructor). The main
/// thread's panic ends the execution; another thread keeps its first panic for the joiner.
fn record_panic(payload: Box<dyn Any + Send>) {
    let main = with(|e| {
        let me = e.current;
        let record = e.thread(me).panic.take().unwrap_or_else(|| PanicRecord {
            message: payload_message(&*payload),
            location: None,
        });
        if me == ThreadId::MAIN {
            let joined = e.thread(me).joined_panic.clone();
            let finding = crate::detector::panic::joined_panic_finding(
                me,
                &record,
                joined.as_deref(),
                &e.names(),
            );
            e.fail(finding);
            return true;
        }
        if e.thread(me).panicked.is_none() {
            e.thread(me).panicked = Some(Box::new(super::execution::Panicked {
                record,
                payload: None,
                joined: false,
            }));
        }
        false
    });
    if main {
        // The payload may have a Drop of its own; leaking it keeps the tool out of user code.
        std::mem::forget(payload);
        abandon();
    }
    with(|e| {
        let me = e.current;
        if let Some(p) = e.thread(me).panicked.as_mut() {
            if p.payload.is_none() {
                p.payload = Some(payload);
                return;
            }
        }
        // A second panic of the same thread (a thread-local's destructor): the first one is
        // what the joiner gets; this payload is leaked rather than dropped in the engine.
        std::mem::forget(payload);
    });
}

/// The message of a panic payload (`&str` or `String`).
pub(crate) fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "Box<dyn Any>".to_string()
    }
}
