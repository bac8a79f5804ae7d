//! Data races on tracked cells: two accesses to one `UnsafeCell`, at least one of them a write,
//! that happens-before does not order.
//!
//! The check is FastTrack's (Flanagan and Freund, PLDI 2009): per cell, the epoch of the last
//! write, and the epoch of the last read, which inflates to a vector clock of reads only while
//! reads by different threads are concurrent. Both checks of an access are then one or two
//! integer comparisons, and nothing is allocated per event once the tables have grown.
//!
//! A report names both accesses and says why nothing orders them, from what the detector saw:
//! a flag that the second thread read from the first but with too weak an ordering, a lock that
//! only one side held (or two different locks), or no synchronisation at all.

use super::objects::{at, grow};
use super::{Detector, Scene};
use crate::clock::{Epoch, VectorClock};
use crate::describe::{name_object, object_ref};
use crate::event::{Event, LockMode, ObjectId, Op, Site, ThreadId};
use crate::happens_before::{acquires, releases, HappensBefore};
use crate::report::{Finding, FindingKind, SiteRole};

/// One access to a cell, as remembered for the race check and the report.
#[derive(Clone, Copy, Debug)]
struct Access {
    epoch: Epoch,
    site: Site,
    /// Position in the event stream ([`HappensBefore::index`]).
    index: u64,
    write: bool,
    /// The innermost lock the thread held.
    lock: Option<(ObjectId, LockMode)>,
}

impl Access {
    fn thread(&self) -> ThreadId {
        self.epoch.thread
    }

    fn verb(&self) -> &'static str {
        if self.write {
            "writes"
        } else {
            "reads"
        }
    }

    fn noun(&self) -> &'static str {
        if self.write {
            "write"
        } else {
            "read"
        }
    }
}

/// FastTrack's state of one cell.
#[derive(Default)]
struct CellState {
    write: Option<Access>,
    /// The last read, while reads are totally ordered.
    read: Option<Access>,
    /// Reads are concurrent: `reads` and `readers` hold them instead of `read`.
    shared: bool,
    /// The epoch of each thread's last read, while `shared`.
    reads: VectorClock,
    /// Each thread's last read, by thread index, while `shared`.
    readers: Vec<Option<Access>>,
}

impl CellState {
    fn clear(&mut self) {
        self.write = None;
        self.read = None;
        self.shared = false;
        self.reads.clear();
        self.readers.clear();
    }

    fn add_reader(&mut self, read: Access) {
        let i = read.thread().index();
        self.reads.set(read.thread(), read.epoch.clock);
        if self.readers.len() <= i {
            self.readers.resize(i + 1, None);
        }
        self.readers[i] = Some(read);
    }

    /// Checks and records a read by a thread whose clock is `clock`; returns the earlier
    /// access it races with.
    fn read(&mut self, now: Access, clock: &VectorClock) -> Option<Access> {
        let t = now.thread();
        // Same era as this thread's last read: nothing new to check.
        if self.shared {
            if self.reads.get(t) == now.epoch.clock {
                self.readers[t.index()] = Some(now);
                return None;
            }
        } else if self.read.is_some_and(|r| r.epoch == now.epoch) {
            self.read = Some(now);
            return None;
        }
        if let Some(w) = self.write {
            if !w.epoch.happens_before(clock) {
                return Some(w);
            }
        }
        if self.shared {
            self.add_reader(now);
        } else {
            match self.read {
                Some(r) if !r.epoch.happens_before(clock) => {
                    // Concurrent reads: keep one epoch per reader.
                    self.shared = true;
                    self.reads.clear();
                    self.readers.clear();
                    self.add_reader(r);
                    self.add_reader(now);
                    self.read = None;
                }
                _ => self.read = Some(now),
            }
        }
        None
    }

    /// Checks and records a write; returns the earlier access it races with.
    fn write(&mut self, now: Access, clock: &VectorClock) -> Option<Access> {
        if let Some(w) = self.write {
            if w.epoch == now.epoch {
                self.write = Some(now);
                return None;
            }
            if !w.epoch.happens_before(clock) {
                return Some(w);
            }
        }
        if self.shared {
            if let Some(u) = self.reads.first_not_le(clock) {
                return self.readers.get(u.index()).copied().flatten();
            }
        } else if let Some(r) = self.read {
            if !r.epoch.happens_before(clock) {
                return Some(r);
            }
        }
        // Every earlier access happens before this write: it alone matters from now on.
        self.shared = false;
        self.reads.clear();
        self.read = None;
        self.write = Some(now);
        None
    }
}

