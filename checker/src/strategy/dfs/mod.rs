//! Stateless depth-first search over the scheduling choices, with an optional preemption bound
//! and dynamic partial-order reduction.
//!
//! Each execution replays the decisions of the previous one up to the deepest point that still
//! has an untried alternative, takes that alternative, and then runs on with default choices
//! (keep the current thread; after a yield, let the others go first).
//!
//! With reduction on (the default), a point's alternatives are not all tried: only those in its
//! backtrack set, which starts with the default choice and grows when [`super::dpor`] finds two
//! racing operations that should also run in the other order. Points where a blocked thread may
//! wake by timeout or spuriously, and value choices, try every alternative.
//!
//! The search also keeps sleep sets ([`super::sleep`]): once the subtree of thread `p` at a
//! point is finished, `p` is not run first at that point again, nor at any later point reached
//! by steps that commute with the step `p` took there. A new point whose every runnable thread
//! is asleep starts a *redundant* execution (it can only repeat explored interleavings): it runs
//! to its end with default choices and nothing in it is explored further.
//!
//! Under a preemption bound, sleep sets are sound only while the bound cuts nothing (the order
//! a sleeper stands for may need more preemptions than the bound leaves). That is all the
//! default portfolio's rounds need: they claim completeness only for a round the bound did not
//! cut. A search asked to be exact within its bound ([`Dfs::exact_within_bound`], what
//! `Strategy::Dfs` with `max_preemptions` falls back to: [`super::bounded`]) runs without sleep
//! sets and also reverses a race at the last context switch before it (Coons, Musuvathi and
//! McKinley, OOPSLA 2013): the reversal itself may need more preemptions than the bound
//! leaves.
//!
//! Two kinds of option are never run at all ([`Futile`]): going on at a yield that would only
//! make the thread wait for a write, and switching away from a thread right after a step of it
//! that did nothing the others can see. Each execution through one is equivalent to one the
//! search explores anyway, with no more preemptions.
//!
//! # Stale reads
//!
//! Under the weak memory model a load may read an older store than the latest. Where the store
//! that overwrote it is not ordered before the load (in the race tracker's clocks), running the
//! load before that store reads it as the latest, an interleaving the search explores anyway
//! (with reduction: by reversing their race). Such a stale read is therefore not offered as a
//! choice ([`Strategy::store_ordered_before`]): unbounded with reduction, because the reversal
//! reaches it; under a bound, with or without reduction, by definition of the bounded space, in
//! which a stale read that reordering explains costs the preemptions of that reordering. Only
//! the unbounded search without reduction, the reference the reduced one is checked against,
//! offers every store. Stale reads no reordering explains (the weak behaviours proper) are
//! offered everywhere.

#[cfg(test)]
mod futile_tests;
mod split;

use super::dpor::{RaceTracker, Reversal};
use super::frontier::Split;
use super::sleep::{Census, Footprint, Sleeper, StepRecorder};
use super::{Strategy, ThreadChoice};
use crate::event::{Event, ObjectId, StoreId, ThreadId};

/// One branching point on the current path.
#[derive(Clone, Debug)]
struct Node {
    /// The alternatives in preference order (thread ids, or values).
    options: Vec<u32>,
    /// Which option the current path takes.
    chosen: usize,
    /// For thread choices: which options preempt the current thread.
    preemptive: Vec<bool>,
    /// Preemptions on the path before this point.
    preemptions_before: usize,
    /// Options that must be explored from here.
    backtrack: Vec<bool>,
    /// Options already explored (or being explored) from here.
    done: Vec<bool>,
    /// Options in the backtrack set only because a race after this point is also reversed at
    /// its last context switch (bounded search): the bound cutting one of them cuts nothing
    /// the race's own reversal does not reach, so it does not make the search incomplete.
    extra: Vec<bool>,
    /// Thread choices: options asleep when the search reached this point (never run here).
    asleep: Vec<bool>,
    /// Thread choices: options never run here, as if asleep (see [`Futile`]).
    futile: Futile,
    /// Thread choices: the step each explored option took from here, once it ended.
    footprints: Vec<Option<Footprint>>,
    /// Objects and threads that existed at this point.
    census: Census,
    /// A value choice rather than a thread choice.
    value: bool,
    /// Other workers explore below this point too ([`super::frontier`]): options to explore
    /// here go to the coordinator rather than being explored by this search.
    shared: bool,
}

