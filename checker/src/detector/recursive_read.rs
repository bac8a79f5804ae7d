//! Recursive read locks, predicted from one execution as lockdep predicts them: a thread that
//! read-locks an `RwLock` it already holds for reading deadlocks once a writer queues between
//! the two acquisitions. std's `RwLock` makes a new reader wait behind a writer that waits (on
//! Linux; its documentation promises neither order, and says a thread that takes a lock it
//! already holds may deadlock or panic), so the writer waits for the first read lock and the
//! second waits for the writer. That is a lock-order cycle through one lock, and it is reported
//! as one ([`FindingKind::LockOrderCycle`]) as soon as an execution has shown both halves on
//! the same lock: the recursive read by one thread, a blocking write by another, with no other
//! lock held by both (one would keep them apart, as a gate lock does for a cycle). The deadlock
//! itself needs the writer to arrive at exactly the right moment. As in lockdep (and the
//! lock-order graph), the order in which the two halves ran is not asked: a writer that only
//! ever runs before the reader exists (or after it is gone) is reported too.

use std::collections::HashSet;

use super::Scene;
use crate::describe::ObjectName;
use crate::event::{LockMode, ObjectId, ObjectKind, Site, ThreadId};
use crate::report::{Finding, FindingKind, SiteRole, SourceRef};

/// One sighting of an acquisition of an RwLock.
#[derive(Clone, Debug)]
pub(super) struct Sighting {
    pub thread: ThreadId,
    /// The lock.
    pub object: ObjectId,
    /// Where the acquisition was made.
    pub site: Site,
    /// For a recursive read, where the read lock it already held was taken.
    pub held_site: Option<Site>,
    /// The other locks the thread held, and how.
    pub gates: Vec<(ObjectId, LockMode)>,
}

impl Sighting {
    /// Whether the two can wait at the same time: other threads, and no lock held by both
    /// unless both hold it for reading (which keeps neither out).
    fn compatible(&self, other: &Sighting) -> bool {
        self.thread != other.thread
            && !self.gates.iter().any(|(g, mode)| {
                other.gates.iter().any(|(o, other_mode)| {
                    o == g && !(*mode == LockMode::Shared && *other_mode == LockMode::Shared)
                })
            })
    }
}

/// Recursive reads and writes of RwLocks in one execution.
#[derive(Default)]
pub(super) struct RecursiveReads {
    /// One sighting per thread and lock.
    reads: Vec<Sighting>,
    writes: Vec<Sighting>,
    /// Lock classes (creation sites) reported, across executions.
    reported: HashSet<Site>,
}

impl RecursiveReads {
    /// Forgets the previous execution (not what was reported).
    pub(super) fn reset(&mut self) {
        self.reads.clear();
        self.writes.clear();
    }

    /// `read` re-read-locked a lock it held for reading; reports the cycle if a writer of that
    /// lock is known. `class` is the lock's creation site.
    pub(super) fn read_again(
        &mut self,
        class: Site,
        read: Sighting,
        names: &dyn Scene,
    ) -> Option<Finding> {
        self.sighted(class, read, true, names)
    }

    /// `write` write-locked (blocking) a lock of class `class`; reports the cycle if a
    /// recursive read of that lock by another thread is known.
    pub(super) fn write(
        &mut self,
        class: Site,
        write: Sighting,
        names: &dyn Scene,
    ) -> Option<Finding> {
        self.sighted(class, write, false, names)
    }

    /// A recursive read (`read`) or a write: matched against the other half's sightings of
    /// the same lock, then remembered.
    fn sighted(
        &mut self,
        class: Site,
        seen: Sighting,
        read: bool,
        names: &dyn Scene,
    ) -> Option<Finding> {
        let (mine, theirs) = if read {
            (&mut self.reads, &self.writes)
        } else {
            (&mut self.writes, &self.reads)
        };
        let other = theirs
            .iter()
            .find(|o| o.object == seen.object && o.compatible(&seen));
        let finding = match other {
            Some(other) if self.reported.insert(class) => {
                let (r, w) = if read { (&seen, other) } else { (other, &seen) };
                Some(render(class, r, w, names))
            }
            _ => None,
        };
        remember(mine, seen);
        finding
    }
}

