//! Race-directed steering: random walks that learn from what earlier executions showed.
//!
//! A random walk reaches a bug that needs several accesses in one particular order only when
//! each pair happens to meet in that order by chance. This strategy keeps the executions that
//! did something no earlier one did (a new pair of accesses in a row on one object, a new value
//! read at a site, a new shared state: [`super::near_races`]) and derives the next executions from them: replay
//! one such execution up to a near race, hold the thread of the first access back until the
//! other thread made the second one, and walk randomly from there. An execution that reversed
//! one race and did something new becomes a seed in turn, so reversals pile up, each on an
//! execution that already has the earlier ones: a bug that needs four orderings is four
//! reversals away, not a four-fold coincidence.
//!
//! Some executions stay pure random walks, so that what no seed leads to is still sampled.

use std::collections::HashSet;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::near_races::{ExecutionLog, Mark, Reversal};
use super::random::below;
use super::{Strategy, ThreadChoice};
use crate::event::{Event, ThreadId};
use crate::fast_hash::FastHash;
use crate::schedule::Decision;

/// Seeds kept at most; past it, a new seed replaces the oldest.
const MAX_SEEDS: usize = 256;
/// Seeds longer than this many decisions are not kept (memory: a seed holds its decisions).
const MAX_SEED_DECISIONS: usize = 20_000;
/// Features remembered at most (a few tens of megabytes); past it, features not remembered
/// no longer count as new, so a long run's memory stays bounded.
const MAX_FEATURES: usize = 1 << 20;
/// One execution in this many is a plain random walk (8 measured best on `safe_stack` among
/// 2, 4, 8, 16 and never).
const WALK_EVERY: u64 = 8;

/// An execution worth deriving others from.
struct Seed {
    decisions: Vec<Decision>,
    reversals: Vec<Reversal>,
    /// Executions derived from it so far.
    picked: u32,
}

/// A thread held back until another thread's access.
struct Hold {
    thread: ThreadId,
    until: Mark,
    /// Scheduling points left before the hold gives up.
    points_left: u32,
}

/// The race-directed strategy.
pub struct RaceSteer {
    rng: ChaCha8Rng,
    log: ExecutionLog,
    /// A ring: once full, `next_seed` is the oldest, which the next new seed replaces.
    seeds: Vec<Seed>,
    next_seed: usize,
    covered: HashSet<u64, FastHash>,
    /// Decisions to replay before the current execution goes its own way.
    prefix: Vec<Decision>,
    /// Decisions of the prefix recorded so far.
    replayed: usize,
    /// The reversal the current execution makes once its prefix is replayed.
    pending: Option<Hold>,
    hold: Option<Hold>,
    executions: u64,
}

