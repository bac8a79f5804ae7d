//! Section 1: executions per second on three threads incrementing a Mutex counter once each.

use std::time::Duration;

use crate::runners::{self, Caps, End, Mode, Run};
use crate::table::{count, ratio, secs, Table};
use crate::twins;

/// Executions of the random strategies.
const RANDOM_EXECUTIONS: u64 = 100_000;
/// Time cap of one run.
const CAP: Duration = Duration::from_secs(10);
/// The exhaustive searches finish in well under this, so they are repeated until it has passed.
const DFS_MIN_TIME: f64 = 3.0;

/// Repeats a complete exhaustive search until `DFS_MIN_TIME` has passed; sums the runs.
fn repeated(one: impl Fn() -> Run) -> (Run, u32) {
    let mut total = one();
    let mut rounds = 1;
    while total.seconds < DFS_MIN_TIME && total.end == End::Complete {
        let next = one();
        total.executions += next.executions;
        total.seconds += next.seconds;
        total.end = next.end;
        rounds += 1;
    }
    (total, rounds)
}

/// Measures and prints the section.
pub(crate) fn run(notes: &mut Vec<String>) {
    let caps = Caps {
        executions: RANDOM_EXECUTIONS,
        time: CAP,
    };
    eprintln!("[1/3] throughput: conc-check random");
    let cc_random = runners::conc_check(twins::cc::mutex3, Mode::Random, 1, caps, false);
    eprintln!("[1/3] throughput: shuttle random");
    let sh_random = runners::shuttle(twins::shuttle::mutex3, Mode::Random, 1, caps);
    let dfs_caps = Caps {
        executions: u64::MAX / 2,
        time: CAP,
    };
    eprintln!("[1/3] throughput: loom DFS");
    let (loom_dfs, loom_rounds) = repeated(|| runners::loom_dfs(twins::loom::mutex3, dfs_caps));
    eprintln!("[1/3] throughput: conc-check DFS");
    let (cc_dfs, cc_rounds) =
        repeated(|| runners::conc_check(twins::cc::mutex3, Mode::Dfs, 1, dfs_caps, false));

    for (who, r) in [
        ("conc-check random", &cc_random),
        ("shuttle random", &sh_random),
        ("loom DFS", &loom_dfs),
        ("conc-check DFS", &cc_dfs),
    ] {
        if let End::Found(m) | End::Crashed(m) = &r.end {
            notes.push(format!(
                "throughput: {who} reported `{m}` on a correct test"
            ));
        }
    }

    let mut t = Table::new(&[
        "tool",
        "strategy",
        "executions",
        "time",
        "exec/s",
        "conc-check exec/s ÷ this",
    ]);
    let row = |t: &mut Table, tool: &str, strategy: String, r: &Run, vs: String| {
        t.row(vec![
            tool.to_string(),
            strategy,
            count(r.executions),
            secs(r.seconds),
            count(r.rate().round() as u64),
            vs,
        ])
    };
    row(
        &mut t,
        "conc-check",
        "Random".into(),
        &cc_random,
        "—".into(),
    );
    row(
        &mut t,
        "shuttle",
        "check_random".into(),
        &sh_random,
        format!("Random: {}", ratio(cc_random.rate() / sh_random.rate())),
    );
    row(
        &mut t,
        "loom",
        format!("DFS, full search ×{loom_rounds}"),
        &loom_dfs,
        format!(
            "Random: {}, DFS: {}",
            ratio(cc_random.rate() / loom_dfs.rate()),
            ratio(cc_dfs.rate() / loom_dfs.rate())
        ),
    );
    row(
        &mut t,
        "conc-check",
        format!("Dfs, full search ×{cc_rounds}"),
        &cc_dfs,
        "—".into(),
    );

    println!("## 1. Throughput: 3 threads each lock a Mutex counter once\n");
    println!(
        "Random strategies run {} executions (cap {} s); the exhaustive searches (no preemption \
         bound) are repeated until {DFS_MIN_TIME} s have passed. Ratio > 1: conc-check is faster.\n",
        count(RANDOM_EXECUTIONS),
        CAP.as_secs()
    );
    println!("{}", t.render());
    println!(
        "One full search: loom {} executions, conc-check {}.\n",
        count(loom_dfs.executions / u64::from(loom_rounds)),
        count(cc_dfs.executions / u64::from(cc_rounds))
    );
}
