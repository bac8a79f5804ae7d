//! What one execution shows the race-directed strategy ([`super::race_steer`]): the decisions
//! the runtime recorded, the accesses to one object from different threads that came close enough to run the
//! other way round, and the coverage features that say whether the execution did something new.
//!
//! Two accesses of different threads to one object, at least one of them a write, with no
//! access conflicting with the second between them (a write, or, for a second access that
//! writes, any access), where the second thread could
//! already have run at the scheduling point of the first: that pair is a *near race*. Running
//! the second access first, with everything before the first kept, is the smallest change to
//! the execution that changes what a read sees (RaceFuzzer, Sen, PLDI 2008; reads-from fuzzing,
//! Wolff et al., ASPLOS 2024).
//!
//! The coverage features include the shared state itself (every atomic's value and every lock's
//! holder, hashed incrementally): measured on `safe_stack`, whose bug needs a particular state
//! of three threads, keeping every execution that reached a new state as a seed found it within
//! 7,400 executions on 20 seeds out of 20, where access pairs and values alone left 4 of 20
//! beyond 10,000.

use std::hash::{BuildHasher, Hash};

use crate::detector::objects::grow;
use crate::event::{Access, Event, ObjectId, Op, Site, ThreadId};
use crate::fast_hash::FastHash;
use crate::schedule::Decision;

/// A near race, and how to run it the other way round.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reversal {
    /// Decisions before the scheduling point of the first access: replaying them reaches it.
    pub prefix: usize,
    /// The thread of the first access, held back from that point.
    pub hold: ThreadId,
    /// The second access, which releases the held thread once it ran.
    pub until: Mark,
    /// Scheduling points between the two accesses in the execution that showed them.
    pub distance: u32,
}

/// An access that a steered execution waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Mark {
    /// Who makes it.
    pub thread: ThreadId,
    /// On what.
    pub object: ObjectId,
    /// Where.
    pub site: Site,
}

impl Mark {
    /// Whether `event` is this access.
    pub fn is(&self, event: &Event) -> bool {
        event.thread == self.thread
            && event.object == Some(self.object)
            && std::ptr::eq(event.site, self.site)
    }
}

/// One access: where, and at which scheduling point.
#[derive(Clone, Copy)]
struct Touch {
    write: bool,
    site: Site,
    point: u32,
}

/// The latest access and the latest write of one thread to one object (a read after its own
/// write must not hide the write from a later reader).
#[derive(Clone, Copy)]
struct LastAccess {
    thread: ThreadId,
    any: Touch,
    write: Option<Touch>,
}

/// A scheduling point: where in the decisions it came, and which threads could run there.
#[derive(Clone, Copy)]
struct Point {
    decisions: usize,
    /// Bit `t` for each thread `t < 64` that could run; 0 when the step was forced.
    enabled: u64,
}

/// The record of one execution.
#[derive(Default)]
pub(crate) struct ExecutionLog {
    /// Every decision recorded, in order.
    pub decisions: Vec<Decision>,
    points: Vec<Point>,
    /// Per object (by index): the latest access of each thread that touched it.
    last: Vec<Vec<LastAccess>>,
    /// The near races seen (a sample, in no particular order, when there were many).
    pub reversals: Vec<Reversal>,
    /// Hashes of what the execution did that a different interleaving may not do: which
    /// access followed which on one object, what each atomic read returned where, and each
    /// shared state it went through (the value of every atomic, the holder of every lock).
    pub features: Vec<u64>,
    /// The value each object last took, by object index.
    values: Vec<u64>,
    /// The hash of every object's value, updated as they change.
    state: u64,
    /// Near races seen, kept or not.
    near_races: u64,
}

/// Most reversals kept per execution, a uniform sample of all its near races when it had more
/// (so that a long execution's seed stays small).
const MAX_REVERSALS: usize = 1_024;

fn hash(parts: impl Hash) -> u64 {
    FastHash.hash_one(parts)
}

/// SplitMix64's finaliser: every bit of `z` reaches every bit of the result (a multiplicative
/// hash of a counter alone is even for every even count).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn site_key(site: Site) -> usize {
    site as *const _ as usize
}

impl ExecutionLog {
    /// Forgets the previous execution.
    pub fn clear(&mut self) {
        self.decisions.clear();
        self.points.clear();
        for per_object in &mut self.last {
            per_object.clear();
        }
        self.reversals.clear();
        self.features.clear();
        self.values.clear();
        self.state = 0;
        self.near_races = 0;
    }

