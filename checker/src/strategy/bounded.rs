//! `Strategy::Dfs` under a preemption bound: the exact bounded search, tried the cheap way
//! first.
//!
//! The search that is exact within a bound ([`Dfs::exact_within_bound`]) cannot use sleep sets
//! and reverses every race twice, so it can need more executions than the unbounded search with
//! sleep sets needs for the whole space. So the search first runs as the unbounded search:
//! if it finishes, it has proved every final state, those within the bound included. As long
//! as it has not gone past the bound it is the search the bound prunes; once it wants to (a
//! path with more preemptions), it gets as many executions as it ran so far (at most
//! [`GRACE`]) to finish, and then starts over as the exact bounded search. The executions of the first attempt count like any
//! others, and what they find is real (a schedule that replays), even past the bound.
//!
//! Cost: at worst twice the executions the first attempt ran before it went past the bound
//! (it gets as many again, at most [`GRACE`]). Gain: a program whose unbounded space is small
//! (a double-checked initialisation: 7 executions, where the exact search at bound 2 needs 11)
//! is proved in it. A fixed grace of 64 made programs whose unbounded space is large pay 64
//! executions for nothing (`ticket_lock_ok` at bound 2: 80 executions where the exact search
//! alone needs 13).

use super::dfs::Dfs;
use super::{Strategy, ThreadChoice};
use crate::event::{Event, ObjectId, StoreId, ThreadId};

/// The most executions the unbounded first attempt may still run once it has gone past the
/// bound; it gets as many as it ran before, up to this.
pub const GRACE: u64 = 64;

/// Exact DFS within `bound` preemptions, first attempted as the unbounded search.
pub struct BoundedDfs {
    bound: usize,
    /// The running search: the first attempt while `first_attempt`, then the exact one.
    dfs: Dfs,
    /// The first attempt (the unbounded search, sleep sets on) is running.
    first_attempt: bool,
    /// Executions the first attempt ran since it went past the bound.
    past_bound: u64,
    /// Executions started so far.
    started: u64,
    /// Executions the first attempt may run past the bound: as many as it ran before.
    grace: u64,
    /// Redundant alternatives the first attempt pruned.
    pruned_before: u64,
}

impl BoundedDfs {
    /// A reduced search exact within `bound` preemptions.
    ///
    /// `CONC_CHECK_SOUNDNESS_EXACT` (set by the test that checks the exact search on its own,
    /// not meant for users) skips the first attempt: a first attempt that finishes hides what
    /// the exact search would have missed.
    pub fn new(bound: usize) -> Self {
        let exact_only = std::env::var_os("CONC_CHECK_SOUNDNESS_EXACT").is_some();
        BoundedDfs {
            bound,
            dfs: if exact_only {
                Dfs::with_reduction(Some(bound), true).exact_within_bound()
            } else {
                Dfs::with_reduction(None, true)
            },
            first_attempt: !exact_only,
            past_bound: 0,
            started: 0,
            grace: 0,
            pruned_before: 0,
        }
    }
}

impl Strategy for BoundedDfs {
    fn begin_execution(&mut self) -> bool {
        self.started += 1;
        if self.first_attempt {
            if self.past_bound > 0 || self.dfs.beyond(self.bound) {
                if self.past_bound == 0 {
                    self.grace = (self.started - 1).min(GRACE);
                }
                self.past_bound += 1;
            }
            if self.past_bound <= self.grace {
                // Finished (false): the unbounded search, complete.
                return self.dfs.begin_execution();
            }
            self.pruned_before = self.dfs.pruned();
            self.first_attempt = false;
            self.dfs = Dfs::with_reduction(Some(self.bound), true).exact_within_bound();
        }
        self.dfs.begin_execution()
    }

    fn choose_thread(&mut self, choice: &ThreadChoice<'_>) -> ThreadId {
        self.dfs.choose_thread(choice)
    }

    fn choose_value(&mut self, n: u32) -> u32 {
        self.dfs.choose_value(n)
    }

    fn choose_read(&mut self, n: u32, offered: &[u32]) -> u32 {
        self.dfs.choose_read(n, offered)
    }

    fn store_ordered_before(
        &self,
        thread: ThreadId,
        object: ObjectId,
        overwriting: StoreId,
    ) -> bool {
        self.dfs.store_ordered_before(thread, object, overwriting)
    }

    fn forced_step(&mut self) {
        self.dfs.forced_step();
    }

    fn observe(&mut self, event: &Event) {
        self.dfs.observe(event);
    }

    fn fairness_engaged(&mut self) {
        self.dfs.fairness_engaged();
    }

    fn is_complete(&self) -> bool {
        self.dfs.is_complete()
    }

    fn pruned(&self) -> u64 {
        self.pruned_before + self.dfs.pruned()
    }

    fn problem(&self) -> Option<String> {
        self.dfs.problem()
    }
}
