//! A fingerprint of the shared state an execution is in, kept up to date from the event stream.
//!
//! The state is what the events show: every atomic's value, every lock's holders, every channel's
//! queue length, and where each thread is (the site and kind of its last step). The fingerprint
//! is the XOR of one hash per component, so each event updates it in constant time. Events whose
//! effect the stream does not show (a cell write, a new object or thread, a barrier or once that
//! completes) are reported as [`Change::Unknown`]: the state after them is new by definition.

use super::objects::grow;
use crate::event::{Event, LockMode, Op};

/// What an event did to the state.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Change {
    /// The state is now the one the fingerprint names.
    Known,
    /// The event changed something the fingerprint cannot see.
    Unknown,
}

/// One component's current hash (0 = not part of the state yet).
#[derive(Default, Clone, Copy)]
struct Component(u64);

/// Per-object facts the fingerprint is made of.
#[derive(Default, Clone, Copy)]
struct ObjectFacts {
    value: u64,
    writer: u32,
    readers: u32,
    queued: i64,
}

/// The running fingerprint.
#[derive(Default)]
pub struct StateHash {
    hash: u64,
    threads: Vec<Component>,
    objects: Vec<(Component, ObjectFacts)>,
}

/// A 64-bit mix of three words (splitmix64's finaliser, applied in turn).
fn mix(a: u64, b: u64, c: u64) -> u64 {
    let mut x = a
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(b.rotate_left(21))
        .wrapping_add(c.rotate_left(42))
        ^ 0xD1B5_4A32_D192_ED03;
    x ^= x >> 30;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A small number per kind of operation, for thread positions.
fn op_tag(op: &Op) -> u64 {
    match op {
        Op::Create { .. } => 1,
        Op::Spawn { .. } => 2,
        Op::Exit => 3,
        Op::Join { .. } => 4,
        Op::Acquire { .. } => 6,
        Op::TryLockFailed { .. } => 7,
        Op::Release { .. } => 8,
        Op::Block { .. } => 9,
        Op::Notify { .. } => 10,
        Op::Send { .. } => 11,
        Op::Receive { .. } => 12,
        Op::BarrierArrive => 13,
        Op::BarrierPass => 14,
        Op::OnceComplete => 15,
        Op::Unpark { .. } => 16,
        Op::Yield => 17,
        Op::Parked => 18,
        Op::AtomicLoad { .. } => 19,
        Op::AtomicStore { .. } => 20,
        Op::AtomicRmw { success, .. } => 21 + u64::from(*success),
        Op::Fence { .. } => 23,
        Op::Observe => 24,
        Op::Update => 25,
        Op::CellRead => 26,
        Op::CellWrite => 27,
        Op::DropSender { last } => 28 + u64::from(*last),
        Op::DropReceiver => 30,
    }
}

impl StateHash {
    /// The fingerprint of the current state.
    pub fn get(&self) -> u64 {
        self.hash
    }

    /// Forgets the previous execution.
    pub fn reset(&mut self) {
        self.hash = 0;
        self.threads.clear();
        self.objects.clear();
    }

    /// Applies `event`.
    pub fn apply(&mut self, event: &Event) -> Change {
        let position = mix(
            u64::from(event.thread.0) | 1 << 40,
            event.site as *const _ as usize as u64,
            op_tag(&event.op),
        );
        let slot = grow(&mut self.threads, event.thread.index());
        self.hash ^= slot.0 ^ position;
        slot.0 = position;
        let Some(object) = event.object else {
            return match event.op {
                Op::Spawn { .. } | Op::Exit | Op::Join { .. } => Change::Unknown,
                _ => Change::Known,
            };
        };
        let (component, mut facts) = *grow(&mut self.objects, object.index());
        match event.op {
            Op::AtomicLoad { value, .. } => facts.value = value,
            Op::AtomicStore { value, .. } => facts.value = value,
            Op::AtomicRmw { new, .. } => facts.value = new,
            Op::Acquire { mode, .. } => match mode {
                LockMode::Exclusive => facts.writer = event.thread.0 + 1,
                LockMode::Shared => facts.readers += 1,
            },
            Op::Release { mode } => match mode {
                LockMode::Exclusive => facts.writer = 0,
                LockMode::Shared => facts.readers = facts.readers.saturating_sub(1),
            },
            Op::Send { .. } => facts.queued += 1,
            Op::Receive { .. } => facts.queued -= 1,
            Op::CellWrite
            | Op::Create { .. }
            | Op::BarrierArrive
            | Op::BarrierPass
            | Op::OnceComplete
            | Op::Update
            | Op::DropSender { .. }
            | Op::DropReceiver => return Change::Unknown,
            _ => return Change::Known,
        }
        let new = mix(
            u64::from(object.0) | 2 << 40,
            facts.value,
            u64::from(facts.writer)
                | u64::from(facts.readers) << 32
                | (facts.queued as u64).rotate_left(48),
        );
        self.hash ^= component.0 ^ new;
        self.objects[object.index()] = (Component(new), facts);
        Change::Known
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{internal_site, MemOrder, ObjectId, ThreadId};

    fn store(value: u64) -> Event {
        Event {
            thread: ThreadId(1),
            object: Some(ObjectId(0)),
            op: Op::AtomicStore {
                order: MemOrder::SeqCst,
                value,
                id: crate::event::StoreId::LATEST,
            },
            site: internal_site(),
        }
    }

    #[test]
    fn a_state_that_comes_back_has_the_same_fingerprint() {
        let mut s = StateHash::default();
        s.apply(&store(1));
        let one = s.get();
        s.apply(&store(2));
        assert_ne!(s.get(), one);
        s.apply(&store(1));
        assert_eq!(s.get(), one);
    }

    #[test]
    fn cell_writes_are_unknown_changes() {
        let mut s = StateHash::default();
        let write = Event {
            op: Op::CellWrite,
            ..store(0)
        };
        assert_eq!(s.apply(&write), Change::Unknown);
        assert_eq!(s.apply(&store(3)), Change::Known);
    }
}
