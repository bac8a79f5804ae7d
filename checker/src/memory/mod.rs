//! The weak memory model: what each atomic load may read, in the C++20 model (RC11: Lahav,
//! Vafeiadis, Kang, Hur and Dreyer, PLDI 2017).
//!
//! Operationally, as views (the promise-free fragment of Kang et al.'s promising semantics,
//! with C++20's release sequences):
//!
//! - Every location keeps all its stores in modification order ([`history`]), each with a
//!   timestamp and the view a thread acquires by reading it.
//! - Every thread has three views ([`view`]): `cur`, the latest store of each location it has
//!   seen (its loads read nothing older: coherence); `acq`, `cur` plus what its Relaxed loads
//!   read (an Acquire fence makes it `cur`); `rel`, `cur` at its last Release fence (what its
//!   Relaxed stores publish).
//! - A load may read any store at or after `cur` of its location. Reading raises `cur` there;
//!   an Acquire load also acquires the store's view. Since a load only reads stores that
//!   exist when it runs, `po ∪ rf` stays acyclic: load buffering is never produced.
//! - A store may take any place in the modification order after `cur` of its location, except
//!   between a read-modify-write and the store it read. A Release store carries `cur`; a
//!   Relaxed store only `rel`, so a later Relaxed store of the same thread does not continue a
//!   release sequence (C++20).
//! - A read-modify-write reads a store no other read-modify-write read, at or after `cur`, and
//!   places its own store directly after it; it carries the view of the store it read too, so
//!   read-modify-writes continue release sequences.
//! - SeqCst takes its place in one global SeqCst view, in the order SeqCst operations run: a
//!   SeqCst store goes after every earlier SeqCst store of its location, a SeqCst load reads
//!   nothing older than those; a SeqCst fence acquires the whole SeqCst view and publishes its
//!   thread's. So a program whose atomics are all SeqCst has only sequentially consistent
//!   outcomes (loom, which treats SeqCst as AcqRel, gives others), and SeqCst fences between
//!   Relaxed accesses forbid store buffering.
//!
//! `litmus/rc11.rs` checks this against RC11's axioms on every reads-from and modification order of
//! small programs (`litmus/`): every standard shape in every uniform choice of orderings and
//! fences gets exactly RC11's outcomes, and no program anywhere gets an outcome RC11 forbids.
//! Where a thread mixes SeqCst with weaker accesses the model can be stronger than RC11 (it
//! misses an outcome): a SeqCst store cannot go before an earlier-running SeqCst store that
//! nothing orders it after (test `S`), and a SeqCst fence publishes what its thread read with
//! Relaxed loads to later SeqCst loads (test `RWC`); `litmus::known_gap` lists them. Random
//! programs (`litmus/generated.rs`) agree: of 6,000, none got an outcome RC11 forbids, those
//! without SeqCst accesses got exactly RC11's outcomes, and 25 with SeqCst accesses missed one.
//!
//! `litmus/clocked.rs` states the same model with vector clocks, each thread's view derived
//! from the stores and reads its clock covers: the form it takes once it shares happens-before
//! with the race detector. Both forms give the same outcomes on every test above.
//!
//! The choices (which store a load reads, where a store goes) are the caller's: the methods
//! list them and take the one chosen.

mod history;
mod view;

#[cfg(test)]
mod litmus;

use crate::event::{MemOrder, ThreadId};
pub(crate) use history::Message;
use history::{History, Renumbering};
pub(crate) use view::{Timestamp, View, INITIAL};

/// Whether an access with `order` acquires.
fn acquires(order: MemOrder) -> bool {
    matches!(
        order,
        MemOrder::Acquire | MemOrder::AcqRel | MemOrder::SeqCst
    )
}

/// Whether an access with `order` releases.
fn releases(order: MemOrder) -> bool {
    matches!(
        order,
        MemOrder::Release | MemOrder::AcqRel | MemOrder::SeqCst
    )
}

/// What one thread knows.
#[derive(Clone, Debug, Default)]
struct Views {
    /// The latest store of each location it has seen.
    cur: View,
    /// `cur` and what its Relaxed loads read: what an Acquire fence acquires.
    acq: View,
    /// `cur` at its last Release fence: what its Relaxed stores publish.
    rel: View,
}

/// What a compare-exchange reads: the store at `ts`, and whether it then stores (it found
/// the value it expected).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CasChoice {
    pub(crate) ts: Timestamp,
    pub(crate) stores: bool,
}

