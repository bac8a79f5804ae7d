//! Who holds which lock: the one record of held locks.
//!
//! The deadlock and lock-order detectors keep it from `Acquire`/`Release` events with
//! [`Holdings::apply`], in both modes; real mode keeps each thread's own list of [`Held`] in a
//! thread-local (the lock fast path must not share anything) and publishes it with the
//! thread's wait for the watchdog, which restates it as events for the deadlock detector. The
//! race detector needs no holders: a lock orders accesses through its clock.

use crate::event::{Event, LockMode, ObjectId, Op, Site, ThreadId};

/// A lock a thread holds: which, how, and where the thread took it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Held {
    pub(crate) object: ObjectId,
    pub(crate) mode: LockMode,
    pub(crate) site: Site,
}

/// Every lock held, per thread in the order taken. Indexed by thread rather than hashed:
/// events arrive at every step, and a thread holds few locks.
#[derive(Clone, Debug, Default)]
pub(crate) struct Holdings {
    by_thread: Vec<Vec<Held>>,
}

impl Holdings {
    /// Takes in `event` if it acquires or releases a lock.
    #[inline]
    pub(crate) fn apply(&mut self, event: &Event) {
        match (event.op, event.object) {
            (Op::Acquire { mode, .. }, Some(object)) => self.acquired(
                event.thread,
                Held {
                    object,
                    mode,
                    site: event.site,
                },
            ),
            (Op::Release { mode }, Some(object)) => {
                self.released(event.thread, object, mode);
            }
            _ => {}
        }
    }

    /// `thread` now holds `held` too.
    #[inline]
    pub(crate) fn acquired(&mut self, thread: ThreadId, held: Held) {
        let index = thread.index();
        if self.by_thread.len() <= index {
            self.by_thread.resize_with(index + 1, Vec::new);
        }
        self.by_thread[index].push(held);
    }

    /// `thread` released `object`, held in `mode`: forgets its latest hold in that mode (or in
    /// any mode, if events were lost), and returns it.
    #[inline]
    pub(crate) fn released(
        &mut self,
        thread: ThreadId,
        object: ObjectId,
        mode: LockMode,
    ) -> Option<Held> {
        let held = self.by_thread.get_mut(thread.index())?;
        let found = held
            .iter()
            .rposition(|h| h.object == object && h.mode == mode)
            .or_else(|| held.iter().rposition(|h| h.object == object))?;
        // Locks are mostly released in the reverse order of taking them: the latest hold.
        if found + 1 == held.len() {
            held.pop()
        } else {
            Some(held.remove(found))
        }
    }

    /// The locks `thread` holds, oldest first.
    pub(crate) fn of(&self, thread: ThreadId) -> &[Held] {
        self.by_thread
            .get(thread.index())
            .map_or(&[], Vec::as_slice)
    }

    /// Who holds `object`, and how, in thread order.
    pub(crate) fn holders(&self, object: ObjectId) -> impl Iterator<Item = (ThreadId, Held)> + '_ {
        self.by_thread
            .iter()
            .enumerate()
            .flat_map(move |(t, held)| {
                held.iter()
                    .filter(move |h| h.object == object)
                    .map(move |h| (ThreadId(t as u32), *h))
            })
    }

    /// Forgets every hold (a new execution), keeping the allocations.
    pub(crate) fn clear(&mut self) {
        self.by_thread.iter_mut().for_each(Vec::clear);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detector::testing::ev;

    fn lock(mode: LockMode) -> Op {
        Op::Acquire {
            mode,
            try_lock: false,
        }
    }

    #[test]
    fn a_release_forgets_the_latest_hold_in_its_mode() {
        let mut h = Holdings::default();
        h.apply(&ev(1, Some(7), lock(LockMode::Shared)));
        h.apply(&ev(1, Some(8), lock(LockMode::Exclusive)));
        h.apply(&ev(2, Some(7), lock(LockMode::Shared)));
        assert_eq!(
            h.holders(ObjectId(7)).map(|(t, _)| t).collect::<Vec<_>>(),
            [ThreadId(1), ThreadId(2)]
        );
        h.apply(&ev(
            1,
            Some(7),
            Op::Release {
                mode: LockMode::Shared,
            },
        ));
        assert_eq!(h.of(ThreadId(1)).len(), 1);
        assert_eq!(h.of(ThreadId(1))[0].object, ObjectId(8));
        assert_eq!(
            h.holders(ObjectId(7)).map(|(t, _)| t).collect::<Vec<_>>(),
            [ThreadId(2)]
        );
        h.clear();
        assert!(h.of(ThreadId(2)).is_empty());
    }

    #[test]
    fn events_that_are_not_locking_change_nothing() {
        let mut h = Holdings::default();
        h.apply(&ev(1, Some(7), Op::Yield));
        h.apply(&ev(
            1,
            Some(7),
            Op::Release {
                mode: LockMode::Exclusive,
            },
        ));
        assert!(h.of(ThreadId(1)).is_empty());
        assert_eq!(h.holders(ObjectId(7)).count(), 0);
    }
}
