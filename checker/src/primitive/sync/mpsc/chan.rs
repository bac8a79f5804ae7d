//! The model channel: its state and every operation on it inside a model.
//!
//! The state lives behind a `std::sync::Mutex` because the channel is shared by model threads,
//! but every model thread runs on the same OS thread: the guard is always dropped before a call
//! that may switch threads (`api::point`, `api::block`, `api::emit`), or the next thread to
//! touch the channel would deadlock that OS thread.

use std::collections::VecDeque;
use std::sync::mpsc::{RecvTimeoutError, SendError, TryRecvError, TrySendError};
use std::sync::{Arc, MutexGuard, PoisonError};

use crate::event::{ObjectId, ObjectKind, Op, Site, WaitFor, WakeReason};
use crate::runtime::{api, ObjectSlot};

/// A channel created inside a model, shared by its senders and its receiver.
pub(super) struct Chan<T> {
    slot: ObjectSlot,
    /// The execution that created the channel; it is meaningless in any other.
    generation: u32,
    state: std::sync::Mutex<State<T>>,
}

struct State<T> {
    /// The messages sent and not yet received, each with its ticket (the order it was sent in).
    queue: VecDeque<(u64, T)>,
    /// `None` for `channel()`, `Some(n)` for `sync_channel(n)`.
    capacity: Option<usize>,
    /// Live `Sender`s or `SyncSender`s.
    senders: usize,
    receiver_alive: bool,
    /// How many receivers are inside `recv`/`recv_timeout` finding nothing to take (0 or 1:
    /// the receiver is not `Sync`); a rendezvous `try_send` succeeds only when one is.
    receivers_waiting: usize,
    next_ticket: u64,
}

impl<T> State<T> {
    /// Whether a sender may put a message in the queue now. A rendezvous sender always may: its
    /// message waits there, and the sender with it, until the receiver takes it.
    fn has_room(&self) -> bool {
        match self.capacity {
            None | Some(0) => true,
            Some(n) => self.queue.len() < n,
        }
    }

    fn push(&mut self, value: T) -> u64 {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        self.queue.push_back((ticket, value));
        ticket
    }
}

impl<T> Chan<T> {
    /// A new channel with one sender and one receiver; must run inside a model.
    pub(super) fn new(capacity: Option<usize>, site: Site) -> Arc<Self> {
        Arc::new(Chan {
            slot: ObjectSlot::new(site),
            generation: api::generation(),
            state: std::sync::Mutex::new(State {
                queue: VecDeque::new(),
                capacity,
                senders: 1,
                receiver_alive: true,
                receivers_waiting: 0,
                next_ticket: 0,
            }),
        })
    }

