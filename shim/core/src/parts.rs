//! The reports of the parts of one exploration split between CI jobs
//! (`CONC_CHECK_PARTITION=K/N`) combined into the report of the whole, as
//! `cargo conc-check merge` does.
//!
//! The whole is never greener than its parts: a missing part, a part that stopped early, or a
//! DFS part whose sleep sets stopped holding makes it incomplete, and says why.

use crate::report::{Coverage, Report};

/// The report of the whole exploration from the reports of its parts (in any order). Reports
/// without a part are taken as they are; parts of different splits are not mixed up (the
/// first report's count decides).
pub fn merge_parts(mut reports: Vec<Report>) -> Report {
    reports.sort_by_key(|r| r.part.as_ref().map_or(0, |p| p.index));
    let Some(count) = reports
        .iter()
        .find_map(|r| r.part.as_ref().map(|p| p.count))
    else {
        return reports.into_iter().next().unwrap_or_default();
    };
    let first = reports.first().cloned().unwrap_or_default();
    let dfs = first.strategy == "dfs";
    let foreign = reports.iter().find(|r| {
        r.part.as_ref().is_none_or(|p| p.count != count)
            || r.strategy != first.strategy
            || r.seed != first.seed
    });
    if let Some(other) = foreign {
        return refused(
            &first,
            format!(
                "the reports are not the parts of one split: {} against {} (the parts must come \
                 from one --exploration-partition K/N run of every K, with the same settings)",
                describe_part(&first),
                describe_part(other)
            ),
        );
    }
    // `reports` is sorted by part: a part given twice (a file passed twice, or two runs of one
    // part) sits next to itself. Its executions would count twice.
    let twice = reports.windows(2).find_map(|w| {
        let (a, b) = (w[0].part.as_ref()?, w[1].part.as_ref()?);
        (a.index == b.index).then_some(a.index)
    });
    if let Some(repeated) = twice {
        return refused(
            &first,
            format!(
                "part {repeated} of {count} was given more than once: merge each part's report \
                 once"
            ),
        );
    }
    let mut whole = Report {
        strategy: first.strategy.clone(),
        seed: first.seed,
        expect_panic: first.expect_panic.clone(),
        executions: reports.iter().map(|r| r.executions).sum(),
        steps: reports.iter().map(|r| r.steps).sum(),
        pruned: reports.iter().map(|r| r.pruned).sum(),
        seconds: reports.iter().map(|r| r.seconds).fold(0.0, f64::max),
        workers: reports.iter().map(|r| r.workers).max().unwrap_or(0),
        ..Report::default()
    };
    let present: Vec<u32> = reports
        .iter()
        .filter_map(|r| r.part.as_ref().map(|p| p.index))
        .collect();
    let missing: Vec<String> = (1..=count)
        .filter(|i| !present.contains(i))
        .map(|i| i.to_string())
        .collect();
    let found = reports
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.findings.is_empty())
        .min_by_key(|(i, r)| if dfs { (0, *i) } else { (r.executions, *i) })
        .map(|(i, _)| i);
    if let Some(i) = found {
        whole.adopt_findings(reports.swap_remove(i));
        return whole;
    }
    let fairness = reports
        .iter()
        .filter_map(|r| r.part.as_ref())
        .find(|p| p.fairness_engaged);
    whole.stopped_because = if !missing.is_empty() {
        Some(format!(
            "part{} {} of {count} {} missing: {} share of the exploration was not checked",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" },
            if missing.len() == 1 { "its" } else { "their" },
        ))
    } else if let (true, Some(p)) = (dfs && count > 1, fairness) {
        Some(format!(
            "the fair scheduler hid a spinning thread in part {} of {count}; the parts' sleep \
             sets at the split points do not hold then, so the merged search is not a proof \
             (run it as one exploration, with --workers for speed)",
            p.index
        ))
    } else {
        reports.iter().find_map(|r| r.stopped_because.clone())
    };
    // Every part must have split the search alike and the parts must cover its subtrees.
    let subtrees: Vec<u64> = reports
        .iter()
        .filter_map(|r| r.part.as_ref().map(|p| p.subtrees))
        .collect();
    let explored: u64 = reports
        .iter()
        .filter_map(|r| r.part.as_ref().map(|p| p.explored))
        .sum();
    let split_alike = subtrees.windows(2).all(|w| w[0] == w[1]);
    if dfs && whole.stopped_because.is_none() && (!split_alike || explored != subtrees[0]) {
        whole.stopped_because = Some(format!(
            "the parts did not split the search alike (subtrees {subtrees:?}, {explored} explored): \
             the test is not deterministic before its first decisions, or the parts ran other code"
        ));
    }
    let every_part_complete = reports.iter().all(|r| r.complete);
    whole.complete = whole.stopped_because.is_none()
        && if dfs {
            every_part_complete
        } else {
            // Sampling parts never exhaust anything; the portfolio's proof search runs whole
            // in part 1.
            reports.first().is_some_and(|r| r.complete)
        };
    if !whole.complete {
        whole.coverage = reports
            .iter()
            .filter_map(|r| r.coverage.clone())
            .reduce(|a, b| a.combined(&b));
    }
    whole
}

