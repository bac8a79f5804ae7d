//! The reports of several workers merged into the exploration's one report.

use crate::config::{Config, StrategyKind};
use crate::report::Report;

/// One explored subtree of a split search and its report.
pub(super) struct Part {
    /// The subtree's place in the sequential search's order.
    pub key: Vec<u32>,
    /// What exploring it found.
    pub report: Report,
}

/// The report every merge starts from: what the configuration says.
fn base(config: &Config) -> Report {
    Report {
        strategy: config.strategy.to_string(),
        seed: config.seed,
        expect_panic: config.expect_panic.clone(),
        ..Report::default()
    }
}

/// A split search: the finding of the first subtree in order that has one; complete when every
/// subtree was, nothing went wrong and nothing was found. `executions` counts every execution
/// any worker started.
pub(super) fn search(
    config: &Config,
    parts: Vec<Part>,
    executions: u64,
    problem: Option<String>,
) -> Report {
    let mut report = base(config);
    report.executions = executions;
    report.steps = parts.iter().map(|p| p.report.steps).sum();
    report.pruned = parts.iter().map(|p| p.report.pruned).sum();
    let every_part_complete = !parts.is_empty() && parts.iter().all(|p| p.report.complete);
    let stopped = parts.iter().find_map(|p| p.report.stopped_because.clone());
    let first_found = parts
        .into_iter()
        .filter(|p| !p.report.findings.is_empty())
        .min_by(|a, b| a.key.cmp(&b.key));
    match first_found {
        Some(found) => report.adopt_findings(found.report),
        None => {
            report.stopped_because = problem.or(stopped);
            report.complete = every_part_complete && report.stopped_because.is_none();
        }
    }
    report
}

/// Sampling workers (`reports[w]` is worker `w`'s, `None` when it did not report): the finding
/// with the lowest (execution index, worker); the executions of all; complete only as worker
/// 0's proof search says for the portfolio (sampling alone never is).
pub(super) fn sampling(
    config: &Config,
    reports: Vec<Option<Report>>,
    problem: Option<String>,
) -> Report {
    let mut report = base(config);
    let answered: Vec<&Report> = reports.iter().flatten().collect();
    report.executions = answered.iter().map(|r| r.executions).sum();
    report.steps = answered.iter().map(|r| r.steps).sum();
    report.pruned = answered.iter().map(|r| r.pruned).sum();
    let proof = match config.strategy {
        StrategyKind::Portfolio => reports
            .first()
            .and_then(Option::as_ref)
            .is_some_and(|r| r.complete),
        _ => !answered.is_empty() && answered.iter().all(|r| r.complete),
    };
    let stopped = answered.iter().find_map(|r| r.stopped_because.clone());
    let coverage = answered
        .iter()
        .filter_map(|r| r.coverage.clone())
        .reduce(|a, b| a.combined(&b));
    let winner = reports
        .into_iter()
        .enumerate()
        .filter_map(|(w, r)| r.map(|r| (w, r)))
        .filter(|(_, r)| !r.findings.is_empty())
        .min_by_key(|(w, r)| (r.executions, *w));
    match winner {
        Some((_, found)) => report.adopt_findings(found),
        None => {
            report.stopped_because = problem.or(stopped);
            report.complete = proof && report.stopped_because.is_none();
            if !report.complete {
                report.coverage = coverage;
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Finding, FindingKind};

    fn found(executions: u64, message: &str) -> Report {
        Report {
            executions,
            findings: vec![Finding::new(FindingKind::Deadlock, message)],
            ..Report::default()
        }
    }

    fn clean(executions: u64, complete: bool) -> Report {
        Report {
            executions,
            complete,
            ..Report::default()
        }
    }

    #[test]
    fn sampling_reports_the_lowest_index_then_the_lowest_worker() {
        let config = Config {
            strategy: StrategyKind::Random,
            ..Config::default()
        };
        let merged = sampling(
            &config,
            vec![
                Some(found(7, "zero")),
                Some(found(5, "one")),
                Some(found(5, "two")),
            ],
            None,
        );
        assert_eq!(merged.findings[0].message, "one");
        assert_eq!(merged.executions, 17);
        assert!(!merged.complete);
    }

    #[test]
    fn a_lost_worker_keeps_a_clean_merge_from_being_complete() {
        let config = Config {
            strategy: StrategyKind::Portfolio,
            ..Config::default()
        };
        let whole = sampling(
            &config,
            vec![Some(clean(9, true)), Some(clean(9, false))],
            None,
        );
        assert!(whole.complete);
        let lost = sampling(
            &config,
            vec![Some(clean(9, true)), None],
            Some("worker 1 ended".into()),
        );
        assert!(!lost.complete);
        assert_eq!(lost.stopped_because.as_deref(), Some("worker 1 ended"));
    }

    #[test]
    fn a_split_search_reports_the_first_subtree_in_order_and_needs_every_part_complete() {
        let config = Config {
            strategy: StrategyKind::Dfs,
            ..Config::default()
        };
        let part = |key: Vec<u32>, report| Part { key, report };
        let merged = search(
            &config,
            vec![
                part(vec![0], clean(3, true)),
                part(vec![1, 0], found(2, "first")),
                part(vec![2], found(1, "later")),
            ],
            6,
            None,
        );
        assert_eq!(merged.findings[0].message, "first");
        assert_eq!(merged.executions, 6);
        let clean_parts = vec![part(vec![], clean(3, true)), part(vec![1], clean(2, false))];
        assert!(!search(&config, clean_parts, 5, None).complete);
        let complete = vec![part(vec![], clean(3, true)), part(vec![1], clean(2, true))];
        assert!(search(&config, complete, 5, None).complete);
    }
}
