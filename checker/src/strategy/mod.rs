//! Strategies: who decides which thread runs at each scheduling point.
//!
//! A strategy sees only the choices, never the program: the runtime asks it for the next thread
//! among the enabled ones and for nondeterministic values. DFS, random, race-directed steering,
//! PCT, replay and the default portfolio all sit behind [`Strategy`].

pub mod bounded;
pub mod channel_parts;
pub mod dfs;
pub mod dpor;
pub mod frontier;
pub(crate) mod near_races;
pub mod pct;
pub mod portfolio;
pub mod race_steer;
pub mod random;
pub mod replay;
pub mod sleep;
pub mod transcript;

use crate::config::{Config, StrategyKind};
use crate::event::{Event, ObjectId, StoreId, ThreadId};
use crate::schedule::Decision;

/// The choice at one scheduling point.
#[derive(Clone, Copy, Debug)]
pub struct ThreadChoice<'a> {
    /// The threads that may run next, in ascending id order (never empty).
    pub enabled: &'a [ThreadId],
    /// The thread that reached the scheduling point (`None` when it just finished or blocked).
    pub current: Option<ThreadId>,
    /// The current thread asked to let others run (`yield_now`, `spin_loop`, `sleep`).
    pub yielded: bool,
    /// Some enabled thread is blocked and would wake by timeout or spuriously if picked.
    pub wakes: bool,
    /// The fair scheduler is hiding a spinning thread that could otherwise run here. Which
    /// threads are hidden depends on how many steps the others took, so reordering independent
    /// steps can change it: partial-order reduction explores every offered thread at such a
    /// point.
    pub hidden: bool,
    /// Some enabled thread other than the current one is runnable (not blocked: picking it
    /// wakes nobody early).
    pub others_runnable: bool,
    /// The current thread yielded and another thread is runnable, but going on here would
    /// only make it wait for another thread's write (its spin loop repeated unchanged, see
    /// `runtime::spin`): the others running first reach everything going on reaches, without
    /// the preemption. A reduced search never goes on here.
    pub going_on_only_waits: bool,
}

impl ThreadChoice<'_> {
    /// The same choice among `enabled`.
    pub fn with_enabled(self, enabled: &[ThreadId]) -> ThreadChoice<'_> {
        ThreadChoice { enabled, ..self }
    }

    /// Whether picking `thread` here preempts the current thread: it could have gone on and did
    /// not ask to yield. After a yield it is the other way round: switching to another thread
    /// is what the thread asked for, and going on while another thread could run ignores the
    /// request, so that costs a preemption (loom never goes on there; a bound still can).
    pub fn is_preemption(&self, thread: ThreadId) -> bool {
        match self.current {
            Some(c) if self.yielded => c == thread && self.others_runnable,
            Some(c) => c != thread && self.enabled.contains(&c),
            None => false,
        }
    }
}

