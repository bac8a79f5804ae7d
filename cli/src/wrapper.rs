//! `cargo conc-check` as cargo's rustc wrapper: every rustc that cargo runs for the checking
//! build gets `--cfg conc_check` appended, whatever flags cargo passes from the user's
//! configuration. Cargo also asks rustc for its cfgs through the wrapper, so build scripts see
//! `CARGO_CFG_CONC_CHECK` as with `RUSTFLAGS`.

use std::ffi::OsString;
use std::process::{Command, ExitCode};

/// Set (possibly empty) on the cargo that builds for conc-check: the user's own wrapper, which
/// we run in turn, or nothing.
pub const INNER_VARIABLE: &str = "CONC_CHECK_RUSTC_WRAPPER";

/// When this process was started as the rustc wrapper, runs rustc and returns its exit code.
pub fn run_as_wrapper() -> Option<ExitCode> {
    let inner = std::env::var_os(INNER_VARIABLE)?;
    let mut args = std::env::args_os().skip(1);
    let rustc = args.next()?;
    let rest: Vec<OsString> = args.collect();
    let mut cmd = if inner.is_empty() {
        Command::new(&rustc)
    } else {
        let mut c = Command::new(&inner);
        c.arg(&rustc);
        c
    };
    cmd.args(&rest);
    if !is_version_query(&rest) {
        cmd.args(["--cfg", "conc_check"]);
    }
    Some(exec(cmd, &rustc))
}

/// `rustc -vV` and friends take no cfg.
fn is_version_query(args: &[OsString]) -> bool {
    args.iter()
        .any(|a| a == "-vV" || a == "-V" || a == "--version")
}

fn exec(mut cmd: Command, rustc: &OsString) -> ExitCode {
    use std::os::unix::process::CommandExt;
    let error = cmd.exec();
    eprintln!(
        "cargo conc-check: could not run {}: {error}",
        std::path::Path::new(rustc).display()
    );
    ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_queries_are_left_alone() {
        assert!(is_version_query(&["-vV".into()]));
        assert!(!is_version_query(&[
            "--crate-name".into(),
            "x".into(),
            "--print=cfg".into()
        ]));
    }
}
