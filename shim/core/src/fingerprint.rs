//! Finding fingerprints, for baselines.
//!
//! A fingerprint must be the same for the same bug on every run and every machine, and differ
//! between bugs. Version 2 hashes (FNV-1a 64) the finding's structure, never its words:
//!
//! - the kind (`deadlock`, `data_race`, …);
//! - the test (its path in its binary, without a seed);
//! - the sites, each as its role and `file:line`, sorted and de-duplicated (columns, which side
//!   of a race came first, schedules, counts and timings are left out); paths use `/`, an
//!   absolute path inside the workspace is made relative to its root, one inside cargo's
//!   registry keeps only `crate-version/…`;
//! - the objects, each as its type and creation `file:line`, sorted.
//!
//! So rewording a message, a note or a label keeps every fingerprint; moving the code of a
//! finding to another line changes it (a baseline is for known bugs in code nobody is editing).
//!
//! Version 1 hashed the message instead of roles and objects; [`fingerprint_v1`] computes it
//! for baselines written by earlier versions.

use std::collections::BTreeSet;
use std::path::Path;

use crate::report::Finding;

/// The prefix of version-2 fingerprints (version 1 had none).
pub const V2_PREFIX: &str = "v2-";

/// FNV-1a, 64 bits: the same bytes give the same value on every machine, run and Rust version.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn hash_parts(parts: &[&str]) -> u64 {
    let mut text = String::new();
    for part in parts {
        text.push_str(part);
        text.push('\u{0}');
    }
    fnv1a64(text.as_bytes())
}

/// The fingerprint of `finding`, found by `test`, in a workspace rooted at `root`.
pub fn fingerprint(finding: &Finding, test: &str, root: &Path) -> String {
    let sites: BTreeSet<String> = finding
        .sites
        .iter()
        .map(|s| format!("{:?} {}:{}", s.role, normalise_file(&s.file, root), s.line))
        .collect();
    let objects: BTreeSet<String> = finding
        .objects
        .iter()
        .map(|o| format!("{} {}", o.kind, normalise_file(&o.created, root)))
        .collect();
    let sites = sites.into_iter().collect::<Vec<_>>().join("\n");
    let objects = objects.into_iter().collect::<Vec<_>>().join("\n");
    let hash = hash_parts(&[finding.kind.name(), test, &sites, &objects]);
    format!("{V2_PREFIX}{hash:016x}")
}

/// The version-1 fingerprint, which hashed the message (numbers replaced) instead of the
/// structure: for reading baselines that earlier versions wrote.
pub fn fingerprint_v1(finding: &Finding, test: &str, root: &Path) -> String {
    let sites: BTreeSet<String> = finding
        .sites
        .iter()
        .map(|s| format!("{}:{}", normalise_file(&s.file, root), s.line))
        .collect();
    let sites = sites.into_iter().collect::<Vec<_>>().join("\n");
    let hash = hash_parts(&[
        finding.kind.name(),
        test,
        &sites,
        &normalise_message(&finding.message),
    ]);
    format!("{hash:016x}")
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{FindingKind, ObjectRef, SiteRole, SourceRef};

    fn finding(message: &str, sites: &[(&str, u32, u32)]) -> Finding {
        let mut f = Finding::new(FindingKind::DataRace, message)
            .note("a note that may change")
            .object(ObjectRef {
                kind: "UnsafeCell".into(),
                created: "src/lib.rs:4".into(),
                name: Some("cell".into()),
            });
        f.sites = sites
            .iter()
            .map(|(file, line, column)| SourceRef {
                file: file.to_string(),
                line: *line,
                column: *column,
                role: SiteRole::Access,
                thread: None,
                label: "x".into(),
            })
            .collect();
        f
    }

    #[test]
    fn stable_across_thread_numbers_columns_site_order_and_roots() {
        let a = finding(
            "thread 1 and thread 2 race on the cell",
            &[("/home/a/ws/src/lib.rs", 10, 5), ("src/lib.rs", 12, 9)],
        );
        let b = finding(
            "thread 3 and thread 1 race on the cell",
            &[("src/lib.rs", 12, 1), ("/ci/checkout/src/lib.rs", 10, 7)],
        );
        assert_eq!(
            fingerprint(&a, "t", Path::new("/home/a/ws")),
            fingerprint(&b, "t", Path::new("/ci/checkout/"))
        );
    }

    #[test]
    fn rewording_keeps_the_fingerprint_and_structure_changes_it() {
        let base = finding("a race", &[("src/lib.rs", 10, 5)]);
        let root = Path::new("/w");
        let fp = fingerprint(&base, "t", root);
        assert!(
            fp.starts_with(V2_PREFIX) && fp.len() == V2_PREFIX.len() + 16,
            "{fp}"
        );
        let mut reworded = base.clone();
        reworded.message = "two threads touch the cell at once".into();
        reworded.notes = vec!["said differently".into()];
        reworded.sites[0].label = "another label".into();
        assert_eq!(fp, fingerprint(&reworded, "t", root));

        assert_ne!(fp, fingerprint(&base, "u", root), "another test");
        let moved = finding("a race", &[("src/lib.rs", 11, 5)]);
        assert_ne!(fp, fingerprint(&moved, "t", root), "another line");
        let mut other_role = base.clone();
        other_role.sites[0].role = SiteRole::Sync;
        assert_ne!(fp, fingerprint(&other_role, "t", root), "another role");
        let mut other_object = base.clone();
        other_object.objects[0].created = "src/lib.rs:5".into();
        assert_ne!(fp, fingerprint(&other_object, "t", root), "another object");
        let mut other_kind = base.clone();
        other_kind.kind = FindingKind::Deadlock;
        assert_ne!(fp, fingerprint(&other_kind, "t", root), "another kind");
    }

    #[test]
    fn version_1_hashed_the_message() {
        let base = finding("a race", &[("src/lib.rs", 10, 5)]);
        let root = Path::new("/w");
        let v1 = fingerprint_v1(&base, "t", root);
        assert_eq!(v1.len(), 16);
        let reworded = finding("a data race", &[("src/lib.rs", 10, 5)]);
        assert_ne!(v1, fingerprint_v1(&reworded, "t", root));
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
    fn known_hash_values() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
