//! Liveness proven by a repeating fair cycle (a lasso): a prefix, then a round of steps after
//! which the shared state is exactly what it was before the round, with every thread that
//! could run taking a step in it. Such a round can repeat forever under a fair scheduler: a
//! livelock when every thread in it fails or nobody wins, a starvation when some threads fail
//! every round while others keep winning what they fail to get. A round in which a thread
//! takes a lock without ever failing is not a candidate: what it does under the lock is
//! invisible to the fingerprint.
//!
//! The livelock detector, which fingerprints the shared state after every step
//! ([`super::state_hash`]), hands each state that comes back here ([`Lasso::repeated`]). A
//! round that qualifies becomes a candidate: the runtime replays it ([`Lasso::candidate`],
//! `runtime::lasso`), choosing for every step the thread that took it, and the candidate is
//! confirmed once the state has come back after each of [`CONFIRM_ROUNDS`] more rounds. A
//! retry loop whose counter lives on its stack (invisible to the fingerprint) gives up during
//! the replay and changes the state, and is not reported. What the replay could not repeat is
//! remembered, across executions, and not tried again.

use std::collections::HashSet;

use super::objects::{at, grow};
use super::Scene;
use crate::describe::{join_words, name_object, object_ref};
use crate::event::{Event, ObjectId, Op, ThreadId};
use crate::report::{Finding, FindingKind, SiteRole};

/// Rounds a candidate is replayed before it is reported: more than any retry limit a loop
/// that gives up is likely to have.
pub const CONFIRM_ROUNDS: u32 = 200;
/// Longest round, in steps, that is tried.
pub const MAX_PERIOD: u64 = 64;
/// Candidates tried per execution.
const MAX_ATTEMPTS: u32 = 2;
/// Rounds that could not be repeated, remembered so as not to try them again.
const MAX_REJECTED: usize = 4096;
/// Steps of a round the finding spells out.
const ROUND_SHOWN: usize = 24;

/// A round being confirmed.
struct Confirming {
    /// The fingerprint the state comes back to.
    state: u64,
    period: u64,
    /// The step at which the first round ended.
    start: u64,
    /// Rounds confirmed so far.
    rounds: u32,
    signature: u64,
    /// The signature of the replayed round under way, so far.
    replayed: u64,
    /// The events of one round.
    round: Vec<Event>,
    /// Events of the execution before the first round began.
    prefix: u64,
}

/// Candidates and their confirmation, for one detector.
#[derive(Default)]
pub struct Lasso {
    /// The candidate offered to the runtime, until it says whether it replays it.
    pending: Option<Confirming>,
    /// The threads of the pending candidate's round, until the runtime takes them.
    offered: Option<Vec<ThreadId>>,
    confirming: Option<Confirming>,
    attempts: u32,
    /// Signatures of rounds that did not repeat (kept across executions).
    rejected: HashSet<u64>,
    /// Per thread: blocked (its last event was a `Block`) or finished.
    stopped: Vec<bool>,
    /// Per thread: it has taken a step.
    started: Vec<bool>,
    /// Events of the execution so far.
    events: u64,
}

/// The signature of a round: who did which kind of operation where, in order.
fn signature(round: &[Event]) -> u64 {
    round.iter().fold(SIGNATURE_SEED, signed)
}

/// Where a signature starts.
const SIGNATURE_SEED: u64 = 0xcbf2_9ce4_8422_2325;

/// The signature `h` extended by event `e`.
fn signed(h: u64, e: &Event) -> u64 {
    let word = (e.thread.0 as u64) << 40
        ^ (e.op.kind() as u64) << 32
        ^ (e.site.line() as u64) << 8
        ^ e.site.column() as u64;
    (h ^ word).wrapping_mul(0x0100_0000_01b3) ^ e.site.file().len() as u64
}

impl Lasso {
    /// Forgets the previous execution (not the rounds that did not repeat).
    pub fn reset(&mut self) {
        self.pending = None;
        self.offered = None;
        self.confirming = None;
        self.attempts = 0;
        // Kept at their length (no growing again each execution): a thread that has not
        // started in this execution reads as not started.
        self.stopped.fill(false);
        self.started.fill(false);
        self.events = 0;
    }

