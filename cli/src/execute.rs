//! Running the test binaries: one job per binary (and seed), a progress line while they run, and
//! the reports the explorations write into `CONC_CHECK_REPORT_DIR` collected as they appear.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use conc_check_engine::report::Report;
use serde_json::Value;

use crate::cargo::{test_environment, TestBinary, Workspace};
use crate::libtest::{failure_output, parse_result, Status};
use crate::outcome::TestOutcome;

/// One run of one test binary.
#[derive(Clone, Debug)]
pub struct Job<'a> {
    /// The binary.
    pub binary: &'a TestBinary,
    /// The tests this run is expected to run, in listing order.
    pub tests: Vec<String>,
    /// The seed, with `--seeds`.
    pub seed: Option<u64>,
    /// The arguments for the binary (filters and libtest options).
    pub args: Vec<String>,
    /// `CONC_CHECK_*` settings.
    pub env: Vec<(String, String)>,
}

/// The progress line: tests done out of the total, and executions per second.
struct Progress {
    total: usize,
    done: usize,
    executions: u64,
    started: Instant,
    terminal: bool,
    quiet: bool,
    drawn: bool,
}

impl Progress {
    fn rate(&self) -> f64 {
        let seconds = self.started.elapsed().as_secs_f64();
        if seconds > 0.0 {
            self.executions as f64 / seconds
        } else {
            0.0
        }
    }

    /// Redraws the line on a terminal.
    fn tick(&mut self) {
        if self.quiet || !self.terminal {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[2Kconc-check: {}/{} tests done · {} executions · {} executions/s",
            self.done,
            self.total,
            thousands(self.executions),
            thousands(self.rate().round() as u64)
        );
        let _ = err.flush();
        self.drawn = true;
    }

    /// A test ended: redraw on a terminal, one line per test elsewhere (CI logs).
    fn finished(&mut self, outcome: &TestOutcome) {
        self.done += 1;
        if self.quiet {
            return;
        }
        if self.terminal {
            self.tick();
        } else {
            let name = outcome.display_name();
            let word = if outcome.findings.is_empty() {
                match outcome.status {
                    Status::Passed => "ok".to_string(),
                    Status::Failed => "FAILED".to_string(),
                    Status::Ignored => "ignored".to_string(),
                    Status::DidNotFinish => "did not finish".to_string(),
                }
            } else {
                let kinds: Vec<&str> = outcome
                    .findings
                    .iter()
                    .map(|f| outcome.finding(f).kind.name())
                    .collect();
                format!("FINDINGS ({})", kinds.join(", "))
            };
            eprintln!(
                "conc-check: [{}/{}] {name} ... {word} ({} executions so far, {} executions/s)",
                self.done,
                self.total,
                thousands(self.executions),
                thousands(self.rate().round() as u64)
            );
        }
    }

    fn clear(&mut self) {
        if self.drawn {
            eprint!("\r\x1b[2K");
            let _ = std::io::stderr().flush();
            self.drawn = false;
        }
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Runs every job in turn and returns one outcome per test, with the seconds they took.
pub fn run_jobs(ws: &Workspace, jobs: &[Job<'_>], quiet: bool) -> (Vec<TestOutcome>, f64) {
    let total = jobs.iter().map(|j| j.tests.len()).sum();
    let mut progress = Progress {
        total,
        done: 0,
        executions: 0,
        started: Instant::now(),
        terminal: std::io::stderr().is_terminal(),
        quiet,
        drawn: false,
    };
    let reports_root = ws
        .target_dir
        .join("reports")
        .join(format!("run-{}", std::process::id()));
    let mut outcomes = Vec::new();
    for (n, job) in jobs.iter().enumerate() {
        let dir = reports_root.join(n.to_string());
        outcomes.extend(run_job(ws, job, &dir, &mut progress));
    }
    progress.clear();
    let _ = std::fs::remove_dir_all(&reports_root);
    (outcomes, progress.started.elapsed().as_secs_f64())
}

/// The report files of one job, read as they appear.
struct ReportInbox {
    dir: PathBuf,
    seen: HashSet<PathBuf>,
}

impl ReportInbox {
    /// Reads the files that appeared since the last call: `(test name, report or error)`.
    fn poll(&mut self) -> Vec<(Option<String>, Result<Report, String>)> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut fresh: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or(".");
                !name.starts_with('.') && name.ends_with(".json")
            })
            .filter(|p| !self.seen.contains(p))
            .collect();
        fresh.sort();
        fresh
            .into_iter()
            .map(|path| {
                self.seen.insert(path.clone());
                read_report_file(&path)
            })
            .collect()
    }
}

/// One report file: the test that wrote it and the report.
fn read_report_file(path: &Path) -> (Option<String>, Result<Report, String>) {
    let fail = |e: String| format!("could not read the report {}: {e}", path.display());
    let value: Value = match std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => return (None, Err(fail(e))),
    };
    let test = value["test"].as_str().map(str::to_string);
    let report = serde_json::from_value::<Report>(value["report"].clone()).map_err(|e| {
        fail(format!(
            "{e} (was the test built with another version of conc-check?)"
        ))
    });
    (test, report)
}

