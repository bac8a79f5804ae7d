//! Stateless depth-first search over every scheduling choice, with an optional preemption bound.
//!
//! Each execution replays the decisions of the previous one up to the deepest point that still
//! has an untried alternative, takes that alternative, and then runs on with default choices
//! (keep the current thread; after a yield, let the others go first). The choices of every point
//! are kept, so the engine can later prune them with partial-order reduction.

use super::{Strategy, ThreadChoice};
use crate::event::ThreadId;

/// One branching point on the current path.
#[derive(Debug)]
struct Node {
    /// The alternatives in the order they are tried (thread ids, or values).
    options: Vec<u32>,
    /// Which option the current path takes.
    chosen: usize,
    /// For thread choices: which options preempt the current thread.
    preemptive: Vec<bool>,
    /// Preemptions on the path before this point.
    preemptions_before: usize,
}

impl Node {
    fn preemptions_after(&self) -> usize {
        self.preemptions_before
            + self.preemptive.get(self.chosen).copied().unwrap_or(false) as usize
    }
}

/// Depth-first search; complete when every path within the bound has been run.
pub struct Dfs {
    max_preemptions: Option<usize>,
    path: Vec<Node>,
    position: usize,
    started: bool,
    exhausted: bool,
    pruned_by_bound: bool,
    nondeterminism: Option<String>,
}

impl Dfs {
    /// A search that allows at most `max_preemptions` preemptions per execution (`None`: any).
    pub fn new(max_preemptions: Option<usize>) -> Self {
        Dfs {
            max_preemptions,
            path: Vec::new(),
            position: 0,
            started: false,
            exhausted: false,
            pruned_by_bound: false,
            nondeterminism: None,
        }
    }

    /// True when the bound cut off at least one alternative, so exhausting the search is not a
    /// proof for unbounded schedules.
    pub fn pruned_by_bound(&self) -> bool {
        self.pruned_by_bound
    }

    /// True once every path within the bound has been run.
    pub fn exhausted(&self) -> bool {
        self.exhausted
    }

    fn allowed(&self, node: &Node, option: usize) -> bool {
        match self.max_preemptions {
            Some(bound) => node.preemptions_before + node.preemptive[option] as usize <= bound,
            None => true,
        }
    }

    /// Moves the deepest node with an untried, allowed alternative to it; drops the nodes below.
    fn backtrack(&mut self) -> bool {
        while let Some(node) = self.path.last() {
            let mut next = node.chosen + 1;
            while next < node.options.len() && !self.allowed(node, next) {
                self.pruned_by_bound = true;
                next += 1;
            }
            if next < node.options.len() {
                self.path.last_mut().expect("non-empty").chosen = next;
                return true;
            }
            self.path.pop();
        }
        false
    }

    fn preemptions_so_far(&self) -> usize {
        self.position
            .checked_sub(1)
            .and_then(|i| self.path.get(i))
            .map_or(0, Node::preemptions_after)
    }

    /// Follows the recorded path, or opens a new node with `options` and takes its first
    /// allowed option.
    fn decide(&mut self, options: Vec<u32>, preemptive: Vec<bool>) -> u32 {
        if let Some(node) = self.path.get(self.position) {
            self.position += 1;
            if node.options == options {
                return node.options[node.chosen];
            }
            // A stateless search assumes the program is deterministic given the schedule. When
            // it is not, say so and take a choice that exists rather than one that does not.
            if self.nondeterminism.is_none() {
                self.nondeterminism = Some(format!(
                    "the test is nondeterministic outside conc-check's control: at decision {} it offered \
                     different choices than in an earlier execution with the same schedule (shared state \
                     kept across executions, such as a static, or real time or randomness); the search \
                     may be incomplete",
                    self.position
                ));
            }
            return options[0];
        }
        let mut node = Node {
            options,
            chosen: 0,
            preemptive,
            preemptions_before: self.preemptions_so_far(),
        };
        while node.chosen + 1 < node.options.len() && !self.allowed(&node, node.chosen) {
            node.chosen += 1;
        }
        let value = node.options[node.chosen];
        self.path.push(node);
        self.position += 1;
        value
    }
}

impl Strategy for Dfs {
    fn begin_execution(&mut self) -> bool {
        self.position = 0;
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
        ThreadId(self.decide(options, preemptive))
    }

    fn choose_value(&mut self, n: u32) -> u32 {
        self.decide((0..n).collect(), vec![false; n as usize])
    }

    fn is_complete(&self) -> bool {
        self.exhausted && self.nondeterminism.is_none()
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
        let mut dfs = Dfs::new(bound);
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
