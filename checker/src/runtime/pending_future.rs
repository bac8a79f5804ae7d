//! What a model thread that drives a future (`conc_check::future`'s `block_on` and tasks) knows
//! about it while it polls, so that a deadlock report can say where each stuck future is pending
//! and what it waits on.
//!
//! The shim's driver starts a record before every poll. While the future polls, the first clone
//! of its waker (a future keeps a clone where whoever will wake it can find it) captures the
//! stack: its innermost frame in the user's code is the `.await` the future is pending at (or,
//! for a hand-written future, the line in its `poll` that registered the waker). A `JoinHandle`
//! that is pending says which task it awaits. The driver's waker is shared through a weak
//! reference: how many strong ones are left besides the driver's own says whether anyone still
//! holds the waker, and nobody holding it is a lost wakeup.
//!
//! Stacks are resolved only when a report needs them.

use std::any::Any;
use std::sync::Weak;

use super::frames::{capture, resolve, Frame};
use crate::describe::{AwaitSite, PendingAwait};
use crate::event::{Site, WaitFor};

/// The future a thread drives, as of its last poll.
pub(crate) struct PendingFuture {
    /// The driver's waker.
    waker: Weak<dyn Any + Send + Sync>,
    /// Where the future first cloned its waker in its last poll (return addresses, innermost
    /// first); empty if it did not.
    registered_at: Vec<usize>,
    /// What the future waited for in its last poll (the first wait a primitive reported), and
    /// the line of the user's code the primitive knows it from, if it does.
    waits: Option<(WaitFor, Option<Site>)>,
    /// The thread is parked between polls (not blocked inside one).
    pub between_polls: bool,
    /// The future is an async task's (not `block_on`'s).
    pub task: bool,
}

impl PendingFuture {
    /// A record for a poll about to start with the driver's `waker`.
    pub(crate) fn new(waker: Weak<dyn Any + Send + Sync>) -> Self {
        PendingFuture {
            waker,
            registered_at: Vec::new(),
            waits: None,
            between_polls: false,
            task: false,
        }
    }

    /// Starts the record of a new poll, keeping the allocation.
    pub(crate) fn restart(&mut self, waker: Weak<dyn Any + Send + Sync>) {
        self.waker = waker;
        self.registered_at.clear();
        self.waits = None;
        self.between_polls = false;
    }

    /// Whether this poll has not registered its waker yet.
    pub(crate) fn wants_registration(&self) -> bool {
        self.registered_at.is_empty() && !self.between_polls
    }

    /// The waker is being cloned by the polling thread: keep where, if it is the first time in
    /// this poll.
    pub(crate) fn registered(&mut self, stack: Vec<usize>) {
        if self.wants_registration() {
            self.registered_at = stack;
        }
    }

    /// The future waits for `wait`, awaited at `site` if known; the first wait of a poll is
    /// kept.
    pub(crate) fn waits(&mut self, wait: WaitFor, site: Option<Site>) {
        if self.waits.is_none() && !self.between_polls {
            self.waits = Some((wait, site));
        }
    }

    /// What a report says about it: the stack resolved to the user's frame.
    pub(crate) fn explain(&self) -> PendingAwait {
        let site = resolve(&self.registered_at)
            .into_iter()
            .find(Frame::is_user)
            .and_then(|frame| {
                Some(AwaitSite {
                    file: frame.file?,
                    line: frame.line?,
                    column: frame.column.unwrap_or(1),
                    function: frame.function,
                })
            });
        PendingAwait {
            site,
            waker_holders: self.waker.strong_count().saturating_sub(1),
            waits: self.waits.map(|(wait, _)| wait),
            waits_at: self.waits.and_then(|(_, site)| site),
        }
    }
}

/// The stack of the calling thread, for [`PendingFuture::registered`].
pub(crate) fn registration_stack() -> Vec<usize> {
    capture()
}
