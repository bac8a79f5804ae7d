//! loom 0.7.3's own test suite, unmodified, run against this facade: the files are taken from
//! the downloaded loom crate at build time (see `build.rs`), never copied here.
//!
//! `cargo test -p loom --test upstream` runs it (loom's `futures.rs` needs the `futures`
//! feature, which is on by default here).
//!
//! Beyond loom's own tests, [`each_should_panic_test_fails_for_its_finding`] checks that every
//! `#[should_panic]` test panics because conc-check found what the test is about (not because
//! of something unsupported), and [`loom_s_ignored_seq_cst_test_passes`] runs the `SeqCst`
//! test loom ignores because loom gets it wrong.

// loom's files are not this project's to lint.
#![allow(clippy::all)]

include!(concat!(env!("OUT_DIR"), "/upstream_suite.rs"));

use std::process::Command;

/// Each `#[should_panic]` test loom runs, and the finding kind that must make it panic.
const SHOULD_PANIC: &[(&str, &str)] = &[
    ("arc::detect_mem_leak", "leak"),
    ("atomic::invalid_unsync_load_relaxed", "data_race"),
    // The lazy static's panic: "touched during shutdown".
    ("atomic::lazy_static_arc_shutdown", "panic"),
    ("atomic_relaxed::check_ordering_invalid_1", "panic"),
    ("atomic_relaxed::check_ordering_invalid_2", "panic"),
    // Found before it deadlocks: the two lock orders.
    ("deadlock::two_mutexes_deadlock", "lock_order_cycle"),
    // `max_branches = 2`: the step limit.
    (
        "double_panic_in_drop::double_panic_at_branch_max",
        "step_limit",
    ),
    ("mpsc::non_commutative_senders1", "panic"),
    ("mpsc::non_commutative_senders2", "panic"),
    ("smoke::checks_fail", "panic"),
    // The reader's assertion fails in the interleaving that reads before the write.
    ("unsafe_cell::atomic_causality_fail", "panic"),
    ("unsafe_cell::unsafe_cell_race_mut_mut_1", "data_race"),
    ("unsafe_cell::unsafe_cell_race_mut_mut_2", "data_race"),
    ("unsafe_cell::unsafe_cell_race_mut_immut_1", "data_race"),
    ("unsafe_cell::unsafe_cell_race_mut_immut_2", "data_race"),
    ("unsafe_cell::unsafe_cell_race_mut_immut_3", "data_race"),
    ("unsafe_cell::unsafe_cell_race_mut_immut_4", "data_race"),
    ("unsafe_cell::unsafe_cell_race_mut_immut_5", "data_race"),
    ("unsafe_cell::unsafe_cell_access_after_sync", "data_race"),
];

/// Runs one test of this binary by its exact name; returns whether it passed and what it
/// printed.
fn run_alone(name: &str, ignored: bool) -> (bool, String) {
    let exe = std::env::current_exe().expect("the test binary knows its path");
    let mut command = Command::new(exe);
    command.args([name, "--exact", "--nocapture", "--test-threads=1"]);
    if ignored {
        command.arg("--ignored");
    }
    let output = command.output().expect("the test binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let passed = output.status.success() && text.contains("1 passed");
    (passed, text)
}

#[test]
fn each_should_panic_test_fails_for_its_finding() {
    for (name, kind) in SHOULD_PANIC {
        let (passed, text) = run_alone(name, false);
        assert!(passed, "{name} did not pass:\n{text}");
        let header = format!("conc_check::{kind}");
        assert!(
            text.contains(&header),
            "{name} panicked, but its report is not a `{kind}` finding:\n{text}"
        );
        assert!(
            !text.contains("unsupported"),
            "{name}'s report mentions something unsupported:\n{text}"
        );
    }
}

#[test]
fn loom_s_ignored_seq_cst_test_passes() {
    let (passed, text) = run_alone("spec::test_seq_cst", true);
    assert!(passed, "spec::test_seq_cst failed:\n{text}");
}