/// Finds the first data race of an execution on `cell::UnsafeCell`s.
#[derive(Default)]
pub struct DataRaceDetector {
    cells: Vec<CellState>,
    /// The locks each thread holds, innermost last.
    held: Vec<Vec<(ObjectId, LockMode)>>,
    /// A race was reported in this execution.
    reported: bool,
    /// The `unsync_load`s of this execution so far: a later store they do not happen before
    /// races with them.
    unsync_reads: Vec<UnsyncRead>,
}

/// A non-atomic read of an atomic (loom's `unsync_load`).
#[derive(Clone, Copy, Debug)]
struct UnsyncRead {
    object: ObjectId,
    reader: ThreadId,
    /// The reader's era at the read: a store by another thread happens after the read when
    /// that thread's clock has reached it.
    era: u32,
    site: Site,
}

impl DataRaceDetector {
    /// A detector with no history.
    pub fn new() -> Self {
        Self::default()
    }

    fn access(
        &mut self,
        event: &Event,
        cell: ObjectId,
        write: bool,
        hb: &HappensBefore,
        names: &dyn Scene,
    ) -> Option<Finding> {
        let t = event.thread;
        let now = Access {
            epoch: hb.epoch(t),
            site: event.site,
            index: hb.index(),
            write,
            lock: self.held.get(t.index()).and_then(|h| h.last().copied()),
        };
        let clock = hb.clock(t);
        let state = grow(&mut self.cells, cell.index());
        let earlier = if write {
            state.write(now, clock)
        } else {
            state.read(now, clock)
        }?;
        self.reported = true;
        Some(self.finding(cell, earlier, now, hb, names))
    }

    fn finding(
        &self,
        cell: ObjectId,
        earlier: Access,
        now: Access,
        hb: &HappensBefore,
        names: &dyn Scene,
    ) -> Finding {
        let first = names.label(earlier.thread());
        let second = names.label(now.thread());
        let mut finding = Finding::new(
            FindingKind::DataRace,
            format!(
                "data race on {}: {first} {} it and {second} {} it, and neither access happens \
                 before the other",
                name_object(names, cell),
                earlier.verb(),
                now.verb()
            ),
        )
        .note(format!(
            "{first} {} it at {}",
            earlier.verb(),
            at(earlier.site)
        ))
        .note(format!("{second} {} it at {}", now.verb(), at(now.site)))
        .site_by(
            earlier.thread().0,
            earlier.site,
            SiteRole::Access,
            format!("{first} {} here", earlier.verb()),
        )
        .site_by(
            now.thread().0,
            now.site,
            SiteRole::Access,
            format!("{second} {} here", now.verb()),
        );
        if let Some(object) = object_ref(names, cell) {
            finding.add_object(object);
        }
        self.explain(&mut finding, earlier, now, hb, names);
        finding
    }

    /// Why nothing orders `earlier` before `now`, in the user's terms.
    fn explain(
        &self,
        finding: &mut Finding,
        earlier: Access,
        now: Access,
        hb: &HappensBefore,
        names: &dyn Scene,
    ) {
        if self.explain_flag(finding, earlier, now, hb, names) {
            return;
        }
        let (first, second) = (names.label(earlier.thread()), names.label(now.thread()));
        let (why, help) = match (earlier.lock, now.lock) {
            (Some((a, LockMode::Shared)), Some((b, _)))
            | (Some((a, _)), Some((b, LockMode::Shared)))
                if a == b =>
            {
                (
                    format!(
                        "both hold {}, but a read lock does not exclude other readers",
                        name_object(names, a)
                    ),
                    "take the write lock for the write".to_string(),
                )
            }
            (Some((a, _)), Some((b, _))) if a != b => (
                format!(
                    "{first} holds {} and {second} holds {}: different locks do not order each \
                     other",
                    name_object(names, a),
                    name_object(names, b)
                ),
                "guard the cell with one lock".to_string(),
            ),
            (Some((a, _)), None) => (
                format!(
                    "{first} holds {} at its {}, but {second} does not hold it at its {}",
                    name_object(names, a),
                    earlier.noun(),
                    now.noun()
                ),
                "take the same lock for every access".to_string(),
            ),
            (None, Some((b, _))) => (
                format!(
                    "{second} holds {} at its {}, but {first} did not hold it at its {}",
                    name_object(names, b),
                    now.noun(),
                    earlier.noun()
                ),
                "take the same lock for every access".to_string(),
            ),
            _ => (
                "nothing orders them: no lock, channel, join or Release/Acquire pair between the \
                 two accesses"
                    .to_string(),
                "synchronise the two threads between the accesses (a lock, a channel, join, or \
                 a Release store read by an Acquire load)"
                    .to_string(),
            ),
        };
        finding.notes.push(format!("why: {why}"));
        finding.notes.push(format!("help: {help}"));
    }

