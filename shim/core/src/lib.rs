//! What every build of conc-check shares, with the engine or without it: the settings and
//! their `CONC_CHECK_*` variables ([`config`]), the report's shape ([`report`]), the report
//! files both modes write and the CLI reads ([`envelope`]), the findings' fingerprints
//! ([`fingerprint`]), and why a schedule could not be used ([`ScheduleError`]).
//!
//! A crate that depends on `conc-check` compiles this (and serde) in its normal build; the
//! engine, with its coroutines, graphs and renderer, only under `--cfg conc_check` or the
//! `model` feature.

pub mod config;
pub mod envelope;
pub mod fingerprint;
pub mod parts;
pub mod report;
pub mod schedule_error;

pub use config::{Config, ConfigError, StrategyKind};
pub use report::{
    Coverage, Finding, FindingKind, ObjectRef, Report, SiteRole, SourceRef, SpaceEstimate,
    TraceStep,
};
pub use schedule_error::ScheduleError;

/// A source location in the user's code, captured with `#[track_caller]`.
pub type Site = &'static std::panic::Location<'static>;

/// How long after its time budget an exploration may take to end, at most, whatever the test
/// does: a model thread stuck outside conc-check is stopped within this grace period.
pub const GRACE: std::time::Duration = std::time::Duration::from_secs(4);
