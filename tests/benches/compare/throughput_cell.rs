//! Section 1b: executions per second of the random strategies on a 3-thread program with an
//! `Arc`, a `Mutex` and a tracked cell (`locked_counter_ok`: two workers increment a cell under
//! the lock, main joins them and reads it), every detector on, against shuttle's
//! `check_random` on its twin. The two tools alternate over many short rounds in one run, so a
//! change in the machine's load hits both; the table gives every round, the median of the
//! rounds' ratios, and the ratio of each tool's fastest round (the round least slowed by the
//! machine: on a shared machine one tool's half-second round can be slowed while the other's is
//! not, so single rounds range widely).

use std::time::Duration;

use crate::clean_twins;
use crate::runners::{self, Caps, End, Mode};
use crate::table::{count, ratio, secs, Table};

/// Executions per round and tool.
const EXECUTIONS: u64 = 50_000;
/// Time cap of one round.
const CAP: Duration = Duration::from_secs(10);
/// Rounds per tool.
const ROUNDS: usize = 15;
/// The corpus program measured.
const PROGRAM: &str = "locked_counter_ok";

/// Measures and prints the section.
pub(crate) fn run(notes: &mut Vec<String>) {
    let program = conc_check_corpus::find(PROGRAM).expect("a corpus program");
    let shuttle_twin = clean_twins::twin("shuttle", PROGRAM).expect("a shuttle twin");
    let caps = Caps {
        executions: EXECUTIONS,
        time: CAP,
    };
    let mut t = Table::new(&[
        "round",
        "conc-check Random",
        "exec/s",
        "shuttle check_random",
        "exec/s",
        "conc-check ÷ shuttle",
    ]);
    let mut ratios = Vec::new();
    let (mut fastest_cc, mut fastest_sh) = (0.0f64, 0.0f64);
    for round in 1..=ROUNDS {
        eprintln!("[1b] throughput with a cell: round {round}");
        let cc = runners::conc_check(program.run, Mode::Random, round as u64, caps, false);
        let sh = runners::shuttle(shuttle_twin, Mode::Random, round as u64, caps);
        for (who, r) in [("conc-check", &cc), ("shuttle", &sh)] {
            if let End::Found(m) | End::Crashed(m) = &r.end {
                notes.push(format!(
                    "throughput with a cell: {who} reported `{m}` on a correct test"
                ));
            }
        }
        fastest_cc = fastest_cc.max(cc.rate());
        fastest_sh = fastest_sh.max(sh.rate());
        let r = cc.rate() / sh.rate();
        ratios.push(r);
        t.row(vec![
            round.to_string(),
            format!("{} in {}", count(cc.executions), secs(cc.seconds)),
            count(cc.rate().round() as u64),
            format!("{} in {}", count(sh.executions), secs(sh.seconds)),
            count(sh.rate().round() as u64),
            ratio(r),
        ]);
    }
    ratios.sort_by(f64::total_cmp);
    let median = ratios[ratios.len() / 2];
    println!("## 1b. Throughput with a tracked cell: `{PROGRAM}`, Random\n");
    println!(
        "{ROUNDS} rounds of {} executions per tool (cap {} s), alternating; conc-check runs the \
         corpus program with every detector on (race detection on the cell included), shuttle \
         its twin (`clean_twins/`, the cell untracked: shuttle has none). Median of the rounds' \
         ratios: {}; fastest round against fastest round: {} ({} against {} executions per \
         second).\n",
        count(EXECUTIONS),
        CAP.as_secs(),
        ratio(median),
        ratio(fastest_cc / fastest_sh),
        count(fastest_cc.round() as u64),
        count(fastest_sh.round() as u64),
    );
    println!("{}", t.render());
}
