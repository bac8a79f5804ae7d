//! ABA: a compare-exchange succeeds because a value came back, on top of data that went stale.
//!
//! The rule has two halves, and both must hold for a compare-exchange by thread T on location L
//! to be reported:
//!
//! 1. Since T last saw L's value A (by a load or a failed compare-exchange), other threads
//!    changed L to something else and back to A; the compare-exchange expected A and succeeded.
//! 2. In between, T read other shared data (an atomic or a tracked cell) that another thread has
//!    overwritten since: what T is about to install was computed from a stale read (the `next`
//!    of a Treiber stack's popped node).
//!
//! The first half alone is harmless in a counter or a state machine whose values come back; the
//! second half is what makes the successful compare-exchange wrong.

use std::collections::VecDeque;

use super::objects::{at, Recycle, Recycled};
use super::{Detector, Interest, Scene};
use crate::describe::{name_object, object_ref};
use crate::event::{Event, ObjectId, Op, OpKind, Site, StoreId, ThreadId};
use crate::report::{Finding, FindingKind, SiteRole};

/// Writes remembered per object, and reads per thread.
const REMEMBERED: usize = 64;

/// What a thread last saw of an atomic.
#[derive(Clone, Copy)]
struct Observation {
    object: ObjectId,
    value: u64,
    /// The store seen ([`StoreId::LATEST`] where stores are not told apart: real mode).
    store: StoreId,
    step: u64,
    site: Site,
}

/// A read of shared data.
#[derive(Clone, Copy)]
struct Read {
    object: ObjectId,
    step: u64,
    site: Site,
}

/// A write of shared data: its values for an atomic, none for a cell.
#[derive(Clone, Copy)]
struct Write {
    thread: ThreadId,
    step: u64,
    values: Option<(u64, u64)>,
    site: Site,
}

#[derive(Default)]
struct ThreadView {
    observed: VecDeque<Observation>,
    reads: VecDeque<Read>,
}

impl Recycle for ThreadView {
    fn recycle(&mut self) {
        self.observed.clear();
        self.reads.clear();
    }
}

#[derive(Default)]
struct ObjectHistory {
    /// The value after the latest event that showed it.
    value: u64,
    writes: VecDeque<Write>,
}

impl Recycle for ObjectHistory {
    fn recycle(&mut self) {
        self.value = 0;
        self.writes.clear();
    }
}

/// Reports compare-exchanges that succeed on a value that went A→B→A over stale data.
#[derive(Default)]
pub struct AbaDetector {
    step: u64,
    threads: Recycled<ThreadView>,
    objects: Recycled<ObjectHistory>,
    reported: bool,
    /// An atomic was accessed in this execution. Until one is, no thread has seen a value a
    /// compare-exchange could expect, so a cell access is neither a read between such a look
    /// and its compare-exchange nor a write after such a read: it is skipped.
    atomics_seen: bool,
}

/// Appends `item`, forgetting the oldest entry when the list is full (every load, read and
/// write passes here, so the oldest goes in constant time).
fn push_bounded<T>(list: &mut VecDeque<T>, item: T) {
    if list.len() == REMEMBERED {
        list.pop_front();
    }
    list.push_back(item);
}

impl AbaDetector {
    /// A detector with nothing seen.
    pub fn new() -> Self {
        Self::default()
    }

    fn observe(&mut self, thread: ThreadId, object: ObjectId, seen: (u64, StoreId), site: Site) {
        let (value, store) = seen;
        let view = self.threads.grow(thread.index());
        let observation = Observation {
            object,
            value,
            store,
            step: self.step,
            site,
        };
        match view.observed.iter_mut().find(|o| o.object == object) {
            Some(o) => *o = observation,
            None => push_bounded(&mut view.observed, observation),
        }
        self.objects.grow(object.index()).value = value;
    }

    fn read(&mut self, thread: ThreadId, object: ObjectId, site: Site) {
        let step = self.step;
        push_bounded(
            &mut self.threads.grow(thread.index()).reads,
            Read { object, step, site },
        );
    }

    fn write(&mut self, event: &Event, object: ObjectId, values: Option<(u64, u64)>) {
        let history = self.objects.grow(object.index());
        if let Some((_, new)) = values {
            history.value = new;
        }
        push_bounded(
            &mut history.writes,
            Write {
                thread: event.thread,
                step: self.step,
                values,
                site: event.site,
            },
        );
    }

