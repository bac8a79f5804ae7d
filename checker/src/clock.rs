//! Vector clocks and epochs: the arithmetic of happens-before.
//!
//! A [`VectorClock`] holds, for every thread, how much of that thread's history is known to
//! have happened before some point. Thread `t`'s own component counts its synchronisation
//! "eras": it advances after each operation by which `t` publishes what it did (an unlock, a
//! send, a Release store, …). An [`Epoch`] is one component, `clock@thread`: the era of a single
//! access. FastTrack (Flanagan and Freund, PLDI 2009) keeps an epoch per location where it can,
//! and a full vector clock only where reads are concurrent.
//!
//! The race detector, the happens-before tracker and DPOR's race tracker all count with
//! these, so the three agree on what "ordered" means.

use std::fmt;

use crate::event::ThreadId;

/// Two components per thread, indexed by [`ThreadId`]; missing components are 0.
///
/// The first ([`VectorClock::get`]) is happens-before: the era of the thread known to have
/// happened before. The second ([`VectorClock::learned`]) is what SeqCst fences taught about
/// the thread (the memory model's: RC11's SeqCst fences order later reads without creating
/// happens-before). Both travel together along every happens-before edge, since a join takes
/// both, so whatever happens after a SeqCst fence is bound by what the fence learned. Only the
/// memory model reads the second; the race detector and DPOR never set it.
///
/// Operations reuse the allocation: joining into or assigning to a clock allocates only when it
/// must grow, so clocks kept from one execution to the next stop allocating.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct VectorClock(Vec<u32>);

/// Where `thread`'s happens-before component is; its learned component follows.
#[inline]
fn slot(thread: ThreadId) -> usize {
    2 * thread.index()
}

impl VectorClock {
    /// The clock that knows nothing (every component 0).
    pub const fn new() -> Self {
        VectorClock(Vec::new())
    }

    /// The happens-before component of `thread`.
    #[inline]
    pub fn get(&self, thread: ThreadId) -> u32 {
        self.0.get(slot(thread)).copied().unwrap_or(0)
    }

    /// Sets the happens-before component of `thread`.
    #[inline]
    pub fn set(&mut self, thread: ThreadId, value: u32) {
        let i = slot(thread);
        if self.0.len() <= i + 1 {
            self.0.resize(i + 2, 0);
        }
        self.0[i] = value;
    }

    /// What SeqCst fences taught about `thread`: the era of it whose accesses later reads
    /// must not read older than (see the type's documentation).
    #[inline]
    pub fn learned(&self, thread: ThreadId) -> u32 {
        self.0.get(slot(thread) + 1).copied().unwrap_or(0)
    }

    /// The era of `thread` this clock knows, through happens-before or SeqCst fences.
    #[inline]
    pub fn knows(&self, thread: ThreadId) -> u32 {
        self.get(thread).max(self.learned(thread))
    }

    /// How many threads the clock has components for.
    #[inline]
    pub fn width(&self) -> usize {
        self.0.len().div_ceil(2)
    }

    /// Learns from SeqCst fences at least the era of every thread that `eras` knows.
    pub fn learn(&mut self, eras: &VectorClock) {
        for i in 0..eras.width() {
            let thread = ThreadId(i as u32);
            let era = eras.knows(thread);
            if era > self.learned(thread) {
                self.set(thread, self.get(thread));
                self.0[slot(thread) + 1] = era;
            }
        }
    }

    /// Raises the happens-before component of every thread to at least the era `other`
    /// knows of it (for a clock that stands for what SeqCst fences saw).
    pub fn raise_to_knowledge(&mut self, other: &VectorClock) {
        for i in 0..other.width() {
            let thread = ThreadId(i as u32);
            let era = other.knows(thread);
            if era > self.get(thread) {
                self.set(thread, era);
            }
        }
    }

    /// Advances the component of `thread` by one.
    #[inline]
    pub fn tick(&mut self, thread: ThreadId) {
        let next = self.get(thread) + 1;
        self.set(thread, next);
    }

    /// The epoch of `thread` in this clock: `thread`'s current era.
    #[cfg(test)]
    #[inline]
    pub fn epoch(&self, thread: ThreadId) -> Epoch {
        Epoch {
            thread,
            clock: self.get(thread),
        }
    }

    /// Raises every component to at least `other`'s (the pointwise maximum).
    #[inline]
    pub fn join(&mut self, other: &VectorClock) {
        let common = self.0.len().min(other.0.len());
        for (mine, theirs) in self.0[..common].iter_mut().zip(&other.0[..common]) {
            *mine = (*mine).max(*theirs);
        }
        // Components this clock lacks are 0: the other clock's are the maximum.
        self.0.extend_from_slice(&other.0[common..]);
    }

    /// Makes this clock a copy of `other`, reusing this clock's allocation.
    #[inline]
    pub fn assign(&mut self, other: &VectorClock) {
        self.0.clear();
        self.0.extend_from_slice(&other.0);
    }

