//! Real-hardware mode end to end: every program of `conc_check_corpus::real` runs as its own
//! process on real OS threads, and must end as its entry says (normal exit, or the watchdog's
//! exit code without hanging) with the verdict it says, on stderr and in the JSON report.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use conc_check_corpus::real::{Ending, RealProgram, ALL};
use conc_check_corpus::Verdict;
use serde_json::Value;

/// The watchdog's exit code (`conc_check_engine::DEADLOCK_EXIT_CODE`).
const DEADLOCK_EXIT_CODE: i32 = 86;

/// Longest a program may run: the deadlocking ones must be ended well before.
const PATIENCE: Duration = Duration::from_secs(60);

fn binary(name: &str) -> PathBuf {
    let exe = Path::new(env!("CARGO_BIN_EXE_real_abba_sleepy"));
    exe.with_file_name(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

struct Ran {
    code: Option<i32>,
    stderr: String,
    seconds: f64,
    report: Option<Value>,
}

impl std::fmt::Debug for Ran {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?} after {:.1}s\n--- stderr ---\n{}\n--- report ---\n{:#?}",
            self.code, self.seconds, self.stderr, self.report
        )
    }
}

/// Runs `program` with the report directory set, killing it if it outlives [`PATIENCE`].
fn run(program: &RealProgram, extra: &[(&str, &str)]) -> Ran {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("real-mode")
        .join(program.name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let started = Instant::now();
    let mut child = Command::new(binary(program.name))
        .envs(program.env.iter().copied())
        .envs(extra.iter().copied())
        .env("CONC_CHECK_REPORT_DIR", &dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > PATIENCE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{} hung for {PATIENCE:?}", program.name);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let seconds = started.elapsed().as_secs_f64();
    let stderr = reader.join().unwrap();
    let report = std::fs::read_dir(&dir).unwrap().find_map(|e| {
        let path = e.ok()?.path();
        let name = path.file_name()?.to_str()?.to_string();
        (name.starts_with("real-") && name.ends_with(".json"))
            .then(|| serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap())
    });
    Ran {
        code: status.code(),
        stderr,
        seconds,
        report,
    }
}

fn kinds(report: &Value) -> Vec<String> {
    report["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_string())
        .collect()
}

fn program(name: &str) -> &'static RealProgram {
    ALL.iter().find(|p| p.name == name).unwrap()
}

#[test]
fn every_real_program_gets_its_verdict_and_ending() {
    for p in ALL {
        let ran = run(p, &[]);
        let expected_code = match p.ending {
            Ending::Normal => 0,
            Ending::Watchdog => DEADLOCK_EXIT_CODE,
        };
        assert_eq!(ran.code, Some(expected_code), "{}: {ran:?}", p.name);
        match p.verdict {
            Verdict::Clean => {
                assert!(ran.report.is_none(), "{}: clean, yet {ran:?}", p.name);
                assert!(!ran.stderr.contains("conc_check::"), "{}: {ran:?}", p.name);
            }
            Verdict::Finds(wanted) => {
                let report = ran
                    .report
                    .as_ref()
                    .unwrap_or_else(|| panic!("{}: no report: {ran:?}", p.name));
                let found = kinds(report);
                let wanted: Vec<String> = wanted.iter().map(|k| k.name().to_string()).collect();
                assert_eq!(found, wanted, "{}: {ran:?}", p.name);
                for kind in &wanted {
                    assert!(
                        ran.stderr.contains(&format!("conc_check::{kind}")),
                        "{}: {kind} is not rendered on stderr: {ran:?}",
                        p.name
                    );
                }
                let outcome = match p.ending {
                    Ending::Normal => "exit",
                    Ending::Watchdog => "deadlock",
                };
                assert_eq!(report["real"]["outcome"], outcome, "{}: {ran:?}", p.name);
            }
        }
    }
}

#[test]
fn the_deadlock_report_names_both_locks_and_holders_within_the_watchdog_time() {
    let ran = run(program("real_deadlock"), &[]);
    assert_eq!(ran.code, Some(DEADLOCK_EXIT_CODE), "{ran:?}");
    // A wait-for cycle is reported on the watchdog's second look, long before the stall time.
    assert!(ran.seconds < 5.0, "{ran:?}");
    let e = &ran.stderr;
    for needle in [
        "deadlock: thread 1 and thread 2 wait for each other",
        "thread 1 waits to lock Mutex `b` (created at corpus/src/bin/real_deadlock.rs:12), at corpus/src/bin/real_deadlock.rs:18:21",
        "it is held by thread 2, which locked it at corpus/src/bin/real_deadlock.rs:21:20",
        "thread 2 waits to lock Mutex `a` (created at corpus/src/bin/real_deadlock.rs:11), at corpus/src/bin/real_deadlock.rs:23:20",
        "it is held by thread 1, which locked it at corpus/src/bin/real_deadlock.rs:16:21",
        "stack of thread 1",
        "real_deadlock::main",
        "the watchdog ended the process (exit 86)",
    ] {
        assert!(e.contains(needle), "missing {needle:?}: {ran:?}");
    }
}

#[test]
fn a_hang_without_a_cycle_is_reported_after_the_configured_time() {
    let ran = run(
        program("real_lost_wakeup"),
        &[("CONC_CHECK_WATCHDOG_SECS", "1")],
    );
    assert_eq!(ran.code, Some(DEADLOCK_EXIT_CODE), "{ran:?}");
    assert!(ran.seconds >= 1.0 && ran.seconds < 10.0, "{ran:?}");
    assert!(
        ran.stderr
            .contains("no thread did anything in a conc-check primitive for 1.0s"),
        "{ran:?}"
    );
    assert!(
        ran.stderr.contains("corpus/src/bin/real_lost_wakeup.rs:22"),
        "{ran:?}"
    );
}

#[test]
fn the_watchdog_can_be_turned_off_and_then_stays_silent_on_a_clean_run() {
    let ran = run(
        program("real_abba_sleepy"),
        &[("CONC_CHECK_WATCHDOG", "off")],
    );
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert_eq!(kinds(ran.report.as_ref().unwrap()), ["lock_order_cycle"]);
}

#[test]
fn the_lock_order_cycle_is_rendered_as_in_model_mode() {
    let ran = run(program("real_abba_sleepy"), &[]);
    for needle in [
        "lock order cycle: thread 1 takes `a` then `b`, thread 2 takes `b` then `a`; these can deadlock",
        "thread 1 holds `a`, locked at corpus/src/bin/real_abba_sleepy.rs:15:24, and locks `b` at corpus/src/bin/real_abba_sleepy.rs:16:24",
        "a schedule that deadlocks:",
        "stack of thread 2 locking at corpus/src/bin/real_abba_sleepy.rs:24:24",
    ] {
        assert!(ran.stderr.contains(needle), "missing {needle:?}: {ran:?}");
    }
}

#[test]
fn contention_figures_are_printed_and_written() {
    let ran = run(
        program("real_contended_ok"),
        &[("CONC_CHECK_REAL_SUMMARY", "brief")],
    );
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert!(
        ran.stderr
            .contains("conc-check: lock contention (real threads)"),
        "{ran:?}"
    );
    assert!(
        ran.stderr
            .contains("conc-check (real threads): no findings"),
        "{ran:?}"
    );
    let report = ran
        .report
        .as_ref()
        .expect("brief mode always writes the report");
    assert!(kinds(report).is_empty(), "{ran:?}");
    let locks = report["real"]["locks"].as_array().unwrap();
    assert_eq!(locks.len(), 1, "{ran:?}");
    assert_eq!(locks[0]["acquisitions"], 8 * 100_000 + 1, "{ran:?}");
    assert!(locks[0]["contended"].as_u64().unwrap() >= 1, "{ran:?}");
    assert!(
        locks[0]["lock"]
            .as_str()
            .unwrap()
            .contains("(created at corpus/src/bin/real_contended_ok.rs:"),
        "{ran:?}"
    );
}

#[test]
fn starvation_needs_both_limits_crossed() {
    // The same hammering with a bypass limit no wait reaches is clean.
    let hog = program("real_starved");
    let ran = run(
        hog,
        &[
            ("CONC_CHECK_STARVATION_BYPASSES", "1000000000"),
            ("CONC_CHECK_STARVATION_MS", "0.5"),
        ],
    );
    assert!(ran.report.is_none(), "{ran:?}");
    let ran = run(hog, &[]);
    let report = ran.report.as_ref().expect("tight limits: starvation");
    assert!(report["report"]["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("while other threads took it"));
}