    /// The second thread read an atomic that the first stored after its access, but the pair
    /// did not synchronise: says which ordering was too weak. False when there is no such flag.
    fn explain_flag(
        &self,
        finding: &mut Finding,
        earlier: Access,
        now: Access,
        hb: &HappensBefore,
        names: &dyn Scene,
    ) -> bool {
        let (first, second) = (names.label(earlier.thread()), names.label(now.thread()));
        let flag = hb
            .loads(now.thread())
            .filter(|(_, l)| l.store.thread == earlier.thread() && l.store.index > earlier.index)
            .max_by_key(|(_, l)| l.index);
        let Some((flag, load)) = flag else {
            return false;
        };
        let store = load.store;
        let published = releases(store.order) || store.fence.is_some_and(|i| i > earlier.index);
        let acquired = acquires(load.order)
            || hb
                .last_acquire_fence(now.thread())
                .is_some_and(|i| i > load.index);
        let name = name_object(names, flag);
        let (noun, later) = (earlier.noun(), now.noun());
        let (why, help) = match (published, acquired) {
            (false, false) => (
                format!(
                    "{first} stored the flag, {name}, with Relaxed at {}, after its {noun}, and \
                     {second} loaded it with Relaxed at {}; Relaxed accesses order nothing but \
                     the flag itself, so seeing the flag does not make the {noun} happen before \
                     the {later}",
                    at(store.site),
                    at(load.site)
                ),
                "store the flag with Ordering::Release and load it with Ordering::Acquire (or \
                 put a Release fence before the store and an Acquire fence after the load)",
            ),
            (false, true) => (
                format!(
                    "{first} stored the flag, {name}, with Relaxed at {}, after its {noun}; a \
                     Relaxed store publishes nothing, so {second}'s {} at {} does not order the \
                     {noun} before the {later}",
                    at(store.site),
                    if acquires(load.order) {
                        format!("{:?} load", load.order)
                    } else {
                        "load and Acquire fence".to_string()
                    },
                    at(load.site)
                ),
                "store the flag with Ordering::Release (or put a Release fence between the \
                 access and the store)",
            ),
            (true, false) => (
                format!(
                    "{first} published its {noun} by storing the flag, {name}, at {} ({:?}), but \
                     {second} loaded it with Relaxed at {} and no Acquire fence follows, so the \
                     load acquires nothing and the {noun} does not happen before the {later}",
                    at(store.site),
                    store.order,
                    at(load.site)
                ),
                "load the flag with Ordering::Acquire (or put an Acquire fence after the load)",
            ),
            (true, true) => return false,
        };
        finding.notes.push(format!("why: {why}"));
        finding.notes.push(format!("help: {help}"));
        finding.sites.push(
            crate::report::SourceRef::at(
                store.site,
                SiteRole::Sync,
                format!("{first} stores the flag here ({:?})", store.order),
            )
            .by(earlier.thread().0),
        );
        finding.sites.push(
            crate::report::SourceRef::at(
                load.site,
                SiteRole::Sync,
                format!("{second} loads it here ({:?})", load.order),
            )
            .by(now.thread().0),
        );
        true
    }
}

impl DataRaceDetector {
    /// Forgets the previous execution.
    pub fn reset(&mut self) {
        self.cells.iter_mut().for_each(CellState::clear);
        self.held.iter_mut().for_each(Vec::clear);
        self.reported = false;
        self.unsync_reads.clear();
    }

    /// A non-atomic read of atomic `object` by `reader` at `site` (loom's `unsync_load`): a
    /// data race with the first store to it that does not happen before the read, if any.
    /// The read is remembered: a later store that the read does not happen before races with
    /// it too ([`DataRaceDetector::observe`]).
    pub(crate) fn unsync_load(
        &mut self,
        object: ObjectId,
        reader: ThreadId,
        site: Site,
        hb: &HappensBefore,
        names: &dyn Scene,
    ) -> Option<Finding> {
        let read = UnsyncRead {
            object,
            reader,
            era: hb.epoch(reader).clock,
            site,
        };
        self.unsync_reads.push(read);
        if self.reported {
            return None;
        }
        let store = hb.store_not_before(reader, object)?;
        self.reported = true;
        Some(self.unsync_race(&read, (store.thread, store.site), false, names))
    }

