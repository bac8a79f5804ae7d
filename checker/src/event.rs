//! The one event vocabulary shared by the model runtime and the real-thread runtime.
//!
//! Every shim operation becomes one [`Event`]: which thread did what to which object, and where
//! in the user's source. Detectors consume events and never learn which runtime produced them.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::panic::Location;

pub use conc_check_core::Site;

/// A thread within one execution. `ThreadId(0)` is the thread that runs the test body.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize)]
pub struct ThreadId(pub u32);

impl ThreadId {
    /// The thread that runs the test closure.
    pub const MAIN: ThreadId = ThreadId(0);

    /// The index of this thread in per-thread tables.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for ThreadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A synchronisation object (lock, condvar, channel, atomic, cell, …) within one execution.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize)]
pub struct ObjectId(pub u32);

impl ObjectId {
    /// The index of this object in per-object tables.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What kind of object an [`ObjectId`] names; used in messages and for dependency decisions.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    /// `sync::Mutex`.
    Mutex,
    /// `sync::RwLock`.
    RwLock,
    /// `sync::Condvar`.
    Condvar,
    /// An `mpsc` channel.
    Channel,
    /// `sync::Barrier`.
    Barrier,
    /// `sync::Once`, `OnceLock` or `LazyLock`.
    Once,
    /// An atomic integer, bool or pointer.
    Atomic,
    /// A tracked `cell::UnsafeCell`.
    Cell,
    /// An async notification (the tokio-shaped facade's `Notify`).
    Notify,
    /// An async semaphore (the tokio-shaped facade's `Semaphore`).
    Semaphore,
}

impl ObjectKind {
    /// The user-facing type name.
    pub fn type_name(self) -> &'static str {
        match self {
            ObjectKind::Mutex => "Mutex",
            ObjectKind::RwLock => "RwLock",
            ObjectKind::Condvar => "Condvar",
            ObjectKind::Channel => "channel",
            ObjectKind::Barrier => "Barrier",
            ObjectKind::Once => "Once",
            ObjectKind::Atomic => "atomic",
            ObjectKind::Cell => "UnsafeCell",
            ObjectKind::Notify => "Notify",
            ObjectKind::Semaphore => "Semaphore",
        }
    }
}

/// Memory ordering of an atomic access, mirroring `std::sync::atomic::Ordering`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MemOrder {
    /// `Relaxed`.
    Relaxed,
    /// `Release`.
    Release,
    /// `Acquire`.
    Acquire,
    /// `AcqRel`.
    AcqRel,
    /// `SeqCst`.
    SeqCst,
}

/// One store of an atomic location, numbered in the order the stores ran (the initial value
/// is 0), so that a load can say which store it read although stores are not always read
/// in the order they ran (weak memory).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct StoreId(pub u32);

impl StoreId {
    /// The latest store that ran: what every load reads where loads are sequentially
    /// consistent (real mode, the SeqCst memory model), and what a store there makes.
    pub const LATEST: StoreId = StoreId(u32::MAX);
}

/// How a lock is taken.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LockMode {
    /// Mutex lock or RwLock write lock.
    Exclusive,
    /// RwLock read lock.
    Shared,
}

/// What a blocked thread waits for.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitFor {
    /// To acquire a lock in the given mode.
    Lock(ObjectId, LockMode),
    /// A notification on a condvar.
    Condvar(ObjectId),
    /// A message (or disconnection) on a channel.
    Receive(ObjectId),
    /// Room (or a receiver, for a rendezvous channel) on a channel.
    Send(ObjectId),
    /// The other threads of a barrier.
    Barrier(ObjectId),
    /// Another thread finishing a `Once`/`OnceLock`/`LazyLock` initialiser.
    Once(ObjectId),
    /// A thread to finish.
    Join(ThreadId),
    /// An `unpark` of this thread.
    Park,
    /// Another thread to write something the thread's yield-spinning loop reads: its last
    /// iteration repeated the one before unchanged (see `runtime::spin`).
    Spin,
}

impl WaitFor {
    /// The object waited on, if the wait is on an object.
    pub fn object(self) -> Option<ObjectId> {
        match self {
            WaitFor::Lock(o, _)
            | WaitFor::Condvar(o)
            | WaitFor::Receive(o)
            | WaitFor::Send(o)
            | WaitFor::Barrier(o)
            | WaitFor::Once(o) => Some(o),
            WaitFor::Join(_) | WaitFor::Park | WaitFor::Spin => None,
        }
    }
}