impl RaceSteer {
    /// A race-directed strategy seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        RaceSteer {
            rng: ChaCha8Rng::seed_from_u64(seed),
            log: ExecutionLog::default(),
            seeds: Vec::new(),
            next_seed: 0,
            covered: HashSet::default(),
            prefix: Vec::new(),
            replayed: 0,
            pending: None,
            hold: None,
            executions: 0,
        }
    }

    /// Ends the execution being logged (this strategy's or one it witnessed): kept as a seed if
    /// it covered something new.
    pub fn close_execution(&mut self) {
        if !self.log.decisions.is_empty() || !self.log.features.is_empty() {
            self.learn();
        }
        self.log.clear();
    }

    /// A scheduling point of an execution another strategy runs, where the threads in
    /// `enabled` could run (empty: a forced step). The portfolio shows this strategy its
    /// other members' executions, so that what they covered seeds it too.
    pub fn witness_point(&mut self, enabled: &[ThreadId]) {
        self.log.point(enabled);
    }

    /// A decision the runtime recorded in a witnessed execution.
    pub fn witness_decision(&mut self, decision: Decision) {
        self.log.decision(decision);
    }

    /// An operation of a witnessed execution.
    pub fn witness_event(&mut self, event: &Event) {
        self.log.observe(event);
    }

    /// Keeps the execution just ended as a seed if it covered something new. Only a kept
    /// execution's features count as covered: one that cannot be a seed (no near race, too
    /// long) does not stop a later one that can.
    fn learn(&mut self) {
        let keepable =
            !self.log.reversals.is_empty() && self.log.decisions.len() <= MAX_SEED_DECISIONS;
        if !keepable || self.log.features.iter().all(|f| self.covered.contains(f)) {
            return;
        }
        let room = MAX_FEATURES.saturating_sub(self.covered.len());
        let fresh: Vec<u64> = self
            .log
            .features
            .iter()
            .filter(|f| !self.covered.contains(*f))
            .copied()
            .collect();
        if fresh.len() > room {
            // Full: what is not remembered no longer counts as new.
            return;
        }
        self.covered.extend(fresh);
        let seed = Seed {
            decisions: self.log.decisions.clone(),
            reversals: self.log.reversals.clone(),
            picked: 0,
        };
        if self.seeds.len() < MAX_SEEDS {
            self.seeds.push(seed);
        } else {
            self.seeds[self.next_seed] = seed;
        }
        self.next_seed = (self.next_seed + 1) % MAX_SEEDS;
    }

    /// Plans the next execution: a random walk, or a seed replayed up to one of its near
    /// races, which it then runs the other way round.
    fn plan(&mut self) {
        self.prefix.clear();
        self.replayed = 0;
        self.pending = None;
        self.hold = None;
        if self.seeds.is_empty() || self.executions % WALK_EVERY == 0 {
            return;
        }
        let i = self.pick_seed();
        self.seeds[i].picked += 1;
        let seed = &self.seeds[i];
        let reversal = seed.reversals[below(&mut self.rng, seed.reversals.len())];
        self.prefix
            .extend_from_slice(&seed.decisions[..reversal.prefix]);
        // Twice the distance the seed showed, plus five points, the one the hold starts at
        // included (measured on `safe_stack` in the portfolio over 30 seeds: plus four or plus
        // seven, or three times the distance, each took the median from about 2,600 to over
        // 4,000 executions; the figures move a lot with any change, so read them loosely).
        self.pending = Some(Hold {
            thread: reversal.hold,
            until: reversal.until,
            points_left: 2 * reversal.distance + 5,
        });
        self.start_hold_if_replayed();
    }

    /// The seed to derive the next execution from: of two drawn with a bias towards recent
    /// ones (which went furthest), the one derived from less often. Measured on `safe_stack`
    /// over 40 seeds: median 1,206 executions to the bug, where uniform draws needed 4,092
    /// (20 seeds) and a bias to recent seeds alone left a longer tail (8,679 at worst).
    fn pick_seed(&mut self) -> usize {
        let n = self.seeds.len();
        let newest = (self.next_seed + n - 1) % n;
        let mut recent = || {
            let k = below(&mut self.rng, n) + 1;
            (newest + n - below(&mut self.rng, k)) % n
        };
        let (a, b) = (recent(), recent());
        if self.seeds[a].picked <= self.seeds[b].picked {
            a
        } else {
            b
        }
    }

    /// Whether the prefix is still being replayed.
    fn replaying(&self) -> bool {
        self.replayed < self.prefix.len()
    }

    /// The decision the prefix holds for the runtime's next one, while it is replayed.
    fn next_in_prefix(&self) -> Option<Decision> {
        self.prefix.get(self.replayed).copied()
    }

    /// Once the whole prefix is replayed, the planned reversal starts holding its thread.
    fn start_hold_if_replayed(&mut self) {
        if !self.replaying() && self.hold.is_none() {
            self.hold = self.pending.take();
        }
    }

    /// The replayed execution went another way than its seed: walk from here.
    fn diverged(&mut self) {
        self.prefix.clear();
        self.replayed = 0;
        self.pending = None;
        self.hold = None;
    }

    /// Counts a scheduling point against the hold, which ends when it runs out.
    fn tick_hold(&mut self) {
        if let Some(hold) = &mut self.hold {
            hold.points_left = hold.points_left.saturating_sub(1);
            if hold.points_left == 0 {
                self.hold = None;
            }
        }
    }

    fn pick(&mut self, choice: &ThreadChoice<'_>) -> ThreadId {
        if self.replaying() {
            match self.next_in_prefix() {
                Some(Decision::Thread(t)) if choice.enabled.contains(&t) => return t,
                _ => self.diverged(),
            }
        }
        if let Some(hold) = &self.hold {
            let others = choice.enabled.iter().filter(|t| **t != hold.thread).count();
            if others > 0 {
                let n = below(&mut self.rng, others);
                return *choice
                    .enabled
                    .iter()
                    .filter(|t| **t != hold.thread)
                    .nth(n)
                    .expect("n < others");
            }
        }
        choice.enabled[below(&mut self.rng, choice.enabled.len())]
    }

    /// A value in `0..n` the prefix holds, if it is replayed and holds one that fits.
    fn replayed_value(&mut self, n: u32) -> Option<u32> {
        if !self.replaying() {
            return None;
        }
        match self.next_in_prefix() {
            Some(Decision::Value(v)) if v < n => Some(v),
            _ => {
                self.diverged();
                None
            }
        }
    }
}