/// The choices of a compare-exchange expecting `expected`: the stores a read-modify-write may
/// take that hold it (it stores), and the stores a load may read that hold anything else (it
/// fails), in modification order.
pub(crate) fn cas_choices_among(
    rmw_readable: Vec<(Timestamp, u64)>,
    readable: Vec<(Timestamp, u64)>,
    expected: u64,
) -> Vec<CasChoice> {
    let stores = rmw_readable
        .into_iter()
        .filter(|(_, v)| *v == expected)
        .map(|(ts, _)| CasChoice { ts, stores: true });
    let fails = readable
        .into_iter()
        .filter(|(_, v)| *v != expected)
        .map(|(ts, _)| CasChoice { ts, stores: false });
    let mut choices: Vec<CasChoice> = stores.chain(fails).collect();
    choices.sort_by_key(|c| c.ts);
    choices
}

/// How many stores a location holds before those no thread can read are forgotten.
const KEEP: usize = 32;

/// The most stores a location keeps, readable or not (see [`Memory::forget_unreadable`]).
const HISTORY_LIMIT: usize = 256;

/// A location, numbered densely per execution.
pub(crate) type Location = usize;

/// The memory of one execution: every atomic location's history and every thread's views.
#[derive(Clone, Debug, Default)]
pub(crate) struct Memory {
    locations: Vec<History>,
    threads: Vec<Views>,
    /// What SeqCst operations have published.
    sc: View,
    /// Stores a location holds before unreadable ones are forgotten; 0 means [`KEEP`].
    keep: usize,
    /// Views of forgotten stores, reused for new ones so that a store allocates nothing in
    /// the steady state.
    spare: Vec<View>,
}

impl Memory {
    /// Empty memory.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Forgets the previous execution, keeping the allocations for the next.
    pub(crate) fn clear(&mut self) {
        for history in self.locations.drain(..) {
            history.forget_all(&mut self.spare);
        }
        self.threads.clear();
        self.sc.clear();
    }

    /// Empty memory that forgets unreadable stores at every store, to show that forgetting
    /// changes no outcome.
    #[cfg(test)]
    pub(crate) fn forgetting_at_every_store() -> Self {
        Memory {
            keep: 1,
            ..Self::default()
        }
    }

    /// `thread` exists from now on, knowing what `parent` knows (a spawned thread), or only
    /// the initial values. Add every thread before it could miss a store it may read: stores
    /// that no added thread can read any more are forgotten.
    pub(crate) fn add_thread(&mut self, thread: ThreadId, parent: Option<ThreadId>) {
        let views = parent.map(|p| self.views(p).clone()).unwrap_or_default();
        *self.views(thread) = views;
    }

    /// A new location holding `initial`; every thread knows its initial value.
    pub(crate) fn add_location(&mut self, initial: u64) -> Location {
        self.locations.push(History::new(initial));
        self.locations.len() - 1
    }

