//! The environment variables real mode reads, once per process.

use std::sync::OnceLock;
use std::time::Duration;

/// Real-mode settings, from `CONC_CHECK_*` environment variables.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `CONC_CHECK_WATCHDOG_SECS` (default 10): how long every thread that used conc-check may
    /// stay blocked in shim primitives, with none making progress, before the watchdog reports
    /// the hang. A wait-for cycle among locks and joins is reported sooner, as soon as it is
    /// seen twice.
    pub stall: Duration,
    /// `CONC_CHECK_WATCHDOG=off` turns the watchdog off.
    pub watchdog: bool,
    /// `CONC_CHECK_STARVATION_BYPASSES` (default 1000): a waiter bypassed by more acquisitions
    /// of the lock than this, while it waited at least `starvation_wait`, is reported as
    /// `starvation`.
    pub starvation_bypasses: u64,
    /// `CONC_CHECK_STARVATION_MS` (default 1000): the shortest wait that can be starvation (a
    /// fast lock is taken thousands of times in a millisecond, and a loaded machine makes
    /// waits of tens of milliseconds common; that alone starves nobody).
    pub starvation_wait: Duration,
    /// `CONC_CHECK_REPORT_DIR`: where the JSON report goes.
    pub report_dir: Option<std::path::PathBuf>,
    /// `CONC_CHECK_REAL_SUMMARY=brief` (what `cargo conc-check run` sets): one line per finding
    /// on stderr at exit, since the command renders them itself; otherwise each is rendered.
    pub brief: bool,
}

impl Settings {
    /// The settings of this process (read on first use).
    pub fn get() -> &'static Settings {
        static SETTINGS: OnceLock<Settings> = OnceLock::new();
        SETTINGS.get_or_init(Settings::from_env)
    }

    fn from_env() -> Settings {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let stall = var("CONC_CHECK_WATCHDOG_SECS")
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s > 0.0)
            .map_or(Duration::from_secs(10), Duration::from_secs_f64);
        Settings {
            stall,
            watchdog: !matches!(
                var("CONC_CHECK_WATCHDOG").as_deref().map(str::trim),
                Some("off" | "0" | "false" | "no")
            ),
            starvation_bypasses: var("CONC_CHECK_STARVATION_BYPASSES")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(1000),
            starvation_wait: var("CONC_CHECK_STARVATION_MS")
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map_or(Duration::from_millis(1000), |ms| {
                    Duration::from_secs_f64(ms / 1000.0)
                }),
            report_dir: std::env::var_os("CONC_CHECK_REPORT_DIR")
                .filter(|d| !d.is_empty())
                .map(Into::into),
            brief: var("CONC_CHECK_REAL_SUMMARY").as_deref() == Some("brief"),
        }
    }
}
