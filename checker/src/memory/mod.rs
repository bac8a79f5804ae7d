//! The weak memory model: what each atomic load may read, in the C++20 model (RC11: Lahav,
//! Vafeiadis, Kang, Hur and Dreyer, PLDI 2017).
//!
//! Operationally (the promise-free fragment of Kang et al.'s promising semantics, with C++20's
//! release sequences), with happens-before taken from [`crate::happens_before`], the one the
//! race detector uses:
//!
//! - Every location keeps its stores in modification order ([`history`]), each with a
//!   timestamp and a stable id that events carry, so happens-before knows which store a load
//!   read and what reading it acquires (each store's release clock lives there: a Release
//!   store publishes its thread's clock, a Relaxed one only what its thread's last Release
//!   fence published, a read-modify-write adds the clock of the store it read).
//! - A thread has seen the latest store or read of a location whose era its clock covers
//!   (each location keeps, per thread, its accesses with their eras). A load may read that
//!   store or any later one (coherence). Since a load only reads stores that exist when it
//!   runs, `po ∪ rf` stays acyclic: load buffering is never produced.
//! - A store may take any place in the modification order after what its thread has seen,
//!   except between a read-modify-write and the store it read; a read-modify-write reads a
//!   store no other read-modify-write read and goes directly after it.
//! - SeqCst: a SeqCst store goes after every earlier SeqCst store of its location, and a
//!   SeqCst load reads nothing older than those. A SeqCst fence learns what earlier SeqCst
//!   fences saw and publishes what its thread has seen. What it learns is not happens-before
//!   (RC11's SeqCst fences add none, and the race detector never sees it) but travels with
//!   happens-before, as the learned half of the thread's clock ([`VectorClock::learned`]),
//!   so it binds the reads of every event after the fence. So a program whose atomics are all SeqCst has only sequentially
//!   consistent outcomes (loom, which treats SeqCst as AcqRel, gives others), and SeqCst
//!   fences between Relaxed accesses forbid store buffering.
//!
//! `litmus/rc11.rs` checks this against RC11's axioms on every reads-from and modification
//! order of small programs (`litmus/`): every standard shape in every uniform choice of
//! orderings and fences gets exactly RC11's outcomes, and no program anywhere gets an outcome
//! RC11 forbids. Where a thread mixes SeqCst with weaker accesses the model can be stronger
//! than RC11 (it misses an outcome): a SeqCst store cannot go before an earlier-running SeqCst
//! store that nothing orders it after (test `S`), and a SeqCst fence publishes what its thread
//! read with Relaxed loads to later SeqCst loads (test `RWC`); `litmus::known_gap` lists them.
//! Random programs (`litmus/generated.rs`) agree.
//!
//! The choices (which store a load reads, where a store goes) are the caller's: the methods
//! list them and take the one chosen.

mod history;
mod view;

#[cfg(test)]
mod litmus;

use crate::clock::VectorClock;
use crate::event::{MemOrder, StoreId, ThreadId};
use crate::happens_before::HappensBefore;
pub(crate) use history::Message;
use history::{History, Renumbering};
pub(crate) use view::{Timestamp, View, INITIAL};

/// What an atomic operation will do, as far as the memory model cares.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Access {
    /// A load.
    Load(MemOrder),
    /// A store.
    Store(MemOrder),
    /// An unconditional read-modify-write (`swap`, `fetch_add`, ...).
    Rmw(MemOrder),
    /// A compare-exchange expecting `expected` (as bits).
    Cas {
        /// The value it stores over.
        expected: u64,
        /// Ordering when it stores.
        success: MemOrder,
        /// Ordering when it only loads.
        failure: MemOrder,
    },
}

/// What a compare-exchange reads: the store at `ts`, and whether it then stores (it found
/// the value it expected).
#[cfg(test)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CasChoice {
    pub(crate) ts: Timestamp,
    pub(crate) stores: bool,
}

/// The choices of a compare-exchange expecting `expected`: the stores a read-modify-write may
/// take that hold it (it stores), and the stores a load may read that hold anything else (it
/// fails), in modification order. The litmus prototype's; the runtime's is [`Memory::choices`].
#[cfg(test)]
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
pub(crate) const HISTORY_LIMIT: usize = 256;

/// A location, numbered densely per execution.
pub(crate) type Location = usize;

