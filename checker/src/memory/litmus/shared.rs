//! The memory model as the runtime runs it: [`Memory`] with the happens-before the race
//! detector uses ([`HappensBefore`]), fed the event of every access as the runtime feeds it.

use super::Model;
use crate::event::{internal_site, Event, LockMode, MemOrder, ObjectId, Op, ThreadId};
use crate::happens_before::HappensBefore;
use crate::memory::{Access, CasChoice, Location, Memory, Timestamp};

/// The memory and happens-before of one execution.
#[derive(Clone, Default)]
pub(super) struct Shared {
    pub(super) memory: Memory,
    pub(super) hb: HappensBefore,
}

impl Shared {
    /// Memory that forgets unreadable stores at every store.
    pub(super) fn forgetting_at_every_store() -> Self {
        Shared {
            memory: Memory::forgetting_at_every_store(),
            hb: HappensBefore::new(),
        }
    }

    /// Hands the stores the memory forgot to happens-before, as the runtime does after every
    /// access.
    fn forget(&mut self, x: Location) {
        let mut gone = Vec::new();
        self.memory.take_forgotten(&mut gone);
        self.hb.forget_stores(ObjectId(x as u32), &gone);
    }

    /// `op` by `thread` on location `x` (or on nothing), as happens-before sees it.
    pub(super) fn emit(&mut self, thread: ThreadId, x: Option<Location>, op: Op) {
        self.hb.on_event(&Event {
            thread,
            object: x.map(|x| ObjectId(x as u32)),
            op,
            site: internal_site(),
        });
    }

    /// `from` unlocks a mutex that `to` then locks (the mutex is object `lock`, above every
    /// location).
    pub(super) fn hand_over_lock(&mut self, from: ThreadId, to: ThreadId, lock: Location) {
        let mode = LockMode::Exclusive;
        self.emit(from, Some(lock), Op::Release { mode });
        self.emit(
            to,
            Some(lock),
            Op::Acquire {
                mode,
                try_lock: false,
            },
        );
    }

    fn rmw(&mut self, t: ThreadId, x: Location, o: MemOrder, ts: Timestamp, new: u64, cas: bool) {
        let (old, from, id) = self.memory.rmw(t, x, o, ts, |_| new, &self.hb);
        let op = Op::AtomicRmw {
            order: o,
            success: true,
            cas,
            old,
            new,
            from,
            id,
        };
        self.emit(t, Some(x), op);
        self.forget(x);
    }
}

impl Model for Shared {
    fn add_location(&mut self, initial: u64) -> Location {
        self.memory.add_location(initial)
    }

    /// Happens-before starts the thread, so that stores it may read are not forgotten.
    fn add_thread(&mut self, thread: ThreadId) {
        self.emit(thread, None, Op::Yield);
    }

    fn latest(&self, x: Location) -> u64 {
        self.memory.latest(x)
    }

    fn readable(&self, t: ThreadId, x: Location, o: MemOrder) -> Vec<(Timestamp, u64)> {
        let readable = self.memory.choices(t, x, Access::Load(o), &self.hb);
        readable.map(|m| (m.ts, m.value)).collect()
    }

    fn rmw_readable(&self, t: ThreadId, x: Location, o: MemOrder) -> Vec<(Timestamp, u64)> {
        let readable = self.memory.choices(t, x, Access::Rmw(o), &self.hb);
        readable.map(|m| (m.ts, m.value)).collect()
    }

    fn store_slots(&self, t: ThreadId, x: Location, o: MemOrder) -> Vec<Timestamp> {
        let slots = self.memory.choices(t, x, Access::Store(o), &self.hb);
        slots.map(|m| m.ts).collect()
    }

    fn load(&mut self, t: ThreadId, x: Location, o: MemOrder, ts: Timestamp) -> u64 {
        let (value, from) = self.memory.load(t, x, ts, &self.hb);
        let op = Op::AtomicLoad {
            order: o,
            value,
            from,
        };
        self.emit(t, Some(x), op);
        value
    }

    fn store(&mut self, t: ThreadId, x: Location, o: MemOrder, value: u64, after: Timestamp) {
        let (_, id) = self.memory.store(t, x, o, value, after, &self.hb);
        let op = Op::AtomicStore {
            order: o,
            value,
            id,
        };
        self.emit(t, Some(x), op);
        self.forget(x);
    }

    fn rmw_with(
        &mut self,
        t: ThreadId,
        x: Location,
        o: MemOrder,
        ts: Timestamp,
        f: &dyn Fn(u64) -> u64,
    ) -> u64 {
        let old = self
            .memory
            .message(x, ts)
            .expect("a store of the location")
            .value;
        self.rmw(t, x, o, ts, f(old), false);
        old
    }

    fn fence(&mut self, t: ThreadId, o: MemOrder) {
        self.memory.fence(t, o, &mut self.hb);
        self.emit(t, None, Op::Fence { order: o });
    }

    /// The runtime's own list ([`Memory::choices`]), so the litmus tests check it.
    fn cas_choices(
        &self,
        t: ThreadId,
        x: Location,
        expected: u64,
        success: MemOrder,
        failure: MemOrder,
    ) -> Vec<CasChoice> {
        let cas = Access::Cas {
            expected,
            success,
            failure,
        };
        let options = self.memory.choices(t, x, cas, &self.hb);
        options
            .map(|m| CasChoice {
                ts: m.ts,
                stores: m.value == expected,
            })
            .collect()
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
        if c.stores {
            let old = self.memory.message(x, c.ts).expect("a store").value;
            self.rmw(t, x, success, c.ts, new, true);
            return old;
        }
        let (old, from) = self.memory.load(t, x, c.ts, &self.hb);
        let op = Op::AtomicRmw {
            order: failure,
            success: false,
            cas: true,
            old,
            new: old,
            from,
            id: crate::event::StoreId::LATEST,
        };
        self.emit(t, Some(x), op);
        old
    }
}
