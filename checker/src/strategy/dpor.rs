//! Race detection on the executed trace, for dynamic partial-order reduction (Flanagan and
//! Godefroid, POPL 2005).
//!
//! Every operation of an execution is classified by the object it touches and whether it only
//! reads it. Two operations of different threads on the same object, at least one of which
//! changes it, are dependent; if neither happens before the other (through program order and
//! earlier dependent operations, tracked with vector clocks), they race, and the search must also
//! try them the other way round: the racing thread is added to the backtrack set of the
//! scheduling point just before the first of the two. Everything else commutes, so orders that
//! only differ in independent operations are run once.
//!
//! Locks get a finer relation (two operations that can never be enabled together need no
//! reversal): acquisitions of one lock are dependent with each other, a failed `try_lock` or a
//! thread blocking on the lock is dependent with the acquisition it observed and with the release
//! that would have let it through; a release and a later blocking acquisition are ordered by
//! happens-before (the acquisition synchronises with the release; run the other way round the
//! acquirer would only block and then get the lock at the same point) rather than raced. A
//! successful `try_lock` does race with the release before it: the other way round it fails.

use crate::event::{Access, Event, ObjectKind, Op, ThreadId, WaitFor};

/// One recorded access of an object.
#[derive(Clone, Debug)]
struct Touch {
    thread: ThreadId,
    /// The thread's own clock component at this access.
    local: u32,
    /// The thread's vector clock after this access.
    clock: Vec<u32>,
    /// The scheduling point (DFS node) right before the access, if it was a branching one.
    state: Option<usize>,
}

/// What has touched one object since its last write.
#[derive(Clone, Debug, Default)]
struct History {
    last_write: Option<Touch>,
    reads: Vec<Touch>,
}

/// What has touched one lock.
#[derive(Clone, Debug, Default)]
struct LockHistory {
    last_acquire: Option<Touch>,
    last_release: Option<Touch>,
    /// Threads that found it held (failed `try_lock`, blocked) since the last acquisition.
    observers: Vec<Touch>,
}

/// How an operation touches a lock.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum LockStep {
    Acquire,
    /// A `try_lock` that succeeded: unlike a blocking acquisition, it could also have run
    /// before the last release (and failed), so it races with that release too.
    TryAcquire,
    Release,
    FoundHeld,
}

/// Where an operation lands, for dependency purposes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Place {
    Object(usize),
    /// The park token of a thread.
    Park(usize),
}

/// A race found: try `thread` at scheduling point `state`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Reversal {
    /// The DFS node before the earlier operation.
    pub state: usize,
    /// The thread whose later operation raced with it.
    pub thread: ThreadId,
}

/// Vector clocks and per-object access histories of the current execution.
#[derive(Default)]
pub struct RaceTracker {
    clocks: Vec<Vec<u32>>,
    finished: Vec<Option<Vec<u32>>>,
    objects: Vec<History>,
    parks: Vec<History>,
    locks: Vec<LockHistory>,
    kinds: Vec<Option<ObjectKind>>,
}

fn join(into: &mut Vec<u32>, other: &[u32]) {
    if into.len() < other.len() {
        into.resize(other.len(), 0);
    }
    for (a, b) in into.iter_mut().zip(other) {
        *a = (*a).max(*b);
    }
}

fn grow<T: Default>(table: &mut Vec<T>, index: usize) -> &mut T {
    if table.len() <= index {
        table.resize_with(index + 1, T::default);
    }
    &mut table[index]
}

impl RaceTracker {
    /// Forgets the previous execution.
    pub fn reset(&mut self) {
        self.clocks.clear();
        self.finished.clear();
        self.objects.clear();
        self.parks.clear();
        self.locks.clear();
        self.kinds.clear();
    }

    /// Records `event`, which ran right after scheduling point `state`; returns the races it
    /// completes.
    pub fn on_event(&mut self, event: &Event, state: Option<usize>, races: &mut Vec<Reversal>) {
        let t = event.thread;
        grow(&mut self.clocks, t.index());
        match event.op {
            Op::Spawn { child } => {
                let parent = self.clocks[t.index()].clone();
                *grow(&mut self.clocks, child.index()) = parent;
                self.tick(t);
                return;
            }
            Op::Exit => {
                let clock = self.clocks[t.index()].clone();
                *grow(&mut self.finished, t.index()) = Some(clock);
                return;
            }
            Op::Join { target } => {
                if let Some(Some(done)) = self.finished.get(target.index()).cloned() {
                    join(&mut self.clocks[t.index()], &done);
                }
                return;
            }
            Op::Create { kind } => {
                if let Some(o) = event.object {
                    *grow(&mut self.kinds, o.index()) = Some(kind);
                }
                return;
            }
            _ => {}
        }
        if let Some((lock, step)) = self.lock_step(event) {
            self.on_lock(t, lock, step, state, races);
            return;
        }
        let Some((place, access)) = footprint(event) else {
            return;
        };
        let history = match place {
            Place::Object(i) => grow(&mut self.objects, i),
            Place::Park(i) => grow(&mut self.parks, i),
        };
        let clock = &mut self.clocks[t.index()];
        let earlier: Vec<&Touch> = match access {
            Access::Read => history.last_write.iter().collect(),
            _ => history
                .last_write
                .iter()
                .chain(history.reads.iter())
                .collect(),
        };
        for touch in &earlier {
            let ordered = clock.get(touch.thread.index()).copied().unwrap_or(0) >= touch.local;
            if touch.thread != t && !ordered {
                if let Some(state) = touch.state {
                    races.push(Reversal { state, thread: t });
                }
            }
        }
        for touch in &earlier {
            join(clock, &touch.clock);
        }
        let me = grow(clock, t.index());
        *me += 1;
        let touch = Touch {
            thread: t,
            local: *me,
            clock: clock.clone(),
            state,
        };
        match access {
            Access::Read => history.reads.push(touch),
            _ => {
                history.reads.clear();
                history.last_write = Some(touch);
            }
        }
    }

