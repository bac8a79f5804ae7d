//! The state of one execution: threads, lock states, decisions and findings.
//!
//! Everything here runs with the execution borrowed and never switches threads; switching is
//! done by [`super::api`] once the borrow is released.

use std::any::Any;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use corosensei::Yielder;

use super::beacon::Beacon;
use super::body::Body;
use super::cancellation::Cancellations;
use super::fairness::Fairness;
use super::lasso::LassoReplay;
use super::pending_future::PendingFuture;
use super::spin::{SpinWatch, Verdict};
use crate::config::Config;
use crate::describe::PendingAwait;
use crate::detector::panic::PanicRecord;
use crate::detector::Detectors;
use crate::detector::Scene;
use crate::event::{
    Event, LockMode, ObjectId, ObjectKind, Op, Site, ThreadId, WaitFor, WakeReason,
};
use crate::report::{Finding, FindingKind};
use crate::schedule::Decision;
use crate::strategy::{Strategy, ThreadChoice};

/// Spurious wakeups one execution may contain, so that a `while` loop around a wait terminates.
const SPURIOUS_BUDGET: u32 = 2;

/// Execution generations start at 1 so that a zeroed [`super::ObjectSlot`] never matches.
static GENERATION: AtomicU32 = AtomicU32::new(1);

/// Why a thread cannot run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Blocked {
    pub wait: WaitFor,
    /// The wait can end by timing out (virtual time: whenever the scheduler picks it).
    pub timeout: bool,
    /// The wait may end spuriously.
    pub spurious: bool,
    /// Order of blocking, for first-in-first-out notification.
    pub seq: u64,
}

/// Where a thread stands.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ThreadState {
    Runnable,
    Blocked(Blocked),
    Finished,
}

thread_local! {
    /// The main thread's name, shared by every execution on this OS thread rather than
    /// allocated for each.
    static MAIN_NAME: Arc<str> = Arc::from("main");
}

/// One model thread.
pub(crate) struct ThreadSlot {
    pub state: ThreadState,
    pub name: Option<Arc<str>>,
    /// The closure, until the thread first runs.
    pub body: Option<Body>,
    /// Set when the thread first runs; used to suspend it.
    pub yielder: *const Yielder<(), ()>,
    /// Why the thread last woke.
    pub wake: WakeReason,
    pub unpark_token: bool,
    /// Values of `thread_local!` keys, by key address.
    pub locals: Vec<(usize, Box<dyn Any>)>,
    /// The panic the thread is unwinding from, if any.
    pub panic: Option<PanicRecord>,
    /// The stack size asked for with `thread::Builder::stack_size`.
    pub stack_size: Option<usize>,
    /// The thread ended by panicking: what it panicked with, for whoever joins it (boxed: rare,
    /// and thread slots are copied around on every spawn).
    pub panicked: Option<Box<Panicked>>,
    /// The last panicked thread this thread joined, to explain a panic that unwraps its result.
    pub joined_panic: Option<Box<(ThreadId, PanicRecord)>>,
    /// The operation the thread is at (its last scheduling point), to say where a suspended
    /// thread stopped.
    pub at: Option<Site>,
    /// The atomic whose `compare_exchange_weak` by this thread last failed spuriously: the
    /// next attempt on it does not (so a retry loop ends).
    pub spurious_cas: Option<ObjectId>,
    /// The loads (atomic, line, and whether a failed compare-exchange) of this thread that
    /// read a store older than the latest and have not been repeated since: repeating one
    /// reads the latest store (eventual visibility, see `runtime::atomics`).
    pub stale_loads: Vec<(ObjectId, Site, bool)>,
    /// While the thread waits on [`WaitFor::Spin`]: the objects its spin loop reads, a write
    /// to any of which wakes it.
    pub spin_reads: Vec<ObjectId>,
    /// The thread runs an async task (`conc_check::future::spawn`) whose handle was dropped.
    pub detached_task: bool,
    /// The future the thread drives (`conc_check::future`), while it does: where it last
    /// registered its waker, for a deadlock report.
    pub future: Option<Box<PendingFuture>>,
    /// While a `select!` polls one of its branches: where the branch first cloned a waker in
    /// this poll (empty until it does), see `runtime::cancellation`.
    pub branch_poll: Option<Vec<usize>>,
}

