//! End-to-end tests of `cargo conc-check`: the built command, run on the fixture crates in
//! `tests/fixtures/` the way a user or a CI job runs it, checked by what they would check: the
//! exit code, the human report, the JSON, SARIF and JUnit files, baselines, partitions and
//! replay.
//!
//! They live in the cli package rather than in the workspace's `tests/` crate because cargo
//! hands the path of a freshly built binary (`CARGO_BIN_EXE_cargo-conc-check`) only to the
//! integration tests of the binary's own package. The fixtures themselves are in
//! `tests/fixtures/` (see its README). Every run builds into one shared target directory,
//! `<target>/fixture-target`, so the fixture's dependencies are compiled once (about a minute
//! on 2 cores the first time) and later runs only re-check them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::Value;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ is inside the repository")
        .to_path_buf()
}

/// The crate with a buggy and a clean `#[conc_check::test]` (and a plain `#[test]`).
fn fixture() -> PathBuf {
    repository().join("tests/fixtures/conc-fixture")
}

/// Every test in the fixture.
const ALL_TESTS: [&str; 3] = ["abba_deadlock", "plain_arithmetic", "two_increments"];

/// The crate whose tests misbehave: hangs, crashes, overflows, nondeterminism, replays that
/// diverge or reach no model, runs that check nothing; and it needs the rustflags of its
/// `.cargo/config.toml` to build.
fn misbehave() -> PathBuf {
    repository().join("tests/fixtures/misbehave")
}

/// The target directory the fixtures build into.
fn fixture_target() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the tmp dir is inside the target dir")
        .join("fixture-target")
}