impl Node {
    /// Whether option `i` is still to be explored here: in the backtrack set, not yet run,
    /// not asleep.
    fn wants(&self, i: usize) -> bool {
        self.backtrack[i] && !self.done[i] && !self.asleep[i] && !self.is_futile(i)
    }

    fn is_futile(&self, i: usize) -> bool {
        match self.futile {
            Futile::None => false,
            Futile::GoingOn(option) => i == option,
            Futile::AfterEmptyStep(thread) => self.options[i] != thread,
        }
    }

    fn preemptions_after(&self) -> usize {
        self.preemptions_before
            + self.preemptive.get(self.chosen).copied().unwrap_or(false) as usize
    }

    /// Source-DPOR: makes sure one of `initials` (threads that can start the reversed order) is
    /// explored from here or asleep here; if none of them can run here, explores everything.
    fn add_initial(&mut self, racing: ThreadId, initials: &[ThreadId]) {
        let index = |t: &ThreadId| self.options.iter().position(|o| *o == t.0);
        // Going on at a yield that would only wait stands for the others going first, so it
        // covers the race like an option explored. (Options futile after an empty step do not:
        // such races are moved to the choice before, `Dfs::reversal_point`.)
        if initials
            .iter()
            .filter_map(index)
            .any(|i| self.backtrack[i] || self.asleep[i] || self.futile == Futile::GoingOn(i))
        {
            return;
        }
        let preferred = initials.iter().find(|t| **t == racing).and_then(index);
        match preferred.or_else(|| initials.iter().find_map(index)) {
            Some(i) => self.explore(i),
            None => (0..self.options.len()).for_each(|i| self.explore(i)),
        }
    }

    /// Marks `thread` (or, if it cannot run here, every alternative) for exploration.
    fn add_backtrack(&mut self, thread: ThreadId) {
        match self.options.iter().position(|o| *o == thread.0) {
            Some(i) => self.explore(i),
            None => (0..self.options.len()).for_each(|i| self.explore(i)),
        }
    }

    /// Puts option `i` in the backtrack set.
    fn explore(&mut self, i: usize) {
        self.backtrack[i] = true;
        self.extra[i] = false;
    }

    /// When running `thread` here preempts and spends the last preemption the bound allows,
    /// puts every option that switches for free in the backtrack set as extra options: running
    /// one of them first (an independent thread that then ends, say) can reach the same
    /// reordering with a preemption to spare.
    fn add_free_alternatives(&mut self, thread: ThreadId, bound: usize) {
        let Some(i) = self.options.iter().position(|o| *o == thread.0) else {
            return;
        };
        if !self.preemptive[i] || self.preemptions_before + 1 < bound {
            return;
        }
        for j in 0..self.options.len() {
            if !self.preemptive[j] && !self.backtrack[j] {
                self.backtrack[j] = true;
                self.extra[j] = true;
            }
        }
    }

    /// Puts `thread` in the backtrack set as an extra option (see `extra`), unless it is there
    /// already; every thread that can run here if `thread` cannot.
    fn add_extra(&mut self, thread: ThreadId) {
        let mark = |node: &mut Node, i: usize| {
            if !node.backtrack[i] {
                node.backtrack[i] = true;
                node.extra[i] = true;
            }
        };
        match self.options.iter().position(|o| *o == thread.0) {
            Some(i) => mark(self, i),
            // As at the race itself: a thread that cannot run here is reached through every
            // thread that can (without it the exact search lost a final state in one of 300
            // generated programs at bound 2, `tests/tests/dpor_soundness.rs` seed 44).
            None => (0..self.options.len()).for_each(|i| mark(self, i)),
        }
    }
}

