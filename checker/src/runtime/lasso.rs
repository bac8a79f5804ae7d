//! Replaying a round of steps that brought the shared state back (a lasso candidate, see
//! `detector::lasso`): at every scheduling point the thread that took the next step of the
//! round runs, value choices take their defaults (the latest store), and every thread that
//! could run at some point of a round must take a step in it, or the round was not fair and
//! the replay stops.

use crate::detector::lasso::CONFIRM_ROUNDS;
use crate::event::ThreadId;

/// Steps a replay leaves for the rest of the execution: it starts only with this many to
/// spare after it, and stops when fewer are left.
const RESERVE: u64 = 10_000;

/// One candidate round being replayed.
pub(crate) struct LassoReplay {
    /// The thread of each step of the round.
    threads: Vec<ThreadId>,
    /// Steps replayed so far.
    pos: usize,
    /// Per thread, in the round under way: it could run at some scheduling point.
    could_run: Vec<bool>,
    /// Per thread, in the round under way: it took a step.
    stepped: Vec<bool>,
}

impl LassoReplay {
    /// A replay of the round whose steps `threads` took.
    pub(crate) fn new(threads: Vec<ThreadId>) -> Self {
        LassoReplay {
            threads,
            pos: 0,
            could_run: Vec::new(),
            stepped: Vec::new(),
        }
    }

    /// The thread that takes the next step.
    pub(crate) fn next(&self) -> ThreadId {
        self.threads[self.pos % self.threads.len()]
    }

    /// At a scheduling point: these threads could run.
    pub(crate) fn could_run(&mut self, enabled: &[ThreadId]) {
        for t in enabled {
            *slot(&mut self.could_run, t.index()) = true;
        }
    }

    /// A step of `thread`: whether the replay is still on course (it was the expected thread,
    /// and a round that ends with it was fair).
    pub(crate) fn stepped(&mut self, thread: ThreadId) -> bool {
        if thread != self.next() {
            return false;
        }
        *slot(&mut self.stepped, thread.index()) = true;
        self.pos += 1;
        if self.pos % self.threads.len() != 0 {
            return true;
        }
        let fair = self
            .could_run
            .iter()
            .enumerate()
            .all(|(t, &could)| !could || self.stepped.get(t).copied().unwrap_or(false));
        self.could_run.clear();
        self.stepped.clear();
        fair
    }

    /// Whether the replay, with every round the confirmation may take, fits before the step
    /// limit `max_steps` after `steps`, with [`RESERVE`] to spare.
    pub(crate) fn fits(&self, steps: u64, max_steps: u64) -> bool {
        let needs = self.threads.len() as u64 * (u64::from(CONFIRM_ROUNDS) + 1);
        steps + needs + RESERVE < max_steps
    }

    /// Whether the execution, at `steps`, still has [`RESERVE`] steps before `max_steps`.
    pub(crate) fn leaves_room(&self, steps: u64, max_steps: u64) -> bool {
        steps + RESERVE < max_steps
    }
}

fn slot(table: &mut Vec<bool>, index: usize) -> &mut bool {
    if table.len() <= index {
        table.resize(index + 1, false);
    }
    &mut table[index]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_replay_follows_the_round_and_checks_each_round_is_fair() {
        let (a, b, c) = (ThreadId(0), ThreadId(1), ThreadId(2));
        let mut r = LassoReplay::new(vec![a, b, a]);
        for _ in 0..3 {
            r.could_run(&[a, b]);
            assert_eq!(r.next(), a);
            assert!(r.stepped(a));
            r.could_run(&[a, b]);
            assert!(r.stepped(b));
            assert!(r.stepped(a));
        }
        // Another thread could run during the round and did not step: unfair.
        r.could_run(&[a, b, c]);
        assert!(r.stepped(a));
        assert!(r.stepped(b));
        assert!(!r.stepped(a));
        // A step by a thread the round does not expect.
        let mut r = LassoReplay::new(vec![a, b]);
        assert!(!r.stepped(b));
    }
}
