//! Happens-before from events: one vector clock per thread, advanced by std's documented
//! synchronisation.
//!
//! [`HappensBefore`] is not a detector of its own but the part detectors share: it consumes the
//! same events and answers "what does thread `t` know of the others right now?". The edges it
//! draws are the ones std documents:
//!
//! - `thread::spawn` (and scoped spawns): the child starts with the parent's clock;
//!   `join` (and the end of a scope): the joiner acquires the finished thread's final clock.
//! - `Mutex`/`RwLock`: an unlock releases into the lock; a later lock acquires. A write lock
//!   acquires every earlier unlock, a read lock only the write unlocks. `Condvar` synchronises
//!   through its mutex, which `wait` unlocks and locks again.
//! - `mpsc`: each send happens before the receive that takes that message (FIFO per channel).
//! - `Barrier`: every arrival of a round happens before every thread leaves that round.
//! - `Once`/`OnceLock`/`LazyLock`: the initialiser happens before every other thread that sees
//!   the object initialised.
//! - `unpark(t)` happens before `t`'s `park` returns.
//! - Atomics, by ordering: a Release (AcqRel, SeqCst) store starts a release sequence that an
//!   Acquire (AcqRel, SeqCst) load of it acquires; read-modify-writes continue the sequence; a
//!   Relaxed store ends it (keeping only what the storing thread's last Release fence
//!   published). A Relaxed load acquires nothing by itself, but an Acquire fence later in the
//!   thread acquires what its earlier Relaxed loads read. Every store keeps its own release
//!   clock, since a load may read an older store than the latest (weak memory): each atomic
//!   event names the store it read ([`StoreId`]); [`StoreId::LATEST`] (real mode, the SeqCst
//!   memory model) means the last store that ran. SeqCst fences order only through their
//!   Acquire and Release halves here: RC11's SeqCst fences add no happens-before, only a
//!   constraint on what SeqCst reads may see, which the memory model keeps
//!   ([`crate::memory`]).
//!
//! The memory model derives each thread's view of memory from these clocks (what the thread
//! knows of every other thread), so a load's choices and the race detector's verdicts rest on
//! one happens-before.
//!
//! Besides clocks it remembers, per thread and atomic location, which store the thread's last
//! load read and with which orderings, so that a race report can say which flag "almost"
//! ordered two accesses.
//!
//! Every table is kept from one execution to the next and only cleared, so the steady state
//! does not allocate.

use std::collections::VecDeque;

use crate::clock::{Epoch, VectorClock};
use crate::event::{Event, LockMode, MemOrder, ObjectId, Op, Site, StoreId, ThreadId};

/// Whether an access with `order` acquires (Acquire, AcqRel, SeqCst).
pub fn acquires(order: MemOrder) -> bool {
    matches!(
        order,
        MemOrder::Acquire | MemOrder::AcqRel | MemOrder::SeqCst
    )
}

/// Whether an access with `order` releases (Release, AcqRel, SeqCst).
pub fn releases(order: MemOrder) -> bool {
    matches!(
        order,
        MemOrder::Release | MemOrder::AcqRel | MemOrder::SeqCst
    )
}

/// A store to an atomic location (or the store part of a read-modify-write).
#[derive(Clone, Copy, Debug)]
pub struct StoreInfo {
    /// The storing thread.
    pub thread: ThreadId,
    /// Where.
    pub site: Site,
    /// With which ordering.
    pub order: MemOrder,
    /// Its position in the execution's event stream (see [`HappensBefore::index`]).
    pub index: u64,
    /// The position of the storing thread's last Release fence before the store, if any.
    pub fence: Option<u64>,
    /// The storing thread's own clock component at the store: the store happens before a
    /// thread whose clock has at least this much of the storing thread's.
    pub era: u32,
}

/// A load of an atomic location (or the load part of a read-modify-write) and the store it
/// read.
#[derive(Clone, Copy, Debug)]
pub struct LoadInfo {
    /// Where.
    pub site: Site,
    /// With which ordering.
    pub order: MemOrder,
    /// Its position in the event stream.
    pub index: u64,
    /// The store whose value it read.
    pub store: StoreInfo,
}