    /// A store to `object` by `writer` at `store_site`, after any `unsync_load` of it: a race
    /// with the first such read that does not happen before the store.
    fn store_after_unsync_reads(
        &mut self,
        object: ObjectId,
        writer: ThreadId,
        store_site: Site,
        hb: &HappensBefore,
        names: &dyn Scene,
    ) -> Option<Finding> {
        let clock = hb.clock(writer);
        let read = *self
            .unsync_reads
            .iter()
            .find(|r| r.object == object && r.reader != writer && clock.get(r.reader) < r.era)?;
        self.reported = true;
        Some(self.unsync_race(&read, (writer, store_site), true, names))
    }

    /// The finding of `read` racing with the store `store` (its thread and site), which came
    /// `later` than the read or before it.
    fn unsync_race(
        &self,
        read: &UnsyncRead,
        (writer, store_site): (ThreadId, Site),
        later: bool,
        names: &dyn Scene,
    ) -> Finding {
        let (me, writer_name) = (names.label(read.reader), names.label(writer));
        let relation = if later {
            format!(
                "{writer_name} then stores to it, and the read does not happen before that store"
            )
        } else {
            format!("{writer_name}'s store to it does not happen before that read")
        };
        let mut finding = Finding::new(
            FindingKind::DataRace,
            format!(
                "data race on {}: {me} reads it without synchronising (`unsync_load`) while \
                 {relation}",
                name_object(names, read.object)
            ),
        )
        .note(format!("{writer_name} stores it at {}", at(store_site)))
        .note(format!(
            "{me} reads it without synchronising at {}",
            at(read.site)
        ))
        .note(
            "a non-atomic read of an atomic is allowed only where it is ordered with every \
             store to it: each store happens before the read, or the read before the store \
             (through a join, a lock, or an Acquire load that reads a Release store)",
        )
        .site_by(
            writer.0,
            store_site,
            SiteRole::Access,
            format!("{writer_name} stores here"),
        )
        .site_by(
            read.reader.0,
            read.site,
            SiteRole::Access,
            format!("{me} reads here without synchronising"),
        );
        if let Some(object) = object_ref(names, read.object) {
            finding.add_object(object);
        }
        finding
    }

    /// Sees one event, after `hb` has seen it; returns the execution's first data race.
    #[inline]
    pub fn observe(
        &mut self,
        event: &Event,
        hb: &HappensBefore,
        names: &dyn Scene,
    ) -> Option<Finding> {
        let used = matches!(
            event.op,
            Op::AtomicStore { .. }
                | Op::AtomicRmw { success: true, .. }
                | Op::CellRead
                | Op::CellWrite
                | Op::Acquire { .. }
                | Op::Release { .. }
        );
        if self.reported || !used {
            // The common event, inlined: one that only happens-before needed.
            return None;
        }
        self.observe_used(event, hb, names)
    }

    /// [`DataRaceDetector::observe`] for an event it uses.
    fn observe_used(
        &mut self,
        event: &Event,
        hb: &HappensBefore,
        names: &dyn Scene,
    ) -> Option<Finding> {
        let t = event.thread;
        match (event.op, event.object) {
            (Op::AtomicStore { .. } | Op::AtomicRmw { success: true, .. }, Some(o))
                if !self.unsync_reads.is_empty() =>
            {
                return self.store_after_unsync_reads(o, t, event.site, hb, names)
            }
            (Op::CellRead, Some(o)) => return self.access(event, o, false, hb, names),
            (Op::CellWrite, Some(o)) => return self.access(event, o, true, hb, names),
            (Op::Acquire { mode, .. }, Some(o)) => grow(&mut self.held, t.index()).push((o, mode)),
            (Op::Release { .. }, Some(o)) => {
                if let Some(held) = self.held.get_mut(t.index()) {
                    if let Some(i) = held.iter().rposition(|(l, _)| *l == o) {
                        // Usually the latest lock taken: no shifting.
                        if i + 1 == held.len() {
                            held.pop();
                        } else {
                            held.remove(i);
                        }
                    }
                }
            }
            _ => {}
        }
        None
    }
}

