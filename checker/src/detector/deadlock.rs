//! Deadlocks: threads that wait for each other, and a thread that re-locks a lock it holds.
//!
//! The detector tracks, from events alone, which thread holds which lock (and where it took it)
//! and what each blocked thread waits for (and where). When no thread can run it follows the
//! wait-for edges (thread → object → holder thread) to find the cycle and explains every
//! blocked thread.

use super::{Detector, ThreadNames};
use crate::event::{Event, LockMode, ObjectId, ObjectKind, Op, Site, ThreadId, WaitFor};
use crate::report::{Finding, FindingKind};

/// Who holds a lock, how, and since where.
#[derive(Clone, Copy, Debug)]
struct Hold {
    thread: ThreadId,
    mode: LockMode,
    site: Site,
}

/// Tracks holders and waiters, in tables indexed by object and thread (events arrive at every
/// step, so this stays free of hashing).
#[derive(Default)]
pub struct DeadlockDetector {
    objects: Vec<Option<(ObjectKind, Site)>>,
    holds: Vec<Vec<Hold>>,
    waiting: Vec<Option<(WaitFor, Site)>>,
}

/// `table[index]`, growing the table when needed.
fn entry<T: Default>(table: &mut Vec<T>, index: usize) -> &mut T {
    if table.len() <= index {
        table.resize_with(index + 1, T::default);
    }
    &mut table[index]
}

impl DeadlockDetector {
    /// A detector with no history.
    pub fn new() -> Self {
        Self::default()
    }

    fn describe(&self, object: ObjectId) -> String {
        match self.objects.get(object.index()).copied().flatten() {
            Some((kind, site)) => format!(
                "the {} created at {}:{}",
                kind.type_name(),
                site.file(),
                site.line()
            ),
            None => format!("object #{}", object.0),
        }
    }

    fn holders(&self, object: ObjectId) -> &[Hold] {
        self.holds.get(object.index()).map_or(&[], Vec::as_slice)
    }

    /// The threads `thread` waits for, if it waits on something that has owners.
    fn waits_for(&self, thread: ThreadId) -> Vec<ThreadId> {
        match self.wait_of(thread) {
            Some((WaitFor::Lock(o, _), _)) => self.holders(o).iter().map(|h| h.thread).collect(),
            Some((WaitFor::Join(t), _)) => vec![t],
            _ => Vec::new(),
        }
    }

    fn wait_of(&self, thread: ThreadId) -> Option<(WaitFor, Site)> {
        self.waiting.get(thread.index()).copied().flatten()
    }

    /// A cycle of threads in the wait-for graph among `blocked`, if there is one.
    fn find_cycle(&self, blocked: &[ThreadId]) -> Option<Vec<ThreadId>> {
        for &start in blocked {
            let mut path = vec![start];
            let mut at = start;
            while let Some(&next) = self.waits_for(at).first() {
                if let Some(i) = path.iter().position(|t| *t == next) {
                    return Some(path[i..].to_vec());
                }
                if !blocked.contains(&next) {
                    break;
                }
                path.push(next);
                at = next;
            }
        }
        None
    }

    fn explain_wait(&self, thread: ThreadId, names: &dyn ThreadNames, finding: &mut Finding) {
        let who = names.label(thread);
        let Some((wait, site)) = self.wait_of(thread) else {
            finding.notes.push(format!("{who} is blocked"));
            return;
        };
        let what = match wait {
            WaitFor::Lock(o, LockMode::Exclusive) => format!("to lock {}", self.describe(o)),
            WaitFor::Lock(o, LockMode::Shared) => format!("to read-lock {}", self.describe(o)),
            WaitFor::Condvar(o) => format!(
                "on {}, and no thread is left that could notify it",
                self.describe(o)
            ),
            WaitFor::Receive(o) => format!(
                "to receive from {}, and no thread is left that could send",
                self.describe(o)
            ),
            WaitFor::Send(o) => format!(
                "to send on {}, and no thread is left that could receive",
                self.describe(o)
            ),
            WaitFor::Barrier(o) => {
                format!("at {}, which too few threads can reach", self.describe(o))
            }
            WaitFor::Once(o) => format!("for the initialiser of {}", self.describe(o)),
            WaitFor::Join(t) => format!("to join {}", names.label(t)),
            WaitFor::Park => "in park(), and no thread is left that could unpark it".to_string(),
        };
        finding.notes.push(format!(
            "{who} waits {what}, at {}:{}:{}",
            site.file(),
            site.line(),
            site.column()
        ));
        finding.sites.push(crate::report::SourceRef::new(
            site,
            format!("{who} waits here"),
        ));
        if let WaitFor::Lock(o, _) = wait {
            for hold in self.holders(o) {
                let holder = names.label(hold.thread);
                finding.notes.push(format!(
                    "    it is held by {holder}, which locked it at {}:{}:{}",
                    hold.site.file(),
                    hold.site.line(),
                    hold.site.column()
                ));
                finding.sites.push(crate::report::SourceRef::new(
                    hold.site,
                    format!("{holder} locked it here"),
                ));
            }
        }
    }