impl Strategy for RaceSteer {
    /// While a prefix is replayed, the answer it recorded (the strategy that ran the seed may
    /// have said no); otherwise yes, as a sampling strategy.
    fn steer_lasso(&mut self) -> bool {
        self.replayed_value(2).is_none_or(|v| v == 1)
    }

    fn begin_execution(&mut self) -> bool {
        self.close_execution();
        self.executions += 1;
        self.plan();
        true
    }

    fn choose_thread(&mut self, choice: &ThreadChoice<'_>) -> ThreadId {
        self.log.point(choice.enabled);
        self.tick_hold();
        self.pick(choice)
    }

    fn choose_value(&mut self, n: u32) -> u32 {
        self.replayed_value(n)
            .unwrap_or_else(|| below(&mut self.rng, n as usize) as u32)
    }

    /// Answers with the index of the store read (not its place among `offered`), which is what
    /// the runtime records.
    fn choose_read(&mut self, n: u32, offered: &[u32]) -> u32 {
        self.replayed_value(n)
            .unwrap_or_else(|| offered[below(&mut self.rng, offered.len())])
    }

    /// Logs the decision and follows the prefix: a decision other than the one it holds (the
    /// runtime may decide without asking, where only one store is worth reading) ends the
    /// replay.
    fn recorded(&mut self, decision: Decision) {
        self.log.decision(decision);
        if self.replaying() {
            if self.next_in_prefix() == Some(decision) {
                self.replayed += 1;
                self.start_hold_if_replayed();
            } else {
                self.diverged();
            }
        }
    }

    fn forced_step(&mut self) {
        self.log.point(&[]);
        self.tick_hold();
    }

