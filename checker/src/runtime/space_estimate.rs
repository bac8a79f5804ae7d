//! How large the space is that an unbounded DFS stopped at its budget before exhausting:
//! Knuth's estimator ("Estimating the efficiency of backtrack programs", Math. Comp. 1975).
//!
//! A probe is an execution whose every choice is uniform among the alternatives offered there;
//! the product of the numbers of alternatives along its path is an unbiased estimate of the
//! number of leaves of the tree, that is of the executions a DFS without reduction runs. The
//! execution accumulates the logarithm of that product (`Execution::tree_weight`); the mean of
//! the probes' products is the estimate, and its standard error gives the spread.

use crate::report::SpaceEstimate;

/// Probes run after a DFS that stopped at its execution budget, at most (a tenth of the
/// budget when that is fewer).
pub(crate) const PROBES: u64 = 100;

/// The probes' path weights so far.
#[derive(Debug, Default)]
pub(crate) struct Probes {
    /// Executions the DFS ran before the probes.
    pub searched: u64,
    /// Alternatives the DFS pruned.
    pub pruned: u64,
    /// The logarithm of each probe's product of alternatives.
    log_weights: Vec<f64>,
}

impl Probes {
    /// Probing after a DFS that ran `searched` executions and pruned `pruned` alternatives.
    pub(crate) fn after(searched: u64, pruned: u64) -> Self {
        Probes {
            searched,
            pruned,
            log_weights: Vec::new(),
        }
    }

    /// How many probes have run.
    pub(crate) fn count(&self) -> u64 {
        self.log_weights.len() as u64
    }

    /// A probe ended; `log_weight` is the logarithm of its product of alternatives.
    pub(crate) fn add(&mut self, log_weight: f64) {
        self.log_weights.push(log_weight);
    }

    /// The estimate, if any probe ran.
    pub(crate) fn estimate(&self) -> Option<SpaceEstimate> {
        let weights: Vec<f64> = self.log_weights.iter().map(|w| w.exp()).collect();
        let k = weights.len();
        if k == 0 {
            return None;
        }
        let mean = weights.iter().sum::<f64>() / k as f64;
        let variance = if k > 1 {
            weights.iter().map(|w| (w - mean).powi(2)).sum::<f64>() / (k - 1) as f64
        } else {
            0.0
        };
        let error = (variance / k as f64).sqrt();
        Some(SpaceEstimate {
            searched: self.searched,
            probes: k as u64,
            executions: mean,
            low: (mean - 2.0 * error).max(self.searched as f64),
            high: mean + 2.0 * error,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_paths_estimate_their_product_exactly() {
        let mut probes = Probes::after(10, 0);
        for _ in 0..4 {
            probes.add((2.0f64 * 3.0).ln());
        }
        let estimate = probes.estimate().unwrap();
        assert!((estimate.executions - 6.0).abs() < 1e-9);
        assert!((estimate.high - 6.0).abs() < 1e-9);
        assert_eq!(estimate.low, 10.0, "never below what was searched");
    }

    #[test]
    fn the_mean_of_unequal_paths_with_a_spread() {
        // A root with two children, one a leaf and one with 4 leaves: 5 leaves; the paths
        // weigh 2 and 8, whose mean is 5.
        let mut probes = Probes::after(1, 0);
        probes.add(2f64.ln());
        probes.add(8f64.ln());
        let estimate = probes.estimate().unwrap();
        assert!((estimate.executions - 5.0).abs() < 1e-9);
        assert!(estimate.high > 5.0 && estimate.low < 5.0);
    }
}
