//! SARIF 2.1.0 for code scanning: one rule per finding kind, one result per finding, with a
//! location for every site the finding names (both sides of a race, every edge of a cycle).

use std::path::Path;

use serde_json::{json, Value};

use crate::outcome::{FoundIssue, RunResults, TestOutcome};
use crate::output::human::replay_command;

/// The rules: id (the finding kind as serialized), name, description.
const RULES: &[(&str, &str, &str)] = &[
    ("deadlock", "Deadlock", "No thread can go on: threads wait for each other, or a thread locks a lock it already holds."),
    ("lock_order_cycle", "LockOrderCycle", "Locks are taken in orders that can deadlock, even if this run did not."),
    ("data_race", "DataRace", "Two accesses to the same memory, at least one a write, that nothing orders."),
    ("aba", "Aba", "A compare-and-swap succeeded on a value that changed and changed back in between."),
    ("starvation", "Starvation", "A thread kept losing a resource to others and made no progress."),
    ("livelock", "Livelock", "Threads kept retrying without any of them making progress."),
    ("panic", "Panic", "A thread panicked (a failed assertion, an unwrap, …) under some interleaving."),
    ("step_limit", "StepLimit", "An execution ran past the step limit without finishing."),
    ("hang", "Hang", "A thread reached no conc-check operation for too long: a loop outside the shim, or a wait on a std primitive."),
    ("stack_overflow", "StackOverflow", "A thread ran off the end of its stack."),
    ("nondeterminism", "Nondeterminism", "The test did something different under the same choices, so its exploration or replay cannot be trusted."),
    ("leak", "Leak", "Something the test allocated (a loom-facade Arc or tracked allocation) was still alive when every thread had finished."),
];

/// The `$schema` the document names.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The run as a SARIF 2.1.0 log.
pub fn render(results: &RunResults) -> String {
    let mut rules: Vec<(String, String, String)> = RULES
        .iter()
        .map(|(id, name, text)| (id.to_string(), name.to_string(), text.to_string()))
        .collect();
    for outcome in &results.outcomes {
        for issue in &outcome.findings {
            let kind = outcome.finding(issue).kind.name();
            if !rules.iter().any(|(id, _, _)| id == kind) {
                rules.push((
                    kind.to_string(),
                    kind.to_string(),
                    format!("conc-check finding of kind `{kind}`."),
                ));
            }
        }
    }
    let mut sarif_results = Vec::new();
    for outcome in &results.outcomes {
        for issue in &outcome.findings {
            let kind = outcome.finding(issue).kind.name();
            let rule_index = rules.iter().position(|(id, _, _)| id == kind).unwrap_or(0);
            sarif_results.push(result(results, outcome, issue, rule_index));
        }
    }
    // What the tests that did not exhaust their space can still say (the PCT bound).
    let coverage: Vec<serde_json::Value> = results
        .outcomes
        .iter()
        .flat_map(|o| {
            o.reports.iter().filter_map(move |r| {
                let c = r.coverage.as_ref()?;
                Some(json!({
                    "test": o.name,
                    "package": o.package,
                    "executions": r.executions,
                    "bugDepth": c.depth,
                    "threads": c.threads,
                    "steps": c.steps,
                    "hitProbability": c.hit_probability,
                    "missProbability": c.miss_probability,
                    "text": c.describe(),
                }))
            })
        })
        .collect();
    let estimates: Vec<serde_json::Value> = results
        .outcomes
        .iter()
        .flat_map(|o| {
            o.reports.iter().filter_map(move |r| {
                let e = r.space_estimate.as_ref()?;
                Some(json!({
                    "test": o.name,
                    "package": o.package,
                    "searched": e.searched,
                    "probes": e.probes,
                    "estimatedExecutions": e.executions,
                    "low": e.low,
                    "high": e.high,
                    "text": e.describe(),
                }))
            })
        })
        .collect();
    let version = env!("CARGO_PKG_VERSION");
    let root_uri = format!("{}/", file_uri(&results.root).trim_end_matches('/'));
    let document = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "conc-check",
                    "version": version,
                    "semanticVersion": version,
                    "rules": rules.iter().map(|(id, name, text)| json!({
                        "id": id,
                        "name": name,
                        "shortDescription": { "text": text },
                        "fullDescription": { "text": text },
                        "defaultConfiguration": {
                            "level": if id == "step_limit" { "warning" } else { "error" }
                        },
                        "properties": { "tags": ["concurrency"] },
                    })).collect::<Vec<_>>(),
                }
            },
            "originalUriBaseIds": { "%SRCROOT%": { "uri": root_uri } },
            "invocations": [{
                "executionSuccessful": true,
                "exitCode": results.exit_code(),
            }],
            "columnKind": "unicodeCodePoints",
            "properties": {
                "concCheck/coverage": coverage,
                "concCheck/spaceEstimate": estimates,
            },
            "results": sarif_results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&document)
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

