//! The weak memory model end to end: which store a load reads is a choice every strategy
//! takes, recorded in the schedule and replayed exactly; a finding that needs a stale read
//! says so; the SeqCst memory model has no such choices.

use conc_check::{Builder, FindingKind, MemoryModel, Strategy};
use conc_check_corpus::programs::{litmus, relaxed_publication};

fn panics(report: &conc_check::Report) -> bool {
    report.findings.first().map(|f| f.kind) == Some(FindingKind::Panic)
}

#[test]
fn a_relaxed_publication_fails_under_rc11_and_passes_under_seqcst() {
    let weak = Builder::new()
        .strategy(Strategy::Dfs)
        .explore(relaxed_publication::buggy);
    assert!(panics(&weak), "{weak}");
    let strong = Builder::new()
        .strategy(Strategy::Dfs)
        .memory_model(MemoryModel::SeqCst)
        .explore(relaxed_publication::buggy);
    assert!(strong.is_clean() && strong.complete, "{strong}");
}

#[test]
fn a_finding_that_needs_a_stale_read_explains_it_and_says_what_forbids_it() {
    let report = Builder::new()
        .strategy(Strategy::Dfs)
        .explore(relaxed_publication::buggy);
    let finding = report.findings.first().expect("a finding");
    let notes = finding.notes.join("\n");
    assert!(
        notes.contains("weak memory:")
            && notes.contains("loads 0 from")
            && notes.contains("stored 42 at")
            && notes.contains("nothing made that store happen before this Relaxed load"),
        "{notes}"
    );
    assert!(
        notes.contains("Release") && notes.contains("Acquire"),
        "the help names the orderings: {notes}"
    );
    let stale_step = report
        .interleaving
        .iter()
        .find(|s| s.action.contains("an older value although"));
    assert!(stale_step.is_some(), "{:#?}", report.interleaving);
}

#[test]
fn store_buffering_is_told_to_use_seqcst() {
    let report = Builder::new()
        .strategy(Strategy::Dfs)
        .explore(litmus::sb_release_acquire);
    let notes = report.findings.first().expect("a finding").notes.join("\n");
    assert!(
        notes.contains("store buffering") && notes.contains("fence(SeqCst)"),
        "{notes}"
    );
}

#[test]
fn a_clean_publication_has_no_stale_read_of_the_value() {
    let report = Builder::new()
        .strategy(Strategy::Dfs)
        .explore(relaxed_publication::clean);
    assert!(report.is_clean() && report.complete, "{report}");
}

#[test]
fn the_schedule_of_a_weak_finding_replays_it_exactly() {
    for program in [
        litmus::sb_release_acquire,
        litmus::iriw_acquire,
        litmus::mp_one_fence,
    ] {
        let report = Builder::new().strategy(Strategy::Dfs).explore(program);
        assert!(panics(&report), "{report}");
        let schedule = report.schedule.clone().expect("a schedule");
        let again = conc_check::replay(&schedule, program);
        assert!(panics(&again), "{again}");
        assert_eq!(again.findings[0].message, report.findings[0].message);
    }
}

#[test]
fn random_and_pct_sample_stale_reads() {
    for strategy in [Strategy::Random, Strategy::Pct { depth: 2 }] {
        for program in [litmus::sb_release_acquire, litmus::two_plus_two_w_release] {
            let report = Builder::new()
                .strategy(strategy)
                .iterations(2_000)
                .explore(program);
            assert!(panics(&report), "{strategy:?}: {report}");
        }
    }
}

#[test]
fn the_seqcst_model_makes_every_litmus_program_clean() {
    for program in litmus::ALL {
        let report = Builder::new()
            .strategy(Strategy::Dfs)
            .memory_model(MemoryModel::SeqCst)
            .explore(program.run);
        assert!(
            report.is_clean() && report.complete,
            "{}: {report}",
            program.name
        );
    }
}

#[test]
fn a_seqcst_schedule_replays_under_the_seqcst_model_whatever_the_setting() {
    let report = Builder::new()
        .strategy(Strategy::Dfs)
        .memory_model(MemoryModel::SeqCst)
        .explore(conc_check_corpus::programs::lost_update::buggy);
    let schedule = report.schedule.clone().expect("a finding and its schedule");
    // The default setting is RC11; the schedule says SeqCst, and replay follows it.
    let again = conc_check::replay(&schedule, conc_check_corpus::programs::lost_update::buggy);
    assert_eq!(
        again.findings.first().map(|f| f.kind),
        report.findings.first().map(|f| f.kind)
    );
    assert!(
        !again
            .findings
            .iter()
            .any(|f| f.kind == FindingKind::Nondeterminism),
        "{again}"
    );
}

#[test]
fn the_first_execution_of_a_search_reads_the_latest_stores() {
    // Choice 0 of every reads-from choice is the latest store: one execution is sequentially
    // consistent, and store buffering's weak outcome needs more.
    let first = Builder::new()
        .strategy(Strategy::Dfs)
        .iterations(1)
        .explore(litmus::sb_release_acquire);
    assert!(first.findings.is_empty(), "{first}");
    assert_eq!(first.executions, 1);
}

/// Under RC11 this test fails (store buffering); the attribute makes atomics sequentially
/// consistent, and it passes.
#[conc_check::test(memory_model = "seqcst", strategy = "dfs")]
fn the_attribute_chooses_the_memory_model() {
    litmus::sb_release_acquire()
}

/// The default memory model is RC11: the same test fails, as `should_panic` expects.
#[conc_check::test(strategy = "dfs")]
#[should_panic(expected = "store buffering")]
fn the_default_memory_model_shows_store_buffering() {
    litmus::sb_release_acquire()
}
