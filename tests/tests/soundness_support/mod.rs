//! What the partial-order reduction property tests share: the program generator's random
//! source and the seeds to run.

/// A tiny deterministic generator (xorshift64*), so the tests need no dependency.
pub struct Gen(u64);

impl Gen {
    /// The generator for program number `seed`.
    pub fn for_seed(seed: u64) -> Self {
        Gen(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

/// The preemption bound both searches run under: `CONC_CHECK_SOUNDNESS_BOUND` (none by
/// default). A bounded reduced search must reach every final state the bounded plain one does.
pub fn bound() -> Option<usize> {
    std::env::var("CONC_CHECK_SOUNDNESS_BOUND")
        .ok()
        .and_then(|v| v.parse().ok())
}

/// The seeds to run: `0..CONC_CHECK_SOUNDNESS_SEEDS` (40 by default, what CI runs), or only
/// `CONC_CHECK_SOUNDNESS_SEED` among them, to rerun one program.
pub struct Seeds {
    /// How many programs.
    pub count: u64,
    /// The one program to rerun, if any.
    pub only: Option<u64>,
}

impl Seeds {
    /// The seeds the environment asks for.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
        Seeds {
            count: var("CONC_CHECK_SOUNDNESS_SEEDS").unwrap_or(40),
            only: var("CONC_CHECK_SOUNDNESS_SEED"),
        }
    }

    /// Half as many programs (a rerun of one stays that one).
    pub fn halved(&self) -> Self {
        Seeds {
            count: self.count.div_ceil(2),
            only: self.only,
        }
    }

    /// The seeds, in order.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.count).filter(|seed| self.only.is_none_or(|o| o == *seed))
    }
}

/// The most executions the reduced search may take where the plain one took `plain`: no more
/// without a bound. Under a bound `Strategy::Dfs` first runs the unbounded search with sleep
/// sets and, once it has gone past the bound, gives it as many executions again (at most
/// `GRACE`, 64, `strategy/bounded.rs`) to finish before it starts over as the exact bounded
/// search; what the first attempt ran comes on top, and on tiny programs it can exceed what
/// reduction saves.
/// Twice the plain count plus that grace bounds it on every generated program so far.
pub fn allowed_executions(plain: u64, bound: Option<usize>) -> u64 {
    const GRACE: u64 = 64;
    match bound {
        None => plain,
        Some(_) => 2 * plain + GRACE,
    }
}