    /// Sees every event, to know which threads can run.
    #[inline]
    pub fn note(&mut self, event: &Event) {
        self.events += 1;
        let t = event.thread.index();
        let stops = matches!(event.op, Op::Block { .. } | Op::Exit);
        if !matches!(event.op, Op::Spawn { .. }) {
            if let (Some(started), Some(stopped)) =
                (self.started.get_mut(t), self.stopped.get_mut(t))
            {
                // The common event, inlined: a thread already in both tables.
                *started = true;
                *stopped = stops;
                return;
            }
        }
        self.note_threads(event);
    }

    /// [`Lasso::note`] for an event that may change which threads can run.
    fn note_threads(&mut self, event: &Event) {
        let t = event.thread.index();
        *grow(&mut self.started, t) = true;
        *grow(&mut self.stopped, t) = matches!(event.op, Op::Block { .. } | Op::Exit);
        if let Op::Spawn { child } = event.op {
            // It can run from now on, before its first step.
            *grow(&mut self.started, child.index()) = true;
        }
    }

    /// Whether a candidate is being replayed.
    pub fn confirming(&self) -> bool {
        self.confirming.is_some()
    }

    /// The state `state` came back at `step` after the steps of `round`. Offers them as a
    /// candidate if they qualify: not too long, every thread that can run now took a step in
    /// them, no thread that takes a lock in them without failing, not tried before.
    pub fn repeated(&mut self, state: u64, step: u64, round: &[Event]) {
        let period = round.len() as u64;
        if self.pending.is_some()
            || self.confirming.is_some()
            || self.attempts >= MAX_ATTEMPTS
            || period == 0
            || period > MAX_PERIOD
        {
            return;
        }
        let runnable = (0..self.started.len())
            .filter(|&t| self.started[t] && !self.stopped.get(t).copied().unwrap_or(false));
        let fair = runnable
            .clone()
            .all(|t| round.iter().any(|e| e.thread.index() == t));
        if !fair || runnable.count() == 0 {
            return;
        }
        if hidden_progress(round) {
            return;
        }
        let signature = signature(round);
        if self.rejected.contains(&signature) {
            return;
        }
        self.attempts += 1;
        self.offered = Some(round.iter().map(|e| e.thread).collect());
        self.pending = Some(Confirming {
            state,
            period,
            start: step,
            rounds: 0,
            signature,
            replayed: SIGNATURE_SEED,
            round: round.to_vec(),
            prefix: self.events.saturating_sub(period),
        });
    }

    /// The threads of a candidate's round, step by step, for the runtime to replay (once).
    pub fn candidate(&mut self) -> Option<Vec<ThreadId>> {
        self.offered.take()
    }

    /// The runtime replays the candidate (`true`) or cannot (`false`).
    pub fn steered(&mut self, replayed: bool) {
        if let Some(pending) = self.pending.take() {
            if replayed {
                self.confirming = Some(pending);
            }
        }
    }

    /// The replay could not follow the round (a thread could not run, or one that could did
    /// not take a step in a round): the candidate is dropped for good.
    pub fn abandon(&mut self) {
        if let Some(c) = self.confirming.take() {
            self.reject(c.signature);
        }
    }

    fn reject(&mut self, signature: u64) {
        if self.rejected.len() >= MAX_REJECTED {
            self.rejected.clear();
        }
        self.rejected.insert(signature);
    }

    /// After step number `step`, `event`, while confirming: `state` is the fingerprint now
    /// (`None` when the step changed something the fingerprint cannot see). Returns the
    /// finding once confirmed; `names` names its threads and objects.
    pub fn step(
        &mut self,
        event: &Event,
        state: Option<u64>,
        step: u64,
        names: &dyn Scene,
    ) -> Option<Finding> {
        let c = self.confirming.as_mut()?;
        c.replayed = signed(c.replayed, event);
        let since = step.saturating_sub(c.start);
        if state.is_some() && since % c.period != 0 {
            return None;
        }
        // The round must come back to the same state by the same steps (value choices take
        // their defaults in the replay, which may read other stores than the original round).
        let same_steps = std::mem::replace(&mut c.replayed, SIGNATURE_SEED) == c.signature;
        if state != Some(c.state) || !same_steps {
            let signature = c.signature;
            self.confirming = None;
            self.reject(signature);
            return None;
        }
        c.rounds += 1;
        if c.rounds < CONFIRM_ROUNDS {
            return None;
        }
        let c = self.confirming.take()?;
        Some(render(&c, names))
    }
}

