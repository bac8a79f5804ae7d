//! How `Strategy::Dfs` under a preemption bound spends its executions between the unbounded
//! search (a proof of every bound when it finishes) and the exact bounded search
//! (`checker/src/strategy/bounded.rs`). Execution counts are deterministic; the limits below
//! are the counts before the policy they guard, so a regression fails here.

use conc_check::{Builder, Report, Strategy};

fn explore_corpus(name: &str, bound: usize, spurious: bool) -> Report {
    let program = conc_check_corpus::find(name).expect("a corpus program");
    Builder::new()
        .workers(1)
        .strategy(Strategy::Dfs)
        .max_preemptions(Some(bound))
        .spurious_wakeups(spurious)
        .iterations(100_000)
        .explore(program.run)
}

#[test]
fn a_small_unbounded_space_proves_the_bound_before_the_exact_search_would() {
    // Two consumers wait on a Condvar for a producer: the unbounded search with sleep sets
    // needs 185 executions, the exact search at bound 2 alone 1,054 (loom: 1,026). Sharing
    // the executions past the grace lets the unbounded search finish first.
    let report = explore_corpus("condvar_while_ok", 2, false);
    assert!(report.is_clean() && report.complete, "{report}");
    assert!(report.executions < 700, "{} executions", report.executions);
}

#[test]
fn a_search_whose_threads_spin_on_yields_leaves_the_bound_to_the_exact_search() {
    // Backing-off philosophers yield in every failed round: the unbounded search is endless
    // (not finished in 20 s). It stops once the fair scheduler hides a yielding thread, and the
    // exact search (116 executions at bound 3) runs alone: 142 with the unbounded search's
    // whole grace before it, 130 for loom.
    let report = explore_corpus("bounded_backoff_ok", 3, false);
    assert!(report.is_clean() && report.complete, "{report}");
    assert!(report.executions < 130, "{} executions", report.executions);
}