/// One atomic location.
#[derive(Clone, Debug)]
struct Place {
    history: History,
    /// Per thread, its accesses (stores and reads) of the location as `(era, timestamp)`,
    /// kept only where the timestamp grew: both strictly increase. A thread that knows era
    /// `e` of another has seen that thread's accesses up to the last entry of era `e` or less.
    seen: Vec<Vec<(u32, Timestamp)>>,
    /// The latest SeqCst store.
    sc: Timestamp,
    /// The id the next store gets.
    next_id: u32,
}

impl Place {
    fn new(initial: u64) -> Self {
        Place {
            history: History::new(initial),
            seen: Vec::new(),
            sc: INITIAL,
            next_id: 1,
        }
    }

    /// The place holding `initial` and nothing else, keeping the allocations.
    fn reset(&mut self, initial: u64) {
        self.history.reset(initial);
        self.seen.iter_mut().for_each(Vec::clear);
        self.sc = INITIAL;
        self.next_id = 1;
    }

    /// The latest store or read of this location that a thread knowing `knows` has seen.
    fn seen_by(&self, knows: &VectorClock) -> Timestamp {
        let mut latest = INITIAL;
        for (u, accesses) in self.seen.iter().enumerate() {
            let era = knows.knows(ThreadId(u as u32));
            let known = accesses.partition_point(|(e, _)| *e <= era);
            if let Some(&(_, ts)) = known.checked_sub(1).and_then(|i| accesses.get(i)) {
                latest = latest.max(ts);
            }
        }
        latest
    }

    /// `thread`, in era `era`, read or stored the store at `ts`.
    fn note(&mut self, thread: ThreadId, era: u32, ts: Timestamp) {
        let i = thread.index();
        if self.seen.len() <= i {
            self.seen.resize_with(i + 1, Vec::new);
        }
        let accesses = &mut self.seen[i];
        match accesses.last_mut() {
            Some(last) if last.1 >= ts => {}
            Some(last) if last.0 == era => last.1 = ts,
            _ => accesses.push((era, ts)),
        }
    }
}

/// The memory of one execution: every atomic location's stores, and what SeqCst operations
/// have published. Which stores a thread has seen is derived from happens-before (the
/// thread's clock in [`HappensBefore`]), which the caller feeds with the event of every access
/// right after it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Memory {
    /// The locations of this execution: the first `live`; the rest are kept from earlier
    /// executions for their allocations.
    places: Vec<Place>,
    live: usize,
    /// Per thread, the latest SeqCst store of each location its SeqCst fences had seen, for
    /// its own reads. (What they taught about other threads' eras is in its clock,
    /// [`VectorClock::learned`], and travels along happens-before.)
    fenced_sc_stores: Vec<View>,
    /// What SeqCst fences have seen.
    sc_fences: VectorClock,
    /// Stores a location holds before unreadable ones are forgotten; 0 means [`KEEP`].
    keep: usize,
    /// Reused for computing what a SeqCst fence knows.
    scratch: VectorClock,
    /// The ids of the stores forgotten since [`Memory::take_forgotten`] last ran, for
    /// happens-before to drop their release clocks.
    forgotten: Vec<StoreId>,
}

