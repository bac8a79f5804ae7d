//! The libtest harness from outside: listing a binary's tests and reading what it printed.

use std::collections::HashMap;
use std::process::{Command, Stdio};

use crate::cargo::{test_environment, TestBinary, Workspace};

/// How a test ended, as libtest said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// `test … ok`.
    Passed,
    /// `test … FAILED`.
    Failed,
    /// `test … ignored`.
    Ignored,
    /// No result line: the binary crashed or was killed before the test ended.
    DidNotFinish,
}

/// The libtest options that take a value, so that the value is not taken for a filter.
const VALUE_OPTIONS: &[&str] = &[
    "--skip",
    "--test-threads",
    "--format",
    "--logfile",
    "--color",
    "--shuffle-seed",
    "-Z",
];

/// Splits the arguments for the test binaries into options (with their values) and positional
/// filters.
pub fn split_test_args(args: &[String]) -> (Vec<String>, Vec<String>) {
    let mut options = Vec::new();
    let mut filters = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg.starts_with('-') {
            options.push(arg.clone());
            if VALUE_OPTIONS.contains(&arg.as_str()) {
                if let Some(value) = iter.next() {
                    options.push(value.clone());
                }
            }
        } else {
            filters.push(arg.clone());
        }
    }
    (options, filters)
}

/// The tests of `binary` that `filter` and `test_args` select (`--list --format terse`).
pub fn list(
    ws: &Workspace,
    binary: &TestBinary,
    filter: Option<&str>,
    test_args: &[String],
) -> Result<Vec<String>, String> {
    let mut cmd = Command::new(&binary.path);
    cmd.current_dir(&binary.manifest_dir)
        .envs(test_environment(ws, binary))
        .args(["--list", "--format", "terse"]);
    if let Some(filter) = filter {
        cmd.arg(filter);
    }
    cmd.args(test_args);
    let output = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not run {}: {e}", binary.path.display()))?;
    if !output.status.success() {
        return Err(format!(
            "listing the tests of {} failed:\n{}",
            binary.label(),
            String::from_utf8_lossy(&output.stderr).trim_end()
        ));
    }
    Ok(parse_list(&String::from_utf8_lossy(&output.stdout)))
}

/// The names in `--list --format terse` output (`name: test` lines; benches are left out).
pub fn parse_list(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(str::to_string)
        .collect()
}

/// A result line of libtest's pretty output: `test NAME ... ok`.
pub fn parse_result(line: &str) -> Option<(String, Status)> {
    let rest = line.strip_prefix("test ")?;
    let (name, outcome) = rest.rsplit_once(" ... ")?;
    let status = match outcome.trim_end() {
        "ok" => Status::Passed,
        "FAILED" => Status::Failed,
        o if o.starts_with("ignored") => Status::Ignored,
        _ => return None,
    };
    let name = name.strip_suffix(" - should panic").unwrap_or(name);
    Some((name.to_string(), status))
}

/// The start of a test, which libtest prints (as `test NAME ... `, the result following on the
/// same line) when it runs one test at a time; a line that stops there means the binary died
/// while that test ran.
pub fn parse_started(line: &str) -> Option<String> {
    let rest = line.strip_prefix("test ")?;
    let name = rest.trim_end().strip_suffix(" ...")?;
    let name = name.strip_suffix(" - should panic").unwrap_or(name);
    Some(name.to_string())
}

/// The captured output of each failed test: the `---- NAME stdout ----` sections.
pub fn failure_output(text: &str) -> HashMap<String, String> {
    let mut sections = HashMap::new();
    let mut current: Option<(String, Vec<&str>)> = None;
    for line in text.lines() {
        let header = line
            .strip_prefix("---- ")
            .and_then(|l| l.strip_suffix(" stdout ----"));
        if let Some(name) = header {
            if let Some((n, lines)) = current.take() {
                sections.insert(n, lines.join("\n").trim().to_string());
            }
            current = Some((name.to_string(), Vec::new()));
            continue;
        }
        if line == "failures:" || line.starts_with("test result: ") {
            if let Some((n, lines)) = current.take() {
                sections.insert(n, lines.join("\n").trim().to_string());
            }
            continue;
        }
        if let Some((_, lines)) = current.as_mut() {
            lines.push(line);
        }
    }
    if let Some((n, lines)) = current.take() {
        sections.insert(n, lines.join("\n").trim().to_string());
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_lines() {
        assert_eq!(
            parse_result("test tests::a ... ok"),
            Some(("tests::a".into(), Status::Passed))
        );
        assert_eq!(
            parse_result("test b ... FAILED"),
            Some(("b".into(), Status::Failed))
        );
        assert_eq!(
            parse_result("test c ... ignored, slow"),
            Some(("c".into(), Status::Ignored))
        );
        assert_eq!(
            parse_result("test d - should panic ... ok"),
            Some(("d".into(), Status::Passed))
        );
        assert_eq!(parse_result("test result: ok. 1 passed"), None);
        assert_eq!(parse_result("running 2 tests"), None);
    }

    #[test]
    fn a_started_test_without_a_result() {
        assert_eq!(parse_started("test a::b ... "), Some("a::b".into()));
        assert_eq!(
            parse_started("test d - should panic ... "),
            Some("d".into())
        );
        assert_eq!(parse_started("test a::b ... ok"), None);
        assert_eq!(parse_started("running 2 tests"), None);
    }

    #[test]
    fn list_output() {
        let text = "a::b: test\nc: test\nd: bench\n\n";
        assert_eq!(parse_list(text), vec!["a::b".to_string(), "c".to_string()]);
    }

    #[test]
    fn failure_sections() {
        let text = "running 2 tests\ntest x ... FAILED\ntest y ... FAILED\n\nfailures:\n\n\
                    ---- x stdout ----\nboom\nmore\n\n---- y stdout ----\nbang\n\nfailures:\n    x\n    y\n\n\
                    test result: FAILED. 0 passed; 2 failed";
        let s = failure_output(text);
        assert_eq!(s["x"], "boom\nmore");
        assert_eq!(s["y"], "bang");
    }

    #[test]
    fn test_args_split() {
        let args: Vec<String> = [
            "--skip",
            "slow",
            "foo",
            "--test-threads",
            "1",
            "--nocapture",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let (options, filters) = split_test_args(&args);
        assert_eq!(
            options,
            vec!["--skip", "slow", "--test-threads", "1", "--nocapture"]
        );
        assert_eq!(filters, vec!["foo"]);
    }
}
