//! Uniformly random scheduling, seeded with ChaCha8 so that a seed always gives the same runs.

use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Strategy, ThreadChoice};
use crate::event::ThreadId;

/// Picks uniformly among the enabled threads at every scheduling point.
pub struct RandomWalk {
    rng: ChaCha8Rng,
    /// Whether the livelock detector may take the choices for a replay (not for a probe,
    /// whose every choice must be uniform).
    lasso: bool,
}

impl RandomWalk {
    /// A random walk seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        RandomWalk {
            rng: ChaCha8Rng::seed_from_u64(seed),
            lasso: true,
        }
    }

    /// A random walk that makes every choice itself, uniformly: a probe of Knuth's estimator
    /// (`runtime::space_estimate`).
    pub fn probe(seed: u64) -> Self {
        RandomWalk {
            lasso: false,
            ..RandomWalk::new(seed)
        }
    }
}

/// A uniform index below `n` (`n > 0`).
pub(crate) fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    // Lemire's multiply-shift: unbiased enough for scheduling and branch-free.
    ((rng.next_u32() as u64 * n as u64) >> 32) as usize
}

impl Strategy for RandomWalk {
    fn follows_execution(&self) -> bool {
        false
    }

    fn steer_lasso(&mut self) -> bool {
        self.lasso
    }

    fn begin_execution(&mut self) -> bool {
        true
    }

    fn choose_thread(&mut self, choice: &ThreadChoice<'_>) -> ThreadId {
        choice.enabled[below(&mut self.rng, choice.enabled.len())]
    }

    fn choose_value(&mut self, n: u32) -> u32 {
        below(&mut self.rng, n as usize) as u32
    }
}