/// How a thread that panicked ended, until someone joins it.
pub(crate) struct Panicked {
    pub record: PanicRecord,
    /// The payload, until a join takes it (std hands it to the joiner).
    pub payload: Option<Box<dyn Any + Send>>,
    /// Someone joined the thread: its panic is theirs to handle, not a finding.
    pub joined: bool,
}

impl ThreadSlot {
    /// Whether the thread runs an async task that is parked between polls, waiting for a wake
    /// (not blocked inside a poll). A detached task left idle once the main thread has finished
    /// and nothing else can run is still pending, which is no deadlock (the execution ends
    /// there).
    pub(crate) fn idle_task(&self) -> bool {
        self.future
            .as_ref()
            .is_some_and(|f| f.task && f.between_polls)
    }

    fn new(body: Body, name: Option<Arc<str>>) -> Self {
        ThreadSlot {
            state: ThreadState::Runnable,
            name,
            body: Some(body),
            yielder: std::ptr::null(),
            wake: WakeReason::Notified,
            unpark_token: false,
            locals: Vec::new(),
            panic: None,
            stack_size: None,
            panicked: None,
            joined_panic: None,
            at: None,
            spurious_cas: None,
            stale_loads: Vec::new(),
            spin_reads: Vec::new(),
            detached_task: false,
            future: None,
            branch_poll: None,
        }
    }
}

/// Model state of one object.
pub(crate) struct ObjectState {
    pub kind: ObjectKind,
    /// Where it was created (its first use in the execution, for an object that outlives
    /// executions).
    pub site: Site,
    pub writer: Option<ThreadId>,
    pub readers: Vec<ThreadId>,
    /// Threads waiting to take the lock exclusively: from their first failed attempt until they
    /// get it, whether blocked or woken and not yet run (a woken writer still keeps new readers
    /// out, as std's writer-preferring `RwLock` does).
    pub writers_waiting: u32,
    /// Atomics: the object's location in the execution's memory, once it was accessed.
    pub location: Option<crate::memory::Location>,
}

