//! Executions one search ran, replayed into another search without running the program again.
//!
//! Under a preemption bound, the unbounded search runs first ([`super::bounded`]), and the exact
//! bounded search that may follow starts its own tree from the root: its first executions are
//! often the very interleavings the unbounded search already ran (the first one always is: both
//! take the default at every choice). The program is deterministic given its schedule (the
//! stateless search relies on it, and says so when it is not), so an execution is everything
//! the runtime told the strategy and everything the strategy answered. A [`Transcript`] keeps
//! that for one execution of the unbounded search; before the exact search runs an execution,
//! a transcript whose answers are the exact search's own answers, call for call, stands for it:
//! the exact search takes in the same events, and the program does not run twice. An execution
//! counts once, when it ran.

use super::dfs::{Course, Dfs};
use super::{Strategy, ThreadChoice};
use crate::event::{Event, ObjectId, StoreId, ThreadId};

/// One call the runtime made on a strategy, with the strategy's answer.
#[derive(Clone, Debug)]
enum Call {
    Thread {
        enabled: Vec<ThreadId>,
        /// The rest of the choice (its `enabled` left empty).
        choice: ThreadChoice<'static>,
        chosen: ThreadId,
    },
    Value {
        n: u32,
        chosen: u32,
    },
    Read {
        n: u32,
        offered: Vec<u32>,
        chosen: u32,
    },
    OrderedBefore {
        thread: ThreadId,
        object: ObjectId,
        overwriting: StoreId,
        answer: bool,
    },
    Forced,
    Observe(Event),
    FairnessEngaged,
}

/// The calls of one execution, and the options its choices took, in order (a thread choice's
/// thread, a value, or a read's place among the offered stores: what a DFS node records).
#[derive(Clone, Debug, Default)]
pub struct Transcript {
    calls: Vec<Call>,
    decisions: Vec<u32>,
}

impl Transcript {
    /// The options its choices took, in order.
    pub fn decisions(&self) -> &[u32] {
        &self.decisions
    }

    /// How many calls it holds.
    pub fn call_count(&self) -> usize {
        self.calls.len()
    }

    /// A thread choice and the thread chosen.
    pub fn thread(&mut self, choice: &ThreadChoice<'_>, chosen: ThreadId) {
        self.decisions.push(chosen.0);
        self.calls.push(Call::Thread {
            enabled: choice.enabled.to_vec(),
            choice: choice.with_enabled(&[]),
            chosen,
        });
    }

    /// A value choice among `0..n`.
    pub fn value(&mut self, n: u32, chosen: u32) {
        self.decisions.push(chosen);
        self.calls.push(Call::Value { n, chosen });
    }

    /// A read among `offered` of `n` stores.
    pub fn read(&mut self, n: u32, offered: &[u32], chosen: u32) {
        let place = offered.iter().position(|o| *o == chosen).unwrap_or(0);
        self.decisions.push(place as u32);
        self.calls.push(Call::Read {
            n,
            offered: offered.to_vec(),
            chosen,
        });
    }

    /// A question whether a store is ordered before a thread's next step, and the answer.
    pub fn ordered_before(
        &mut self,
        thread: ThreadId,
        object: ObjectId,
        overwriting: StoreId,
        answer: bool,
    ) {
        self.calls.push(Call::OrderedBefore {
            thread,
            object,
            overwriting,
            answer,
        });
    }

    /// A scheduling point where only one thread could run.
    pub fn forced(&mut self) {
        self.calls.push(Call::Forced);
    }

    /// An operation.
    pub fn observe(&mut self, event: &Event) {
        self.calls.push(Call::Observe(*event));
    }

    /// The fair scheduler hid a thread.
    pub fn fairness_engaged(&mut self) {
        self.calls.push(Call::FairnessEngaged);
    }