    fn relock(&self, event: &Event, object: ObjectId, names: &dyn ThreadNames) -> Option<Finding> {
        let first = self
            .holders(object)
            .iter()
            .find(|h| h.thread == event.thread)?;
        let who = names.label(event.thread);
        let what = self.describe(object);
        let mut finding = Finding::new(
            FindingKind::Deadlock,
            format!("{who} locks {what} again while it already holds it"),
        )
        .note(format!(
            "it locked it at {}:{}:{} and has not released it",
            first.site.file(),
            first.site.line(),
            first.site.column()
        ))
        .note(format!(
            "it locks it again at {}:{}:{}; std's locks are not re-entrant, so this never returns",
            event.site.file(),
            event.site.line(),
            event.site.column()
        ));
        finding = finding
            .site(event.site, format!("{who} locks it again here"))
            .site(first.site, "first locked here");
        Some(finding)
    }
}

impl Detector for DeadlockDetector {
    fn reset(&mut self) {
        self.objects.clear();
        self.holds.iter_mut().for_each(Vec::clear);
        self.waiting.clear();
    }

    fn on_event(&mut self, event: &Event, names: &dyn ThreadNames) -> Option<Finding> {
        if !matches!(event.op, Op::Block { .. }) {
            if let Some(w) = self.waiting.get_mut(event.thread.index()) {
                *w = None;
            }
        }
        let object = event.object;
        match (event.op, object) {
            (Op::Create { kind }, Some(o)) => {
                *entry(&mut self.objects, o.index()) = Some((kind, event.site));
            }
            (Op::Acquire { mode, .. }, Some(o)) => entry(&mut self.holds, o.index()).push(Hold {
                thread: event.thread,
                mode,
                site: event.site,
            }),
            (Op::Release { .. }, Some(o)) => {
                if let Some(holds) = self.holds.get_mut(o.index()) {
                    if let Some(i) = holds.iter().position(|h| h.thread == event.thread) {
                        holds.swap_remove(i);
                    }
                }
            }
            (Op::Block { wait }, _) => {
                *entry(&mut self.waiting, event.thread.index()) = Some((wait, event.site));
                if let WaitFor::Lock(o, mode) = wait {
                    let holds_exclusively = self.holders(o).iter().any(|h| {
                        h.thread == event.thread
                            && (h.mode == LockMode::Exclusive || mode == LockMode::Exclusive)
                    });
                    if holds_exclusively {
                        return self.relock(event, o, names);
                    }
                }
            }
            _ => {}
        }
        None
    }

    fn on_stuck(&mut self, blocked: &[ThreadId], names: &dyn ThreadNames) -> Option<Finding> {
        let cycle = self.find_cycle(blocked);
        let message = match &cycle {
            Some(cycle) if cycle.len() == 1 => {
                format!("deadlock: {} waits for itself", names.label(cycle[0]))
            }
            Some(cycle) => {
                let labels: Vec<String> = cycle.iter().map(|t| names.label(*t)).collect();
                format!("deadlock: {} wait for each other", join_words(&labels))
            }
            None => {
                let labels: Vec<String> = blocked.iter().map(|t| names.label(*t)).collect();
                format!(
                    "deadlock: no thread can make progress; {} {} blocked",
                    join_words(&labels),
                    if labels.len() == 1 { "is" } else { "are" }
                )
            }
        };
        let mut finding = Finding::new(FindingKind::Deadlock, message);
        let order: Vec<ThreadId> = match &cycle {
            Some(cycle) => cycle
                .iter()
                .copied()
                .chain(blocked.iter().copied().filter(|t| !cycle.contains(t)))
                .collect(),
            None => blocked.to_vec(),
        };
        for thread in order {
            self.explain_wait(thread, names, &mut finding);
        }
        if let Some(cycle) = &cycle {
            if cycle.len() > 1 {
                let mut chain: Vec<String> = cycle.iter().map(|t| names.label(*t)).collect();
                chain.push(names.label(cycle[0]));
                finding.notes.push(format!("cycle: {}", chain.join(" → ")));
            }
        }
        Some(finding)
    }
}

