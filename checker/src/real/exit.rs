//! The end of a real-mode run: the findings summarised on stderr and written as JSON into
//! `CONC_CHECK_REPORT_DIR`, at normal exit (an `atexit` hook) or when the watchdog ends a hung
//! process.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub use conc_check_core::envelope::LockFigures;
use conc_check_core::envelope::{Mode, RealOutcome, RealRun, ReportFile};

use super::backtraces::user_frames;
use super::central::{self, Found};
use super::records::LockInfo;
use super::settings::Settings;
use super::thread;
use crate::report::render::render_finding;
use crate::report::{Finding, Report};

/// The exit code of a process the watchdog ended because its threads deadlocked or hung.
///
/// Chosen to differ from 0, from 1 and 2 (the CLI's), from 101 (a Rust panic) and from the
/// 128+N of a signal.
pub const DEADLOCK_EXIT_CODE: i32 = 86;

/// The contention figures of `info` now.
fn figures_of(info: &LockInfo) -> LockFigures {
    LockFigures {
        lock: crate::describe::ObjectName::new(info.kind, info.created, None).long(),
        acquisitions: info.acquisitions.load(Ordering::Relaxed),
        contended: info.contended.load(Ordering::Relaxed),
        longest_wait_ms: info.longest_wait_ns.load(Ordering::Relaxed) as f64 / 1e6,
        most_bypassed: info.most_bypassed.load(Ordering::Relaxed),
    }
}

static DONE: AtomicBool = AtomicBool::new(false);

/// Registers the exit hook (once per process, on the first real-mode operation).
pub(crate) fn register() {
    extern "C" fn at_exit() {
        let _ = std::panic::catch_unwind(|| finish(RealOutcome::Exit, None));
    }
    // SAFETY: `at_exit` is a plain function that never unwinds out (it catches panics).
    unsafe {
        libc::atexit(at_exit);
    }
}

/// Reports `found` with everything else found so far and ends the process with
/// [`DEADLOCK_EXIT_CODE`].
pub(crate) fn deadlock(found: Found) -> ! {
    let _ = std::panic::catch_unwind(|| finish(RealOutcome::Deadlock, Some(found)));
    let _ = std::io::stderr().flush();
    // SAFETY: ends the process at once: the deadlocked threads hold locks that exit handlers
    // and stdio flushing could wait for forever.
    unsafe { libc::_exit(DEADLOCK_EXIT_CODE) }
}

/// Turns the stacks of a finding into notes, resolving them now.
fn with_stacks(found: Found) -> Finding {
    let mut finding = found.finding;
    for (what, stack) in &found.stacks {
        let frames = user_frames(stack);
        if frames.is_empty() {
            continue;
        }
        finding.notes.push(format!("stack of {what}:"));
        finding
            .notes
            .extend(frames.into_iter().map(|f| format!("    {f}")));
    }
    finding
}

fn finish(outcome: RealOutcome, extra: Option<Found>) {
    if DONE.swap(true, Ordering::SeqCst) || !thread::any() {
        return;
    }
    let taken = central::try_with(Duration::from_secs(2), |c| {
        (c.findings.clone(), c.contended.clone())
    });
    let (mut found, contended): (Vec<Found>, Vec<Arc<LockInfo>>) = taken.unwrap_or_default();
    found.extend(extra);
    let findings: Vec<Finding> = found.into_iter().map(with_stacks).collect();
    let mut locks: Vec<LockFigures> = contended.iter().map(|i| figures_of(i)).collect();
    locks.sort_by_key(|l| std::cmp::Reverse(l.contended));
    let report = Report {
        findings,
        executions: 1,
        strategy: "real threads".into(),
        ..Report::default()
    };
    let settings = Settings::get();
    let mut err = String::new();
    if settings.brief {
        for f in &report.findings {
            err.push_str(&format!("conc-check: {}: {}\n", f.kind, f.message));
        }
    } else {
        for f in &report.findings {
            err.push_str(&render_finding(f, &report));
            err.push('\n');
        }
    }
    if !locks.is_empty() {
        err.push_str(&figures_table(&locks));
    }
    if !report.findings.is_empty() || !locks.is_empty() || settings.brief {
        let kinds: Vec<&str> = report.findings.iter().map(|f| f.kind.name()).collect();
        let verdict = if kinds.is_empty() {
            "no findings".to_string()
        } else {
            format!("found {}", kinds.join(", "))
        };
        let how = if outcome == RealOutcome::Deadlock {
            format!(" · the watchdog ended the process (exit {DEADLOCK_EXIT_CODE})")
        } else {
            String::new()
        };
        err.push_str(&format!("conc-check (real threads): {verdict}{how}\n"));
    }
    let _ = std::io::stderr().write_all(err.as_bytes());
    if let Some(dir) = &settings.report_dir {
        if !report.findings.is_empty() || settings.brief {
            let mut file = ReportFile::new(Mode::Real, None, report);
            file.program = std::env::args().next().or(file.program);
            file.real = Some(RealRun { outcome, locks });
            if let Err(e) = write(dir, &file) {
                let _ = writeln!(
                    std::io::stderr(),
                    "conc-check: could not write the report to {}: {e}",
                    dir.display()
                );
            }
        }
    }
}

/// The contention figures as a table.
pub fn figures_table(locks: &[LockFigures]) -> String {
    let width = locks.iter().map(|l| l.lock.len()).max().unwrap_or(0).max(4);
    let mut out = String::from("conc-check: lock contention (real threads)\n");
    out.push_str(&format!(
        "  {:<width$}  {:>12} {:>10} {:>14} {:>13}\n",
        "lock", "acquisitions", "contended", "longest wait", "most bypassed"
    ));
    for l in locks {
        out.push_str(&format!(
            "  {:<width$}  {:>12} {:>10} {:>11.3} ms {:>13}\n",
            l.lock, l.acquisitions, l.contended, l.longest_wait_ms, l.most_bypassed
        ));
    }
    out
}

/// Writes `report` as `real-<pid>.json` (through a temporary name, so a reader never sees half
/// of it).
fn write(dir: &std::path::Path, report: &ReportFile) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let json = serde_json::to_string_pretty(report).map_err(std::io::Error::other)?;
    let name = format!("real-{}.json", report.pid);
    let temporary = dir.join(format!(".{name}.tmp"));
    std::fs::write(&temporary, json)?;
    std::fs::rename(&temporary, dir.join(name))
}