/// One execution, and what persists from one to the next (the strategy, buffers).
pub(crate) struct Execution {
    pub threads: Vec<ThreadSlot>,
    pub objects: Vec<ObjectState>,
    /// The atomics' stores and what each thread has seen of them.
    pub memory: crate::memory::Memory,
    pub current: ThreadId,
    /// The thread to resume when the running one suspends; `None` ends the execution.
    pub next: Option<ThreadId>,
    pub strategy: Box<dyn Strategy>,
    pub decisions: Vec<Decision>,
    pub trace: Vec<Event>,
    pub steps: u64,
    pub max_steps: u64,
    pub spurious_wakeups: bool,
    /// Atomics are sequentially consistent (`MemoryModel::SeqCst`): every access reads the
    /// latest store.
    pub seq_cst_memory: bool,
    /// The loads of this execution that read an older store than the latest: the index of
    /// the load's event in `trace`, and the store that was latest then.
    pub weak_reads: Vec<(usize, crate::event::StoreId)>,
    /// Atomics that are the reference count of a front end's pointer type (the loom facade's
    /// `Arc`), with that type's name: the interleaving says "clones Arc `a`" for their steps.
    pub reference_counts: Vec<(ObjectId, &'static str)>,
    /// Reused for handing the stores the memory forgot to happens-before.
    pub forgotten_stores: Vec<crate::event::StoreId>,
    spurious_left: u32,
    pub detectors: Detectors,
    pub findings: Vec<Finding>,
    /// Futures a `select!` dropped while pending in this execution.
    pub cancellations: Cancellations,
    /// The logarithm of the product of the numbers of alternatives at this execution's
    /// choices: a probe's weight in Knuth's estimator (`runtime::space_estimate`), kept only
    /// while `weighing` (probes), to keep the logarithm off every other execution's choices.
    pub tree_weight: f64,
    /// The executions are probes of Knuth's estimator.
    pub weighing: bool,
    /// Preemptions in this execution, as a preemption bound counts them
    /// (`ThreadChoice::is_preemption`).
    pub preemptions: u32,
    /// A finding ended the execution: no thread may run any more.
    pub fatal: bool,
    /// A coroutine was abandoned inside the panic machinery: this OS thread must not run user
    /// code again.
    pub tainted: bool,
    pub generation: u32,
    block_seq: u64,
    enabled: Vec<ThreadId>,
    /// Hides spinning threads from the strategy until the others moved.
    fairness: Fairness,
    /// Which yield-spinning loops repeat unchanged.
    spin: SpinWatch,
    /// The running thread's last yield ended an unchanged iteration: it is to wait for a write
    /// to one of its `spin_reads` ([`Execution::take_spin_wait`]).
    spin_wait: bool,
    /// Threads waiting on [`WaitFor::Spin`].
    spinners: usize,
    /// What the watcher of this exploration sees, and its request to stop.
    pub beacon: Arc<Beacon>,
    /// The watcher asked to stop (time budget): the execution was cut short, no finding.
    pub stopped: bool,
    /// The test running the exploration, as libtest names it.
    pub test: Option<Arc<str>>,
    /// Executions started so far in this exploration.
    pub executions: u64,
    /// A round that brought the shared state back, being replayed to confirm a livelock or
    /// starvation: it makes the scheduling choices meanwhile.
    lasso: Option<LassoReplay>,
    /// Scheduling choices are explored (the default). While false (loom's `stop_exploring`),
    /// every choice takes its default and none is offered to the strategy.
    pub exploring: bool,
    /// Whether the strategy follows the execution's events and steps
    /// ([`Strategy::follows_execution`]), asked at each reset.
    pub(crate) following: bool,
    /// Exploring was stopped for the rest of the execution (loom's `skip_branch`).
    pub skipping: bool,
    /// Allocations a front end asked to have checked for leaks ([`super::api::track_allocation`]),
    /// by handle; `None` once released.
    pub allocations: Vec<Option<crate::detector::leak::Allocation>>,
}

impl Execution {
    pub(crate) fn new(config: &Config, strategy: Box<dyn Strategy>, beacon: Arc<Beacon>) -> Self {
        Execution {
            threads: Vec::new(),
            objects: Vec::new(),
            memory: crate::memory::Memory::new(),
            current: ThreadId::MAIN,
            next: None,
            strategy,
            decisions: Vec::new(),
            trace: Vec::new(),
            steps: 0,
            max_steps: config.max_steps,
            spurious_wakeups: config.spurious_wakeups,
            seq_cst_memory: config.memory_model == crate::config::MemoryModel::SeqCst,
            weak_reads: Vec::new(),
            reference_counts: Vec::new(),
            forgotten_stores: Vec::new(),
            spurious_left: 0,
            detectors: Detectors::from_config(config),
            findings: Vec::new(),
            cancellations: Cancellations::default(),
            tree_weight: 0.0,
            weighing: false,
            preemptions: 0,
            fatal: false,
            tainted: false,
            generation: 0,
            block_seq: 0,
            enabled: Vec::new(),
            fairness: Fairness::default(),
            spin: SpinWatch::default(),
            spin_wait: false,
            spinners: 0,
            beacon,
            stopped: false,
            test: None,
            executions: 0,
            allocations: Vec::new(),
            exploring: true,
            following: true,
            lasso: None,
            skipping: false,
        }
    }