fn join_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detector::NumberedThreads;
    use std::panic::Location;

    #[track_caller]
    fn here() -> Site {
        Location::caller()
    }

    fn ev(thread: u32, object: u32, op: Op, site: Site) -> Event {
        Event {
            thread: ThreadId(thread),
            object: Some(ObjectId(object)),
            op,
            site,
        }
    }

    const LOCK: Op = Op::Acquire {
        mode: LockMode::Exclusive,
        try_lock: false,
    };
    const UNLOCK: Op = Op::Release {
        mode: LockMode::Exclusive,
    };

    fn block(o: u32) -> Op {
        Op::Block {
            wait: WaitFor::Lock(ObjectId(o), LockMode::Exclusive),
        }
    }

    fn feed(d: &mut DeadlockDetector, events: &[Event]) -> Option<Finding> {
        events.iter().find_map(|e| d.on_event(e, &NumberedThreads))
    }

    #[test]
    fn abba_cycle_names_both_locks_threads_and_sites() {
        let (a_site, b_site, t1a, t2b, t1b, t2a) = (here(), here(), here(), here(), here(), here());
        let mut d = DeadlockDetector::new();
        let events = [
            ev(
                1,
                0,
                Op::Create {
                    kind: ObjectKind::Mutex,
                },
                a_site,
            ),
            ev(
                1,
                1,
                Op::Create {
                    kind: ObjectKind::Mutex,
                },
                b_site,
            ),
            ev(1, 0, LOCK, t1a),
            ev(2, 1, LOCK, t2b),
            ev(1, 1, block(1), t1b),
            ev(2, 0, block(0), t2a),
        ];
        assert!(feed(&mut d, &events).is_none());
        let f = d
            .on_stuck(&[ThreadId(1), ThreadId(2)], &NumberedThreads)
            .expect("stuck threads are a deadlock");
        assert_eq!(f.kind, FindingKind::Deadlock);
        assert!(
            f.message
                .contains("thread 1 and thread 2 wait for each other"),
            "{}",
            f.message
        );
        let lines: Vec<u32> = f.sites.iter().map(|s| s.line).collect();
        for site in [t1a, t2b, t1b, t2a] {
            assert!(
                lines.contains(&site.line()),
                "missing line {} in {lines:?}",
                site.line()
            );
        }
        let text = f.notes.join("\n");
        assert!(
            text.contains(&format!(
                "Mutex created at {}:{}",
                a_site.file(),
                a_site.line()
            )),
            "{text}"
        );
        assert!(
            text.contains("cycle: thread 1 → thread 2 → thread 1"),
            "{text}"
        );
    }

    #[test]
    fn relock_is_reported_at_once() {
        let mut d = DeadlockDetector::new();
        let f = feed(
            &mut d,
            &[ev(0, 0, LOCK, here()), ev(0, 0, block(0), here())],
        )
        .expect("re-lock");
        assert!(
            f.message.contains("again while it already holds it"),
            "{}",
            f.message
        );
    }

    #[test]
    fn released_locks_are_not_blamed() {
        let mut d = DeadlockDetector::new();
        let events = [
            ev(0, 0, LOCK, here()),
            ev(0, 0, UNLOCK, here()),
            ev(0, 0, LOCK, here()),
            ev(1, 0, block(0), here()),
        ];
        assert!(
            feed(&mut d, &events).is_none(),
            "waiting for another thread's lock is not a re-lock"
        );
        assert!(d.waits_for(ThreadId(1)) == vec![ThreadId(0)]);
    }
}