/// How a thread fared in one round.
#[derive(Default)]
struct Fared {
    /// Its first failed attempt (a failed `try_lock`, compare-exchange, `try_recv`/`try_send`,
    /// or a swap that found the value it wrote), and on what.
    failed: Option<(Event, Option<ObjectId>)>,
    /// Its first win: a lock taken, or a read-modify-write that changed the value.
    won: Option<Event>,
}

fn fared(round: &[Event], thread: ThreadId) -> Fared {
    let mut f = Fared::default();
    for e in round.iter().filter(|e| e.thread == thread) {
        let (fail, win) = match e.op {
            Op::TryLockFailed { .. } | Op::Observe => (true, false),
            Op::AtomicRmw { success: false, .. } => (true, false),
            Op::AtomicRmw { old, new, .. } => (old == new, old != new),
            Op::Acquire { .. } => (false, true),
            _ => (false, false),
        };
        if fail && f.failed.is_none() {
            f.failed = Some((*e, e.object));
        }
        if win && f.won.is_none() {
            f.won = Some(*e);
        }
    }
    f
}

/// The threads that take a step in `round`, in ascending order.
fn threads_of(round: &[Event]) -> Vec<ThreadId> {
    let mut threads: Vec<ThreadId> = round.iter().map(|e| e.thread).collect();
    threads.sort_unstable();
    threads.dedup();
    threads
}

/// The objects the threads of `round` fail to get, in order of first failure.
pub fn contended(round: &[Event]) -> Vec<ObjectId> {
    let mut objects: Vec<ObjectId> = Vec::new();
    for t in threads_of(round) {
        if let Some((_, Some(object))) = fared(round, t).failed {
            if !objects.contains(&object) {
                objects.push(object);
            }
        }
    }
    objects
}

/// Whether some thread may be making progress in `steps` that the fingerprint cannot see: it
/// takes a lock in them and never fails, so what it does under the lock (data inside a
/// `Mutex`: a worker a thousand increments long, with a poller failing beside it) may move on
/// although the state looks the same. Such steps are no evidence of a livelock or starvation.
/// (An atomic's value is part of the fingerprint: changing one and changing it back is no
/// hidden progress.)
pub fn hidden_progress(steps: &[Event]) -> bool {
    steps
        .iter()
        .any(|e| matches!(e.op, Op::Acquire { .. }) && fared(steps, e.thread).failed.is_none())
}

/// Who starves in `round`, if anyone: the threads that fail in it and never win, when other
/// threads win (victims first, then winners).
pub fn starving(round: &[Event]) -> Option<(Vec<ThreadId>, Vec<ThreadId>)> {
    let fares: Vec<(ThreadId, Fared)> = threads_of(round)
        .into_iter()
        .map(|t| (t, fared(round, t)))
        .collect();
    let victims: Vec<ThreadId> = fares
        .iter()
        .filter(|(_, f)| f.failed.is_some() && f.won.is_none())
        .map(|(t, _)| *t)
        .collect();
    let winners: Vec<ThreadId> = fares
        .iter()
        .filter(|(_, f)| f.won.is_some())
        .map(|(t, _)| *t)
        .collect();
    (!victims.is_empty() && !winners.is_empty()).then_some((victims, winners))
}

/// How a starvation finding names what its victims fail to get: the contended objects of
/// `round`, "a", "a and b".
pub fn contended_names(round: &[Event], names: &dyn Scene) -> String {
    let objects: Vec<String> = contended(round)
        .into_iter()
        .map(|o| name_object(names, o))
        .collect();
    join_words(&objects)
}

