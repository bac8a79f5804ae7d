//! `cargo conc-check merge`: the `--format json` reports of CI jobs that each ran one part of
//! the same explorations (`--exploration-partition K/N`), combined into the report of the
//! whole (`conc_check_core::parts::merge_parts`, exploration by exploration) and gated on
//! like one run.

use std::collections::BTreeMap;
use std::path::Path;

use conc_check_core::parts::merge_parts;
use conc_check_engine::report::Report;
use serde_json::Value;

use crate::args::{Format, MergeArgs};
use crate::exit_code::USAGE;
use crate::libtest::Status;
use crate::outcome::{RunResults, TestOutcome};
use crate::output;

/// What one job said about one test.
struct PartOfTest {
    /// The report file it was read from, for messages.
    file: String,
    verdict: String,
    reports: Vec<Report>,
    output: String,
    problems: Vec<String>,
}

/// A test: its package, binary, name and seed.
type TestKey = (String, String, String, Option<u64>);

/// Runs the subcommand; returns the exit code.
pub fn merge(args: &MergeArgs) -> u8 {
    match try_merge(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("cargo conc-check: error: {message}");
            USAGE
        }
    }
}

fn try_merge(args: &MergeArgs) -> Result<u8, String> {
    let mut tests: BTreeMap<TestKey, Vec<PartOfTest>> = BTreeMap::new();
    let mut seconds: f64 = 0.0;
    for file in &args.files {
        let document = read(file)?;
        seconds = seconds.max(document["summary"]["seconds"].as_f64().unwrap_or(0.0));
        for test in document["tests"].as_array().into_iter().flatten() {
            let (key, part) =
                part_of_test(test, file).map_err(|e| format!("{}: {e}", file.display()))?;
            tests.entry(key).or_default().push(part);
        }
    }
    let root = std::env::current_dir().map_err(|e| format!("the current directory: {e}"))?;
    let outcomes = tests
        .into_iter()
        .map(|(key, parts)| merged_outcome(key, parts, &root))
        .collect();
    let results = RunResults {
        outcomes,
        root,
        seconds,
        partition: None,
        baseline: None,
        filter: None,
    };
    let format = args.format.unwrap_or(Format::Human);
    output::write(&output::render(format, &results), args.output.as_deref())?;
    Ok(results.exit_code())
}

/// A `--format json` report of `cargo conc-check`.
fn read(file: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let document: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", file.display()))?;
    if document["format"] != "conc-check-results" {
        return Err(format!(
            "{}: not a `cargo conc-check --format json` report",
            file.display()
        ));
    }
    Ok(document)
}

/// One test's entry of a report; an error names what could not be read (a merge that
/// dropped unreadable reports would pass a test on what it did not see).
fn part_of_test(test: &Value, file: &Path) -> Result<(TestKey, PartOfTest), String> {
    let text = |field: &str| test[field].as_str().map(str::to_string);
    let named = || -> Option<TestKey> {
        Some((
            text("package")?,
            text("binary")?,
            text("name")?,
            test["seed"].as_u64(),
        ))
    };
    let key = named().ok_or("a test entry without its name")?;
    let part = PartOfTest {
        file: file.display().to_string(),
        verdict: text("verdict").unwrap_or_default(),
        reports: entry_field(test, &key.2, "reports")?,
        output: text("output").unwrap_or_default(),
        problems: entry_field(test, &key.2, "problems")?,
    };
    Ok((key, part))
}

/// Field `field` of test `name`'s entry: empty when absent, an error when it does not read.
fn entry_field<T: serde::de::DeserializeOwned + Default>(
    test: &Value,
    name: &str,
    field: &str,
) -> Result<T, String> {
    match &test[field] {
        Value::Null => Ok(T::default()),
        value => serde_json::from_value(value.clone()).map_err(|e| {
            format!(
                "test `{name}`: its {field} cannot be read ({e}); was the file written by \
                 another version of conc-check?"
            )
        }),
    }
}