/// Sightings kept per execution, at most (a loop that takes locks under ever new gates).
const MAX_SIGHTINGS: usize = 256;

/// Keeps one sighting per thread, lock and set of locks held beside it.
fn remember(list: &mut Vec<Sighting>, seen: Sighting) {
    let known = list
        .iter()
        .any(|s| s.thread == seen.thread && s.object == seen.object && s.gates == seen.gates);
    if !known && list.len() < MAX_SIGHTINGS {
        list.push(seen);
    }
}

/// The finding: who reads twice, who writes, and the schedule that deadlocks.
fn render(class: Site, read: &Sighting, write: &Sighting, names: &dyn Scene) -> Finding {
    let lock = ObjectName::new(ObjectKind::RwLock, class, None);
    let short = lock.short();
    let named = if lock.has_variable() {
        format!("`{short}`")
    } else {
        short.clone()
    };
    let (reader, writer) = (names.label(read.thread), names.label(write.thread));
    let held_site = read.held_site.unwrap_or(read.site);
    let mut finding = Finding::new(
        FindingKind::LockOrderCycle,
        format!(
            "lock order cycle: {reader} read-locks {named} again while it holds it for reading, \
             and {writer} write-locks it; these can deadlock"
        ),
    );
    finding.add_object(lock.object_ref());
    finding
        .notes
        .push(format!("cycle: {} → {}", lock.long(), lock.medium()));
    finding.notes.push(format!(
        "{reader} holds {named}, read-locked at {}, and read-locks it again at {}",
        super::objects::at(held_site),
        super::objects::at(read.site),
    ));
    finding.notes.push(format!(
        "{writer} write-locks {named} at {}",
        super::objects::at(write.site),
    ));
    finding.notes.push(format!(
        "{named} is read-locked on both sides: the second read waits only while a writer waits \
         (std's RwLock makes new readers wait behind a waiting writer, and its documentation \
         says that taking a lock the thread already holds may deadlock or panic)"
    ));
    finding.notes.push("a schedule that deadlocks:".to_string());
    finding.notes.extend(scenario(&reader, &writer, &short));
    finding.notes.push(
        "read once and keep the guard (pass it, or the data, to what needs it), or drop the \
         first guard before reading again"
            .to_string(),
    );
    finding.sites.push(
        SourceRef::at(
            held_site,
            SiteRole::Acquire,
            format!("{reader} read-locks {named} here"),
        )
        .by(read.thread.0),
    );
    finding.sites.push(
        SourceRef::at(
            read.site,
            SiteRole::Acquire,
            "then read-locks it again here, holding it",
        )
        .by(read.thread.0),
    );
    finding.sites.push(
        SourceRef::at(
            write.site,
            SiteRole::Acquire,
            format!("{writer} write-locks {named} here"),
        )
        .by(write.thread.0),
    );
    finding
}

