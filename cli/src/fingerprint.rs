//! Baselines: the fingerprints (see `conc_check_core::fingerprint`) of findings that do not
//! fail the run.
//!
//! A baseline is a `--write-baseline` file or a `--format json` report, both read with serde.
//! Version-2 fingerprints (`v2-…`) hash a finding's structure and survive any rewording. A
//! baseline written by an earlier version holds version-1 fingerprints, which hashed the
//! message: it is still honoured, once, by its fingerprints and, where messages changed, by
//! the kind and test of its entries, and the run says so and asks for a new baseline, so that
//! upgrading never turns known findings into silently new ones.

use std::collections::BTreeSet;
use std::path::Path;

use conc_check_core::fingerprint::{fingerprint_v1, V2_PREFIX};
use conc_check_core::report::Finding;
use serde::Deserialize;

pub use conc_check_core::fingerprint::fingerprint;

/// The fingerprints a baseline holds.
#[derive(Clone, Debug, Default)]
pub struct Baseline {
    /// Version-2 fingerprints.
    pub fingerprints: BTreeSet<String>,
    /// Version-1 fingerprints, from a baseline an earlier version wrote.
    pub legacy: BTreeSet<String>,
    /// `(kind, test)` of each entry of such a baseline.
    pub legacy_entries: BTreeSet<(String, String)>,
}

/// How a finding matched a baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match {
    /// Not in it.
    No,
    /// By its fingerprint.
    Fingerprint,
    /// By an old baseline's fingerprint, or its kind and test: the baseline needs rewriting.
    Legacy,
}

impl Baseline {
    /// Whether `finding` of `test` is in this baseline, and how.
    pub fn matches(&self, finding: &Finding, test: &str, fp: &str, root: &Path) -> Match {
        if self.fingerprints.contains(fp) {
            return Match::Fingerprint;
        }
        if self.legacy.is_empty() {
            return Match::No;
        }
        let by_kind = self
            .legacy_entries
            .contains(&(finding.kind.name().to_string(), test.to_string()));
        if by_kind || self.legacy.contains(&fingerprint_v1(finding, test, root)) {
            Match::Legacy
        } else {
            Match::No
        }
    }
}

/// One entry of a `--write-baseline` file.
#[derive(Deserialize)]
struct Entry {
    fingerprint: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    test: Option<String>,
}

/// A finding of a `--format json` report, as far as a baseline needs it.
#[derive(Deserialize)]
struct ReportedFinding {
    fingerprint: String,
    #[serde(default)]
    finding: Option<FindingKindOnly>,
}

#[derive(Deserialize)]
struct FindingKindOnly {
    kind: String,
}

#[derive(Deserialize)]
struct ReportedTest {
    name: String,
    #[serde(default)]
    findings: Vec<ReportedFinding>,
}

/// Either kind of file.
#[derive(Deserialize)]
struct BaselineFile {
    #[serde(default)]
    fingerprints: Vec<Entry>,
    #[serde(default)]
    tests: Vec<ReportedTest>,
}

/// Reads a baseline: a `--write-baseline` file or a `--format json` report.
///
/// # Errors
/// A sentence naming the file and what is wrong with it.
pub fn load_baseline(path: &Path) -> Result<Baseline, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the baseline {}: {e}", path.display()))?;
    let file: BaselineFile = serde_json::from_str(&text).map_err(|e| {
        format!(
            "the baseline {} is not JSON from --write-baseline or --format json: {e}",
            path.display()
        )
    })?;
    let mut entries: Vec<(String, Option<(String, String)>)> = file
        .fingerprints
        .into_iter()
        .map(|e| (e.fingerprint, e.kind.zip(e.test)))
        .collect();
    for test in file.tests {
        for f in test.findings {
            let key = f.finding.map(|k| (k.kind, test.name.clone()));
            entries.push((f.fingerprint, key));
        }
    }
    let mut baseline = Baseline::default();
    for (fp, key) in entries {
        if fp.starts_with(V2_PREFIX) {
            baseline.fingerprints.insert(fp);
        } else {
            baseline.legacy.insert(fp);
            if let Some(key) = key {
                baseline.legacy_entries.insert(key);
            }
        }
    }
    Ok(baseline)
}

#[cfg(test)]
mod tests {
    use super::*;
    use conc_check_core::report::FindingKind;

    /// A file in the temporary directory, removed when dropped (file names differ between
    /// tests, which may run at the same time).
    struct TempFile(std::path::PathBuf);

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    impl std::ops::Deref for TempFile {
        type Target = Path;
        fn deref(&self) -> &Path {
            &self.0
        }
    }

    fn temp(name: &str, text: &str) -> TempFile {
        let file = format!("conc-check-baseline-{}-{name}", std::process::id());
        let path = std::env::temp_dir().join(file);
        std::fs::write(&path, text).unwrap();
        TempFile(path)
    }

    #[test]
    fn both_kinds_of_file_are_read() {
        let path = temp(
            "b.json",
            r#"{"tests":[{"name":"t","findings":[{"fingerprint":"v2-aa"},{"fingerprint":"v2-bb"}]}],"fingerprints":[{"fingerprint":"v2-cc"}]}"#,
        );
        let set = load_baseline(&path).unwrap();
        assert_eq!(
            set.fingerprints.into_iter().collect::<Vec<_>>(),
            vec!["v2-aa", "v2-bb", "v2-cc"]
        );
        assert!(set.legacy.is_empty());
        let bad = temp("bad.json", "not json");
        assert!(load_baseline(&bad).unwrap_err().contains("not JSON"));
    }

    #[test]
    fn an_old_baseline_matches_by_kind_and_test_once() {
        let path = temp(
            "old.json",
            r#"{"format":"conc-check-baseline","version":1,"fingerprints":[{"fingerprint":"0123456789abcdef","kind":"deadlock","test":"abba","package":"p","message":"old words"}]}"#,
        );
        let baseline = load_baseline(&path).unwrap();
        let root = Path::new("/w");
        let deadlock = Finding::new(FindingKind::Deadlock, "new words");
        let fp = fingerprint(&deadlock, "abba", root);
        assert_eq!(
            baseline.matches(&deadlock, "abba", &fp, root),
            Match::Legacy
        );
        assert_eq!(baseline.matches(&deadlock, "other", &fp, root), Match::No);
        let race = Finding::new(FindingKind::DataRace, "new words");
        assert_eq!(baseline.matches(&race, "abba", &fp, root), Match::No);
    }
}
