//! `cargo conc-check`: builds the tests with `--cfg conc_check` into a target directory of its
//! own, runs them, collects every finding, writes the reports asked for, and exits 0 when clean,
//! 1 on findings, 2 on a usage or build error, 3 when some test checked nothing.

mod args;
mod cargo;
mod cfg_crates;
mod execute;
mod exit_code;
mod fingerprint;
mod hash;
mod libtest;
mod merge;
mod outcome;
mod output;
mod partition;
mod real;
mod replay;
mod run;
#[cfg(test)]
mod test_support;
mod wrapper;

use std::process::ExitCode;

use args::Command;

fn main() -> ExitCode {
    // Cargo runs us as its rustc wrapper while building under `cargo conc-check`.
    if let Some(code) = wrapper::run_as_wrapper() {
        return code;
    }
    // Invoked as `cargo conc-check …`, cargo passes `conc-check` as the first argument.
    let mut argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some("conc-check") {
        argv.remove(1);
    }
    let cli = match args::parse(&argv) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { exit_code::USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = match &cli.command {
        None => run::check(&cli.check),
        Some(Command::Replay(replay)) => replay::replay(replay, &cli.check.build),
        Some(Command::Run(args)) => real::run(args, &cli.check.build),
        Some(Command::Merge(args)) => merge::merge(args),
    };
    ExitCode::from(code)
}