/// Options of a thread choice that are never run, because every execution through them is
/// equivalent to one the search explores anyway, with no more preemptions.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Futile {
    /// Every option may run.
    None,
    /// The current thread going on at its yield, when that would only make it wait for a write
    /// ([`ThreadChoice::going_on_only_waits`]). Every execution through it is one of the others
    /// going first, with the thread's yield and wait later.
    GoingOn(usize),
    /// The thread that ran since the previous thread choice did nothing the others can see
    /// (a thread's start, up to its first operation): every other thread. Switching to one
    /// here is switching to it at that previous choice, with one preemption fewer; a race
    /// that wants one of them here is reversed there ([`Dfs::reversal_point`]). With sleep
    /// sets, the empty step and the thread's next one are one step: the thread sleeps with
    /// the footprint of both (with an empty one nothing would wake it, which lost final
    /// states of generated programs).
    AfterEmptyStep(u32),
}

impl Futile {
    /// The node continues the step of the choice before ([`Futile::AfterEmptyStep`]).
    fn fuses_steps(self) -> bool {
        matches!(self, Futile::AfterEmptyStep(_))
    }
}

/// Where an execution stands against a search ([`Dfs::course_of`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Course {
    /// It takes the path the execution about to run follows.
    Follows,
    /// It leaves the path for an option not explored yet: it may come later.
    Ahead,
    /// It leaves the path for an option explored already: the search never comes to it.
    Passed,
}

/// The options at a decision, in words: "threads 0 and 2 to run" or "values 0..3".
fn choices(options: &[u32], value: bool) -> String {
    if value {
        return format!("a choice among {} values", options.len());
    }
    let ids: Vec<String> = options.iter().map(u32::to_string).collect();
    match ids.as_slice() {
        [one] => format!("only thread {one} to run"),
        [init @ .., last] => format!("threads {} and {last} to run", init.join(", ")),
        [] => "no thread to run".to_string(),
    }
}

/// Depth-first search; complete when every path within the bound has been run.
#[derive(Clone)]
pub struct Dfs {
    max_preemptions: Option<usize>,
    path: Vec<Node>,
    position: usize,
    started: bool,
    exhausted: bool,
    pruned_by_bound: bool,
    nondeterminism: Option<String>,
    /// Race tracking: for partial-order reduction, and under a bound for which stale reads
    /// are offered.
    tracker: Option<RaceTracker>,
    /// Partial-order reduction is on.
    reduce: bool,
    /// Under a bound, races are also reversed at the last context switch, so that an exhausted
    /// search has explored the whole bounded space ([`Dfs::exact_within_bound`]).
    exact_within_bound: bool,
    /// The branching point the running operation follows, if the last point branched.
    state: Option<usize>,
    races: Vec<Reversal>,
    /// Alternatives partial-order reduction showed to be redundant, over finished points.
    pruned: u64,
    /// Sleep sets are used (reduction on, and no preemption bound or no exactness asked).
    sleep_sets: bool,
    /// The threads asleep at the current point.
    sleep: Vec<Sleeper>,
    /// The running step's footprint.
    recorder: StepRecorder,
    /// The node and option the running step was chosen at, if it was chosen at a branching point.
    step_at: Option<(usize, usize)>,
    /// The running execution only repeats explored interleavings (a sleeping thread had to run):
    /// it is run to its end with default choices, and nothing in it is explored further.
    redundant: bool,
    /// The last thread choice of the running execution, if it was a recorded point that
    /// explored only as usual (no wake, nothing hidden): its index and the thread it chose.
    last_thread_choice: Option<(usize, ThreadId)>,
    /// Events seen since the last scheduling decision.
    step_events: u32,
    /// The part of a search shared by several workers this one explores ([`super::frontier`]).
    split: Option<Split>,
    /// The step taken at the split item's starting point was told to the coordinator.
    root_told: bool,
    /// A probe told the options after its prefix.
    probe_told: bool,
}

