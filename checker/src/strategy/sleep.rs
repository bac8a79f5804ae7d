//! Sleep sets (Godefroid, 1996) for the depth-first search: what each step touched, and which
//! threads need not run next because running them would only reorder independent steps of an
//! interleaving already explored.
//!
//! A *step* is what one thread does between two scheduling points. Its [`Footprint`] lists the
//! places it touched and whether it changed them. When DFS has finished the subtree of thread
//! `p` at a branching point and moves on to thread `q`, `p` goes to sleep, with the footprint of
//! the step it took there: as long as the steps run after it are independent of that footprint,
//! running `p` would lead to an interleaving equivalent to one in the finished subtree, so `p` is
//! not picked. A dependent step wakes it (removes it from the set).
//!
//! The dependency used here is deliberately coarser than [`super::dpor`]'s race relation (every
//! lock operation changes its lock; blocking on an object changes it; a thread's exit is seen by
//! its joiners; spawns are ordered among themselves), because a sleeping step must commute with
//! every step it stays asleep across: same result in both orders, and neither enables nor
//! disables the other.
//!
//! Object ids are handed out at first use within an execution, so the same object can have
//! different ids in different interleavings. Only the objects (and threads) that existed before
//! the branching point have the same ids in every execution that shares the path to it (the path
//! is replayed deterministically). A sleeping step's access to an object that was not yet
//! registered there is therefore matched conservatively: it conflicts with a conflicting access
//! to *any* object of that kind registered after the branching point.

use serde::{Deserialize, Serialize};

use super::channel_parts::{self, Part};
use crate::event::{Event, MemOrder, ObjectKind, Op, ThreadId, WaitFor};

/// A place a step can touch.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
enum Place {
    /// A shim object, by id in the execution it was recorded in.
    Object(u32, Option<ObjectKind>),
    /// A thread's park token.
    Park(u32),
    /// Whether a thread has finished (joiners look at it).
    Thread(u32),
    /// Thread id allocation: spawns by different threads are ordered.
    Spawner,
    /// The execution's budget of spurious wakeups.
    Spurious,
    /// The count of live senders of a channel ([`super::channel_parts`]; its queue is the
    /// channel's `Object` place).
    Senders(u32),
    /// Whether the receiver of a channel is alive.
    Receiver(u32),
    /// What SeqCst fences publish and learn (see [`super::dpor::seq_cst_fence_touch`]).
    SeqCstFences,
}

/// One access of a place.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
struct Touch {
    place: Place,
    write: bool,
}

/// What one step touched.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Footprint {
    touches: Vec<Touch>,
    /// The step made a nondeterministic value choice: it is not one transition but several, so
    /// it is treated as dependent with everything.
    universal: bool,
}

impl Footprint {
    /// Adds what a channel operation touches ([`super::channel_parts`]) of channel `object`.
    fn add_channel(&mut self, object: u32, parts: &[(Part, bool)]) {
        for (part, write) in parts {
            let place = match part {
                Part::Queue | Part::Taken => Place::Object(object, Some(ObjectKind::Channel)),
                Part::Senders => Place::Senders(object),
                Part::Receiver => Place::Receiver(object),
            };
            self.add(place, *write);
        }
    }

    fn add(&mut self, place: Place, write: bool) {
        if let Some(t) = self.touches.iter_mut().find(|t| t.place == place) {
            t.write |= write;
        } else {
            self.touches.push(Touch { place, write });
        }
    }

    /// Marks the step as dependent with every other step.
    pub fn make_universal(&mut self) {
        self.universal = true;
    }

    fn is_empty(&self) -> bool {
        self.touches.is_empty() && !self.universal
    }
}

/// A thread that need not run: its next step, recorded at a branching point where
/// `objects` objects and `threads` threads existed.
#[derive(Clone, Debug)]
pub struct Sleeper {
    /// The sleeping thread.
    pub thread: ThreadId,
    footprint: Footprint,
    objects: u32,
    threads: u32,
}

impl Sleeper {
    /// `thread` sleeps with the step `footprint` it took at a point with `at` objects/threads.
    pub fn new(thread: ThreadId, footprint: Footprint, at: Census) -> Self {
        Sleeper {
            thread,
            footprint,
            objects: at.objects,
            threads: at.threads,
        }
    }

