//! `cargo conc-check` as cargo's rustc wrapper: the crates that can see the cfg (the shim and
//! every crate that depends on it, listed in [`CRATES_VARIABLE`]) get `--cfg conc_check`
//! appended, whatever flags cargo passes from the user's configuration; every other crate is
//! compiled exactly as in the normal build, so the two builds share it. Cargo also asks rustc
//! for its cfgs through the wrapper (`--print`), which gets the cfg too, so that
//! `[target.'cfg(conc_check)'.dependencies]` apply and build scripts see `CARGO_CFG_CONC_CHECK`.

use std::ffi::OsString;
use std::process::{Command, ExitCode};

/// Set (possibly empty) on the cargo that builds for conc-check: the user's own wrapper, which
/// we run in turn, or nothing.
pub const INNER_VARIABLE: &str = "CONC_CHECK_RUSTC_WRAPPER";

/// The crate names that get the cfg, comma-separated.
pub const CRATES_VARIABLE: &str = "CONC_CHECK_CFG_CRATES";

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
    let crates = std::env::var(CRATES_VARIABLE).unwrap_or_default();
    if gets_the_cfg(&rest, &crates) {
        cmd.args(["--cfg", "conc_check"]);
    }
    Some(exec(cmd, &rustc))
}

/// Whether this rustc invocation gets `--cfg conc_check`: a query of the cfgs (`--print`), or
/// the compilation of a crate named in `crates`.
fn gets_the_cfg(args: &[OsString], crates: &str) -> bool {
    if is_version_query(args) {
        return false;
    }
    if args
        .iter()
        .any(|a| a.to_string_lossy().starts_with("--print"))
    {
        return true;
    }
    let name = args
        .iter()
        .position(|a| a == "--crate-name")
        .and_then(|i| args.get(i + 1))
        .map(|n| n.to_string_lossy().into_owned());
    match name {
        Some(name) => crates.split(',').any(|c| c == name),
        None => false,
    }
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

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn only_the_listed_crates_and_cfg_queries_get_the_cfg() {
        let crates = "conc_check,my_app,demo";
        assert!(gets_the_cfg(
            &args(&["--crate-name", "conc_check", "src/lib.rs"]),
            crates
        ));
        assert!(gets_the_cfg(
            &args(&["--crate-name", "demo", "tests/demo.rs"]),
            crates
        ));
        assert!(!gets_the_cfg(
            &args(&["--crate-name", "serde", "src/lib.rs"]),
            crates
        ));
        assert!(!gets_the_cfg(
            &args(&["--crate-name", "conc_check_engine"]),
            crates
        ));
        assert!(gets_the_cfg(
            &args(&["-", "--crate-name", "___", "--print=cfg"]),
            crates
        ));
        assert!(!gets_the_cfg(&args(&["-vV"]), crates));
    }

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
