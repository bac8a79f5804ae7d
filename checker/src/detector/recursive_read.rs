//! Recursive read locks, predicted from one execution as lockdep predicts them: a thread that
//! read-locks an `RwLock` it already holds for reading deadlocks once a writer queues between
//! the two acquisitions. std's `RwLock` makes a new reader wait behind a waiting writer (on
//! Linux; its documentation promises neither order, and says a thread that takes a lock it
//! already holds may deadlock or panic), so the writer waits for the first read lock and the
//! second waits for the writer. That is a lock-order cycle through one lock, and it is reported
//! as one ([`FindingKind::LockOrderCycle`]) as soon as both halves have been seen, in any
//! executions: the recursive read by one thread, a blocking write of a lock created at the same
//! place by another. The deadlock itself needs the writer to arrive at exactly the right moment.
//!
//! Locks are matched by creation site (their class), like the lock-order graph's classes.

use std::collections::{HashMap, HashSet};

use super::ThreadNames;
use crate::describe::ObjectName;
use crate::event::{ObjectKind, Site, ThreadId};
use crate::report::{Finding, FindingKind, SiteRole, SourceRef};

/// One sighting of an acquisition.
#[derive(Clone, Copy, Debug)]
pub(super) struct Sighting {
    pub thread: ThreadId,
    /// Where the acquisition was made.
    pub site: Site,
    /// For a recursive read, where the read lock it already held was taken.
    pub held_site: Option<Site>,
    /// The execution (counted from 1) it was seen in.
    pub execution: u64,
}

/// Recursive reads and writes per lock class, across executions.
#[derive(Default)]
pub(super) struct RecursiveReads {
    reads: HashMap<Site, Sighting>,
    /// Per class, the writers seen (one sighting per thread is enough).
    writes: HashMap<Site, Vec<Sighting>>,
    reported: HashSet<Site>,
}

impl RecursiveReads {
    /// `read` re-read-locked a lock of `class` it held for reading; reports the cycle if a
    /// writer of the class is known.
    pub(super) fn read_again(
        &mut self,
        class: Site,
        read: Sighting,
        execution: u64,
        names: &dyn ThreadNames,
    ) -> Option<Finding> {
        self.reads.entry(class).or_insert(read);
        self.check(class, execution, names)
    }

    /// `write` write-locked (blocking) a lock of `class`; reports the cycle if a recursive
    /// read of the class by another thread is known.
    pub(super) fn write(
        &mut self,
        class: Site,
        write: Sighting,
        execution: u64,
        names: &dyn ThreadNames,
    ) -> Option<Finding> {
        let writers = self.writes.entry(class).or_default();
        if writers.iter().any(|w| w.thread == write.thread) {
            return None;
        }
        writers.push(write);
        self.check(class, execution, names)
    }

    fn check(&mut self, class: Site, execution: u64, names: &dyn ThreadNames) -> Option<Finding> {
        if self.reported.contains(&class) {
            return None;
        }
        let read = self.reads.get(&class)?;
        let write = self
            .writes
            .get(&class)?
            .iter()
            .find(|w| w.thread != read.thread)?;
        let finding = render(class, read, write, execution, names);
        self.reported.insert(class);
        Some(finding)
    }
}

/// The finding: who reads twice, who writes, and the schedule that deadlocks.
fn render(
    class: Site,
    read: &Sighting,
    write: &Sighting,
    execution: u64,
    names: &dyn ThreadNames,
) -> Finding {
    let lock = ObjectName::new(ObjectKind::RwLock, class, None);
    let short = lock.short();
    let named = if lock.has_variable() {
        format!("`{short}`")
    } else {
        short.clone()
    };
    let (reader, writer) = (names.label(read.thread), names.label(write.thread));
    let earlier = |s: &Sighting| {
        if s.execution != execution {
            " (in an earlier execution)"
        } else {
            ""
        }
    };
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
        "{reader} holds {named}, read-locked at {}, and read-locks it again at {}{}",
        super::objects::at(held_site),
        super::objects::at(read.site),
        earlier(read)
    ));
    finding.notes.push(format!(
        "{writer} write-locks {named} at {}{}",
        super::objects::at(write.site),
        earlier(write)
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

    fn sighting(thread: u32, site: Site, held: Option<Site>, execution: u64) -> Sighting {
        Sighting {
            thread: ThreadId(thread),
            site,
            held_site: held,
            execution,
        }
    }

    #[test]
    fn a_recursive_read_and_another_threads_write_make_one_finding() {
        let (class, first, second, w) = (here(), here(), here(), here());
        let mut r = RecursiveReads::default();
        let names = NumberedThreads;
        assert!(r
            .read_again(class, sighting(0, second, Some(first), 1), 1, &names)
            .is_none());
        let f = r
            .write(class, sighting(1, w, None, 2), 2, &names)
            .expect("the writer completes the cycle");
        assert_eq!(f.kind, FindingKind::LockOrderCycle);
        assert!(
            f.message.contains("again while it holds it for reading"),
            "{}",
            f.message
        );
        assert!(f
            .notes
            .iter()
            .any(|n| n.contains("in an earlier execution")));
        assert_eq!(f.sites.len(), 3);
        // Once per class.
        assert!(r.write(class, sighting(2, w, None, 3), 3, &names).is_none());
    }

    #[test]
    fn no_writer_or_only_the_reader_writing_stays_silent() {
        let (class, first, second, w) = (here(), here(), here(), here());
        let mut r = RecursiveReads::default();
        let names = NumberedThreads;
        assert!(r
            .read_again(class, sighting(0, second, Some(first), 1), 1, &names)
            .is_none());
        assert!(r.write(class, sighting(0, w, None, 1), 1, &names).is_none());
        // A writer of another class does not count.
        assert!(r
            .write(here(), sighting(1, w, None, 1), 1, &names)
            .is_none());
    }
}