/// A fresh directory for one test's output files.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("e2e")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The fixture resolves its dependencies to the workspace's versions: its lock file is a copy
/// of the workspace's (cargo drops the entries it does not need).
fn seed_lock_file() {
    static SEEDED: OnceLock<()> = OnceLock::new();
    SEEDED.get_or_init(|| {
        for crate_dir in [fixture(), misbehave()] {
            std::fs::copy(
                repository().join("Cargo.lock"),
                crate_dir.join("Cargo.lock"),
            )
            .expect("copy Cargo.lock into the fixture");
            // Let cargo trim the lock file now, once, rather than in several runs at once.
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .args(["metadata", "--format-version", "1", "--manifest-path"])
                .arg(crate_dir.join("Cargo.toml"))
                .stdout(std::process::Stdio::null())
                .status()
                .expect("run cargo metadata");
            assert!(status.success(), "cargo metadata on the fixture failed");
        }
    });
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `cargo-conc-check ARGS` in `dir`, as `cargo conc-check ARGS` would.
fn conc_check(dir: &Path, args: &[&str]) -> Run {
    conc_check_with(dir, args, &[])
}

/// [`conc_check`] with environment variables set.
fn conc_check_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    seed_lock_file();
    let target = fixture_target();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-conc-check"));
    cmd.args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_BUILD_JOBS", "2");
    for (key, _) in std::env::vars() {
        if key.starts_with("CONC_CHECK_") {
            cmd.env_remove(key);
        }
    }
    cmd.envs(env.iter().copied());
    let output = cmd.output().expect("run cargo-conc-check");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `(name, verdict)` of every test in a `--format json` report.
fn verdicts(report: &Value) -> Vec<(String, String)> {
    report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

// The schema loader the unit tests use (one copy, so both check against the same schema).
#[path = "../src/test_support.rs"]
mod test_support;
use test_support::sarif_schema;

#[test]
fn a_clean_test_exits_0() {
    // The checking build goes into the normal build's target directory: conc-check's own
    // folder there holds report files, never a second build tree.
    let second_tree = fixture_target().join("conc-check").join("debug");
    let _ = std::fs::remove_dir_all(&second_tree);
    let run = conc_check(&fixture(), &["two_increments"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        !second_tree.exists(),
        "a second build tree: {second_tree:?}"
    );
    assert!(fixture_target().join("debug").join("deps").is_dir());
    assert!(run.stdout.contains("two_increments"), "{run:?}");
    assert!(run.stdout.contains("verdict"), "the summary table: {run:?}");
    assert!(run.stdout.contains("1 test: 1 ok"), "{run:?}");
    assert!(
        run.stderr.contains("[1/1] two_increments ... ok"),
        "the progress line: {run:?}"
    );
    assert!(run.stderr.contains("executions/s"), "{run:?}");
}

#[test]
fn a_buggy_test_exits_1_and_every_format_reports_it() {
    let dir = scratch("formats");
    let (json, sarif, junit) = (
        dir.join("report.json"),
        dir.join("report.sarif"),
        dir.join("report.xml"),
    );
    let run = conc_check(
        &fixture(),
        &[
            "--format",
            "human",
            "--format",
            "json",
            "--output",
            json.to_str().unwrap(),
            "--format",
            "sarif",
            "--output",
            sarif.to_str().unwrap(),
            "--format",
            "junit",
            "--output",
            junit.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 1, "{run:?}");

    // Human: the finding with the user's source lines, the replay command, the summary.
    let human = &run.stdout;
    assert!(human.contains("abba_deadlock: finding"), "{run:?}");
    assert!(
        human.contains("let _b = b2.lock().unwrap();"),
        "a source snippet: {run:?}"
    );
    assert!(
        human.contains("cargo conc-check replay cc4."),
        "the replay command: {run:?}"
    );
    for column in ["test", "verdict", "findings", "executions", "complete"] {
        assert!(human.contains(column), "{column}: {run:?}");
    }
    assert!(human.contains("3 tests: 2 ok, 1 FINDINGS"), "{run:?}");
    assert!(run.stderr.contains("[3/3]"), "the progress line: {run:?}");

    // JSON: every test with its verdict; the finding with a fingerprint and a schedule.
    let report = read_json(&json);
    assert_eq!(report["exit_code"], 1);
    assert_eq!(
        verdicts(&report),
        vec![
            ("abba_deadlock".into(), "findings".into()),
            ("plain_arithmetic".into(), "ok".into()),
            ("two_increments".into(), "ok".into()),
        ]
    );
    assert_eq!(report["schema_version"], 2);
    let buggy = &report["tests"][0];
    let findings = buggy["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for f in findings {
        let kind = f["finding"]["kind"].as_str().unwrap();
        assert!(
            ["deadlock", "lock_order_cycle"].contains(&kind),
            "an ABBA bug is a deadlock or a lock-order cycle, not {kind}"
        );
        let fingerprint = f["fingerprint"].as_str().unwrap();
        assert!(
            fingerprint.starts_with("v2-") && fingerprint.len() == 19,
            "{fingerprint}"
        );
        assert!(
            !f["finding"]["objects"].as_array().unwrap().is_empty(),
            "the locks are named in the structure: {f:#}"
        );
        assert!(f["finding"]["sites"][0]["role"].is_string(), "{f:#}");
        assert!(f["schedule"].as_str().unwrap().starts_with("cc4."));
    }
    assert_eq!(
        report["tests"][2]["complete"], true,
        "the clean test was exhausted"
    );

    // SARIF: valid against the official schema; a result per finding, a location per site.
    let sarif: Value = read_json(&sarif);
    let schema = sarif_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(sarif["version"], "2.1.0");
    let sarif_run = &sarif["runs"][0];
    let results = sarif_run["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    let rules = sarif_run["tool"]["driver"]["rules"].as_array().unwrap();
    for (result, finding) in results.iter().zip(findings) {
        let finding = &finding["finding"];
        assert_eq!(result["ruleId"], finding["kind"]);
        let rule = &rules[result["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], finding["kind"]);
        let locations = result["locations"].as_array().unwrap();
        let sites = finding["sites"].as_array().unwrap();
        assert!(sites.len() >= 2, "both threads' sites: {sites:?}");
        assert_eq!(locations.len(), sites.len(), "a location for every site");
        for (location, site) in locations.iter().zip(sites) {
            let physical = &location["physicalLocation"];
            assert_eq!(physical["artifactLocation"]["uri"], "tests/fixture.rs");
            assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
            assert_eq!(physical["region"]["startLine"], site["line"]);
            assert_eq!(physical["region"]["startColumn"], site["column"]);
        }
        assert!(result["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with(finding["message"].as_str().unwrap()));
    }

    // JUnit: one testcase per test, a failure only for the buggy one.
    let xml = std::fs::read_to_string(&junit).unwrap();
    let mut reader = Reader::from_str(&xml);
    let mut cases: Vec<(String, bool)> = Vec::new();
    let mut suite_attributes = Vec::new();
    loop {
        match reader.read_event().expect("well-formed JUnit XML") {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"testsuite" => {
                    for a in e.attributes() {
                        let a = a.unwrap();
                        suite_attributes.push((
                            String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                            a.unescape_value().unwrap().into_owned(),
                        ));
                    }
                }
                b"testcase" => {
                    let name = e.try_get_attribute("name").unwrap().unwrap();
                    cases.push((name.unescape_value().unwrap().into_owned(), false));
                }
                b"failure" => cases.last_mut().expect("inside a testcase").1 = true,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(
        cases,
        vec![
            ("abba_deadlock".to_string(), true),
            ("plain_arithmetic".to_string(), false),
            ("two_increments".to_string(), false),
        ]
    );
    assert!(suite_attributes.contains(&("tests".into(), "3".into())));
    assert!(suite_attributes.contains(&("failures".into(), "1".into())));
    assert!(xml.contains("b2.lock().unwrap()"), "the rendered finding");
}

#[test]
fn replay_reproduces_the_finding_from_its_schedule() {
    let dir = scratch("replay");
    let json = dir.join("report.json");
    let run = conc_check(
        &fixture(),
        &[
            "abba_deadlock",
            "--format",
            "json",
            "--output",
            json.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 1, "{run:?}");
    let report = read_json(&json);
    let finding = &report["tests"][0]["findings"][0];
    let schedule = finding["schedule"].as_str().unwrap();
    let message = finding["finding"]["message"].as_str().unwrap();

    let replayed = conc_check(&fixture(), &["replay", schedule, "--test", "abba_deadlock"]);
    assert_eq!(replayed.code, 1, "{replayed:?}");
    assert!(replayed.stdout.contains(message), "{replayed:?}");
    assert!(
        replayed
            .stdout
            .contains("1 test: 1 FINDINGS · 1 execution "),
        "exactly one execution: {replayed:?}"
    );

    // A damaged schedule is a clear error before anything is built.
    let mut damaged = schedule.to_string();
    let last = damaged.pop().unwrap();
    damaged.push(if last == '0' { '1' } else { '0' });
    let run = conc_check(&fixture(), &["replay", &damaged, "--test", "abba_deadlock"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("damaged schedule"), "{run:?}");
    let run = conc_check(&fixture(), &["replay", "not-a-schedule", "--test", "x"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("not a conc-check schedule"), "{run:?}");

    // A test name that does not exist is named as such, with the near misses.
    let run = conc_check(&fixture(), &["replay", schedule, "--test", "abba"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("no test is named `abba`") && run.stderr.contains("abba_deadlock"),
        "{run:?}"
    );
}

#[test]
fn a_baseline_keeps_known_findings_from_failing_the_run() {
    let dir = scratch("baseline");
    let (json, baseline) = (dir.join("run.json"), dir.join("baseline.json"));
    let run = conc_check(
        &fixture(),
        &[
            "--format",
            "json",
            "--output",
            json.to_str().unwrap(),
            "--write-baseline",
            baseline.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 1, "{run:?}");
    let written = read_json(&baseline);
    let entries = written["fingerprints"].as_array().unwrap();
    assert!(!entries.is_empty());
    assert_eq!(entries[0]["test"], "abba_deadlock");

    // The fingerprints are stable across runs: the same finding is suppressed.
    let run = conc_check(&fixture(), &["--baseline", baseline.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("baselined"), "{run:?}");
    assert!(run.stdout.contains("findings in the baseline"), "{run:?}");

    // A --format json report serves as a baseline too.
    let run = conc_check(&fixture(), &["--baseline", json.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");

    // A baseline an earlier version wrote (message-hashed fingerprints) is honoured once, by
    // kind and test, and the run asks for a new one.
    let old = dir.join("old.json");
    std::fs::write(
        &old,
        r#"{"format":"conc-check-baseline","version":1,"fingerprints":[{"fingerprint":"00112233aabbccdd","kind":"lock_order_cycle","test":"abba_deadlock","package":"conc-fixture","message":"lock order cycle: thread 1 takes A then B"}]}"#,
    )
    .unwrap();
    let run = conc_check(&fixture(), &["--baseline", old.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains("written by an earlier version"),
        "{run:?}"
    );
    assert!(run.stderr.contains("--write-baseline"), "{run:?}");

    // A baseline without the finding does not suppress it.
    let empty = dir.join("empty.json");
    std::fs::write(
        &empty,
        r#"{"format":"conc-check-baseline","schema_version":2,"fingerprints":[]}"#,
    )
    .unwrap();
    let run = conc_check(&fixture(), &["--baseline", empty.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{run:?}");
}

#[test]
fn partitions_cover_every_test_exactly_once() {
    let dir = scratch("partition");
    for count in [2u32, 3] {
        let mut seen: Vec<String> = Vec::new();
        for index in 1..=count {
            let json = dir.join(format!("{index}-of-{count}.json"));
            let partition = format!("{index}/{count}");
            let run = conc_check(
                &fixture(),
                &[
                    "--partition",
                    &partition,
                    "--format",
                    "json",
                    "--output",
                    json.to_str().unwrap(),
                ],
            );
            let names: Vec<String> = verdicts(&read_json(&json))
                .into_iter()
                .map(|(name, _)| name)
                .collect();
            let buggy_here = names.iter().any(|n| n == "abba_deadlock");
            assert_eq!(run.code, i32::from(buggy_here), "{partition}: {run:?}");
            seen.extend(names);
        }
        seen.sort();
        assert_eq!(seen, ALL_TESTS, "{count} partitions");
    }

    // With --seeds, the shards split the (test, seed) pairs.
    let mut pairs: Vec<(String, u64)> = Vec::new();
    for index in 1..=2 {
        let json = dir.join(format!("seeds-{index}.json"));
        let partition = format!("{index}/2");
        let run = conc_check(
            &fixture(),
            &[
                "--seeds",
                "2",
                "--seed",
                "7",
                "--partition",
                &partition,
                "--format",
                "json",
                "--output",
                json.to_str().unwrap(),
            ],
        );
        assert!(run.code == 0 || run.code == 1, "{run:?}");
        for t in read_json(&json)["tests"].as_array().unwrap() {
            pairs.push((
                t["name"].as_str().unwrap().to_string(),
                t["seed"].as_u64().unwrap(),
            ));
        }
    }
    pairs.sort();
    let expected: Vec<(String, u64)> = ALL_TESTS
        .iter()
        .flat_map(|t| [(t.to_string(), 7), (t.to_string(), 8)])
        .collect();
    assert_eq!(pairs, expected);
}

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    let cases: [(&[&str], &str); 6] = [
        (
            &["--no-such-option"],
            "unexpected argument '--no-such-option'",
        ),
        (
            &["--time-budget", "soon"],
            "invalid value 'soon' for '--time-budget",
        ),
        (
            &["--partition", "4/3"],
            "invalid value '4/3' for '--partition",
        ),
        (
            &["--format", "json", "--format", "sarif"],
            "would all write to standard output",
        ),
        (
            &["--baseline", "/nonexistent/baseline.json"],
            "cannot read the baseline",
        ),
        (&["run", "--bin", "no_such_program"], "no bin target named"),
    ];
    for (args, message) in cases {
        let run = conc_check(&fixture(), args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains(message), "{args:?}: {run:?}");
    }
}

#[test]
fn a_filter_that_matches_nothing_says_so_and_exits_2() {
    let run = conc_check(&fixture(), &["no_test_has_this_name"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("no test matches `no_test_has_this_name`"),
        "{run:?}"
    );
    assert!(run.stderr.contains("nothing was run"), "{run:?}");
}

#[test]
fn a_crate_that_does_not_build_exits_2() {
    let run = conc_check(&repository().join("tests/fixtures/broken"), &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("mismatched types"),
        "the compiler's error: {run:?}"
    );
    assert!(run.stderr.contains("did not build"), "{run:?}");
}

// ---- `cargo conc-check run`: real mode ----

#[test]
fn run_reports_a_lock_order_cycle_from_a_run_that_did_not_deadlock() {
    let run = conc_check(&fixture(), &["run", "--bin", "abba_sleepy"]);
    assert_eq!(run.code, 1, "{run:?}");
    for needle in [
        "conc_check::lock_order_cycle",
        "lock order cycle: thread 1 takes `a` then `b`, the main thread takes `b` then `a`",
        "thread 1 holds `a`, locked at src/bin/abba_sleepy.rs:13:21, and locks `b` at src/bin/abba_sleepy.rs:14:21",
        "conc-check run: abba_sleepy on real threads: 1 finding(s) (lock_order_cycle); it exited with 0 · exit 1",
    ] {
        assert!(run.stdout.contains(needle), "missing {needle:?}: {run:?}");
    }
    // The program itself only summarises (the command renders).
    assert!(
        run.stderr
            .contains("conc-check: lock_order_cycle: lock order cycle"),
        "{run:?}"
    );
}

#[test]
fn run_passes_arguments_and_exits_0_when_clean() {
    let run = conc_check(&fixture(), &["run", "--bin", "fine", "--", "one", "--two"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("args: one --two"), "{run:?}");
    assert!(
        run.stdout.contains(
            "conc-check run: fine on real threads: no findings; it exited with 0 · exit 0"
        ),
        "{run:?}"
    );
}

#[test]
fn run_turns_a_hang_into_a_deadlock_report() {
    let run = conc_check(&fixture(), &["run", "--bin", "stuck"]);
    assert_eq!(run.code, 1, "{run:?}");
    for needle in [
        "conc_check::deadlock",
        "deadlock: the main thread and thread 1 wait for each other",
        "it is held by thread 1, which locked it at src/bin/stuck.rs:12:21",
        "the watchdog ended it (exit 86)",
    ] {
        assert!(run.stdout.contains(needle), "missing {needle:?}: {run:?}");
    }
}

#[test]
fn run_needs_a_bin_name_when_there_are_several() {
    let run = conc_check(&fixture(), &["run"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("several bin targets (abba_sleepy, fine, stuck): say which with --bin NAME"),
        "{run:?}"
    );
}

// ---- misbehaving tests: never hang, never a silent green, never lose the report ----

/// The verdict of each test in a `--format json` report whose name ends with `name`.
fn verdict_of(report: &Value, name: &str) -> String {
    verdicts(report)
        .into_iter()
        .find(|(n, _)| n.ends_with(name))
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no test {name} in {report:#}"))
}

/// The first finding of the test whose name ends with `name`.
fn finding_of<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"].as_str().unwrap().ends_with(name))
        .map(|t| &t["findings"][0])
        .unwrap_or_else(|| panic!("no test {name}"))
}

/// Runs the misbehaving tests matching `filter` with a JSON report; returns the run and it.
fn misbehave_run(name: &str, filter: &str, extra: &[&str], env: &[(&str, &str)]) -> (Run, Value) {
    let json = scratch(name).join("run.json");
    let mut args = vec![
        filter,
        "--format",
        "human",
        "--format",
        "json",
        "--output",
        json.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let run = conc_check_with(&misbehave(), &args, env);
    let report = serde_json::from_str(&std::fs::read_to_string(&json).unwrap_or_default())
        .unwrap_or(Value::Null);
    (run, report)
}

#[test]
fn hangs_end_within_the_budget_with_a_finding_that_names_the_cause() {
    let started = std::time::Instant::now();
    let (run, report) = misbehave_run("hangs", "hangs::", &["--hang-timeout", "1s"], &[]);
    assert_eq!(run.code, 1, "{run:?}");
    for test in ["cpu_loop", "std_atomic_spin", "std_mutex_across_shim"] {
        assert_eq!(verdict_of(&report, test), "findings", "{test}: {run:?}");
        assert_eq!(
            finding_of(&report, test)["finding"]["kind"],
            "hang",
            "{test}"
        );
    }
    let std_lock = &finding_of(&report, "std_mutex_across_shim")["finding"];
    assert!(
        std_lock["message"]
            .as_str()
            .unwrap()
            .contains("std::sync::Mutex::lock"),
        "{std_lock:#}"
    );
    assert!(
        run.stdout.contains("use conc_check::sync::Mutex"),
        "{run:?}"
    );
    let spin = finding_of(&report, "cpu_loop")["finding"].to_string();
    assert!(
        spin.contains("spin_forever"),
        "the stack names the loop: {spin}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(120),
        "{:?}",
        started.elapsed()
    );

    // With the hang timeout off, the time budget plus its grace period still ends it.
    let started = std::time::Instant::now();
    let (run, report) = misbehave_run(
        "hangs-budget",
        "hangs::cpu_loop",
        &["--hang-timeout", "off", "--time-budget", "2s"],
        &[],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(verdict_of(&report, "cpu_loop"), "findings");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_crash_costs_one_test_and_its_report_is_not_lost() {
    let (run, report) = misbehave_run("crash", "crash::", &[], &[]);
    assert_eq!(run.code, 1, "{run:?}");
    // The Drop that panics while unwinding ends the process; its report is still collected.
    let double = &finding_of(&report, "drop_panics_while_unwinding")["finding"];
    assert_eq!(double["kind"], "panic", "{double:#}");
    assert!(
        double["message"]
            .as_str()
            .unwrap()
            .contains("while unwinding"),
        "{double:#}"
    );
    assert_eq!(
        report["tests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"]
                .as_str()
                .unwrap()
                .ends_with("drop_panics_while_unwinding"))
            .unwrap()["findings"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "reported once, not once per run"
    );
    // A stack overflow is a finding, not a SIGSEGV.
    let overflow = &finding_of(&report, "crash::overflow")["finding"];
    assert_eq!(overflow["kind"], "stack_overflow", "{overflow:#}");
    assert!(overflow["message"].as_str().unwrap().contains("thread 1"));
    // And the neighbours ran.
    assert_eq!(verdict_of(&report, "sibling_model_ok"), "ok", "{run:?}");
    assert_eq!(verdict_of(&report, "sibling_plain_ok"), "ok", "{run:?}");
    assert!(
        run.stderr.contains("running them again one at a time"),
        "{run:?}"
    );
}

#[test]
fn recursion_that_fits_a_std_thread_passes_and_the_config_rustflags_are_kept() {
    // The fixture does not build without its `.cargo/config.toml` rustflags.
    let (run, report) = misbehave_run("stacks", "deep_recursion_ok", &[], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(verdict_of(&report, "deep_recursion_ok"), "ok");
    let (run, _) = misbehave_run("config-flag", "the_config_flag_is_set", &[], &[]);
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn a_user_cfg_reaches_the_crates_and_the_config_rustflags_are_kept() {
    // The fixture does not build without its `.cargo/config.toml` rustflags either.
    let (run, report) = misbehave_run(
        "user-cfg",
        "built_with_the_user_cfg",
        &["--cfg", "loom"],
        &[],
    );
    assert_eq!(run.code, 0, "{run:?}");
    // (The test asserts `cfg!(loom)`; building it again without the option to see it fail
    // would rebuild the fixture's dependencies twice more.)
    assert_eq!(verdict_of(&report, "built_with_the_user_cfg"), "ok");
    let bad = conc_check(&misbehave(), &["--cfg", "two words"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.stderr.contains("cfg name"), "{bad:?}");
}

#[test]
fn nondeterminism_is_a_finding_not_a_green() {
    let (run, report) = misbehave_run("nondeterminism", "state_kept_across_executions", &[], &[]);
    assert_eq!(run.code, 1, "{run:?}");
    let finding = &finding_of(&report, "state_kept_across_executions")["finding"];
    assert_eq!(finding["kind"], "nondeterminism", "{finding:#}");
    assert!(run.stdout.contains("not deterministic"), "{run:?}");
}

#[test]
fn a_replay_that_diverges_or_reaches_no_model_is_not_green() {
    let (run, report) = misbehave_run("diverges", "replay_diverges", &[], &[]);
    assert_eq!(run.code, 1, "{run:?}");
    let schedule = finding_of(&report, "replay_diverges")["schedule"]
        .as_str()
        .unwrap()
        .to_string();
    let test = "nondeterminism::replay_diverges";
    for _ in 0..3 {
        let replayed = conc_check(&misbehave(), &["replay", &schedule, "--test", test]);
        assert_eq!(replayed.code, 1, "{replayed:?}");
        assert!(replayed.stdout.contains("nondeterminism"), "{replayed:?}");
        assert!(replayed.stdout.contains("did not repeat"), "{replayed:?}");
        assert!(
            replayed.stdout.contains("· exit 1"),
            "the summary tells the truth: {replayed:?}"
        );
    }
    // The summary's name for the test (binary label first) is accepted too.
    let summary_name = format!("misbehave::cases::{test}");
    let replayed = conc_check(
        &misbehave(),
        &["replay", &schedule, "--test", &summary_name],
    );
    assert_eq!(replayed.code, 1, "{replayed:?}");

    // Another test's schedule is refused before it runs.
    let other = conc_check(
        &misbehave(),
        &["replay", &schedule, "--test", "panics::nobody_joins"],
    );
    assert_eq!(other.code, 2, "{other:?}");
    assert!(
        other.stderr.contains("recorded by another test"),
        "{other:?}"
    );

    // A test that runs its model only when asked: the replay reaches no model, exit 3.
    let (run, report) = misbehave_run(
        "no-model",
        "model_only_when_asked",
        &[],
        &[("MISBEHAVE_RUN_MODEL", "1")],
    );
    assert_eq!(run.code, 1, "{run:?}");
    let schedule = finding_of(&report, "model_only_when_asked")["schedule"]
        .as_str()
        .unwrap()
        .to_string();
    let replayed = conc_check(
        &misbehave(),
        &[
            "replay",
            &schedule,
            "--test",
            "replay::model_only_when_asked",
        ],
    );
    assert_eq!(replayed.code, 3, "{replayed:?}");
    assert!(
        replayed.stdout.contains("never reached a model"),
        "{replayed:?}"
    );
    assert!(replayed.stdout.contains("· exit 3"), "{replayed:?}");
}

#[test]
fn thread_panics_follow_std_and_should_panic_is_honoured() {
    let (run, report) = misbehave_run("panics", "panics::", &[], &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(verdict_of(&report, "handled_by_the_joiner_ok"), "ok");
    assert_eq!(verdict_of(&report, "should_panic_found_ok"), "ok");
    assert_eq!(verdict_of(&report, "nobody_joins"), "findings");
    assert_eq!(verdict_of(&report, "should_panic_but_correct"), "failed");
    assert!(run.stdout.contains("1 expected panic"), "{run:?}");
}

#[test]
fn a_run_that_checked_nothing_exits_3() {
    let (run, report) = misbehave_run("unchecked", "explores_nothing", &[], &[]);
    assert_eq!(run.code, 3, "{run:?}");
    assert_eq!(verdict_of(&report, "explores_nothing"), "unchecked");
    assert!(run.stdout.contains("no execution ran"), "{run:?}");
    assert!(run.stdout.contains("· exit 3"), "{run:?}");
}

#[test]
fn bad_settings_are_one_usage_error_before_anything_runs() {
    for (variable, value) in [
        ("CONC_CHECK_STRATEGY", "bogus"),
        ("CONC_CHECK_ITERATIONS", "-1"),
        ("CONC_CHECK_ITERATIONS", "0"),
        ("CONC_CHECK_TIME_BUDGET", "abc"),
        ("CONC_CHECK_TIME_BUDGET", "0"),
        ("CONC_CHECK_SEED", "xyz"),
        ("CONC_CHECK_ITERATOINS", "10"),
        ("CONC_CHECK_REPLAY", "garbage"),
    ] {
        let run = conc_check_with(&misbehave(), &[], &[(variable, value)]);
        assert_eq!(run.code, 2, "{variable}={value}: {run:?}");
        assert!(run.stderr.contains(variable), "{variable}={value}: {run:?}");
        assert!(!run.stderr.contains("panicked"), "{run:?}");
        assert!(
            !run.stderr.contains("Compiling"),
            "nothing was built: {run:?}"
        );
    }
    for args in [
        &["--time-budget", "0s"][..],
        &[
            "--format", "sarif", "--output", "x", "--format", "json", "--output", "x",
        ],
    ] {
        let run = conc_check(&misbehave(), args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
    }
    // A schedule with a valid checksum whose repeat count asks for 2^40 decisions (the header
    // says: step limit 100,000; thread 1, then repeated 2^40 times).
    let huge = "cc4.AqCNBgAIgoCAgICAAg.583cd748";
    let run = conc_check(&misbehave(), &["replay", huge, "--test", "x"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("more than the step limit"), "{run:?}");
    let run = conc_check_with(&misbehave(), &[], &[("CONC_CHECK_REPLAY", huge)]);
    assert_eq!(run.code, 2, "{run:?}");
}
