//! Livelock: a long stretch in which threads keep running but nothing moves.
//!
//! The detector sleeps (and costs one classification per step) until the first retry (see
//! [`super::retry`]); from then on it fingerprints the shared state after every step ([`super::state_hash`]: atomic values, lock holders, queue
//! lengths, and where each thread is). A step that reaches a state not seen since the detector
//! woke is progress. When `window` steps in a row bring no new state, every thread is only going
//! round in circles: that is a livelock. The scheduler is fair while this happens (spinning
//! threads must let the others move), so the threads are not merely waiting for a turn.
//!
//! An event whose effect the fingerprint cannot see (a cell write, a new thread or object, a
//! thread finishing) counts as progress and puts the detector back to sleep, and so do recent steps
//! in which a thread takes a lock and never fails: what it does under the lock lives where
//! the fingerprint does not look. A thread that polls a flag inside a `Mutex` that nobody sets
//! is then left to the step limit.

use std::collections::{HashMap, VecDeque};

use crate::fast_hash::FastHash;

use super::lasso::Lasso;
use super::objects::at;
use super::retry::{RetryTracker, StepKind};
use super::state_hash::{Change, StateHash};
use super::{Detector, Scene};
use crate::describe::{join_words, name_object, object_ref};
use crate::event::{Event, Site, ThreadId};
use crate::report::{Finding, FindingKind, SiteRole};

/// Steps kept for the finding's summary and the repeating cycle.
const RECENT: usize = 256;
/// Steps of a cycle the finding spells out.
const CYCLE_SHOWN: usize = 16;
/// Novel states in a row after which the detector goes back to sleep.
const FRESH_RUN: u32 = 64;
/// Fingerprints remembered before the table is cleared.
const MAX_REMEMBERED: usize = 1 << 16;

/// Reports `window` steps in a row without a new shared state.
pub struct LivelockDetector {
    window: u64,
    /// Classifies steps when the detector is fed alone (`on_event`); inside [`super::Detectors`]
    /// the classification comes with each step.
    retries: RetryTracker,
    state: StateHash,
    active: bool,
    step: u64,
    /// When each fingerprint was last seen (step number).
    last_seen: HashMap<u64, u64, FastHash>,
    /// Steps in a row without a new state.
    stale: u64,
    /// New states in a row.
    fresh: u32,
    /// How many steps ago the current state was last seen.
    period: u64,
    recent: VecDeque<Event>,
    reported: bool,
    /// Rounds that bring the state back, confirmed by replaying them.
    lasso: Lasso,
}

impl LivelockDetector {
    /// A detector that reports after `window` steps without progress.
    pub fn new(window: u64) -> Self {
        LivelockDetector {
            window: window.max(1),
            retries: RetryTracker::new(),
            state: StateHash::default(),
            active: false,
            step: 0,
            last_seen: HashMap::default(),
            stale: 0,
            fresh: 0,
            period: 0,
            recent: VecDeque::with_capacity(RECENT),
            reported: false,
            lasso: Lasso::default(),
        }
    }

    fn sleep(&mut self) {
        self.active = false;
        self.last_seen.clear();
        self.recent.clear();
        self.stale = 0;
        self.fresh = 0;
    }

    fn wake(&mut self) {
        // The fingerprint starts afresh: components not touched since are constant, and one
        // touched for the first time looks new once, which only delays a report by a step.
        self.state.reset();
        self.active = true;
        self.step = 0;
        self.stale = 0;
        self.fresh = 0;
        self.last_seen.insert(self.state.get(), 0);
    }

    fn describe(&self, event: &Event, names: &dyn Scene) -> String {
        crate::describe::action(event, &|o| name_object(names, o), names)
    }

