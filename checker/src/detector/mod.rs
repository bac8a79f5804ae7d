//! Detectors: each consumes the event stream and reports what it recognises.
//!
//! Detectors never look at the runtime. They see [`Event`]s (and, when no thread can run, the
//! list of blocked threads), so the same detector works on model executions, on real-thread
//! runs, and on hand-written event lists in unit tests.

pub mod aba;
pub mod deadlock;
pub mod lasso;
pub mod leak;
pub mod livelock;
pub mod lock_order;
pub(crate) mod objects;
pub mod panic;
pub mod race;
mod recursive_read;
pub mod retry;
pub mod starvation;
pub mod state_hash;

use crate::config::Config;
pub use crate::describe::{NumberedThreads, Scene};
use crate::event::{Event, OpKind, ThreadId};
use crate::happens_before::HappensBefore;
use crate::report::Finding;

/// The kinds of operation a detector looks at. [`Detectors`] does not call a detector for the
/// others, which saves most calls on programs that do not use what it watches (the ABA
/// detector on a program without atomics).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interest(u32);

impl Interest {
    /// Every event.
    pub const ALL: Interest = Interest(u32::MAX);

    /// Events of these kinds only.
    pub const fn only(kinds: &[OpKind]) -> Interest {
        let mut bits = 0;
        let mut i = 0;
        while i < kinds.len() {
            bits |= 1 << kinds[i] as u32;
            i += 1;
        }
        Interest(bits)
    }

    /// Whether an event of `kind` is of interest.
    pub fn includes(self, kind: OpKind) -> bool {
        self.0 & (1 << kind as u32) != 0
    }
}

/// A consumer of events.
pub trait Detector {
    /// The kinds of operation this detector needs to see; it is not called for the others.
    /// Everything unless it says otherwise.
    fn interest(&self) -> Interest {
        Interest::ALL
    }
    /// Forgets everything about the previous execution.
    fn reset(&mut self);
    /// Sees one event; returns a finding when the event completes a problem.
    fn on_event(&mut self, event: &Event, names: &dyn Scene) -> Option<Finding>;
    /// Sees one event together with what kind of step it was (classified once for every
    /// detector by [`Detectors`]). Detectors that care about retries override this to save
    /// classifying each event again; the default ignores the kind.
    fn on_step(
        &mut self,
        event: &Event,
        _step: retry::StepKind,
        names: &dyn Scene,
    ) -> Option<Finding> {
        self.on_event(event, names)
    }
    /// No thread can run and `blocked` are blocked: explains why, if this detector can.
    fn on_stuck(&mut self, _blocked: &[ThreadId], _names: &dyn Scene) -> Option<Finding> {
        None
    }
}

/// The detectors every execution runs, in order.
///
/// Each is a field of its own type rather than a boxed trait object: the calls are direct, so
/// the compiler can inline their hot paths (the common event is one a detector only skips or
/// counts), and an event reaches a detector only if its [`Detector::interest`] includes it.
pub struct Detectors {
    /// The one happens-before of the execution: the race detector's, and the memory
    /// model's (each thread's view of memory is derived from its clock).
    hb: HappensBefore,
    races: Option<race::DataRaceDetector>,
    deadlock: deadlock::DeadlockDetector,
    lock_order: lock_order::LockOrderDetector,
    aba: aba::AbaDetector,
    starvation: starvation::StarvationDetector,
    /// Kept apart from the others: the runtime replays the rounds it wants confirmed.
    livelock: livelock::LivelockDetector,
    retries: retry::RetryTracker,
    last_step: retry::StepKind,
}

/// Appends `finding`, if there is one, to `found`.
#[inline]
fn keep(found: &mut Vec<Finding>, finding: Option<Finding>) {
    if let Some(f) = finding {
        found.push(f);
    }
}

impl Detectors {
    /// Every detector, with the thresholds and switches of `config`.
    pub fn from_config(config: &Config) -> Self {
        Detectors {
            hb: HappensBefore::new(),
            races: config.race_detection.then(race::DataRaceDetector::new),
            deadlock: deadlock::DeadlockDetector::new(),
            lock_order: lock_order::LockOrderDetector::new(),
            aba: aba::AbaDetector::new(),
            starvation: starvation::StarvationDetector::new(config.starvation_wins),
            livelock: livelock::LivelockDetector::new(config.livelock_steps),
            retries: retry::RetryTracker::new(),
            last_step: retry::StepKind::Progress,
        }
    }

