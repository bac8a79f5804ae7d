//! One exploration on several worker processes (`Builder::workers`): the same verdicts as one
//! worker, the reported finding independent of timing, and a split DFS that stays exhaustive.

use conc_check::{Builder, Report, Strategy};
use conc_check_corpus::{all, Program};

fn dfs(program: &Program, workers: usize) -> Report {
    Builder::new()
        .strategy(Strategy::Dfs)
        .iterations(30_000)
        .spurious_wakeups(program.spurious_wakeups)
        .shrink(false)
        .workers(workers)
        .explore(program.run)
}

fn kinds(report: &Report) -> Vec<&'static str> {
    report.findings.iter().map(|f| f.kind.name()).collect()
}

#[test]
fn a_split_dfs_gets_every_corpus_verdict_one_worker_gets() {
    let mut failures = Vec::new();
    let (mut one_total, mut two_total) = (0, 0);
    for program in all() {
        let one = dfs(&program, 1);
        let two = dfs(&program, 2);
        assert_eq!(two.workers, 2, "{}", program.name);
        println!(
            "{:<34} one worker {:>6} executions {:<9} two workers {:>6} {}",
            program.name,
            one.executions,
            if one.complete { "complete" } else { "" },
            two.executions,
            if two.complete { "complete" } else { "" },
        );
        if kinds(&one).first() != kinds(&two).first() {
            failures.push(format!(
                "{}: one worker found {:?}, two {:?}",
                program.name,
                kinds(&one),
                kinds(&two)
            ));
        }
        if one.complete && !two.complete {
            failures.push(format!(
                "{}: two workers did not exhaust it\n{two}",
                program.name
            ));
        }
        if one.complete {
            one_total += one.executions;
            two_total += two.executions;
        }
    }
    println!("exhausted by one worker: {one_total} executions; by two: {two_total}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
