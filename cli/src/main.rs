//! `cargo conc-check`: builds the tests with `--cfg conc_check` into a target directory of its
//! own, runs them, and exits 0 when clean, 1 on findings, 2 on a usage or build error.

mod args;
mod run;

use std::process::ExitCode;

fn main() -> ExitCode {
    // Invoked as `cargo conc-check …`, cargo passes `conc-check` as the first argument.
    let mut argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some("conc-check") {
        argv.remove(1);
    }
    let options = match args::parse(&argv) {
        Ok(options) => options,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    ExitCode::from(run::run(&options))
}