/// The race detector with happens-before of its own, for event streams nothing else tracks
/// (real mode, unit tests).
#[derive(Default)]
pub struct StandaloneRaces {
    hb: HappensBefore,
    races: DataRaceDetector,
}

impl Detector for StandaloneRaces {
    fn reset(&mut self) {
        self.hb.reset();
        self.races.reset();
    }

    fn on_event(&mut self, event: &Event, names: &dyn Scene) -> Option<Finding> {
        self.hb.on_event(event);
        self.races.observe(event, &self.hb, names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::Noting;
    use crate::detector::NumberedThreads;
    use crate::event::MemOrder::{self, AcqRel, Acquire, Relaxed, Release, SeqCst};
    use crate::event::ObjectKind;
    use std::panic::Location;

    /// An event at the caller's line.
    #[track_caller]
    fn ev(thread: u32, object: u32, op: Op) -> Event {
        Event {
            thread: ThreadId(thread),
            object: Some(ObjectId(object)),
            op,
            site: Location::caller(),
        }
    }

    /// The cell every test races on.
    const CELL: u32 = 0;
    /// The synchronisation object of a test.
    const SYNC: u32 = 1;
    const OTHER: u32 = 2;
    /// A mutex.
    const MUTEX: u32 = 3;

    /// The main thread creates the cell and spawns threads 1 and 2, then `events` run.
    fn run(events: &[Event]) -> Option<Finding> {
        let mut d = StandaloneRaces::default();
        let prelude = [
            ev(
                0,
                CELL,
                Op::Create {
                    kind: ObjectKind::Cell,
                },
            ),
            ev(
                0,
                SYNC,
                Op::Create {
                    kind: ObjectKind::Atomic,
                },
            ),
            ev(
                0,
                MUTEX,
                Op::Create {
                    kind: ObjectKind::Mutex,
                },
            ),
            ev(0, 9, Op::Spawn { child: ThreadId(1) }),
            ev(0, 9, Op::Spawn { child: ThreadId(2) }),
        ];
        let mut scene = Noting::new(NumberedThreads);
        prelude.iter().chain(events).find_map(|e| {
            scene.note(e);
            d.on_event(e, &scene)
        })
    }

    fn races(events: &[Event]) -> Finding {
        let f = run(events).expect("a data race");
        assert_eq!(f.kind, FindingKind::DataRace);
        f
    }

    fn clean(events: &[Event]) {
        if let Some(f) = run(events) {
            panic!("unexpected finding: {}\n{}", f.message, f.notes.join("\n"));
        }
    }

    fn text(f: &Finding) -> String {
        format!("{}\n{}", f.message, f.notes.join("\n"))
    }

    fn store(order: MemOrder) -> Op {
        Op::AtomicStore {
            order,
            value: 1,
            id: crate::event::StoreId::LATEST,
        }
    }
    fn load(order: MemOrder) -> Op {
        Op::AtomicLoad {
            order,
            value: 1,
            from: crate::event::StoreId::LATEST,
        }
    }
    fn rmw(order: MemOrder) -> Op {
        Op::AtomicRmw {
            order,
            success: true,
            cas: false,
            old: 0,
            new: 1,
            from: crate::event::StoreId::LATEST,
            id: crate::event::StoreId::LATEST,
        }
    }
    fn fence(order: MemOrder) -> Op {
        Op::Fence { order }
    }
    const LOCK: Op = Op::Acquire {
        mode: LockMode::Exclusive,
        try_lock: false,
    };
    const UNLOCK: Op = Op::Release {
        mode: LockMode::Exclusive,
    };
    const READ: Op = Op::CellRead;
    const WRITE: Op = Op::CellWrite;

    /// Thread 1 writes the payload then stores the flag; the main thread loads it, then reads.
    fn message_passing(store_order: MemOrder, load_order: MemOrder) -> Option<Finding> {
        run(&[
            ev(1, CELL, WRITE),
            ev(1, SYNC, store(store_order)),
            ev(0, SYNC, load(load_order)),
            ev(0, CELL, READ),
        ])
    }

    #[test]
    fn release_acquire_message_passing_is_clean() {
        for (s, l) in [(Release, Acquire), (SeqCst, SeqCst), (AcqRel, Acquire)] {
            assert!(message_passing(s, l).is_none(), "{s:?}/{l:?}");
        }
    }

    #[test]
    fn relaxed_message_passing_races_and_blames_the_flag() {
        let f = message_passing(Relaxed, Relaxed).expect("race");
        let t = text(&f);
        assert!(
            t.contains("thread 1 writes it and the main thread reads it"),
            "{t}"
        );
        assert!(
            t.contains("Relaxed accesses order nothing but the flag itself"),
            "{t}"
        );
        assert!(t.contains("Ordering::Release"), "{t}");
        assert!(
            t.contains(&format!("the atomic created at {}", file!())),
            "{t}"
        );
        let labels: Vec<&str> = f.sites.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "thread 1 writes here",
                "the main thread reads here",
                "thread 1 stores the flag here (Relaxed)",
                "the main thread loads it here (Relaxed)",
            ]
        );
    }