    /// A scheduling point where the threads in `enabled` could run (empty: a forced step).
    pub fn point(&mut self, enabled: &[ThreadId]) {
        let mask = enabled
            .iter()
            .filter(|t| t.0 < 64)
            .fold(0u64, |m, t| m | 1 << t.0);
        self.points.push(Point {
            decisions: self.decisions.len(),
            enabled: mask,
        });
    }

    /// A decision the runtime recorded.
    pub fn decision(&mut self, decision: Decision) {
        self.decisions.push(decision);
    }

    /// Keeps `reversal` in a uniform sample of at most [`MAX_REVERSALS`] (reservoir sampling,
    /// with a hash of the count as the dice so that a seed always gives the same runs).
    fn keep(&mut self, reversal: Reversal) {
        self.near_races += 1;
        if self.reversals.len() < MAX_REVERSALS {
            self.reversals.push(reversal);
            return;
        }
        let slot = ((u128::from(mix(self.near_races)) * u128::from(self.near_races)) >> 64) as u64;
        if let Some(kept) = self.reversals.get_mut(slot as usize) {
            *kept = reversal;
        }
    }

    /// An operation happened.
    pub fn observe(&mut self, event: &Event) {
        let Some(object) = event.object else { return };
        let write = match (event.op, event.op.access()) {
            (Op::Create { .. }, _) | (_, Access::Local) => return,
            (_, access) => access == Access::Write,
        };
        self.track_state(object, event);
        self.value_features(event);
        let Some(point) = self.points.len().checked_sub(1) else {
            return;
        };
        let mine = Touch {
            write,
            site: event.site,
            point: point as u32,
        };
        self.near_race(object, event, mine);
        self.remember(object, event.thread, mine);
    }

    /// Folds what `event` made `object` hold into the shared state, whose every new value is a
    /// feature: an atomic's stored value, a lock's holder.
    fn track_state(&mut self, object: ObjectId, event: &Event) {
        let value = match event.op {
            Op::AtomicStore { value, .. } => value,
            Op::AtomicRmw {
                success: true, new, ..
            } => new,
            Op::Acquire { .. } => u64::from(event.thread.0) + 1,
            Op::Release { .. } => 0,
            _ => return,
        };
        let held = grow(&mut self.values, object.0 as usize);
        self.state ^= hash((object.0, *held)) ^ hash((object.0, value));
        *held = value;
        self.features.push(self.state);
    }

    /// What an atomic read returned at its site.
    fn value_features(&mut self, event: &Event) {
        let site = site_key(event.site);
        match event.op {
            Op::AtomicLoad { value, .. } => self.features.push(hash((site, 0u8, value))),
            Op::AtomicRmw {
                old, new, success, ..
            } => self.features.push(hash((site, success, old, new))),
            _ => {}
        }
    }

    /// The access of another thread to `object` that `mine` follows and conflicts with, if
    /// any: its pair is a feature, and a near race when `event`'s thread could have run first.
    fn near_race(&mut self, object: ObjectId, event: &Event, mine: Touch) {
        let previous = grow(&mut self.last, object.0 as usize)
            .iter()
            .filter(|a| a.thread != event.thread)
            .filter_map(|a| {
                let touch = if mine.write { Some(a.any) } else { a.write };
                touch.map(|touch| (a.thread, touch))
            })
            .max_by_key(|(_, touch)| touch.point);
        let Some((previous_thread, a)) = previous else {
            return;
        };
        self.features.push(hash((
            site_key(a.site),
            a.write,
            site_key(mine.site),
            mine.write,
        )));
        let at = self.points[a.point as usize];
        let could_run = event.thread.0 < 64 && at.enabled & 1 << event.thread.0 != 0;
        if could_run {
            self.keep(Reversal {
                prefix: at.decisions,
                hold: previous_thread,
                until: Mark {
                    thread: event.thread,
                    object,
                    site: event.site,
                },
                distance: mine.point - a.point,
            });
        }
    }