impl Dfs {
    /// A search with partial-order reduction on or off.
    pub fn with_reduction(max_preemptions: Option<usize>, reduce: bool) -> Self {
        Dfs {
            max_preemptions,
            path: Vec::new(),
            position: 0,
            started: false,
            exhausted: false,
            pruned_by_bound: false,
            nondeterminism: None,
            // Without reduction a bounded search still keeps the clocks, for which stale reads
            // it offers (`store_ordered_before`).
            tracker: (reduce || max_preemptions.is_some()).then(|| RaceTracker::new(reduce)),
            reduce,
            exact_within_bound: false,
            state: None,
            races: Vec::new(),
            pruned: 0,
            sleep_sets: reduce,
            sleep: Vec::new(),
            recorder: StepRecorder::default(),
            step_at: None,
            redundant: false,
            last_thread_choice: None,
            step_events: 0,
            split: None,
            root_told: false,
            probe_told: false,
        }
    }

    /// Makes a bounded search exact: an exhausted search has reached every final state the
    /// bound allows, at the price of also reversing every race at the last context switch up
    /// to it. Without it, a bounded search is complete only when the bound cut nothing (what
    /// the default portfolio's rounds need: they claim nothing about a bounded space).
    pub fn exact_within_bound(mut self) -> Self {
        self.exact_within_bound = true;
        if self.max_preemptions.is_some() && self.reduce {
            // Sleep sets assume that an order skipped here is run from an earlier branch, which
            // the bound may forbid: 36 of 300 generated programs lost final states with them
            // at bound 2. The exact bounded search reverses races one operation at a time
            // (Flanagan and Godefroid) instead.
            self.sleep_sets = false;
            self.tracker = Some(RaceTracker::new(false));
        }
        self
    }

    /// Ends the running step: stores its footprint at the point it was chosen at and wakes the
    /// sleepers it does not commute with.
    fn end_step(&mut self) {
        let Some((_, footprint)) = self.recorder.finish() else {
            return;
        };
        if let Some((index, option)) = self.step_at.take() {
            if let Some(node) = self.path.get_mut(index) {
                node.footprints[option] = Some(footprint.clone());
            }
            self.tell_root_footprint(index, option, &footprint);
        }
        self.recorder.wake(&mut self.sleep, &footprint);
    }

    /// Starts the step of thread option `option` at node `index`.
    fn start_step(&mut self, index: usize, option: usize) {
        let node = &self.path[index];
        let thread = ThreadId(node.options[option]);
        // Every option explored before the current one at this point goes to sleep.
        for (i, footprint) in node.footprints.iter().enumerate() {
            if i != option && node.done[i] {
                if let Some(f) = footprint {
                    let t = ThreadId(node.options[i]);
                    if !self.sleep.iter().any(|s| s.thread == t) {
                        self.sleep.push(Sleeper::new(t, f.clone(), node.census));
                    }
                }
            }
        }
        self.step_at = Some((index, option));
        self.recorder.start(Some(thread));
    }

    /// Goes on without sleep sets: nothing asleep now or later.
    fn drop_sleep_sets(&mut self) {
        self.sleep_sets = false;
        self.sleep.clear();
        for node in self.path.iter_mut().filter(|n| !n.value) {
            node.asleep.iter_mut().for_each(|a| *a = false);
        }
    }

    fn is_asleep(&self, thread: u32) -> bool {
        self.sleep.iter().any(|s| s.thread.0 == thread)
    }

    /// Where an execution that takes the options `decisions` (in the order its choices came)
    /// stands against the search, right after [`Strategy::begin_execution`].
    pub fn course_of(&self, decisions: &[u32]) -> Course {
        for (node, decision) in self.path.iter().zip(decisions) {
            if node.options[node.chosen] != *decision {
                let unexplored = node
                    .options
                    .iter()
                    .position(|o| o == decision)
                    .is_some_and(|i| !node.done[i]);
                return if unexplored {
                    Course::Ahead
                } else {
                    Course::Passed
                };
            }
        }
        // One that ends inside the path's prefix leaves it where the path goes on.
        if decisions.len() >= self.path.len() {
            Course::Follows
        } else {
            Course::Passed
        }
    }

    /// True when the bound cut off at least one alternative, so exhausting the search is not a
    /// proof for unbounded schedules.
    pub fn pruned_by_bound(&self) -> bool {
        self.pruned_by_bound
    }