    #[test]
    fn one_relaxed_side_is_named() {
        let t = text(&message_passing(Relaxed, Acquire).expect("race"));
        assert!(
            t.contains("thread 1 stored the flag, the atomic created at"),
            "{t}"
        );
        assert!(t.contains("a Relaxed store publishes nothing"), "{t}");
        let t = text(&message_passing(Release, Relaxed).expect("race"));
        assert!(
            t.contains("but the main thread loaded it with Relaxed"),
            "{t}"
        );
        assert!(t.contains("load the flag with Ordering::Acquire"), "{t}");
    }

    #[test]
    fn fence_pair_orders_relaxed_accesses() {
        clean(&[
            ev(1, CELL, WRITE),
            ev(1, 9, fence(Release)),
            ev(1, SYNC, store(Relaxed)),
            ev(0, SYNC, load(Relaxed)),
            ev(0, 9, fence(Acquire)),
            ev(0, CELL, READ),
        ]);
        clean(&[
            ev(1, CELL, WRITE),
            ev(1, 9, fence(SeqCst)),
            ev(1, SYNC, store(Relaxed)),
            ev(0, SYNC, load(Relaxed)),
            ev(0, 9, fence(SeqCst)),
            ev(0, CELL, READ),
        ]);
    }

    #[test]
    fn fences_in_the_wrong_place_do_not_order() {
        // The Acquire fence is missing.
        let t = text(&races(&[
            ev(1, CELL, WRITE),
            ev(1, 9, fence(Release)),
            ev(1, SYNC, store(Relaxed)),
            ev(0, SYNC, load(Relaxed)),
            ev(0, CELL, READ),
        ]));
        assert!(t.contains("the load acquires nothing"), "{t}");
        // The Release fence comes before the write.
        races(&[
            ev(1, 9, fence(Release)),
            ev(1, CELL, WRITE),
            ev(1, SYNC, store(Relaxed)),
            ev(0, SYNC, load(Relaxed)),
            ev(0, 9, fence(Acquire)),
            ev(0, CELL, READ),
        ]);
        // The Acquire fence comes before the load.
        races(&[
            ev(1, CELL, WRITE),
            ev(1, SYNC, store(Release)),
            ev(0, 9, fence(Acquire)),
            ev(0, SYNC, load(Relaxed)),
            ev(0, CELL, READ),
        ]);
    }

    #[test]
    fn release_sequence_continues_through_rmws_and_ends_at_relaxed_stores() {
        clean(&[
            ev(1, CELL, WRITE),
            ev(1, SYNC, store(Release)),
            ev(2, SYNC, rmw(Relaxed)),
            ev(0, SYNC, load(Acquire)),
            ev(0, CELL, READ),
        ]);
        races(&[
            ev(1, CELL, WRITE),
            ev(1, SYNC, store(Release)),
            ev(2, SYNC, store(Relaxed)),
            ev(0, SYNC, load(Acquire)),
            ev(0, CELL, READ),
        ]);
    }

    #[test]
    fn a_failed_compare_exchange_acquires_only_with_an_acquire_failure_ordering() {
        let failed = |order| Op::AtomicRmw {
            order,
            success: false,
            cas: true,
            old: 0,
            new: 0,
            from: crate::event::StoreId::LATEST,
            id: crate::event::StoreId::LATEST,
        };
        clean(&[
            ev(1, CELL, WRITE),
            ev(1, SYNC, store(Release)),
            ev(0, SYNC, failed(Acquire)),
            ev(0, CELL, READ),
        ]);
        races(&[
            ev(1, CELL, WRITE),
            ev(1, SYNC, store(Release)),
            ev(0, SYNC, failed(Relaxed)),
            ev(0, CELL, READ),
        ]);
    }