impl Memory {
    /// Empty memory.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Forgets the previous execution, keeping the allocations for the next.
    pub(crate) fn clear(&mut self) {
        self.live = 0;
        self.forgotten.clear();
        self.fenced_sc_stores.iter_mut().for_each(View::clear);
        self.sc_fences.clear();
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

    /// The stores forgotten since the last call (all of one location: the one the last store
    /// went to), emptying the list into `into`.
    pub(crate) fn take_forgotten(&mut self, into: &mut Vec<StoreId>) {
        into.clear();
        into.append(&mut self.forgotten);
    }

    /// A new location holding `initial`; every thread knows its initial value.
    pub(crate) fn add_location(&mut self, initial: u64) -> Location {
        let location = self.live;
        self.live += 1;
        match self.places.get_mut(location) {
            Some(place) => place.reset(initial),
            None => self.places.push(Place::new(initial)),
        }
        location
    }

    /// The stores of `location`, oldest first.
    pub(crate) fn history(&self, location: Location) -> &[Message] {
        self.places[location].history.messages()
    }

    /// The store of `location` with timestamp `ts`.
    pub(crate) fn message(&self, location: Location, ts: Timestamp) -> Option<&Message> {
        self.places[location].history.message(ts)
    }

    /// The value a non-atomic access (`get_mut`, `into_inner`) sees: the latest store.
    pub(crate) fn latest(&self, location: Location) -> u64 {
        self.places[location].history.latest().value
    }

    /// The timestamp of the latest store of `location`: always one an access may read, a
    /// store may follow and a read-modify-write may take.
    pub(crate) fn latest_ts(&self, location: Location) -> Timestamp {
        self.places[location].history.latest().ts
    }

    /// The oldest store of `location` an access with `order` by `thread` may see: the latest
    /// store or read of it that happens before (coherence), or that SeqCst fences taught the
    /// thread; for a SeqCst access, also the latest SeqCst store and what SeqCst fences saw.
    pub(crate) fn floor(
        &self,
        thread: ThreadId,
        location: Location,
        order: MemOrder,
        hb: &HappensBefore,
    ) -> Timestamp {
        let place = &self.places[location];
        let mut floor = place.seen_by(hb.clock(thread));
        if let Some(sc_stores) = self.fenced_sc_stores.get(thread.index()) {
            floor = floor.max(sc_stores.get(location));
        }
        if order == MemOrder::SeqCst {
            floor = floor.max(place.sc).max(place.seen_by(&self.sc_fences));
        }
        floor
    }

    /// The stores `access` of `location` by `thread` may read (a store: directly follow in
    /// modification order), oldest first; the last is always the latest store.
    ///
    /// A load may read any store from its floor on. A read-modify-write (and a store, which may
    /// not go between one and the store it read) only those no other read-modify-write read. A
    /// compare-exchange expecting `expected`: the stores holding it that a read-modify-write
    /// with `success` may take (it stores), and the stores holding anything else that a load
    /// with `failure` may read (it fails).
    pub(crate) fn choices<'a>(
        &'a self,
        thread: ThreadId,
        location: Location,
        access: Access,
        hb: &HappensBefore,
    ) -> impl DoubleEndedIterator<Item = &'a Message> + Clone + 'a {
        // The floor for stores that succeed (or are simply read) and for failed ones.
        let (take_from, fail_from, expected, untaken) = match access {
            Access::Load(order) => {
                let floor = self.floor(thread, location, order, hb);
                (floor, floor, None, false)
            }
            Access::Store(order) | Access::Rmw(order) => {
                let floor = self.floor(thread, location, order, hb);
                (floor, floor, None, true)
            }
            Access::Cas {
                expected,
                success,
                failure,
            } => (
                self.floor(thread, location, success, hb),
                self.floor(thread, location, failure, hb),
                Some(expected),
                true,
            ),
        };
        let messages = self.history(location);
        // A floor below every kept store (it names a forgotten one) bounds nothing.
        let from = messages.partition_point(|m| m.ts < take_from.min(fail_from));
        messages[from..].iter().filter(move |m| match expected {
            Some(expected) if m.value != expected => m.ts >= fail_from,
            _ => m.ts >= take_from && !(untaken && m.taken),
        })
    }

    /// `thread` loads `location`, reading the store at `ts` (one of [`Memory::choices`]);
    /// returns its value and id.
    pub(crate) fn load(
        &mut self,
        thread: ThreadId,
        location: Location,
        ts: Timestamp,
        hb: &HappensBefore,
    ) -> (u64, StoreId) {
        let era = hb.epoch(thread).clock;
        let place = &mut self.places[location];
        let message = place
            .history
            .message(ts)
            .expect("a load reads a store of its location");
        let read = (message.value, message.id);
        place.note(thread, era, ts);
        read
    }

    /// `thread` stores `value` to `location` with `order`, directly after the store at `after`
    /// (one of [`Memory::choices`]); returns the new store's timestamp and id.
    pub(crate) fn store(
        &mut self,
        thread: ThreadId,
        location: Location,
        order: MemOrder,
        value: u64,
        mut after: Timestamp,
        hb: &HappensBefore,
    ) -> (Timestamp, StoreId) {
        if let Some(renumbering) = self.places[location].history.make_room(after) {
            self.renumber(location, &renumbering);
            after = renumbering.apply(after);
        }
        let place = &mut self.places[location];
        let id = StoreId(place.next_id);
        place.next_id += 1;
        let message = Message {
            ts: INITIAL,
            value,
            id,
            taken: false,
        };
        let ts = place.history.insert_after(after, message);
        place.note(thread, hb.epoch(thread).clock, ts);
        if order == MemOrder::SeqCst {
            place.sc = place.sc.max(ts);
        }
        self.forget_unreadable(location, hb);
        (ts, id)
    }