    /// For a search without a bound: whether it has gone, or wants to go, past `bound`
    /// preemptions (the path just run took more, or some point of it has an option to explore
    /// that would). Until then it is the search that `bound` prunes, step for step.
    pub fn beyond(&self, bound: usize) -> bool {
        self.path.iter().any(|node| {
            node.preemptions_after() > bound
                || (0..node.options.len()).any(|i| {
                    node.wants(i) && node.preemptions_before + node.preemptive[i] as usize > bound
                })
        })
    }

    fn allowed(&self, node: &Node, option: usize) -> bool {
        match self.max_preemptions {
            Some(bound) => node.preemptions_before + node.preemptive[option] as usize <= bound,
            None => true,
        }
    }

    /// Moves the deepest node with an alternative left to explore to it; drops the nodes below.
    fn backtrack(&mut self) -> bool {
        while let Some(node) = self.path.last() {
            if node.shared {
                self.forward_last();
                self.path.pop();
                continue;
            }
            let mut next = None;
            for i in 0..node.options.len() {
                if node.wants(i) {
                    if self.allowed(node, i) {
                        next = Some(i);
                        break;
                    }
                    self.pruned_by_bound |= !node.extra[i];
                }
            }
            if let Some(i) = next {
                let node = self.path.last_mut().expect("non-empty");
                node.chosen = i;
                node.done[i] = true;
                return true;
            }
            self.pruned += (0..node.options.len())
                .filter(|&i| {
                    !node.done[i] && (!node.backtrack[i] || node.asleep[i] || node.is_futile(i))
                })
                .count() as u64;
            self.path.pop();
        }
        false
    }

    /// The last thread choice up to node `index` that ran another thread than the thread
    /// choice before it (a context switch), or the first thread choice if there is none. When
    /// `index` itself switches, reversing a race there costs no more than the switch it
    /// replaces (one more when the thread it replaces yielded there and the racing thread is
    /// that one, going on after its yield; the reversal at the race point costs the same), and
    /// nothing earlier is needed.
    fn last_switch_up_to(&self, index: usize) -> Option<usize> {
        let (mut switch, mut running) = (None, None);
        for (i, node) in self.path[..(index + 1).min(self.path.len())]
            .iter()
            .enumerate()
            .filter(|(_, n)| !n.value)
        {
            let chosen = node.options[node.chosen];
            if running != Some(chosen) {
                switch = Some(i);
                running = Some(chosen);
            }
        }
        switch
    }

    /// Preemptions on the path before the node at `index`.
    fn preemptions_before(&self, index: usize) -> usize {
        index
            .checked_sub(1)
            .and_then(|i| self.path.get(i))
            .map_or(0, Node::preemptions_after)
    }

    /// The options of `choice` (listed as `options`) never to run (see [`Futile`]).
    fn futile_options(&self, choice: &ThreadChoice<'_>, options: &[u32]) -> Futile {
        let Some(current) = choice.current.filter(|_| self.reduce) else {
            return Futile::None;
        };
        if choice.going_on_only_waits {
            if let Some(i) = options.iter().position(|o| *o == current.0) {
                return Futile::GoingOn(i);
            }
        }
        let after_empty_step = self.last_thread_choice.is_some_and(|(index, thread)| {
            index + 1 == self.position && thread == current && self.step_events == 0
        });
        if after_empty_step
            && !choice.yielded
            && !choice.hidden
            && !choice.wakes
            && choice.enabled.contains(&current)
        {
            return Futile::AfterEmptyStep(current.0);
        }
        Futile::None
    }

    /// Where a race that wants `thread` to run at node `index` is reversed: there, or, where
    /// `index` follows another thread's empty step, at the choice before it, where `thread`
    /// could run as well ([`Futile::AfterEmptyStep`]). With source sets, `initials` are the
    /// threads that can start the reversed order: the reversal stays only where the thread
    /// that took the empty step is one of them.
    fn reversal_point(&self, mut index: usize, thread: ThreadId, initials: &[ThreadId]) -> usize {
        let source = self.sleep_sets;
        while index > 0 {
            let Some(Futile::AfterEmptyStep(t)) = self.path.get(index).map(|n| n.futile) else {
                break;
            };
            let stays = match source {
                true => initials.contains(&ThreadId(t)),
                false => thread.0 == t,
            };
            if stays {
                break;
            }
            index -= 1;
        }
        index
    }