/// Why a blocked thread resumed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum WakeReason {
    /// Another thread notified it (unlock, notify, send, …).
    Notified,
    /// Its timeout fired (virtual time).
    TimedOut,
    /// A spurious wakeup, as std allows for condvars and park.
    Spurious,
}

/// One operation. `object` in [`Event`] says which object it applies to.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "snake_case", tag = "op")]
pub enum Op {
    /// A new object was created (first used) in this execution.
    Create {
        /// What kind of object.
        kind: ObjectKind,
    },
    /// This thread spawned `child`.
    Spawn {
        /// The new thread.
        child: ThreadId,
    },
    /// The thread finished its closure.
    Exit,
    /// The thread joined `target`, which had finished.
    Join {
        /// The joined thread.
        target: ThreadId,
    },
    /// A lock was acquired.
    Acquire {
        /// How.
        mode: LockMode,
        /// Whether it was a `try_lock`-style acquisition that could not have blocked.
        try_lock: bool,
    },
    /// A `try_lock` that failed because the lock was held.
    TryLockFailed {
        /// How.
        mode: LockMode,
    },
    /// A lock was released.
    Release {
        /// How it had been held.
        mode: LockMode,
    },
    /// The thread blocked.
    Block {
        /// What for.
        wait: WaitFor,
    },
    /// A condvar notification.
    Notify {
        /// `notify_all` rather than `notify_one`.
        all: bool,
    },
    /// A message was sent on a channel.
    Send {
        /// It was a `send`, which would have waited for room had there been none; a
        /// `try_send` could have failed instead (`Full`), depending on the receiver.
        waits: bool,
    },
    /// A message was received from a channel.
    Receive {
        /// It was a `recv` that would have waited for a message had none been there, unseen by
        /// the senders; `try_recv` and `recv_timeout` could have come back without one, and a
        /// receiver waiting on a rendezvous channel lets a `try_send` through.
        waits: bool,
    },
    /// A thread arrived at a barrier (before it waits for the rest of its round).
    BarrierArrive,
    /// A barrier wait completed.
    BarrierPass,
    /// A once-initialiser completed.
    OnceComplete,
    /// `unpark` of `target`.
    Unpark {
        /// The thread unparked.
        target: ThreadId,
    },
    /// `yield_now`, `spin_loop` or `sleep`.
    Yield,
    /// `park` / `park_timeout` returned (unparked, timed out or woken spuriously).
    Parked,
    /// An atomic load.
    AtomicLoad {
        /// Ordering.
        order: MemOrder,
        /// The value read, as bits (a pointer's address, `0`/`1` for a bool).
        value: u64,
        /// The store it read.
        #[serde(skip)]
        from: StoreId,
    },
    /// An atomic store.
    AtomicStore {
        /// Ordering.
        order: MemOrder,
        /// The value written, as bits.
        value: u64,
        /// The store it made.
        #[serde(skip)]
        id: StoreId,
    },
    /// An atomic read-modify-write (including a failed compare-exchange, which only reads).
    AtomicRmw {
        /// Ordering.
        order: MemOrder,
        /// False for a compare-exchange that failed (only a load took place).
        success: bool,
        /// A compare-exchange (`compare_exchange`, `_weak`, `fetch_update`) rather than an
        /// unconditional read-modify-write such as `fetch_add` or `swap`.
        cas: bool,
        /// The value found, as bits.
        old: u64,
        /// The value left behind, as bits (`old` when nothing was stored).
        new: u64,
        /// The store it read.
        #[serde(skip)]
        from: StoreId,
        /// The store it made ([`StoreId::LATEST`] when it stored nothing).
        #[serde(skip)]
        id: StoreId,
    },
    /// A fence.
    Fence {
        /// Ordering.
        order: MemOrder,
    },
    /// An operation that looked at the object's state and changed nothing (a failed `try_send`
    /// or `try_recv`, a `get` that found a once-cell empty).
    Observe,
    /// A state change that has no event of its own (an initialiser claimed, a rendezvous
    /// message taken back from a channel whose receiver is gone).
    Update,
    /// A sender of a channel was dropped.
    DropSender {
        /// It was the last one: the channel is disconnected for the receiver once empty.
        last: bool,
    },
    /// The receiver of a channel was dropped: sends fail from now on.
    DropReceiver,
    /// A read of a tracked cell.
    CellRead,
    /// A write of a tracked cell.
    CellWrite,
}

