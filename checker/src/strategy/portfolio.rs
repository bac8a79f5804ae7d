//! The default strategy: what users get when they set nothing.
//!
//! No single strategy wins on every bug, so the portfolio runs systematic and sampling
//! strategies side by side, one execution each in turn:
//!
//! - **Iterative preemption bounding** (as in CHESS): DFS with no preemptions, then at most one,
//!   two, … When a round finishes without its bound cutting anything, the whole space has been
//!   run: the exploration stops with `complete` (a proof, not a sample).
//! - **Sampling**: race-directed steering ([`super::race_steer`]) four turns in six, PCT at
//!   depths 3 and 2 in the other two. Steering learns from every execution the portfolio runs,
//!   DFS and PCT ones included: each that covered something new becomes a seed it derives
//!   executions from by reversing a race. `Config::steering` off gives its turns back to plain
//!   random walks, as the portfolio ran before steering (for comparisons).
//!
//! Measured on the corpus (medians over 20 seeds, executions to the first finding): random walks
//! find most bugs within 1–5 executions and the four-preemption `deep_preemptions` bug in about
//! 800, where PCT at depths 3–5 missed it within 20,000; PCT finds the order violation fastest (1–2);
//! bounded DFS needed 269 executions for `condvar_if_not_while`, which random finds in 5, but
//! unbounded DFS exhausts small tests and found `deep_preemptions` in 74. Alternating keeps each
//! member's strength at the cost of a multiple of its count (DFS runs every other execution,
//! steering four in twelve, each PCT one in twelve). With steering, no corpus bug's median got
//! more than 2.1x larger (`backoff_philosophers`, 92 to 192; BENCHMARKS.md table 3b), and the
//! Relacy stack bug (`safe_stack`), which random walks need about 60,000 executions for, is
//! found in a median of 3,444 (54 of 60 seeds within the default 10,000). Giving DFS one turn
//! in three after the first 1,000 executions found it sooner (median 2,239, 57 of 60) but
//! left `seq_cst_readers_ok` unproved within the default budget (its DFS needs 4,656 of the
//! portfolio's 9,312 executions), so DFS keeps every other turn.

use super::dfs::Dfs;
use super::pct::Pct;
use super::race_steer::RaceSteer;
use super::random::RandomWalk;
use super::{PctRuns, Strategy, ThreadChoice};
use crate::config::Config;
use crate::event::{Event, ObjectId, StoreId, ThreadId};
use crate::schedule::Decision;

/// Which member runs the current execution.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Member {
    Dfs,
    Random,
    Race,
    Pct2,
    Pct3,
}

/// Sampling executions run before an exploration whose DFS has proved its space ends. The proof
/// covers what the shim sees; a program that also synchronises through something it cannot
/// see (a `std::sync::Mutex` shared across model threads) may hang only in interleavings that
/// reduction counts as equivalent to explored ones, and sampling still reaches those.
const MIN_SAMPLES: u64 = 32;

/// The sampling members, in turn: steering takes two thirds of the turns. Measured on
/// `safe_stack` with the first version of steering, over 20 seeds within 20,000 executions:
/// with half the sampling turns it missed one seed and needed 14,764 at worst; with two
/// thirds, every seed within 6,550 (with five sixths, two seeds within 30,000 missed it).
const SAMPLING: [Member; 6] = [
    Member::Race,
    Member::Pct3,
    Member::Race,
    Member::Race,
    Member::Pct2,
    Member::Race,
];
/// The sampling members without steering (`Config::steering` off): what the portfolio ran
/// before race-directed steering.
const UNSTEERED: [Member; 4] = [Member::Random, Member::Pct3, Member::Random, Member::Pct2];

/// Iterative preemption bounding interleaved with race-directed steering and PCT (or, with
/// steering off, random walks and PCT).
pub struct Portfolio {
    dfs: Dfs,
    /// The preemption bound of the current DFS round.
    bound: usize,
    /// The largest bound (the user's `max_preemptions`), if any.
    max_bound: Option<usize>,
    /// DFS has run every execution its bounds allow.
    dfs_done: bool,
    /// Whether DFS uses partial-order reduction.
    reduce: bool,
    /// Alternatives pruned by earlier DFS rounds.
    pruned_before: u64,
    random: RandomWalk,
    race: RaceSteer,
    /// The sampling members' turns.
    sampling: &'static [Member],
    pct2: Pct,
    pct3: Pct,
    current: Member,
    turn: u64,
    /// Executions run by the sampling members.
    sampled: u64,
}