/// The merge of reports that are not the parts of one split, each once: nothing is counted,
/// and `why` says what is wrong with them.
fn refused(first: &Report, why: String) -> Report {
    Report {
        strategy: first.strategy.clone(),
        seed: first.seed,
        stopped_because: Some(why),
        ..Report::default()
    }
}

/// "part 1/2 of a dfs search with seed 0", for a mismatch.
fn describe_part(report: &Report) -> String {
    let part = report
        .part
        .as_ref()
        .map_or("a whole exploration".to_string(), |p| {
            format!("part {}/{}", p.index, p.count)
        });
    format!(
        "{part} of a {} search with seed {}",
        report.strategy, report.seed
    )
}

impl Coverage {
    /// PCT's bound over two independent sets of executions: each missed a bug of the depth
    /// with probability at most its own figure, so both with at most the product; the
    /// per-execution figure is the smaller guarantee.
    pub fn combined(&self, other: &Coverage) -> Coverage {
        Coverage {
            depth: self.depth,
            threads: self.threads.max(other.threads),
            steps: self.steps.max(other.steps),
            hit_probability: self.hit_probability.min(other.hit_probability),
            miss_probability: self.miss_probability * other.miss_probability,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Finding, FindingKind, ReportPart};

    fn part(index: u32, count: u32, strategy: &str, complete: bool) -> Report {
        Report {
            strategy: strategy.into(),
            executions: 10,
            complete,
            part: Some(ReportPart {
                index,
                count,
                ..ReportPart::default()
            }),
            ..Report::default()
        }
    }

    #[test]
    fn a_dfs_is_complete_only_when_every_part_is_there_and_complete() {
        let whole = merge_parts(vec![part(2, 2, "dfs", true), part(1, 2, "dfs", true)]);
        assert!(whole.complete);
        assert_eq!(whole.executions, 20);
        let missing = merge_parts(vec![part(1, 3, "dfs", true)]);
        assert!(!missing.complete);
        let why = missing.stopped_because.unwrap();
        assert!(why.contains("parts 2, 3 of 3 are missing"), "{why}");
        let mut hidden = part(2, 2, "dfs", true);
        hidden.part.as_mut().unwrap().fairness_engaged = true;
        let unsound = merge_parts(vec![part(1, 2, "dfs", true), hidden]);
        assert!(!unsound.complete);
        assert!(unsound.stopped_because.unwrap().contains("fair scheduler"));
    }

    #[test]
    fn parts_of_different_splits_or_settings_are_not_one_exploration() {
        let other_count = merge_parts(vec![part(1, 2, "dfs", true), part(2, 3, "dfs", true)]);
        assert!(!other_count.complete);
        assert!(other_count
            .stopped_because
            .unwrap()
            .contains("not the parts of one split"));
        let mut other_seed = part(2, 2, "random", false);
        other_seed.seed = 7;
        let merged = merge_parts(vec![part(1, 2, "random", false), other_seed]);
        assert!(merged.stopped_because.is_some());
        let mut short = part(2, 2, "dfs", true);
        short.part.as_mut().unwrap().subtrees = 4;
        let merged = merge_parts(vec![part(1, 2, "dfs", true), short]);
        assert!(!merged.complete, "{merged:?}");
    }

    #[test]
    fn a_part_given_twice_is_not_counted_twice() {
        for strategy in ["dfs", "random"] {
            let merged = merge_parts(vec![
                part(1, 2, strategy, true),
                part(2, 2, strategy, true),
                part(1, 2, strategy, true),
            ]);
            assert!(!merged.complete, "{strategy}: {merged:?}");
            let why = merged.stopped_because.unwrap();
            assert!(
                why.contains("part 1 of 2 was given more than once"),
                "{why}"
            );
        }
        let once_each = merge_parts(vec![part(1, 2, "dfs", true), part(2, 2, "dfs", true)]);
        assert!(once_each.complete, "{once_each:?}");
    }

    #[test]
    fn sampling_parts_report_the_earliest_finding_and_combine_their_bounds() {
        let mut late = part(1, 2, "random", false);
        late.executions = 50;
        late.findings = vec![Finding::new(FindingKind::Deadlock, "late")];
        let mut early = part(2, 2, "random", false);
        early.executions = 5;
        early.findings = vec![Finding::new(FindingKind::Deadlock, "early")];
        let whole = merge_parts(vec![late, early]);
        assert_eq!(whole.findings[0].message, "early");
        assert_eq!(whole.executions, 55);
        let (mut a, mut b) = (part(1, 2, "pct", false), part(2, 2, "pct", false));
        a.coverage = Some(Coverage::pct(2, 2, 10, 100));
        b.coverage = Some(Coverage::pct(2, 2, 10, 100));
        let whole = merge_parts(vec![a.clone(), b]);
        let miss = a.coverage.unwrap().miss_probability;
        assert!((whole.coverage.unwrap().miss_probability - miss * miss).abs() < 1e-12);
    }
}
