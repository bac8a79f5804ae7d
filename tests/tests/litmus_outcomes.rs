//! Every litmus test in every choice of orderings, explored exhaustively through the shim
//! (DFS with partial-order reduction, as users run it): the set of outcomes reached is exactly
//! the set C++20 (RC11) allows, as published (`conc_check_corpus::programs::litmus::CASES`
//! holds each set and its source).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use conc_check::{Builder, Strategy};
use conc_check_corpus::programs::litmus::CASES;

#[test]
fn exhaustive_search_reaches_exactly_the_outcomes_rc11_allows() {
    let mut wrong = Vec::new();
    for case in CASES {
        // Without reduction IRIW (main and four threads) is more than 1,000,000 executions.
        let unreduced = case.name != "IRIW";
        for reduction in [true, false] {
            if !reduction && !unreduced {
                continue;
            }
            let seen = Arc::new(Mutex::new(BTreeSet::new()));
            let record = seen.clone();
            let shape = case.shape;
            let report = Builder::new()
                .strategy(Strategy::Dfs)
                .max_preemptions(None)
                .partial_order_reduction(reduction)
                .iterations(1_000_000)
                .explore(move || {
                    let outcome = shape.run();
                    record.lock().unwrap().insert(outcome);
                });
            assert!(
                report.is_clean() && report.complete,
                "{}: {report}",
                case.name
            );
            let seen = seen.lock().unwrap().clone();
            let allowed: BTreeSet<Vec<usize>> = case.allowed.iter().map(|o| o.to_vec()).collect();
            println!(
                "{:<5} {:<45} reduction {reduction:<5} {:>7} executions",
                case.name, case.orderings, report.executions
            );
            if seen != allowed {
                wrong.push(format!(
                    "{} ({}), reduction {reduction}: reached {seen:?}, RC11 allows {allowed:?}",
                    case.name, case.orderings
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
