//! A channel as three places for partial-order reduction: its queue of messages, its count of
//! live senders, and whether its receiver is alive.
//!
//! Treating a channel as one object makes every pair of operations on it dependent, although
//! many commute: a sender dropped and the receiver dropped end in the same state in either
//! order, and so do a sender dropped and a message received or sent by another sender (the
//! receive took a message that was there, which the drop does not change; a sender that is
//! sending is alive, so the drop is not the last). Split into parts, two operations are
//! dependent only when they touch a common part and one of them writes it:
//!
//! | operation | queue | senders | receiver |
//! |---|---|---|---|
//! | send | write | | read (fails once it is gone) |
//! | receive (took a message) | write | | |
//! | a failed `try_*`, a send or receive that found the channel closed | read | read | read |
//! | blocking in `recv` | write | read (the last sender's drop wakes it) | |
//! | blocking in `send` (full, or a rendezvous) | write | | read |
//! | a rendezvous message taken back (receiver gone) | write | | read |
//! | a sender dropped | | write | |
//! | the receiver dropped (its messages go too) | write | | write |
//!
//! Blocking counts as a write of the queue, as a blocked lock acquisition does of its lock: run
//! the other way round, the operation may not block.
//!
//! That is the relation sleep sets use ([`parts`]). Race reversal ([`race_parts`]) can be
//! finer, as it is for locks: a `recv` takes the oldest message, so it is ordered after that
//! message's send (happens-before, as a lock acquisition is after the release it waited for)
//! and commutes with every other send; run before its send it would only wait for it.
//! Likewise a receive that blocks is a wait, not an access of the queue: whether the send or
//! the last sender's drop that ends it comes before or after it, the receive ends the same way.
//! What a receive does write is the count of messages taken (and, blocked, that a receiver
//! waits), which a sender waiting for room, or a `try_send` finding the channel full (a
//! rendezvous `try_send` succeeds only while a receiver waits), reads.

use crate::event::{ObjectKind, Op, WaitFor};

/// A part of a channel.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Part {
    /// The queued messages.
    Queue,
    /// How many senders are alive.
    Senders,
    /// Whether the receiver is alive.
    Receiver,
    /// How many messages the receiver has taken (race reversal only).
    Taken,
}

const SEND: &[(Part, bool)] = &[(Part::Queue, true), (Part::Receiver, false)];
const RECEIVE: &[(Part, bool)] = &[(Part::Queue, true)];
const LOOK: &[(Part, bool)] = &[
    (Part::Queue, false),
    (Part::Senders, false),
    (Part::Receiver, false),
];
const BLOCKED_RECEIVE: &[(Part, bool)] = &[(Part::Queue, true), (Part::Senders, false)];
const DROP_SENDER: &[(Part, bool)] = &[(Part::Senders, true)];
const DROP_RECEIVER: &[(Part, bool)] = &[(Part::Queue, true), (Part::Receiver, true)];

/// The parts of a channel `op` touches, each with whether it writes it, or `None` if `op` is
/// not a channel operation. `kind` is the kind of the object the operation is on, if known
/// (`Observe` and `Update` are channel operations only on a channel).
pub fn parts(op: &Op, kind: Option<ObjectKind>) -> Option<&'static [(Part, bool)]> {
    let on_channel = kind == Some(ObjectKind::Channel);
    Some(match op {
        Op::Send { .. } => SEND,
        Op::Receive { .. } => RECEIVE,
        Op::DropSender { .. } => DROP_SENDER,
        Op::DropReceiver => DROP_RECEIVER,
        Op::Observe if on_channel => LOOK,
        Op::Update if on_channel => SEND,
        Op::Block { wait } => return waiting(*wait),
        _ => return None,
    })
}

const RACE_RECEIVE: &[(Part, bool)] = &[(Part::Taken, true)];
const RACE_TAKE: &[(Part, bool)] = &[(Part::Queue, true), (Part::Taken, true)];
const RACE_LOOK: &[(Part, bool)] = &[
    (Part::Queue, false),
    (Part::Senders, false),
    (Part::Receiver, false),
    (Part::Taken, false),
];
/// A send that depends on what the receiver took: one that blocked for room (or for its
/// rendezvous), or a `try_send` that went through (it could have found the channel full).
const RACE_SEND_NEEDING_ROOM: &[(Part, bool)] = &[
    (Part::Queue, true),
    (Part::Receiver, false),
    (Part::Taken, false),
];

