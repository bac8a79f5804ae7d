//! Command-line options, in cargo's conventions.

use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::partition::Partition;

/// The exploration strategies the tests can be told to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StrategyArg {
    /// Bounded DFS in turns with race-directed steering and PCT (the default).
    Portfolio,
    /// Depth-first search within the preemption bound.
    Dfs,
    /// Random walks.
    Random,
    /// Race-directed steering: random walks derived from earlier executions by reversing races.
    Race,
    /// Probabilistic concurrency testing (see --depth).
    Pct,
}

impl StrategyArg {
    /// The name `CONC_CHECK_STRATEGY` accepts.
    pub fn name(self) -> &'static str {
        match self {
            StrategyArg::Portfolio => "portfolio",
            StrategyArg::Dfs => "dfs",
            StrategyArg::Random => "random",
            StrategyArg::Race => "race",
            StrategyArg::Pct => "pct",
        }
    }
}

/// The memory models the tests can be told to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MemoryModelArg {
    /// C++20's model: Relaxed, Acquire and Release show their weak outcomes (the default).
    Rc11,
    /// Every atomic access reads the latest store.
    Seqcst,
}

impl MemoryModelArg {
    /// The name `CONC_CHECK_MEMORY_MODEL` accepts.
    pub fn name(self) -> &'static str {
        match self {
            MemoryModelArg::Rc11 => "rc11",
            MemoryModelArg::Seqcst => "seqcst",
        }
    }
}

/// The report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Findings rendered with source snippets, then a summary table (the default).
    Human,
    /// Every test, report and finding, with fingerprints (also usable as a baseline).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// JUnit XML, one testcase per test.
    Junit,
}

/// `cargo conc-check [OPTIONS] [FILTER] [-- TEST-ARGS]`, or one of the subcommands.
#[derive(Debug, Parser)]
#[command(
    name = "cargo conc-check",
    bin_name = "cargo conc-check",
    version,
    about = "Model-check the tests that use conc_check::sync and conc_check::thread",
    after_help = "Exit status: 0 when every test is clean, 1 when conc-check found something \
                  (or a test failed or crashed), 2 on a usage or build error, or when no test \
                  matches, 3 when nothing was found but some test checked nothing (no execution \
                  ran, or a replay reached no model).\n\n\
                  Examples:\n  \
                  cargo conc-check -p my-crate\n  \
                  cargo conc-check --format sarif --output conc.sarif --format junit --output conc.xml\n  \
                  cargo conc-check --partition 2/4 --baseline conc-baseline.json\n  \
                  cargo conc-check replay cc4.AQACoI0GAwDyhb8lAA.8c3f4a6b --test lost_update"
)]
pub struct Cli {
    /// A subcommand; without one, the tests are model-checked.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The options of the default action.
    #[command(flatten)]
    pub check: CheckArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Replay one execution of one test from the schedule string its report printed.
    Replay(ReplayArgs),
    /// Run a program on real OS threads with the detectors watching, and gate on what they find.
    Run(RunArgs),
    /// Combine the `--format json` reports of the jobs that each ran one part of the same
    /// explorations (`--exploration-partition K/N`) into the report of the whole, and gate on it.
    Merge(MergeArgs),
}

/// Which packages to build, and how (cargo's own options). Global: they may come before or
/// after a subcommand.
#[derive(Debug, Args, Clone, Default)]
pub struct BuildArgs {
    /// Package(s) to check.
    #[arg(short = 'p', long = "package", value_name = "SPEC", global = true)]
    pub packages: Vec<String>,
    /// Check every package in the workspace.
    #[arg(long, global = true)]
    pub workspace: bool,
    /// Space or comma separated features to activate.
    #[arg(short = 'F', long, value_name = "FEATURES", global = true)]
    pub features: Vec<String>,
    /// Activate all available features.
    #[arg(long, global = true)]
    pub all_features: bool,
    /// Do not activate the `default` feature.
    #[arg(long, global = true)]
    pub no_default_features: bool,
    /// Build in release mode (faster exploration).
    #[arg(long, global = true)]
    pub release: bool,
    /// Path to Cargo.toml.
    #[arg(long, value_name = "PATH", global = true)]
    pub manifest_path: Option<PathBuf>,
    /// Number of parallel build jobs.
    #[arg(short = 'j', long, value_name = "N", global = true)]
    pub jobs: Option<u32>,
    /// No progress line and no cargo build output.
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,
    /// A cfg for every crate of the build, e.g. `loom` for tests behind `cfg(loom)`, as
    /// `RUSTFLAGS="--cfg loom"` would set it (the rustflags of your cargo configuration are
    /// kept); may be repeated.
    #[arg(long = "cfg", value_name = "NAME", global = true, value_parser = parse_cfg)]
    pub cfgs: Vec<String>,
}