fn run_job(ws: &Workspace, job: &Job<'_>, dir: &Path, progress: &mut Progress) -> Vec<TestOutcome> {
    let binary = job.binary;
    let label = binary.label();
    let mut outcomes: Vec<TestOutcome> = job
        .tests
        .iter()
        .map(|t| TestOutcome::new(&binary.package, &label, t, job.seed))
        .collect();
    let _ = std::fs::remove_dir_all(dir);
    if let Err(e) = std::fs::create_dir_all(dir) {
        for o in &mut outcomes {
            o.problems
                .push(format!("cannot create {}: {e}", dir.display()));
        }
        return outcomes;
    }
    let mut inbox = ReportInbox {
        dir: dir.to_path_buf(),
        seen: HashSet::new(),
    };
    let mut cmd = Command::new(&binary.path);
    cmd.current_dir(&binary.manifest_dir)
        .envs(test_environment(ws, binary))
        .envs(job.env.iter().cloned())
        .env("CONC_CHECK_REPORT_DIR", dir)
        .args(&job.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            for o in &mut outcomes {
                o.output = format!("could not run {}: {e}", binary.path.display());
            }
            return outcomes;
        }
    };
    let (tx, rx) = mpsc::channel::<String>();
    let stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        if let Some(stdout) = stdout {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        }
    });
    let mut stderr_pipe = child.stderr.take();
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(pipe) = stderr_pipe.as_mut() {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    });
    let mut stdout_text = String::new();
    let add = |outcomes: &mut Vec<TestOutcome>,
               progress: &mut Progress,
               polled: Vec<(Option<String>, Result<Report, String>)>| {
        for (test, report) in polled {
            let at = owner(outcomes, test.as_deref(), binary, &label, job.seed);
            match report {
                Ok(report) => {
                    progress.executions += report.executions;
                    outcomes[at].add_report(report, &ws.root);
                }
                Err(problem) => outcomes[at].problems.push(problem),
            }
        }
    };
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                if let Some((name, status)) = parse_result(&line) {
                    add(&mut outcomes, progress, inbox.poll());
                    let at = owner(&mut outcomes, Some(&name), binary, &label, job.seed);
                    outcomes[at].status = status;
                    progress.finished(&outcomes[at]);
                }
                stdout_text.push_str(&line);
                stdout_text.push('\n');
            }
            Err(RecvTimeoutError::Timeout) => {
                add(&mut outcomes, progress, inbox.poll());
                progress.tick();
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    let _ = reader.join();
    let status = child.wait();
    let stderr_text = stderr_reader.join().unwrap_or_default();
    add(&mut outcomes, progress, inbox.poll());
    let failures = failure_output(&stdout_text);
    for o in &mut outcomes {
        match o.status {
            Status::Failed => {
                o.output = failures.get(&o.name).cloned().unwrap_or_default();
            }
            Status::DidNotFinish => {
                let how = match &status {
                    Ok(s) => format!("the test binary {} ended ({s}) before this test did", label),
                    Err(e) => format!("the test binary {label} could not be waited for: {e}"),
                };
                o.output = format!("{how}\n{}", stderr_text.trim_end());
                progress.finished(o);
            }
            Status::Passed | Status::Ignored => {}
        }
    }
    outcomes
}

/// The outcome a report or result line belongs to, added when the test was not expected (a
/// report from a thread the test spawned, or a test that libtest ran besides the listed ones).
fn owner(
    outcomes: &mut Vec<TestOutcome>,
    test: Option<&str>,
    binary: &TestBinary,
    label: &str,
    seed: Option<u64>,
) -> usize {
    if let Some(at) = test.and_then(|t| outcomes.iter().position(|o| o.name == t)) {
        return at;
    }
    if test.is_none() && outcomes.len() == 1 {
        return 0;
    }
    let name = test.unwrap_or("<a thread without a test name>");
    let mut outcome = TestOutcome::new(&binary.package, label, name, seed);
    outcome.status = Status::Passed;
    outcomes.push(outcome);
    outcomes.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