    /// Prepares a fresh execution whose main thread runs `body`.
    pub(crate) fn reset(&mut self, body: Body) {
        self.threads.clear();
        self.objects.clear();
        self.memory.clear();
        self.decisions.clear();
        self.trace.clear();
        self.weak_reads.clear();
        self.reference_counts.clear();
        self.findings.clear();
        self.cancellations.clear();
        self.tree_weight = 0.0;
        self.preemptions = 0;
        self.detectors.reset();
        self.fairness.reset();
        self.spin.reset();
        self.spin_wait = false;
        self.spinners = 0;
        self.steps = 0;
        self.fatal = false;
        self.stopped = false;
        self.block_seq = 0;
        self.spurious_left = SPURIOUS_BUDGET;
        self.allocations.clear();
        self.exploring = true;
        self.following = self.strategy.follows_execution();
        self.lasso = None;
        self.skipping = false;
        self.generation = GENERATION.fetch_add(1, Ordering::Relaxed).max(1);
        self.threads
            .push(ThreadSlot::new(body, Some(MAIN_NAME.with(Arc::clone))));
        self.current = ThreadId::MAIN;
        self.next = Some(ThreadId::MAIN);
    }

    pub(crate) fn thread(&mut self, t: ThreadId) -> &mut ThreadSlot {
        &mut self.threads[t.index()]
    }

    /// Registers a new object of this execution.
    pub(crate) fn register(&mut self, kind: ObjectKind, site: Site) -> ObjectId {
        let id = ObjectId(self.objects.len() as u32);
        self.objects.push(ObjectState {
            kind,
            site,
            writer: None,
            readers: Vec::new(),
            writers_waiting: 0,
            location: None,
        });
        self.emit(Some(id), Op::Create { kind }, site);
        id
    }

    /// Adds a thread; it becomes runnable at once.
    pub(crate) fn spawn(
        &mut self,
        body: Body,
        name: Option<Arc<str>>,
        stack_size: Option<usize>,
    ) -> ThreadId {
        let id = ThreadId(self.threads.len() as u32);
        let mut slot = ThreadSlot::new(body, name);
        slot.stack_size = stack_size;
        self.threads.push(slot);
        id
    }

    /// Records an event by the current thread and feeds it to the detectors. A finding that
    /// makes the execution unable to go on sets `fatal`.
    pub(crate) fn emit(&mut self, object: Option<ObjectId>, op: Op, site: Site) {
        let event = Event {
            thread: self.current,
            object,
            op,
            site,
        };
        self.trace.push(event);
        self.stay_on_lasso(event.thread);
        if self.following {
            self.strategy.observe(&event);
        }
        let names = Names::of(&self.threads, &self.objects);
        let before = self.findings.len();
        self.detectors.on_event(&event, &names, &mut self.findings);
        self.fatal |= self.findings[before..]
            .iter()
            .any(|f| f.kind.ends_execution());
        if self.lasso.is_some() && !self.detectors.lasso().confirming() {
            // Confirmed or rejected with this step: the choices go back to the strategy.
            self.lasso = None;
        }
        self.start_lasso();
        self.fairness.on_event(&event, self.detectors.last_step());
        if matches!(event.op, Op::Yield) {
            match self.spin.on_yield(&self.trace, stale_in(&self.weak_reads)) {
                Verdict::Hint => {}
                Verdict::Hide => self.fairness.hide(event.thread),
                Verdict::Await(objects) => {
                    self.thread(event.thread).spin_reads = objects;
                    self.spin_wait = true;
                }
            }
        }
        if self.spinners > 0 && event.op.access() == crate::event::Access::Write {
            if let Some(object) = event.object {
                self.wake_spinners(|slot| slot.spin_reads.contains(&object));
            }
        }
    }

    /// Keeps a lasso replay on course with a step of `thread`, before the detectors see it (so
    /// that a round is known to be fair before it confirms anything); ends the replay when the
    /// step strays from the round, the round was not fair, or the step limit comes near.
    /// (`emit` ends it too once the confirmation is over.)
    fn stay_on_lasso(&mut self, thread: ThreadId) {
        let Some(replay) = &mut self.lasso else {
            return;
        };
        if !replay.stepped(thread) || !replay.leaves_room(self.steps, self.max_steps) {
            self.detectors.lasso().abandon();
            self.lasso = None;
        }
    }

