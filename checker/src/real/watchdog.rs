//! The watchdog: a background thread that notices a hang and explains it instead of letting the
//! process hang.
//!
//! Threads that block in a shim primitive (a contended lock, a join, a condvar wait) publish
//! what they wait for. Every look (ten a second), the watchdog follows the wait-for edges:
//! a thread waiting for a lock waits for the lock's holder, a joining thread for the joined one.
//! A cycle of blocked threads seen on two looks in a row, with every thread still in the same
//! wait, is a deadlock. Separately, when every thread that has used conc-check (and not
//! finished) is blocked in a shim primitive and none has done anything for
//! `CONC_CHECK_WATCHDOG_SECS`, the process is reported as hung. A thread that is busy, or
//! blocked elsewhere (reading a socket, say), keeps an idle program from being called hung.
//!
//! Either way the explanation is built by the model's deadlock detector, from events that
//! restate what the blocked threads hold and wait for, then printed with every finding of the
//! run, and the process exits with [`super::DEADLOCK_EXIT_CODE`].

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::central::Found;
use super::records::{HeldLock, Named, Wait};
use super::settings::Settings;
use super::thread::{self, Names, ThreadRecord};
use crate::describe::Noting;
use crate::detector::deadlock::DeadlockDetector;
use crate::detector::Detector;
use crate::event::{Event, LockMode, ObjectId, Op, ThreadId, WaitFor};
use crate::report::{Finding, FindingKind};

/// Starts the watchdog thread unless `CONC_CHECK_WATCHDOG=off`.
pub(crate) fn start() {
    let settings = Settings::get();
    if !settings.watchdog {
        return;
    }
    let stall = settings.stall;
    let _ = std::thread::Builder::new()
        .name("conc-check-watchdog".into())
        .spawn(move || watch(stall));
}

/// A blocked thread as one look saw it.
struct Blocked {
    id: ThreadId,
    wait: Wait,
}

fn watch(stall: Duration) {
    let interval = (stall / 4).clamp(Duration::from_millis(10), Duration::from_millis(100));
    let mut previous: Option<Vec<(ThreadId, u64)>> = None;
    let mut progress = 0u64;
    let mut last_change = Instant::now();
    loop {
        std::thread::sleep(interval);
        let records = thread::all();
        let blocked = blocked(&records);
        match find_cycle(&blocked) {
            Some(cycle) => {
                let key: Vec<_> = cycle
                    .iter()
                    .map(|&i| (blocked[i].id, blocked[i].wait.number))
                    .collect();
                if previous.as_ref() == Some(&key) {
                    let cycle: Vec<&Blocked> = cycle.iter().map(|&i| &blocked[i]).collect();
                    super::exit::deadlock(explain(&cycle, None));
                }
                previous = Some(key);
            }
            None => previous = None,
        }
        let now: u64 = records
            .iter()
            .map(|r| r.progress())
            .fold(0, u64::wrapping_add);
        if now != progress {
            progress = now;
            last_change = Instant::now();
        } else if !blocked.is_empty()
            && blocked.len() == live(&records)
            && last_change.elapsed() >= stall
            && blocked.iter().all(|b| b.wait.since.elapsed() >= stall)
        {
            let all: Vec<&Blocked> = blocked.iter().collect();
            super::exit::deadlock(explain(&all, Some(stall)));
        }
    }
}

/// Threads that have used conc-check and not finished.
fn live(records: &[Arc<ThreadRecord>]) -> usize {
    records
        .iter()
        .filter(|r| !r.finished.load(std::sync::atomic::Ordering::Acquire))
        .count()
}

fn blocked(records: &[Arc<ThreadRecord>]) -> Vec<Blocked> {
    records
        .iter()
        .filter(|r| !r.finished.load(std::sync::atomic::Ordering::Acquire))
        .filter_map(|r| {
            Some(Blocked {
                id: r.id,
                wait: r.wait()?,
            })
        })
        .collect()
}

