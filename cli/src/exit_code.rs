//! The exit codes of `cargo conc-check` (the README's table).

/// Nothing fails the gate.
pub const CLEAN: u8 = 0;
/// Findings, or a test that failed.
pub const FINDINGS: u8 = 1;
/// A usage or build error, or nothing to run.
pub const USAGE: u8 = 2;
/// Nothing was found, but some test checked nothing (no execution ran, or a replay reached no
/// model): not green.
pub const UNCHECKED: u8 = 3;