    fn state(&self) -> MutexGuard<'_, State<T>> {
        // A panic never happens with the guard held, but stay usable if one ever did.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn rendezvous(&self) -> bool {
        self.state().capacity == Some(0)
    }

    /// Whether the running model execution is the one that created the channel.
    fn in_own_execution(&self) -> bool {
        api::in_model() && api::generation() == self.generation
    }

    fn id(&self) -> ObjectId {
        self.slot.id(ObjectKind::Channel)
    }

    /// The start of every operation: checks the channel belongs to the running execution and
    /// takes the scheduling point.
    fn enter(&self, site: Site) -> ObjectId {
        if !self.in_own_execution() {
            panic!(
                "conc-check: the channel created at {} inside a model is used at {} outside \
                 that execution (from a std thread, or after the execution ended); objects \
                 used in a model must be created inside it",
                self.slot.site(),
                site
            );
        }
        api::point(site, false);
        self.id()
    }

    /// `Sender::send` / `SyncSender::send`.
    pub(super) fn send(&self, value: T, site: Site) -> Result<(), SendError<T>> {
        let id = self.enter(site);
        let ticket = loop {
            let mut state = self.state();
            if !state.receiver_alive {
                drop(state);
                api::emit(Some(id), Op::Observe, site);
                return Err(SendError(value));
            }
            if state.has_room() {
                break state.push(value);
            }
            drop(state);
            api::block(WaitFor::Send(id), false, site);
        };
        api::emit(Some(id), Op::Send { waits: true }, site);
        api::wake(id, true);
        if !self.rendezvous() {
            return Ok(());
        }
        // A rendezvous send returns once the receiver has taken this very message.
        loop {
            let mut state = self.state();
            let Some(at) = state.queue.iter().position(|(t, _)| *t == ticket) else {
                drop(state);
                api::emit(Some(id), Op::Observe, site);
                return Ok(());
            };
            if !state.receiver_alive {
                let (_, value) = state.queue.remove(at).expect("position is in the queue");
                drop(state);
                api::emit(Some(id), Op::Update, site);
                return Err(SendError(value));
            }
            drop(state);
            api::block(WaitFor::Send(id), false, site);
        }
    }

    /// `SyncSender::try_send`.
    pub(super) fn try_send(&self, value: T, site: Site) -> Result<(), TrySendError<T>> {
        let id = self.enter(site);
        let mut state = self.state();
        if !state.receiver_alive {
            drop(state);
            api::emit(Some(id), Op::Observe, site);
            return Err(TrySendError::Disconnected(value));
        }
        let room = match state.capacity {
            // A rendezvous needs a receiver already waiting, and no other message for it.
            Some(0) => state.receivers_waiting > 0 && state.queue.is_empty(),
            _ => state.has_room(),
        };
        if !room {
            drop(state);
            api::emit(Some(id), Op::Observe, site);
            return Err(TrySendError::Full(value));
        }
        state.push(value);
        drop(state);
        api::emit(Some(id), Op::Send { waits: false }, site);
        api::wake(id, true);
        Ok(())
    }

    /// `Receiver::recv` (`timeout` false) and `recv_timeout` (`timeout` true: the wait may time
    /// out whenever the scheduler lets it; time is virtual).
    pub(super) fn recv(&self, timeout: bool, site: Site) -> Result<T, RecvTimeoutError> {
        let id = self.enter(site);
        let mut waiting = false;
        let mut timed_out = false;
        loop {
            let mut state = self.state();
            // A message that is there is taken even after a timeout fired: it arrived in time.
            let outcome = match state.queue.pop_front() {
                Some((_, value)) => Ok(value),
                None if state.senders == 0 => Err(RecvTimeoutError::Disconnected),
                None if timed_out => Err(RecvTimeoutError::Timeout),
                None => {
                    if !waiting {
                        state.receivers_waiting += 1;
                        waiting = true;
                    }
                    drop(state);
                    let reason = api::block(WaitFor::Receive(id), timeout, site);
                    timed_out = reason == WakeReason::TimedOut;
                    continue;
                }
            };
            if waiting {
                state.receivers_waiting -= 1;
            }
            drop(state);
            // A waiting receiver is seen only by a rendezvous `try_send`.
            took(id, outcome.is_ok(), !timeout && !self.rendezvous(), site);
            return outcome;
        }
    }

    /// `Receiver::try_recv`.
    pub(super) fn try_recv(&self, site: Site) -> Result<T, TryRecvError> {
        let id = self.enter(site);
        let mut state = self.state();
        let outcome = match state.queue.pop_front() {
            Some((_, value)) => Ok(value),
            None if state.senders == 0 => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        };
        drop(state);
        took(id, outcome.is_ok(), false, site);
        outcome
    }

    /// A sender was cloned.
    pub(super) fn add_sender(&self) {
        self.state().senders += 1;
    }

    /// A sender was dropped; the last one disconnects the channel and wakes the receiver.
    pub(super) fn drop_sender(&self) {
        // After the execution ended (or from outside it) only the state is kept up to date.
        let live = self.in_own_execution();
        if live {
            api::point(self.slot.site(), false);
        }
        let mut state = self.state();
        state.senders -= 1;
        let last = state.senders == 0;
        drop(state);
        if live {
            api::emit(Some(self.id()), Op::DropSender { last }, self.slot.site());
        }
        if live && last {
            api::wake(self.id(), true);
        }
    }

    /// The receiver was dropped: wakes the senders, which now fail, and drops the messages
    /// nobody can receive any more (but not those of blocked rendezvous senders, which take
    /// them back).
    pub(super) fn drop_receiver(&self) {
        let live = self.in_own_execution();
        if live {
            api::point(self.slot.site(), false);
        }
        let mut state = self.state();
        state.receiver_alive = false;
        let lost = if state.capacity == Some(0) {
            VecDeque::new()
        } else {
            std::mem::take(&mut state.queue)
        };
        drop(state);
        if live {
            api::emit(Some(self.id()), Op::DropReceiver, self.slot.site());
            api::wake(self.id(), true);
        }
        // The messages' own `Drop`s may use the channel (a message can hold a sender of it):
        // they run with the state unlocked.
        drop(lost);
    }
}

/// Records the end of a receive on channel `id`: a message taken (senders waiting for room, or
/// for this message to be taken, may go on), or only a look at an empty or closed channel.
/// `waits`: the receive would have waited for a message, unseen by the senders (`recv` on a
/// channel that is not a rendezvous).
fn took(id: ObjectId, got: bool, waits: bool, site: Site) {
    if got {
        api::emit(Some(id), Op::Receive { waits }, site);
        api::wake(id, true);
    } else {
        api::emit(Some(id), Op::Observe, site);
    }
}