    /// Whether the sleeping step may not commute with `step`, run in the current execution
    /// (whose object kinds `kinds` gives).
    fn conflicts(&self, step: &Footprint, kinds: &[Option<ObjectKind>]) -> bool {
        if step.is_empty() {
            return false;
        }
        if self.footprint.universal || step.universal {
            return true;
        }
        self.footprint.touches.iter().any(|a| {
            step.touches
                .iter()
                .any(|b| (a.write || b.write) && self.same_place(a.place, b.place, kinds))
        })
    }

    /// Whether place `mine` (recorded in an earlier execution) may be place `now` (current).
    fn same_place(&self, mine: Place, now: Place, kinds: &[Option<ObjectKind>]) -> bool {
        match (mine, now) {
            (Place::Object(a, kind), Place::Object(b, _)) => {
                if a < self.objects {
                    a == b
                } else {
                    // Not registered at the branching point: any object first used after it
                    // may be this one, if it is of the same kind.
                    b >= self.objects
                        && (kind.is_none()
                            || kinds.get(b as usize).copied().flatten().is_none()
                            || kinds.get(b as usize).copied().flatten() == kind)
                }
            }
            (Place::Senders(a), Place::Senders(b)) | (Place::Receiver(a), Place::Receiver(b)) => {
                // Channels first used after the branching point may be this one.
                if a < self.objects {
                    a == b
                } else {
                    b >= self.objects
                }
            }
            (Place::Park(a), Place::Park(b)) | (Place::Thread(a), Place::Thread(b)) => {
                if a < self.threads {
                    a == b
                } else {
                    b >= self.threads
                }
            }
            (Place::Spawner, Place::Spawner)
            | (Place::Spurious, Place::Spurious)
            | (Place::SeqCstFences, Place::SeqCstFences) => true,
            _ => false,
        }
    }
}

/// How many objects and threads an execution had at some point.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Census {
    /// Objects registered so far.
    pub objects: u32,
    /// Threads spawned so far, the main thread included.
    pub threads: u32,
}

/// The step being run, and what the execution registered so far.
#[derive(Clone, Default)]
pub struct StepRecorder {
    kinds: Vec<Option<ObjectKind>>,
    threads: u32,
    /// Per thread: what it blocked on, if its last step ended blocking.
    waits: Vec<Option<WaitFor>>,
    /// The running step: its thread (once known) and footprint.
    thread: Option<ThreadId>,
    footprint: Footprint,
    open: bool,
}

impl StepRecorder {
    /// Forgets the previous execution.
    pub fn reset(&mut self) {
        self.kinds.clear();
        self.threads = 1;
        self.waits.clear();
        self.thread = None;
        self.footprint = Footprint::default();
        self.open = false;
    }

    /// Objects and threads registered so far.
    pub fn census(&self) -> Census {
        Census {
            objects: self.kinds.len() as u32,
            threads: self.threads,
        }
    }

    /// Starts a step, by `thread` if known (a branching point) or by whoever emits next.
    pub fn start(&mut self, thread: Option<ThreadId>) {
        self.open = true;
        self.thread = None;
        self.footprint = Footprint::default();
        if let Some(t) = thread {
            self.bind(t);
        }
    }

    /// Ends the running step and returns its thread and footprint.
    pub fn finish(&mut self) -> Option<(Option<ThreadId>, Footprint)> {
        if !std::mem::replace(&mut self.open, false) {
            return None;
        }
        Some((self.thread.take(), std::mem::take(&mut self.footprint)))
    }

    /// The running step makes a value choice.
    pub fn value_choice(&mut self) {
        self.footprint.make_universal();
    }

    /// The thread of the running step, if known.
    pub fn thread(&self) -> Option<ThreadId> {
        self.thread
    }

