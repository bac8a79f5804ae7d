//! A finding's interleaving is shrunk before it is reported: never more preemptions than the
//! smallest bounded DFS that finds the same bug.

use conc_check::{Builder, FindingKind, Strategy};
use conc_check_corpus::all;

/// The fewest preemptions of an interleaving that DFS under a bound of 0 to 3 finds a bug of
/// `program` of the kind `kind` with (a reduced bounded search may report more than its bound:
/// its first attempt is the unbounded search).
fn smallest_bound(program: &conc_check_corpus::Program, kind: FindingKind) -> Option<usize> {
    (0..=3)
        .filter_map(|bound| {
            let report = Builder::new()
                .strategy(Strategy::Dfs)
                .max_preemptions(Some(bound))
                .iterations(2_000)
                .spurious_wakeups(program.spurious_wakeups)
                .shrink(false)
                .explore(program.run);
            let found = report.findings.first().is_some_and(|f| f.kind == kind);
            found.then_some(report.preemptions as usize)
        })
        .min()
}

#[test]
fn every_corpus_bug_bounded_dfs_finds_is_reported_with_no_more_preemptions_than_it_needs() {
    let mut failures = Vec::new();
    let mut shrunk = 0;
    for program in all().into_iter().filter(|p| p.is_buggy()) {
        let report = Builder::new()
            .spurious_wakeups(program.spurious_wakeups)
            .explore(program.run);
        let Some(kind) = report.findings.first().map(|f| f.kind) else {
            failures.push(format!("{}: nothing found", program.name));
            continue;
        };
        let Some(bound) = smallest_bound(&program, kind) else {
            continue;
        };
        let unshrunk = Builder::new()
            .spurious_wakeups(program.spurious_wakeups)
            .shrink(false)
            .explore(program.run);
        println!(
            "{:<28} smallest bound {bound}; reported {} preemptions (unshrunk {})",
            program.name, report.preemptions, unshrunk.preemptions
        );
        if report.preemptions as usize > bound {
            failures.push(format!(
                "{}: {} preemptions reported, DFS finds it within {bound}",
                program.name, report.preemptions
            ));
        }
        if report.preemptions < unshrunk.preemptions {
            shrunk += 1;
            let shrunk = report.shrunk.clone().unwrap_or_default();
            assert!(
                shrunk.starts_with(&format!(
                    "the interleaving shown has {} preemption",
                    report.preemptions
                )),
                "{}: {shrunk}",
                program.name
            );
            assert!(report.summary_line().contains("conc-check: shrunk: "));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        shrunk > 0,
        "no corpus finding needed shrinking: the test shows nothing"
    );
}