/// How an operation touches its object, for partial-order reduction.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Observes the object without changing it; commutes with other reads.
    Read,
    /// Changes the object.
    Write,
    /// Touches no shared object (yield, exit).
    Local,
}

impl Op {
    /// The access kind of this operation on its object.
    pub fn access(&self) -> Access {
        match self {
            Op::AtomicLoad { .. } | Op::CellRead | Op::TryLockFailed { .. } | Op::Observe => {
                Access::Read
            }
            Op::AtomicRmw { success: false, .. } => Access::Read,
            Op::Yield | Op::Parked | Op::Exit | Op::Block { .. } => Access::Local,
            Op::BarrierArrive => Access::Write,
            _ => Access::Write,
        }
    }
}

/// The kind of an [`Op`], without its fields: what detectors declare interest in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OpKind {
    /// [`Op::Create`].
    Create,
    /// [`Op::Spawn`].
    Spawn,
    /// [`Op::Exit`].
    Exit,
    /// [`Op::Join`].
    Join,
    /// [`Op::Acquire`].
    Acquire,
    /// [`Op::TryLockFailed`].
    TryLockFailed,
    /// [`Op::Release`].
    Release,
    /// [`Op::Block`].
    Block,
    /// [`Op::Notify`].
    Notify,
    /// [`Op::Send`].
    Send,
    /// [`Op::Receive`].
    Receive,
    /// [`Op::BarrierArrive`].
    BarrierArrive,
    /// [`Op::BarrierPass`].
    BarrierPass,
    /// [`Op::OnceComplete`].
    OnceComplete,
    /// [`Op::Unpark`].
    Unpark,
    /// [`Op::Yield`].
    Yield,
    /// [`Op::Parked`].
    Parked,
    /// [`Op::AtomicLoad`].
    AtomicLoad,
    /// [`Op::AtomicStore`].
    AtomicStore,
    /// [`Op::AtomicRmw`].
    AtomicRmw,
    /// [`Op::Fence`].
    Fence,
    /// [`Op::Observe`].
    Observe,
    /// [`Op::Update`].
    Update,
    /// [`Op::DropSender`].
    DropSender,
    /// [`Op::DropReceiver`].
    DropReceiver,
    /// [`Op::CellRead`].
    CellRead,
    /// [`Op::CellWrite`].
    CellWrite,
}

impl Op {
    /// What kind of operation this is.
    pub fn kind(&self) -> OpKind {
        match self {
            Op::Create { .. } => OpKind::Create,
            Op::Spawn { .. } => OpKind::Spawn,
            Op::Exit => OpKind::Exit,
            Op::Join { .. } => OpKind::Join,
            Op::Acquire { .. } => OpKind::Acquire,
            Op::TryLockFailed { .. } => OpKind::TryLockFailed,
            Op::Release { .. } => OpKind::Release,
            Op::Block { .. } => OpKind::Block,
            Op::Notify { .. } => OpKind::Notify,
            Op::Send { .. } => OpKind::Send,
            Op::Receive { .. } => OpKind::Receive,
            Op::BarrierArrive => OpKind::BarrierArrive,
            Op::BarrierPass => OpKind::BarrierPass,
            Op::OnceComplete => OpKind::OnceComplete,
            Op::Unpark { .. } => OpKind::Unpark,
            Op::Yield => OpKind::Yield,
            Op::Parked => OpKind::Parked,
            Op::AtomicLoad { .. } => OpKind::AtomicLoad,
            Op::AtomicStore { .. } => OpKind::AtomicStore,
            Op::AtomicRmw { .. } => OpKind::AtomicRmw,
            Op::Fence { .. } => OpKind::Fence,
            Op::Observe => OpKind::Observe,
            Op::Update => OpKind::Update,
            Op::DropSender { .. } => OpKind::DropSender,
            Op::DropReceiver => OpKind::DropReceiver,
            Op::CellRead => OpKind::CellRead,
            Op::CellWrite => OpKind::CellWrite,
        }
    }
}

/// One operation by one thread on (at most) one object, at a user source line.
#[derive(Clone, Copy, Debug)]
pub struct Event {
    /// Who.
    pub thread: ThreadId,
    /// On what.
    pub object: Option<ObjectId>,
    /// What.
    pub op: Op,
    /// Where, in the user's code.
    pub site: Site,
}

/// A site inside the engine, for events the user's code did not cause directly (thread exit).
pub fn internal_site() -> Site {
    Location::caller()
}