/// The lockdep-style scenario: the reader's first read, the writer queueing, the second read.
fn scenario(reader: &str, writer: &str, lock: &str) -> Vec<String> {
    const INDENT: &str = "       ";
    let first = format!("read({lock})");
    let width = [reader, first.as_str()]
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0)
        + 8;
    let pad = |left: &str| " ".repeat(width.saturating_sub(left.chars().count()));
    vec![
        format!("{INDENT}{reader}{}{writer}", pad(reader)),
        format!(
            "{INDENT}{}{}{}",
            "-".repeat(reader.chars().count()),
            pad(&"-".repeat(reader.chars().count())),
            "-".repeat(writer.chars().count())
        ),
        format!("{INDENT}{first}"),
        format!("{INDENT}{}write({lock})  <- waits", " ".repeat(width)),
        format!("{INDENT}read({lock})  <- waits: deadlock"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detector::NumberedThreads;

    #[track_caller]
    fn here() -> Site {
        std::panic::Location::caller()
    }

    fn seen(thread: u32, object: u32, held: Option<Site>, gates: &[u32]) -> Sighting {
        seen_with(thread, object, held, gates, LockMode::Exclusive)
    }

    fn seen_with(
        thread: u32,
        object: u32,
        held: Option<Site>,
        gates: &[u32],
        mode: LockMode,
    ) -> Sighting {
        Sighting {
            thread: ThreadId(thread),
            object: ObjectId(object),
            site: here(),
            held_site: held,
            gates: gates.iter().map(|g| (ObjectId(*g), mode)).collect(),
        }
    }

    #[test]
    fn a_recursive_read_and_another_threads_write_of_that_lock_make_one_finding() {
        let class = here();
        let mut r = RecursiveReads::default();
        let names = NumberedThreads;
        assert!(r
            .read_again(class, seen(0, 5, Some(here()), &[]), &names)
            .is_none());
        let f = r
            .write(class, seen(1, 5, None, &[]), &names)
            .expect("the writer completes the cycle");
        assert_eq!(f.kind, FindingKind::LockOrderCycle);
        assert!(
            f.message.contains("again while it holds it for reading"),
            "{}",
            f.message
        );
        assert_eq!(f.sites.len(), 3);
        // Once per class, also in a later execution.
        r.reset();
        assert!(r.write(class, seen(2, 5, None, &[]), &names).is_none());
        assert!(r
            .read_again(class, seen(0, 5, Some(here()), &[]), &names)
            .is_none());
    }

    #[test]
    fn the_writer_may_come_first_and_any_reader_counts() {
        let class = here();
        let mut r = RecursiveReads::default();
        let names = NumberedThreads;
        // Thread 1 reads twice and writes; thread 2 reads twice: 2 and 1 can deadlock.
        assert!(r
            .read_again(class, seen(1, 5, Some(here()), &[]), &names)
            .is_none());
        assert!(r.write(class, seen(1, 5, None, &[]), &names).is_none());
        assert!(r
            .read_again(class, seen(2, 5, Some(here()), &[]), &names)
            .is_some());
    }

    #[test]
    fn a_lock_both_hold_for_reading_keeps_nobody_out() {
        let class = here();
        let mut r = RecursiveReads::default();
        let names = NumberedThreads;
        let read = seen_with(0, 5, Some(here()), &[9], LockMode::Shared);
        assert!(r.read_again(class, read, &names).is_none());
        let write = seen_with(1, 5, None, &[9], LockMode::Shared);
        assert!(r.write(class, write, &names).is_some());
    }

    #[test]
    fn a_writer_seen_under_a_gate_and_then_without_one_counts_without() {
        let class = here();
        let mut r = RecursiveReads::default();
        let names = NumberedThreads;
        assert!(r.write(class, seen(1, 5, None, &[9]), &names).is_none());
        assert!(r.write(class, seen(1, 5, None, &[]), &names).is_none());
        assert!(r
            .read_again(class, seen(0, 5, Some(here()), &[9]), &names)
            .is_some());
    }

    #[test]
    fn another_lock_of_the_class_the_readers_own_write_or_a_common_lock_stay_silent() {
        let class = here();
        let mut r = RecursiveReads::default();
        let names = NumberedThreads;
        assert!(r
            .read_again(class, seen(0, 5, Some(here()), &[9]), &names)
            .is_none());
        // Its own write.
        assert!(r.write(class, seen(0, 5, None, &[]), &names).is_none());
        // A lock made by the same code, but another one.
        assert!(r.write(class, seen(1, 6, None, &[]), &names).is_none());
        // Under the lock the reader held too.
        assert!(r.write(class, seen(1, 5, None, &[9]), &names).is_none());
    }
}
