//! The memory model again, with happens-before as vector clocks instead of views: the
//! formulation the model moves to so that it and the race detector share one definition of
//! happens-before. A thread's view of a location is derived: the latest store or read of it
//! whose epoch the thread's clock covers. SeqCst fences teach the fencing thread's clock what
//! earlier SeqCst fences saw, as learned eras that travel along happens-before but are not
//! happens-before (RC11's SeqCst fences create none).
//!
//! The litmus tests run both formulations and require the same outcomes.

use super::Model;
use crate::clock::{Epoch, VectorClock};
use crate::event::{MemOrder, ThreadId};
use crate::memory::{CasChoice, Location, Timestamp};

const GAP: Timestamp = 1 << 32;

fn acquires(o: MemOrder) -> bool {
    matches!(o, MemOrder::Acquire | MemOrder::AcqRel | MemOrder::SeqCst)
}

fn releases(o: MemOrder) -> bool {
    matches!(o, MemOrder::Release | MemOrder::AcqRel | MemOrder::SeqCst)
}

#[derive(Clone, Debug)]
struct Message {
    ts: Timestamp,
    value: u64,
    /// The store's epoch; `None` for the initial value, which everyone has seen.
    epoch: Option<Epoch>,
    /// What a thread that acquires this store joins.
    release: VectorClock,
    taken: bool,
}

#[derive(Clone, Debug, Default)]
struct Place {
    messages: Vec<Message>,
    /// Every read: who read (its epoch) and which store.
    reads: Vec<(Epoch, Timestamp)>,
    /// The latest SeqCst store.
    sc: Timestamp,
}

#[derive(Clone, Debug, Default)]
struct Thread {
    clock: VectorClock,
    /// What its Relaxed loads read: an Acquire fence joins it.
    pending: VectorClock,
    /// The clock at its last Release fence: what its Relaxed stores publish.
    fence_release: VectorClock,
    /// Per location, the latest SeqCst store its SeqCst fences saw (what they taught about
    /// other threads is in `clock`, as learned eras).
    sc_stores: Vec<Timestamp>,
}

/// Memory with clocks. The same methods as [`crate::memory::Memory`].
#[derive(Clone, Debug, Default)]
pub(super) struct ClockedMemory {
    places: Vec<Place>,
    threads: Vec<Thread>,
    /// What SeqCst fences have seen.
    sc_fences: VectorClock,
}

/// Whether `knows` covers the access at `epoch`, by happens-before or what SeqCst fences
/// taught.
fn known(epoch: Epoch, knows: &VectorClock) -> bool {
    epoch.clock <= knows.knows(epoch.thread)
}

/// `view[x]`, 0 past the end.
fn at(view: &[Timestamp], x: Location) -> Timestamp {
    view.get(x).copied().unwrap_or(0)
}

impl ClockedMemory {
    /// The latest store or read of `x` whose epoch `knows` covers.
    fn seen(&self, knows: &VectorClock, x: Location) -> Timestamp {
        let place = &self.places[x];
        let stores = place
            .messages
            .iter()
            .filter(|m| m.epoch.is_none_or(|e| known(e, knows)))
            .map(|m| m.ts);
        let reads = place
            .reads
            .iter()
            .filter(|(e, _)| known(*e, knows))
            .map(|(_, ts)| *ts);
        stores.chain(reads).max().unwrap_or(0)
    }

    /// The oldest store of `x` an access with `order` by `t` may see.
    fn floor(&self, t: ThreadId, x: Location, order: MemOrder) -> Timestamp {
        let me = &self.threads[t.index()];
        let floor = self.seen(&me.clock, x).max(at(&me.sc_stores, x));
        if order == MemOrder::SeqCst {
            floor
                .max(self.places[x].sc)
                .max(self.seen(&self.sc_fences, x))
        } else {
            floor
        }
    }

    fn index_of(&self, x: Location, ts: Timestamp) -> usize {
        self.places[x]
            .messages
            .binary_search_by_key(&ts, |m| m.ts)
            .expect("a store of the location")
    }

    fn write(
        &mut self,
        t: ThreadId,
        x: Location,
        o: MemOrder,
        value: u64,
        after: Timestamp,
        continues: bool,
    ) {
        let i = self.index_of(x, after);
        let place = &self.places[x];
        let ts = match place.messages.get(i + 1) {
            None => after + GAP,
            Some(next) => {
                assert!(next.ts - after >= 2, "the prototype never renumbers");
                after + (next.ts - after) / 2
            }
        };
        let me = &self.threads[t.index()];
        let mut release = if releases(o) {
            me.clock.clone()
        } else {
            me.fence_release.clone()
        };
        if continues {
            release.join(&place.messages[i].release);
        }
        let epoch = me.clock.epoch(t);
        let place = &mut self.places[x];
        place.messages.insert(
            i + 1,
            Message {
                ts,
                value,
                epoch: Some(epoch),
                release,
                taken: false,
            },
        );
        if o == MemOrder::SeqCst {
            place.sc = place.sc.max(ts);
        }
        if releases(o) {
            self.threads[t.index()].clock.tick(t);
        }
    }
}

