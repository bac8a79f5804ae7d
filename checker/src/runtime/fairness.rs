//! Fair scheduling, after CHESS ("Fair stateless model checking", PLDI 2008): a thread that
//! spins is not offered to the strategy again until every other runnable thread has taken a
//! step. A correct spin loop that waits for another thread therefore always terminates, with or
//! without a `yield_now` in it.
//!
//! A `yield_now`/`spin_loop`/`sleep` only asks the strategy to prefer other threads; what a
//! loop that yields means is decided by [`super::spin`] from its iterations (one that repeats
//! while writing is hidden here through [`Fairness::hide`]; one that repeats unchanged waits for
//! a write instead), and a yield ends a streak of retries. Other retries (a failed `try_lock` or
//! compare-exchange, an unchanged re-read; see [`RetryTracker`]) deprioritise when the thread retries the same object a second
//! time while no other thread has made progress (two threads that only retry in turns are both
//! spinning): whatever it does in between (a reader that takes and
//! releases a lock around each re-read), it is going round a loop that only another thread can
//! end. A single failed attempt followed by other work is ordinary code, not a spin, and
//! keeping the scheduler's hands off it keeps every interleaving of such code reachable.

use crate::detector::objects::grow;
#[cfg(doc)]
use crate::detector::retry::RetryTracker;
use crate::detector::retry::StepKind;
use crate::event::{Event, ObjectId, Op, ThreadId};

/// Retries of one object, with no other thread moving, after which a thread counts as spinning.
const SPIN_STREAK: u32 = 2;

/// Per-thread fairness state.
#[derive(Default, Clone, Debug, PartialEq)]
struct ThreadFairness {
    /// Steps the thread has taken in this execution.
    steps: u64,
    /// Those of its steps that were progress (not retries or yields).
    progress: u64,
    /// Retries per object while no other thread made progress.
    retried: Vec<(ObjectId, u32)>,
    /// Progress steps of the other threads when `retried` was started.
    others_at_streak: u64,
    /// Set while the thread spins: every other thread's step count when it was deprioritised.
    waiting_for: Option<Vec<u64>>,
    /// The atomics and values of the thread's recent stores.
    stored: Vec<(ObjectId, u64)>,
    /// Locks the thread took by a retry and has not released yet.
    open_retries: u32,
    /// Releases of locks taken by a retry that belong to work the thread moved on since, and
    /// so are not attempts of their own: set when it moves on, to the locks it holds from such
    /// retries (at least one, for the round right after a yield or a store outside a lock).
    free_releases: u32,
}

/// Recent stores (atomic and value) remembered per thread.
const REMEMBERED_STORES: usize = 8;

impl ThreadFairness {
    /// The thread moved its own work on: the releases of the locks it holds from retries (or
    /// of the next round's lock) are part of that work.
    fn moved_on(&mut self) {
        self.free_releases = self.open_retries.max(1);
    }

    /// Whether `event` moves the thread's own work on: a store, to an object it is not
    /// retrying, of a value it did not store there recently, or a cell write. A loop that
    /// stores the same values every time round (a lock word taken and given back, a flag
    /// raised and lowered) is still going round; a producer that fills a ring while it re-reads the
    /// consumer's index is not.
    fn advances(&mut self, event: &Event) -> bool {
        if event
            .object
            .is_some_and(|o| self.retried.iter().any(|(r, _)| *r == o))
        {
            return false;
        }
        let stored = match event.op {
            Op::AtomicStore { value, .. } => value,
            Op::AtomicRmw {
                success: true, new, ..
            } => new,
            Op::CellWrite => return true,
            _ => return false,
        };
        let Some(object) = event.object else {
            return false;
        };
        if self.stored.contains(&(object, stored)) {
            return false;
        }
        if self.stored.len() == REMEMBERED_STORES {
            self.stored.remove(0);
        }
        self.stored.push((object, stored));
        true
    }
}

/// Tracks who spins, and hides spinning threads from the strategy until the others moved.
#[derive(Default)]
pub(crate) struct Fairness {
    threads: Vec<ThreadFairness>,
    /// Progress steps of all threads.
    total_progress: u64,
    /// Some thread is deprioritised (the common case is none, and then filtering is free).
    any_waiting: bool,
}

impl Fairness {
    /// Forgets the previous execution.
    pub(crate) fn reset(&mut self) {
        self.threads.clear();
        self.total_progress = 0;
        self.any_waiting = false;
    }

    fn thread(&mut self, t: ThreadId) -> &mut ThreadFairness {
        grow(&mut self.threads, t.index())
    }

