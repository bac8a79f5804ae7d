//! The conc-check engine: it runs a test many times under controlled interleavings, feeds every
//! operation to the detectors as an event, and gathers what they find into a
//! [`report::Report`].
//!
//! Users do not call this crate directly; the `conc-check` crate wraps it in std-shaped types.
//! The public surface is what the shim and the CLI need, and nothing else:
//!
//! - [`primitive`]: the instrumented primitives the shim re-exports under a checking build;
//! - [`facade`]: what the loom facade needs beyond them;
//! - [`session`]: exploring and replaying one test, and rendering its report;
//! - [`report`] and [`schedule`]: the report's types and renderers, and schedule strings;
//! - [`config`]: settings, and [`DEADLOCK_EXIT_CODE`] for real mode.
//!
//! Everything else (runtime, detectors, strategies, real mode's machinery) is private to the
//! crate, so it can change without breaking anyone.

pub use conc_check_core::config;
mod clock;
mod describe;
pub(crate) mod detector;
pub(crate) mod event;
pub mod facade;
mod fast_hash;
mod happens_before;
mod holdings;
mod memory;
pub mod primitive;
pub(crate) mod real;
pub mod report;
pub(crate) mod runtime;
pub mod schedule;
pub mod session;
mod source_names;
pub(crate) mod strategy;

pub use config::{Config, ConfigError, StrategyKind};
pub use real::DEADLOCK_EXIT_CODE;
pub use report::{Finding, FindingKind, Report};