/// The thread `b` waits for, if its wait has an owner.
fn waits_for(b: &Blocked, all: &[Blocked]) -> Option<ThreadId> {
    match b.wait.on {
        WaitFor::Lock(object, _) => b.wait.holder.map(|(t, _)| t).or_else(|| {
            // A read-locked RwLock has no single holder: a blocked thread holding it will do.
            all.iter()
                .find(|o| o.wait.held.iter().any(|h| h.held.object == object))
                .map(|o| o.id)
        }),
        WaitFor::Join(t) => Some(t),
        _ => None,
    }
}

/// Indices into `blocked` of a wait-for cycle, if there is one.
fn find_cycle(blocked: &[Blocked]) -> Option<Vec<usize>> {
    let index: HashMap<ThreadId, usize> =
        blocked.iter().enumerate().map(|(i, b)| (b.id, i)).collect();
    for start in 0..blocked.len() {
        let mut path = vec![start];
        let mut at = start;
        while let Some(next) = waits_for(&blocked[at], blocked).and_then(|t| index.get(&t)) {
            if let Some(pos) = path.iter().position(|p| p == next) {
                return Some(path.split_off(pos));
            }
            path.push(*next);
            at = *next;
        }
    }
    None
}

/// The explanation of `threads`' waits, by the deadlock detector, with their stacks. `stall`
/// is set when no cycle was found and nothing moved for that long.
fn explain(threads: &[&Blocked], stall: Option<Duration>) -> Found {
    let mut detector = DeadlockDetector::new();
    let mut created: HashMap<ObjectId, Named> = HashMap::new();
    for b in threads {
        for h in &b.wait.held {
            created.insert(h.held.object, h.name);
        }
        if let (Some(object), Some(name)) = (b.wait.on.object(), b.wait.object) {
            created.insert(object, name);
        }
    }
    let mut objects: Vec<_> = created.into_iter().collect();
    objects.sort_by_key(|(o, _)| *o);
    let mut scene = Noting::new(Names);
    let mut feed = |thread, object, op, site| {
        let event = Event {
            thread,
            object,
            op,
            site,
        };
        scene.note(&event);
        detector.on_event(&event, &scene)
    };
    for (object, name) in &objects {
        feed(
            ThreadId::MAIN,
            Some(*object),
            Op::Create { kind: name.kind },
            name.created,
        );
    }
    for b in threads {
        for HeldLock { held, .. } in &b.wait.held {
            let op = Op::Acquire {
                mode: held.mode,
                try_lock: false,
            };
            feed(b.id, Some(held.object), op, held.site);
        }
    }
    // A lock holder that is not blocked still holds its lock.
    for b in threads {
        if let (WaitFor::Lock(object, _), Some((holder, Some(site)))) = (b.wait.on, b.wait.holder) {
            if !threads.iter().any(|o| o.id == holder) {
                let op = Op::Acquire {
                    mode: LockMode::Exclusive,
                    try_lock: false,
                };
                feed(holder, Some(object), op, site);
            }
        }
    }
    for b in threads {
        feed(b.id, None, Op::Block { wait: b.wait.on }, b.wait.site);
    }
    let ids: Vec<ThreadId> = threads.iter().map(|b| b.id).collect();
    let mut finding = detector.on_stuck(&ids, &scene).unwrap_or_else(|| {
        Finding::new(
            FindingKind::Deadlock,
            format!("{} threads are blocked for good", threads.len()),
        )
    });
    match stall {
        Some(stall) => finding.notes.insert(
            0,
            format!(
                "no thread did anything in a conc-check primitive for {:.1}s (CONC_CHECK_WATCHDOG_SECS) while these threads were blocked; threads outside conc-check primitives are not shown",
                stall.as_secs_f64()
            ),
        ),
        None => finding.notes.insert(
            0,
            "seen by the watchdog on real threads: every thread named here was still in the same wait a moment later".to_string(),
        ),
    }
    let stacks = threads
        .iter()
        .filter_map(|b| {
            let stack = b.wait.stack.clone()?;
            Some((
                format!(
                    "{} (its stack the first time it waited at {}:{}:{})",
                    Names.label_of(b.id),
                    b.wait.site.file(),
                    b.wait.site.line(),
                    b.wait.site.column()
                ),
                stack,
            ))
        })
        .collect();
    Found { finding, stacks }
}