    fn bind(&mut self, t: ThreadId) {
        self.thread = Some(t);
        // A thread resuming from a wait: what it does depends on why it woke (notified, timed
        // out, spurious), which the steps that touch the waited-for object decide; and a wake by
        // timeout or spuriously leaves the wait queue (and spends the spurious budget).
        if let Some(wait) = self.waits.get_mut(t.index()).and_then(Option::take) {
            match wait {
                WaitFor::Join(target) => self.footprint.add(Place::Thread(target.0), false),
                WaitFor::Park => {
                    self.footprint.add(Place::Park(t.0), true);
                    self.footprint.add(Place::Spurious, true);
                }
                WaitFor::Condvar(o) => {
                    self.footprint
                        .add(Place::Object(o.0, Some(ObjectKind::Condvar)), true);
                    self.footprint.add(Place::Spurious, true);
                }
                // Woken by a write to one of the objects its spin loop read (or because
                // nothing else could run): dependent with everything, like a value choice.
                WaitFor::Spin => self.footprint.make_universal(),
                other => self.add_wait_on_object(other),
            }
        }
    }

    /// A wait on an object (a lock, a channel, a barrier...): what wakes it writes the object,
    /// or, for a channel, the parts it waits on.
    fn add_wait_on_object(&mut self, wait: WaitFor) {
        let Some(o) = wait.object() else {
            return;
        };
        if let Some(parts) = channel_parts::waiting(wait) {
            self.footprint.add_channel(o.0, parts);
        } else {
            let kind = self.kinds.get(o.index()).copied().flatten();
            self.footprint.add(Place::Object(o.0, kind), true);
        }
    }

    /// Records `event` into the running step.
    pub fn on_event(&mut self, event: &Event) {
        let t = event.thread;
        if self.open && self.thread.is_none() {
            self.bind(t);
        }
        let kind_of =
            |kinds: &[Option<ObjectKind>], o: u32| kinds.get(o as usize).copied().flatten();
        match event.op {
            Op::Create { kind } => {
                if let Some(o) = event.object {
                    if self.kinds.len() <= o.index() {
                        self.kinds.resize(o.index() + 1, None);
                    }
                    self.kinds[o.index()] = Some(kind);
                }
            }
            Op::Spawn { .. } => {
                self.threads += 1;
                self.footprint.add(Place::Spawner, true);
            }
            Op::Exit => self.footprint.add(Place::Thread(t.0), true),
            Op::Join { target } => self.footprint.add(Place::Thread(target.0), false),
            // A SeqCst fence publishes what SeqCst accesses and later fences read.
            Op::Fence {
                order: MemOrder::SeqCst,
            } => self.footprint.add(Place::SeqCstFences, true),
            Op::Yield | Op::Fence { .. } => {}
            Op::Block { wait } => {
                if self.waits.len() <= t.index() {
                    self.waits.resize(t.index() + 1, None);
                }
                self.waits[t.index()] = Some(wait);
                match wait {
                    WaitFor::Join(target) => self.footprint.add(Place::Thread(target.0), false),
                    WaitFor::Park => self.footprint.add(Place::Park(t.0), true),
                    // Whether the loop waits depends on what it read and on who wrote it
                    // meanwhile.
                    WaitFor::Spin => self.footprint.make_universal(),
                    other => self.add_wait_on_object(other),
                }
            }
            Op::Unpark { target } => self.footprint.add(Place::Park(target.0), true),
            Op::Parked => self.footprint.add(Place::Park(t.0), true),
            op => {
                if let Some(o) = event.object {
                    let kind = kind_of(&self.kinds, o.0);
                    if let Some(parts) = channel_parts::parts(&op, kind) {
                        self.footprint.add_channel(o.0, parts);
                    } else {
                        let write = op.access() != crate::event::Access::Read;
                        self.footprint.add(Place::Object(o.0, kind), write);
                        if super::dpor::seq_cst_fence_touch(&op) {
                            self.footprint.add(Place::SeqCstFences, false);
                        }
                    }
                }
            }
        }
    }