    /// The finding after `window` steps without a new state; `round` is the steps between the
    /// last two visits of the current state (empty when they are no longer kept).
    fn finding(&self, round: &[Event], names: &dyn Scene) -> Finding {
        // What each thread did over the recent steps: (action, site) → count, in first-seen order.
        let mut per_thread: Vec<(ThreadId, Vec<Repeated>)> = Vec::new();
        for event in &self.recent {
            let action = self.describe(event, names);
            let entry = match per_thread.iter_mut().find(|(t, _)| *t == event.thread) {
                Some(e) => e,
                None => {
                    per_thread.push((event.thread, Vec::new()));
                    per_thread.last_mut().expect("just pushed")
                }
            };
            match entry
                .1
                .iter_mut()
                .find(|(a, s, _)| *a == action && std::ptr::eq(*s, event.site))
            {
                Some(e) => e.2 += 1,
                None => entry.1.push((action, event.site, 1)),
            }
        }
        per_thread.sort_by_key(|(t, _)| *t);
        let looping: Vec<String> = per_thread.iter().map(|(t, _)| names.label(*t)).collect();
        let period = round.len();
        let label = |threads: &[ThreadId]| -> Vec<String> {
            threads.iter().map(|t| names.label(*t)).collect()
        };
        let starving = super::lasso::starving(round);
        let mut finding = match starving.clone() {
            Some((victims, winners)) => Finding::new(
                FindingKind::Starvation,
                format!(
                    "starvation: for {} steps the shared state went round in circles; {} kept failing to get {} while {} kept taking it",
                    self.stale,
                    join_words(&label(&victims)),
                    super::lasso::contended_names(round, names),
                    join_words(&label(&winners)),
                ),
            ),
            None => Finding::new(
                FindingKind::Livelock,
                format!(
                    "livelock: for {} steps no thread made progress; {} kept retrying",
                    self.stale,
                    join_words(&looping)
                ),
            ),
        };
        for (thread, actions) in &mut per_thread {
            actions.sort_by_key(|a| std::cmp::Reverse(a.2));
            let what: Vec<String> = actions
                .iter()
                .take(3)
                .map(|(a, s, n)| format!("{a} at {} ({n}x)", at(s)))
                .collect();
            finding = finding.note(format!(
                "{} kept doing: {}",
                names.label(*thread),
                what.join("; ")
            ));
            if let Some((_, site, _)) = actions.first() {
                finding = finding.site_by(
                    thread.0,
                    site,
                    SiteRole::Retry,
                    format!("{} retries here", names.label(*thread)),
                );
            }
        }
        if starving.is_some() {
            for object in super::lasso::contended(round) {
                if let Some(object) = object_ref(names, object) {
                    finding.add_object(object);
                }
            }
        }
        if !round.is_empty() {
            finding = finding.note(format!(
                "the same state comes back every {period} step{}; one round:",
                if period == 1 { "" } else { "s" }
            ));
            for event in round.iter().take(CYCLE_SHOWN) {
                finding = finding.note(format!(
                    "  {} {} at {}",
                    names.label(event.thread),
                    self.describe(event, names),
                    at(event.site)
                ));
            }
            if period > CYCLE_SHOWN {
                finding = finding.note(format!("  ... and {} more steps", period - CYCLE_SHOWN));
            }
        }
        finding.note(
            "the scheduler was fair (each spinning thread had to let the others move), so no \
             thread was merely waiting for its turn: the retry logic itself never lets one win",
        )
    }
}

/// An action a thread repeated, where, and how often.
type Repeated = (String, Site, u32);

impl LivelockDetector {
    /// Its lasso candidates and their confirmation, which the runtime drives.
    pub fn lasso(&mut self) -> &mut Lasso {
        &mut self.lasso
    }

    /// Feeds the state after a step to a confirmation under way.
    fn lasso_step(
        &mut self,
        event: &Event,
        state: Option<u64>,
        names: &dyn Scene,
    ) -> Option<Finding> {
        let found = self.lasso.step(event, state, self.step, names);
        if found.is_some() {
            if self.reported {
                return None;
            }
            self.reported = true;
        }
        found
    }
}

impl Detector for LivelockDetector {
    fn reset(&mut self) {
        self.retries.reset();
        self.state.reset();
        self.reported = false;
        self.lasso.reset();
        self.sleep();
    }

    fn on_event(&mut self, event: &Event, names: &dyn Scene) -> Option<Finding> {
        let kind = self.retries.classify(event);
        self.on_step(event, kind, names)
    }

    #[inline]
    fn on_step(&mut self, event: &Event, kind: StepKind, names: &dyn Scene) -> Option<Finding> {
        self.lasso.note(event);
        if !self.active && kind == StepKind::Progress {
            // The common step, inlined: progress while nothing retries.
            return None;
        }
        self.on_watched_step(event, names)
    }
}

