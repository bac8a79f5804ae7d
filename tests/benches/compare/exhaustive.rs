//! Section 2: unbounded exhaustive search to completion, on three small correct tests.

use std::time::Duration;

use crate::runners::{self, Caps, End, Mode, Run};
use crate::table::{count, ratio, secs, Table};
use crate::twins;

/// One test, in its three spellings, with each tool's time cap.
struct Test {
    name: &'static str,
    cc: fn(),
    loom: fn(),
    shuttle: fn(),
    cc_cap: Duration,
    loom_cap: Duration,
    shuttle_cap: Duration,
}

/// A ratio of conc-check's figure to another tool's, or a bound on it when one run was capped
/// (a capped run's true figure is larger than what it reached).
pub(crate) fn bounded_ratio(cc: f64, cc_end: &End, other: f64, other_end: &End) -> String {
    match (cc_end, other_end) {
        (End::Complete, End::Complete) => ratio(cc / other),
        (End::Complete, End::Capped) => format!("< {}", ratio(cc / other)),
        (End::Capped, End::Complete) => format!("> {}", ratio(cc / other)),
        _ => "—".to_string(),
    }
}

fn result(r: &Run, cap: Duration) -> String {
    match &r.end {
        End::Complete => "complete".to_string(),
        End::Capped => format!("not finished in {} s", cap.as_secs()),
        End::Found(m) => format!("reported a bug: {m}"),
        End::Crashed(m) => format!("crashed: {m}"),
    }
}

/// Measures and prints the section.
pub(crate) fn run(notes: &mut Vec<String>) {
    let short = Duration::from_secs(60);
    let tests = [
        Test {
            name: "(a) main + 1 thread, 3 fetch_add each",
            cc: twins::cc::atomic_pair,
            loom: twins::loom::atomic_pair,
            shuttle: twins::shuttle::atomic_pair,
            cc_cap: short,
            loom_cap: short,
            shuttle_cap: short,
        },
        Test {
            name: "(b) 3 threads + main, Mutex counter",
            cc: twins::cc::mutex3,
            loom: twins::loom::mutex3,
            shuttle: twins::shuttle::mutex3,
            cc_cap: short,
            loom_cap: short,
            shuttle_cap: short,
        },
        Test {
            name: "(c) 4 threads + main, Mutex counter",
            cc: twins::cc::mutex4,
            loom: twins::loom::mutex4,
            shuttle: twins::shuttle::mutex4,
            cc_cap: Duration::from_secs(120),
            loom_cap: short,
            shuttle_cap: short,
        },
    ];
    let mut t = Table::new(&[
        "test",
        "tool",
        "executions",
        "time",
        "result",
        "conc-check ÷ this (executions)",
        "conc-check ÷ this (time)",
    ]);
    let unbounded = u64::MAX / 2;
    for test in &tests {
        eprintln!("[2/3] exhaustive {}: conc-check", test.name);
        let cc = runners::conc_check(
            test.cc,
            Mode::Dfs,
            1,
            Caps {
                executions: unbounded,
                time: test.cc_cap,
            },
            false,
        );
        eprintln!("[2/3] exhaustive {}: loom", test.name);
        let loom = runners::loom_dfs(
            test.loom,
            Caps {
                executions: unbounded,
                time: test.loom_cap,
            },
        );
        eprintln!("[2/3] exhaustive {}: shuttle", test.name);
        let shuttle = runners::shuttle(
            test.shuttle,
            Mode::Dfs,
            0,
            Caps {
                executions: unbounded,
                time: test.shuttle_cap,
            },
        );
        for (tool, strategy, r, cap) in [
            ("conc-check", "Dfs, no preemption bound", &cc, test.cc_cap),
            ("loom", "preemption_bound None", &loom, test.loom_cap),
            (
                "shuttle",
                "check_dfs (unreduced)",
                &shuttle,
                test.shuttle_cap,
            ),
        ] {
            if let End::Found(m) | End::Crashed(m) = &r.end {
                notes.push(format!("exhaustive {}: {tool}: `{m}`", test.name));
            }
            let is_cc = tool == "conc-check";
            t.row(vec![
                test.name.to_string(),
                format!("{tool} ({strategy})"),
                count(r.executions),
                secs(r.seconds),
                result(r, cap),
                if is_cc {
                    "—".into()
                } else {
                    bounded_ratio(cc.executions as f64, &cc.end, r.executions as f64, &r.end)
                },
                if is_cc {
                    "—".into()
                } else {
                    bounded_ratio(cc.seconds, &cc.end, r.seconds, &r.end)
                },
            ]);
        }
    }
    println!("## 2. Exhaustive search, no preemption bound\n");
    println!(
        "Executions and time to explore every interleaving, or how far each got within its cap. \
         Ratio < 1: conc-check needs fewer executions / less time; `<` and `>` are bounds where \
         one side did not finish.\n"
    );
    println!("{}", t.render());
}
