//! Spin loops that wait politely (`yield_now`, `spin_loop`, `sleep`): which ones change nothing,
//! so that running them again is only worth it once another thread wrote what they read.
//!
//! Each thread's operations are cut into *iterations* at its yields. At a yield, the iteration
//! that ends there is compared with the one before it, when both ended at the same yield site:
//!
//! - **Unchanged** ([`Verdict::Await`]): the same operations at the same sites, reading the very
//!   same stores (so the same values), writing nothing, none of them a stale read (a stale read
//!   may read something newer next time) and no other thread wrote what it read while it ran.
//!   Run again, the iteration would do exactly the same thing until another thread writes one
//!   of the objects it read, so the thread waits for such a write ([`crate::event::WaitFor::Spin`]).
//!   This is what keeps a yield-spinning loop from multiplying the search: every iteration
//!   after the second would repeat the second. A wait that depends only on the thread's own
//!   reads and on writes to them is an ordinary dependency for partial-order reduction, which
//!   hiding a thread until the others moved (CHESS's fairness) is not.
//! - **Repeating with writes** ([`Verdict::Hide`]): the same operations at the same sites, but
//!   the iteration writes (a flag raised and lowered, a counter): it is not idle, and nothing
//!   bounds how often it runs, so the fair scheduler hides it until the others moved.
//! - Anything else is a yield that only asks the scheduler to prefer other threads
//!   ([`Verdict::Hint`]): straight-line code with a yield in it keeps every interleaving.
//!
//! Iterations are read off the execution's trace when the yield comes, so a thread that never
//! yields costs nothing here.
//!
//! What this gives up: a loop that counts its unchanged attempts on its stack and gives up
//! after a few (spin, then park) is explored giving up only when no other thread can run, not
//! while the thread it waits for is still busy elsewhere.

use crate::detector::objects::{Recycle, Recycled};
use crate::event::{Access, Event, ObjectId, Op, Site, ThreadId, WaitFor};

/// Operations an iteration may hold before it counts as too long to compare.
const MAX_ITERATION: usize = 48;

/// What a yield means for the thread that made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Let the others go first; nothing else.
    Hint,
    /// The iteration repeated while writing: hide the thread until the others moved.
    Hide,
    /// The iteration repeated unchanged: wait for a write to one of these objects.
    Await(Vec<ObjectId>),
}

/// `object`'s bit in [`Iteration::read_bits`].
fn object_bit(object: ObjectId) -> u64 {
    1 << (object.0 % 64)
}

/// One operation of an iteration.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Step {
    site: Site,
    object: Option<ObjectId>,
    op: Op,
}

impl Step {
    /// Same place and kind of operation, whatever it read or wrote.
    fn same_shape(&self, other: &Step) -> bool {
        self.site == other.site
            && self.object == other.object
            && std::mem::discriminant(&self.op) == std::mem::discriminant(&other.op)
    }
}

/// One iteration: its operations, and what disqualifies it from being idle.
#[derive(Clone, Debug, Default)]
struct Iteration {
    steps: Vec<Step>,
    /// It read a store older than the latest, or another thread wrote what it read.
    unsettled: bool,
    /// One bit per object it read (by id modulo 64): a write to an object whose bit is clear
    /// cannot concern it, which spares looking through its steps on every write.
    read_bits: u64,
    /// It held more operations than [`MAX_ITERATION`].
    overflow: bool,
    /// The site of the yield that ended it.
    ended_at: Option<Site>,
}

impl Iteration {
    fn clear(&mut self) {
        self.steps.clear();
        self.unsettled = false;
        self.read_bits = 0;
        self.overflow = false;
        self.ended_at = None;
    }

    fn reads(&self) -> impl Iterator<Item = ObjectId> + '_ {
        self.steps
            .iter()
            .filter(|s| s.op.access() == Access::Read)
            .filter_map(|s| s.object)
    }

    fn comparable(&self) -> bool {
        !self.overflow && self.ended_at.is_some()
    }
}

/// One thread's iterations: where its current one starts in the trace, and the one before.
#[derive(Clone, Debug, Default)]
struct ThreadSpin {
    /// Trace index right after the thread's last yield (0 before its first).
    from: usize,
    /// Scratch for the iteration being ended (kept to reuse its allocation).
    current: Iteration,
    previous: Iteration,
}

impl Recycle for ThreadSpin {
    fn recycle(&mut self) {
        self.from = 0;
        self.current.clear();
        self.previous.clear();
    }
}

/// Iterations of every thread of one execution.
#[derive(Default)]
pub(crate) struct SpinWatch {
    threads: Recycled<ThreadSpin>,
    /// Scratch for [`SpinWatch::would_wait`] (kept to reuse its allocation).
    probe: Iteration,
}

impl SpinWatch {
    /// Forgets the previous execution.
    pub(crate) fn reset(&mut self) {
        self.threads.clear();
    }