impl LivelockDetector {
    /// [`Detector::on_step`] for a step that is watched: a retry, or any step while the
    /// detector is awake.
    fn on_watched_step(&mut self, event: &Event, names: &dyn Scene) -> Option<Finding> {
        if !self.active {
            self.wake();
        }
        if self.state.apply(event) == Change::Unknown {
            let found = self.lasso_step(event, None, names);
            self.sleep();
            return found;
        }
        self.step += 1;
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(*event);
        if self.last_seen.len() >= MAX_REMEMBERED {
            self.last_seen.clear();
        }
        let state = self.state.get();
        let seen = self.last_seen.insert(state, self.step);
        if self.lasso.confirming() {
            // The replay decides; the window below would count its rounds as steps in which
            // nothing moved.
            self.stale = 0;
            return self.lasso_step(event, Some(state), names);
        }
        match seen {
            None => {
                self.stale = 0;
                self.fresh += 1;
                if self.fresh >= FRESH_RUN {
                    self.sleep();
                }
                None
            }
            Some(before) => {
                self.stale += 1;
                self.fresh = 0;
                self.period = self.step - before;
                let recent = self.recent.make_contiguous();
                let round = recent
                    .len()
                    .checked_sub(self.period as usize)
                    .map_or(&[][..], |from| &recent[from..]);
                self.lasso.repeated(state, self.step, round);
                if self.stale < self.window || self.reported {
                    return None;
                }
                if super::lasso::hidden_progress(recent) {
                    // Progress the fingerprint cannot see: back to sleep.
                    self.sleep();
                    return None;
                }
                self.reported = true;
                let round = round.to_vec();
                Some(self.finding(&round, names))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::Noting;
    use crate::detector::testing::ev;
    use crate::detector::NumberedThreads;
    use crate::event::{MemOrder, ObjectKind, Op};

    fn store(thread: u32, object: u32, value: u64) -> Event {
        ev(
            thread,
            Some(object),
            Op::AtomicStore {
                order: MemOrder::SeqCst,
                value,
                id: crate::event::StoreId::LATEST,
            },
        )
    }

    fn load(thread: u32, object: u32, value: u64) -> Event {
        ev(
            thread,
            Some(object),
            Op::AtomicLoad {
                order: MemOrder::SeqCst,
                value,
                from: crate::event::StoreId::LATEST,
            },
        )
    }

    fn run(window: u64, events: impl IntoIterator<Item = Event>) -> Vec<Finding> {
        let mut d = LivelockDetector::new(window);
        let mut scene = Noting::new(NumberedThreads);
        let mut found = Vec::new();
        for e in events {
            scene.note(&e);
            found.extend(d.on_event(&e, &scene));
        }
        found
    }

    fn created(object: u32) -> Event {
        ev(
            0,
            Some(object),
            Op::Create {
                kind: ObjectKind::Atomic,
            },
        )
    }

    /// Two threads raise their flag, see the other's, lower it and yield, in lockstep.
    fn polite_round() -> Vec<Event> {
        vec![
            store(1, 0, 1),
            store(2, 1, 1),
            load(1, 1, 1),
            load(2, 0, 1),
            store(1, 0, 0),
            store(2, 1, 0),
            ev(1, None, Op::Yield),
            ev(2, None, Op::Yield),
        ]
    }

    #[test]
    fn threads_that_go_round_in_lockstep_are_a_livelock_with_their_cycle() {
        let mut events = vec![created(0), created(1)];
        for _ in 0..20 {
            events.extend(polite_round());
        }
        let found = run(40, events);
        assert_eq!(found.len(), 1, "{found:?}");
        let f = &found[0];
        assert_eq!(f.kind, FindingKind::Livelock);
        assert!(f.message.contains("thread 1 and thread 2"), "{}", f.message);
        let text = f.notes.join("\n");
        assert!(text.contains("every 8 steps"), "{text}");
        assert!(text.contains("thread 1 kept doing"), "{text}");
    }

    #[test]
    fn a_spin_that_sees_its_flag_set_is_not_a_livelock() {
        let mut events = vec![created(0)];
        for _ in 0..30 {
            events.push(load(1, 0, 0));
            events.push(ev(1, None, Op::Yield));
        }
        events.push(store(2, 0, 1));
        events.push(load(1, 0, 1));
        assert!(run(100, events).is_empty());
    }

    #[test]
    fn a_spin_on_a_flag_nobody_sets_is_a_livelock() {
        let mut events = vec![created(0)];
        for _ in 0..60 {
            events.push(load(1, 0, 0));
            events.push(ev(1, None, Op::Yield));
        }
        let found = run(100, events);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("thread 1 kept retrying"));
    }

    #[test]
    fn a_counter_that_keeps_growing_is_progress() {
        let mut events = vec![created(0)];
        for i in 0..200 {
            events.push(ev(1, None, Op::Yield));
            events.push(store(1, 0, i));
        }
        assert!(run(50, events).is_empty());
    }
}
