//! Starvation: a thread keeps retrying one resource while other threads take it again and again.
//!
//! A thread starts a retry streak on a resource with a failed `try_lock`, a failed
//! compare-exchange or a failed `try_recv`/`try_send`; re-reads of the location while it waits
//! for its next attempt (a flag it spins on) neither start nor end the streak. While the streak
//! lasts, every time another thread takes the resource (locks it, or changes it with a
//! successful read-modify-write) counts as a win over the retrying thread. When the thread has
//! failed at least three times and the winners have taken the resource `threshold` times, the
//! thread is starving.
//!
//! Threads blocked in `lock()` are not retrying: a blocked waiter is the lock's business, and a
//! fair lock under the fair scheduler serves it (real-hardware mode measures how often waiters
//! were bypassed). A streak ends when the thread gets the resource, blocks, finishes, or makes
//! progress by writing something else.

use super::objects::{at, grow};
use super::{Detector, Scene};
use crate::describe::{name_object, object_ref};
use crate::event::{Access, Event, ObjectId, Op, Site, ThreadId};
use crate::report::{Finding, FindingKind, SiteRole};

/// Failed attempts a starving thread has made at least (one or two failures against a busy
/// resource are ordinary contention).
const MIN_FAILURES: u32 = 3;

/// A thread's current retry streak.
struct Streak {
    resource: ObjectId,
    retries: u32,
    first: Site,
    last: Site,
    /// Who took the resource during the streak: thread, times, last site.
    winners: Vec<(ThreadId, u32, Site)>,
    wins: u32,
}

/// Reports a thread that lost a resource to others `threshold` times in a row.
pub struct StarvationDetector {
    threshold: u32,
    streaks: Vec<Option<Streak>>,
    /// Streaks under way (most of the time none, and then only failed attempts need a look).
    active: usize,
    reported: bool,
}

impl StarvationDetector {
    /// A detector that reports after `threshold` wins by other threads.
    pub fn new(threshold: u32) -> Self {
        StarvationDetector {
            threshold: threshold.max(1),
            streaks: Vec::new(),
            active: 0,
            reported: false,
        }
    }

    /// Whether `event` takes its object: a lock acquisition or a successful read-modify-write.
    fn takes(op: &Op) -> bool {
        matches!(op, Op::Acquire { .. } | Op::AtomicRmw { success: true, .. })
    }

    fn retry(&mut self, event: &Event, resource: ObjectId) {
        let slot = grow(&mut self.streaks, event.thread.index());
        match slot {
            Some(s) if s.resource == resource => {
                s.retries += 1;
                s.last = event.site;
            }
            _ => {
                if slot.is_none() {
                    self.active += 1;
                }
                *slot = Some(Streak {
                    resource,
                    retries: 1,
                    first: event.site,
                    last: event.site,
                    winners: Vec::new(),
                    wins: 0,
                })
            }
        }
    }

    /// `event` by `winner` took `resource`: a win over every other thread retrying it.
    fn take(&mut self, event: &Event, resource: ObjectId) -> Option<ThreadId> {
        let mut starving = None;
        for (i, slot) in self.streaks.iter_mut().enumerate() {
            let Some(s) = slot else { continue };
            if s.resource != resource || i == event.thread.index() {
                continue;
            }
            s.wins += 1;
            match s.winners.iter_mut().find(|(t, _, _)| *t == event.thread) {
                Some(w) => {
                    w.1 += 1;
                    w.2 = event.site;
                }
                None => s.winners.push((event.thread, 1, event.site)),
            }
            if s.wins >= self.threshold && s.retries >= MIN_FAILURES && starving.is_none() {
                starving = Some(ThreadId(i as u32));
            }
        }
        starving
    }

    fn finding(&self, starved: ThreadId, names: &dyn Scene) -> Finding {
        let s = self.streaks[starved.index()]
            .as_ref()
            .expect("a starving thread has a streak");
        let resource = name_object(names, s.resource);
        let mut finding = Finding::new(
            FindingKind::Starvation,
            format!(
                "starvation: {} kept failing to get {resource} while other threads took it {} times",
                names.label(starved),
                s.wins
            ),
        )
        .note(format!(
            "{} retried {} times, first at {} and last at {}",
            names.label(starved),
            s.retries,
            at(s.first),
            at(s.last)
        ))
        .site_by(
            starved.0,
            s.last,
            SiteRole::Retry,
            format!("{} retries here", names.label(starved)),
        );
        if let Some(object) = object_ref(names, s.resource) {
            finding.add_object(object);
        }
        for (winner, times, site) in &s.winners {
            finding = finding
                .note(format!(
                    "{} took it {times} time{} (last at {})",
                    names.label(*winner),
                    if *times == 1 { "" } else { "s" },
                    at(site)
                ))
                .site_by(
                    winner.0,
                    site,
                    SiteRole::Take,
                    format!("{} takes it here", names.label(*winner)),
                );
        }
        finding.note(
            "the scheduler was fair (every runnable thread kept getting turns); the resource itself \
             lets the others win every time: make the waiter block, or give it priority",
        )
    }
}

impl Detector for StarvationDetector {
    fn reset(&mut self) {
        self.streaks.clear();
        self.active = 0;
        self.reported = false;
    }