    /// Sees one step, which the detectors classified as `kind`.
    #[inline]
    pub(crate) fn on_event(&mut self, event: &Event, kind: StepKind) {
        // The common step, inlined into every event: progress that stores nothing, by a
        // thread seen before, only counts (`advances` is false for it, and it spins not).
        let stores = matches!(
            event.op,
            Op::AtomicStore { .. } | Op::AtomicRmw { .. } | Op::CellWrite
        );
        if kind == StepKind::Progress && !stores {
            if let Some(me) = self.threads.get_mut(event.thread.index()) {
                me.steps += 1;
                me.progress += 1;
                self.total_progress += 1;
                return;
            }
        }
        self.on_any_event(event, kind);
    }

    /// [`Fairness::on_event`] for every step.
    fn on_any_event(&mut self, event: &Event, kind: StepKind) {
        if kind == StepKind::Progress {
            self.total_progress += 1;
        }
        let total = self.total_progress;
        let me = self.thread(event.thread);
        me.steps += 1;
        if kind == StepKind::Progress {
            me.progress += 1;
        }
        if me.advances(event) {
            // Its own work moved on: what it re-reads next is a new look, not a spin.
            me.retried.clear();
            me.moved_on();
        }
        if let StepKind::Retry(_) = kind {
            match event.op {
                Op::Acquire { .. } => me.open_retries += 1,
                Op::Release { .. } => me.open_retries = me.open_retries.saturating_sub(1),
                _ => {}
            }
        }
        // Other threads that only retried did not move anything this thread could wait for.
        let others = total - me.progress;
        let spins = match kind {
            // A yield hides nothing by itself (`runtime::spin` decides what it means) and ends
            // a streak of retries: a loop that yields is judged by its iterations.
            // After a yield, the first lock-check-unlock round is one attempt, as after work
            // of its own: counting its release too hid a task at its first re-check of its own
            // state after `yield_now().await`, before it did its next step of real work (under a
            // lock, where the fingerprint cannot see it), and reduced DFS then never let it
            // finish before the other task started (`tests/tests/futures.rs`). A loop that
            // polls a lock and yields is judged by its iterations (`runtime::spin`).
            StepKind::Yield => {
                me.retried.clear();
                me.moved_on();
                false
            }
            // Releasing a lock that a retry took belongs to that retry when the thread has
            // just moved its own work on: its first lock-check-unlock round after that is one
            // attempt, not two (counting both hid a thread the second time it took a lock at
            // one place, with real work in between). A loop that only polls counts both.
            // With nested locks the round has a release per lock taken by a retry: all of them
            // belong to the work (counting the outer one hid a thread that took two locks in a
            // loop with real work under them, `tests/tests/dpor_soundness.rs` seed 595).
            StepKind::Retry(_)
                if me.free_releases > 0 && matches!(event.op, Op::Release { .. }) =>
            {
                me.free_releases -= 1;
                false
            }
            StepKind::Retry(object) => {
                if me.others_at_streak != others {
                    me.retried.clear();
                    me.others_at_streak = others;
                }
                let count = match me.retried.iter_mut().find(|(o, _)| *o == object) {
                    Some((_, n)) => {
                        *n += 1;
                        *n
                    }
                    None => {
                        me.retried.push((object, 1));
                        1
                    }
                };
                count >= SPIN_STREAK
            }
            StepKind::Progress => false,
        };
        if spins {
            self.hide(event.thread);
        }
    }

    /// Hides `thread`, which spins, until every other runnable thread has taken a step.
    pub(crate) fn hide(&mut self, thread: ThreadId) {
        let snapshot = self.threads.iter().map(|t| t.steps).collect();
        self.thread(thread).waiting_for = Some(snapshot);
        self.any_waiting = true;
    }

    /// Removes from `enabled` the spinning threads that must still let another thread of
    /// `runnable` move first; returns whether it hid any. Never empties `enabled`.
    #[inline]
    pub(crate) fn filter(
        &mut self,
        enabled: &mut Vec<ThreadId>,
        runnable: impl Fn(ThreadId) -> bool,
    ) -> bool {
        // The common case, inlined: nobody is hidden.
        self.any_waiting && self.filter_waiting(enabled, runnable)
    }