fn result(
    results: &RunResults,
    outcome: &TestOutcome,
    issue: &FoundIssue,
    rule_index: usize,
) -> Value {
    let finding = outcome.finding(issue);
    let report = &outcome.reports[issue.report];
    let mut text = finding.message.clone();
    for note in &finding.notes {
        text.push_str("\n  ");
        text.push_str(note);
    }
    text.push_str(&format!(
        "\nTest: {} ({})",
        outcome.display_name(),
        outcome.binary
    ));
    let replay = report
        .schedule
        .as_deref()
        .map(|s| replay_command(outcome, s));
    if let Some(replay) = &replay {
        text.push_str(&format!("\nReplay: {replay}"));
    }
    let locations: Vec<Value> = finding
        .sites
        .iter()
        .filter(|s| !s.file.is_empty())
        .enumerate()
        .map(|(id, site)| {
            let mut region = serde_json::Map::new();
            if site.line > 0 {
                region.insert("startLine".into(), json!(site.line));
                if site.column > 0 {
                    region.insert("startColumn".into(), json!(site.column));
                }
            }
            let mut physical = json!({ "artifactLocation": artifact(&site.file, &results.root) });
            if !region.is_empty() {
                physical["region"] = Value::Object(region);
            }
            json!({
                "id": id,
                "physicalLocation": physical,
                "message": { "text": if site.label.is_empty() { finding.kind.name().to_string() } else { site.label.clone() } },
            })
        })
        .collect();
    let mut value = json!({
        "ruleId": finding.kind.name(),
        "ruleIndex": rule_index,
        "level": if finding.kind.name() == "step_limit" { "warning" } else { "error" },
        "message": { "text": text },
        "locations": locations,
        "partialFingerprints": { "concCheck/v1": issue.fingerprint },
        "properties": {
            "test": outcome.name,
            "package": outcome.package,
            "binary": outcome.binary,
            "seed": outcome.seed,
            "schedule": report.schedule,
            "replay": replay,
            "executions": report.executions,
        },
    });
    if results.baseline.is_some() {
        value["baselineState"] = json!(if issue.baselined { "unchanged" } else { "new" });
    }
    if issue.baselined {
        value["suppressions"] = json!([{
            "kind": "external",
            "justification": "listed in the conc-check baseline",
        }]);
    }
    value
}

/// An artifact location: relative to `%SRCROOT%` (the workspace root) when the file is inside
/// the workspace, an absolute `file:` URI otherwise.
fn artifact(file: &str, root: &Path) -> Value {
    let path = Path::new(file);
    let relative = if path.is_absolute() {
        path.strip_prefix(root).ok()
    } else {
        Some(path)
    };
    match relative {
        Some(rel) => json!({
            "uri": encode(&rel.to_string_lossy().replace('\\', "/")),
            "uriBaseId": "%SRCROOT%",
        }),
        None => json!({ "uri": file_uri(path) }),
    }
}

/// `file:///abs/path` for an absolute path.
fn file_uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    if text.starts_with('/') {
        format!("file://{}", encode(&text))
    } else {
        format!("file:///{}", encode(&text))
    }
}

