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

use super::near_races::{Answer, ExecutionLog, Mark, Reversal};
use super::random::below;
use super::{Strategy, ThreadChoice};
use crate::event::{Event, ThreadId};
use crate::fast_hash::FastHash;

/// Seeds kept at most; past it, a new seed replaces a random old one.
const MAX_SEEDS: usize = 256;
/// Seeds longer than this many answers are not kept (memory: a seed holds its answers).
const MAX_SEED_ANSWERS: usize = 20_000;
/// Features remembered at most (a few tens of megabytes); past it, features are still
/// compared but no longer added, so a long run's memory stays bounded.
const MAX_FEATURES: usize = 1 << 20;
/// One execution in this many is a plain random walk (8 measured best on `safe_stack` among
/// 2, 4, 8, 16 and never).
const WALK_EVERY: u64 = 8;

/// An execution worth deriving others from.
struct Seed {
    answers: Vec<Answer>,
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
    seeds: Vec<Seed>,
    covered: HashSet<u64, FastHash>,
    /// Answers to replay before the current execution goes its own way.
    prefix: Vec<Answer>,
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
        if !self.log.answers.is_empty() || !self.log.features.is_empty() {
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

    /// The thread another strategy picked at the last witnessed scheduling point.
    pub fn witness_thread(&mut self, thread: ThreadId) {
        self.log.answer(Answer::Thread(thread));
    }

    /// A value another strategy chose (for a load: the index of the store it reads).
    pub fn witness_value(&mut self, value: u32) {
        self.log.answer(Answer::Value(value));
    }

    /// An operation of a witnessed execution.
    pub fn witness_event(&mut self, event: &Event) {
        self.log.observe(event);
    }

    /// Keeps the execution just ended as a seed if it covered something new.
    fn learn(&mut self) {
        let mut new = false;
        for f in &self.log.features {
            new |= if self.covered.len() < MAX_FEATURES {
                self.covered.insert(*f)
            } else {
                !self.covered.contains(f)
            };
        }
        if !new || self.log.reversals.is_empty() || self.log.answers.len() > MAX_SEED_ANSWERS {
            return;
        }
        let seed = Seed {
            answers: self.log.answers.clone(),
            reversals: self.log.reversals.clone(),
            picked: 0,
        };
        if self.seeds.len() < MAX_SEEDS {
            self.seeds.push(seed);
        } else {
            let i = below(&mut self.rng, self.seeds.len());
            self.seeds[i] = seed;
        }
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
            .extend_from_slice(&seed.answers[..reversal.prefix]);
        self.pending = Some(Hold {
            thread: reversal.hold,
            until: reversal.until,
            points_left: 2 * reversal.distance + 4,
        });
    }

    /// The seed to derive the next execution from: of two drawn with a bias towards recent
    /// ones (which went furthest), the one derived from less often. Measured on `safe_stack`
    /// over 40 seeds: median 1,206 executions to the bug, where uniform draws needed 4,092
    /// (20 seeds) and a bias to recent seeds alone left a longer tail (8,679 at worst).
    fn pick_seed(&mut self) -> usize {
        let n = self.seeds.len();
        let mut recent = || {
            let k = below(&mut self.rng, n) + 1;
            n - 1 - below(&mut self.rng, k)
        };
        let (a, b) = (recent(), recent());
        if self.seeds[a].picked <= self.seeds[b].picked {
            a
        } else {
            b
        }
    }

    /// The next answer of the prefix, if any is left.
    fn replay(&mut self) -> Option<Answer> {
        let answer = self.prefix.get(self.replayed).copied();
        self.replayed += 1;
        if answer.is_none() && self.hold.is_none() {
            self.hold = self.pending.take();
        }
        answer
    }

    /// The replayed execution went another way than its seed: walk from here.
    fn diverged(&mut self) {
        self.prefix.clear();
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
        match self.replay() {
            Some(Answer::Thread(t)) if choice.enabled.contains(&t) => return t,
            Some(_) => self.diverged(),
            None => {}
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
}

impl Strategy for RaceSteer {
    fn steer_lasso(&mut self) -> bool {
        true
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
        let t = self.pick(choice);
        self.log.answer(Answer::Thread(t));
        t
    }

    fn choose_value(&mut self, n: u32) -> u32 {
        let v = match self.replay() {
            Some(Answer::Value(v)) if v < n => v,
            Some(_) => {
                self.diverged();
                below(&mut self.rng, n as usize) as u32
            }
            None => below(&mut self.rng, n as usize) as u32,
        };
        self.log.answer(Answer::Value(v));
        v
    }

    /// Logged as the index of the store read (not its place among `offered`), as a witnessed
    /// execution logs it.
    fn choose_read(&mut self, n: u32, offered: &[u32]) -> u32 {
        let v = match self.replay() {
            Some(Answer::Value(v)) if v < n => v,
            Some(_) => {
                self.diverged();
                offered[below(&mut self.rng, offered.len())]
            }
            None => offered[below(&mut self.rng, offered.len())],
        };
        self.log.answer(Answer::Value(v));
        v
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
        }
    }

    /// Thread 0 stores at site A, then thread 1 (which could have run first) at site B.
    fn witness_race(steer: &mut RaceSteer) {
        steer.witness_point(BOTH);
        steer.witness_thread(T0);
        steer.witness_event(&store(T0, 1, site_a()));
        steer.witness_point(BOTH);
        steer.witness_thread(T1);
        steer.witness_event(&store(T1, 2, site_b()));
        steer.close_execution();
    }

    #[test]
    fn a_derived_execution_holds_the_first_thread_until_the_second_access() {
        let mut steer = RaceSteer::new(5);
        witness_race(&mut steer);
        assert_eq!(steer.seeds.len(), 1);
        assert!(steer.begin_execution());
        // The race is the first step, so nothing is replayed and thread 0 is held from the
        // start: whatever the dice, thread 1 runs until it made its store at site B (or six
        // points passed: twice the distance the seed showed, plus four).
        for _ in 0..5 {
            assert_eq!(steer.choose_thread(&choice(BOTH)), T1);
            steer.observe(&store(T1, 3, std::panic::Location::caller()));
        }
        steer.observe(&store(T1, 2, site_b()));
        let picks: Vec<ThreadId> = (0..64)
            .map(|_| steer.choose_thread(&choice(BOTH)))
            .collect();
        assert!(
            picks.contains(&T0),
            "the hold ended with the access it waited for"
        );
    }

    #[test]
    fn a_hold_gives_up_after_twice_the_seed_distance_plus_four_points() {
        let mut steer = RaceSteer::new(5);
        witness_race(&mut steer);
        assert!(steer.begin_execution());
        // The point where the hold starts, then six more.
        for _ in 0..6 {
            assert_eq!(steer.choose_thread(&choice(BOTH)), T1);
        }
        steer.choose_thread(&choice(BOTH));
        assert!(steer.hold.is_none());
    }

    #[test]
    fn a_hold_gives_way_when_the_held_thread_is_the_only_one_that_can_run() {
        let mut steer = RaceSteer::new(5);
        witness_race(&mut steer);
        assert!(steer.begin_execution());
        assert_eq!(steer.choose_thread(&choice(&[T0])), T0);
    }

    #[test]
    fn an_execution_that_covers_nothing_new_is_not_a_seed() {
        let mut steer = RaceSteer::new(5);
        witness_race(&mut steer);
        witness_race(&mut steer);
        assert_eq!(steer.seeds.len(), 1);
    }

    #[test]
    fn a_seed_that_no_longer_fits_is_walked_from_where_it_diverged() {
        let mut steer = RaceSteer::new(5);
        // The race comes after one step of thread 0, which the derived execution replays.
        steer.witness_point(BOTH);
        steer.witness_thread(T0);
        witness_race(&mut steer);
        assert!(steer.begin_execution());
        // Thread 0 cannot run where the seed ran it: the strategy picks among who can.
        assert_eq!(steer.choose_thread(&choice(&[T1])), T1);
        assert!(steer.prefix.is_empty() && steer.hold.is_none() && steer.pending.is_none());
    }

    #[test]
    fn every_eighth_execution_is_a_plain_walk() {
        let mut steer = RaceSteer::new(5);
        witness_race(&mut steer);
        let derived: Vec<bool> = (0..16)
            .map(|_| {
                steer.begin_execution();
                steer.pending.is_some() || steer.hold.is_some()
            })
            .collect();
        assert_eq!(derived.iter().filter(|d| !**d).count(), 2);
    }
}