    #[test]
    fn a_lock_orders_the_accesses_it_guards() {
        clean(&[
            ev(1, MUTEX, LOCK),
            ev(1, CELL, WRITE),
            ev(1, MUTEX, UNLOCK),
            ev(0, MUTEX, LOCK),
            ev(0, CELL, WRITE),
            ev(0, MUTEX, UNLOCK),
        ]);
    }

    #[test]
    fn a_lock_held_by_one_side_only_is_named() {
        let t = text(&races(&[
            ev(1, MUTEX, LOCK),
            ev(1, CELL, WRITE),
            ev(1, MUTEX, UNLOCK),
            ev(0, CELL, READ),
        ]));
        assert!(t.contains("thread 1 holds the Mutex created at"), "{t}");
        assert!(t.contains("but the main thread does not hold it"), "{t}");
    }

    #[test]
    fn two_different_locks_do_not_order() {
        let t = text(&races(&[
            ev(1, MUTEX, LOCK),
            ev(1, CELL, WRITE),
            ev(1, MUTEX, UNLOCK),
            ev(0, OTHER, LOCK),
            ev(0, CELL, WRITE),
            ev(0, OTHER, UNLOCK),
        ]));
        assert!(t.contains("different locks do not order each other"), "{t}");
    }

    #[test]
    fn read_locks_do_not_exclude_each_other() {
        let read_lock = Op::Acquire {
            mode: LockMode::Shared,
            try_lock: false,
        };
        let read_unlock = Op::Release {
            mode: LockMode::Shared,
        };
        clean(&[
            ev(1, SYNC, read_lock),
            ev(1, CELL, READ),
            ev(0, SYNC, read_lock),
            ev(0, CELL, READ),
            ev(1, SYNC, read_unlock),
            ev(0, SYNC, read_unlock),
            ev(2, SYNC, LOCK),
            ev(2, CELL, WRITE),
        ]);
        let t = text(&races(&[
            ev(1, SYNC, read_lock),
            ev(1, CELL, WRITE),
            ev(0, SYNC, read_lock),
            ev(0, CELL, READ),
        ]));
        assert!(
            t.contains("a read lock does not exclude other readers"),
            "{t}"
        );
    }

    #[test]
    fn join_orders_the_joined_thread() {
        clean(&[
            ev(1, CELL, WRITE),
            ev(1, 9, Op::Exit),
            ev(
                0,
                9,
                Op::Join {
                    target: ThreadId(1),
                },
            ),
            ev(0, CELL, READ),
        ]);
        let f = races(&[
            ev(1, CELL, WRITE),
            ev(1, 9, Op::Exit),
            ev(
                0,
                9,
                Op::Join {
                    target: ThreadId(2),
                },
            ),
            ev(0, CELL, READ),
        ]);
        assert!(text(&f).contains("nothing orders them"), "{}", text(&f));
    }

    #[test]
    fn spawn_orders_what_the_parent_did_before() {
        clean(&[
            ev(0, CELL, WRITE),
            ev(0, 9, Op::Spawn { child: ThreadId(3) }),
            ev(3, CELL, READ),
        ]);
        races(&[
            ev(0, 9, Op::Spawn { child: ThreadId(3) }),
            ev(0, CELL, WRITE),
            ev(3, CELL, READ),
        ]);
    }

    #[test]
    fn a_message_orders_its_send_before_its_receive() {
        clean(&[
            ev(1, CELL, WRITE),
            ev(1, SYNC, Op::Send { waits: true }),
            ev(0, SYNC, Op::Receive { waits: true }),
            ev(0, CELL, READ),
        ]);
        // The receive takes the first message, sent before the write.
        races(&[
            ev(1, SYNC, Op::Send { waits: true }),
            ev(1, CELL, WRITE),
            ev(1, SYNC, Op::Send { waits: true }),
            ev(0, SYNC, Op::Receive { waits: true }),
            ev(0, CELL, READ),
        ]);
    }

