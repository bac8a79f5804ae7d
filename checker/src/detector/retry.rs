//! Which steps are retries: the steps of a thread that is waiting for someone else.
//!
//! A retry is a step that cannot change anything by itself: `yield_now`/`spin_loop`/`sleep`, a
//! failed `try_lock`, a failed compare-exchange, a failed `try_recv`/`try_send`, a re-read of
//! a location no other thread wrote since the thread last looked at it, or taking a lock again
//! that no other thread took since (what the thread finds under it is what it left there). The fair scheduler deprioritises
//! threads that keep retrying, and the starvation detector counts what a thread retried while
//! others won.

use super::objects::grow;
use crate::event::{Event, LockMode, ObjectId, Op};

/// How many objects per thread the tracker remembers having read (a spin loop reads one or two).
const REMEMBERED_READS: usize = 8;

/// What one step was.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StepKind {
    /// The thread asked to let others run (`yield_now`, `spin_loop`, `sleep`).
    Yield,
    /// The thread tried `object` and found nothing new: a failed attempt or an unchanged re-read.
    Retry(ObjectId),
    /// Anything else: the step changed something or saw something new.
    Progress,
}

/// Classifies steps; fed every event of an execution in order.
#[derive(Default)]
pub struct RetryTracker {
    /// Writes to each object so far.
    versions: Vec<u64>,
    /// Per thread: the objects it read recently and the version it saw.
    seen: Vec<Vec<(ObjectId, u64)>>,
}

impl RetryTracker {
    /// An empty tracker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets the previous execution.
    pub fn reset(&mut self) {
        self.versions.clear();
        self.seen.iter_mut().for_each(Vec::clear);
    }

    /// Classifies `event` and records its effect.
    pub fn classify(&mut self, event: &Event) -> StepKind {
        let Some(object) = event.object else {
            return match event.op {
                Op::Yield => StepKind::Yield,
                _ => StepKind::Progress,
            };
        };
        match event.op {
            Op::TryLockFailed { .. } | Op::Observe | Op::AtomicRmw { success: false, .. } => {
                StepKind::Retry(object)
            }
            Op::AtomicLoad { .. } | Op::CellRead => self.read(event, object),
            // Readers of an `RwLock` change nothing for each other; only a writer's turn can
            // change what a reader finds.
            Op::Acquire {
                mode: LockMode::Shared,
                ..
            }
            | Op::Release {
                mode: LockMode::Shared,
            } => self.read(event, object),
            Op::Acquire { .. } => {
                let kind = self.read(event, object);
                self.write(event, object);
                kind
            }
            Op::Create { .. } | Op::LockRequest { .. } | Op::Block { .. } => StepKind::Progress,
            _ => {
                self.write(event, object);
                StepKind::Progress
            }
        }
    }

    /// A write: a new version, which the writer itself has seen.
    fn write(&mut self, event: &Event, object: ObjectId) {
        let version = grow(&mut self.versions, object.index());
        *version += 1;
        let version = *version;
        let seen = grow(&mut self.seen, event.thread.index());
        match seen.iter_mut().find(|(o, _)| *o == object) {
            Some((_, v)) => *v = version,
            None => {
                if seen.len() == REMEMBERED_READS {
                    seen.remove(0);
                }
                seen.push((object, version));
            }
        }
    }

    /// A read: a retry when the thread saw this version of the object before.
    fn read(&mut self, event: &Event, object: ObjectId) -> StepKind {
        let version = *grow(&mut self.versions, object.index());
        let seen = grow(&mut self.seen, event.thread.index());
        match seen.iter_mut().find(|(o, _)| *o == object) {
            Some((_, v)) if *v == version => StepKind::Retry(object),
            Some((_, v)) => {
                *v = version;
                StepKind::Progress
            }
            None => {
                if seen.len() == REMEMBERED_READS {
                    seen.remove(0);
                }
                seen.push((object, version));
                StepKind::Progress
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detector::testing::{ev, load};
    use crate::event::MemOrder;

    #[test]
    fn a_re_read_of_an_unchanged_location_is_a_retry_and_a_write_in_between_is_not() {
        let mut r = RetryTracker::new();
        assert_eq!(r.classify(&ev(1, Some(0), load())), StepKind::Progress);
        assert_eq!(
            r.classify(&ev(1, Some(0), load())),
            StepKind::Retry(ObjectId(0))
        );
        let store = Op::AtomicStore {
            order: MemOrder::SeqCst,
            value: 1,
        };
        assert_eq!(r.classify(&ev(2, Some(0), store)), StepKind::Progress);
        assert_eq!(r.classify(&ev(1, Some(0), load())), StepKind::Progress);
        // A thread learns nothing new from reading back its own write.
        assert_eq!(
            r.classify(&ev(2, Some(0), load())),
            StepKind::Retry(ObjectId(0))
        );
    }

    #[test]
    fn taking_a_lock_again_that_nobody_else_took_is_a_retry() {
        use crate::event::LockMode::Shared;
        let mut r = RetryTracker::new();
        let acquire = Op::Acquire {
            mode: Shared,
            try_lock: false,
        };
        let release = Op::Release { mode: Shared };
        assert_eq!(r.classify(&ev(1, Some(3), acquire)), StepKind::Progress);
        r.classify(&ev(1, Some(3), release));
        assert_eq!(
            r.classify(&ev(1, Some(3), acquire)),
            StepKind::Retry(ObjectId(3))
        );
        r.classify(&ev(1, Some(3), release));
        // Another reader changes nothing a reader could see.
        r.classify(&ev(2, Some(3), acquire));
        r.classify(&ev(2, Some(3), release));
        assert_eq!(
            r.classify(&ev(1, Some(3), acquire)),
            StepKind::Retry(ObjectId(3))
        );
        r.classify(&ev(1, Some(3), release));
        // A writer does.
        let write = Op::Acquire {
            mode: crate::event::LockMode::Exclusive,
            try_lock: false,
        };
        r.classify(&ev(2, Some(3), write));
        assert_eq!(r.classify(&ev(1, Some(3), acquire)), StepKind::Progress);
    }

    #[test]
    fn failed_attempts_and_yields_are_retries() {
        let mut r = RetryTracker::new();
        let failed = Op::AtomicRmw {
            order: MemOrder::SeqCst,
            success: false,
            cas: true,
            old: 3,
            new: 3,
        };
        assert_eq!(
            r.classify(&ev(1, Some(4), failed)),
            StepKind::Retry(ObjectId(4))
        );
        let try_lock = Op::TryLockFailed {
            mode: crate::event::LockMode::Exclusive,
        };
        assert_eq!(
            r.classify(&ev(1, Some(2), try_lock)),
            StepKind::Retry(ObjectId(2))
        );
        assert_eq!(r.classify(&ev(1, None, Op::Yield)), StepKind::Yield);
        assert_eq!(r.classify(&ev(1, None, Op::Exit)), StepKind::Progress);
    }
}