    /// Wakes the sleepers that `step` (just run in this execution) does not commute with.
    pub fn wake(&self, sleep: &mut Vec<Sleeper>, step: &Footprint) {
        sleep.retain(|s| !s.conflicts(step, &self.kinds));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{internal_site, ObjectId};

    fn event(thread: u32, object: Option<u32>, op: Op) -> Event {
        Event {
            thread: ThreadId(thread),
            object: object.map(ObjectId),
            op,
            site: internal_site(),
        }
    }

    fn step(rec: &mut StepRecorder, thread: u32, events: &[(Option<u32>, Op)]) -> Footprint {
        rec.start(Some(ThreadId(thread)));
        for (o, op) in events {
            rec.on_event(&event(thread, *o, *op));
        }
        rec.finish().unwrap().1
    }

    const LOAD: Op = Op::AtomicLoad {
        order: crate::event::MemOrder::SeqCst,
        value: 0,
        from: crate::event::StoreId::LATEST,
    };
    const STORE: Op = Op::AtomicStore {
        order: crate::event::MemOrder::SeqCst,
        value: 1,
        id: crate::event::StoreId::LATEST,
    };
    const CREATE_ATOMIC: Op = Op::Create {
        kind: ObjectKind::Atomic,
    };
    const CREATE_CELL: Op = Op::Create {
        kind: ObjectKind::Cell,
    };

    #[test]
    fn loads_commute_and_stores_wake() {
        let mut rec = StepRecorder::default();
        rec.reset();
        let at = rec.census();
        let f = step(&mut rec, 0, &[(Some(0), CREATE_ATOMIC), (Some(0), LOAD)]);
        let mut sleep = vec![Sleeper::new(ThreadId(0), f, at)];
        // Next execution: thread 1 creates the same atomic and loads it: asleep still.
        rec.reset();
        let g = step(&mut rec, 1, &[(Some(0), CREATE_ATOMIC), (Some(0), LOAD)]);
        rec.wake(&mut sleep, &g);
        assert_eq!(sleep.len(), 1);
        let h = step(&mut rec, 1, &[(Some(0), STORE)]);
        rec.wake(&mut sleep, &h);
        assert!(sleep.is_empty());
    }

    #[test]
    fn an_object_first_used_by_the_sleeper_is_matched_by_kind() {
        let mut rec = StepRecorder::default();
        rec.reset();
        let at = rec.census();
        let f = step(&mut rec, 0, &[(Some(0), CREATE_ATOMIC), (Some(0), LOAD)]);
        let mut sleep = vec![Sleeper::new(ThreadId(0), f, at)];
        // In the next execution a cell is registered first, so the atomic gets id 1.
        rec.reset();
        let c = step(
            &mut rec,
            1,
            &[(Some(0), CREATE_CELL), (Some(0), Op::CellWrite)],
        );
        rec.wake(&mut sleep, &c);
        assert_eq!(sleep.len(), 1, "a cell is not the atomic");
        let s = step(&mut rec, 1, &[(Some(1), CREATE_ATOMIC), (Some(1), STORE)]);
        rec.wake(&mut sleep, &s);
        assert!(sleep.is_empty(), "the store may be to the sleeper's atomic");
    }

    #[test]
    fn exit_wakes_a_joiner_and_notify_wakes_a_timed_out_waiter() {
        let mut rec = StepRecorder::default();
        rec.reset();
        let at = rec.census();
        let join = step(
            &mut rec,
            0,
            &[(
                None,
                Op::Join {
                    target: ThreadId(1),
                },
            )],
        );
        let mut sleep = vec![Sleeper::new(ThreadId(0), join, at)];
        let exit = step(&mut rec, 1, &[(None, Op::Exit)]);
        rec.wake(&mut sleep, &exit);
        assert!(sleep.is_empty());

        rec.reset();
        rec.on_event(&event(
            0,
            Some(0),
            Op::Create {
                kind: ObjectKind::Condvar,
            },
        ));
        rec.on_event(&event(
            0,
            Some(1),
            Op::Create {
                kind: ObjectKind::Mutex,
            },
        ));
        step(
            &mut rec,
            2,
            &[(
                None,
                Op::Block {
                    wait: WaitFor::Condvar(ObjectId(0)),
                },
            )],
        );
        let at = rec.census();
        let relock = Op::Acquire {
            mode: crate::event::LockMode::Exclusive,
            try_lock: false,
        };
        let resumed = step(&mut rec, 2, &[(Some(1), relock)]);
        let mut sleep = vec![Sleeper::new(ThreadId(2), resumed, at)];
        let notify = step(&mut rec, 1, &[(Some(0), Op::Notify { all: false })]);
        rec.wake(&mut sleep, &notify);
        assert!(sleep.is_empty(), "the waiter would now wake notified");
    }
}