/// What happens-before keeps per thread.
#[derive(Clone, Default)]
struct ThreadClocks {
    /// Seen in this execution (the tables outlive executions).
    live: bool,
    clock: VectorClock,
    /// The clock at the thread's last Release fence: what its Relaxed stores publish.
    fence_release: VectorClock,
    /// What its Relaxed loads read: an Acquire fence makes it part of `clock`.
    pending_acquire: VectorClock,
    /// Every `unpark` of this thread, for its next `park` to acquire.
    unparks: VectorClock,
    /// The barrier and round it arrived at and has not left yet.
    barrier: Option<(ObjectId, u64)>,
    /// Position of its last Acquire fence.
    acquire_fence: Option<u64>,
    /// Position of its last Release fence.
    release_fence: Option<u64>,
    /// Its last load of each atomic location, by object index.
    loads: Vec<Option<LoadInfo>>,
}

/// What happens-before keeps per object. Which fields mean something depends on the kind.
#[derive(Clone, Default)]
struct ObjectClocks {
    /// Locks: every unlock. Once: the initialiser's clock.
    /// Barrier: the arrivals of the round in progress.
    released: VectorClock,
    /// RwLock: the write unlocks. Barrier: the arrivals of the last completed round.
    write_released: VectorClock,
    /// Channels: the sender's clock of every message not yet received, oldest first.
    messages: VecDeque<VectorClock>,
    /// Once: the thread that ran the initialiser.
    initialised_by: Option<ThreadId>,
    /// Barrier: rounds completed.
    round: u64,
    /// Atomics: the stores a load may still read, in the order they ran, with the clock an
    /// Acquire load of each acquires (dropped when the memory model forgets the store).
    stores: Vec<StoreClock>,
}

/// One store of an atomic location and what reading it acquires.
#[derive(Clone, Default)]
struct StoreClock {
    id: StoreId,
    /// What the store publishes: its release sequence's clock.
    clock: VectorClock,
    info: Option<StoreInfo>,
}

/// Per-thread vector clocks maintained from events. See the module documentation.
#[derive(Clone, Default)]
pub struct HappensBefore {
    threads: Vec<ThreadClocks>,
    objects: Vec<ObjectClocks>,
    /// Message clocks not in use, reused for the next sends.
    spare: Vec<VectorClock>,
    index: u64,
}

/// Whether `op` may move a clock ([`HappensBefore::synchronise`] ignores every other op).
#[inline]
fn synchronises(op: &Op) -> bool {
    matches!(
        op,
        Op::Spawn { .. }
            | Op::Join { .. }
            | Op::Acquire { .. }
            | Op::Release { .. }
            | Op::Send { .. }
            | Op::Receive { .. }
            | Op::BarrierArrive
            | Op::BarrierPass
            | Op::OnceComplete
            | Op::Unpark { .. }
            | Op::Parked
            | Op::AtomicLoad { .. }
            | Op::AtomicRmw { .. }
            | Op::AtomicStore { .. }
            | Op::Fence { .. }
    )
}

/// The clock of a thread never seen.
static NO_CLOCK: VectorClock = VectorClock::new();

/// `threads[t]`, growing the table and starting the thread (its own component 1) if needed.
#[inline]
fn thread(threads: &mut Vec<ThreadClocks>, t: ThreadId) -> &mut ThreadClocks {
    // Every event passes here: the common case (a thread already started) stays inline.
    match threads.get(t.index()) {
        Some(state) if state.live => &mut threads[t.index()],
        _ => start_thread(threads, t),
    }
}

/// [`thread`] for a thread not yet seen in this execution.
#[cold]
fn start_thread(threads: &mut Vec<ThreadClocks>, t: ThreadId) -> &mut ThreadClocks {
    if threads.len() <= t.index() {
        threads.resize_with(t.index() + 1, ThreadClocks::default);
    }
    let state = &mut threads[t.index()];
    if !state.live {
        state.live = true;
        state.clock.set(t, 1);
    }
    state
}

/// `objects[o]`, growing the table if needed.
fn object(objects: &mut Vec<ObjectClocks>, o: ObjectId) -> &mut ObjectClocks {
    if objects.len() <= o.index() {
        objects.resize_with(o.index() + 1, ObjectClocks::default);
    }
    &mut objects[o.index()]
}

