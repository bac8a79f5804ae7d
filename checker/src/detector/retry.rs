//! Which steps are retries: the steps of a thread that is waiting for someone else.
//!
//! A retry is a step that cannot change anything by itself and tells the thread nothing new:
//! `yield_now`/`spin_loop`/`sleep`; or a look at an object, from the same place in the code as
//! the thread's last look at it, when no other thread changed the object since: a re-read, a
//! failed `try_lock`, compare-exchange or `try_recv`/`try_send`, or taking a lock again (what
//! the thread finds under it is what it left there). Requiring the same place keeps
//! straight-line code that reads back what it wrote (a stack's pop, then its push) from looking
//! like a spin: a spin is a loop, which looks from the same place every time.

use super::objects::grow;
use crate::event::{Event, LockMode, ObjectId, Op, Site};

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

/// A thread's last look at an object: the version it saw and where it looked.
struct Look {
    object: ObjectId,
    version: u64,
    site: Site,
    /// The look was a retry (so releasing a lock taken by it is one too).
    retried: bool,
}

/// Classifies steps; fed every event of an execution in order.
#[derive(Default)]
pub struct RetryTracker {
    /// Writes to each object so far.
    versions: Vec<u64>,
    /// Per thread: its last look at each object it touched recently.
    looks: Vec<Vec<Look>>,
}

impl RetryTracker {
    /// An empty tracker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets the previous execution.
    pub fn reset(&mut self) {
        self.versions.clear();
        self.looks.iter_mut().for_each(Vec::clear);
    }

    /// Classifies `event` and records its effect.
    #[inline]
    pub fn classify(&mut self, event: &Event) -> StepKind {
        match event.object {
            // The events without an object, inlined: a yield, or progress.
            None if matches!(event.op, Op::Yield) => StepKind::Yield,
            None => StepKind::Progress,
            Some(object) => self.classify_on(event, object),
        }
    }

    /// [`RetryTracker::classify`] for an event on `object`.
    fn classify_on(&mut self, event: &Event, object: ObjectId) -> StepKind {
        match event.op {
            // A failed attempt is a look at the object like a read: the first failure after
            // another thread changed it tells the thread something (a compare-exchange loop
            // then retries with the new value); failing again on an unchanged object is a spin.
            Op::TryLockFailed { .. }
            | Op::Observe
            | Op::AtomicRmw { success: false, .. }
            | Op::AtomicLoad { .. }
            | Op::CellRead => self.read(event, object),
            // Readers of an `RwLock` change nothing for each other; only a writer's turn can
            // change what a reader finds.
            Op::Acquire {
                mode: LockMode::Shared,
                ..
            } => self.read(event, object),
            Op::Release {
                mode: LockMode::Shared,
            } => self.release(event, object),
            // Taking a lock looks at what it protects and may change it; releasing it changes
            // the version but is not a new look (the next acquisition at the same place is).
            Op::Acquire { .. } => self.read_and_write(event, object),
            Op::Release { .. } => self.release_and_write(event, object),
            Op::Create { .. } | Op::Block { .. } => StepKind::Progress,
            _ => {
                self.write(event, object);
                StepKind::Progress
            }
        }
    }

    /// The thread's look at `object`, created if it has none.
    fn look(&mut self, event: &Event, object: ObjectId) -> (&mut Look, bool) {
        let looks = grow(&mut self.looks, event.thread.index());
        match looks.iter().position(|l| l.object == object) {
            Some(i) => (&mut looks[i], false),
            None => {
                if looks.len() == REMEMBERED_READS {
                    looks.remove(0);
                }
                looks.push(Look {
                    object,
                    version: 0,
                    site: event.site,
                    retried: false,
                });
                (looks.last_mut().expect("just pushed"), true)
            }
        }
    }

    /// A write: a new version, which the writer itself knows; its site becomes the writer's
    /// last look at the object.
    fn write(&mut self, event: &Event, object: ObjectId) {
        let version = bump(&mut self.versions, object);
        let (look, _) = self.look(event, object);
        look.version = version;
        look.site = event.site;
    }

    /// Releasing a lock taken exclusively: part of a spin when taking it was a retry, and a
    /// write (a new version the releaser knows; its last look keeps the site it took the lock
    /// at), with one look.
    fn release_and_write(&mut self, event: &Event, object: ObjectId) -> StepKind {
        let version = bump(&mut self.versions, object);
        let (look, _) = self.look(event, object);
        look.version = version;
        retry_if(look.retried, object)
    }