    #[inline]
    fn on_event(&mut self, event: &Event, names: &dyn Scene) -> Option<Finding> {
        let failed_attempt = matches!(
            event.op,
            Op::TryLockFailed { .. } | Op::AtomicRmw { success: false, .. } | Op::Observe
        );
        if !failed_attempt && self.active == 0 {
            // The common event, inlined: no attempt failed, and no streak is running.
            return None;
        }
        self.on_watched_event(event, names)
    }
}

impl StarvationDetector {
    /// [`Detector::on_event`] for a failed attempt, or any event while a streak runs.
    fn on_watched_event(&mut self, event: &Event, names: &dyn Scene) -> Option<Finding> {
        if let (
            Op::TryLockFailed { .. } | Op::AtomicRmw { success: false, .. } | Op::Observe,
            Some(resource),
        ) = (event.op, event.object)
        {
            // A failed attempt starts or extends a streak.
            self.retry(event, resource);
            return None;
        }
        if self.active == 0 {
            return None;
        }
        let me = event.thread.index();
        let own = self
            .streaks
            .get(me)
            .and_then(|s| s.as_ref())
            .map(|s| s.resource);
        let ends_streak = match (event.op, event.object) {
            (Op::Exit | Op::Block { .. }, _) => true,
            (op, Some(o)) if Self::takes(&op) && own == Some(o) => true,
            (op, Some(o)) => own.is_some_and(|r| r != o) && op.access() == Access::Write,
            _ => false,
        };
        if ends_streak {
            if let Some(slot @ Some(_)) = self.streaks.get_mut(me) {
                *slot = None;
                self.active -= 1;
            }
        }
        let object = event.object?;
        if self.reported || !Self::takes(&event.op) {
            return None;
        }
        let starved = self.take(event, object)?;
        self.reported = true;
        Some(self.finding(starved, names))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::Noting;
    use crate::detector::testing::ev;
    use crate::detector::NumberedThreads;
    use crate::event::{LockMode, MemOrder, ObjectKind};

    const LOCK: u32 = 0;

    fn run(detector: &mut StarvationDetector, events: &[Event]) -> Vec<Finding> {
        let mut scene = Noting::new(NumberedThreads);
        events
            .iter()
            .filter_map(|e| {
                scene.note(e);
                detector.on_event(e, &scene)
            })
            .collect()
    }

    fn lock_cycle(thread: u32) -> [Event; 2] {
        let mode = LockMode::Exclusive;
        [
            ev(
                thread,
                Some(LOCK),
                Op::Acquire {
                    mode,
                    try_lock: false,
                },
            ),
            ev(thread, Some(LOCK), Op::Release { mode }),
        ]
    }

    fn failed_try_lock(thread: u32) -> Event {
        ev(
            thread,
            Some(LOCK),
            Op::TryLockFailed {
                mode: LockMode::Exclusive,
            },
        )
    }

    fn created() -> Event {
        ev(
            0,
            Some(LOCK),
            Op::Create {
                kind: ObjectKind::Mutex,
            },
        )
    }

    #[test]
    fn a_try_lock_loop_that_keeps_losing_is_starvation() {
        let mut events = vec![created()];
        for _ in 0..3 {
            events.push(failed_try_lock(2));
            events.extend(lock_cycle(1));
        }
        events.push(failed_try_lock(2));
        let findings = run(&mut StarvationDetector::new(3), &events);
        assert_eq!(findings.len(), 1);
        let f = &findings[0];
        assert_eq!(f.kind, FindingKind::Starvation);
        assert!(f.message.contains("thread 2"), "{}", f.message);
        assert!(f.message.contains("3 times"), "{}", f.message);
        assert!(f
            .notes
            .iter()
            .any(|n| n.contains("thread 1 took it 3 times")));
    }

    #[test]
    fn blocked_waiters_on_a_lock_are_not_starving() {
        let mut events = vec![created()];
        for _ in 0..10 {
            events.push(ev(
                2,
                None,
                Op::Block {
                    wait: crate::event::WaitFor::Lock(ObjectId(LOCK), LockMode::Exclusive),
                },
            ));
            events.extend(lock_cycle(1));
        }
        assert!(run(&mut StarvationDetector::new(3), &events).is_empty());
    }

    #[test]
    fn a_thread_that_gets_the_resource_ends_its_streak() {
        let mut events = vec![created()];
        for _ in 0..5 {
            events.push(failed_try_lock(2));
            events.push(failed_try_lock(2));
            events.extend(lock_cycle(1));
            events.extend(lock_cycle(2));
        }
        assert!(run(&mut StarvationDetector::new(3), &events).is_empty());
    }

    #[test]
    fn failed_compare_exchanges_against_successful_ones_are_starvation() {
        let cas = |thread, success| {
            ev(
                thread,
                Some(7),
                Op::AtomicRmw {
                    order: MemOrder::SeqCst,
                    success,
                    cas: true,
                    old: 0,
                    new: u64::from(success),
                    from: crate::event::StoreId::LATEST,
                    id: crate::event::StoreId::LATEST,
                },
            )
        };
        let mut events = Vec::new();
        for _ in 0..4 {
            events.push(cas(3, false));
            events.push(cas(1, true));
        }
        events.push(cas(1, true));
        let findings = run(&mut StarvationDetector::new(4), &events);
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("thread 3"));
        // Two failures against the same wins are ordinary contention.
        let events = [
            cas(3, false),
            cas(3, false),
            cas(1, true),
            cas(1, true),
            cas(1, true),
            cas(1, true),
        ];
        assert!(run(&mut StarvationDetector::new(4), &events).is_empty());
    }
}