/// One test's outcome from its parts: its explorations merged one by one (the `i`-th of
/// every part together), its status the worst any part had.
fn merged_outcome(key: TestKey, parts: Vec<PartOfTest>, root: &Path) -> TestOutcome {
    let (package, binary, name, seed) = key;
    let mut outcome = TestOutcome::new(&package, &binary, &name, seed);
    let status_of = |verdict: &str| match verdict {
        "crashed" => Status::DidNotFinish,
        "failed" => Status::Failed,
        "ignored" => Status::Ignored,
        _ => Status::Passed,
    };
    let rank = |s: Status| match s {
        Status::Ignored => 0,
        Status::Passed => 1,
        Status::Failed => 2,
        Status::DidNotFinish => 3,
    };
    outcome.status = parts
        .iter()
        .map(|p| status_of(&p.verdict))
        .max_by_key(|s| rank(*s))
        .unwrap_or(Status::Passed);
    let explorations = parts.iter().map(|p| p.reports.len()).max().unwrap_or(0);
    for i in 0..explorations {
        let reports: Vec<Report> = parts
            .iter()
            .filter_map(|p| p.reports.get(i).cloned())
            .collect();
        let mut whole = merge_parts(reports);
        if whole.findings.is_empty() {
            if let Some(why) = &mut whole.stopped_because {
                // The merged exploration stopped early (a part missing, say): not a pass. Say
                // which files it came from, to find the odd one out.
                let files: Vec<&str> = parts
                    .iter()
                    .filter(|p| p.reports.len() > i)
                    .map(|p| p.file.as_str())
                    .collect();
                why.push_str(&format!(" (parts read from {})", files.join(", ")));
                outcome.status = Status::Failed;
            }
        }
        outcome.add_report(whole, root);
    }
    for part in parts {
        outcome.problems.extend(part.problems);
        if !part.output.is_empty() && outcome.output.is_empty() {
            outcome.output = part.output;
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use conc_check_engine::report::ReportPart;
    use std::path::PathBuf;

    fn document(index: u32, count: u32, executions: u64, complete: bool) -> Value {
        let report = Report {
            strategy: "dfs".into(),
            executions,
            complete,
            part: Some(ReportPart {
                index,
                count,
                ..ReportPart::default()
            }),
            ..Report::default()
        };
        serde_json::json!({
            "format": "conc-check-results",
            "summary": { "seconds": 1.5 },
            "tests": [{
                "package": "demo", "binary": "demo", "name": "long_search", "seed": null,
                "verdict": "ok", "reports": [report], "problems": [],
            }],
        })
    }

    fn merged(documents: &[Value]) -> TestOutcome {
        let mut tests: BTreeMap<TestKey, Vec<PartOfTest>> = BTreeMap::new();
        for (i, d) in documents.iter().enumerate() {
            let file = PathBuf::from(format!("part{}.json", i + 1));
            for t in d["tests"].as_array().unwrap() {
                let (key, part) = part_of_test(t, &file).unwrap();
                tests.entry(key).or_default().push(part);
            }
        }
        let (key, parts) = tests.into_iter().next().unwrap();
        merged_outcome(key, parts, Path::new("."))
    }

    #[test]
    fn the_parts_of_a_search_make_one_complete_exploration() {
        let whole = merged(&[document(1, 2, 40, true), document(2, 2, 60, true)]);
        assert_eq!(whole.executions(), 100);
        assert_eq!(whole.complete(), Some(true));
        assert_eq!(whole.verdict().word(), "ok");
    }

    #[test]
    fn a_report_that_does_not_read_is_an_error_not_an_empty_test() {
        let mut bad = document(1, 1, 40, true);
        bad["tests"][0]["reports"][0]["executions"] = serde_json::json!("many");
        let error = part_of_test(&bad["tests"][0], Path::new("bad.json"))
            .err()
            .expect("an error");
        assert!(
            error.contains("test `long_search`: its reports cannot be read"),
            "{error}"
        );
        let mut nameless = document(1, 1, 40, true);
        nameless["tests"][0]["name"] = Value::Null;
        assert!(part_of_test(&nameless["tests"][0], Path::new("nameless.json")).is_err());
    }

    #[test]
    fn a_missing_part_fails_the_merge() {
        let whole = merged(&[document(1, 3, 40, true), document(3, 3, 60, true)]);
        assert_eq!(whole.complete(), Some(false));
        assert!(whole.verdict().fails(), "{:?}", whole.verdict());
        let why = whole.stopped_because()[0];
        assert!(why.contains("part 2 of 3 is missing"), "{why}");
        assert!(
            why.ends_with("(parts read from part1.json, part2.json)"),
            "{why}"
        );
    }

    #[test]
    fn a_part_of_another_split_is_named_by_its_file() {
        let whole = merged(&[document(1, 2, 40, true), document(2, 3, 60, true)]);
        assert!(whole.verdict().fails(), "{:?}", whole.verdict());
        let why = whole.stopped_because()[0];
        assert!(why.contains("not the parts of one split"), "{why}");
        assert!(why.contains("part1.json, part2.json"), "{why}");
    }
}