    /// Starts replaying a candidate the livelock detector just found, when the strategy lets
    /// the replay take the choices and the step limit leaves room for it.
    fn start_lasso(&mut self) {
        if self.lasso.is_some() {
            return;
        }
        let Some(threads) = self.detectors.lasso().candidate() else {
            return;
        };
        let replay = LassoReplay::new(threads);
        let room = replay.fits(self.steps, self.max_steps);
        let steer = room && self.exploring && !self.fatal && self.step() && {
            let steer = self.strategy.steer_lasso();
            self.record(Decision::Value(steer as u32));
            steer
        };
        self.detectors.lasso().steered(steer);
        if steer {
            self.lasso = Some(replay);
        }
    }

    /// Whether `thread`, at the yield it reached, would wait for a write if it went on now.
    fn yield_would_wait(&mut self, thread: ThreadId) -> bool {
        let Some(site) = self.threads[thread.index()].at else {
            return false;
        };
        self.spin
            .would_wait(&self.trace, thread, site, stale_in(&self.weak_reads))
    }

    /// Whether the running thread's last yield ended an unchanged iteration, so that it is
    /// to wait on [`WaitFor::Spin`] for a write to one of its `spin_reads`.
    pub(crate) fn take_spin_wait(&mut self) -> bool {
        std::mem::take(&mut self.spin_wait)
    }

    /// Wakes the threads waiting on [`WaitFor::Spin`] that `which` selects.
    fn wake_spinners(&mut self, which: impl Fn(&ThreadSlot) -> bool) {
        for i in 0..self.threads.len() {
            let slot = &self.threads[i];
            if matches!(slot.state, ThreadState::Blocked(b) if b.wait == WaitFor::Spin)
                && which(slot)
            {
                self.wake(ThreadId(i as u32), WakeReason::Notified);
            }
        }
    }

    /// Ends the execution with `finding`.
    pub(crate) fn fail(&mut self, finding: Finding) {
        self.fatal = true;
        self.findings.push(finding);
    }

    /// Marks the current thread blocked on `wait`.
    pub(crate) fn block_current(&mut self, wait: WaitFor, timeout: bool) {
        let spurious = self.spurious_wakeups && matches!(wait, WaitFor::Condvar(_) | WaitFor::Park);
        self.block_seq += 1;
        let seq = self.block_seq;
        let me = self.current;
        self.thread(me).state = ThreadState::Blocked(Blocked {
            wait,
            timeout,
            spurious,
            seq,
        });
        if wait == WaitFor::Spin {
            self.spinners += 1;
        }
    }

    /// Makes a blocked thread runnable.
    pub(crate) fn wake(&mut self, t: ThreadId, reason: WakeReason) {
        let slot = self.thread(t);
        if let ThreadState::Blocked(b) = slot.state {
            slot.state = ThreadState::Runnable;
            slot.wake = reason;
            if b.wait == WaitFor::Spin {
                slot.spin_reads.clear();
                self.spinners -= 1;
            }
        }
    }

    /// Wakes the threads blocked on `object` (the earliest one only unless `all`); returns how
    /// many woke.
    pub(crate) fn wake_waiters(&mut self, object: ObjectId, all: bool) -> usize {
        let mut woken = 0;
        loop {
            let first = self
                .threads
                .iter()
                .enumerate()
                .filter_map(|(i, t)| match t.state {
                    ThreadState::Blocked(b) if b.wait.object() == Some(object) => Some((b.seq, i)),
                    _ => None,
                })
                .min();
            let Some((_, i)) = first else { return woken };
            self.wake(ThreadId(i as u32), WakeReason::Notified);
            woken += 1;
            if !all {
                return woken;
            }
        }
    }

    /// Wakes every thread blocked joining `target`.
    pub(crate) fn wake_joiners(&mut self, target: ThreadId) {
        for i in 0..self.threads.len() {
            if let ThreadState::Blocked(b) = self.threads[i].state {
                if b.wait == WaitFor::Join(target) {
                    self.wake(ThreadId(i as u32), WakeReason::Notified);
                }
            }
        }
    }

