//! Section 11: one exploration on two worker processes against one (`Builder::workers`), on
//! this machine's cores, with shuttle and loom on the same programs for scale.
//!
//! - Random throughput: `locked_counter_ok` (3 threads, an `Arc<Mutex<_>>` and a tracked cell,
//!   every detector on), one worker and two alternating over rounds, and shuttle's
//!   `check_random` on its twin.
//! - Exhaustive DFS of a test with more than 100,000 executions: four threads that each add to
//!   one atomic three times and keep what they read (every interleaving of the twelve
//!   read-modify-writes is its own final state: 12! / (3!)^4 = 369,600). One worker and two:
//!   executions, time, `complete`, and the final states each reached (collected from the
//!   workers through files, in a run of their own so that the timed runs write nothing); loom's
//!   and shuttle's exhaustive searches on twins.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering as StdOrdering};
use std::time::{Duration, Instant};

use conc_check::{Builder, Report, Strategy};

use crate::clean_twins;
use crate::runners::{self, Caps, Mode, Run};
use crate::table::{count, ratio, secs, Table};

/// Random executions per round and configuration.
const RANDOM_EXECUTIONS: u64 = 1_000_000;
/// Rounds of the throughput table.
const ROUNDS: u64 = 3;
/// The cap of every conc-check run.
const CAP: Duration = Duration::from_secs(60);
/// The cap of loom's and shuttle's exhaustive searches, which do not finish this program.
const OTHERS_CAP: Duration = Duration::from_secs(20);

macro_rules! adders {
    ($k:ident, $name:ident) => {
        /// Four threads add to one atomic three times each and keep what they read.
        pub(crate) fn $name() {
            use ::$k::sync::atomic::{AtomicUsize, Ordering};
            use ::$k::sync::Arc;
            let total = Arc::new(AtomicUsize::new(0));
            let add = |total: &AtomicUsize| -> Vec<usize> {
                (0..3)
                    .map(|_| total.fetch_add(1, Ordering::SeqCst))
                    .collect()
            };
            let others: Vec<_> = (0..3)
                .map(|_| {
                    let total = total.clone();
                    ::$k::thread::spawn(move || add(&total))
                })
                .collect();
            let mut state = add(&total);
            for other in others {
                state.extend(other.join().unwrap());
            }
            record(state);
        }
    };
}

adders!(conc_check, adders_conc_check);
adders!(real_loom, adders_loom);
adders!(shuttle, adders_shuttle);

/// Where the recording run writes final states (`None`: the timed runs record nothing).
static RECORDING: AtomicBool = AtomicBool::new(false);

/// The directory of the recording runs, named after the benchmark's process (the workers,
/// forked from it, find it here).
fn states_dir() -> &'static std::path::Path {
    static DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        std::env::temp_dir().join(format!("conc-check-bench-states-{}", std::process::id()))
    })
}

/// Appends `state` to this process's file while a recording run is on.
fn record(state: Vec<usize>) {
    use std::io::Write;
    if !RECORDING.load(StdOrdering::Relaxed) {
        return;
    }
    let line: Vec<String> = state.iter().map(usize::to_string).collect();
    let path = states_dir().join(std::process::id().to_string());
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(file, "{}", line.join(","));
    }
}

fn dfs(workers: usize) -> (Report, f64) {
    let started = Instant::now();
    let report = Builder::new()
        .strategy(Strategy::Dfs)
        .iterations(2_000_000)
        .time_budget(CAP)
        .workers(workers)
        .shrink(false)
        .explore(adders_conc_check);
    (report, started.elapsed().as_secs_f64())
}

/// The final states the DFS on `workers` workers reaches.
fn final_states(workers: usize) -> BTreeSet<String> {
    let dir = states_dir();
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("a directory for final states");
    RECORDING.store(true, StdOrdering::Relaxed);
    dfs(workers);
    RECORDING.store(false, StdOrdering::Relaxed);
    let mut states = BTreeSet::new();
    for entry in std::fs::read_dir(dir).expect("the directory").flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        states.extend(text.lines().map(str::to_string));
    }
    let _ = std::fs::remove_dir_all(dir);
    states
}

fn random(workers: usize, seed: u64) -> (Report, f64) {
    let program = conc_check_corpus::find("locked_counter_ok").expect("a corpus program");
    let started = Instant::now();
    let report = Builder::new()
        .strategy(Strategy::Random)
        .seed(seed)
        .iterations(RANDOM_EXECUTIONS)
        .time_budget(CAP)
        .workers(workers)
        .shrink(false)
        .explore(program.run);
    (report, started.elapsed().as_secs_f64())
}