    /// The lock operation `event` is, if it is one.
    fn lock_step(&self, event: &Event) -> Option<(usize, LockStep)> {
        let is_lock = |o: usize| {
            matches!(
                self.kinds.get(o).copied().flatten(),
                Some(ObjectKind::Mutex | ObjectKind::RwLock)
            )
        };
        let o = match event.op {
            Op::Block {
                wait: WaitFor::Lock(o, _),
            } => return Some((o.index(), LockStep::FoundHeld)),
            _ => event.object?.index(),
        };
        if !is_lock(o) {
            return None;
        }
        match event.op {
            Op::Acquire {
                try_lock: false, ..
            } => Some((o, LockStep::Acquire)),
            Op::Acquire { try_lock: true, .. } => Some((o, LockStep::TryAcquire)),
            Op::Release { .. } => Some((o, LockStep::Release)),
            Op::TryLockFailed { .. } => Some((o, LockStep::FoundHeld)),
            _ => None,
        }
    }

    fn on_lock(
        &mut self,
        t: ThreadId,
        lock: usize,
        step: LockStep,
        state: Option<usize>,
        races: &mut Vec<Reversal>,
    ) {
        let history = grow(&mut self.locks, lock);
        let clock = &mut self.clocks[t.index()];
        let (raced, synced): (Vec<&Touch>, Vec<&Touch>) = match step {
            LockStep::Acquire => (
                history
                    .last_acquire
                    .iter()
                    .chain(history.observers.iter())
                    .collect(),
                history.last_release.iter().collect(),
            ),
            LockStep::TryAcquire => (
                history
                    .last_acquire
                    .iter()
                    .chain(history.observers.iter())
                    .chain(history.last_release.iter())
                    .collect(),
                Vec::new(),
            ),
            LockStep::Release => (history.observers.iter().collect(), Vec::new()),
            LockStep::FoundHeld => (history.last_acquire.iter().collect(), Vec::new()),
        };
        for touch in &raced {
            let ordered = clock.get(touch.thread.index()).copied().unwrap_or(0) >= touch.local;
            if touch.thread != t && !ordered {
                if let Some(state) = touch.state {
                    races.push(Reversal { state, thread: t });
                }
            }
        }
        for touch in raced.iter().chain(synced.iter()) {
            join(clock, &touch.clock);
        }
        let me = grow(clock, t.index());
        *me += 1;
        let touch = Touch {
            thread: t,
            local: *me,
            clock: clock.clone(),
            state,
        };
        match step {
            LockStep::Acquire | LockStep::TryAcquire => {
                history.observers.clear();
                history.last_acquire = Some(touch);
            }
            LockStep::Release => history.last_release = Some(touch),
            LockStep::FoundHeld => history.observers.push(touch),
        }
    }

    fn tick(&mut self, t: ThreadId) {
        *grow(&mut self.clocks[t.index()], t.index()) += 1;
    }
}

/// The object an operation touches and how, or `None` for operations no other thread can observe.
fn footprint(event: &Event) -> Option<(Place, Access)> {
    match event.op {
        Op::Create { .. } | Op::Yield | Op::Fence { .. } | Op::LockRequest { .. } => None,
        // A thread that blocks observed the object's state; the other order may not block.
        Op::Block { wait } => match wait {
            WaitFor::Park => Some((Place::Park(event.thread.index()), Access::Write)),
            WaitFor::Join(_) => None,
            other => other
                .object()
                .map(|o| (Place::Object(o.index()), Access::Write)),
        },
        Op::Unpark { target } => Some((Place::Park(target.index()), Access::Write)),
        Op::Parked => Some((Place::Park(event.thread.index()), Access::Write)),
        op => {
            let object = event.object?;
            let access = match op.access() {
                Access::Read => Access::Read,
                _ => Access::Write,
            };
            Some((Place::Object(object.index()), access))
        }
    }
}