    /// Whether `t` could take the lock `object` in `mode` now.
    pub(crate) fn lock_available(&self, object: ObjectId, mode: LockMode) -> bool {
        let o = &self.objects[object.index()];
        match mode {
            LockMode::Exclusive => o.writer.is_none() && o.readers.is_empty(),
            // std's RwLock prefers writers: a reader waits while a writer waits.
            LockMode::Shared => o.writer.is_none() && o.writers_waiting == 0,
        }
    }

    /// Takes the lock for the current thread (the caller checked availability).
    pub(crate) fn take_lock(&mut self, object: ObjectId, mode: LockMode) {
        let me = self.current;
        let o = &mut self.objects[object.index()];
        match mode {
            LockMode::Exclusive => o.writer = Some(me),
            LockMode::Shared => o.readers.push(me),
        }
    }

    /// Releases the current thread's hold of `object`.
    pub(crate) fn release_lock(&mut self, object: ObjectId, mode: LockMode) {
        let me = self.current;
        let o = &mut self.objects[object.index()];
        match mode {
            LockMode::Exclusive => o.writer = None,
            LockMode::Shared => {
                if let Some(i) = o.readers.iter().position(|t| *t == me) {
                    o.readers.swap_remove(i);
                }
            }
        }
    }

    /// Counts a scheduling step; false (with a `step_limit` finding) past the step limit, or
    /// (with `stopped` set) when the watcher asked the exploration to stop. Every decision is
    /// taken at a step, so an execution never makes more decisions than the step limit.
    #[inline]
    fn step(&mut self) -> bool {
        self.steps += 1;
        self.beacon.tick();
        if self.steps > self.max_steps {
            self.fail_step_limit();
            return false;
        }
        if self.beacon.stop_requested() {
            self.stopped = true;
            return false;
        }
        true
    }

    #[cold]
    fn fail_step_limit(&mut self) {
        let finding =
            super::step_limit::step_limit_finding(&self.trace, self.max_steps, &self.names());
        self.fail(finding);
    }

    /// Picks the thread that runs next, records the decision, and wakes a chosen blocked thread
    /// by timeout or spuriously. `current` is the thread at the scheduling point if it can go on.
    /// Returns `None` when the execution is over: every thread finished, none can run (then
    /// a deadlock finding is recorded), the step limit was passed, or the watcher asked to stop.
    pub(crate) fn pick_next(
        &mut self,
        current: Option<ThreadId>,
        yielded: bool,
    ) -> Option<ThreadId> {
        if self.fatal || !self.step() {
            return None;
        }
        self.collect_enabled();
        if self.enabled.is_empty() && self.spinners > 0 {
            // Only spin loops are left, each waiting for a write nobody can make: they run
            // again (a livelock, or a loop that gives up after some attempts).
            self.wake_spinners(|_| true);
            self.collect_enabled();
        }
        if let Some(replay) = &mut self.lasso {
            replay.could_run(&self.enabled);
            let next = replay.next();
            if self.enabled.contains(&next) {
                self.forced_step();
                return Some(self.take_chosen(next));
            }
            self.detectors.lasso().abandon();
            self.lasso = None;
        }
        let threads = &self.threads;
        let hidden = self.fairness.filter(&mut self.enabled, |t| {
            matches!(threads[t.index()].state, ThreadState::Runnable)
        });
        if hidden {
            self.strategy.fairness_engaged();
        }
        let chosen = match self.enabled.len() {
            0 => return self.stuck(),
            1 => {
                self.forced_step();
                self.enabled[0]
            }
            _ if !self.exploring => {
                self.forced_step();
                self.default_choice(current, yielded)
            }
            _ => {
                let threads = &self.threads;
                let wakes = self
                    .enabled
                    .iter()
                    .any(|t| matches!(threads[t.index()].state, ThreadState::Blocked(_)));
                let others_runnable = self.enabled.iter().any(|t| {
                    Some(*t) != current && matches!(threads[t.index()].state, ThreadState::Runnable)
                });
                let going_on_only_waits = match current {
                    Some(me) if yielded && others_runnable => self.yield_would_wait(me),
                    _ => false,
                };
                let choice = ThreadChoice {
                    enabled: &self.enabled,
                    current,
                    yielded,
                    wakes,
                    hidden,
                    others_runnable,
                    going_on_only_waits,
                };
                let t = self.strategy.choose_thread(&choice);
                if choice.is_preemption(t) {
                    self.preemptions += 1;
                }
                self.weigh(self.enabled.len());
                self.record(Decision::Thread(t));
                t
            }
        };
        Some(self.take_chosen(chosen))
    }