    /// The last event of `trace` is a yield: ends its thread's current iteration and returns
    /// what the yield means. `stale(i)` says whether the operation at trace index `i` read a
    /// store older than the latest.
    pub(crate) fn on_yield(&mut self, trace: &[Event], stale: impl Fn(usize) -> bool) -> Verdict {
        let Some((last, before)) = trace.split_last() else {
            return Verdict::Hint;
        };
        let me = self.threads.grow(last.thread.index());
        me.current.fill(before, me.from, last.thread, stale);
        me.from = trace.len();
        me.current.ended_at = Some(last.site);
        let verdict = me.current.after(&me.previous);
        std::mem::swap(&mut me.current, &mut me.previous);
        me.current.clear();
        verdict
    }

    /// Whether `thread`, at a yield at `site` right after the events of `trace`, would wait
    /// for a write if it yielded now (what [`SpinWatch::on_yield`] would say), without ending
    /// its iteration: going on there changes nothing but that the thread then waits.
    pub(crate) fn would_wait(
        &mut self,
        trace: &[Event],
        thread: ThreadId,
        site: Site,
        stale: impl Fn(usize) -> bool,
    ) -> bool {
        let Some(me) = self.threads.get(thread.index()) else {
            return false;
        };
        let probe = &mut self.probe;
        probe.fill(trace, me.from, thread, stale);
        probe.ended_at = Some(site);
        probe.waits_after(&me.previous)
    }
}

impl Iteration {
    /// Becomes the iteration of `thread` that runs from trace index `from` to the end of
    /// `trace`.
    fn fill(
        &mut self,
        trace: &[Event],
        from: usize,
        thread: ThreadId,
        stale: impl Fn(usize) -> bool,
    ) {
        self.clear();
        for (i, event) in trace.iter().enumerate().skip(from) {
            if event.thread == thread {
                self.record(event, stale(i));
            } else if let (Some(o), Access::Write) = (event.object, event.op.access()) {
                self.written(o);
            }
        }
    }

    /// Adds the thread's own operation `event` (`stale`: it read an older store).
    fn record(&mut self, event: &Event, stale: bool) {
        match event.op {
            // A spin wait is this module's own doing, not part of the loop's iteration.
            Op::Create { .. }
            | Op::Fence { .. }
            | Op::Block {
                wait: WaitFor::Spin,
            } => {}
            op => {
                self.unsettled |= stale;
                if let (Some(o), Access::Read) = (event.object, op.access()) {
                    self.read_bits |= object_bit(o);
                }
                if self.steps.len() < MAX_ITERATION {
                    self.steps.push(Step {
                        site: event.site,
                        object: event.object,
                        op,
                    });
                } else {
                    self.overflow = true;
                }
            }
        }
    }

    /// Another thread wrote `object`: if this iteration read it before, it is not idle.
    fn written(&mut self, object: ObjectId) {
        if !self.unsettled
            && self.read_bits & object_bit(object) != 0
            && self.reads().any(|o| o == object)
        {
            self.unsettled = true;
        }
    }
}

/// How an iteration compares with the thread's iteration before it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Repeat {
    /// Not the same loop body, or not with the same values: no repeat.
    No,
    /// The same operations, and the iteration writes.
    Writing,
    /// The same operations reading the same stores (at least one), writing nothing, read
    /// nothing stale or overwritten meanwhile.
    Unchanged,
}

impl Iteration {
    /// How this iteration, ended by a yield, compares with `before`.
    fn compared(&self, before: &Iteration) -> Repeat {
        // The iteration before may have started with what the thread did before the loop:
        // the loop body is what the two end with.
        let body = before
            .steps
            .len()
            .checked_sub(self.steps.len())
            .map(|start| &before.steps[start..]);
        let same_shape = self.comparable()
            && before.comparable()
            && self.ended_at == before.ended_at
            && body.is_some_and(|body| body.iter().zip(&self.steps).all(|(a, b)| a.same_shape(b)));
        let writes = |steps: &[Step]| steps.iter().any(|s| s.op.access() == Access::Write);
        if !same_shape {
            Repeat::No
        } else if writes(&self.steps) || body.is_some_and(writes) {
            Repeat::Writing
        } else if self.unsettled || body != Some(&self.steps[..]) {
            Repeat::No
        } else if self.reads().next().is_none() {
            // Nothing it reads can change: waiting would be forever.
            Repeat::No
        } else {
            Repeat::Unchanged
        }
    }

    /// Whether the yield that ended this iteration makes the thread wait for a write.
    fn waits_after(&self, before: &Iteration) -> bool {
        self.compared(before) == Repeat::Unchanged
    }