    /// `thread`'s read-modify-write of `location` with `order` reads the store at `ts` (one of
    /// [`Memory::choices`]) and stores `new(value read)` directly after it. Returns the
    /// value read, the id of the store read and that of the new store.
    pub(crate) fn rmw(
        &mut self,
        thread: ThreadId,
        location: Location,
        order: MemOrder,
        ts: Timestamp,
        new: impl FnOnce(u64) -> u64,
        hb: &HappensBefore,
    ) -> (u64, StoreId, StoreId) {
        let (old, from) = self.load(thread, location, ts, hb);
        self.places[location].history.take(ts);
        let (_, id) = self.store(thread, location, order, new(old), ts, hb);
        (old, from, id)
    }

    /// A fence with `order` by `thread`, before its event reaches `hb`. Only a SeqCst fence
    /// changes the memory (Acquire and Release fences are happens-before's): the thread learns
    /// what earlier SeqCst fences saw (into its clock's learned eras, which travel along
    /// happens-before to whatever comes after the fence) and the latest SeqCst store of every
    /// location, and publishes what it has seen (its clock, with what its Relaxed loads read,
    /// which the fence acquires) to later SeqCst fences and loads.
    pub(crate) fn fence(&mut self, thread: ThreadId, order: MemOrder, hb: &mut HappensBefore) {
        if order != MemOrder::SeqCst {
            return;
        }
        hb.learn(thread, &self.sc_fences);
        let mut knows = std::mem::take(&mut self.scratch);
        knows.assign(hb.clock(thread));
        knows.join(hb.pending_acquire(thread));
        self.sc_fences.raise_to_knowledge(&knows);
        self.scratch = knows;
        let i = thread.index();
        if self.fenced_sc_stores.len() <= i {
            self.fenced_sc_stores.resize_with(i + 1, View::default);
        }
        let sc_stores = &mut self.fenced_sc_stores[i];
        for (location, place) in self.places[..self.live].iter().enumerate() {
            sc_stores.raise(location, place.sc);
        }
    }

    /// Forgets the stores of `location` that no thread can read any more (older than what
    /// every thread has seen), once it holds [`KEEP`] stores: a loop that keeps storing costs
    /// memory only while some thread lags behind. Nothing is lost: a store no thread may read
    /// is never read again.
    ///
    /// Past [`HISTORY_LIMIT`] stores, the oldest go even if a lagging thread could still read
    /// them: that thread then reads nothing older than the last [`HISTORY_LIMIT`] stores of the
    /// location. This is what the bound gives up: outcomes where a load reads a store that many
    /// stores behind the latest.
    fn forget_unreadable(&mut self, location: Location, hb: &HappensBefore) {
        let keep = if self.keep == 0 { KEEP } else { self.keep };
        if self.places[location].history.messages().len() < keep {
            return;
        }
        let oldest_seen = hb
            .threads()
            .map(|t| self.floor(t, location, MemOrder::Relaxed, hb))
            .min()
            .unwrap_or(INITIAL);
        let place = &mut self.places[location];
        let forgotten = &mut self.forgotten;
        place.history.forget_before(oldest_seen, forgotten);
        let len = place.history.messages().len();
        if len > HISTORY_LIMIT {
            let oldest_kept = place.history.messages()[len - HISTORY_LIMIT].ts;
            place.history.forget_before(oldest_kept, forgotten);
        }
        // Accesses of forgotten stores bound nothing any more.
        let oldest = place.history.messages()[0].ts;
        for accesses in &mut place.seen {
            let gone = accesses.partition_point(|(_, ts)| *ts < oldest);
            accesses.drain(..gone);
        }
    }

    /// Applies a renumbering of `location` to everything that holds its timestamps.
    fn renumber(&mut self, location: Location, renumbering: &Renumbering) {
        let place = &mut self.places[location];
        for accesses in &mut place.seen {
            for (_, ts) in accesses.iter_mut() {
                *ts = renumbering.apply(*ts);
            }
        }
        place.sc = renumbering.apply(place.sc);
        for sc_stores in &mut self.fenced_sc_stores {
            sc_stores.renumber(location, |ts| renumbering.apply(ts));
        }
    }
}