    /// Takes a value choice among `0..n` inside the running step (every option is explored).
    fn decide_value(&mut self, n: u32) -> u32 {
        let state = self.state;
        self.last_thread_choice = None;
        let value = self.decide(
            (0..n).collect(),
            vec![false; n as usize],
            true,
            true,
            Futile::None,
        );
        self.state = state;
        value
    }

    /// Follows the recorded path, or opens a new node with `options` and takes its first
    /// allowed option that is not asleep. `explore_all` puts every option in the backtrack set;
    /// `value` says the options are values rather than threads; `futile` is an option never
    /// to run (see `Node::futile`).
    fn decide(
        &mut self,
        options: Vec<u32>,
        preemptive: Vec<bool>,
        explore_all: bool,
        value: bool,
        futile: Futile,
    ) -> u32 {
        if self.redundant {
            // Nothing below a redundant point is explored: take the default and record nothing.
            self.state = None;
            return options[0];
        }
        let index = self.position;
        self.state = Some(index);
        self.position += 1;
        if let Some(node) = self.path.get(index) {
            if node.options == options && node.value == value {
                let chosen = node.chosen;
                if !value && self.sleep_sets && !node.futile.fuses_steps() {
                    self.start_step(index, chosen);
                }
                return self.path[index].options[chosen];
            }
            // A stateless search assumes the program is deterministic given the schedule. When
            // it is not, say so and take a choice that exists rather than one that does not.
            if self.nondeterminism.is_none() {
                let was = choices(&node.options, node.value);
                let now = choices(&options, value);
                self.nondeterminism = Some(format!(
                    "the test is not deterministic: at scheduling decision {index} of this \
                     execution it offered {now}, where an earlier execution that had made the \
                     same choices up to there offered {was}"
                ));
            }
            return options[0];
        }
        let n = options.len();
        let asleep: Vec<bool> = options
            .iter()
            .map(|t| !value && self.sleep_sets && self.is_asleep(*t))
            .collect();
        let mut node = Node {
            options,
            chosen: 0,
            preemptive,
            preemptions_before: self.preemptions_before(index),
            backtrack: vec![explore_all || !self.reduce; n],
            extra: vec![false; n],
            done: vec![false; n],
            asleep,
            futile,
            footprints: vec![None; n],
            census: self.recorder.census(),
            value,
            shared: false,
        };
        if let Some(step) = self.prefix_step(index) {
            return self.follow_prefix(node, index, step);
        }
        self.tell_options_if_probing(index, &node);
        let awake =
            (0..n).find(|&i| self.allowed(&node, i) && !node.asleep[i] && !node.is_futile(i));
        let chosen = match awake {
            Some(i) => i,
            None if node.asleep.iter().any(|a| *a) => {
                // Every thread that may run here is asleep: whatever runs next repeats an
                // interleaving already explored.
                self.redundant = true;
                self.state = None;
                let i = (0..n).find(|&i| self.allowed(&node, i)).unwrap_or(0);
                return node.options[i];
            }
            None => (0..n).find(|&i| self.allowed(&node, i)).unwrap_or(n - 1),
        };
        node.chosen = chosen;
        node.backtrack[chosen] = true;
        node.done[chosen] = true;
        let value_chosen = node.options[chosen];
        let fuses = node.futile.fuses_steps();
        self.path.push(node);
        if !value && self.sleep_sets && !fuses {
            self.start_step(index, chosen);
        }
        value_chosen
    }
}

