//! The default strategy: what users get when they set nothing.
//!
//! No single strategy wins on every bug. Bounded DFS finds shallow bugs in few executions and,
//! on a small test, exhausts the whole space (a proof); random walks find bugs that need many
//! alternations; PCT finds ordering bugs of small depth with a guaranteed probability.
//!
//! The portfolio spends the first third of the execution budget on iterative preemption
//! bounding (as in CHESS): DFS with no preemptions, then at most one, then at most two. Most
//! bugs need one or two preemptions, so they show up within the first few executions. When a
//! DFS round finishes without its bound cutting anything, the space is exhausted outright and the
//! exploration stops with `complete`. The rest of the budget alternates random walks and PCT
//! with depths 3 and 2.

use super::dfs::Dfs;
use super::pct::Pct;
use super::random::RandomWalk;
use super::{Strategy, ThreadChoice};
use crate::config::Config;
use crate::event::ThreadId;

/// The largest preemption bound of the DFS phase.
pub const DFS_PREEMPTIONS: usize = 2;

/// Which member runs the current execution.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Member {
    Dfs,
    Random,
    Pct2,
    Pct3,
}

/// Bounded DFS, then random and PCT in turns.
pub struct Portfolio {
    dfs: Dfs,
    random: RandomWalk,
    pct2: Pct,
    pct3: Pct,
    dfs_budget: u64,
    /// The preemption bound of the current DFS round.
    bound: usize,
    max_bound: usize,
    executions: u64,
    current: Member,
    sampling_turn: u64,
}

impl Portfolio {
    /// A portfolio sized for `config.iterations` executions.
    pub fn new(config: &Config) -> Self {
        let max_bound = config.max_preemptions.unwrap_or(DFS_PREEMPTIONS);
        Portfolio {
            dfs: Dfs::new(Some(0)),
            bound: 0,
            max_bound,
            random: RandomWalk::new(config.seed),
            pct2: Pct::new(config.seed.wrapping_add(1), 2),
            pct3: Pct::new(config.seed.wrapping_add(2), 3),
            dfs_budget: (config.iterations / 3).max(1),
            executions: 0,
            current: Member::Dfs,
            sampling_turn: 0,
        }
    }

    fn member(&mut self) -> &mut dyn Strategy {
        match self.current {
            Member::Dfs => &mut self.dfs,
            Member::Random => &mut self.random,
            Member::Pct2 => &mut self.pct2,
            Member::Pct3 => &mut self.pct3,
        }
    }
}

impl Strategy for Portfolio {
    fn begin_execution(&mut self) -> bool {
        self.executions += 1;
        while self.current == Member::Dfs && self.executions <= self.dfs_budget {
            if self.dfs.begin_execution() {
                return true;
            }
            if !self.dfs.pruned_by_bound() || self.bound >= self.max_bound {
                break;
            }
            self.bound += 1;
            self.dfs = Dfs::new(Some(self.bound));
        }
        if self.is_complete() {
            return false;
        }
        self.current = match self.sampling_turn % 3 {
            0 => Member::Random,
            1 => Member::Pct3,
            _ => Member::Pct2,
        };
        self.sampling_turn += 1;
        self.member().begin_execution()
    }

    fn choose_thread(&mut self, choice: &ThreadChoice<'_>) -> ThreadId {
        self.member().choose_thread(choice)
    }

    fn choose_value(&mut self, n: u32) -> u32 {
        self.member().choose_value(n)
    }

    fn is_complete(&self) -> bool {
        self.dfs.is_complete() && !self.dfs.pruned_by_bound()
    }

    fn problem(&self) -> Option<String> {
        match self.current {
            Member::Dfs => self.dfs.problem(),
            _ => None,
        }
    }
}
