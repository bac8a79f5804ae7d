//! Replays a recorded schedule decision by decision.

use super::{Strategy, ThreadChoice};
use crate::event::ThreadId;
use crate::schedule::{Decision, Schedule};

/// Feeds back the decisions of a [`Schedule`]; notes where the program stopped matching it.
pub struct Replay {
    decisions: Vec<Decision>,
    position: usize,
    started: bool,
    divergence: Option<String>,
}

impl Replay {
    /// Replays `schedule` once.
    pub fn new(schedule: Schedule) -> Self {
        Replay {
            decisions: schedule.decisions,
            position: 0,
            started: false,
            divergence: None,
        }
    }

    fn next(&mut self) -> Option<Decision> {
        let d = self.decisions.get(self.position).copied();
        self.position += 1;
        d
    }

    fn diverge(&mut self, what: String) {
        if self.divergence.is_none() {
            self.divergence = Some(format!(
                "the schedule does not match this test at decision {}: {what}; the test is \
                 nondeterministic outside conc-check's control, or the schedule belongs to another test",
                self.position
            ));
        }
    }
}

impl Strategy for Replay {
    fn steer_lasso(&mut self) -> bool {
        // The recording's answer, kept as a value choice.
        self.choose_value(2) == 1
    }

    fn begin_execution(&mut self) -> bool {
        !std::mem::replace(&mut self.started, true)
    }

    fn choose_thread(&mut self, choice: &ThreadChoice<'_>) -> ThreadId {
        match self.next() {
            Some(Decision::Thread(t)) if choice.enabled.contains(&t) => t,
            Some(Decision::Thread(t)) => {
                self.diverge(format!("it runs thread {t}, which cannot run there"));
                choice.enabled[0]
            }
            Some(Decision::Value(_)) => {
                self.diverge("it holds a value where the test chooses a thread".into());
                choice.enabled[0]
            }
            None => {
                self.diverge("the schedule ended before the test did".into());
                choice.enabled[0]
            }
        }
    }

    fn choose_value(&mut self, n: u32) -> u32 {
        match self.next() {
            Some(Decision::Value(v)) if v < n => v,
            _ => {
                self.diverge("it holds no valid value where the test makes a choice".into());
                0
            }
        }
    }

    fn choose_read(&mut self, n: u32, _offered: &[u32]) -> u32 {
        // The schedule holds the store among all `n` the memory model allowed, whatever the
        // strategy that recorded it thought worth exploring.
        self.choose_value(n)
    }

    fn is_complete(&self) -> bool {
        false
    }

    fn problem(&self) -> Option<String> {
        if self.divergence.is_none() && self.started && self.position < self.decisions.len() {
            return Some(format!(
                "the schedule does not match this test: the test finished after {} of its {} decisions; \
                 the schedule belongs to another test, or the test changed",
                self.position,
                self.decisions.len()
            ));
        }
        self.divergence.clone()
    }
}