    /// Wakes `chosen` by timeout or spuriously if it is blocked; returns it.
    fn take_chosen(&mut self, chosen: ThreadId) -> ThreadId {
        if let ThreadState::Blocked(b) = self.thread(chosen).state {
            if b.timeout {
                self.wake(chosen, WakeReason::TimedOut);
            } else {
                self.spurious_left -= 1;
                self.wake(chosen, WakeReason::Spurious);
            }
        }
        chosen
    }

    /// The thread to run when choices are not explored: the current one unless it yielded or
    /// cannot run, else the next runnable one after it in turn (round robin, so two threads
    /// that yield to each other cannot starve a third; a blocked thread is not woken early).
    fn default_choice(&self, current: Option<ThreadId>, yielded: bool) -> ThreadId {
        let runnable =
            |t: &ThreadId| matches!(self.threads[t.index()].state, ThreadState::Runnable);
        let n = self.threads.len().max(1);
        let after = current.map_or(0, |c| c.index() + 1) % n;
        let turn = |t: &ThreadId| (t.index() + n - after) % n;
        current
            .filter(|c| !yielded && self.enabled.contains(c) && runnable(c))
            .or_else(|| {
                self.enabled
                    .iter()
                    .copied()
                    .filter(|t| runnable(t) && Some(*t) != current)
                    .min_by_key(turn)
            })
            .or_else(|| self.enabled.iter().copied().find(runnable))
            .unwrap_or(self.enabled[0])
    }

    /// The threads that may run next, before fairness: runnable ones, and blocked ones that
    /// may wake by timeout or spuriously.
    fn collect_enabled(&mut self) {
        self.enabled.clear();
        for (i, t) in self.threads.iter().enumerate() {
            let enabled = match t.state {
                ThreadState::Runnable => true,
                ThreadState::Blocked(b) => b.timeout || (b.spurious && self.spurious_left > 0),
                ThreadState::Finished => false,
            };
            if enabled {
                self.enabled.push(ThreadId(i as u32));
            }
        }
    }

    /// No thread can run: either all finished, or a deadlock.
    fn stuck(&mut self) -> Option<ThreadId> {
        let blocked: Vec<ThreadId> = self
            .threads
            .iter()
            .enumerate()
            .filter(|(_, t)| matches!(t.state, ThreadState::Blocked(_)))
            .map(|(i, _)| ThreadId(i as u32))
            .collect();
        if !blocked.is_empty() && !self.only_detached_tasks_pending(&blocked) {
            let names = Names::of(&self.threads, &self.objects);
            let finding = self
                .detectors
                .on_stuck(&blocked, &names)
                .unwrap_or_else(|| {
                    Finding::new(
                        FindingKind::Deadlock,
                        "deadlock: no thread can make progress",
                    )
                });
            self.fail(finding);
        }
        None
    }

    /// Whether the main thread has finished and every one of `blocked` is a detached async
    /// task parked between polls: tasks still pending, not a deadlock (see
    /// `ThreadSlot::idle_task`).
    fn only_detached_tasks_pending(&self, blocked: &[ThreadId]) -> bool {
        let main_finished = matches!(
            self.threads.get(ThreadId::MAIN.index()).map(|t| t.state),
            Some(ThreadState::Finished)
        );
        main_finished
            && blocked.iter().all(|t| {
                let slot = &self.threads[t.index()];
                let parked = matches!(
                    slot.state,
                    ThreadState::Blocked(Blocked {
                        wait: WaitFor::Park,
                        ..
                    })
                );
                slot.detached_task && slot.idle_task() && parked
            })
    }