impl Portfolio {
    /// A portfolio with the configuration's seed and preemption bound.
    pub fn new(config: &Config) -> Self {
        Portfolio {
            dfs: Dfs::with_reduction(Some(0), config.reduction),
            reduce: config.reduction,
            pruned_before: 0,
            bound: 0,
            max_bound: config.max_preemptions,
            dfs_done: false,
            random: RandomWalk::new(config.seed),
            race: RaceSteer::new(config.seed.wrapping_add(3)),
            sampling: if config.steering {
                &SAMPLING
            } else {
                &UNSTEERED
            },
            pct2: Pct::new(config.seed.wrapping_add(1), 2),
            pct3: Pct::new(config.seed.wrapping_add(2), 3),
            current: Member::Dfs,
            turn: 0,
            sampled: 0,
        }
    }

    /// The portfolio's sampling turns alone, without its DFS rounds: what the workers beside
    /// the one running the whole portfolio run (`runtime::parallel`). It never claims
    /// completeness.
    pub fn sampling_only(config: &Config) -> Self {
        Portfolio {
            dfs_done: true,
            ..Portfolio::new(config)
        }
    }

    fn member(&mut self) -> &mut dyn Strategy {
        match self.current {
            Member::Dfs => &mut self.dfs,
            Member::Random => &mut self.random,
            Member::Race => &mut self.race,
            Member::Pct2 => &mut self.pct2,
            Member::Pct3 => &mut self.pct3,
        }
    }

    /// Whether race-directed steering takes sampling turns.
    fn steering(&self) -> bool {
        self.sampling.contains(&Member::Race)
    }

    /// Whether the current execution is another member's that steering learns from.
    fn witnessing(&self) -> bool {
        self.current != Member::Race && self.steering()
    }

    /// DFS proved the space and the sampling members ran their minimum: nothing left to run.
    fn finished(&self) -> bool {
        self.is_complete() && self.sampled >= MIN_SAMPLES
    }

    /// Starts the next DFS execution, raising the bound when a round ends; false when DFS is done.
    fn next_dfs(&mut self) -> bool {
        loop {
            if self.dfs.begin_execution() {
                return true;
            }
            let capped = self.max_bound.is_some_and(|max| self.bound >= max);
            if !self.dfs.pruned_by_bound() || capped {
                self.dfs_done = true;
                return false;
            }
            self.bound += 1;
            self.pruned_before += self.dfs.pruned();
            self.dfs = Dfs::with_reduction(Some(self.bound), self.reduce);
        }
    }
}

impl Strategy for Portfolio {
    fn pct_coverage(&self) -> Option<PctRuns> {
        self.pct3.pct_coverage()
    }

    fn steer_lasso(&mut self) -> bool {
        self.member().steer_lasso()
    }

    fn begin_execution(&mut self) -> bool {
        if self.steering() {
            self.race.close_execution();
        }
        if self.finished() {
            return false;
        }
        self.turn += 1;
        if self.turn % 2 == 1 && !self.dfs_done && self.next_dfs() {
            self.current = Member::Dfs;
            return true;
        }
        if self.finished() {
            return false;
        }
        self.current = self.sampling[(self.turn / 2 % self.sampling.len() as u64) as usize];
        self.sampled += 1;
        self.member().begin_execution()
    }

    fn choose_thread(&mut self, choice: &ThreadChoice<'_>) -> ThreadId {
        if self.witnessing() {
            self.race.witness_point(choice.enabled);
        }
        self.member().choose_thread(choice)
    }

    fn choose_value(&mut self, n: u32) -> u32 {
        self.member().choose_value(n)
    }

    fn choose_read(&mut self, n: u32, offered: &[u32]) -> u32 {
        self.member().choose_read(n, offered)
    }

    fn recorded(&mut self, decision: Decision) {
        self.member().recorded(decision);
        if self.witnessing() {
            self.race.witness_decision(decision);
        }
    }

    fn forced_step(&mut self) {
        self.member().forced_step();
        if self.witnessing() {
            self.race.witness_point(&[]);
        }
    }

    fn store_ordered_before(
        &self,
        thread: ThreadId,
        object: ObjectId,
        overwriting: StoreId,
    ) -> bool {
        match self.current {
            Member::Dfs => self.dfs.store_ordered_before(thread, object, overwriting),
            _ => true,
        }
    }

    fn observe(&mut self, event: &Event) {
        self.member().observe(event);
        if self.witnessing() {
            self.race.witness_event(event);
        }
    }

    fn fairness_engaged(&mut self) {
        self.member().fairness_engaged();
    }

    fn is_complete(&self) -> bool {
        self.dfs_done && self.dfs.is_complete() && !self.dfs.pruned_by_bound()
    }

    fn pruned(&self) -> u64 {
        self.pruned_before + self.dfs.pruned()
    }

    fn problem(&self) -> Option<String> {
        match self.current {
            Member::Dfs => self.dfs.problem(),
            _ => None,
        }
    }
}
