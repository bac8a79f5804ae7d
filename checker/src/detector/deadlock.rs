//! Deadlocks: threads that wait for each other, and a thread that re-locks a lock it holds.
//!
//! The detector tracks, from events alone, which thread holds which lock (and where it took it)
//! and what each blocked thread waits for (and where). When no thread can run it follows the
//! wait-for edges (thread → object → holder thread, thread → joined thread) to find the cycle
//! and explains every blocked thread: what it waits for and where, who holds that lock and where
//! it took it, and for waits that have no owner (a condvar, a channel, a barrier, a `Once`,
//! `park`) why no thread can end them: every thread that could is blocked too, or has finished.
//! For a barrier it counts the threads that arrived, and how many it needs once a round has
//! passed (the events of a completed round show it).

use super::objects::{at, grow};
use super::{Detector, Scene};
use crate::describe::{join_words, name_object, object_ref, without_closures, PendingAwait};
use crate::event::{Event, LockMode, ObjectId, ObjectKind, Op, Site, ThreadId, WaitFor};
use crate::holdings::{Held, Holdings};
use crate::report::{Finding, FindingKind, SiteRole, SourceRef};

/// What a blocked thread waits for, where, and (at a barrier) in which round.
#[derive(Clone, Copy, Debug)]
struct Wait {
    wait: WaitFor,
    site: Site,
    round: u64,
}

/// What the events tell about a barrier.
#[derive(Clone, Copy, Debug, Default)]
struct BarrierState {
    /// Rounds completed.
    rounds: u64,
    /// Threads a round needs, known once one round has passed.
    needed: Option<usize>,
}

/// Tracks holders and waiters, in tables indexed by object and thread (events arrive at every
/// step, so this stays free of hashing).
#[derive(Default)]
pub struct DeadlockDetector {
    holdings: Holdings,
    waiting: Vec<Option<Wait>>,
    barriers: Vec<BarrierState>,
    finished: Vec<bool>,
}

impl DeadlockDetector {
    /// A detector with no history.
    pub fn new() -> Self {
        Self::default()
    }

