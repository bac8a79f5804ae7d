//! `Barrier` and `BarrierWaitResult`.

use std::fmt;
use std::panic::Location;
use std::sync::PoisonError;

use crate::event::{ObjectKind, Op, WaitFor};
use crate::real::RealSlot;
use crate::runtime::{api, ObjectSlot};

/// Lets a fixed number of threads wait for each other, with std's API and semantics: each
/// `wait` blocks until `n` threads have called it, then all of them go on, and exactly one of
/// them is the leader. A barrier can be used again after its threads passed.
///
/// Inside a model, threads that wait at a barrier which too few threads can reach are reported
/// as a deadlock.
///
/// ```
/// use conc_check::sync::{Arc, Barrier};
/// use conc_check::thread;
///
/// let barrier = Arc::new(Barrier::new(3));
/// let handles: Vec<_> = (0..3)
///     .map(|_| {
///         let barrier = barrier.clone();
///         thread::spawn(move || barrier.wait().is_leader())
///     })
///     .collect();
/// let leaders = handles.into_iter().map(|h| h.join().unwrap()).filter(|leader| *leader);
/// assert_eq!(leaders.count(), 1);
/// ```
pub struct Barrier {
    slot: ObjectSlot,
    real: RealSlot,
    num_threads: usize,
    /// This execution's state, inside a model; never held across a scheduling point or a block.
    model: std::sync::Mutex<ModelState>,
    inner: std::sync::Barrier,
}

/// The model state of a barrier in one execution.
#[derive(Debug)]
struct ModelState {
    /// The execution the state belongs to; the state of an earlier one counts as fresh.
    generation: u32,
    /// Threads waiting in the current round.
    count: usize,
    /// Rounds completed so far.
    round: u64,
}

/// What [`Barrier::wait`] returns: whether this thread is the round's leader.
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// True for exactly one of the threads of each round (the last one to arrive).
    #[must_use]
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl fmt::Debug for BarrierWaitResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWaitResult")
            .field("is_leader", &self.0)
            .finish()
    }
}

impl Barrier {
    /// A barrier for `n` threads. With `n` of 0 or 1 no `wait` blocks, and each is a leader.
    #[track_caller]
    #[must_use]
    pub const fn new(n: usize) -> Barrier {
        Barrier {
            slot: ObjectSlot::new(Location::caller()),
            real: RealSlot::new(),
            num_threads: n,
            model: std::sync::Mutex::new(ModelState {
                generation: 0,
                count: 0,
                round: 0,
            }),
            inner: std::sync::Barrier::new(n),
        }
    }

    /// Blocks until `n` threads (this one included) have called `wait` in this round. The
    /// last of them is the leader.
    #[track_caller]
    pub fn wait(&self) -> BarrierWaitResult {
        if !api::in_model() {
            // Every arrival of a round happens before every departure from it.
            let (site, created) = (Location::caller(), self.slot.site());
            self.real.publish(ObjectKind::Barrier, created, site);
            let leader = self.inner.wait().is_leader();
            self.real.observe(ObjectKind::Barrier, created, site);
            return BarrierWaitResult(leader);
        }
        let site = Location::caller();
        let id = self.slot.id(ObjectKind::Barrier);
        api::point(site, false);
        let generation = api::generation();
        // Arrive; the guard is dropped at the end of the block, before any engine call.
        let (round, leader) = {
            let mut state = self.model.lock().unwrap_or_else(PoisonError::into_inner);
            if state.generation != generation {
                *state = ModelState {
                    generation,
                    count: 0,
                    round: 0,
                };
            }
            state.count += 1;
            let round = state.round;
            let leader = state.count >= self.num_threads;
            if leader {
                state.count = 0;
                state.round += 1;
            }
            (round, leader)
        };
        // Everything this thread did before `wait` happens before every thread leaves the round.
        api::emit(Some(id), Op::BarrierArrive, site);
        if leader {
            api::wake(id, true);
        } else {
            while self.round() == round {
                api::block(WaitFor::Barrier(id), false, site);
            }
        }
        api::emit(Some(id), Op::BarrierPass, site);
        BarrierWaitResult(leader)
    }

    /// The rounds completed in this execution.
    fn round(&self) -> u64 {
        self.model
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .round
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier").finish_non_exhaustive()
    }
}