    /// Writes to `object` by threads other than `thread`, after step `after`.
    fn writes_by_others(&self, object: ObjectId, thread: ThreadId, after: u64) -> Vec<Write> {
        self.objects
            .get(object.index())
            .map(|h| {
                h.writes
                    .iter()
                    .filter(|w| w.step > after && w.thread != thread)
                    .copied()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A successful compare-exchange by `event.thread` on `location` that expected `expected`:
    /// the finding, when both halves of the rule hold.
    fn check(
        &self,
        event: &Event,
        location: ObjectId,
        (expected, read): (u64, StoreId),
        new: u64,
        names: &dyn Scene,
    ) -> Option<Finding> {
        let me = event.thread;
        let view = self.threads.get(me.index())?;
        let seen = view.observed.iter().find(|o| o.object == location)?;
        if seen.value != expected {
            return None;
        }
        if read != StoreId::LATEST && read == seen.store {
            // Weak memory: it read the very store the thread saw (other stores went after it
            // in modification order, not between): nothing came back.
            return None;
        }
        let between = self.writes_by_others(location, me, seen.step);
        if !between
            .iter()
            .any(|w| w.values.is_some_and(|(_, to)| to != expected))
        {
            return None;
        }
        let (stale, overwrite) = view
            .reads
            .iter()
            .filter(|r| r.step > seen.step && r.object != location)
            .find_map(|r| {
                self.writes_by_others(r.object, me, r.step)
                    .first()
                    .map(|w| (*r, *w))
            })?;
        Some(self.finding(event, seen, &between, (stale, overwrite), new, names))
    }

    fn finding(
        &self,
        cas: &Event,
        seen: &Observation,
        between: &[Write],
        (stale, overwrite): (Read, Write),
        new: u64,
        names: &dyn Scene,
    ) -> Finding {
        let me = names.label(cas.thread);
        let location = name_object(names, seen.object);
        let data = name_object(names, stale.object);
        let a = seen.value;
        let mut finding = Finding::new(
            FindingKind::Aba,
            format!(
                "ABA: {me}'s compare-exchange on {location} succeeded because the value {a} came \
                 back, but what it installs was computed from {data}, which has been overwritten since"
            ),
        )
        .note(format!("{me} saw {a} in {location} at {}", at(seen.site)))
        .site_by(
            cas.thread.0,
            seen.site,
            SiteRole::Access,
            format!("{me} reads {a} here"),
        )
        .note(format!("{me} read {data} at {}", at(stale.site)))
        .site_by(
            cas.thread.0,
            stale.site,
            SiteRole::Access,
            format!("{me} reads the data it will rely on here"),
        );
        for object in [seen.object, stale.object] {
            if let Some(object) = object_ref(names, object) {
                finding.add_object(object);
            }
        }
        let mut steps: Vec<(u64, String, Site, ThreadId)> = between
            .iter()
            .map(|w| {
                let (from, to) = w.values.unwrap_or((a, a));
                (
                    w.step,
                    format!("{} changed it from {from} to {to}", names.label(w.thread)),
                    w.site,
                    w.thread,
                )
            })
            .collect();
        steps.push((
            overwrite.step,
            format!(
                "{} overwrote the data {me} had read",
                names.label(overwrite.thread)
            ),
            overwrite.site,
            overwrite.thread,
        ));
        steps.sort_by_key(|s| s.0);
        for (_, what, site, thread) in steps {
            finding = finding
                .note(format!("then {what} at {}", at(site)))
                .site_by(thread.0, site, SiteRole::Sync, what);
        }
        finding
            .note(format!(
                "then {me}'s compare-exchange expected {a}, found {a} and stored {new} at {}",
                at(cas.site)
            ))
            .site_by(
                cas.thread.0,
                cas.site,
                SiteRole::Sync,
                format!("{me}'s compare-exchange succeeds here on stale data"),
            )
            .note(
                "help: a value that comes back does not mean nothing changed; tag it with a \
                 version counter that every change increments, or keep nodes from being reused \
                 while a thread may still hold them (hazard pointers, epochs)",
            )
    }
}

impl Detector for AbaDetector {
    fn interest(&self) -> Interest {
        // Steps count only these events: they only order its own records.
        Interest::only(&[
            OpKind::AtomicLoad,
            OpKind::AtomicRmw,
            OpKind::AtomicStore,
            OpKind::CellRead,
            OpKind::CellWrite,
        ])
    }

    fn reset(&mut self) {
        self.step = 0;
        self.threads.clear();
        self.objects.clear();
        self.reported = false;
        self.atomics_seen = false;
    }

    #[inline]
    fn on_event(&mut self, event: &Event, names: &dyn Scene) -> Option<Finding> {
        if !self.atomics_seen {
            match event.op {
                // The common event of a program without atomics, inlined.
                Op::CellRead | Op::CellWrite => return None,
                Op::AtomicLoad { .. } | Op::AtomicRmw { .. } | Op::AtomicStore { .. } => {
                    self.atomics_seen = true
                }
                _ => {}
            }
        }
        self.record(event, names)
    }
}

impl AbaDetector {
    /// [`Detector::on_event`] for an event that may matter.
    fn record(&mut self, event: &Event, names: &dyn Scene) -> Option<Finding> {
        self.step += 1;
        let object = event.object?;
        let t = event.thread;
        match event.op {
            Op::AtomicLoad { value, from, .. } => {
                self.observe(t, object, (value, from), event.site);
                self.read(t, object, event.site);
            }
            Op::AtomicRmw {
                success: false,
                old,
                from,
                ..
            } => {
                self.observe(t, object, (old, from), event.site);
                self.read(t, object, event.site);
            }
            Op::AtomicRmw {
                cas,
                old,
                new,
                from,
                id,
                ..
            } => {
                let finding = if cas && !self.reported {
                    self.check(event, object, (old, from), new, names)
                } else {
                    None
                };
                self.write(event, object, Some((old, new)));
                self.observe(t, object, (new, id), event.site);
                if finding.is_some() {
                    self.reported = true;
                    return finding;
                }
            }
            Op::AtomicStore { value, id, .. } => {
                let old = self.objects.get(object.index()).map_or(value, |h| h.value);
                self.write(event, object, Some((old, value)));
                self.observe(t, object, (value, id), event.site);
            }
            Op::CellRead => self.read(t, object, event.site),
            Op::CellWrite => self.write(event, object, None),
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::Noting;
    use crate::detector::NumberedThreads;
    use crate::event::{internal_site, MemOrder, ObjectKind};

    const HEAD: u32 = 0;
    const NEXT_OF_A: u32 = 1;

    fn ev(thread: u32, object: u32, op: Op) -> Event {
        Event {
            thread: ThreadId(thread),
            object: Some(ObjectId(object)),
            op,
            site: internal_site(),
        }
    }

    fn load(thread: u32, object: u32, value: u64) -> Event {
        ev(
            thread,
            object,
            Op::AtomicLoad {
                order: MemOrder::Acquire,
                value,
                from: crate::event::StoreId::LATEST,
            },
        )
    }

    fn store(thread: u32, object: u32, value: u64) -> Event {
        ev(
            thread,
            object,
            Op::AtomicStore {
                order: MemOrder::Release,
                value,
                id: crate::event::StoreId::LATEST,
            },
        )
    }

    fn cas(thread: u32, object: u32, old: u64, new: u64) -> Event {
        ev(
            thread,
            object,
            Op::AtomicRmw {
                order: MemOrder::AcqRel,
                success: true,
                cas: true,
                old,
                new,
                from: crate::event::StoreId::LATEST,
                id: crate::event::StoreId::LATEST,
            },
        )
    }

    fn run(events: &[Event]) -> Vec<Finding> {
        let mut d = AbaDetector::new();
        let mut created: Vec<Event> = [HEAD, NEXT_OF_A]
            .iter()
            .map(|&o| {
                ev(
                    0,
                    o,
                    Op::Create {
                        kind: ObjectKind::Atomic,
                    },
                )
            })
            .collect();
        created.extend_from_slice(events);
        let mut scene = Noting::new(NumberedThreads);
        created
            .iter()
            .filter_map(|e| {
                scene.note(e);
                d.on_event(e, &scene)
            })
            .collect()
    }

    /// Pop in thread 1 reads head = A (1) and A.next = B (2), then thread 2 pops A, pops B and
    /// pushes A back with A.next = C (3). Thread 1's compare-exchange(A, B) succeeds.
    fn treiber_interleaving() -> Vec<Event> {
        vec![
            load(1, HEAD, 1),
            load(1, NEXT_OF_A, 2),
            load(2, HEAD, 1),
            load(2, NEXT_OF_A, 2),
            cas(2, HEAD, 1, 2),
            cas(2, HEAD, 2, 3),
            store(2, NEXT_OF_A, 3),
            cas(2, HEAD, 3, 1),
            cas(1, HEAD, 1, 2),
        ]
    }

    /// The Treiber interleaving with store ids, as a model execution names them: thread 1's
    /// compare-exchange reads `head_store`.
    fn treiber_with_ids(head_store: u32) -> Vec<Event> {
        let id = crate::event::StoreId;
        let mut events = treiber_interleaving();
        // Thread 1 saw the initial store of head (id 0).
        if let Op::AtomicLoad { from, .. } = &mut events[0].op {
            *from = id(0);
        }
        // Thread 2's compare-exchanges made stores 1, 2 and 3 of head; 3 holds the value 1.
        for (i, made) in [(4, 1), (5, 2), (7, 3)] {
            if let Op::AtomicRmw { id: stored, .. } = &mut events[i].op {
                *stored = id(made);
            }
        }
        if let Op::AtomicRmw { from, .. } = &mut events[8].op {
            *from = id(head_store);
        }
        events
    }

    /// A tracked cell (a node's `next` kept outside an atomic).
    const NEXT_CELL: u32 = 2;

    /// The Treiber interleaving with the node's `next` in a tracked cell: thread 1 reads it
    /// between its look at head and its compare-exchange (`read_between`) or before any atomic
    /// was accessed, and thread 2 also writes the cell before any atomic was accessed.
    fn treiber_over_a_cell(read_between: bool) -> Vec<Event> {
        let cell = |thread, op| ev(thread, NEXT_CELL, op);
        let mut events = vec![cell(2, Op::CellWrite)];
        if !read_between {
            events.push(cell(1, Op::CellRead));
        }
        events.push(load(1, HEAD, 1));
        if read_between {
            events.push(cell(1, Op::CellRead));
        }
        events.extend([
            load(2, HEAD, 1),
            cas(2, HEAD, 1, 2),
            cas(2, HEAD, 2, 3),
            cell(2, Op::CellWrite),
            cas(2, HEAD, 3, 1),
            cas(1, HEAD, 1, 2),
        ]);
        events
    }

    #[test]
    fn a_cell_read_counts_only_after_the_look_at_the_location() {
        assert_eq!(
            run(&treiber_over_a_cell(true)).len(),
            1,
            "the cell read between the look and the compare-exchange went stale"
        );
        assert!(
            run(&treiber_over_a_cell(false)).is_empty(),
            "cell accesses before any atomic access cannot make a stale read"
        );
    }

    #[test]
    fn under_weak_memory_only_a_different_store_with_the_same_value_came_back() {
        // It read store 3, which thread 2 wrote after changing head: ABA.
        assert_eq!(run(&treiber_with_ids(3)).len(), 1);
        // It read the very store it saw (thread 2's stores went after it in modification
        // order, not between): no ABA, although the values in running order say otherwise.
        assert!(run(&treiber_with_ids(0)).is_empty());
    }

    #[test]
    fn a_treiber_pop_over_a_recycled_node_is_aba() {
        let found = run(&treiber_interleaving());
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert_eq!(f.kind, FindingKind::Aba);
        assert!(f.message.contains("thread 1"), "{}", f.message);
        assert!(f.message.contains("value 1 came back"), "{}", f.message);
        let text = f.notes.join("\n");
        assert!(text.contains("thread 2 changed"), "{text}");
        assert!(text.contains("from 1 to 2"), "{text}");
        assert!(text.contains("from 3 to 1"), "{text}");
        assert!(text.contains("thread 2 overwrote"), "{text}");
        assert!(text.contains("stored 2"), "{text}");
    }

    #[test]
    fn a_value_that_comes_back_without_a_stale_read_is_silent() {
        // A CAS-loop counter / state machine: 0 → 1 → 0 while thread 1 waited, nothing else read.
        let events = [
            load(1, HEAD, 0),
            cas(2, HEAD, 0, 1),
            store(2, HEAD, 0),
            cas(1, HEAD, 0, 1),
        ];
        assert!(run(&events).is_empty());
    }

    #[test]
    fn a_stale_read_without_the_value_coming_back_is_silent() {
        // Nobody touched head: the read of A.next may have been overwritten, but the exchange
        // is on an unchanged head (nothing to blame on ABA).
        let events = [
            load(1, HEAD, 1),
            load(1, NEXT_OF_A, 2),
            store(2, NEXT_OF_A, 3),
            cas(1, HEAD, 1, 2),
        ];
        assert!(run(&events).is_empty());
    }

    #[test]
    fn the_same_interleaving_without_the_recycling_is_silent() {
        // Thread 2 pops A and B and pushes a fresh node D: head never comes back to A, so thread
        // 1's exchange fails.
        let events = [
            load(1, HEAD, 1),
            load(1, NEXT_OF_A, 2),
            cas(2, HEAD, 1, 2),
            cas(2, HEAD, 2, 3),
            cas(2, HEAD, 3, 4),
            ev(
                1,
                HEAD,
                Op::AtomicRmw {
                    order: MemOrder::AcqRel,
                    success: false,
                    cas: true,
                    old: 4,
                    new: 4,
                    from: crate::event::StoreId::LATEST,
                    id: crate::event::StoreId::LATEST,
                },
            ),
        ];
        assert!(run(&events).is_empty());
    }
}