    /// Records `mine` as `thread`'s latest access to `object` (and latest write, if it is one).
    fn remember(&mut self, object: ObjectId, thread: ThreadId, mine: Touch) {
        let accesses = &mut self.last[object.0 as usize];
        match accesses.iter_mut().find(|a| a.thread == thread) {
            Some(slot) => {
                slot.any = mine;
                if mine.write {
                    slot.write = Some(mine);
                }
            }
            None => accesses.push(LastAccess {
                thread,
                any: mine,
                write: mine.write.then_some(mine),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::MemOrder;

    const T0: ThreadId = ThreadId(0);
    const T1: ThreadId = ThreadId(1);

    fn load(thread: ThreadId, value: u64) -> Event {
        Event {
            thread,
            object: Some(ObjectId(3)),
            op: Op::AtomicLoad {
                order: MemOrder::SeqCst,
                value,
                from: crate::event::StoreId(0),
            },
            site: std::panic::Location::caller(),
        }
    }

    fn store(thread: ThreadId, value: u64) -> Event {
        Event {
            thread,
            object: Some(ObjectId(3)),
            op: Op::AtomicStore {
                order: MemOrder::SeqCst,
                value,
                id: crate::event::StoreId(1),
            },
            site: std::panic::Location::caller(),
        }
    }

    /// Thread 0 makes `first`, then thread 1 makes `second`; `both` says whether thread 1
    /// could have run at thread 0's step.
    fn pair(first: Event, second: Event, both: bool) -> ExecutionLog {
        let mut log = ExecutionLog::default();
        log.decision(Decision::Value(0));
        log.point(if both { &[T0, T1] } else { &[] });
        log.decision(Decision::Thread(T0));
        log.observe(&first);
        log.point(&[T0, T1]);
        log.decision(Decision::Thread(T1));
        log.observe(&second);
        log
    }

    #[test]
    fn a_write_then_another_threads_read_is_a_near_race() {
        let log = pair(store(T0, 1), load(T1, 1), true);
        assert_eq!(log.reversals.len(), 1);
        let r = log.reversals[0];
        assert_eq!(
            r.prefix, 1,
            "replaying the value choice reaches thread 0's step"
        );
        assert_eq!(r.hold, T0);
        assert_eq!(r.until.thread, T1);
        assert_eq!(r.distance, 1);
    }

    #[test]
    fn a_read_after_its_own_write_does_not_hide_the_write_from_another_reader() {
        let mut log = ExecutionLog::default();
        log.point(&[T0, T1]);
        log.decision(Decision::Thread(T0));
        log.observe(&store(T0, 1));
        log.point(&[T0, T1]);
        log.decision(Decision::Thread(T0));
        log.observe(&load(T0, 1));
        log.point(&[T0, T1]);
        log.decision(Decision::Thread(T1));
        log.observe(&load(T1, 1));
        assert_eq!(log.reversals.len(), 1);
        assert_eq!(
            log.reversals[0].prefix, 0,
            "the reversal goes back to the store"
        );
    }

    #[test]
    fn two_reads_do_not_race() {
        assert!(pair(load(T0, 0), load(T1, 0), true).reversals.is_empty());
    }

    #[test]
    fn a_pair_that_could_not_run_the_other_way_is_no_near_race() {
        assert!(pair(store(T0, 1), load(T1, 1), false).reversals.is_empty());
    }

    #[test]
    fn what_a_read_returned_and_the_state_reached_are_features() {
        let one = pair(store(T0, 1), load(T1, 1), true).features;
        let same = pair(store(T0, 1), load(T1, 1), true).features;
        let other = pair(store(T0, 2), load(T1, 2), true).features;
        assert_eq!(one, same);
        assert!(other.iter().any(|f| !one.contains(f)));
    }

    #[test]
    fn a_long_execution_keeps_a_bounded_sample_of_its_near_races() {
        let mut log = ExecutionLog::default();
        for i in 0..3 * MAX_REVERSALS as u64 {
            let t = ThreadId((i % 2) as u32);
            log.point(&[T0, T1]);
            log.decision(Decision::Thread(t));
            log.observe(&store(t, i));
        }
        assert_eq!(log.reversals.len(), MAX_REVERSALS);
        // Uniform over the whole execution: each third holds about a third of the sample.
        let late = log
            .reversals
            .iter()
            .filter(|r| r.prefix > 2 * MAX_REVERSALS)
            .count();
        let early = log
            .reversals
            .iter()
            .filter(|r| r.prefix <= MAX_REVERSALS)
            .count();
        for third in [late, early] {
            assert!((250..=440).contains(&third), "early {early}, late {late}");
        }
    }
}