    fn observe(&mut self, event: &Event) {
        if self.hold.as_ref().is_some_and(|h| h.until.is(event)) {
            self.hold = None;
        }
        self.log.observe(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{MemOrder, ObjectId, Op, Site, StoreId};

    const T0: ThreadId = ThreadId(0);
    const T1: ThreadId = ThreadId(1);
    const BOTH: &[ThreadId] = &[T0, T1];

    fn site_a() -> Site {
        std::panic::Location::caller()
    }

    fn site_b() -> Site {
        std::panic::Location::caller()
    }

    fn store(thread: ThreadId, value: u64, site: Site) -> Event {
        Event {
            thread,
            object: Some(ObjectId(7)),
            op: Op::AtomicStore {
                order: MemOrder::SeqCst,
                value,
                id: StoreId(value as u32),
            },
            site,
        }
    }

    fn choice(enabled: &[ThreadId]) -> ThreadChoice<'_> {
        ThreadChoice {
            enabled,
            current: None,
            yielded: false,
            wakes: false,
            hidden: false,
            others_runnable: true,
            going_on_only_waits: false,
        }
    }

    /// Asks for a thread among `enabled` and records the answer, as the runtime does.
    fn step(steer: &mut RaceSteer, enabled: &[ThreadId]) -> ThreadId {
        let t = steer.choose_thread(&choice(enabled));
        steer.recorded(Decision::Thread(t));
        t
    }

    /// Witnesses `before` (decisions made before the race, each at a point where only the
    /// decided thread ran), then thread 0 storing at site A and thread 1 (which could have run
    /// first) storing at site B.
    fn witness_race(steer: &mut RaceSteer, before: &[Decision]) {
        for d in before {
            steer.witness_decision(*d);
        }
        steer.witness_point(BOTH);
        steer.witness_decision(Decision::Thread(T0));
        steer.witness_event(&store(T0, 1, site_a()));
        steer.witness_point(BOTH);
        steer.witness_decision(Decision::Thread(T1));
        steer.witness_event(&store(T1, 2, site_b()));
        steer.close_execution();
    }

    #[test]
    fn a_derived_execution_holds_the_first_thread_until_the_second_access() {
        let mut steer = RaceSteer::new(5);
        witness_race(&mut steer, &[]);
        assert_eq!(steer.seeds.len(), 1);
        assert!(steer.begin_execution());
        // The race is the first step, so nothing is replayed and thread 0 is held from the
        // start: whatever the dice, thread 1 runs until it made its store at site B.
        for _ in 0..5 {
            assert_eq!(step(&mut steer, BOTH), T1);
            steer.observe(&store(T1, 3, std::panic::Location::caller()));
        }
        assert!(
            steer.hold.is_some(),
            "another access of thread 1 does not end the hold"
        );
        steer.observe(&store(T1, 2, site_b()));
        assert!(
            steer.hold.is_none(),
            "the access it waited for ends the hold"
        );
    }

    #[test]
    fn a_hold_gives_up_after_twice_the_seed_distance_plus_five_points() {
        let mut steer = RaceSteer::new(5);
        witness_race(&mut steer, &[]);
        assert!(steer.begin_execution());
        // Distance 1: seven points in all, the one where the hold started included.
        for _ in 0..6 {
            assert_eq!(step(&mut steer, BOTH), T1);
        }
        assert!(steer.hold.is_some());
        step(&mut steer, BOTH);
        assert!(steer.hold.is_none());
    }

    #[test]
    fn a_hold_gives_way_when_the_held_thread_is_the_only_one_that_can_run() {
        let mut steer = RaceSteer::new(5);
        witness_race(&mut steer, &[]);
        assert!(steer.begin_execution());
        assert_eq!(step(&mut steer, &[T0]), T0);
    }

    #[test]
    fn an_execution_that_covers_nothing_new_is_not_a_seed() {
        let mut steer = RaceSteer::new(5);
        witness_race(&mut steer, &[]);
        witness_race(&mut steer, &[]);
        assert_eq!(steer.seeds.len(), 1);
    }

    #[test]
    fn the_prefix_follows_decisions_the_runtime_made_without_asking() {
        let mut steer = RaceSteer::new(5);
        // The seed's first decision is a read the runtime decided alone (one store worth
        // offering); the race comes after it.
        witness_race(&mut steer, &[Decision::Value(0)]);
        assert!(steer.begin_execution());
        assert!(steer.hold.is_none() && steer.replaying());
        steer.recorded(Decision::Value(0));
        assert!(steer.hold.is_some(), "replayed: the reversal starts");
        assert_eq!(step(&mut steer, BOTH), T1);
    }

    #[test]
    fn a_seed_that_no_longer_fits_is_walked_from_where_it_diverged() {
        let mut steer = RaceSteer::new(5);
        witness_race(&mut steer, &[Decision::Thread(T0)]);
        assert!(steer.begin_execution());
        // Thread 0 cannot run where the seed ran it: the strategy picks among who can.
        assert_eq!(step(&mut steer, &[T1]), T1);
        assert!(!steer.replaying() && steer.hold.is_none() && steer.pending.is_none());
    }

    #[test]
    fn a_lasso_is_steered_while_replaying_only_if_the_seed_steered_it() {
        let mut steer = RaceSteer::new(5);
        witness_race(&mut steer, &[Decision::Value(0)]);
        assert!(steer.begin_execution());
        assert!(!steer.steer_lasso());
        steer.recorded(Decision::Value(0));
        assert!(steer.steer_lasso(), "past the prefix it steers");
    }

    #[test]
    fn every_eighth_execution_is_a_plain_walk() {
        let mut steer = RaceSteer::new(5);
        witness_race(&mut steer, &[]);
        let derived: Vec<bool> = (0..16)
            .map(|_| {
                steer.begin_execution();
                steer.pending.is_some() || steer.hold.is_some()
            })
            .collect();
        assert_eq!(derived.iter().filter(|d| !**d).count(), 2);
    }

    #[test]
    fn a_full_seed_ring_replaces_its_oldest_seed() {
        let mut steer = RaceSteer::new(5);
        for i in 0..MAX_SEEDS as u64 + 3 {
            steer.witness_point(BOTH);
            steer.witness_decision(Decision::Thread(T0));
            steer.witness_event(&store(T0, 2 * i + 10, site_a()));
            steer.witness_point(BOTH);
            steer.witness_decision(Decision::Thread(T1));
            steer.witness_event(&store(T1, 2 * i + 11, site_b()));
            steer.close_execution();
        }
        assert_eq!(steer.seeds.len(), MAX_SEEDS);
        assert_eq!(steer.next_seed, 3);
        // The newest went where the oldest was.
        let newest = &steer.seeds[2];
        assert!(newest.decisions.len() == 2 && newest.reversals.len() == 1);
    }
}
