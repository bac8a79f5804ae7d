//! Options a reduced search never runs ([`super::Futile`]): it never takes them, and it still
//! reaches every final state the plain search reaches.

use std::collections::BTreeSet;

use super::Dfs;
use crate::detector::testing::{ev, store};
use crate::event::{Event, ObjectKind, Op, ThreadId};
use crate::strategy::{Strategy, ThreadChoice};

/// What a whole search did.
#[derive(Debug, Default)]
struct Seen {
    /// The threads in the order their stores landed, one entry per distinct order, of the
    /// executions that did not let thread 0 go on at its yield.
    orders: BTreeSet<Vec<u32>>,
    /// Some execution switched away from a thread right after a step of it that emitted
    /// nothing, while it could have gone on.
    switched_after_empty_step: bool,
    /// Some execution let thread 0 go on at its yield.
    went_on_at_yield: bool,
    executions: usize,
}

/// The steps of one thread, each the events it emits once chosen; `yields_at` is the index of
/// a step of thread 0 that starts with a yield where going on would only wait.
struct Program {
    threads: Vec<Vec<Vec<Event>>>,
    yields_at: Option<usize>,
}

/// A store to object 0 by `thread`, first use included.
fn store_step(thread: u32) -> Vec<Event> {
    vec![
        ev(
            thread,
            Some(0),
            Op::Create {
                kind: ObjectKind::Atomic,
            },
        ),
        ev(thread, Some(0), store(thread as u64 + 1)),
    ]
}

/// Runs `dfs` over `program` to the end, thread 0 running first.
fn explore(mut dfs: Dfs, program: &Program) -> Seen {
    let mut seen = Seen::default();
    let n = program.threads.len();
    while dfs.begin_execution() {
        seen.executions += 1;
        let mut next = vec![0; n];
        let mut current = Some(ThreadId(0));
        let mut last_step_empty = false;
        let mut order = Vec::new();
        let mut went_on = false;
        loop {
            let enabled: Vec<ThreadId> = (0..n)
                .filter(|&t| next[t] < program.threads[t].len())
                .map(|t| ThreadId(t as u32))
                .collect();
            if enabled.is_empty() {
                break;
            }
            let current_enabled = current.filter(|c| enabled.contains(c));
            let yielded =
                current_enabled == Some(ThreadId(0)) && program.yields_at == Some(next[0]);
            let t = if enabled.len() == 1 {
                dfs.forced_step();
                enabled[0]
            } else {
                dfs.choose_thread(&ThreadChoice {
                    enabled: &enabled,
                    current: current_enabled,
                    yielded,
                    wakes: false,
                    hidden: false,
                    others_runnable: true,
                    going_on_only_waits: yielded,
                })
            };
            seen.switched_after_empty_step |=
                last_step_empty && current_enabled.is_some_and(|c| c != t);
            went_on |= yielded && enabled.len() > 1 && t == ThreadId(0);
            let step = &program.threads[t.index()][next[t.index()]];
            for event in step {
                dfs.observe(event);
                if matches!(event.op, Op::AtomicStore { .. }) {
                    order.push(t.0);
                }
            }
            last_step_empty = step.is_empty();
            next[t.index()] += 1;
            current = Some(t);
        }
        seen.went_on_at_yield |= went_on;
        if !went_on {
            seen.orders.insert(order);
        }
    }
    seen
}

#[test]
fn the_exact_search_never_switches_right_after_an_empty_step_and_reaches_every_order() {
    // Thread 1's first step emits nothing (a thread's start): switching back to thread 0 right
    // after it is switching at the choice before, with a preemption more.
    let program = Program {
        threads: vec![
            vec![store_step(0), store_step(0)],
            vec![vec![], store_step(1), store_step(1)],
        ],
        yields_at: None,
    };
    // (Switching away and back takes two preemptions.)
    for bound in [2, 3] {
        let plain = explore(Dfs::with_reduction(Some(bound), false), &program);
        let exact = explore(
            Dfs::with_reduction(Some(bound), true).exact_within_bound(),
            &program,
        );
        assert!(
            plain.switched_after_empty_step,
            "the program offers the switch at bound {bound}"
        );
        assert!(!exact.switched_after_empty_step, "bound {bound}: {exact:?}");
        assert_eq!(exact.orders, plain.orders, "bound {bound}");
        assert!(exact.executions < plain.executions, "bound {bound}");
    }
}

#[test]
fn a_reduced_search_never_goes_on_at_a_yield_that_would_only_wait_and_reaches_every_order() {
    // Thread 0 yields before its second store, where going on would only make it wait.
    let program = Program {
        threads: vec![
            vec![store_step(0), store_step(0)],
            vec![store_step(1), store_step(1)],
        ],
        yields_at: Some(1),
    };
    let searches = [
        (None, Dfs::with_reduction(None, true)),
        (
            Some(2),
            Dfs::with_reduction(Some(2), true).exact_within_bound(),
        ),
    ];
    for (bound, dfs) in searches {
        let plain = explore(Dfs::with_reduction(bound, false), &program);
        assert!(plain.went_on_at_yield, "the plain search goes on there");
        let reduced = explore(dfs, &program);
        assert!(!reduced.went_on_at_yield, "bound {bound:?}: {reduced:?}");
        // In a real run going on there only waits, and the others going first reach what it
        // reaches; here it stores, so only the executions that did not go on compare.
        assert_eq!(reduced.orders, plain.orders, "bound {bound:?}");
    }
}