/// Exploration settings, passed to the tests as `CONC_CHECK_*` variables.
#[derive(Debug, Args, Clone, Default)]
pub struct ExploreArgs {
    /// Exploration strategy.
    #[arg(long, value_enum)]
    pub strategy: Option<StrategyArg>,
    /// Bug depth for PCT.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub depth: Option<u32>,
    /// Most executions per test.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub iterations: Option<u64>,
    /// Most time per test, e.g. 20s, 500ms, 2m [default: 60s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub time_budget: Option<String>,
    /// How long a model thread may go without reaching a conc-check operation (a CPU loop, a
    /// std lock) before it is stopped and reported as a hang, or `off` [default: 5s].
    #[arg(long, value_name = "DURATION|off", value_parser = parse_timeout)]
    pub hang_timeout: Option<String>,
    /// Seed of the random strategies (the first seed, with --seeds).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Most preemptions per execution for DFS, or `none`.
    #[arg(long, value_name = "N|none", value_parser = parse_bound)]
    pub max_preemptions: Option<String>,
    /// What atomics may read [default: rc11].
    #[arg(long, value_enum)]
    pub memory_model: Option<MemoryModelArg>,
    /// Report the first interleaving found for a finding, without shrinking it to fewer
    /// preemptions.
    #[arg(long)]
    pub no_shrink: bool,
    /// Worker processes per exploration [default: the cores divided by the tests run at once].
    /// Tests then run that many times fewer at once (libtest's --test-threads), unless the
    /// test arguments say otherwise.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=conc_check_core::config::MAX_WORKERS as u64))]
    pub workers: Option<u64>,
    /// Run only part K of N of every exploration (CI jobs sharing long explorations; combine
    /// their --format json reports with `cargo conc-check merge`).
    #[arg(long, value_name = "K/N", value_parser = parse_part)]
    pub exploration_partition: Option<String>,
}

/// The options of the default action: build, run, report, gate.
#[derive(Debug, Args, Clone, Default)]
pub struct CheckArgs {
    /// Run only the tests whose name contains this string.
    pub filter: Option<String>,
    /// Build options.
    #[command(flatten)]
    pub build: BuildArgs,
    /// Exploration settings.
    #[command(flatten)]
    pub explore: ExploreArgs,
    /// Run every test once per seed: SEED, SEED+1, …, SEED+N-1 (SEED from --seed, else 0).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub seeds: Option<u64>,
    /// Report format; repeatable, each followed by its own --output.
    #[arg(long = "format", value_enum, value_name = "FORMAT")]
    pub formats: Vec<Format>,
    /// Where the --format before it is written (default: standard output).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub outputs: Vec<PathBuf>,
    /// Findings listed in this file (a --write-baseline file or a --format json report) do not
    /// fail the run.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the fingerprints of every finding of this run to FILE, for --baseline.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Run only the K-th of N shards of the tests (and seeds), e.g. 2/4.
    #[arg(long, value_name = "K/N", value_parser = Partition::parse)]
    pub partition: Option<Partition>,
    /// Arguments passed on to the test binaries.
    #[arg(last = true)]
    pub test_args: Vec<String>,
    /// Each --format with the file it goes to (`None`: standard output); filled in by [`parse`].
    #[arg(skip)]
    pub destinations: Vec<(Format, Option<PathBuf>)>,
}

/// `cargo conc-check replay SCHEDULE --test NAME`.
#[derive(Debug, Args, Clone)]
pub struct ReplayArgs {
    /// The schedule string, as the report printed it (`cc4.….…`).
    pub schedule: String,
    /// The test the schedule came from, as the report or the summary names it, e.g.
    /// `tests::lost_update` or `my-crate::demo::tests::lost_update`.
    #[arg(long = "test", value_name = "NAME")]
    pub test: String,
    /// Arguments passed on to the test binaries.
    #[arg(last = true)]
    pub test_args: Vec<String>,
}

/// `cargo conc-check merge FILE… [--format F] [--output FILE]`.
#[derive(Debug, Args, Clone)]
pub struct MergeArgs {
    /// The JSON reports of the parts (`--format json --output …` of each job).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The merged report's format [default: human].
    #[arg(long = "format", value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Where it is written (default: standard output).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `cargo conc-check run [--bin NAME] [-- ARGS]`: real mode.
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// The bin target to run (needed when the package has several).
    #[arg(long, value_name = "NAME")]
    pub bin: Option<String>,
    /// Arguments passed on to the program.
    #[arg(last = true)]
    pub args: Vec<String>,
}

