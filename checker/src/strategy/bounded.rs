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
    /// The first phase, while it lasts.
    quick: Option<Dfs>,
    /// The exact bounded search, once the first phase's bound cut something.
    exact: Dfs,
    /// Redundant alternatives the first phase pruned.
    pruned_before: u64,
}

impl BoundedDfs {
    /// A reduced search exact within `bound` preemptions.
    pub fn new(bound: usize) -> Self {
        BoundedDfs {
            bound,
            quick: Some(Dfs::with_reduction(Some(bound), true)),
            exact: Dfs::with_reduction(Some(bound), true).exact_within_bound(),
            pruned_before: 0,
        }
    }

    fn active(&mut self) -> &mut Dfs {
        self.quick.as_mut().unwrap_or(&mut self.exact)
    }

    fn active_ref(&self) -> &Dfs {
        self.quick.as_ref().unwrap_or(&self.exact)
    }
}

impl Strategy for BoundedDfs {
    fn begin_execution(&mut self) -> bool {
        if let Some(quick) = &mut self.quick {
            if !quick.bound_cuts() {
                if quick.begin_execution() {
                    return true;
                }
                if !quick.bound_cuts() {
                    // Finished without a cut: the unbounded search, complete.
                    return false;
                }
            }
            self.pruned_before = quick.pruned();
            self.quick = None;
            self.exact = Dfs::with_reduction(Some(self.bound), true).exact_within_bound();
        }
        self.exact.begin_execution()
    }

    fn choose_thread(&mut self, choice: &ThreadChoice<'_>) -> ThreadId {
        self.active().choose_thread(choice)
    }

    fn choose_value(&mut self, n: u32) -> u32 {
        self.active().choose_value(n)
    }

    fn choose_read(&mut self, n: u32, offered: &[u32]) -> u32 {
        self.active().choose_read(n, offered)
    }

    fn store_ordered_before(
        &self,
        thread: ThreadId,
        object: ObjectId,
        overwriting: StoreId,
    ) -> bool {
        self.active_ref()
            .store_ordered_before(thread, object, overwriting)
    }

    fn forced_step(&mut self) {
        self.active().forced_step();
    }

    fn observe(&mut self, event: &Event) {
        self.active().observe(event);
    }

    fn fairness_engaged(&mut self, hidden: &[ThreadId]) {
        self.active().fairness_engaged(hidden);
    }

    fn is_complete(&self) -> bool {
        match &self.quick {
            Some(quick) => quick.is_complete() && !quick.bound_cuts(),
            None => self.exact.is_complete(),
        }
    }

    fn pruned(&self) -> u64 {
        self.pruned_before + self.active_ref().pruned()
    }

    fn problem(&self) -> Option<String> {
        self.active_ref().problem()
    }
}