    /// Forgets every component (keeps the allocation).
    #[inline]
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// The happens-before components, by thread.
    fn eras(&self) -> impl Iterator<Item = (ThreadId, u32)> + '_ {
        self.0
            .iter()
            .step_by(2)
            .enumerate()
            .map(|(i, c)| (ThreadId(i as u32), *c))
    }

    /// True when every component is 0.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|c| *c == 0)
    }

    /// Whether every happens-before component is at most `other`'s: everything this clock
    /// knows happened before the point `other` stands for.
    #[cfg(test)]
    #[inline]
    pub fn le(&self, other: &VectorClock) -> bool {
        self.eras().all(|(t, c)| c <= other.get(t))
    }

    /// The first thread whose happens-before component here is not covered by `other`, if any:
    /// the witness that `self` does not happen before `other`.
    pub fn first_not_le(&self, other: &VectorClock) -> Option<ThreadId> {
        self.eras()
            .find(|(t, c)| *c > other.get(*t))
            .map(|(t, _)| t)
    }

    /// The threads with a non-zero happens-before component, and their components.
    #[cfg(test)]
    pub fn iter(&self) -> impl Iterator<Item = (ThreadId, u32)> + '_ {
        self.eras().filter(|(_, c)| *c > 0)
    }
}

impl fmt::Debug for VectorClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.0).finish()
    }
}

/// One access's place in happens-before: the era `clock` of thread `thread`.
///
/// An epoch happens before a vector clock when the clock has seen at least that era of that
/// thread. The FastTrack fast path compares one epoch instead of a whole clock.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Epoch {
    /// The accessing thread.
    pub thread: ThreadId,
    /// Its own clock component at the access.
    pub clock: u32,
}

impl Epoch {
    /// Whether the access at this epoch happens before the point `clock` stands for.
    #[inline]
    pub fn happens_before(self, clock: &VectorClock) -> bool {
        self.clock <= clock.get(self.thread)
    }
}

impl fmt::Display for Epoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.clock, self.thread)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A clock with these happens-before components.
    fn vc(components: &[u32]) -> VectorClock {
        let mut clock = VectorClock::new();
        for (i, c) in components.iter().enumerate() {
            clock.set(ThreadId(i as u32), *c);
        }
        clock
    }

    #[test]
    fn a_write_happens_before_a_thread_only_after_it_learns_of_it() {
        let (a, b) = (ThreadId(0), ThreadId(1));
        let mut main = VectorClock::new();
        main.set(a, 1);
        let write = main.epoch(a);
        let mut child = VectorClock::new();
        child.set(b, 1);
        assert!(!write.happens_before(&child));
        child.join(&main); // e.g. `b` acquired a lock `a` released
        assert!(write.happens_before(&child));
    }

    #[test]
    fn join_is_the_pointwise_maximum_and_grows() {
        let mut a = vc(&[3, 0]);
        a.join(&vc(&[1, 2, 5]));
        assert_eq!(a, vc(&[3, 2, 5]));
    }

    #[test]
    fn le_treats_missing_components_as_zero() {
        assert!(vc(&[1, 2]).le(&vc(&[1, 2, 7])));
        assert!(vc(&[1, 2, 0]).le(&vc(&[1, 2])));
        assert!(!vc(&[1, 3]).le(&vc(&[1, 2, 7])));
        assert_eq!(vc(&[1, 3]).first_not_le(&vc(&[1, 2])), Some(ThreadId(1)));
        assert_eq!(vc(&[1, 2]).first_not_le(&vc(&[1, 2])), None);
    }

    #[test]
    fn epochs_compare_one_component() {
        let mut t1 = VectorClock::new();
        t1.set(ThreadId(1), 4);
        let e = t1.epoch(ThreadId(1));
        assert_eq!(e.to_string(), "4@1");
        assert!(!e.happens_before(&vc(&[9, 3])));
        assert!(e.happens_before(&vc(&[0, 4])));
        t1.tick(ThreadId(1));
        assert!(!t1.epoch(ThreadId(1)).happens_before(&vc(&[0, 4])));
    }

    #[test]
    fn learned_eras_travel_with_joins_and_never_count_as_happens_before() {
        let (a, b) = (ThreadId(0), ThreadId(1));
        let mut fenced = vc(&[0, 2]);
        fenced.learn(&vc(&[5]));
        assert_eq!(
            (fenced.get(a), fenced.learned(a), fenced.knows(a)),
            (0, 5, 5)
        );
        let mut later = vc(&[0, 0, 1]);
        later.join(&fenced);
        assert_eq!(later.knows(a), 5, "a join carries what the fence learned");
        assert!(!Epoch {
            thread: a,
            clock: 1
        }
        .happens_before(&later));
        assert!(vc(&[1]).first_not_le(&later) == Some(a));
        let mut seen = VectorClock::new();
        seen.raise_to_knowledge(&later);
        assert_eq!((seen.get(a), seen.get(b)), (5, 2));
    }

    #[test]
    fn assign_and_clear_keep_the_allocation() {
        let mut a = vc(&[1, 2, 3, 4]);
        let capacity = a.0.capacity();
        a.clear();
        assert!(a.is_empty());
        a.assign(&vc(&[5, 6]));
        assert_eq!(a, vc(&[5, 6]));
        assert_eq!(a.0.capacity(), capacity);
        assert_eq!(
            a.iter().collect::<Vec<_>>(),
            [(ThreadId(0), 5), (ThreadId(1), 6)]
        );
    }
}