    /// The stores of `location`, oldest first.
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "the weak choices call it (issue 14, next step)")
    )]
    pub(crate) fn history(&self, location: Location) -> &[Message] {
        self.locations[location].messages()
    }

    /// The value a non-atomic access (`get_mut`, `into_inner`) sees: the latest store.
    pub(crate) fn latest(&self, location: Location) -> u64 {
        self.locations[location].latest().value
    }

    /// The timestamp of the latest store of `location`: always one an access may read, a
    /// store may follow and a read-modify-write may take.
    pub(crate) fn latest_ts(&self, location: Location) -> Timestamp {
        self.locations[location].latest().ts
    }

    fn views(&mut self, thread: ThreadId) -> &mut Views {
        let i = thread.index();
        if self.threads.len() <= i {
            self.threads.resize_with(i + 1, Views::default);
        }
        &mut self.threads[i]
    }

    fn cur(&self, thread: ThreadId, location: Location) -> Timestamp {
        self.threads
            .get(thread.index())
            .map_or(INITIAL, |v| v.cur.get(location))
    }

    /// The oldest store of `location` an access with `order` by `thread` may see: what the
    /// thread has seen, and for a SeqCst access what SeqCst operations published.
    fn oldest_visible(&self, thread: ThreadId, location: Location, order: MemOrder) -> Timestamp {
        let cur = self.cur(thread, location);
        if order == MemOrder::SeqCst {
            cur.max(self.sc.get(location))
        } else {
            cur
        }
    }

    /// What `thread` knows: to be acquired by whoever synchronises with it (a spawned child,
    /// a joiner, the next owner of a lock, the receiver of a message).
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "the weak choices call it (issue 14, next step)")
    )]
    pub(crate) fn release_view(&mut self, thread: ThreadId) -> View {
        self.views(thread).cur.clone()
    }

    /// `thread` synchronises with whoever released `view`.
    pub(crate) fn acquire_view(&mut self, thread: ThreadId, view: &View) {
        let v = self.views(thread);
        v.cur.join(view);
        v.acq.join(view);
    }

    /// The stores a plain load of `location` by `thread` may read (a SeqCst load first
    /// acquires the SeqCst view, which the list accounts for), oldest first: the last is the
    /// latest store.
    pub(crate) fn readable(
        &self,
        thread: ThreadId,
        location: Location,
        order: MemOrder,
    ) -> Vec<(Timestamp, u64)> {
        self.candidates(thread, location, order, false)
    }

    /// The stores an access of `location` by `thread` with `order` may read, as timestamps and
    /// values, oldest first; for a read-modify-write (`rmw`) only those no other took.
    fn candidates(
        &self,
        thread: ThreadId,
        location: Location,
        order: MemOrder,
        rmw: bool,
    ) -> Vec<(Timestamp, u64)> {
        let from = self.oldest_visible(thread, location, order);
        self.locations[location]
            .readable(from)
            .filter(|m| !(rmw && m.taken))
            .map(|m| (m.ts, m.value))
            .collect()
    }

    /// `thread` loads `location` with `order`, reading the store at `ts` (one of
    /// [`Memory::readable`]); returns its value.
    pub(crate) fn load(
        &mut self,
        thread: ThreadId,
        location: Location,
        order: MemOrder,
        ts: Timestamp,
    ) -> u64 {
        self.read(thread, location, order, ts)
    }

    /// The reading half of a load or read-modify-write.
    fn read(
        &mut self,
        thread: ThreadId,
        location: Location,
        order: MemOrder,
        ts: Timestamp,
    ) -> u64 {
        debug_assert!(
            ts >= self.cur(thread, location),
            "a load read a stale store"
        );
        self.views(thread);
        let Memory {
            locations, threads, ..
        } = self;
        let message = locations[location]
            .message(ts)
            .expect("a load reads a store of its location");
        let v = &mut threads[thread.index()];
        v.cur.raise(location, ts);
        v.acq.raise(location, ts);
        v.acq.join(&message.view);
        if acquires(order) {
            v.cur.join(&message.view);
        }
        message.value
    }

    /// The stores a store to `location` by `thread` may directly follow in modification
    /// order, oldest first (the last puts it at the end).
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "the weak choices call it (issue 14, next step)")
    )]
    pub(crate) fn store_slots(
        &self,
        thread: ThreadId,
        location: Location,
        order: MemOrder,
    ) -> Vec<Timestamp> {
        let from = self.oldest_visible(thread, location, order);
        self.locations[location]
            .untaken(from)
            .map(|m| m.ts)
            .collect()
    }

    /// `thread` stores `value` to `location` with `order`, directly after the store at `after`
    /// (one of [`Memory::store_slots`]); returns the new store's timestamp.
    pub(crate) fn store(
        &mut self,
        thread: ThreadId,
        location: Location,
        order: MemOrder,
        value: u64,
        after: Timestamp,
    ) -> Timestamp {
        self.write(thread, location, order, value, after, false)
    }

    /// The writing half of a store or read-modify-write, directly after the store at `after`;
    /// a read-modify-write (`continues`) also carries the view of the store it read, which is
    /// the one at `after`.
    fn write(
        &mut self,
        thread: ThreadId,
        location: Location,
        order: MemOrder,
        value: u64,
        mut after: Timestamp,
        continues: bool,
    ) -> Timestamp {
        if let Some(renumbering) = self.locations[location].make_room(after) {
            self.renumber(location, &renumbering);
            after = renumbering.apply(after);
        }
        let mut view = self.spare.pop().unwrap_or_default();
        let v = self.views(thread);
        view.assign(if releases(order) { &v.cur } else { &v.rel });
        if continues {
            if let Some(read) = self.locations[location].message(after) {
                view.join(&read.view);
            }
        }
        let message = Message {
            ts: INITIAL,
            value,
            thread: Some(thread),
            view,
            taken: false,
        };
        let ts = self.locations[location].insert_after(location, after, message);
        self.forget_unreadable(location);
        let v = self.views(thread);
        v.cur.raise(location, ts);
        v.acq.raise(location, ts);
        if order == MemOrder::SeqCst {
            self.sc.raise(location, ts);
        }
        ts
    }

    /// Forgets the stores of `location` that no thread can read any more (older than every
    /// thread's view of it), once it holds [`KEEP`] stores: a loop that keeps storing costs
    /// memory only while some thread lags behind. Nothing is lost: a store no view reaches is
    /// not readable, and a view that names a forgotten store still bounds reads the same way.
    ///
    /// Past [`HISTORY_LIMIT`] stores, the oldest go even if a lagging thread could still read
    /// them: that thread then reads nothing older than the last [`HISTORY_LIMIT`] stores of the
    /// location. This is what the bound gives up: outcomes where a load reads a store that many
    /// stores behind the latest.
    fn forget_unreadable(&mut self, location: Location) {
        let keep = if self.keep == 0 { KEEP } else { self.keep };
        if self.locations[location].messages().len() < keep {
            return;
        }
        let oldest_seen = self
            .threads
            .iter()
            .map(|v| v.cur.get(location))
            .min()
            .unwrap_or(INITIAL);
        let history = &mut self.locations[location];
        history.forget_before(oldest_seen, &mut self.spare);
        let len = history.messages().len();
        if len > HISTORY_LIMIT {
            let oldest_kept = history.messages()[len - HISTORY_LIMIT].ts;
            history.forget_before(oldest_kept, &mut self.spare);
        }
    }

    /// Applies a renumbering of `location` to every view.
    fn renumber(&mut self, location: Location, renumbering: &Renumbering) {
        let apply = |ts| renumbering.apply(ts);
        for v in &mut self.threads {
            v.cur.renumber(location, apply);
            v.acq.renumber(location, apply);
            v.rel.renumber(location, apply);
        }
        self.sc.renumber(location, apply);
        for history in &mut self.locations {
            history.renumber_views(location, renumbering);
        }
    }

    /// The stores a read-modify-write of `location` by `thread` may read, oldest first: those
    /// a load may read that no other read-modify-write read.
    pub(crate) fn rmw_readable(
        &self,
        thread: ThreadId,
        location: Location,
        order: MemOrder,
    ) -> Vec<(Timestamp, u64)> {
        self.candidates(thread, location, order, true)
    }

    /// `thread`'s read-modify-write of `location` with `order` reads the store at `ts` (one of
    /// [`Memory::rmw_readable`]) and, when `new` is `Some`, stores `new` directly after it
    /// (a compare-exchange that fails stores nothing: call [`Memory::load`] instead). Returns
    /// the value read.
    pub(crate) fn rmw(
        &mut self,
        thread: ThreadId,
        location: Location,
        order: MemOrder,
        ts: Timestamp,
        new: impl FnOnce(u64) -> u64,
    ) -> u64 {
        let old = self.read(thread, location, order, ts);
        self.locations[location].take(ts);
        self.write(thread, location, order, new(old), ts, true);
        old
    }

    /// What a `compare_exchange(expected, …)` of `location` by `thread` may read: the stores
    /// holding `expected` that a read-modify-write with `success` may read (it stores), and
    /// the stores holding anything else that a load with `failure` may read (it fails).
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "the weak choices call it (issue 14, next step)")
    )]
    pub(crate) fn cas_choices(
        &self,
        thread: ThreadId,
        location: Location,
        expected: u64,
        success: MemOrder,
        failure: MemOrder,
    ) -> Vec<CasChoice> {
        cas_choices_among(
            self.rmw_readable(thread, location, success),
            self.readable(thread, location, failure),
            expected,
        )
    }

    /// `thread`'s compare-exchange of `location` reads as `choice` says (one of
    /// [`Memory::cas_choices`]) and, when it found what it expected, stores `new`; returns
    /// the value read.
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "the weak choices call it (issue 14, next step)")
    )]
    pub(crate) fn cas(
        &mut self,
        thread: ThreadId,
        location: Location,
        choice: CasChoice,
        new: u64,
        success: MemOrder,
        failure: MemOrder,
    ) -> u64 {
        if choice.stores {
            self.rmw(thread, location, success, choice.ts, |_| new)
        } else {
            self.load(thread, location, failure, choice.ts)
        }
    }

    /// A fence with `order` (`Relaxed` is no fence).
    pub(crate) fn fence(&mut self, thread: ThreadId, order: MemOrder) {
        if acquires(order) {
            let v = self.views(thread);
            let acq = v.acq.clone();
            v.cur.join(&acq);
        }
        if order == MemOrder::SeqCst {
            let sc = self.sc.clone();
            self.acquire_view(thread, &sc);
            let cur = self.views(thread).cur.clone();
            self.sc.join(&cur);
        }
        if releases(order) {
            let v = self.views(thread);
            v.rel = v.cur.clone();
        }
    }
}