    /// [`Fairness::filter`] while some thread is hidden.
    fn filter_waiting(
        &mut self,
        enabled: &mut Vec<ThreadId>,
        runnable: impl Fn(ThreadId) -> bool,
    ) -> bool {
        let mut still_waiting = false;
        let mut allowed = Vec::with_capacity(enabled.len());
        for &t in enabled.iter() {
            let Some(snapshot) = self
                .threads
                .get(t.index())
                .and_then(|f| f.waiting_for.as_ref())
            else {
                allowed.push(t);
                continue;
            };
            let blocked_by_other = enabled.iter().any(|&u| {
                u != t
                    && runnable(u)
                    && self.threads.get(u.index()).map_or(0, |f| f.steps)
                        <= snapshot.get(u.index()).copied().unwrap_or(0)
            });
            if blocked_by_other {
                still_waiting = true;
            } else {
                self.threads[t.index()].waiting_for = None;
                allowed.push(t);
            }
        }
        self.any_waiting = still_waiting;
        if allowed.is_empty() {
            return false;
        }
        let hid = allowed.len() < enabled.len();
        *enabled = allowed;
        hid
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detector::retry::RetryTracker;
    use crate::detector::testing::{ev, load, lock, store, unlock};
    use crate::event::{MemOrder, Op};

    fn feed(f: &mut Fairness, r: &mut RetryTracker, e: Event) {
        let kind = r.classify(&e);
        f.on_event(&e, kind);
    }

    fn offered(f: &mut Fairness, threads: &[u32]) -> Vec<u32> {
        let mut enabled: Vec<ThreadId> = threads.iter().map(|&t| ThreadId(t)).collect();
        f.filter(&mut enabled, |_| true);
        enabled.iter().map(|t| t.0).collect()
    }

    /// Random steps of three threads on two atomics and a lock: loads, stores of few values,
    /// failed and successful compare-exchanges, lock rounds and yields.
    fn random_steps(seed: u64, n: usize) -> Vec<Event> {
        let mut x = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut next = |m: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % m
        };
        (0..n)
            .map(|_| {
                let thread = next(3) as u32;
                let object = next(2) as u32;
                let op = match next(7) {
                    0 => load(),
                    1 => store(next(3)),
                    2 => lock(),
                    3 => unlock(),
                    4 => Op::Yield,
                    5 => Op::AtomicRmw {
                        order: MemOrder::SeqCst,
                        success: next(2) == 0,
                        cas: true,
                        old: next(3),
                        new: next(3),
                        from: crate::event::StoreId::LATEST,
                        id: crate::event::StoreId::LATEST,
                    },
                    _ => Op::CellWrite,
                };
                let object = (!matches!(op, Op::Yield)).then_some(object);
                ev(thread, object, op)
            })
            .collect()
    }

    #[test]
    fn the_inlined_common_step_changes_what_the_full_step_would() {
        for seed in 0..200 {
            let (mut fast, mut full) = (Fairness::default(), Fairness::default());
            let mut r = RetryTracker::new();
            for e in random_steps(seed, 60) {
                let kind = r.classify(&e);
                fast.on_event(&e, kind);
                full.on_any_event(&e, kind);
                assert_eq!(fast.threads, full.threads, "seed {seed}, after {e:?}");
                assert_eq!(fast.total_progress, full.total_progress, "seed {seed}");
                assert_eq!(fast.any_waiting, full.any_waiting, "seed {seed}");
            }
        }
    }

    #[test]
    fn a_hidden_thread_waits_until_the_others_moved() {
        let mut f = Fairness::default();
        let mut r = RetryTracker::new();
        feed(&mut f, &mut r, ev(1, None, Op::Yield));
        assert_eq!(
            offered(&mut f, &[0, 1, 2]),
            vec![0, 1, 2],
            "a yield alone hides nothing"
        );
        f.hide(ThreadId(1));
        assert_eq!(offered(&mut f, &[0, 1, 2]), vec![0, 2]);
        feed(&mut f, &mut r, ev(0, Some(0), load()));
        assert_eq!(
            offered(&mut f, &[0, 1, 2]),
            vec![0, 2],
            "thread 2 has not moved"
        );
        feed(&mut f, &mut r, ev(2, Some(0), load()));
        assert_eq!(offered(&mut f, &[0, 1, 2]), vec![0, 1, 2]);
    }

    #[test]
    fn one_lock_check_unlock_round_is_one_attempt() {
        let mut f = Fairness::default();
        let mut r = RetryTracker::new();
        let round = |f: &mut Fairness, r: &mut RetryTracker| {
            feed(f, r, ev(1, Some(0), lock()));
            feed(f, r, ev(1, Some(0), unlock()));
        };
        round(&mut f, &mut r);
        feed(&mut f, &mut r, ev(1, Some(1), store(1)));
        round(&mut f, &mut r);
        assert_eq!(
            offered(&mut f, &[0, 1]),
            vec![0, 1],
            "taking the lock again after its own work is one retry, its release included"
        );
        round(&mut f, &mut r);
        assert_eq!(
            offered(&mut f, &[0, 1]),
            vec![0],
            "the second retry is a spin"
        );

        // A loop that only polls is a spin from its second round, as before.
        let mut f = Fairness::default();
        let mut r = RetryTracker::new();
        round(&mut f, &mut r);
        round(&mut f, &mut r);
        assert_eq!(offered(&mut f, &[0, 1]), vec![0]);
    }