    /// A new execution begins.
    pub fn reset(&mut self) {
        self.hb.reset();
        if let Some(races) = &mut self.races {
            races.reset();
        }
        self.deadlock.reset();
        self.lock_order.reset();
        self.aba.reset();
        self.starvation.reset();
        self.livelock.reset();
        self.retries.reset();
    }

    /// Feeds `event` to every detector; appends what they found to `found` (an out-parameter
    /// rather than a returned list: findings are rare, and the common case then costs nothing).
    pub fn on_event(&mut self, event: &Event, names: &dyn Scene, found: &mut Vec<Finding>) {
        let step = self.retries.classify(event);
        self.last_step = step;
        self.hb.on_event(event);
        if let Some(races) = &mut self.races {
            keep(found, races.observe(event, &self.hb, names));
        }
        let kind = event.op.kind();
        keep(found, self.deadlock.on_event(event, names));
        if self.lock_order.interest().includes(kind) {
            keep(found, self.lock_order.on_event(event, names));
        }
        if self.aba.interest().includes(kind) {
            keep(found, self.aba.on_event(event, names));
        }
        keep(found, self.starvation.on_event(event, names));
        keep(found, self.livelock.on_step(event, step, names));
    }

    /// The livelock detector's lasso candidates and their confirmation ([`lasso`]), which
    /// the runtime drives by replaying a candidate round.
    pub fn lasso(&mut self) -> &mut lasso::Lasso {
        self.livelock.lasso()
    }

    /// The data race, if any, of a non-atomic read of atomic `object` by `reader` at `site`
    /// (loom's `unsync_load`); none when race detection is off.
    pub fn unsync_load(
        &mut self,
        object: crate::event::ObjectId,
        reader: ThreadId,
        site: crate::event::Site,
        names: &dyn Scene,
    ) -> Option<Finding> {
        self.races
            .as_mut()?
            .unsync_load(object, reader, site, &self.hb, names)
    }

    /// Happens-before so far in this execution.
    pub fn happens_before(&self) -> &HappensBefore {
        &self.hb
    }

    /// Happens-before, for the memory model's SeqCst fences, which teach the fencing thread's
    /// clock what earlier fences saw ([`HappensBefore::learn`]).
    pub fn happens_before_mut(&mut self) -> &mut HappensBefore {
        &mut self.hb
    }

    /// What kind of step the last event was (a retry, a yield, or progress), for the fair
    /// scheduler.
    pub fn last_step(&self) -> retry::StepKind {
        self.last_step
    }

    /// No thread can run: the first explanation a detector gives.
    pub fn on_stuck(&mut self, blocked: &[ThreadId], names: &dyn Scene) -> Option<Finding> {
        self.deadlock
            .on_stuck(blocked, names)
            .or_else(|| self.lock_order.on_stuck(blocked, names))
            .or_else(|| self.aba.on_stuck(blocked, names))
            .or_else(|| self.starvation.on_stuck(blocked, names))
    }
}

/// Event builders for the detectors' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use crate::event::{internal_site, Event, LockMode, MemOrder, ObjectId, Op, StoreId, ThreadId};

    /// An event of `thread` on `object` at an engine site.
    pub(crate) fn ev(thread: u32, object: Option<u32>, op: Op) -> Event {
        Event {
            thread: ThreadId(thread),
            object: object.map(ObjectId),
            op,
            site: internal_site(),
        }
    }

    /// A sequentially consistent load that read 0.
    pub(crate) fn load() -> Op {
        Op::AtomicLoad {
            order: MemOrder::SeqCst,
            value: 0,
            from: StoreId::LATEST,
        }
    }

    /// A sequentially consistent store of `value`.
    pub(crate) fn store(value: u64) -> Op {
        Op::AtomicStore {
            order: MemOrder::SeqCst,
            value,
            id: StoreId::LATEST,
        }
    }

    /// Taking a lock exclusively (not a `try_lock`).
    pub(crate) fn lock() -> Op {
        Op::Acquire {
            mode: LockMode::Exclusive,
            try_lock: false,
        }
    }

    /// Releasing an exclusively held lock.
    pub(crate) fn unlock() -> Op {
        Op::Release {
            mode: LockMode::Exclusive,
        }
    }
}
