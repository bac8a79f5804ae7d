//! What a schedule remembers of the execution it was taken from, and the check that a replay
//! did the same.
//!
//! Thread choices alone do not pin an execution down: a test whose data depends on the clock
//! can take every recorded choice and still do something else. The schedule therefore carries a
//! digest of the execution (which thread did which operation on which object, in order; values
//! are left out, since pointers differ from one process to the next) and the kinds of finding it
//! ended with. A replay that differs in either is a `nondeterminism` finding, not a quiet "no
//! finding".

use std::hash::{Hash, Hasher};

use crate::event::{Event, Op};
use crate::report::{Finding, FindingKind};
use crate::schedule::Recorded;

/// FNV-1a over what the digest hashes; stable across runs and machines.
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ *b as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// The record of an execution: its events and the findings it ended with.
pub(crate) fn record(trace: &[Event], findings: &[Finding]) -> Recorded {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    for event in trace {
        h.write_u32(event.thread.0);
        h.write_u32(event.object.map_or(0, |o| o.0 + 1));
        std::mem::discriminant(&event.op).hash(&mut h);
        if let Op::AtomicRmw { success, .. } = event.op {
            h.write_u8(success as u8);
        }
    }
    let digest = h.finish();
    Recorded {
        events: trace.len() as u64,
        digest: (digest ^ (digest >> 32)) as u32,
        findings: kinds(findings),
    }
}

/// The set of kinds among `findings`.
fn kinds(findings: &[Finding]) -> u32 {
    findings.iter().fold(0, |set, f| set | f.kind.bit())
}

/// The kinds in a set, in words: "a panic", "a deadlock and a data race", "no finding".
fn described(set: u32) -> String {
    let names: Vec<&str> = FindingKind::ALL
        .iter()
        .filter(|k| set & k.bit() != 0)
        .map(|k| k.name())
        .collect();
    if names.is_empty() {
        "no finding".to_string()
    } else {
        names.join(" and ")
    }
}

/// A `nondeterminism` finding when a replay that took every recorded choice still did not do
/// what the recorded execution did.
pub(crate) fn divergence(expected: &Recorded, actual: &Recorded) -> Option<Finding> {
    if expected == actual {
        return None;
    }
    let what = if expected.events != actual.events || expected.digest != actual.digest {
        format!(
            "the recorded execution made {} conc-check operations and this one {}{}",
            expected.events,
            actual.events,
            if expected.events == actual.events {
                ", but not the same ones"
            } else {
                ""
            }
        )
    } else {
        "it made the same operations".to_string()
    };
    Some(
        Finding::new(
            FindingKind::Nondeterminism,
            "the replay did not repeat the recorded execution, although every thread choice of \
             the schedule fitted",
        )
        .note(what)
        .note(format!(
            "the recorded execution ended with {}; this one with {}",
            described(expected.findings),
            described(actual.findings)
        ))
        .note(
            "something outside conc-check's control changed what the test did: real time \
             (Instant, SystemTime), randomness, HashMap iteration order, state kept from one \
             execution to the next (a static, a std atomic or lock), or a std thread; make the \
             test depend only on conc-check's choices and replays (and the search) can be trusted",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detector::testing::{ev, load};

    #[test]
    fn the_same_execution_has_the_same_record() {
        let trace = vec![ev(0, Some(1), load()), ev(1, Some(1), Op::Yield)];
        let a = record(&trace, &[]);
        assert_eq!(a, record(&trace, &[]));
        assert_eq!(divergence(&a, &a), None);
    }

    #[test]
    fn another_order_or_another_ending_is_a_divergence() {
        let one = vec![ev(0, Some(1), load()), ev(1, Some(1), Op::Yield)];
        let other = vec![ev(1, Some(1), Op::Yield), ev(0, Some(1), load())];
        let a = record(&one, &[]);
        let b = record(&other, &[]);
        assert_ne!(a.digest, b.digest);
        let f = divergence(&a, &b).expect("a divergence");
        assert_eq!(f.kind, FindingKind::Nondeterminism);
        assert!(f.notes[0].contains("not the same ones"), "{:?}", f.notes);

        let panicked = record(&one, &[Finding::new(FindingKind::Panic, "boom")]);
        let f = divergence(&panicked, &a).expect("a divergence");
        assert!(
            f.notes[1].contains("ended with panic; this one with no finding"),
            "{:?}",
            f.notes
        );
    }
}
