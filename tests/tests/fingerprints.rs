//! Findings carry their structure (site roles, objects) beside their words, and fingerprints
//! come from the structure: rewording any finding of the corpus keeps its fingerprint.

use std::collections::HashSet;
use std::path::Path;

use conc_check::{Builder, FindingKind};
use conc_check_core::fingerprint::fingerprint;
use conc_check_core::report::SiteRole;

#[test]
fn rewording_any_corpus_finding_keeps_its_fingerprint() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut checked = 0;
    for program in conc_check_corpus::all()
        .into_iter()
        .filter(|p| p.is_buggy())
    {
        let report = Builder::new()
            .spurious_wakeups(program.spurious_wakeups)
            .explore(program.run);
        let mut distinct = HashSet::new();
        for finding in &report.findings {
            let fp = fingerprint(finding, program.name, root);
            let mut reworded = finding.clone();
            reworded.message = format!("said another way: {}", finding.message.to_uppercase());
            reworded.notes = vec!["nothing of what it said before".into()];
            for site in &mut reworded.sites {
                site.label = "a different label".into();
                // Another interleaving may number the same threads differently.
                site.thread = site.thread.map(|t| t + 7);
            }
            for object in &mut reworded.objects {
                object.name = Some("renamed".into());
            }
            assert_eq!(
                fp,
                fingerprint(&reworded, program.name, root),
                "{}: {finding:#?}",
                program.name
            );
            assert!(
                distinct.insert(fp),
                "{}: two findings of one report share a fingerprint",
                program.name
            );
            assert!(
                !finding.sites.is_empty(),
                "{}: a finding without sites: {finding:#?}",
                program.name
            );
            let has_objects = matches!(
                finding.kind,
                FindingKind::Deadlock
                    | FindingKind::LockOrderCycle
                    | FindingKind::DataRace
                    | FindingKind::Aba
                    | FindingKind::Starvation
            );
            // Threads that are all blocked in `park`, or pending on futures that said nothing
            // of what they wait for, wait for no object (the async corpus's lost wakeup): their
            // deadlock names the threads and the sites where they park or are pending.
            let waits: Vec<&String> = finding
                .notes
                .iter()
                .filter(|n| n.contains(" waits ") || n.contains(" is pending"))
                .collect();
            let parked = finding.kind == FindingKind::Deadlock
                && !waits.is_empty()
                && waits
                    .iter()
                    .all(|n| n.contains("waits in park()") || n.contains(" is pending"));
            if has_objects && !parked {
                assert!(
                    !finding.objects.is_empty(),
                    "{}: no objects in {finding:#?}",
                    program.name
                );
            }
            if finding.kind != FindingKind::Panic {
                assert!(
                    finding.sites.iter().any(|s| s.role != SiteRole::Other),
                    "{}: no site with a role in {finding:#?}",
                    program.name
                );
            }
            assert!(
                !finding.threads().is_empty(),
                "{}: a finding that names no thread: {finding:#?}",
                program.name
            );
            checked += 1;
        }
    }
    assert!(checked >= 17, "only {checked} findings checked");
}

#[test]
fn a_lock_order_cycle_names_the_thread_of_each_site() {
    let program = conc_check_corpus::all()
        .into_iter()
        .find(|p| p.name == "abba")
        .expect("abba is in the corpus");
    let report = Builder::new().explore(program.run);
    let finding = report
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::LockOrderCycle)
        .expect("abba has a lock-order cycle");
    assert_eq!(finding.threads(), [1, 2], "{finding:#?}");
    for site in &finding.sites {
        let thread = site.thread.expect("every site of the cycle has its thread");
        assert!(
            site.label.starts_with(&format!("thread {thread} ")) || site.label.starts_with("then "),
            "{site:?}"
        );
    }
}
