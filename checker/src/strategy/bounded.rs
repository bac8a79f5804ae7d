//! `Strategy::Dfs` under a preemption bound: the exact bounded search, tried the cheap way
//! first.
//!
//! The search that is exact within a bound ([`Dfs::exact_within_bound`]) cannot use sleep sets
//! and reverses every race twice, so it can need more executions than the unbounded search with
//! sleep sets needs for the whole space. Yet often the whole space fits within the bound. So the
//! search first runs with sleep sets, pruned by the bound: as long as the bound cuts nothing it
//! *is* the unbounded search, and if it finishes that way, it has proved every final state, those
//! within the bound included. The first time the bound cuts an alternative, that proof is lost;
//! the search starts over as the exact bounded search. The executions of the first phase count
//! like any others, and what they find is real (a schedule that replays).
//!
//! Cost: at worst the executions the first phase ran before its first cut, which comes early
//! when the bound matters at all.

use super::dfs::Dfs;
use super::{Strategy, ThreadChoice};
use crate::event::{Event, ObjectId, StoreId, ThreadId};

/// Exact DFS within `bound` preemptions, first attempted as the unbounded search.
pub struct BoundedDfs {
    bound: usize,
    /// The running search: the first attempt while `first_attempt`, then the exact one.
    dfs: Dfs,
    /// The first attempt (sleep sets, pruned by the bound) is running.
    first_attempt: bool,
    /// Redundant alternatives the first attempt pruned.
    pruned_before: u64,
}

impl BoundedDfs {
    /// A reduced search exact within `bound` preemptions.
    pub fn new(bound: usize) -> Self {
        BoundedDfs {
            bound,
            dfs: Dfs::with_reduction(Some(bound), true),
            first_attempt: true,
            pruned_before: 0,
        }
    }
}

impl Strategy for BoundedDfs {
    fn begin_execution(&mut self) -> bool {
        if self.first_attempt {
            if !self.dfs.bound_cuts() {
                if self.dfs.begin_execution() {
                    return true;
                }
                if !self.dfs.bound_cuts() {
                    // Finished without a cut: the unbounded search, complete.
                    return false;
                }
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

    fn fairness_engaged(&mut self, hidden: &[ThreadId]) {
        self.dfs.fairness_engaged(hidden);
    }

    fn is_complete(&self) -> bool {
        self.dfs.is_complete() && !(self.first_attempt && self.dfs.bound_cuts())
    }

    fn pruned(&self) -> u64 {
        self.pruned_before + self.dfs.pruned()
    }

    fn problem(&self) -> Option<String> {
        self.dfs.problem()
    }
}