fn parse_part(value: &str) -> Result<String, String> {
    conc_check_core::config::ExplorationPart::parse(value)
        .map(|p| p.to_string())
        .ok_or_else(|| "expected K/N with 1 <= K <= N, e.g. 2/4".to_string())
}

fn parse_duration(value: &str) -> Result<String, String> {
    match conc_check_duration(value)? {
        s if s > 0.0 => Ok(value.to_string()),
        _ => Err("a time budget of zero explores nothing; give a duration above zero".into()),
    }
}

fn parse_timeout(value: &str) -> Result<String, String> {
    if value == "off" {
        return Ok(value.to_string());
    }
    match conc_check_duration(value)? {
        s if s > 0.0 => Ok(value.to_string()),
        _ => Err("expected a duration above zero, or `off`".into()),
    }
}

/// A cfg as rustc's `--cfg` takes it: a name, or `name="value"`.
fn parse_cfg(value: &str) -> Result<String, String> {
    let (name, rest) = value.split_once('=').unwrap_or((value, ""));
    let is_name = |n: &str| {
        n.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let value_ok = rest.is_empty()
        || (rest.len() >= 2
            && rest.starts_with('"')
            && rest.ends_with('"')
            && !rest[1..rest.len() - 1].contains('"'));
    let spaced = value.contains(char::is_whitespace);
    if is_name(name) && value_ok && !spaced && !(value.contains('=') && rest.is_empty()) {
        Ok(value.to_string())
    } else {
        Err("expected a cfg name such as `loom`, or `name=\"value\"`".into())
    }
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

/// Parses the command line (the program name first, cargo's `conc-check` already removed).
pub fn parse(argv: &[String]) -> Result<Cli, clap::Error> {
    let matches = Cli::command().try_get_matches_from(argv)?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    if cli.command.is_none() {
        cli.check.destinations = destinations(&matches, &cli.check)?;
    }
    Ok(cli)
}

/// Pairs every `--output` with the `--format` before it on the command line.
fn destinations(
    matches: &ArgMatches,
    check: &CheckArgs,
) -> Result<Vec<(Format, Option<PathBuf>)>, clap::Error> {
    let error = |message: String| Cli::command().error(ErrorKind::ArgumentConflict, message);
    let format_at: Vec<usize> = matches
        .indices_of("formats")
        .map(Iterator::collect)
        .unwrap_or_default();
    let output_at: Vec<usize> = matches
        .indices_of("outputs")
        .map(Iterator::collect)
        .unwrap_or_default();
    if check.formats.is_empty() {
        return match check.outputs.as_slice() {
            [] => Ok(vec![(Format::Human, None)]),
            [one] => Ok(vec![(Format::Human, Some(one.clone()))]),
            _ => Err(error(
                "several --output files but no --format: put each --output after its --format"
                    .into(),
            )),
        };
    }
    let mut pairs: Vec<(Format, Option<PathBuf>)> =
        check.formats.iter().map(|f| (*f, None)).collect();
    for (output, at) in check.outputs.iter().zip(output_at) {
        let Some(owner) = format_at.iter().rposition(|f| *f < at) else {
            return Err(error(format!(
                "--output {} comes before any --format: put each --output after its --format",
                output.display()
            )));
        };
        if pairs[owner].1.is_some() {
            return Err(error(format!(
                "--format {} has two --output files",
                format_name(pairs[owner].0)
            )));
        }
        pairs[owner].1 = Some(output.clone());
    }
    for (i, (format, path)) in pairs.iter().enumerate() {
        let Some(path) = path else { continue };
        if let Some((other, _)) = pairs[..i].iter().find(|(_, p)| p.as_ref() == Some(path)) {
            return Err(error(format!(
                "--format {} and --format {} both write to {}: give each its own --output",
                format_name(*other),
                format_name(*format),
                path.display()
            )));
        }
    }
    let to_stdout: Vec<&str> = pairs
        .iter()
        .filter(|(_, o)| o.is_none())
        .map(|(f, _)| format_name(*f))
        .collect();
    if to_stdout.len() > 1 {
        return Err(error(format!(
            "--format {} would all write to standard output: give all but one an --output FILE",
            to_stdout.join(", --format ")
        )));
    }
    Ok(pairs)
}

/// The name a format has on the command line.
pub fn format_name(format: Format) -> &'static str {
    match format {
        Format::Human => "human",
        Format::Json => "json",
        Format::Sarif => "sarif",
        Format::Junit => "junit",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<String> {
        std::iter::once("cargo-conc-check")
            .chain(args.iter().copied())
            .map(String::from)
            .collect()
    }

    #[test]
    fn user_cfgs_are_names_or_quoted_values() {
        for good in ["loom", "tokio_unstable", "feature=\"x\"", "_a1"] {
            assert_eq!(parse_cfg(good).as_deref(), Ok(good), "{good}");
        }
        for bad in [
            "",
            "1st",
            "two words",
            "a=",
            "a=b",
            "a=\"x y\"",
            "a-b",
            "a=\"q\"\"",
        ] {
            assert!(parse_cfg(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn outputs_pair_with_the_format_before_them() {
        let cli = parse(&argv(&[
            "--format", "human", "--format", "sarif", "-o", "a.sarif", "--format", "junit",
            "--output", "b.xml",
        ]))
        .unwrap();
        assert_eq!(
            cli.check.destinations,
            vec![
                (Format::Human, None),
                (Format::Sarif, Some("a.sarif".into())),
                (Format::Junit, Some("b.xml".into())),
            ]
        );
    }

    #[test]
    fn default_is_human_on_stdout() {
        let cli = parse(&argv(&["some_test"])).unwrap();
        assert_eq!(cli.check.destinations, vec![(Format::Human, None)]);
        assert_eq!(cli.check.filter.as_deref(), Some("some_test"));
    }

    #[test]
    fn two_formats_on_stdout_is_an_error() {
        let e = parse(&argv(&["--format", "json", "--format", "sarif"])).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("standard output"), "{e}");
    }

    #[test]
    fn two_formats_into_one_file_is_an_error() {
        let e = parse(&argv(&[
            "--format", "sarif", "--output", "x", "--format", "json", "--output", "x",
        ]))
        .unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("both write to x"), "{e}");
    }

    #[test]
    fn zero_budgets_are_usage_errors() {
        for args in [
            &["--time-budget", "0s"][..],
            &["--time-budget", "0"],
            &["--iterations", "0"],
            &["--hang-timeout", "0s"],
        ] {
            let e = parse(&argv(args)).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{args:?}");
        }
        assert!(parse(&argv(&["--hang-timeout", "off"])).is_ok());
    }

    #[test]
    fn the_memory_model_reaches_the_tests_as_its_variable() {
        let cli = parse(&argv(&["--memory-model", "seqcst"])).unwrap();
        let env = crate::run::explore_env(&cli.check.explore);
        assert!(
            env.contains(&("CONC_CHECK_MEMORY_MODEL".into(), "seqcst".into())),
            "{env:?}"
        );
    }

    #[test]
    fn output_before_any_format_is_an_error() {
        let e = parse(&argv(&["--output", "x", "--format", "json"])).unwrap_err();
        assert!(e.to_string().contains("comes before any --format"), "{e}");
    }

    #[test]
    fn malformed_values_are_usage_errors() {
        for args in [
            &["--time-budget", "soon"][..],
            &["--partition", "3/2"],
            &["--partition", "0/2"],
            &["--max-preemptions", "many"],
            &["--memory-model", "tso"],
            &["--format", "xml"],
            &["--no-such-option"],
        ] {
            let e = parse(&argv(args)).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{args:?}");
        }
    }

    #[test]
    fn subcommands_parse() {
        let cli = parse(&argv(&["replay", "cc4.AA.00", "--test", "t", "-p", "x"])).unwrap();
        match cli.command {
            Some(Command::Replay(r)) => {
                assert_eq!(r.schedule, "cc4.AA.00");
                assert_eq!(r.test, "t");
                assert_eq!(cli.check.build.packages, vec!["x".to_string()]);
            }
            other => panic!("{other:?}"),
        }
        let cli = parse(&argv(&[
            "run", "--bin", "server", "-p", "x", "--", "--port", "1",
        ]))
        .unwrap();
        match cli.command {
            Some(Command::Run(r)) => {
                assert_eq!(r.bin.as_deref(), Some("server"));
                assert_eq!(r.args, ["--port", "1"]);
                assert_eq!(cli.check.build.packages, vec!["x".to_string()]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            parse(&argv(&["run", "--anything"]))
                .unwrap_err()
                .exit_code(),
            2
        );
        let e = parse(&argv(&["replay", "cc4.AA.00"])).unwrap_err();
        assert_eq!(e.exit_code(), 2);
    }
}
