//! Section 10: async tasks, conc-check's `future` module against shuttle's: executions per
//! second of random exploration and the unbounded exhaustive search, on two tasks that update
//! a counter around a `yield_now().await`. (Executions to the first bug on the async corpus
//! programs shuttle can express are rows of section 3.)

use std::time::Duration;

use crate::async_twins;
use crate::exhaustive::bounded_ratio;
use crate::runners::{self, Caps, End, Mode, Run};
use crate::table::{count, ratio, secs, Table};

/// Executions of the random strategies.
const RANDOM_EXECUTIONS: u64 = 100_000;
/// Time cap of one run.
const CAP: Duration = Duration::from_secs(10);

fn end(r: &Run) -> String {
    match &r.end {
        End::Complete => "complete".to_string(),
        End::Capped => "capped".to_string(),
        End::Found(m) | End::Crashed(m) => format!("reported `{m}`"),
    }
}

/// Measures and prints the section.
pub(crate) fn run(notes: &mut Vec<String>) {
    let caps = Caps {
        executions: RANDOM_EXECUTIONS,
        time: CAP,
    };
    let body_cc = async_twins::cc::tasks_counter;
    let body_shuttle = async_twins::shuttle::tasks_counter;
    eprintln!("[async] conc-check random");
    let cc_random = runners::conc_check(body_cc, Mode::Random, 1, caps, false);
    eprintln!("[async] shuttle random");
    let sh_random = runners::shuttle(body_shuttle, Mode::Random, 1, caps);
    let dfs_caps = Caps {
        executions: 1_000_000,
        time: CAP,
    };
    eprintln!("[async] conc-check DFS");
    let cc_dfs = runners::conc_check(body_cc, Mode::Dfs, 1, dfs_caps, false);
    eprintln!("[async] shuttle DFS");
    let sh_dfs = runners::shuttle(body_shuttle, Mode::Dfs, 1, dfs_caps);
    for (who, r) in [
        ("conc-check random", &cc_random),
        ("shuttle random", &sh_random),
        ("conc-check DFS", &cc_dfs),
        ("shuttle DFS", &sh_dfs),
    ] {
        if let End::Found(m) | End::Crashed(m) = &r.end {
            notes.push(format!("async: {who} reported `{m}` on a correct test"));
        }
    }
    let mut t = Table::new(&["strategy", "conc-check", "shuttle", "conc-check ÷ shuttle"]);
    t.row(vec![
        "random: executions/s".to_string(),
        format!(
            "{} ({} in {})",
            count(cc_random.rate().round() as u64),
            count(cc_random.executions),
            secs(cc_random.seconds)
        ),
        format!(
            "{} ({} in {})",
            count(sh_random.rate().round() as u64),
            count(sh_random.executions),
            secs(sh_random.seconds)
        ),
        ratio(cc_random.rate() / sh_random.rate()),
    ]);
    t.row(vec![
        "DFS, no bound: executions".to_string(),
        format!("{} ({})", count(cc_dfs.executions), end(&cc_dfs)),
        format!("{} ({})", count(sh_dfs.executions), end(&sh_dfs)),
        bounded_ratio(
            cc_dfs.executions as f64,
            &cc_dfs.end,
            sh_dfs.executions as f64,
            &sh_dfs.end,
        ),
    ]);
    t.row(vec![
        "DFS, no bound: time".to_string(),
        secs(cc_dfs.seconds),
        secs(sh_dfs.seconds),
        bounded_ratio(cc_dfs.seconds, &cc_dfs.end, sh_dfs.seconds, &sh_dfs.end),
    ]);
    println!("## 10. Async tasks: conc-check's `future` against shuttle's\n");
    println!(
        "Two tasks each add 1 to a `Mutex` counter, `yield_now().await`, and add 1 again; the \
         main future awaits both (`tests/benches/compare/async_twins.rs`, one body for both \
         tools). Random runs {} executions (cap {} s); DFS runs to completion (cap {} \
         executions / {} s). Ratio > 1 on executions/s: conc-check is faster; < 1 on the DFS \
         rows: conc-check needs fewer. Executions to the first bug on `lost_wakeup` and \
         `guard_across_await` (which shuttle can express) are rows of section 3.\n",
        count(RANDOM_EXECUTIONS),
        CAP.as_secs(),
        count(dfs_caps.executions),
        dfs_caps.time.as_secs()
    );
    println!("{}", t.render());
}