fn verdict(report: &Report) -> String {
    match report.findings.first() {
        Some(f) => format!("found {}", f.kind),
        None if report.complete => "complete".into(),
        None => "not exhausted".into(),
    }
}

fn other(run: &Run) -> String {
    format!("{:?}", run.end).to_lowercase()
}

/// Measures and prints the section.
pub(crate) fn run(notes: &mut Vec<String>) {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let shuttle_twin = clean_twins::twin("shuttle", "locked_counter_ok").expect("a twin");
    let mut t = Table::new(&[
        "round",
        "1 worker",
        "exec/s",
        "2 workers",
        "exec/s",
        "2 ÷ 1",
        "shuttle check_random",
        "exec/s",
        "2 workers ÷ shuttle",
    ]);
    let mut ratios = Vec::new();
    for round in 1..=ROUNDS {
        eprintln!("[11] random throughput, round {round}");
        let (one, one_s) = random(1, round);
        let (two, two_s) = random(2, round);
        let caps = Caps {
            executions: RANDOM_EXECUTIONS,
            time: CAP,
        };
        let sh = runners::shuttle(shuttle_twin, Mode::Random, round, caps);
        for r in [&one, &two] {
            if !r.findings.is_empty() {
                notes.push(format!(
                    "workers: random reported `{}` on a correct test",
                    r
                ));
            }
        }
        let (one_rate, two_rate) = (one.executions as f64 / one_s, two.executions as f64 / two_s);
        ratios.push(two_rate / one_rate);
        t.row(vec![
            round.to_string(),
            format!("{} in {}", count(one.executions), secs(one_s)),
            count(one_rate.round() as u64),
            format!("{} in {}", count(two.executions), secs(two_s)),
            count(two_rate.round() as u64),
            ratio(two_rate / one_rate),
            format!("{} in {}", count(sh.executions), secs(sh.seconds)),
            count(sh.rate().round() as u64),
            ratio(two_rate / sh.rate()),
        ]);
    }
    ratios.sort_by(f64::total_cmp);
    println!("## 11. Workers: one exploration on several processes\n");
    println!(
        "This machine has {cores} cores. Random walks of `locked_counter_ok` (3 threads, an \
         `Arc<Mutex<_>>` and a tracked cell, every detector on), {} executions per run, one \
         worker and two alternating, and shuttle's `check_random` on its twin; wall time \
         around `explore`, forking the workers included. Median ratio of two workers to one: \
         {}.\n",
        count(RANDOM_EXECUTIONS),
        ratio(ratios[ratios.len() / 2])
    );
    println!("{}", t.render());

    eprintln!("[11] exhaustive DFS, one worker");
    let (one, one_s) = dfs(1);
    eprintln!("[11] exhaustive DFS, two workers");
    let (two, two_s) = dfs(2);
    eprintln!("[11] final states");
    let (one_states, two_states) = (final_states(1), final_states(2));
    let caps = Caps {
        executions: 2_000_000,
        time: OTHERS_CAP,
    };
    eprintln!("[11] exhaustive DFS, loom and shuttle");
    let loom = runners::loom_dfs(adders_loom, caps);
    let shuttle = runners::shuttle(adders_shuttle, Mode::Dfs, 0, caps);
    if one_states != two_states {
        notes.push(format!(
            "workers: the DFS on two workers reached {} final states, one worker {}",
            two_states.len(),
            one_states.len()
        ));
    }
    let mut d = Table::new(&["search", "executions", "time", "verdict", "final states"]);
    d.row(vec![
        "conc-check DFS, 1 worker".into(),
        count(one.executions),
        secs(one_s),
        verdict(&one),
        count(one_states.len() as u64),
    ]);
    d.row(vec![
        "conc-check DFS, 2 workers".into(),
        count(two.executions),
        secs(two_s),
        verdict(&two),
        count(two_states.len() as u64),
    ]);
    d.row(vec![
        "loom (DPOR)".into(),
        count(loom.executions),
        secs(loom.seconds),
        other(&loom),
        "".into(),
    ]);
    d.row(vec![
        "shuttle check_dfs".into(),
        count(shuttle.executions),
        secs(shuttle.seconds),
        other(&shuttle),
        "".into(),
    ]);
    println!(
        "Exhaustive DFS of four threads that each add to one atomic three times and keep what \
         they read: every order of the twelve read-modify-writes is a final state of its own \
         (12! / (3!)^4 = 369,600), so no reduction applies. Final states are collected from \
         every worker in separate runs (the timed runs record nothing). Two workers against \
         one: {} the time, {} the executions.\n",
        ratio(two_s / one_s),
        ratio(two.executions as f64 / one.executions as f64),
    );
    println!("{}", d.render());
}