/// Decides the interleaving of one execution after another.
pub trait Strategy: Send {
    /// Starts the next execution; `false` when the strategy has nothing left to explore.
    fn begin_execution(&mut self) -> bool;
    /// Picks the thread that runs next. Only called when more than one thread is enabled.
    fn choose_thread(&mut self, choice: &ThreadChoice<'_>) -> ThreadId;
    /// Picks a value in `0..n` for a nondeterministic choice (`n >= 2`).
    fn choose_value(&mut self, n: u32) -> u32;
    /// Picks which of `n >= 2` stores an atomic access reads (or follows). Unlike other value
    /// choices, its options depend only on steps dependent with the access itself (stores to
    /// the same atomic, SeqCst fences) and on the thread's own past, so reduction may treat the
    /// step as the access it is.
    ///
    /// `offered` (at least two, ascending, 0 among them) are the indices in `0..n` worth
    /// exploring (see [`Strategy::store_ordered_before`]); the answer is an index in `0..n`,
    /// which is what a schedule records. By default, a value choice among `offered`.
    fn choose_read(&mut self, _n: u32, offered: &[u32]) -> u32 {
        offered[self.choose_value(offered.len() as u32) as usize]
    }
    /// Whether the store `overwriting` of `object` is ordered before `thread`'s next step, so
    /// that no reordering the strategy explores runs that step before it. A strategy that
    /// reverses races (DPOR) reaches a read of the store `overwriting` overwrote by running the
    /// read before `overwriting`, as a read of the latest store; reading it after `overwriting`
    /// (a stale read) then needs no exploring. By default, true: nothing is reordered.
    fn store_ordered_before(
        &self,
        _thread: ThreadId,
        _object: ObjectId,
        _overwriting: StoreId,
    ) -> bool {
        true
    }
    /// The runtime recorded a decision in the schedule: every thread choice and value choice,
    /// right after it was made, including those it made without asking the strategy (a read
    /// with a single store worth offering, whether a lasso was steered). The decisions of an
    /// execution are what replays it.
    fn recorded(&mut self, _decision: Decision) {}
    /// The execution passed a scheduling point where only one thread could run.
    fn forced_step(&mut self) {}
    /// An operation happened (partial-order reduction uses this).
    fn observe(&mut self, _event: &Event) {}
    /// Whether [`Strategy::observe`], [`Strategy::forced_step`] and [`Strategy::recorded`] do
    /// anything. Asked once per execution: when false, the runtime does not call them at every
    /// event and step (random walks and PCT, whose executions are the hot loop of sampling).
    /// Must stay the same within an execution.
    fn follows_execution(&self) -> bool {
        true
    }
    /// The fair scheduler hid a spinning thread from this point. What is enabled then depends
    /// on how many steps each thread took, which reordering independent steps changes, so a
    /// reducing search must stop relying on sleep sets and explore every thread offered where
    /// something is hidden.
    fn fairness_engaged(&mut self) {}
    /// Whether the runtime may replay a round of steps that brought the shared state back, to
    /// confirm a livelock or starvation (`detector::lasso`): the replay takes the scheduling
    /// choices out of the strategy's hands for a while, which only a sampling strategy can
    /// afford (an exhaustive search would not explore the choices it skipped). Asked once
    /// per candidate, and recorded as a value choice, so a replayed schedule does the same.
    fn steer_lasso(&mut self) -> bool {
        false
    }
    /// True when the strategy has exhausted its whole space within its bounds.
    fn is_complete(&self) -> bool {
        false
    }
    /// Alternatives skipped because partial-order reduction showed them redundant.
    fn pruned(&self) -> u64 {
        0
    }
    /// A problem that makes the execution meaningless, such as a replay that diverged.
    fn problem(&self) -> Option<String> {
        None
    }
    /// The executions PCT ran that its probabilistic bound covers (see [`PctRuns`]), for a
    /// strategy that is or contains PCT (the deepest, if several).
    fn pct_coverage(&self) -> Option<PctRuns> {
        None
    }
}

/// The executions a PCT scheduler ran within the length its change points were drawn over:
/// for each, a given bug of depth `depth` in a program of `n` threads is found with probability
/// at least `1 / (n * steps^(depth - 1))`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PctRuns {
    /// The bug depth.
    pub depth: u32,
    /// The executions covered.
    pub executions: u64,
    /// The widest length the change points were drawn over (`k`).
    pub steps: u64,
}

/// Builds the strategy the configuration asks for.
pub fn from_config(config: &Config) -> Box<dyn Strategy> {
    match config.strategy {
        StrategyKind::Dfs => match config.max_preemptions {
            Some(bound) if config.reduction => Box::new(bounded::BoundedDfs::new(bound)),
            bound => {
                Box::new(dfs::Dfs::with_reduction(bound, config.reduction).exact_within_bound())
            }
        },
        StrategyKind::Random => Box::new(random::RandomWalk::new(config.seed)),
        StrategyKind::Race => Box::new(race_steer::RaceSteer::new(config.seed)),
        StrategyKind::Pct { depth } => Box::new(pct::Pct::new(config.seed, depth)),
        StrategyKind::Portfolio => Box::new(portfolio::Portfolio::new(config)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(yielded: bool, others_runnable: bool) -> ThreadChoice<'static> {
        const BOTH: &[ThreadId] = &[ThreadId(0), ThreadId(1)];
        ThreadChoice {
            enabled: BOTH,
            current: Some(ThreadId(0)),
            yielded,
            wakes: !others_runnable,
            hidden: false,
            others_runnable,
            going_on_only_waits: false,
        }
    }

    #[test]
    fn switching_away_preempts_a_thread_that_did_not_yield() {
        let c = choice(false, true);
        assert!(c.is_preemption(ThreadId(1)));
        assert!(!c.is_preemption(ThreadId(0)));
    }

    #[test]
    fn going_on_after_a_yield_preempts_the_others_it_asked_to_let_run() {
        let c = choice(true, true);
        assert!(c.is_preemption(ThreadId(0)));
        assert!(!c.is_preemption(ThreadId(1)));
    }

    #[test]
    fn going_on_after_a_yield_is_free_when_the_others_are_blocked() {
        // Thread 1 could only run by waking early (a timeout or a spurious wakeup).
        let c = choice(true, false);
        assert!(!c.is_preemption(ThreadId(0)));
        assert!(!c.is_preemption(ThreadId(1)));
    }
}