impl HappensBefore {
    /// No history: no thread has been seen.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets the previous execution (keeps the tables' memory).
    pub fn reset(&mut self) {
        for t in &mut self.threads {
            t.live = false;
            t.clock.clear();
            t.fence_release.clear();
            t.pending_acquire.clear();
            t.unparks.clear();
            t.barrier = None;
            t.acquire_fence = None;
            t.release_fence = None;
            t.loads.clear();
        }
        for o in &mut self.objects {
            o.released.clear();
            o.write_released.clear();
            self.spare.extend(o.messages.drain(..));
            o.initialised_by = None;
            o.round = 0;
            self.spare.extend(o.stores.drain(..).map(|s| s.clock));
        }
        self.index = 0;
    }

    /// The current clock of `t` (empty for a thread not seen yet).
    pub fn clock(&self, t: ThreadId) -> &VectorClock {
        match self.threads.get(t.index()) {
            Some(state) if state.live => &state.clock,
            _ => &NO_CLOCK,
        }
    }

    /// The threads seen in this execution.
    pub fn threads(&self) -> impl Iterator<Item = ThreadId> + '_ {
        self.threads
            .iter()
            .enumerate()
            .filter(|(_, s)| s.live)
            .map(|(i, _)| ThreadId(i as u32))
    }

    /// A store to atomic `o`, of those a load may still read, that does not happen before
    /// `t`'s present: what a non-atomic read of `o` by `t` would race with.
    pub fn store_not_before(&self, t: ThreadId, o: ObjectId) -> Option<StoreInfo> {
        let clock = self.clock(t);
        self.objects
            .get(o.index())?
            .stores
            .iter()
            .filter_map(|s| s.info)
            .find(|store| store.thread != t && clock.get(store.thread) < store.era)
    }

    /// The current epoch of `t`: the era its next access belongs to.
    pub fn epoch(&self, t: ThreadId) -> Epoch {
        Epoch {
            thread: t,
            clock: self.clock(t).get(t).max(1),
        }
    }

    /// The position of the last event seen in this execution (the first event is 1).
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The last load of each atomic location by `t`, with the store it read.
    pub fn loads(&self, t: ThreadId) -> impl Iterator<Item = (ObjectId, &LoadInfo)> + '_ {
        self.threads
            .get(t.index())
            .filter(|s| s.live)
            .map_or(&[][..], |s| s.loads.as_slice())
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.as_ref().map(|l| (ObjectId(i as u32), l)))
    }

    /// `t` runs a SeqCst fence and learns (for the memory model only) every era `eras`
    /// knows: see [`VectorClock::learned`].
    pub fn learn(&mut self, t: ThreadId, eras: &VectorClock) {
        thread(&mut self.threads, t).clock.learn(eras);
    }

    /// The memory model forgot the stores `gone` of atomic `o` (no load can read them any
    /// more): their release clocks go too. The memory decides, by modification order, so a
    /// store that can still be read always keeps its clock.
    pub fn forget_stores(&mut self, o: ObjectId, gone: &[StoreId]) {
        if gone.is_empty() {
            return;
        }
        let location = object(&mut self.objects, o);
        let spare = &mut self.spare;
        location.stores.retain_mut(|s| {
            let keep = !gone.contains(&s.id);
            if !keep {
                spare.push(std::mem::take(&mut s.clock));
            }
            keep
        });
    }

    /// What `t`'s Relaxed loads read that an Acquire fence would make it know.
    pub fn pending_acquire(&self, t: ThreadId) -> &VectorClock {
        match self.threads.get(t.index()) {
            Some(state) if state.live => &state.pending_acquire,
            _ => &NO_CLOCK,
        }
    }

    /// The position of `t`'s last Acquire (AcqRel, SeqCst) fence.
    pub fn last_acquire_fence(&self, t: ThreadId) -> Option<u64> {
        self.threads
            .get(t.index())
            .filter(|s| s.live)
            .and_then(|s| s.acquire_fence)
    }

    /// Advances the clocks by one event.
    #[inline]
    pub fn on_event(&mut self, event: &Event) {
        self.index += 1;
        thread(&mut self.threads, event.thread);
        // Most events of a program move no clock (creations, cell accesses, exits, blocks):
        // they are counted and nothing else, inline.
        if synchronises(&event.op) {
            self.synchronise(event);
        }
    }

    /// [`HappensBefore::on_event`] for an event that may move a clock.
    fn synchronise(&mut self, event: &Event) {
        let t = event.thread;
        match (event.op, event.object) {
            (Op::Spawn { child }, _) => {
                let parent = std::mem::take(&mut self.threads[t.index()].clock);
                thread(&mut self.threads, child).clock.join(&parent);
                self.threads[t.index()].clock = parent;
                self.tick(t);
            }
            (Op::Join { target }, _) => {
                let finished = std::mem::take(&mut thread(&mut self.threads, target).clock);
                self.threads[t.index()].clock.join(&finished);
                self.threads[target.index()].clock = finished;
            }
            (Op::Acquire { mode, .. }, Some(o)) => {
                let lock = object(&mut self.objects, o);
                let from = match mode {
                    LockMode::Exclusive => &lock.released,
                    LockMode::Shared => &lock.write_released,
                };
                self.threads[t.index()].clock.join(from);
            }
            (Op::Release { mode }, Some(o)) => {
                let lock = object(&mut self.objects, o);
                let clock = &self.threads[t.index()].clock;
                lock.released.join(clock);
                if mode == LockMode::Exclusive {
                    lock.write_released.join(clock);
                }
                self.tick(t);
            }
            (Op::Send { .. }, Some(o)) => {
                let mut message = self.spare.pop().unwrap_or_default();
                message.assign(&self.threads[t.index()].clock);
                object(&mut self.objects, o).messages.push_back(message);
                self.tick(t);
            }
            (Op::Receive { .. }, Some(o)) => {
                if let Some(message) = object(&mut self.objects, o).messages.pop_front() {
                    self.threads[t.index()].clock.join(&message);
                    self.spare.push(message);
                }
            }
            (Op::BarrierArrive, Some(o)) => {
                let barrier = object(&mut self.objects, o);
                barrier.released.join(&self.threads[t.index()].clock);
                self.threads[t.index()].barrier = Some((o, barrier.round));
                self.tick(t);
            }
            (Op::BarrierPass, Some(o)) => {
                let barrier = object(&mut self.objects, o);
                let me = &mut self.threads[t.index()];
                let round = match me.barrier.take() {
                    Some((b, round)) if b == o => round,
                    _ => barrier.round,
                };
                if round == barrier.round {
                    // The first thread to leave a round: every arrival of it has happened.
                    std::mem::swap(&mut barrier.released, &mut barrier.write_released);
                    barrier.released.clear();
                    barrier.round += 1;
                }
                me.clock.join(&barrier.write_released);
            }
            (Op::OnceComplete, Some(o)) => {
                let once = object(&mut self.objects, o);
                match once.initialised_by {
                    None => {
                        once.initialised_by = Some(t);
                        once.released.assign(&self.threads[t.index()].clock);
                        self.tick(t);
                    }
                    Some(by) if by != t => self.threads[t.index()].clock.join(&once.released),
                    Some(_) => {}
                }
            }
            (Op::Unpark { target }, _) => {
                let clock = std::mem::take(&mut self.threads[t.index()].clock);
                thread(&mut self.threads, target).unparks.join(&clock);
                self.threads[t.index()].clock = clock;
                self.tick(t);
            }
            (Op::Parked, _) => {
                let me = &mut self.threads[t.index()];
                me.clock.join(&me.unparks);
            }
            (Op::AtomicLoad { order, from, .. }, Some(o)) => {
                self.load(t, o, order, from, event.site);
            }
            (
                Op::AtomicRmw {
                    order,
                    success: false,
                    from,
                    ..
                },
                Some(o),
            ) => {
                self.load(t, o, order, from, event.site);
            }
            (
                Op::AtomicRmw {
                    order,
                    success: true,
                    from,
                    id,
                    ..
                },
                Some(o),
            ) => {
                let read = self.load(t, o, order, from, event.site);
                self.store(t, o, order, id, read, event.site);
            }
            (Op::AtomicStore { order, id, .. }, Some(o)) => {
                self.store(t, o, order, id, None, event.site);
            }
            (Op::Fence { order }, _) => {
                let index = self.index;
                let me = &mut self.threads[t.index()];
                if acquires(order) {
                    me.clock.join(&me.pending_acquire);
                    me.acquire_fence = Some(index);
                }
                if releases(order) {
                    me.fence_release.assign(&me.clock);
                    me.release_fence = Some(index);
                    self.tick(t);
                }
            }
            _ => {}
        }
    }

    /// `t` published its clock: its later operations belong to a new era.
    fn tick(&mut self, t: ThreadId) {
        self.threads[t.index()].clock.tick(t);
    }

    /// A load (or the load part of an RMW) of `o` by `t`, reading the store `from`; returns
    /// where that store's record is, for an RMW to continue its release sequence.
    fn load(
        &mut self,
        t: ThreadId,
        o: ObjectId,
        order: MemOrder,
        from: StoreId,
        site: Site,
    ) -> Option<usize> {
        let index = self.index;
        let location = object(&mut self.objects, o);
        let read = find_store(&location.stores, from);
        let me = &mut self.threads[t.index()];
        if let Some(store) = read.map(|i| &location.stores[i]) {
            if acquires(order) {
                me.clock.join(&store.clock);
            } else {
                me.pending_acquire.join(&store.clock);
            }
            if let Some(info) = store.info {
                if me.loads.len() <= o.index() {
                    me.loads.resize(o.index() + 1, None);
                }
                me.loads[o.index()] = Some(LoadInfo {
                    site,
                    order,
                    index,
                    store: info,
                });
            }
        }
        read
    }

    /// A store (or the store part of an RMW, which continues the release sequence of the
    /// store at `continues`) to `o` by `t`, named `id`.
    fn store(
        &mut self,
        t: ThreadId,
        o: ObjectId,
        order: MemOrder,
        id: StoreId,
        continues: Option<usize>,
        site: Site,
    ) {
        let location = object(&mut self.objects, o);
        let me = &self.threads[t.index()];
        let published = if releases(order) {
            &me.clock
        } else {
            &me.fence_release
        };
        let mut clock = self.spare.pop().unwrap_or_default();
        clock.assign(published);
        if let Some(read) = continues {
            clock.join(&location.stores[read].clock);
        }
        let info = Some(StoreInfo {
            thread: t,
            site,
            order,
            index: self.index,
            fence: me.release_fence,
            era: me.clock.get(t),
        });
        if id == StoreId::LATEST {
            // Sequentially consistent: no load reads any store but the last.
            self.spare
                .extend(location.stores.drain(..).map(|s| s.clock));
        }
        location.stores.push(StoreClock { id, clock, info });
        if releases(order) {
            self.tick(t);
        }
    }
}