    #[test]
    fn barrier_arrivals_happen_before_departures_of_the_same_round() {
        clean(&[
            ev(1, CELL, WRITE),
            ev(1, SYNC, Op::BarrierArrive),
            ev(0, SYNC, Op::BarrierArrive),
            ev(0, SYNC, Op::BarrierPass),
            ev(1, SYNC, Op::BarrierPass),
            ev(0, CELL, READ),
        ]);
        // Thread 1 leaves round 1, writes, and arrives at round 2 before the main thread
        // leaves round 1: the write is not ordered before the main thread's read.
        races(&[
            ev(1, SYNC, Op::BarrierArrive),
            ev(0, SYNC, Op::BarrierArrive),
            ev(1, SYNC, Op::BarrierPass),
            ev(1, CELL, WRITE),
            ev(1, SYNC, Op::BarrierArrive),
            ev(0, SYNC, Op::BarrierPass),
            ev(0, CELL, READ),
        ]);
    }

    #[test]
    fn once_orders_the_initialiser_before_later_observers() {
        clean(&[
            ev(1, CELL, WRITE),
            ev(1, SYNC, Op::OnceComplete),
            ev(0, SYNC, Op::OnceComplete),
            ev(0, CELL, READ),
        ]);
        races(&[
            ev(1, SYNC, Op::OnceComplete),
            ev(1, CELL, WRITE),
            ev(0, SYNC, Op::OnceComplete),
            ev(0, CELL, READ),
        ]);
    }

    #[test]
    fn unpark_happens_before_park_returns() {
        clean(&[
            ev(1, CELL, WRITE),
            ev(
                1,
                9,
                Op::Unpark {
                    target: ThreadId(0),
                },
            ),
            ev(0, 9, Op::Parked),
            ev(0, CELL, READ),
        ]);
        // A park that returned (timed out) before the unpark.
        races(&[
            ev(1, CELL, WRITE),
            ev(0, 9, Op::Parked),
            ev(0, CELL, READ),
            ev(
                1,
                9,
                Op::Unpark {
                    target: ThreadId(0),
                },
            ),
        ]);
    }

    #[test]
    fn concurrent_reads_are_fine_but_a_write_must_follow_all_of_them() {
        clean(&[ev(1, CELL, READ), ev(2, CELL, READ), ev(0, CELL, READ)]);
        // Thread 1 and 2 read concurrently; the main thread joins thread 1 only and writes.
        let f = races(&[
            ev(1, CELL, READ),
            ev(2, CELL, READ),
            ev(1, 9, Op::Exit),
            ev(
                0,
                9,
                Op::Join {
                    target: ThreadId(1),
                },
            ),
            ev(0, CELL, WRITE),
        ]);
        assert!(
            f.message
                .contains("thread 2 reads it and the main thread writes it"),
            "{}",
            f.message
        );
    }

    #[test]
    fn a_thread_never_races_with_itself() {
        clean(&[
            ev(1, CELL, WRITE),
            ev(1, CELL, READ),
            ev(1, SYNC, UNLOCK),
            ev(1, CELL, WRITE),
        ]);
    }

    #[test]
    fn the_report_names_the_cell_both_accesses_and_their_sites() {
        let (create, write, read) = (
            ev(
                0,
                5,
                Op::Create {
                    kind: ObjectKind::Cell,
                },
            ),
            ev(2, 5, WRITE),
            ev(1, 5, READ),
        );
        let f = races(&[create, write, read]);
        let t = text(&f);
        assert!(
            f.message.starts_with(&format!(
                "data race on the UnsafeCell created at {}:{}: thread 2 writes it and thread 1 \
                 reads it",
                file!(),
                create.site.line()
            )),
            "{t}"
        );
        assert!(
            t.contains(&format!("thread 2 writes it at {}", at(write.site))),
            "{t}"
        );
        assert!(
            t.contains(&format!("thread 1 reads it at {}", at(read.site))),
            "{t}"
        );
        let sites: Vec<(u32, &str)> = f.sites.iter().map(|s| (s.line, s.label.as_str())).collect();
        assert_eq!(
            sites,
            [
                (write.site.line(), "thread 2 writes here"),
                (read.site.line(), "thread 1 reads here")
            ]
        );
    }

    #[test]
    fn only_the_first_race_of_an_execution_is_reported() {
        let mut d = StandaloneRaces::default();
        let events = [ev(1, CELL, WRITE), ev(2, CELL, WRITE), ev(0, CELL, WRITE)];
        let found: Vec<Finding> = events
            .iter()
            .filter_map(|e| d.on_event(e, &NumberedThreads))
            .collect();
        assert_eq!(found.len(), 1);
        d.reset();
        let again = events
            .iter()
            .filter_map(|e| d.on_event(e, &NumberedThreads))
            .count();
        assert_eq!(again, 1, "a new execution reports again");
    }
}