impl Model for ClockedMemory {
    fn add_location(&mut self, initial: u64) -> Location {
        self.places.push(Place {
            messages: vec![Message {
                ts: 0,
                value: initial,
                epoch: None,
                release: VectorClock::new(),
                taken: false,
            }],
            ..Place::default()
        });
        self.places.len() - 1
    }

    fn add_thread(&mut self, thread: ThreadId) {
        let i = thread.index();
        if self.threads.len() <= i {
            self.threads.resize_with(i + 1, Thread::default);
        }
        self.threads[i].clock.set(thread, 1);
    }

    fn latest(&self, x: Location) -> u64 {
        self.places[x].messages.last().expect("initial value").value
    }

    fn readable(&self, t: ThreadId, x: Location, o: MemOrder) -> Vec<(Timestamp, u64)> {
        let floor = self.floor(t, x, o);
        self.places[x]
            .messages
            .iter()
            .filter(|m| m.ts >= floor)
            .map(|m| (m.ts, m.value))
            .collect()
    }

    fn rmw_readable(&self, t: ThreadId, x: Location, o: MemOrder) -> Vec<(Timestamp, u64)> {
        let floor = self.floor(t, x, o);
        self.places[x]
            .messages
            .iter()
            .filter(|m| m.ts >= floor && !m.taken)
            .map(|m| (m.ts, m.value))
            .collect()
    }

    fn store_slots(&self, t: ThreadId, x: Location, o: MemOrder) -> Vec<Timestamp> {
        self.rmw_readable(t, x, o)
            .into_iter()
            .map(|(ts, _)| ts)
            .collect()
    }

    fn load(&mut self, t: ThreadId, x: Location, o: MemOrder, ts: Timestamp) -> u64 {
        let i = self.index_of(x, ts);
        let epoch = self.threads[t.index()].clock.epoch(t);
        let place = &mut self.places[x];
        place.reads.push((epoch, ts));
        let message = &place.messages[i];
        let me = &mut self.threads[t.index()];
        if acquires(o) {
            me.clock.join(&message.release);
        } else {
            me.pending.join(&message.release);
        }
        message.value
    }

    fn store(&mut self, t: ThreadId, x: Location, o: MemOrder, v: u64, after: Timestamp) {
        self.write(t, x, o, v, after, false);
    }

    fn rmw_with(
        &mut self,
        t: ThreadId,
        x: Location,
        o: MemOrder,
        ts: Timestamp,
        new: &dyn Fn(u64) -> u64,
    ) -> u64 {
        let old = self.load(t, x, o, ts);
        let i = self.index_of(x, ts);
        self.places[x].messages[i].taken = true;
        self.write(t, x, o, new(old), ts, true);
        old
    }

    fn cas(
        &mut self,
        t: ThreadId,
        x: Location,
        c: CasChoice,
        new: u64,
        success: MemOrder,
        failure: MemOrder,
    ) -> u64 {
        match c.stores {
            true => self.rmw_with(t, x, success, c.ts, &|_| new),
            false => self.load(t, x, failure, c.ts),
        }
    }

    fn fence(&mut self, t: ThreadId, o: MemOrder) {
        let me = &mut self.threads[t.index()];
        if acquires(o) {
            let pending = me.pending.clone();
            me.clock.join(&pending);
        }
        if o == MemOrder::SeqCst {
            // What the fence learns travels with the thread's clock along happens-before.
            me.clock.learn(&self.sc_fences);
            self.sc_fences.raise_to_knowledge(&me.clock);
            let stores: Vec<Timestamp> = self.places.iter().map(|p| p.sc).collect();
            let me = &mut self.threads[t.index()];
            me.sc_stores.resize(stores.len().max(me.sc_stores.len()), 0);
            for (mine, latest) in me.sc_stores.iter_mut().zip(stores) {
                *mine = (*mine).max(latest);
            }
        }
        if releases(o) {
            let me = &mut self.threads[t.index()];
            me.fence_release.assign(&me.clock.clone());
            me.clock.tick(t);
        }
    }
}