/// The finding for a confirmed round.
fn render(c: &Confirming, names: &dyn Scene) -> Finding {
    let in_words = |e: &Event| crate::describe::action(e, &|o| name_object(names, o), names);
    let threads = threads_of(&c.round);
    let label = |list: &[ThreadId]| -> String {
        let labels: Vec<String> = list.iter().map(|t| names.label(*t)).collect();
        join_words(&labels)
    };
    let replayed = format!(
        "replayed {} more rounds, each ending in the same state, with every thread that could run taking a step in each",
        c.rounds
    );
    let mut finding = match starving(&c.round) {
        Some((victims, winners)) => {
            let one = victims.len() == 1;
            Finding::new(
                FindingKind::Starvation,
                format!(
                    "starvation: {} {} to get {} in every round of a cycle of {} steps that can repeat forever ({replayed}), while {} {} it",
                    label(&victims),
                    if one { "fails" } else { "fail" },
                    contended_names(&c.round, names),
                    c.period,
                    label(&winners),
                    if winners.len() == 1 { "takes" } else { "take" },
                ),
            )
        }
        None => Finding::new(
            FindingKind::Livelock,
            format!(
                "livelock: {} go round a cycle of {} steps that can repeat forever ({replayed}); none of them gets through",
                label(&threads),
                c.period
            ),
        ),
    };
    for object in contended(&c.round) {
        if let Some(object) = object_ref(names, object) {
            finding.add_object(object);
        }
    }
    finding.notes.push(format!(
        "the lasso: {} step{} lead into the cycle, then every round is:",
        c.prefix,
        if c.prefix == 1 { "" } else { "s" }
    ));
    for e in c.round.iter().take(ROUND_SHOWN) {
        finding.notes.push(format!(
            "  {} {} at {}",
            names.label(e.thread),
            in_words(e),
            at(e.site)
        ));
    }
    if c.round.len() > ROUND_SHOWN {
        finding.notes.push(format!(
            "  ... and {} more steps",
            c.round.len() - ROUND_SHOWN
        ));
    }
    for t in &threads {
        let f = fared(&c.round, *t);
        let who = names.label(*t);
        if let Some((e, _)) = &f.failed {
            finding.notes.push(format!(
                "each round, {who} tries and fails: it {} at {}",
                in_words(e),
                at(e.site)
            ));
            finding = finding.site_by(
                t.0,
                e.site,
                SiteRole::Retry,
                format!("{who} fails here every round"),
            );
        } else if let Some(e) = &f.won {
            finding = finding.site_by(
                t.0,
                e.site,
                SiteRole::Take,
                format!("{who} takes it here every round"),
            );
        } else if let Some(e) = c.round.iter().find(|e| e.thread == *t) {
            finding = finding.site_by(
                t.0,
                e.site,
                SiteRole::Retry,
                format!("{who} goes round here"),
            );
        }
    }
    finding.note(format!(
        "the schedule is fair (every thread that could run took a step in every round), so no \
         thread is merely waiting for its turn; a retry loop that gives up after fewer than {} \
         rounds would have left the cycle when it was replayed",
        CONFIRM_ROUNDS
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detector::testing::ev;
    use crate::detector::NumberedThreads;
    use crate::event::LockMode;

    fn try_fail(thread: u32, object: u32) -> Event {
        ev(
            thread,
            Some(object),
            Op::TryLockFailed {
                mode: LockMode::Exclusive,
            },
        )
    }

    fn take(thread: u32, object: u32) -> Event {
        ev(thread, Some(object), crate::detector::testing::lock())
    }

    /// A swap of atomic `object` by `thread` that found `old` and left `new`.
    fn swap(thread: u32, object: u32, old: u64, new: u64) -> Event {
        ev(
            thread,
            Some(object),
            Op::AtomicRmw {
                order: crate::event::MemOrder::Acquire,
                success: true,
                cas: false,
                old,
                new,
                from: crate::event::StoreId::LATEST,
                id: crate::event::StoreId::LATEST,
            },
        )
    }

    /// Feeds `round`'s events and reports that the state (7) came back after them; returns
    /// the candidate's threads, if it became one.
    fn offer(lasso: &mut Lasso, round: &[Event]) -> Option<Vec<ThreadId>> {
        for e in round {
            lasso.note(e);
        }
        lasso.repeated(7, round.len() as u64, round);
        lasso.candidate()
    }

    /// Offers `round`, which must become a candidate, and says the runtime replays it.
    fn confirm(lasso: &mut Lasso, round: &[Event]) -> Vec<ThreadId> {
        let threads = offer(lasso, round).expect("a candidate");
        lasso.steered(true);
        threads
    }

    /// Replays `round` after `confirm` over steps `steps` (numbered from the candidate's), the
    /// state being 7 at each round's end and `between(step)` inside it; returns the finding.
    fn replay(
        lasso: &mut Lasso,
        round: &[Event],
        steps: std::ops::RangeInclusive<u64>,
        between: impl Fn(u64) -> u64,
    ) -> Option<Finding> {
        let period = round.len() as u64;
        let mut found = None;
        for step in steps {
            let state = if step % period == 0 { 7 } else { between(step) };
            let event = &round[((step - 1) % period) as usize];
            found = found.or(lasso.step(event, Some(state), step, &NumberedThreads));
        }
        found
    }

    #[test]
    fn the_inlined_common_event_leaves_the_tables_as_the_full_note_would() {
        let mut x: u64 = 7;
        let mut next = |m: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % m
        };
        for _ in 0..200 {
            let (mut fast, mut full) = (Lasso::default(), Lasso::default());
            for _ in 0..40 {
                let thread = next(4) as u32;
                let op = match next(5) {
                    0 => Op::Spawn {
                        child: ThreadId(next(4) as u32),
                    },
                    1 => Op::Block {
                        wait: crate::event::WaitFor::Join(ThreadId(next(4) as u32)),
                    },
                    2 => Op::Exit,
                    3 => Op::Yield,
                    _ => Op::CellRead,
                };
                let e = ev(thread, Some(0), op);
                fast.note(&e);
                full.events += 1;
                full.note_threads(&e);
                assert_eq!(fast.started, full.started, "after {e:?}");
                assert_eq!(fast.stopped, full.stopped, "after {e:?}");
                assert_eq!(fast.events, full.events);
            }
        }
    }

    #[test]
    fn a_round_that_keeps_coming_back_is_a_livelock_when_everyone_fails() {
        let round = [take(0, 1), take(1, 2), try_fail(0, 2), try_fail(1, 1)];
        let mut lasso = Lasso::default();
        assert_eq!(confirm(&mut lasso, &round).len(), 4);
        let rounds = 5..=(4 + 4 * CONFIRM_ROUNDS as u64);
        let f = replay(&mut lasso, &round, rounds, |step| 100 + step)
            .expect("confirmed after the rounds");
        assert_eq!(f.kind, FindingKind::Livelock, "{}", f.message);
        assert!(f.notes.iter().any(|n| n.starts_with("the lasso")));
    }

    #[test]
    fn one_thread_failing_while_another_wins_is_starvation() {
        // A test-and-set lock: thread 0 swaps it from free to taken, thread 1 finds it taken.
        let round = [swap(0, 1, 0, 1), swap(1, 1, 1, 1)];
        let mut lasso = Lasso::default();
        confirm(&mut lasso, &round);
        let rounds = 3..=(2 + 2 * CONFIRM_ROUNDS as u64);
        let f = replay(&mut lasso, &round, rounds, |_| 1).expect("confirmed");
        assert_eq!(f.kind, FindingKind::Starvation, "{}", f.message);
        assert!(f.message.contains("thread 1 fails"), "{}", f.message);
    }

    #[test]
    fn a_round_that_stops_coming_back_is_dropped_and_not_tried_again() {
        let round = [take(0, 1), take(1, 2), try_fail(0, 2), try_fail(1, 1)];
        let mut lasso = Lasso::default();
        confirm(&mut lasso, &round);
        // Fifty rounds, then the retry limit is reached and the state moves on.
        let found = replay(&mut lasso, &round, 5..=(4 + 4 * 50), |step| 100 + step);
        assert!(found.is_none() && lasso.confirming());
        assert!(lasso
            .step(&round[3], Some(8), 208, &NumberedThreads)
            .is_none());
        assert!(!lasso.confirming());
        lasso.reset();
        assert!(offer(&mut lasso, &round).is_none(), "tried again");
    }

    #[test]
    fn a_round_in_which_nobody_fails_is_no_candidate() {
        // Two workers that each take a lock in turn: the fingerprint does not see what they
        // count, so the state comes back, but nobody is kept from anything.
        let mut lasso = Lasso::default();
        assert!(offer(&mut lasso, &[take(0, 1), take(1, 1)]).is_none());
    }

    #[test]
    fn a_round_with_a_lock_holder_that_never_fails_is_no_candidate() {
        // A worker increments under a lock (invisibly) while a poller fails to get it: the
        // worker may be a thousand rounds from done.
        let mut lasso = Lasso::default();
        assert!(offer(&mut lasso, &[take(0, 1), try_fail(1, 1)]).is_none());
    }

    #[test]
    fn a_round_that_leaves_out_a_runnable_thread_is_no_candidate() {
        let mut lasso = Lasso::default();
        let idle = ev(2, Some(9), crate::detector::testing::load());
        lasso.note(&idle);
        let round = [swap(0, 1, 0, 1), swap(1, 1, 1, 1)];
        assert!(offer(&mut lasso, &round).is_none());
        // Blocked, thread 2 cannot run: now the round is fair.
        lasso.note(&ev(
            2,
            None,
            Op::Block {
                wait: crate::event::WaitFor::Join(ThreadId(0)),
            },
        ));
        lasso.repeated(7, 2, &round);
        assert!(lasso.candidate().is_some());
    }
}
