//! Where reports go for `cargo conc-check` to collect: one JSON file per exploration in the
//! directory `CONC_CHECK_REPORT_DIR` names.
//!
//! Both the normal end of an exploration and the emergency exit of a process that must end (a
//! panic while unwinding, which std would turn into an abort) write here, so that a finding is
//! never only on a captured standard error.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Report;
use conc_check_core::envelope::{Mode, ReportFile};

/// The variable naming the directory.
pub const REPORT_DIR_VAR: &str = "CONC_CHECK_REPORT_DIR";

/// Writes `report` of test `test` into `CONC_CHECK_REPORT_DIR`, when it is set. A failure is
/// printed, not returned: losing the file must not fail the test a second way.
pub fn write_if_asked(report: &Report, test: Option<&str>) {
    let Some(dir) = std::env::var_os(REPORT_DIR_VAR).filter(|d| !d.is_empty()) else {
        return;
    };
    let dir = Path::new(&dir);
    if let Err(e) = write(dir, report, test) {
        eprintln!(
            "conc-check: could not write the report to {REPORT_DIR_VAR}={}: {e}",
            dir.display()
        );
    }
}

/// Writes `report` into `dir` as `<test>-<pid>-<n>.json`: the test name (libtest names a test's
/// thread after it), the executable, and the report. The file is written under a temporary name
/// and renamed, so a reader never sees half a report.
fn write(dir: &Path, report: &Report, test: Option<&str>) -> std::io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let test = test.filter(|n| *n != "main");
    let file = ReportFile::new(Mode::Model, test.map(str::to_string), report.clone());
    let text = serde_json::to_string(&file).map_err(std::io::Error::other)?;
    let stem: String = test
        .unwrap_or("unnamed")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = format!("{stem}-{}-{n}.json", std::process::id());
    std::fs::create_dir_all(dir)?;
    let temporary = dir.join(format!(".{name}.tmp"));
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, dir.join(name))
}

/// The name of the test running on this thread, as libtest set it (`None` on the main thread).
pub fn current_test() -> Option<String> {
    std::thread::current()
        .name()
        .filter(|n| *n != "main")
        .map(str::to_string)
}
