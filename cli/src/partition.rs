//! `--partition K/N`: CI sharding. Each test (and, with `--seeds`, each test and seed) belongs to
//! exactly one of N shards, chosen by a stable hash of its name, so that the N jobs of a CI
//! matrix together run everything once, whatever machine each runs on.

use std::fmt;

use crate::hash::{fnv1a64, mix64};

/// Shard `index` (1-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    /// Which shard, 1..=count.
    pub index: u64,
    /// How many shards.
    pub count: u64,
}

impl Partition {
    /// Parses `K/N` with 1 <= K <= N.
    pub fn parse(value: &str) -> Result<Partition, String> {
        const EXPECTED: &str = "expected K/N with 1 <= K <= N, e.g. 2/4";
        let (k, n) = value.trim().split_once('/').ok_or(EXPECTED)?;
        let index: u64 = k.trim().parse().map_err(|_| EXPECTED)?;
        let count: u64 = n.trim().parse().map_err(|_| EXPECTED)?;
        if index == 0 || count == 0 || index > count {
            return Err(EXPECTED.into());
        }
        Ok(Partition { index, count })
    }

    /// Whether the unit of work called `key` belongs to this shard.
    pub fn contains(&self, key: &str) -> bool {
        shard_of(key, self.count) == self.index
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The shard (1-based) that `key` belongs to among `count`.
pub fn shard_of(key: &str, count: u64) -> u64 {
    mix64(fnv1a64(key.as_bytes())) % count + 1
}

/// The partition key of a test run once per seed: the test name alone when there is one seed,
/// so the shards of a plain run depend only on test names.
pub fn key(test: &str, seed: Option<u64>) -> String {
    match seed {
        None => test.to_string(),
        Some(seed) => format!("{test}#seed={seed}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(
            Partition::parse("2/4"),
            Ok(Partition { index: 2, count: 4 })
        );
        for bad in ["0/4", "5/4", "1/0", "1", "a/b", "1/2/3", ""] {
            assert!(Partition::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_key_is_in_exactly_one_shard() {
        let keys: Vec<String> = (0..500).map(|i| format!("module::test_{i}")).collect();
        for count in 1..=7 {
            let mut sizes = vec![0usize; count as usize];
            for k in &keys {
                let owners: Vec<u64> = (1..=count)
                    .filter(|index| {
                        Partition {
                            index: *index,
                            count,
                        }
                        .contains(k)
                    })
                    .collect();
                assert_eq!(owners.len(), 1, "{k} in {owners:?} of {count}");
                sizes[(owners[0] - 1) as usize] += 1;
            }
            // A hash spreads 500 names over a few shards roughly evenly.
            for size in sizes {
                assert!(size * count as usize >= 500 / 2, "{count}: {size}");
            }
        }
    }

    /// The shards of four names among 3, computed once.
    const PINNED: [u64; 4] = [2, 3, 1, 3];

    #[test]
    fn shards_are_stable() {
        // Pinned: a change here reshuffles every CI matrix.
        let pinned: Vec<u64> = [
            "abba_deadlock",
            "two_increments",
            "plain_arithmetic",
            "lost_update",
        ]
        .iter()
        .map(|name| shard_of(name, 3))
        .collect();
        assert_eq!(pinned, PINNED);
    }
}
