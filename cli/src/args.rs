//! Command-line options, in cargo's conventions.

use clap::{Parser, ValueEnum};

/// The exploration strategies the tests can be told to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StrategyArg {
    /// Bounded DFS, then random and PCT (the default).
    Portfolio,
    /// Depth-first search within the preemption bound.
    Dfs,
    /// Random walks.
    Random,
    /// Probabilistic concurrency testing (see --depth).
    Pct,
}

/// `cargo conc-check [OPTIONS] [FILTER] [-- TEST-ARGS]`
#[derive(Debug, Parser)]
#[command(
    name = "cargo conc-check",
    bin_name = "cargo conc-check",
    version,
    about = "Model-check the tests that use conc_check::sync and conc_check::thread",
    after_help = "Exit status: 0 when every test is clean, 1 when conc-check found something (or a test failed), 2 on a usage or build error."
)]
pub struct Options {
    /// Run only the tests whose name contains this string.
    pub filter: Option<String>,
    /// Package(s) to check.
    #[arg(short = 'p', long = "package", value_name = "SPEC")]
    pub packages: Vec<String>,
    /// Check every package in the workspace.
    #[arg(long)]
    pub workspace: bool,
    /// Space or comma separated features to activate.
    #[arg(short = 'F', long, value_name = "FEATURES")]
    pub features: Vec<String>,
    /// Build in release mode (faster exploration).
    #[arg(long)]
    pub release: bool,
    /// Exploration strategy.
    #[arg(long, value_enum)]
    pub strategy: Option<StrategyArg>,
    /// Bug depth for PCT.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub depth: Option<u32>,
    /// Most executions per test.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub iterations: Option<u64>,
    /// Most time per test, e.g. 20s, 500ms, 2m.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub time_budget: Option<String>,
    /// Seed of the random strategies.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Most preemptions per execution for DFS, or `none`.
    #[arg(long, value_name = "N|none", value_parser = parse_bound)]
    pub max_preemptions: Option<String>,
    /// Arguments passed on to the test binaries.
    #[arg(last = true)]
    pub test_args: Vec<String>,
}

fn parse_duration(value: &str) -> Result<String, String> {
    conc_check_duration(value).map(|_| value.to_string())
}

fn parse_bound(value: &str) -> Result<String, String> {
    if value == "none" || value.parse::<usize>().is_ok() {
        Ok(value.to_string())
    } else {
        Err("expected an unsigned integer or `none`".into())
    }
}

/// Accepts what the tests' `CONC_CHECK_TIME_BUDGET` accepts.
fn conc_check_duration(value: &str) -> Result<f64, String> {
    let v = value.trim();
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (number, unit) = v.split_at(split);
    let n: f64 = number
        .parse()
        .map_err(|_| "expected a duration such as 20s, 500ms or 2m".to_string())?;
    match unit {
        "" | "s" => Ok(n),
        "ms" => Ok(n / 1000.0),
        "m" => Ok(n * 60.0),
        _ => Err("expected a duration such as 20s, 500ms or 2m".into()),
    }
}

/// Parses the command line (without the program name handling cargo adds).
pub fn parse(argv: &[String]) -> Result<Options, clap::Error> {
    Options::try_parse_from(argv)
}
