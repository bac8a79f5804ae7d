//! Finding fingerprints and baselines.
//!
//! A fingerprint must be the same for the same bug on every run and every machine, and differ
//! between bugs. It hashes (FNV-1a 64, see [`crate::hash`]):
//!
//! - the finding kind (`deadlock`, `data_race`, …);
//! - the test name (the test's path in its binary, without a seed);
//! - the finding's source sites as `file:line`, sorted and de-duplicated: columns, which
//!   interleaving reached the bug, the schedule, the execution count and timings are left out,
//!   and so is the order of the sites (which side of a race came first depends on the
//!   interleaving). Paths use `/`; an absolute path inside the workspace is made relative to
//!   the workspace root, and one inside cargo's registry keeps only `crate-version/…`;
//! - the message with every number (and `0x…` address) replaced by `#`, so that thread and
//!   object numbers and counts do not matter.
//!
//! Moving the code of a finding to another line changes its fingerprint: the baseline is for
//! known bugs in code that is not being edited, and a bug in edited code is worth a new look.

use std::collections::BTreeSet;
use std::path::Path;

use conc_check_engine::report::Finding;
use serde_json::Value;

use crate::hash::fnv1a64;

/// The fingerprint of `finding`, found by `test`, in a workspace rooted at `root`.
pub fn fingerprint(finding: &Finding, test: &str, root: &Path) -> String {
    let sites: BTreeSet<String> = finding
        .sites
        .iter()
        .map(|s| format!("{}:{}", normalise_file(&s.file, root), s.line))
        .collect();
    let mut text = String::new();
    for part in [
        finding.kind.name(),
        test,
        &sites.into_iter().collect::<Vec<_>>().join("\n"),
        &normalise_message(&finding.message),
    ] {
        text.push_str(part);
        text.push('\u{0}');
    }
    format!("{:016x}", fnv1a64(text.as_bytes()))
}

/// A source path as it reads on any machine.
pub fn normalise_file(file: &str, root: &Path) -> String {
    let file = file.replace('\\', "/");
    let root = root.display().to_string().replace('\\', "/");
    if let Some(rest) = file.strip_prefix(&format!("{}/", root.trim_end_matches('/'))) {
        return rest.to_string();
    }
    if let Some(at) = file.find("/registry/src/") {
        // …/registry/src/<index>/<crate-version>/src/lib.rs → <crate-version>/src/lib.rs
        let rest = &file[at + "/registry/src/".len()..];
        if let Some((_, tail)) = rest.split_once('/') {
            return tail.to_string();
        }
    }
    file
}

/// The message with numbers and addresses replaced by `#` and runs of spaces collapsed.
pub fn normalise_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let chars: Vec<char> = message.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '0'
            && matches!(chars.get(i + 1), Some('x' | 'X'))
            && chars.get(i + 2).is_some_and(char::is_ascii_hexdigit)
        {
            i += 2;
            while chars.get(i).is_some_and(char::is_ascii_hexdigit) {
                i += 1;
            }
            out.push('#');
        } else if c.is_ascii_digit() {
            while chars.get(i).is_some_and(char::is_ascii_digit) {
                i += 1;
            }
            out.push('#');
        } else if c.is_whitespace() {
            while chars.get(i).is_some_and(|c| c.is_whitespace()) {
                i += 1;
            }
            out.push(' ');
        } else {
            out.push(c);
            i += 1;
        }
    }
    out.trim().to_string()
}

/// The fingerprints in a baseline file: every string under a `fingerprint` key, anywhere in the
/// document, so both a `--write-baseline` file and a `--format json` report serve.
pub fn load_baseline(path: &Path) -> Result<BTreeSet<String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the baseline {}: {e}", path.display()))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "the baseline {} is not JSON (expected a file from --write-baseline or --format json): {e}",
            path.display()
        )
    })?;
    let mut found = BTreeSet::new();
    collect(&value, &mut found);
    Ok(found)
}

fn collect(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("fingerprint", Value::String(s)) => {
                        found.insert(s.clone());
                    }
                    _ => collect(v, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, found)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use conc_check_engine::report::{FindingKind, SourceRef};

    fn finding(message: &str, sites: &[(&str, u32, u32)]) -> Finding {
        Finding {
            kind: FindingKind::DataRace,
            message: message.into(),
            notes: vec!["a note that may change".into()],
            sites: sites
                .iter()
                .map(|(f, l, c)| SourceRef {
                    file: f.to_string(),
                    line: *l,
                    column: *c,
                    label: "x".into(),
                })
                .collect(),
        }
    }

    #[test]
    fn stable_across_thread_numbers_columns_site_order_and_roots() {
        let a = finding(
            "thread 1 and thread 2 race on the cell created at src/lib.rs:4",
            &[("/home/a/ws/src/lib.rs", 10, 5), ("src/lib.rs", 12, 9)],
        );
        let b = finding(
            "thread 3 and thread 1 race on the cell created at src/lib.rs:40",
            &[("src/lib.rs", 12, 1), ("/ci/checkout/src/lib.rs", 10, 7)],
        );
        assert_eq!(
            fingerprint(&a, "t", Path::new("/home/a/ws")),
            fingerprint(&b, "t", Path::new("/ci/checkout/"))
        );
    }

    #[test]
    fn differs_by_kind_test_line_and_words() {
        let base = finding("a race", &[("src/lib.rs", 10, 5)]);
        let root = Path::new("/w");
        let fp = fingerprint(&base, "t", root);
        assert_ne!(fp, fingerprint(&base, "u", root));
        assert_ne!(
            fp,
            fingerprint(&finding("a race", &[("src/lib.rs", 11, 5)]), "t", root)
        );
        assert_ne!(
            fp,
            fingerprint(&finding("a deadlock", &[("src/lib.rs", 10, 5)]), "t", root)
        );
        let mut other_kind = base.clone();
        other_kind.kind = FindingKind::Deadlock;
        assert_ne!(fp, fingerprint(&other_kind, "t", root));
        assert_eq!(fp.len(), 16);
    }

    #[test]
    fn messages_lose_numbers_and_addresses() {
        assert_eq!(
            normalise_message("thread 12 waits  for 0x7ffe12 after 3 tries"),
            "thread # waits for # after # tries"
        );
    }

    #[test]
    fn registry_paths_lose_the_machine() {
        assert_eq!(
            normalise_file(
                "/home/me/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/foo-1.2.3/src/lib.rs",
                Path::new("/w")
            ),
            "foo-1.2.3/src/lib.rs"
        );
    }

    #[test]
    fn baselines_are_read_from_any_depth() {
        let dir = std::env::temp_dir().join(format!("conc-check-baseline-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("b.json");
        std::fs::write(
            &path,
            r#"{"tests":[{"findings":[{"fingerprint":"aa"},{"fingerprint":"bb"}]}],"fingerprints":[{"fingerprint":"cc"}]}"#,
        )
        .unwrap();
        let set = load_baseline(&path).unwrap();
        assert_eq!(set.into_iter().collect::<Vec<_>>(), vec!["aa", "bb", "cc"]);
        std::fs::write(&path, "not json").unwrap();
        assert!(load_baseline(&path).unwrap_err().contains("not JSON"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