/// [`parts`] for race reversal: a `recv` writes only the count of messages taken (it is
/// ordered after its message's send by happens-before, which the caller adds), and a blocked
/// receive only counts as taking (a rendezvous `try_send` succeeds only while a receiver waits,
/// so a `try_send` that went through reads what was taken, as one that failed does).
/// A `try_recv` or `recv_timeout` that took a message also writes the
/// queue: run before the send, it would have come back without it.
pub fn race_parts(op: &Op, kind: Option<ObjectKind>) -> Option<&'static [(Part, bool)]> {
    Some(match op {
        Op::Send { waits: false } => RACE_SEND_NEEDING_ROOM,
        Op::Receive { waits: true } => RACE_RECEIVE,
        Op::Receive { waits: false } => RACE_TAKE,
        Op::Observe if kind == Some(ObjectKind::Channel) => RACE_LOOK,
        Op::Block {
            wait: WaitFor::Receive(_),
        } => RACE_RECEIVE,
        Op::Block {
            wait: WaitFor::Send(_),
        } => RACE_SEND_NEEDING_ROOM,
        _ => return parts(op, kind),
    })
}

/// The parts of a channel a thread blocked on `wait` depends on (what may wake it, and what it
/// then does), or `None` if it does not wait on a channel.
pub fn waiting(wait: WaitFor) -> Option<&'static [(Part, bool)]> {
    match wait {
        WaitFor::Receive(_) => Some(BLOCKED_RECEIVE),
        WaitFor::Send(_) => Some(SEND),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dependent(a: &[(Part, bool)], b: &[(Part, bool)]) -> bool {
        a.iter()
            .any(|(p, w)| b.iter().any(|(q, v)| p == q && (*w || *v)))
    }

    fn of(op: Op) -> &'static [(Part, bool)] {
        parts(&op, Some(ObjectKind::Channel)).expect("a channel operation")
    }

    #[test]
    fn drops_of_different_ends_commute_and_so_do_a_sender_drop_and_a_transfer() {
        let drop_sender = of(Op::DropSender { last: true });
        assert!(!dependent(drop_sender, of(Op::DropReceiver)));
        assert!(!dependent(drop_sender, of(Op::Receive { waits: true })));
        assert!(!dependent(drop_sender, of(Op::Send { waits: true })));
    }

    #[test]
    fn what_a_closed_or_empty_channel_decides_stays_dependent() {
        let drop_sender = of(Op::DropSender { last: true });
        assert!(
            dependent(drop_sender, of(Op::Observe)),
            "recv finding it closed"
        );
        assert!(dependent(
            drop_sender,
            waiting(WaitFor::Receive(crate::event::ObjectId(0))).unwrap()
        ));
        assert!(
            dependent(of(Op::DropReceiver), of(Op::Send { waits: true })),
            "send failing"
        );
        assert!(dependent(
            of(Op::Send { waits: true }),
            of(Op::Receive { waits: true })
        ));
        assert!(dependent(
            of(Op::Send { waits: true }),
            of(Op::Send { waits: true })
        ));
        assert!(
            dependent(of(Op::Send { waits: true }), of(Op::Observe)),
            "try_recv finding it empty"
        );
    }

    #[test]
    fn no_operation_touches_more_than_four_parts() {
        // The race tracker keeps an operation's places inline, four at most.
        for table in [
            SEND,
            RECEIVE,
            LOOK,
            BLOCKED_RECEIVE,
            DROP_SENDER,
            DROP_RECEIVER,
            RACE_RECEIVE,
            RACE_TAKE,
            RACE_LOOK,
            RACE_SEND_NEEDING_ROOM,
        ] {
            assert!(table.len() <= 4);
        }
    }

    #[test]
    fn observe_and_update_are_channel_operations_only_on_channels() {
        assert!(parts(&Op::Observe, Some(ObjectKind::Once)).is_none());
        assert!(parts(&Op::Update, None).is_none());
        assert!(parts(&Op::Yield, Some(ObjectKind::Channel)).is_none());
    }
}