impl Strategy for Dfs {
    fn begin_execution(&mut self) -> bool {
        self.end_step();
        if self.started {
            self.donate_if_asked();
        }
        self.step_at = None;
        self.position = 0;
        self.state = None;
        self.sleep.clear();
        self.recorder.reset();
        self.redundant = false;
        self.last_thread_choice = None;
        self.step_events = 0;
        if let Some(tracker) = &mut self.tracker {
            tracker.reset();
        }
        if !self.started {
            self.started = true;
            return true;
        }
        if self.exhausted || !self.backtrack() {
            self.exhausted = true;
            return false;
        }
        true
    }

    fn choose_thread(&mut self, choice: &ThreadChoice<'_>) -> ThreadId {
        let mut options = Vec::with_capacity(choice.enabled.len());
        // Default first: the current thread goes on unless it yielded.
        if let Some(c) = choice.current {
            if !choice.yielded && choice.enabled.contains(&c) {
                options.push(c.0);
            }
        }
        options.extend(
            choice
                .enabled
                .iter()
                .map(|t| t.0)
                .filter(|t| Some(*t) != choice.current.map(|c| c.0)),
        );
        if let Some(c) = choice.current {
            if choice.yielded && choice.enabled.contains(&c) {
                options.push(c.0);
            }
        }
        let preemptive = options
            .iter()
            .map(|t| choice.is_preemption(ThreadId(*t)))
            .collect();
        let futile = self.futile_options(choice, &options);
        // After an empty step the thread's next step is part of it: the thread sleeps, where it
        // does, with the footprint of both (an empty one would never wake it).
        if self.sleep_sets && !futile.fuses_steps() {
            self.end_step();
        }
        if let Some(tracker) = &mut self.tracker {
            tracker.begin_step();
        }
        let explore_all = choice.wakes || choice.hidden;
        let position = self.position;
        let chosen = ThreadId(self.decide(options, preemptive, explore_all, false, futile));
        self.last_thread_choice =
            (self.state == Some(position) && !explore_all).then_some((position, chosen));
        self.step_events = 0;
        chosen
    }

    fn choose_value(&mut self, n: u32) -> u32 {
        // A value choice sits inside the running thread's step: races still reverse at the
        // scheduling point that started the step. The step is no longer one transition, so a
        // thread that took it never sleeps with it.
        self.recorder.value_choice();
        self.decide_value(n)
    }

    fn choose_read(&mut self, _n: u32, offered: &[u32]) -> u32 {
        // Every option is explored below this point, and which options exist depends only on
        // steps dependent with the access: a thread that took the step may sleep with it, with
        // the footprint of its access, like a step without a choice.
        offered[self.decide_value(offered.len() as u32) as usize]
    }

    fn store_ordered_before(
        &self,
        thread: ThreadId,
        object: ObjectId,
        overwriting: StoreId,
    ) -> bool {
        // Unbounded, with reduction: reversing the race reaches the read as a read of the
        // latest store. Under a bound (with or without reduction): that is what the bounded
        // space is, a stale read that reordering explains costing the preemptions of the
        // reordering (see the module documentation). Unbounded without reduction: every
        // choice, the reference the reduced search is checked against.
        if self.redundant {
            return true;
        }
        self.tracker
            .as_ref()
            .is_none_or(|t| t.store_ordered_before(thread, object, overwriting))
    }

    fn forced_step(&mut self) {
        self.state = None;
        self.last_thread_choice = None;
        self.step_events = 0;
        if let Some(tracker) = &mut self.tracker {
            tracker.begin_step();
        }
        if self.sleep_sets {
            self.end_step();
            self.recorder.start(None);
        }
    }

    fn fairness_engaged(&mut self) {
        if !self.reduce {
            return;
        }
        // Sleep sets assume that a thread's next step stays enabled while independent steps
        // run; hiding breaks that, so the search goes on with race reversal alone and explores
        // every offered thread where something is hidden. The hidden thread itself is not
        // added anywhere: where it was offered, its steps raced as any others; its hidden
        // steps would only repeat an attempt that changed nothing. (It used to be tried at
        // every earlier point of the path as well, which made concurrent-queue's loom models
        // twice as large; the blocking property test, whose programs include `try_lock` loops
        // without a yield that fairness hides, reaches the same final states without it.)
        if self.sleep_sets {
            self.tell_fairness_engaged();
        }
        self.drop_sleep_sets();
    }

