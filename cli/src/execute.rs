//! Running the test binaries: one job per binary (and seed), a progress line while they run, and
//! the reports the explorations write into `CONC_CHECK_REPORT_DIR` collected as they appear.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use conc_check_core::envelope::ReportFile;
use conc_check_engine::report::Report;

use crate::cargo::{test_environment, TestBinary, Workspace};
use crate::libtest::{failure_output, parse_result, parse_started, Status};
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
    /// The libtest options among the arguments (no filters), for running tests again by name.
    pub options: Vec<String>,
    /// No messages on standard error.
    pub quiet: bool,
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
                outcome.verdict().word().to_string()
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

pub use conc_check_engine::report::thousands;

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
        .own_dir
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
    let file: ReportFile = match std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(file) => file,
        Err(e) => {
            return (
                None,
                Err(fail(format!(
                    "{e} (was the test built with another version of conc-check?)"
                ))),
            )
        }
    };
    match file.check() {
        Ok(()) => (file.test, Ok(file.report)),
        Err(why) => (file.test, Err(fail(why))),
    }
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
    // The first run runs everything as asked. When the binary dies before every test ended, the
    // tests that did not end run again one at a time, so that a crash costs only its own test.
    let mut args = job.args.clone();
    let mut serial = false;
    // Tests that took a binary down, already reported as such.
    let mut crashed: Vec<usize> = Vec::new();
    loop {
        let end = run_binary(ws, job, &args, &mut inbox, &mut outcomes, progress);
        let unfinished: Vec<usize> = (0..outcomes.len())
            .filter(|&i| outcomes[i].status == Status::DidNotFinish && !crashed.contains(&i))
            .filter(|&i| job.tests.contains(&outcomes[i].name))
            .collect();
        if end.completed || unfinished.is_empty() {
            finish_unfinished(&mut outcomes, &unfinished, &end, &label, progress);
            break;
        }
        // Which test took the binary down: the one libtest started last without a result
        // (it names a test as it starts when it runs one at a time), or the only one left.
        let culprit = end
            .started
            .as_ref()
            .and_then(|name| {
                unfinished
                    .iter()
                    .copied()
                    .find(|&i| outcomes[i].name == *name)
            })
            .or_else(|| (unfinished.len() == 1).then(|| unfinished[0]));
        let rest: Vec<usize> = unfinished
            .iter()
            .copied()
            .filter(|i| Some(*i) != culprit)
            .collect();
        match culprit {
            Some(i) => {
                finish_unfinished(&mut outcomes, &[i], &end, &label, progress);
                crashed.push(i);
            }
            None if serial => {
                // Died before starting any test: nothing more can be learnt by running again.
                finish_unfinished(&mut outcomes, &unfinished, &end, &label, progress);
                break;
            }
            None => {}
        }
        if rest.is_empty() {
            break;
        }
        if !serial && !job.quiet {
            eprintln!(
                "conc-check: the test binary {label} died ({}) before {} of its tests ended; running {} again one at a time",
                end.how(),
                unfinished.len(),
                if rest.len() == 1 { "it" } else { "them" },
            );
        }
        serial = true;
        // They run from scratch: what they reported before the crash is replaced.
        for &i in &rest {
            let o = &mut outcomes[i];
            *o = TestOutcome::new(&o.package, &o.binary, &o.name, o.seed);
        }
        args = vec!["--exact".to_string(), "--test-threads=1".to_string()];
        args.extend(rest.iter().map(|&i| outcomes[i].name.clone()));
        args.extend(
            job.options
                .iter()
                .filter(|o| !o.starts_with("--test-threads") && *o != "--exact")
                .cloned(),
        );
    }
    outcomes
}

/// How one run of a test binary ended.
struct RunEnd {
    /// Its exit status (or why it could not be waited for).
    status: Result<std::process::ExitStatus, String>,
    /// What it printed on standard error.
    stderr: String,
    /// libtest printed its closing `test result:` line: it ran everything it was asked to.
    completed: bool,
    /// The test libtest last started (when it runs one at a time) without printing its result.
    started: Option<String>,
}

impl RunEnd {
    /// "killed by SIGSEGV", "exit status 101"
    fn how(&self) -> String {
        match &self.status {
            Ok(status) => describe_status(status),
            Err(e) => format!("could not be waited for: {e}"),
        }
    }
}

/// An exit status in words, naming the signal that killed the process.
fn describe_status(status: &std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(signal)) => format!("killed by {}", signal_name(signal)),
        (None, None) => status.to_string(),
    }
}

fn signal_name(signal: i32) -> String {
    let name = match signal {
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        15 => "SIGTERM",
        _ => return format!("signal {signal}"),
    };
    format!("{name} (signal {signal})")
}

/// Marks the outcomes at `which` as ended with the binary, with what it printed.
fn finish_unfinished(
    outcomes: &mut [TestOutcome],
    which: &[usize],
    end: &RunEnd,
    label: &str,
    progress: &mut Progress,
) {
    for &i in which {
        let o = &mut outcomes[i];
        if o.status != Status::DidNotFinish {
            continue;
        }
        o.output = format!(
            "the test binary {label} died ({}) while this test was running\n{}",
            end.how(),
            end.stderr.trim_end()
        );
        progress.finished(o);
    }
}

/// Runs the binary once with `args`, collecting result lines and reports into `outcomes`.
fn run_binary(
    ws: &Workspace,
    job: &Job<'_>,
    args: &[String],
    inbox: &mut ReportInbox,
    outcomes: &mut Vec<TestOutcome>,
    progress: &mut Progress,
) -> RunEnd {
    let binary = job.binary;
    let label = binary.label();
    let mut cmd = Command::new(&binary.path);
    cmd.current_dir(&binary.manifest_dir)
        .envs(test_environment(ws, binary))
        .envs(job.env.iter().cloned())
        .env("CONC_CHECK_REPORT_DIR", &inbox.dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            return RunEnd {
                status: Err(format!("could not run {}: {e}", binary.path.display())),
                stderr: String::new(),
                completed: false,
                started: None,
            }
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
    let mut completed = false;
    let mut started = None;
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
                    add(outcomes, progress, inbox.poll());
                    let at = owner(outcomes, Some(&name), binary, &label, job.seed);
                    outcomes[at].status = status;
                    progress.finished(&outcomes[at]);
                    started = None;
                } else if let Some(name) = parse_started(&line) {
                    started = Some(name);
                } else if line.starts_with("test result: ") {
                    completed = true;
                }
                stdout_text.push_str(&line);
                stdout_text.push('\n');
            }
            Err(RecvTimeoutError::Timeout) => {
                add(outcomes, progress, inbox.poll());
                progress.tick();
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    let _ = reader.join();
    let status = child.wait().map_err(|e| e.to_string());
    let stderr = stderr_reader.join().unwrap_or_default();
    add(outcomes, progress, inbox.poll());
    let failures = failure_output(&stdout_text);
    for o in outcomes.iter_mut() {
        if o.status == Status::Failed && o.output.is_empty() {
            o.output = failures.get(&o.name).cloned().unwrap_or_default();
        }
    }
    RunEnd {
        status,
        stderr,
        completed,
        started,
    }
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