    /// [`RetryTracker::read`], then a write by the same step (taking a lock), with one look.
    fn read_and_write(&mut self, event: &Event, object: ObjectId) -> StepKind {
        let version = bump(&mut self.versions, object);
        let (look, new) = self.look(event, object);
        look.take(new, version - 1, version, event, object)
    }

    /// Releasing a lock is part of a spin when taking it was a retry.
    fn release(&mut self, event: &Event, object: ObjectId) -> StepKind {
        let (look, _) = self.look(event, object);
        retry_if(look.retried, object)
    }

    /// A look: a retry when it is at the same place as the thread's last look at the object and
    /// nobody else changed the object since.
    fn read(&mut self, event: &Event, object: ObjectId) -> StepKind {
        let version = *grow(&mut self.versions, object.index());
        let (look, new) = self.look(event, object);
        look.take(new, version, version, event, object)
    }
}

impl Look {
    /// Takes in a look at `object` by `event` that found version `found` and leaves it at
    /// `now`: a retry when this look is not `new`, was at the same place and found the same
    /// version last time.
    fn take(
        &mut self,
        new: bool,
        found: u64,
        now: u64,
        event: &Event,
        object: ObjectId,
    ) -> StepKind {
        let retry = !new && self.version == found && std::ptr::eq(self.site, event.site);
        self.version = now;
        self.site = event.site;
        self.retried = retry;
        retry_if(retry, object)
    }
}

/// A retry at `object` if `retry`, else progress.
fn retry_if(retry: bool, object: ObjectId) -> StepKind {
    if retry {
        StepKind::Retry(object)
    } else {
        StepKind::Progress
    }
}

/// Counts a write of `object` in `versions`; returns its new version.
#[inline]
fn bump(versions: &mut Vec<u64>, object: ObjectId) -> u64 {
    let version = grow(versions, object.index());
    *version += 1;
    *version
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
            id: crate::event::StoreId::LATEST,
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
    fn failed_attempts_are_retries_when_nothing_changed_since_the_last_look() {
        let mut r = RetryTracker::new();
        let failed = Op::AtomicRmw {
            order: MemOrder::SeqCst,
            success: false,
            cas: true,
            old: 3,
            new: 3,
            from: crate::event::StoreId::LATEST,
            id: crate::event::StoreId::LATEST,
        };
        let store = Op::AtomicStore {
            order: MemOrder::SeqCst,
            value: 3,
            id: crate::event::StoreId::LATEST,
        };
        r.classify(&ev(1, Some(4), load()));
        r.classify(&ev(2, Some(4), store));
        // The failure shows thread 1 the new value: a compare-exchange loop learns from it.
        assert_eq!(r.classify(&ev(1, Some(4), failed)), StepKind::Progress);
        assert_eq!(
            r.classify(&ev(1, Some(4), failed)),
            StepKind::Retry(ObjectId(4))
        );
        let try_lock = Op::TryLockFailed {
            mode: crate::event::LockMode::Exclusive,
        };
        assert_eq!(r.classify(&ev(1, Some(2), try_lock)), StepKind::Progress);
        assert_eq!(
            r.classify(&ev(1, Some(2), try_lock)),
            StepKind::Retry(ObjectId(2))
        );
        assert_eq!(r.classify(&ev(1, None, Op::Yield)), StepKind::Yield);
        assert_eq!(r.classify(&ev(1, None, Op::Exit)), StepKind::Progress);
    }

    #[test]
    fn reading_back_from_another_place_is_not_a_retry() {
        #[track_caller]
        fn at_caller(mut e: Event) -> Event {
            e.site = std::panic::Location::caller();
            e
        }
        let mut r = RetryTracker::new();
        let cas = Op::AtomicRmw {
            order: MemOrder::SeqCst,
            success: true,
            cas: true,
            old: 0,
            new: 1,
            from: crate::event::StoreId::LATEST,
            id: crate::event::StoreId::LATEST,
        };
        let pop_load = |r: &mut RetryTracker| r.classify(&at_caller(ev(1, Some(0), load())));
        assert_eq!(pop_load(&mut r), StepKind::Progress);
        r.classify(&at_caller(ev(1, Some(0), cas)));
        // Straight-line code: the push reads back the pop's write from another line.
        assert_eq!(
            r.classify(&at_caller(ev(1, Some(0), load()))),
            StepKind::Progress
        );
        // A loop looks from the same line each time.
        assert_eq!(pop_load(&mut r), StepKind::Progress);
        assert_eq!(pop_load(&mut r), StepKind::Retry(ObjectId(0)));
    }
}
