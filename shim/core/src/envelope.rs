//! The one file format both modes write into `CONC_CHECK_REPORT_DIR` and the CLI reads: a
//! typed envelope around a [`Report`], versioned by [`SCHEMA_VERSION`].

use serde::{Deserialize, Serialize};

use crate::report::Report;

/// The version of the report files, of `cargo conc-check --format json` and of baselines.
/// Version 2 gave findings their structure (site roles, objects) and fingerprints from it.
pub const SCHEMA_VERSION: u32 = 2;

/// The `format` field of a report file.
pub const FORMAT: &str = "conc-check-report";

/// Which runtime wrote a report.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// A model exploration (`model`, `Builder::explore`, `#[conc_check::test]`).
    Model,
    /// A run on real threads.
    Real,
}

/// How a real-mode run ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RealOutcome {
    /// The program ended by itself.
    Exit,
    /// The watchdog ended it.
    Deadlock,
}

/// The contention figures of one lock, from a real-mode run.
#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
pub struct LockFigures {
    /// E.g. ``Mutex `counter` (created at src/main.rs:12)``.
    pub lock: String,
    /// Times it was acquired.
    pub acquisitions: u64,
    /// Acquisitions that had to wait.
    pub contended: u64,
    /// The longest wait, in milliseconds.
    pub longest_wait_ms: f64,
    /// The most acquisitions by other threads while one thread waited.
    pub most_bypassed: u64,
}

/// What only a real-mode run has.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RealRun {
    /// How it ended.
    pub outcome: RealOutcome,
    /// Contention figures of every lock that was ever contended, most contended first.
    pub locks: Vec<LockFigures>,
}

/// One report file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReportFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`SCHEMA_VERSION`] of the writer.
    pub schema_version: u32,
    /// Which runtime wrote it.
    pub mode: Mode,
    /// The test that ran the exploration, as libtest names it (model mode).
    pub test: Option<String>,
    /// The executable that wrote it.
    pub program: Option<String>,
    /// Its process id.
    pub pid: u32,
    /// What was found.
    pub report: Report,
    /// Real mode's ending and contention figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub real: Option<RealRun>,
}

impl ReportFile {
    /// The envelope of `report`, written now by this process.
    pub fn new(mode: Mode, test: Option<String>, report: Report) -> Self {
        ReportFile {
            format: FORMAT.to_string(),
            schema_version: SCHEMA_VERSION,
            mode,
            test,
            program: std::env::current_exe()
                .ok()
                .map(|p| p.display().to_string()),
            pid: std::process::id(),
            report,
            real: None,
        }
    }

    /// Checks that a file read back is one this version understands.
    ///
    /// # Errors
    /// A sentence saying what was found instead.
    pub fn check(&self) -> Result<(), String> {
        if self.format != FORMAT {
            return Err(format!(
                "not a conc-check report (format {:?})",
                self.format
            ));
        }
        if self.schema_version != SCHEMA_VERSION {
            return Err(format!(
                "written by another version of conc-check (schema {}, this one reads {SCHEMA_VERSION}): rebuild the tests with this version",
                self.schema_version
            ));
        }
        Ok(())
    }
}