    #[test]
    fn work_under_two_nested_locks_taken_in_a_loop_is_not_a_spin() {
        // Take locks 0 and 1, write under them, release both, round after round (a loop
        // whose lock calls are one place each).
        let rounds = |write: bool| {
            let mut f = Fairness::default();
            let mut r = RetryTracker::new();
            let mut offered_after = Vec::new();
            for round in 0..4 {
                feed(&mut f, &mut r, ev(1, Some(0), lock()));
                feed(&mut f, &mut r, ev(1, Some(1), lock()));
                if write {
                    feed(&mut f, &mut r, ev(1, Some(2), store(round + 1)));
                }
                feed(&mut f, &mut r, ev(1, Some(1), unlock()));
                feed(&mut f, &mut r, ev(1, Some(0), unlock()));
                offered_after.push(offered(&mut f, &[0, 1]));
            }
            offered_after
        };
        assert!(
            rounds(true).iter().all(|o| o == &[0, 1]),
            "both releases of a round belong to the work under the locks: {:?}",
            rounds(true)
        );
        assert_eq!(
            rounds(false)[1],
            vec![0],
            "the same rounds without the writes only poll: a spin from the second"
        );
    }

    #[test]
    fn a_spinning_reader_is_deprioritised_from_its_second_unchanged_re_read() {
        let mut f = Fairness::default();
        let mut r = RetryTracker::new();
        feed(&mut f, &mut r, ev(1, Some(0), load()));
        feed(&mut f, &mut r, ev(1, Some(0), load()));
        assert_eq!(
            offered(&mut f, &[0, 1]),
            vec![0, 1],
            "one retry is not a spin"
        );
        feed(&mut f, &mut r, ev(1, Some(0), load()));
        assert_eq!(offered(&mut f, &[0, 1]), vec![0]);
    }

    #[test]
    fn a_loop_that_re_reads_between_its_own_writes_is_a_spin() {
        let mut f = Fairness::default();
        let mut r = RetryTracker::new();
        for _ in 0..2 {
            feed(&mut f, &mut r, ev(1, Some(0), load()));
            feed(&mut f, &mut r, ev(1, Some(2), load()));
            feed(&mut f, &mut r, ev(1, Some(1), store(1)));
        }
        assert_eq!(
            offered(&mut f, &[0, 1]),
            vec![0, 1],
            "one retry of object 0"
        );
        feed(&mut f, &mut r, ev(1, Some(0), load()));
        assert_eq!(offered(&mut f, &[0, 1]), vec![0]);
    }

    #[test]
    fn retries_with_other_threads_moving_in_between_are_not_a_spin() {
        let mut f = Fairness::default();
        let mut r = RetryTracker::new();
        let failed = Op::TryLockFailed {
            mode: crate::event::LockMode::Exclusive,
        };
        for _ in 0..4 {
            feed(&mut f, &mut r, ev(1, Some(0), failed));
            feed(&mut f, &mut r, ev(0, Some(5), store(1)));
        }
        assert_eq!(offered(&mut f, &[0, 1]), vec![0, 1]);
    }

    #[test]
    fn a_producer_storing_new_values_between_re_reads_is_not_a_spin() {
        let mut f = Fairness::default();
        let mut r = RetryTracker::new();
        for value in 1..5 {
            feed(&mut f, &mut r, ev(1, Some(0), load()));
            let release = Op::AtomicStore {
                order: MemOrder::Release,
                value,
                id: crate::event::StoreId(value as u32),
            };
            feed(&mut f, &mut r, ev(1, Some(1), release));
        }
        assert_eq!(offered(&mut f, &[0, 1]), vec![0, 1]);
    }

    #[test]
    fn a_loop_that_takes_and_gives_back_a_lock_word_still_spins() {
        let mut f = Fairness::default();
        let mut r = RetryTracker::new();
        for _ in 0..3 {
            feed(&mut f, &mut r, ev(1, Some(2), load()));
            for value in [1, 0] {
                let rmw = Op::AtomicRmw {
                    order: MemOrder::AcqRel,
                    success: true,
                    cas: true,
                    old: 1 - value,
                    new: value,
                    from: crate::event::StoreId::LATEST,
                    id: crate::event::StoreId::LATEST,
                };
                feed(&mut f, &mut r, ev(1, Some(1), rmw));
            }
        }
        assert_eq!(offered(&mut f, &[0, 1]), vec![0]);
    }

    #[test]
    fn two_threads_retrying_in_turns_both_spin() {
        let mut f = Fairness::default();
        let mut r = RetryTracker::new();
        for _ in 0..3 {
            feed(&mut f, &mut r, ev(1, Some(0), load()));
            feed(&mut f, &mut r, ev(2, Some(0), load()));
        }
        assert_eq!(offered(&mut f, &[1, 2, 3]), vec![3]);
    }

    #[test]
    fn a_lone_spinner_is_still_offered() {
        let mut f = Fairness::default();
        f.hide(ThreadId(1));
        assert_eq!(offered(&mut f, &[1]), vec![1]);
    }
}
