//! The conc-check engine: it runs a test many times under controlled interleavings, feeds every
//! operation to the detectors as an [`event::Event`], and gathers what they find into a
//! [`report::Report`].
//!
//! Users do not call this crate directly; the `conc-check` crate wraps it in std-shaped types.
//! The shim talks to the engine through [`runtime::api`].

pub use conc_check_core::config;
mod describe;
pub mod detector;
pub mod event;
pub mod primitive;
pub mod real;
pub mod report;
pub mod runtime;
pub mod schedule;
pub mod session;
mod source_names;
pub mod strategy;

pub use config::{Config, ConfigError, StrategyKind};
pub use report::{Finding, FindingKind, Report};
