//! Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte; ASPLOS 2010).
//!
//! Every thread gets a random priority when it first appears, and the highest-priority enabled
//! thread always runs. `depth - 1` change points, drawn uniformly over the expected length of an
//! execution, each lower the priority of the running thread below every initial priority. A bug
//! of depth `d` is found with probability at least `1 / (n * k^(d-1))` per execution. A thread
//! that yields drops to the lowest priority so that spin loops let the others go.

use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::random::below;
use super::{PctRuns, Strategy, ThreadChoice};
use crate::event::ThreadId;

/// The PCT scheduler.
pub struct Pct {
    rng: ChaCha8Rng,
    depth: usize,
    /// Priority per thread index; `None` until the thread is first seen in an execution.
    priorities: Vec<Option<i64>>,
    change_points: Vec<u64>,
    step: u64,
    longest_run: u64,
    lowest: i64,
    /// The length the current execution's change points were drawn over (0 before the first).
    range: u64,
    /// Finished executions that stayed within the length their change points were drawn
    /// over: those the paper's bound holds for.
    covered: u64,
    /// The widest such length.
    widest: u64,
}

/// Initial priorities start here; change points go below.
const INITIAL_BASE: i64 = 1 << 40;

impl Pct {
    /// PCT with bug depth `depth` (at least 1), seeded with `seed`.
    pub fn new(seed: u64, depth: usize) -> Self {
        Pct {
            rng: ChaCha8Rng::seed_from_u64(seed),
            depth: depth.max(1),
            priorities: Vec::new(),
            change_points: Vec::new(),
            step: 0,
            longest_run: 32,
            lowest: 0,
            range: 0,
            covered: 0,
            widest: 0,
        }
    }

    /// Whether the execution that ran last stayed within the length its change points were
    /// drawn over.
    fn last_was_covered(&self) -> bool {
        self.range > 0 && self.step <= self.range
    }

    fn priority(&mut self, t: ThreadId) -> i64 {
        if self.priorities.len() <= t.index() {
            self.priorities.resize(t.index() + 1, None);
        }
        match self.priorities[t.index()] {
            Some(p) => p,
            None => {
                let p = INITIAL_BASE + (self.rng.next_u32() as i64);
                self.priorities[t.index()] = Some(p);
                p
            }
        }
    }

    fn lower(&mut self, t: ThreadId, to: i64) {
        self.priority(t);
        self.priorities[t.index()] = Some(to);
    }
}

impl Strategy for Pct {
    fn follows_execution(&self) -> bool {
        false
    }

    fn steer_lasso(&mut self) -> bool {
        true
    }

    fn pct_coverage(&self) -> Option<PctRuns> {
        let last = self.last_was_covered();
        Some(PctRuns {
            depth: self.depth as u32,
            executions: self.covered + u64::from(last),
            steps: if last {
                self.widest.max(self.range)
            } else {
                self.widest
            },
        })
    }

    fn begin_execution(&mut self) -> bool {
        if self.last_was_covered() {
            self.covered += 1;
            self.widest = self.widest.max(self.range);
        }
        self.longest_run = self.longest_run.max(self.step);
        self.range = self.longest_run;
        self.step = 0;
        self.priorities.clear();
        self.lowest = 0;
        self.change_points.clear();
        for _ in 1..self.depth {
            let at = 1 + below(&mut self.rng, self.longest_run as usize) as u64;
            self.change_points.push(at);
        }
        true
    }

    fn choose_thread(&mut self, choice: &ThreadChoice<'_>) -> ThreadId {
        self.step += 1;
        if let Some(current) = choice.current {
            if choice.yielded {
                self.lowest -= 1;
                let lowest = self.lowest;
                self.lower(current, lowest);
            } else if let Some(i) = self.change_points.iter().position(|p| *p == self.step) {
                // The i-th change point gives priority i (all below the initial ones).
                self.lower(current, 1 + i as i64);
            }
        }
        let mut best = choice.enabled[0];
        let mut best_priority = self.priority(best);
        for &t in &choice.enabled[1..] {
            let p = self.priority(t);
            if p > best_priority {
                best = t;
                best_priority = p;
            }
        }
        best
    }

    fn choose_value(&mut self, n: u32) -> u32 {
        below(&mut self.rng, n as usize) as u32
    }
}
