//! loom and shuttle report a bug by panicking, print to stderr whatever the panic hook says, and
//! loom can abort the process on a double panic while unwinding a failed model. So each of
//! their bug-hunting runs happens in a child process (this same binary, told what to run by the
//! `COMPARE_CHILD` variable), with stderr discarded and a quiet panic hook that prints the
//! executions and time of the first panic to stdout before anything can abort. When the run then
//! unwinds normally, a second line gives the time at which the tool returned, which is what the
//! conc-check runs measure (wall-clock around `explore`); the parent keeps the last line.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::runners::{self, payload_message, Caps, End, Mode, Run, EXECUTIONS};
use crate::{async_twins, clean_twins, twins};

/// The variable that turns this binary into a child running one case.
const VAR: &str = "COMPARE_CHILD";

/// One bug-hunting run of loom or shuttle.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Case<'a> {
    /// `loom` or `shuttle`.
    pub tool: &'a str,
    /// The strategy (loom: DFS only).
    pub mode: Mode,
    /// The corpus program's name.
    pub program: &'a str,
    /// The seed of random strategies.
    pub seed: u64,
    /// The caps.
    pub caps: Caps,
    /// loom's preemption bound (`None`: unbounded; shuttle ignores it).
    pub bound: Option<usize>,
}

impl Case<'_> {
    /// The case as the value of `COMPARE_CHILD`: its fields separated by spaces.
    fn encode(&self) -> String {
        format!(
            "{} {} {} {} {} {} {}",
            self.tool,
            self.mode.name(),
            self.program,
            self.seed,
            self.caps.executions,
            self.caps.time.as_secs_f64(),
            self.bound.map_or("none".to_string(), |b| b.to_string())
        )
    }
}

/// Whether `tool` has a twin of `program`.
pub(crate) fn expressible(tool: &str, program: &str) -> bool {
    body(tool, program).is_some()
}

/// `tool`'s twin of `program`: of a buggy program (`twins`) or of a clean one (`clean_twins`,
/// which leaves out what the tool cannot express).
fn body(tool: &str, program: &str) -> Option<fn()> {
    let buggy = match tool {
        "loom" => twins::loom::twin(program),
        "shuttle" => twins::shuttle::twin(program).or_else(|| async_twins::shuttle::twin(program)),
        _ => None,
    };
    buggy.or_else(|| clean_twins::twin(tool, program).ok())
}

/// Runs `case` in a child process and reads its result.
pub(crate) fn run(case: &Case<'_>) -> Run {
    let exe = std::env::current_exe().expect("the path of this benchmark binary");
    let out = Command::new(exe)
        .env(VAR, case.encode())
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    let out = match out {
        Ok(out) => out,
        Err(e) => return crashed(format!("could not start: {e}")),
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let Some(line) = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("RESULT "))
        .next_back()
    else {
        return crashed(format!("no result ({})", out.status));
    };
    let mut parts = line.splitn(4, ' ');
    let (Some(end), Some(execs), Some(secs)) = (parts.next(), parts.next(), parts.next()) else {
        return crashed(format!("bad result line: {line}"));
    };
    let message = parts.next().unwrap_or("").to_string();
    let end = match end {
        "found" => End::Found(message),
        "complete" => End::Complete,
        "capped" => End::Capped,
        other => return crashed(format!("bad result kind: {other}")),
    };
    Run {
        executions: execs.parse().unwrap_or(0),
        seconds: secs.parse().unwrap_or(f64::NAN),
        aborted: matches!(end, End::Found(_)) && !out.status.success(),
        end,
    }
}

fn crashed(why: String) -> Run {
    Run {
        executions: 0,
        seconds: f64::NAN,
        end: End::Crashed(why),
        aborted: true,
    }
}

static STARTED: OnceLock<Instant> = OnceLock::new();
static REPORTED: AtomicBool = AtomicBool::new(false);
static MESSAGE: OnceLock<String> = OnceLock::new();

/// Warms up the tool on a correct test (allocator, code, shuttle's one-time set-up), so the
/// measured run is not the first one in the process, as conc-check's runs are not in the parent.
fn warm_up(tool: &str) {
    let caps = Caps {
        executions: 100,
        time: Duration::from_secs(1),
    };
    match tool {
        "loom" => drop(runners::loom_dfs(twins::loom::atomic_pair, caps)),
        _ => drop(runners::shuttle(
            twins::shuttle::atomic_pair,
            Mode::Random,
            0,
            caps,
        )),
    }
}

/// If this process is a child, runs its case, prints the result and exits.
pub(crate) fn serve_if_child() {
    let Ok(spec) = std::env::var(VAR) else {
        return;
    };
    let fields: Vec<&str> = spec.split(' ').collect();
    let [tool, mode, program, seed, execs, secs, bound] = fields[..] else {
        panic!("bad {VAR}: {spec}");
    };
    let bound: Option<usize> = match bound {
        "none" => None,
        b => Some(b.parse().expect("a preemption bound")),
    };
    let mode = Mode::parse(mode).expect("a mode");
    let caps = Caps {
        executions: execs.parse().expect("an execution cap"),
        time: Duration::from_secs_f64(secs.parse().expect("a time cap")),
    };
    let seed: u64 = seed.parse().expect("a seed");
    let body = body(tool, program).expect("a twin of the program");
    warm_up(tool);

    std::panic::set_hook(Box::new(|info| {
        // loom's coroutines (the `generator` crate) unwind cancelled coroutines with a panic
        // whose payload is not a string; bug reports and assertions always have string payloads.
        let p = info.payload();
        if !(p.is::<&str>() || p.is::<String>()) || REPORTED.swap(true, Ordering::SeqCst) {
            return;
        }
        let seconds = STARTED
            .get()
            .map_or(f64::NAN, |s| s.elapsed().as_secs_f64());
        let message = payload_message(info.payload());
        let message: String = message
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(100)
            .collect();
        let executions = EXECUTIONS.load(Ordering::SeqCst);
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "RESULT found {executions} {seconds} {message}");
        let _ = out.flush();
        let _ = MESSAGE.set(message);
    }));

    STARTED.get_or_init(Instant::now);
    let result = runners::catching(|| match tool {
        "loom" => runners::loom_bounded(body, bound, caps),
        _ => runners::shuttle(body, mode, seed, caps),
    });
    let seconds = STARTED
        .get()
        .map_or(f64::NAN, |s| s.elapsed().as_secs_f64());
    match result {
        Ok(run) => {
            let end = if run.end == End::Complete {
                "complete"
            } else {
                "capped"
            };
            println!("RESULT {end} {} {}", run.executions, run.seconds);
        }
        Err(_) => println!(
            "RESULT found {} {seconds} {}",
            EXECUTIONS.load(Ordering::SeqCst),
            MESSAGE.get().map_or("", String::as_str)
        ),
    }
    let _ = std::io::stdout().flush();
    std::process::exit(0);
}