    /// `search` (which has just begun an execution) as it is after running this execution, if
    /// it would answer every call as the transcript's search did; `None` otherwise, and then
    /// `search` is untouched.
    pub fn replay(&self, search: &Dfs) -> Option<Dfs> {
        if search.course_of(&self.decisions) != Course::Follows {
            return None;
        }
        let mut replayed = search.clone();
        for call in &self.calls {
            let same = match call {
                Call::Thread {
                    enabled,
                    choice,
                    chosen,
                } => replayed.choose_thread(&choice.with_enabled(enabled)) == *chosen,
                Call::Value { n, chosen } => replayed.choose_value(*n) == *chosen,
                Call::Read { n, offered, chosen } => replayed.choose_read(*n, offered) == *chosen,
                Call::OrderedBefore {
                    thread,
                    object,
                    overwriting,
                    answer,
                } => replayed.store_ordered_before(*thread, *object, *overwriting) == *answer,
                Call::Forced => {
                    replayed.forced_step();
                    true
                }
                Call::Observe(event) => {
                    replayed.observe(event);
                    true
                }
                Call::FairnessEngaged => {
                    replayed.fairness_engaged();
                    true
                }
            };
            if !same {
                return None;
            }
        }
        Some(replayed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detector::testing::{ev, store};
    use crate::event::{ObjectKind, Op};

    /// Runs one execution of two threads that each store to one atomic twice under `search`,
    /// keeping its transcript; returns the threads in the order they stored.
    fn run_once(search: &mut Dfs, transcript: &mut Transcript) -> Vec<u32> {
        let mut left = [2, 2];
        let mut current = Some(ThreadId(0));
        let mut order = Vec::new();
        loop {
            let enabled: Vec<ThreadId> = (0..2)
                .filter(|&t| left[t] > 0)
                .map(|t| ThreadId(t as u32))
                .collect();
            if enabled.is_empty() {
                return order;
            }
            let t = if enabled.len() == 1 {
                search.forced_step();
                transcript.forced();
                enabled[0]
            } else {
                let choice = ThreadChoice {
                    enabled: &enabled,
                    current: current.filter(|c| enabled.contains(c)),
                    yielded: false,
                    wakes: false,
                    hidden: false,
                    others_runnable: true,
                    going_on_only_waits: false,
                };
                let t = search.choose_thread(&choice);
                transcript.thread(&choice, t);
                t
            };
            let kind = ObjectKind::Atomic;
            for event in [
                ev(t.0, Some(0), Op::Create { kind }),
                ev(t.0, Some(0), store(1)),
            ] {
                search.observe(&event);
                transcript.observe(&event);
            }
            left[t.index()] -= 1;
            order.push(t.0);
            current = Some(t);
        }
    }

    fn exact_search() -> Dfs {
        Dfs::with_reduction(Some(2), true).exact_within_bound()
    }

    #[test]
    fn a_replayed_execution_leaves_the_search_as_running_it_does() {
        let mut search = exact_search();
        let mut runs = Vec::new();
        while search.begin_execution() {
            let mut transcript = Transcript::default();
            let order = run_once(&mut search, &mut transcript);
            runs.push((order, transcript));
        }
        assert!(runs.len() >= 4, "{}", runs.len());
        // The same search, taking every other execution in from its transcript, runs the
        // others in the same order.
        let mut replaying = exact_search();
        let (mut ran, mut began) = (Vec::new(), 0);
        while replaying.begin_execution() {
            if began % 2 == 0 {
                replaying = runs[began]
                    .1
                    .replay(&replaying)
                    .expect("the execution's own transcript replays");
            } else {
                ran.push(run_once(&mut replaying, &mut Transcript::default()));
            }
            began += 1;
        }
        assert_eq!(began, runs.len());
        let expected: Vec<Vec<u32>> = runs
            .iter()
            .skip(1)
            .step_by(2)
            .map(|r| r.0.clone())
            .collect();
        assert_eq!(ran, expected);
    }

    #[test]
    fn the_transcript_of_another_interleaving_does_not_replay() {
        let mut search = exact_search();
        let mut first = Transcript::default();
        assert!(search.begin_execution());
        run_once(&mut search, &mut first);
        let mut fresh = exact_search();
        assert!(fresh.begin_execution());
        assert_eq!(fresh.course_of(first.decisions()), Course::Follows);
        assert!(search.begin_execution(), "there is a second interleaving");
        assert!(first.replay(&search).is_none());
        assert_eq!(
            search.course_of(first.decisions()),
            Course::Passed,
            "the search never comes back to an interleaving it ran"
        );
    }
}