    /// A nondeterministic choice in `0..n`, recorded in the schedule.
    pub(crate) fn choose(&mut self, n: u32) -> u32 {
        if n < 2 || self.lasso.is_some() || !self.step() || !self.exploring {
            return 0;
        }
        let v = self.strategy.choose_value(n).min(n - 1);
        self.weigh(n as usize);
        self.record(Decision::Value(v));
        v
    }

    /// Which of `n` stores an atomic access reads (or follows), counted from the latest: a
    /// value choice that reduction may treat as the access it is (see
    /// `Strategy::choose_read`), among the `offered` ones worth exploring (0 always is). The
    /// schedule records it among all `n`, so it replays whatever the strategy offered.
    pub(crate) fn choose_read(&mut self, n: u32, offered: &[u32]) -> u32 {
        if n < 2 || self.lasso.is_some() || !self.step() || !self.exploring {
            return 0;
        }
        let v = match offered {
            [] | [_] => offered.first().copied().unwrap_or(0),
            _ => self.strategy.choose_read(n, offered),
        };
        let v = v.min(n - 1);
        self.weigh(offered.len());
        self.record(Decision::Value(v));
        v
    }

    /// A choice among `alternatives` was made: a factor of a probe's weight.
    fn weigh(&mut self, alternatives: usize) {
        if self.weighing && alternatives > 1 {
            self.tree_weight += (alternatives as f64).ln();
        }
    }

    /// Tells the strategy that only one thread could run here, if it follows the execution.
    fn forced_step(&mut self) {
        if self.following {
            self.strategy.forced_step();
        }
    }

    /// Records a decision in the schedule and tells the strategy.
    fn record(&mut self, decision: Decision) {
        self.decisions.push(decision);
        if self.following {
            self.strategy.recorded(decision);
        }
    }

    /// Thread labels and object names for messages.
    pub(crate) fn names(&self) -> Names<'_> {
        Names::of(&self.threads, &self.objects)
    }
}

/// Labels threads with their number and name, and knows the execution's objects: the
/// [`Scene`] the detectors see.
pub(crate) struct Names<'a> {
    threads: &'a [ThreadSlot],
    objects: &'a [ObjectState],
}

impl<'a> Names<'a> {
    /// The scene of an execution with `threads` and `objects` (taken apart from the
    /// execution, so that its other fields stay free to borrow).
    pub(crate) fn of(threads: &'a [ThreadSlot], objects: &'a [ObjectState]) -> Self {
        Names { threads, objects }
    }
}

impl Scene for Names<'_> {
    fn label(&self, thread: ThreadId) -> String {
        if thread == ThreadId::MAIN {
            return "the main thread".to_string();
        }
        match self
            .threads
            .get(thread.index())
            .and_then(|t| t.name.as_deref())
        {
            Some(name) => format!("thread {thread} (`{name}`)"),
            None => format!("thread {thread}"),
        }
    }

    fn pending_future(&self, thread: ThreadId) -> Option<PendingAwait> {
        let slot = self.threads.get(thread.index())?;
        let future = slot.future.as_deref()?;
        let parked = matches!(
            slot.state,
            ThreadState::Blocked(Blocked {
                wait: WaitFor::Park,
                ..
            })
        );
        (parked && future.between_polls).then(|| future.explain())
    }

    fn object(&self, object: ObjectId) -> Option<(ObjectKind, Site)> {
        let o = self.objects.get(object.index())?;
        Some((o.kind, o.site))
    }

    fn object_count(&self) -> u32 {
        self.objects.len() as u32
    }
}

/// Whether the operation at a trace index read a store older than the latest, given the
/// execution's `weak_reads` (sorted by trace index).
fn stale_in(weak_reads: &[(usize, crate::event::StoreId)]) -> impl Fn(usize) -> bool + '_ {
    |i| weak_reads.binary_search_by_key(&i, |(j, _)| *j).is_ok()
}