    fn observe(&mut self, event: &Event) {
        self.step_events += 1;
        if self.redundant {
            return;
        }
        if self.sleep_sets {
            self.recorder.on_event(event);
            if self.recorder.thread() == Some(event.thread) && self.is_asleep(event.thread.0) {
                // The only thread that could run was asleep: this interleaving is equivalent to
                // one already explored.
                self.redundant = true;
                return;
            }
        }
        let Some(tracker) = &mut self.tracker else {
            return;
        };
        tracker.on_event(event, self.state, &mut self.races);
        if !self.reduce {
            self.races.clear();
            return;
        }
        let source = self.sleep_sets;
        let bounded = self.max_preemptions.is_some() && self.exact_within_bound;
        let mut races = std::mem::take(&mut self.races);
        for mut race in races.drain(..) {
            race.state = self.reversal_point(race.state, race.thread, &race.initials);
            if bounded {
                // The reversal may need more preemptions than the bound allows; the thread is
                // also tried at the last context switch up to it, where switching costs
                // nothing extra (Coons, Musuvathi and McKinley, OOPSLA 2013). Without it a
                // bounded search lost final states the plain bounded one reaches in 19 of 300
                // generated programs at bound 2; with it, in none.
                if let Some(switch) = self.last_switch_up_to(race.state) {
                    // (No sleep sets here: only `race.thread` decides where it goes.)
                    let switch = self.reversal_point(switch, race.thread, &[]);
                    self.path[switch].add_extra(race.thread);
                }
                // A free switch to a thread that then ends (or blocks) can save the preemption
                // the reversal spends here; without it the exact search at bounds 2 and 3 lost a
                // final state of a generated program (`dpor_blocking` seed 259: a yield-spinning
                // wait that runs out of attempts before a write it would have seen).
                if let (Some(node), Some(bound)) =
                    (self.path.get_mut(race.state), self.max_preemptions)
                {
                    node.add_free_alternatives(race.thread, bound);
                }
            }
            if let Some(node) = self.path.get_mut(race.state) {
                if source {
                    node.add_initial(race.thread, &race.initials);
                } else {
                    node.add_backtrack(race.thread);
                }
            }
        }
        self.races = races;
    }

    fn is_complete(&self) -> bool {
        self.exhausted && self.nondeterminism.is_none()
    }

    fn pruned(&self) -> u64 {
        self.pruned
    }

    fn problem(&self) -> Option<String> {
        self.nondeterminism.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two threads with `steps` scheduling points each; counts the executions DFS runs.
    fn count_executions(steps: usize, bound: Option<usize>) -> (usize, bool) {
        let mut dfs = Dfs::with_reduction(bound, false);
        let mut executions = 0;
        while dfs.begin_execution() {
            executions += 1;
            let mut left = [steps, steps];
            let mut current = None;
            while left.iter().any(|l| *l > 0) {
                let enabled: Vec<ThreadId> = (0..2)
                    .filter(|i| left[*i] > 0)
                    .map(|i| ThreadId(i as u32))
                    .collect();
                let t = if enabled.len() == 1 {
                    enabled[0]
                } else {
                    dfs.choose_thread(&ThreadChoice {
                        enabled: &enabled,
                        current,
                        yielded: false,
                        wakes: false,
                        hidden: false,
                        others_runnable: true,
                        going_on_only_waits: false,
                    })
                };
                left[t.index()] -= 1;
                current = Some(t);
            }
        }
        (executions, dfs.pruned_by_bound())
    }

    #[test]
    fn unbounded_search_runs_every_interleaving() {
        // Interleavings of two sequences of 3: C(6, 3) = 20.
        assert_eq!(count_executions(3, None), (20, false));
    }

    #[test]
    fn preemption_bound_cuts_the_space() {
        let (bounded, pruned) = count_executions(3, Some(0));
        assert_eq!(
            bounded, 2,
            "without preemptions only the two serial orders remain"
        );
        assert!(pruned);
        let (one, _) = count_executions(3, Some(1));
        assert!(one > 2 && one < 20, "{one}");
    }
}