/// Percent-encodes what may not appear in a URI path.
fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:@!$&'()*+,;=".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::libtest::Status;
    use crate::outcome::TestOutcome;
    use conc_check_engine::report::{Finding, FindingKind, Report, SiteRole, SourceRef};
    use std::path::PathBuf;

    fn site(file: &str, line: u32, column: u32, label: &str) -> SourceRef {
        SourceRef {
            file: file.into(),
            line,
            column,
            role: SiteRole::Access,
            thread: None,
            label: label.into(),
        }
    }

    /// A run with a two-sided race and a two-edge lock-order cycle (four sites).
    pub(crate) fn sample() -> RunResults {
        let root = PathBuf::from("/work/my ws");
        let mut race = TestOutcome::new("pkg", "pkg::races", "tests::race", None);
        race.status = Status::Failed;
        race.add_report(
            Report {
                findings: vec![Finding {
                    kind: FindingKind::DataRace,
                    message: "thread 1 writes and thread 2 reads the cell without ordering".into(),
                    notes: vec!["nothing orders them".into()],
                    sites: vec![
                        site("src/lib.rs", 10, 5, "thread 1 writes here"),
                        site("/work/my ws/src/other.rs", 20, 9, "thread 2 reads here"),
                    ],
                    objects: vec![],
                }],
                executions: 3,
                schedule: Some("cc4.AAAA.00000000".into()),
                ..Report::default()
            },
            &root,
        );
        let mut cycle = TestOutcome::new("pkg", "pkg::races", "tests::cycle", None);
        cycle.status = Status::Passed;
        cycle.add_report(
            Report {
                findings: vec![Finding {
                    kind: FindingKind::LockOrderCycle,
                    message: "locks A and B are taken in both orders".into(),
                    notes: vec![],
                    sites: vec![
                        site("src/lib.rs", 1, 1, "A held here"),
                        site("src/lib.rs", 2, 1, "B acquired here"),
                        site("src/lib.rs", 3, 1, "B held here"),
                        site("/elsewhere/dep/src/lib.rs", 4, 1, "A acquired here"),
                    ],
                    objects: vec![],
                }],
                executions: 1,
                ..Report::default()
            },
            &root,
        );
        let mut clean = TestOutcome::new("pkg", "pkg::races", "tests::clean", None);
        clean.status = Status::Passed;
        clean.add_report(
            Report {
                executions: 7,
                complete: true,
                ..Report::default()
            },
            &root,
        );
        RunResults {
            outcomes: vec![race, cycle, clean],
            root,
            seconds: 0.5,
            partition: None,
            baseline: None,
            filter: None,
        }
    }

    #[test]
    fn the_coverage_of_an_unexhausted_test_is_a_run_property() {
        let mut results = sample();
        let mut sampled = TestOutcome::new("pkg", "pkg::races", "tests::sampled", None);
        sampled.status = Status::Passed;
        sampled.add_report(
            Report {
                executions: 300,
                coverage: Some(conc_check_engine::report::Coverage::pct(3, 3, 10, 300)),
                space_estimate: Some(conc_check_engine::report::SpaceEstimate {
                    searched: 200,
                    probes: 100,
                    executions: 5000.0,
                    low: 4000.0,
                    high: 6000.0,
                }),
                ..Report::default()
            },
            &results.root,
        );
        results.outcomes.push(sampled);
        let doc: Value = serde_json::from_str(&render(&results)).unwrap();
        let coverage = doc["runs"][0]["properties"]["concCheck/coverage"]
            .as_array()
            .unwrap();
        assert_eq!(coverage.len(), 1, "only the unexhausted test has one");
        assert_eq!(coverage[0]["test"], "tests::sampled");
        assert_eq!(coverage[0]["bugDepth"], 3);
        let miss = coverage[0]["missProbability"].as_f64().unwrap();
        assert!((miss - (1.0f64 - 1.0 / 300.0).powi(300)).abs() < 1e-12);
        let estimate = &doc["runs"][0]["properties"]["concCheck/spaceEstimate"][0];
        assert_eq!(estimate["estimatedExecutions"], 5000.0);
        let human = crate::output::human::render(&results);
        assert!(
            human.contains("tests::sampled: DFS ran 200 executions of a space estimated at 5,000"),
            "{human}"
        );
        assert!(
            human.contains("tests::sampled: a bug of depth 3 would have been missed with probability at most 36.7%"),
            "{human}"
        );
    }

    #[test]
    fn a_location_for_every_site() {
        let doc: Value = serde_json::from_str(&render(&sample())).unwrap();
        let run = &doc["runs"][0];
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 2);
        assert_eq!(results[0]["ruleId"], "data_race");
        let race_locations = results[0]["locations"].as_array().unwrap();
        assert_eq!(race_locations.len(), 2, "both sides of the race");
        assert_eq!(
            race_locations[1]["physicalLocation"]["artifactLocation"]["uri"],
            "src/other.rs"
        );
        assert_eq!(
            race_locations[1]["physicalLocation"]["region"]["startLine"],
            20
        );
        assert_eq!(
            race_locations[1]["physicalLocation"]["region"]["startColumn"],
            9
        );
        assert_eq!(race_locations[1]["message"]["text"], "thread 2 reads here");
        let cycle_locations = results[1]["locations"].as_array().unwrap();
        assert_eq!(cycle_locations.len(), 4, "every edge of the cycle");
        assert_eq!(
            cycle_locations[3]["physicalLocation"]["artifactLocation"]["uri"],
            "file:///elsewhere/dep/src/lib.rs"
        );
        // One rule per kind; ruleIndex points at it.
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        for r in results {
            let index = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], r["ruleId"]);
        }
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        let mut unique = ids.clone();
        unique.dedup();
        assert_eq!(ids, unique);
        assert_eq!(
            run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
            "file:///work/my%20ws/"
        );
    }

    #[test]
    fn valid_against_the_sarif_2_1_0_schema() {
        let schema = crate::test_support::sarif_schema();
        let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
        let mut results = sample();
        let mut baseline = crate::fingerprint::Baseline::default();
        baseline
            .fingerprints
            .insert(results.outcomes[0].findings[0].fingerprint.clone());
        results.baseline = Some("b.json".into());
        let root = results.root.clone();
        for o in &mut results.outcomes {
            o.apply_baseline(&baseline, &root);
        }
        for run in [sample(), results] {
            let doc: Value = serde_json::from_str(&render(&run)).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&doc)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{errors:#?}");
        }
        // The check can fail: a result without a message is rejected.
        let mut doc: Value = serde_json::from_str(&render(&sample())).unwrap();
        doc["runs"][0]["results"][0]
            .as_object_mut()
            .unwrap()
            .remove("message");
        assert!(!validator.is_valid(&doc));
    }
}