    /// What the yield that ended this iteration means, `before` being the thread's iteration
    /// before it.
    fn after(&self, before: &Iteration) -> Verdict {
        match self.compared(before) {
            Repeat::Writing => Verdict::Hide,
            Repeat::Unchanged => {
                let mut objects: Vec<ObjectId> = self.reads().collect();
                objects.sort_unstable_by_key(|o| o.0);
                objects.dedup();
                Verdict::Await(objects)
            }
            Repeat::No => Verdict::Hint,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detector::testing::{ev, load};
    use crate::event::{MemOrder, StoreId, ThreadId};

    fn store(id: u32) -> Op {
        Op::AtomicStore {
            order: MemOrder::SeqCst,
            value: 1,
            id: StoreId(id),
        }
    }

    /// Feeds events as an execution does: the trace grows, and each yield gets its verdict.
    #[derive(Default)]
    struct Feed {
        watch: SpinWatch,
        trace: Vec<Event>,
        stale: Vec<usize>,
    }

    impl Feed {
        fn on_event(&mut self, event: &Event, stale: bool) -> Option<Verdict> {
            if stale {
                self.stale.push(self.trace.len());
            }
            self.trace.push(*event);
            let stale = &self.stale;
            (event.op == Op::Yield)
                .then(|| self.watch.on_yield(&self.trace, |i| stale.contains(&i)))
        }
    }

    /// Feeds `events` of thread 1 and returns the verdict of the last one (a yield).
    fn run(w: &mut Feed, events: &[Event]) -> Option<Verdict> {
        let mut last = None;
        for e in events {
            last = w.on_event(e, false);
        }
        last
    }

    #[test]
    fn a_second_unchanged_iteration_waits_for_a_write_to_what_it_read() {
        let mut w = Feed::default();
        let iteration = [ev(1, Some(3), load()), ev(1, None, Op::Yield)];
        assert_eq!(run(&mut w, &iteration), Some(Verdict::Hint));
        assert_eq!(
            run(&mut w, &iteration),
            Some(Verdict::Await(vec![ObjectId(3)]))
        );
    }

    #[test]
    fn a_write_by_another_thread_during_the_iteration_unsettles_it() {
        let mut w = Feed::default();
        let iteration = [ev(1, Some(3), load()), ev(1, None, Op::Yield)];
        run(&mut w, &iteration);
        w.on_event(&ev(1, Some(3), load()), false);
        w.on_event(&ev(2, Some(3), store(4)), false);
        assert_eq!(
            w.on_event(&ev(1, None, Op::Yield), false),
            Some(Verdict::Hint)
        );
    }

    #[test]
    fn a_stale_read_is_not_idle() {
        let mut w = Feed::default();
        run(&mut w, &[ev(1, Some(3), load()), ev(1, None, Op::Yield)]);
        w.on_event(&ev(1, Some(3), load()), true);
        assert_eq!(
            w.on_event(&ev(1, None, Op::Yield), false),
            Some(Verdict::Hint)
        );
    }

    #[test]
    fn a_repeating_iteration_that_writes_is_hidden() {
        let mut w = Feed::default();
        let iteration = [
            ev(1, Some(2), store(1)),
            ev(1, Some(3), load()),
            ev(1, None, Op::Yield),
        ];
        assert_eq!(run(&mut w, &iteration), Some(Verdict::Hint));
        assert_eq!(run(&mut w, &iteration), Some(Verdict::Hide));
    }

    #[test]
    fn would_wait_foretells_an_unchanged_iteration_without_ending_it() {
        let mut w = Feed::default();
        let iteration = [ev(1, Some(3), load()), ev(1, None, Op::Yield)];
        assert_eq!(run(&mut w, &iteration), Some(Verdict::Hint));
        w.on_event(&ev(1, Some(3), load()), false);
        let site = iteration[1].site;
        assert!(w.watch.would_wait(&w.trace, ThreadId(1), site, |_| false));
        assert!(
            w.watch.would_wait(&w.trace, ThreadId(1), site, |_| false),
            "asking ends nothing"
        );
        assert_eq!(
            w.on_event(&ev(1, None, Op::Yield), false),
            Some(Verdict::Await(vec![ObjectId(3)]))
        );
    }

    #[test]
    fn would_wait_is_false_where_the_yield_only_hints() {
        let mut w = Feed::default();
        w.on_event(&ev(1, Some(3), load()), false);
        let site = ev(1, None, Op::Yield).site;
        assert!(
            !w.watch.would_wait(&w.trace, ThreadId(1), site, |_| false),
            "a first iteration has nothing to repeat"
        );
        run(&mut w, &[ev(1, None, Op::Yield)]);
        w.on_event(&ev(1, Some(3), load()), false);
        w.on_event(&ev(2, Some(3), store(4)), false);
        assert!(
            !w.watch.would_wait(&w.trace, ThreadId(1), site, |_| false),
            "another thread wrote what it read"
        );
        assert!(!w.watch.would_wait(&w.trace, ThreadId(2), site, |_| false));
    }

    #[test]
    fn straight_line_yields_and_iterations_that_differ_only_hint() {
        let mut w = Feed::default();
        assert_eq!(run(&mut w, &[ev(1, None, Op::Yield)]), Some(Verdict::Hint));
        assert_eq!(
            run(&mut w, &[ev(1, None, Op::Yield)]),
            Some(Verdict::Hint),
            "an iteration that reads nothing can never be woken"
        );
        run(&mut w, &[ev(1, Some(3), load()), ev(1, None, Op::Yield)]);
        let other_value = Op::AtomicLoad {
            order: MemOrder::SeqCst,
            value: 9,
            from: StoreId(5),
        };
        assert_eq!(
            run(
                &mut w,
                &[ev(1, Some(3), other_value), ev(1, None, Op::Yield)]
            ),
            Some(Verdict::Hint),
            "it read something new"
        );
    }
}