    /// Who holds `object`, and how, in thread order.
    fn holders(&self, object: ObjectId) -> impl Iterator<Item = (ThreadId, Held)> + '_ {
        self.holdings.holders(object)
    }

    /// The threads `thread` waits for, if it waits on something that has owners.
    fn waits_for(&self, thread: ThreadId, names: &dyn Scene) -> Vec<ThreadId> {
        match self.wait_seen(thread, names) {
            Some((WaitFor::Lock(o, _), _)) => self.holders(o).map(|(t, _)| t).collect(),
            Some((WaitFor::Join(t), _)) => vec![t],
            Some((WaitFor::Park, _)) => match names.pending_future(thread).and_then(|p| p.waits) {
                Some(WaitFor::Join(t)) => vec![t],
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// What `thread` waits for and where, as the report tells it: a thread parked on a future
    /// whose async primitive said what it waits for, and from which line, waits for that.
    fn wait_seen(&self, thread: ThreadId, names: &dyn Scene) -> Option<(WaitFor, Site)> {
        let wait = self.wait_of(thread)?;
        if wait.0 == WaitFor::Park {
            if let Some(PendingAwait {
                waits: Some(inner),
                waits_at: Some(site),
                ..
            }) = names.pending_future(thread)
            {
                return Some((inner, site));
            }
        }
        Some(wait)
    }

    fn wait_of(&self, thread: ThreadId) -> Option<(WaitFor, Site)> {
        self.waiting
            .get(thread.index())
            .copied()
            .flatten()
            .map(|w| (w.wait, w.site))
    }

    fn is_finished(&self, thread: ThreadId) -> bool {
        self.finished.get(thread.index()).copied().unwrap_or(false)
    }

    /// A thread passed `barrier`. The thread that completes a round (the leader) passes without
    /// having blocked; the others of its round are still recorded as waiting, so the first
    /// round tells how many threads the barrier needs.
    fn barrier_pass(&mut self, thread: ThreadId, barrier: ObjectId, was: Option<Wait>) {
        if matches!(was, Some(w) if w.wait == WaitFor::Barrier(barrier)) {
            return;
        }
        let round = grow(&mut self.barriers, barrier.index()).rounds;
        let waiting = self
            .waiting
            .iter()
            .enumerate()
            .filter(|(t, w)| {
                *t != thread.index()
                    && matches!(w, Some(w) if w.wait == WaitFor::Barrier(barrier) && w.round == round)
            })
            .count();
        let state = grow(&mut self.barriers, barrier.index());
        state.needed.get_or_insert(waiting + 1);
        state.rounds += 1;
    }

    /// "thread 2 (at f.rs:20:9) and the main thread (at f.rs:30:5)": the blocked threads other
    /// than `thread` that `keep` accepts, with where each waits.
    fn blocked_list(
        &self,
        thread: ThreadId,
        blocked: &[ThreadId],
        names: &dyn Scene,
        keep: impl Fn(ThreadId) -> bool,
    ) -> Vec<String> {
        blocked
            .iter()
            .copied()
            .filter(|t| *t != thread && keep(*t))
            .map(|t| {
                let pending = match self.wait_seen(t, names) {
                    Some((WaitFor::Park, _)) => names.pending_future(t).and_then(|p| p.site),
                    _ => None,
                };
                match (pending, self.wait_seen(t, names)) {
                    (Some(p), _) => format!(
                        "{} (pending at {}:{}:{})",
                        names.label(t),
                        p.file,
                        p.line,
                        p.column
                    ),
                    (None, Some((_, site))) => format!("{} (at {})", names.label(t), at(site)),
                    (None, None) => names.label(t),
                }
            })
            .collect()
    }

    /// Why no thread can do `what` (send, notify it, …) for `thread`: every other thread is
    /// blocked, or none is left.
    fn nobody_can(
        &self,
        thread: ThreadId,
        blocked: &[ThreadId],
        names: &dyn Scene,
        what: &str,
    ) -> String {
        let others = self.blocked_list(thread, blocked, names, |_| true);
        if others.is_empty() {
            format!("no other thread is left that could {what}")
        } else {
            format!(
                "every thread that could {what} is blocked: {}",
                join_words(&others)
            )
        }
    }

    /// The threads waiting at `barrier`, how many it needs if known, and why no more can come.
    fn explain_barrier(
        &self,
        barrier: ObjectId,
        blocked: &[ThreadId],
        names: &dyn Scene,
    ) -> String {
        let state = self
            .barriers
            .get(barrier.index())
            .copied()
            .unwrap_or_default();
        let at_barrier = |t: ThreadId| {
            matches!(self.waiting.get(t.index()).copied().flatten(),
                Some(w) if w.wait == WaitFor::Barrier(barrier) && w.round == state.rounds)
        };
        let arrived: Vec<String> = blocked
            .iter()
            .copied()
            .filter(|t| at_barrier(*t))
            .map(|t| names.label(t))
            .collect();
        let count = match arrived.len() {
            1 => format!("1 thread arrived ({})", arrived[0]),
            n => format!("{n} threads arrived ({})", join_words(&arrived)),
        };
        let of = match state.needed {
            Some(needed) => format!(" of the {needed} it needs"),
            None => String::new(),
        };
        let elsewhere = self.blocked_list(ThreadId(u32::MAX), blocked, names, |t| !at_barrier(t));
        let rest = if elsewhere.is_empty() {
            "every other thread has finished".to_string()
        } else {
            format!(
                "every other thread has finished or is blocked elsewhere: {}",
                join_words(&elsewhere)
            )
        };
        format!("    {count}{of}; no other thread can arrive ({rest}), so it can never be passed")
    }

    /// A cycle of threads in the wait-for graph among `blocked`, if there is one.
    fn find_cycle(&self, blocked: &[ThreadId], names: &dyn Scene) -> Option<Vec<ThreadId>> {
        for &start in blocked {
            let mut path = vec![start];
            let mut at = start;
            while let Some(&next) = self.waits_for(at, names).first() {
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

    fn explain_wait(
        &self,
        thread: ThreadId,
        blocked: &[ThreadId],
        cycle: &[ThreadId],
        names: &dyn Scene,
        finding: &mut Finding,
    ) {
        let who = names.label(thread);
        let Some((wait, site)) = self.wait_seen(thread, names) else {
            finding.notes.push(format!("{who} is blocked"));
            return;
        };
        if let (WaitFor::Park, Some(pending)) = (wait, names.pending_future(thread)) {
            let why = self.why_pending(thread, &pending, blocked, cycle, names);
            explain_pending(thread, &who, site, &pending, why, finding);
            return;
        }
        let what = match wait {
            WaitFor::Lock(o, LockMode::Exclusive) => format!("to lock {}", name_object(names, o)),
            WaitFor::Lock(o, LockMode::Shared) => format!("to read-lock {}", name_object(names, o)),
            WaitFor::Condvar(o) => format!("on {}", name_object(names, o)),
            WaitFor::Receive(o) => format!("to receive from {}", name_object(names, o)),
            WaitFor::Send(o) => format!("to send on {}", name_object(names, o)),
            WaitFor::Barrier(o) => format!("at {}", name_object(names, o)),
            WaitFor::Once(o) => {
                format!("for the initialiser of {} to finish", name_object(names, o))
            }
            WaitFor::Join(t) => format!("to join {}", names.label(t)),
            WaitFor::Park => "in park()".to_string(),
            WaitFor::Spin => "in a spin loop for another thread to write what it reads".to_string(),
        };
        let why = match wait {
            WaitFor::Lock(..) => String::new(),
            WaitFor::Condvar(o) => {
                let what = match names.object(o) {
                    Some((ObjectKind::Semaphore, _)) => "release a permit",
                    _ => "notify it",
                };
                format!("; {}", self.nobody_can(thread, blocked, names, what))
            }
            WaitFor::Receive(_) => format!(
                "; a sender is still alive, but {}",
                self.nobody_can(thread, blocked, names, "send")
            ),
            WaitFor::Send(_) => format!(
                "; the channel has no room (it is full, or a rendezvous waiting for its receiver) and {}",
                self.nobody_can(thread, blocked, names, "receive")
            ),
            WaitFor::Barrier(_) => String::new(),
            WaitFor::Once(_) => format!(
                "; {}",
                self.nobody_can(thread, blocked, names, "be running it")
            ),
            WaitFor::Join(t) if cycle.contains(&t) => String::new(),
            WaitFor::Join(t) if blocked.contains(&t) => ", which is blocked too".to_string(),
            WaitFor::Join(_) => String::new(),
            WaitFor::Park => format!("; {}", self.nobody_can(thread, blocked, names, "unpark it")),
            WaitFor::Spin => String::new(),
        };
        finding
            .notes
            .push(format!("{who} waits {what}, at {}{why}", at(site)));
        finding.sites.push(
            crate::report::SourceRef::at(site, SiteRole::Wait, format!("{who} waits here"))
                .by(thread.0),
        );
        if let Some(object) = wait.object().and_then(|o| object_ref(names, o)) {
            finding.add_object(object);
        }
        match wait {
            WaitFor::Lock(o, _) => {
                for (holder_thread, hold) in self.holders(o) {
                    let holder = names.label(holder_thread);
                    let gone = if self.is_finished(holder_thread) {
                        ", and finished without unlocking it"
                    } else {
                        ""
                    };
                    finding.notes.push(format!(
                        "    it is held by {holder}, which locked it at {}{gone}",
                        at(hold.site)
                    ));
                    finding.sites.push(
                        crate::report::SourceRef::at(
                            hold.site,
                            SiteRole::Acquire,
                            format!("{holder} locked it here"),
                        )
                        .by(holder_thread.0),
                    );
                }
            }
            WaitFor::Barrier(o) => {
                // Explained once, after the first of its waiters (`blocked` is in the order
                // the threads are explained).
                let first = blocked
                    .iter()
                    .copied()
                    .find(|t| matches!(self.wait_of(*t), Some((WaitFor::Barrier(b), _)) if b == o));
                if first == Some(thread) {
                    finding.notes.push(self.explain_barrier(o, blocked, names));
                }
            }
            _ => {}
        }
    }

    /// Why nothing will wake the future `thread` is parked on: the task it awaits, or who
    /// (nobody) holds its waker.
    fn why_pending(
        &self,
        thread: ThreadId,
        pending: &PendingAwait,
        blocked: &[ThreadId],
        cycle: &[ThreadId],
        names: &dyn Scene,
    ) -> String {
        match pending.waits {
            Some(WaitFor::Join(task)) => {
                let also = if cycle.contains(&task) {
                    ""
                } else if blocked.contains(&task) {
                    ", which is pending too"
                } else {
                    ""
                };
                format!("it awaits the JoinHandle of {}{also}", names.label(task))
            }
            _ if pending.waker_holders == 0 => {
                "nobody holds its waker any more, so nothing can wake it: a lost wakeup".to_string()
            }
            _ => format!(
                "its waker is held, but {}",
                self.nobody_can(thread, blocked, names, "wake it")
            ),
        }
    }

    fn relock(&self, event: &Event, object: ObjectId, names: &dyn Scene) -> Option<Finding> {
        let first = *self
            .holdings
            .of(event.thread)
            .iter()
            .find(|h| h.object == object)?;
        let who = names.label(event.thread);
        let what = name_object(names, object);
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
            .site_by(
                event.thread.0,
                event.site,
                SiteRole::Wait,
                format!("{who} locks it again here"),
            )
            .site_by(
                event.thread.0,
                first.site,
                SiteRole::Acquire,
                "first locked here",
            );
        if let Some(object) = object_ref(names, object) {
            finding.add_object(object);
        }
        Some(finding)
    }
}

/// "task … is pending at an `.await`, at src/lib.rs:12:9 (in `crate::f`); why", with the
/// `.await` as a site of the finding; without a known `.await`, where its driver parks.
fn explain_pending(
    thread: ThreadId,
    who: &str,
    park: Site,
    pending: &PendingAwait,
    why: String,
    finding: &mut Finding,
) {
    let Some(place) = &pending.site else {
        finding.notes.push(format!(
            "{who} waits for the future it drives to be woken, at {}; {why}",
            at(park)
        ));
        finding.sites.push(
            crate::report::SourceRef::at(park, SiteRole::Wait, format!("{who} waits here"))
                .by(thread.0),
        );
        return;
    };
    let function = without_closures(&place.function);
    let place_text = format!("{}:{}:{}", place.file, place.line, place.column);
    // A hand-written future's `poll` registers its waker itself; an `async` block or function
    // is pending at the `.await` whose poll registered it.
    let how = if function.ends_with("::poll") {
        format!("is pending: its future registered its waker at {place_text}")
    } else {
        format!("is pending at an `.await`, at {place_text}")
    };
    finding
        .notes
        .push(format!("{who} {how} (in `{function}`); {why}"));
    finding.sites.push(SourceRef {
        file: place.file.clone(),
        line: place.line,
        column: place.column,
        role: SiteRole::Wait,
        thread: Some(thread.0),
        label: format!("{who} is pending here"),
    });
}

impl Detector for DeadlockDetector {
    fn reset(&mut self) {
        self.holdings.clear();
        // Per-thread tables keep their length (a thread's entry is not grown again each
        // execution): an entry past this execution's threads reads as not waiting.
        self.waiting.fill(None);
        self.barriers.clear();
        self.finished.fill(false);
    }

    #[inline]
    fn on_event(&mut self, event: &Event, names: &dyn Scene) -> Option<Finding> {
        // The common event, inlined: one this detector does not record, by a thread that
        // was not waiting.
        let recorded = matches!(
            event.op,
            Op::Acquire { .. } | Op::Release { .. } | Op::BarrierPass | Op::Exit | Op::Block { .. }
        );
        let was_waiting = matches!(self.waiting.get(event.thread.index()), Some(Some(_)));
        if !recorded && !was_waiting {
            return None;
        }
        self.record(event, names)
    }

    fn on_stuck(&mut self, blocked: &[ThreadId], names: &dyn Scene) -> Option<Finding> {
        self.explain_stuck(blocked, names)
    }
}

impl DeadlockDetector {
    /// [`Detector::on_event`] for an event it records, or the first of a thread that waited.
    fn record(&mut self, event: &Event, names: &dyn Scene) -> Option<Finding> {
        let mut was = None;
        if !matches!(event.op, Op::Block { .. }) {
            if let Some(w) = self.waiting.get_mut(event.thread.index()) {
                was = w.take();
            }
        }
        let object = event.object;
        match (event.op, object) {
            (Op::Acquire { .. } | Op::Release { .. }, Some(_)) => self.holdings.apply(event),
            (Op::BarrierPass, Some(o)) => self.barrier_pass(event.thread, o, was),
            (Op::Exit, _) => *grow(&mut self.finished, event.thread.index()) = true,
            (Op::Block { wait }, _) => {
                let round = match wait {
                    WaitFor::Barrier(o) => grow(&mut self.barriers, o.index()).rounds,
                    _ => 0,
                };
                *grow(&mut self.waiting, event.thread.index()) = Some(Wait {
                    wait,
                    site: event.site,
                    round,
                });
                if let WaitFor::Lock(o, mode) = wait {
                    let holds_exclusively = self.holdings.of(event.thread).iter().any(|h| {
                        h.object == o
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

    /// [`Detector::on_stuck`]: the cycle of waits, or who is blocked on what.
    fn explain_stuck(&mut self, blocked: &[ThreadId], names: &dyn Scene) -> Option<Finding> {
        let cycle = self.find_cycle(blocked, names);
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
        // The cycle first; then the threads with waits of their own, then those that only
        // wait to join others.
        let in_cycle: &[ThreadId] = cycle.as_deref().unwrap_or(&[]);
        let joins = |t: &ThreadId| matches!(self.wait_of(*t), Some((WaitFor::Join(_), _)));
        let rest = blocked.iter().copied().filter(|t| !in_cycle.contains(t));
        let order: Vec<ThreadId> = in_cycle
            .iter()
            .copied()
            .chain(rest.clone().filter(|t| !joins(t)))
            .chain(rest.filter(joins))
            .collect();
        for &thread in &order {
            self.explain_wait(thread, &order, in_cycle, names, &mut finding);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::AwaitSite;
    use crate::describe::Noting;
    use crate::detector::NumberedThreads;
    use crate::event::ObjectKind;
    use std::cell::RefCell;
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

    thread_local! {
        /// The scene of the test running on this thread: the objects its events created.
        static SCENE: RefCell<Noting<NumberedThreads>> = RefCell::new(Noting::new(NumberedThreads));
    }

    /// Shows `events` to `d` (and to this test's scene) until it finds something.
    fn feed(d: &mut DeadlockDetector, events: &[Event]) -> Option<Finding> {
        events.iter().find_map(|e| {
            SCENE.with_borrow_mut(|scene| {
                scene.note(e);
                d.on_event(e, scene)
            })
        })
    }

    /// What `d` says of `blocked` being stuck, in this test's scene.
    fn on_stuck(d: &mut DeadlockDetector, blocked: &[ThreadId]) -> Option<Finding> {
        SCENE.with_borrow(|scene| d.on_stuck(blocked, scene))
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
        let f =
            on_stuck(&mut d, &[ThreadId(1), ThreadId(2)]).expect("stuck threads are a deadlock");
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
        assert!(d.waits_for(ThreadId(1), &NumberedThreads) == vec![ThreadId(0)]);
    }

    fn create(kind: ObjectKind) -> Op {
        Op::Create { kind }
    }

    fn wait(wait: WaitFor) -> Op {
        Op::Block { wait }
    }

    fn thread_ev(thread: u32, op: Op, site: Site) -> Event {
        Event {
            thread: ThreadId(thread),
            object: None,
            op,
            site,
        }
    }

    fn stuck(d: &mut DeadlockDetector, blocked: &[u32]) -> Finding {
        let blocked: Vec<ThreadId> = blocked.iter().map(|t| ThreadId(*t)).collect();
        let f = on_stuck(d, &blocked).expect("stuck threads are a deadlock");
        assert_eq!(f.kind, FindingKind::Deadlock);
        f
    }

    fn created(site: Site) -> String {
        format!("created at {}:{}", site.file(), site.line())
    }

    #[test]
    fn a_receive_cycle_names_every_blocked_thread_and_where() {
        // Each object on a line of its own, as the user's code would create them.
        let c0 = here();
        let c1 = here();
        let (r1, r2, j) = (here(), here(), here());
        let mut d = DeadlockDetector::new();
        let events = [
            ev(0, 0, create(ObjectKind::Channel), c0),
            ev(0, 1, create(ObjectKind::Channel), c1),
            thread_ev(0, wait(WaitFor::Join(ThreadId(1))), j),
            ev(1, 0, wait(WaitFor::Receive(ObjectId(0))), r1),
            ev(2, 1, wait(WaitFor::Receive(ObjectId(1))), r2),
        ];
        assert!(feed(&mut d, &events).is_none());
        let f = stuck(&mut d, &[0, 1, 2]);
        assert!(
            f.message.contains("no thread can make progress"),
            "{}",
            f.message
        );
        assert_eq!(
            f.notes[0],
            format!(
                "thread 1 waits to receive from channel `c0` ({}), at {}; a sender is still alive, \
                 but every thread that could send is blocked: thread 2 (at {}) and the main thread (at {})",
                created(c0),
                at(r1),
                at(r2),
                at(j)
            )
        );
        assert!(f.notes[1].starts_with("thread 2 waits to receive from channel `c1`"));
        assert_eq!(
            f.notes[2],
            format!(
                "the main thread waits to join thread 1, at {}, which is blocked too",
                at(j)
            )
        );
        assert_eq!(f.sites.len(), 3);
    }

    #[test]
    fn a_send_with_no_receiver_left_says_so() {
        let (c, s, j) = (here(), here(), here());
        let mut d = DeadlockDetector::new();
        let events = [
            ev(0, 0, create(ObjectKind::Channel), c),
            thread_ev(0, wait(WaitFor::Join(ThreadId(1))), j),
            ev(1, 0, wait(WaitFor::Send(ObjectId(0))), s),
        ];
        assert!(feed(&mut d, &events).is_none());
        let f = stuck(&mut d, &[0, 1]);
        let text = f.notes.join("\n");
        assert!(
            text.contains(&format!(
                "thread 1 waits to send on the channel {}, at {}; the channel has no room",
                created(c),
                at(s)
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "every thread that could receive is blocked: the main thread (at {})",
                at(j)
            )),
            "{text}"
        );
    }

    #[test]
    fn a_condvar_wait_with_no_notifier_left_says_so() {
        let cv = here();
        let m = here();
        let w = here();
        let mut d = DeadlockDetector::new();
        let events = [
            ev(1, 0, create(ObjectKind::Mutex), m),
            ev(1, 1, create(ObjectKind::Condvar), cv),
            ev(1, 0, LOCK, w),
            ev(1, 0, UNLOCK, w),
            ev(1, 1, wait(WaitFor::Condvar(ObjectId(1))), w),
            thread_ev(0, Op::Exit, here()),
        ];
        assert!(feed(&mut d, &events).is_none());
        let f = stuck(&mut d, &[1]);
        assert_eq!(
            f.notes[0],
            format!(
                "thread 1 waits on Condvar `cv` ({}), at {}; no other thread is left that could notify it",
                created(cv),
                at(w)
            )
        );
    }

    #[test]
    fn a_park_with_no_unparker_says_so() {
        let (p, j) = (here(), here());
        let mut d = DeadlockDetector::new();
        let events = [
            thread_ev(0, wait(WaitFor::Join(ThreadId(1))), j),
            thread_ev(1, wait(WaitFor::Park), p),
        ];
        assert!(feed(&mut d, &events).is_none());
        let f = stuck(&mut d, &[0, 1]);
        assert_eq!(
            f.notes[0],
            format!(
                "thread 1 waits in park(), at {}; every thread that could unpark it is blocked: \
                 the main thread (at {})",
                at(p),
                at(j)
            )
        );
    }

    #[test]
    fn a_once_wait_says_who_could_finish_it() {
        let o = here();
        let m = here();
        let (w, l) = (here(), here());
        let mut d = DeadlockDetector::new();
        let events = [
            ev(0, 0, create(ObjectKind::Once), o),
            ev(0, 1, create(ObjectKind::Mutex), m),
            // Thread 1 holds the mutex the initialiser (run by thread 2) needs.
            ev(1, 1, LOCK, here()),
            ev(1, 0, wait(WaitFor::Once(ObjectId(0))), w),
            ev(2, 1, block(1), l),
        ];
        assert!(feed(&mut d, &events).is_none());
        let f = stuck(&mut d, &[1, 2]);
        assert!(
            f.notes[0].starts_with(&format!(
                "thread 1 waits for the initialiser of Once `o` ({}) to finish, at {}; \
                 every thread that could be running it is blocked: thread 2 (at {})",
                created(o),
                at(w),
                at(l)
            )),
            "{:#?}",
            f.notes
        );
    }

    #[test]
    fn a_barrier_too_few_threads_reach_counts_the_arrivals() {
        let (b, w1, w2, j) = (here(), here(), here(), here());
        let mut d = DeadlockDetector::new();
        let barrier = || ObjectId(0);
        let events = [
            ev(0, 0, create(ObjectKind::Barrier), b),
            thread_ev(0, wait(WaitFor::Join(ThreadId(1))), j),
            ev(1, 0, Op::BarrierArrive, w1),
            ev(1, 0, wait(WaitFor::Barrier(barrier())), w1),
            ev(2, 0, Op::BarrierArrive, w2),
            ev(2, 0, wait(WaitFor::Barrier(barrier())), w2),
        ];
        assert!(feed(&mut d, &events).is_none());
        let f = stuck(&mut d, &[0, 1, 2]);
        assert_eq!(
            f.notes[0],
            format!(
                "thread 1 waits at the Barrier {}, at {}",
                created(b),
                at(w1)
            )
        );
        assert_eq!(
            f.notes[1],
            format!(
                "    2 threads arrived (thread 1 and thread 2); no other thread can arrive (every other \
                 thread has finished or is blocked elsewhere: the main thread (at {})), so it can never \
                 be passed",
                at(j)
            )
        );
        assert_eq!(
            f.notes[2],
            format!(
                "thread 2 waits at the Barrier {}, at {}",
                created(b),
                at(w2)
            )
        );
        assert_eq!(f.notes.len(), 4, "the count is given once: {:#?}", f.notes);
    }

    #[test]
    fn a_barrier_that_passed_a_round_says_how_many_it_needs() {
        let (b, w) = (here(), here());
        let mut d = DeadlockDetector::new();
        let barrier = ObjectId(0);
        let events = [
            ev(0, 0, create(ObjectKind::Barrier), b),
            // Round 1: thread 1 waits, thread 2 completes the round (the leader), thread 1 passes.
            ev(1, 0, Op::BarrierArrive, w),
            ev(1, 0, wait(WaitFor::Barrier(barrier)), w),
            ev(2, 0, Op::BarrierArrive, w),
            ev(2, 0, Op::BarrierPass, w),
            ev(1, 0, Op::BarrierPass, w),
            // Round 2: thread 3 arrives alone; everyone else finishes.
            ev(3, 0, Op::BarrierArrive, w),
            ev(3, 0, wait(WaitFor::Barrier(barrier)), w),
            thread_ev(1, Op::Exit, here()),
            thread_ev(2, Op::Exit, here()),
            thread_ev(0, Op::Exit, here()),
        ];
        assert!(feed(&mut d, &events).is_none());
        let f = stuck(&mut d, &[3]);
        assert_eq!(
            f.notes[1],
            "    1 thread arrived (thread 3) of the 2 it needs; no other thread can arrive (every \
             other thread has finished), so it can never be passed"
        );
    }

    #[test]
    fn a_join_and_a_lock_form_a_cycle() {
        let (m, lock, j, w) = (here(), here(), here(), here());
        let mut d = DeadlockDetector::new();
        let events = [
            ev(0, 0, create(ObjectKind::Mutex), m),
            ev(0, 0, LOCK, lock),
            thread_ev(0, wait(WaitFor::Join(ThreadId(1))), j),
            ev(1, 0, block(0), w),
        ];
        assert!(feed(&mut d, &events).is_none());
        let f = stuck(&mut d, &[0, 1]);
        assert_eq!(
            f.message,
            "deadlock: the main thread and thread 1 wait for each other"
        );
        assert_eq!(
            f.notes,
            vec![
                format!("the main thread waits to join thread 1, at {}", at(j)),
                format!(
                    "thread 1 waits to lock the Mutex {}, at {}",
                    created(m),
                    at(w)
                ),
                format!(
                    "    it is held by the main thread, which locked it at {}",
                    at(lock)
                ),
                "cycle: the main thread → thread 1 → the main thread".to_string(),
            ]
        );
    }

    #[test]
    fn a_lock_left_held_by_a_finished_thread_says_so() {
        let (m, lock, w) = (here(), here(), here());
        let mut d = DeadlockDetector::new();
        let events = [
            ev(1, 0, create(ObjectKind::Mutex), m),
            ev(1, 0, LOCK, lock),
            thread_ev(1, Op::Exit, here()),
            ev(0, 0, block(0), w),
        ];
        assert!(feed(&mut d, &events).is_none());
        let f = stuck(&mut d, &[0]);
        assert_eq!(
            f.notes[1],
            format!(
                "    it is held by thread 1, which locked it at {}, and finished without unlocking it",
                at(lock)
            )
        );
    }

    /// Threads numbered, and thread 1 parked on a future as `pending` says.
    struct PendingOne(PendingAwait);

    impl Scene for PendingOne {
        fn label(&self, thread: ThreadId) -> String {
            NumberedThreads.label(thread)
        }
        fn pending_future(&self, thread: ThreadId) -> Option<PendingAwait> {
            (thread == ThreadId(1)).then(|| self.0.clone())
        }
    }

    fn pending(site: Option<&str>, waker_holders: usize) -> PendingOne {
        PendingOne(PendingAwait {
            site: site.map(|function| AwaitSite {
                file: "src/lib.rs".into(),
                line: 12,
                column: 9,
                function: function.into(),
            }),
            waker_holders,
            waits: None,
            waits_at: None,
        })
    }

    fn stuck_with(names: &PendingOne, events: &[Event], blocked: &[u32]) -> Finding {
        let mut d = DeadlockDetector::new();
        assert!(feed(&mut d, events).is_none());
        let blocked: Vec<ThreadId> = blocked.iter().map(|t| ThreadId(*t)).collect();
        d.on_stuck(&blocked, names).expect("a deadlock")
    }

    #[test]
    fn a_pending_future_nobody_can_wake_names_its_await_and_says_why() {
        let (p, j) = (here(), here());
        let events = [
            thread_ev(0, wait(WaitFor::Join(ThreadId(1))), j),
            thread_ev(1, wait(WaitFor::Park), p),
        ];
        let lost = stuck_with(&pending(Some("app::run::{{closure}}"), 0), &events, &[0, 1]);
        assert_eq!(
            lost.notes[0],
            "thread 1 is pending at an `.await`, at src/lib.rs:12:9 (in `app::run`); nobody holds \
             its waker any more, so nothing can wake it: a lost wakeup"
        );
        assert!(lost
            .sites
            .iter()
            .any(|s| s.file == "src/lib.rs" && s.line == 12 && s.thread == Some(1)));
        let held = stuck_with(
            &pending(Some("<app::Wait as Future>::poll"), 1),
            &events,
            &[0, 1],
        );
        assert_eq!(
            held.notes[0],
            format!(
                "thread 1 is pending: its future registered its waker at src/lib.rs:12:9 (in \
                 `<app::Wait as Future>::poll`); its waker is held, but every thread that could \
                 wake it is blocked: the main thread (at {})",
                at(j)
            )
        );
        let unknown = stuck_with(&pending(None, 0), &events, &[0, 1]);
        assert!(
            unknown.notes[0].starts_with(&format!(
                "thread 1 waits for the future it drives to be woken, at {}; nobody holds",
                at(p)
            )),
            "{:#?}",
            unknown.notes
        );
    }

    #[test]
    fn futures_that_await_each_others_handles_are_a_cycle() {
        struct Crossed;
        impl Scene for Crossed {
            fn label(&self, thread: ThreadId) -> String {
                NumberedThreads.label(thread)
            }
            fn pending_future(&self, thread: ThreadId) -> Option<PendingAwait> {
                Some(PendingAwait {
                    site: None,
                    waker_holders: 1,
                    waits: Some(WaitFor::Join(ThreadId(3 - thread.0))),
                    waits_at: None,
                })
            }
        }
        let mut d = DeadlockDetector::new();
        let events = [
            thread_ev(1, wait(WaitFor::Park), here()),
            thread_ev(2, wait(WaitFor::Park), here()),
        ];
        assert!(feed(&mut d, &events).is_none());
        let f = d
            .on_stuck(&[ThreadId(1), ThreadId(2)], &Crossed)
            .expect("a deadlock");
        assert_eq!(
            f.message,
            "deadlock: thread 1 and thread 2 wait for each other"
        );
        assert!(f.notes[0].ends_with("; it awaits the JoinHandle of thread 2"));
        assert_eq!(f.notes[2], "cycle: thread 1 → thread 2 → thread 1");
    }
}