impl Names {
    fn label_of(&self, t: ThreadId) -> String {
        crate::detector::Scene::label(self, t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{ObjectKind, Site};
    use crate::holdings::Held;
    use crate::real::records::{Holder, LockRef};
    use std::panic::Location;

    fn site() -> Site {
        Location::caller()
    }

    fn mutex() -> Named {
        Named {
            kind: ObjectKind::Mutex,
            created: site(),
        }
    }

    /// What a wait is on: the vocabulary, what names the object, where a lock's holder is.
    type On = (WaitFor, Option<Named>, Option<LockRef>);

    fn blocked(
        id: u32,
        (on, object, lock): On,
        held: Vec<HeldLock>,
        holder: Option<u32>,
    ) -> Blocked {
        Blocked {
            id: ThreadId(id),
            wait: Wait {
                on,
                object,
                lock,
                site: site(),
                since: Instant::now(),
                held,
                stack: None,
                number: 1,
                holder: holder.map(|t| (ThreadId(t), Some(site()))),
            },
        }
    }

    fn lock_wait(object: u32, lock: &Holder) -> On {
        (
            WaitFor::Lock(ObjectId(object), LockMode::Exclusive),
            Some(mutex()),
            Some(LockRef::new(lock)),
        )
    }

    fn join_wait(thread: u32) -> On {
        (WaitFor::Join(ThreadId(thread)), None, None)
    }

    fn holding(object: u32) -> HeldLock {
        HeldLock {
            held: Held {
                object: ObjectId(object),
                mode: LockMode::Exclusive,
                site: site(),
            },
            name: mutex(),
        }
    }

    #[test]
    fn two_threads_waiting_for_each_others_locks_form_a_cycle() {
        let (a, b) = (Holder::new(), Holder::new());
        let threads = [
            blocked(1, lock_wait(2, &b), vec![holding(1)], Some(2)),
            blocked(2, lock_wait(1, &a), vec![holding(2)], Some(1)),
        ];
        assert_eq!(find_cycle(&threads), Some(vec![0, 1]));
        let found = explain(&threads.iter().collect::<Vec<_>>(), None);
        assert_eq!(found.finding.kind, FindingKind::Deadlock);
        assert!(
            found
                .finding
                .message
                .contains("thread 1 and thread 2 wait for each other"),
            "{:?}",
            found.finding
        );
    }

    #[test]
    fn a_wait_for_a_running_holder_is_no_cycle() {
        let a = Holder::new();
        let threads = [
            blocked(1, lock_wait(1, &a), vec![], Some(3)),
            blocked(2, join_wait(1), vec![], None),
        ];
        assert_eq!(find_cycle(&threads), None);
    }

    #[test]
    fn the_holder_of_a_read_lock_is_found_among_the_blocked_threads() {
        let a = Holder::new();
        let threads = [
            blocked(1, lock_wait(7, &a), vec![holding(8)], None),
            blocked(2, lock_wait(8, &a), vec![holding(7)], None),
        ];
        assert_eq!(find_cycle(&threads), Some(vec![0, 1]));
    }

    #[test]
    fn a_join_cycle_through_a_lock_is_found() {
        let a = Holder::new();
        let threads = [
            blocked(0, join_wait(1), vec![holding(4)], None),
            blocked(1, lock_wait(4, &a), vec![], Some(0)),
        ];
        assert_eq!(find_cycle(&threads), Some(vec![0, 1]));
    }
}