/// Where the record of store `id` is: the last one for [`StoreId::LATEST`]; `None` for the
/// initial value (which publishes nothing) and for a store too old to be kept.
fn find_store(stores: &[StoreClock], id: StoreId) -> Option<usize> {
    if id == StoreId::LATEST {
        return stores.len().checked_sub(1);
    }
    stores.binary_search_by_key(&id.0, |s| s.id.0).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::Location;

    #[test]
    fn a_release_then_an_acquire_orders_what_came_before_the_release() {
        let ev = |thread, op| Event {
            thread: ThreadId(thread),
            object: Some(ObjectId(0)),
            op,
            site: Location::caller(),
        };
        let mut hb = HappensBefore::new();
        hb.on_event(&ev(0, Op::Spawn { child: ThreadId(1) }));
        let access = hb.epoch(ThreadId(0)); // thread 0's era after the spawn
        assert!(!access.happens_before(hb.clock(ThreadId(1))));
        hb.on_event(&ev(
            0,
            Op::Release {
                mode: LockMode::Exclusive,
            },
        ));
        hb.on_event(&ev(
            1,
            Op::Acquire {
                mode: LockMode::Exclusive,
                try_lock: false,
            },
        ));
        assert!(access.happens_before(hb.clock(ThreadId(1))));
    }

    #[track_caller]
    fn here() -> Site {
        Location::caller()
    }

    fn ev(thread: u32, object: u32, op: Op) -> Event {
        Event {
            thread: ThreadId(thread),
            object: Some(ObjectId(object)),
            op,
            site: here(),
        }
    }

    /// Thread 0 spawns thread 1, then accesses something; `events` follow. Returns whether
    /// that access happens before thread 1's clock at the end.
    fn orders(events: &[Event]) -> bool {
        let mut hb = HappensBefore::new();
        hb.on_event(&ev(0, 9, Op::Spawn { child: ThreadId(1) }));
        let access = hb.epoch(ThreadId(0));
        for e in events {
            hb.on_event(e);
        }
        access.happens_before(hb.clock(ThreadId(1)))
    }

    const RELEASE: Op = Op::Release {
        mode: LockMode::Exclusive,
    };
    const ACQUIRE: Op = Op::Acquire {
        mode: LockMode::Exclusive,
        try_lock: false,
    };

    #[test]
    fn spawn_orders_the_past_of_the_parent_only() {
        let mut hb = HappensBefore::new();
        let before = hb.epoch(ThreadId(0));
        hb.on_event(&ev(0, 9, Op::Spawn { child: ThreadId(1) }));
        assert!(before.happens_before(hb.clock(ThreadId(1))));
        assert!(!hb.epoch(ThreadId(0)).happens_before(hb.clock(ThreadId(1))));
        assert!(
            !orders(&[]),
            "nothing after the spawn orders the parent's next era"
        );
    }

    #[test]
    fn unlock_then_lock_orders_and_lock_alone_does_not() {
        assert!(orders(&[
            ev(0, 1, ACQUIRE),
            ev(0, 1, RELEASE),
            ev(1, 1, ACQUIRE)
        ]));
        assert!(!orders(&[
            ev(1, 1, ACQUIRE),
            ev(1, 1, RELEASE),
            ev(0, 1, ACQUIRE)
        ]));
    }

    #[test]
    fn readers_acquire_only_write_unlocks() {
        let read = LockMode::Shared;
        let mut hb = HappensBefore::new();
        hb.on_event(&ev(0, 9, Op::Spawn { child: ThreadId(1) }));
        let e0 = hb.epoch(ThreadId(0));
        hb.on_event(&ev(
            0,
            1,
            Op::Acquire {
                mode: read,
                try_lock: false,
            },
        ));
        hb.on_event(&ev(0, 1, Op::Release { mode: read }));
        hb.on_event(&ev(
            1,
            1,
            Op::Acquire {
                mode: read,
                try_lock: false,
            },
        ));
        assert!(
            !e0.happens_before(hb.clock(ThreadId(1))),
            "reader after reader"
        );
        hb.on_event(&ev(1, 1, Op::Release { mode: read }));
        hb.on_event(&ev(2, 1, ACQUIRE));
        assert!(
            e0.happens_before(hb.clock(ThreadId(2))),
            "writer after readers"
        );
    }

    #[test]
    fn relaxed_stores_end_release_sequences_and_rmws_continue_them() {
        let store = |order| Op::AtomicStore {
            order,
            value: 1,
            id: crate::event::StoreId::LATEST,
        };
        let rmw = |order| Op::AtomicRmw {
            order,
            success: true,
            cas: false,
            old: 1,
            new: 2,
            from: crate::event::StoreId::LATEST,
            id: crate::event::StoreId::LATEST,
        };
        let load = Op::AtomicLoad {
            order: MemOrder::Acquire,
            value: 2,
            from: crate::event::StoreId::LATEST,
        };
        assert!(orders(&[
            ev(0, 1, store(MemOrder::Release)),
            ev(2, 1, rmw(MemOrder::Relaxed)),
            ev(1, 1, load),
        ]));
        assert!(!orders(&[
            ev(0, 1, store(MemOrder::Release)),
            ev(2, 1, store(MemOrder::Relaxed)),
            ev(1, 1, load),
        ]));
    }

    #[test]
    fn failed_compare_exchange_is_a_load_with_the_failure_ordering() {
        let store = Op::AtomicStore {
            order: MemOrder::Release,
            value: 1,
            id: crate::event::StoreId::LATEST,
        };
        let failed = |order| Op::AtomicRmw {
            order,
            success: false,
            cas: true,
            old: 1,
            new: 1,
            from: crate::event::StoreId::LATEST,
            id: crate::event::StoreId::LATEST,
        };
        assert!(orders(&[
            ev(0, 1, store),
            ev(1, 1, failed(MemOrder::Acquire))
        ]));
        assert!(!orders(&[
            ev(0, 1, store),
            ev(1, 1, failed(MemOrder::Relaxed))
        ]));
    }

    #[test]
    fn tables_are_reused_across_executions() {
        let mut hb = HappensBefore::new();
        hb.on_event(&ev(0, 3, Op::Send { waits: true }));
        hb.reset();
        assert_eq!(
            hb.spare.len(),
            1,
            "the unreceived message's clock is kept for reuse"
        );
        assert!(hb.clock(ThreadId(0)).is_empty());
        hb.on_event(&ev(0, 3, Op::Receive { waits: true }));
        assert_eq!(hb.clock(ThreadId(0)).get(ThreadId(0)), 1);
    }
}
