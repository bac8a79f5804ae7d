//! Atomic accesses inside a model, against the execution's memory ([`crate::memory`]).
//!
//! An atomic's value lives in the memory's history of its location, not in the std atomic the
//! shim type wraps: so an atomic in a `static` starts every execution from the value it was
//! created with. Before each access, [`prepare`] asks the strategy which store it reads (a
//! load, a read-modify-write, a compare-exchange) or follows in modification order (a store),
//! among those the memory model allows; choice 0 is always the latest store, so a strategy
//! that takes the first choice runs the program sequentially consistently. Under the SeqCst
//! memory model there is no choice: every access reads and follows the latest store.
//!
//! Eventual visibility: a load that repeats a thread's stale load (the same atomic at the same
//! line, with no store of the thread to it in between) reads the latest store, and so does a
//! compare-exchange that repeats a failed one that read a stale store, or a read-modify-write
//! that repeats one that read a stale store and changed nothing (a `swap` spin lock whose
//! swaps kept reading the thread's own last swap, each placed before the unlocking store in
//! modification order, would spin for ever). (A load and a
//! compare-exchange at one line, as in `fetch_update`, are not repeats of each other.) So a spin loop
//! sees a stale value at most once in a row and then the store it waits for, and a correct
//! spin terminates under the fair scheduler. Outcomes given up: a loop that reads one store
//! twice in a row while a newer one exists, which hardware allows but cannot sustain.

use super::context::with;
use super::execution::Execution;
use crate::event::{MemOrder, ObjectId, Op, Site};
pub(crate) use crate::memory::Access;
use crate::memory::{Location, Message, Timestamp};

/// The store an access reads or follows, as [`prepare`] chose it.
#[derive(Clone, Copy, Debug)]
pub struct Prepared {
    location: Location,
    ts: Timestamp,
}

/// The location of `object` in the memory, created on its first access. `held` is the value
/// the std atomic inside the shim type holds now; `initial`, when the object outlived an
/// execution, the value it was created with, which a new execution starts from.
///
/// Between accesses the std atomic holds the latest store. When it holds something else, the
/// program wrote it through `get_mut` or `as_ptr`, which exclusive access orders after every
/// other access: that is recorded as a store of the running thread.
fn location(object: ObjectId, held: u64, initial: Option<u64>) -> Location {
    with(|e| {
        let location = match e.objects[object.index()].location {
            Some(location) => location,
            None => {
                let location = e.memory.add_location(initial.unwrap_or(held));
                e.objects[object.index()].location = Some(location);
                return location;
            }
        };
        if e.memory.latest(location) != held {
            let after = e.memory.latest_ts(location);
            let hb = e.detectors.happens_before();
            e.memory
                .store(e.current, location, MemOrder::Relaxed, held, after, hb);
        }
        location
    })
}

/// Which of the stores the running thread's `access` of `object` may read (or follow) the
/// strategy should choose among, as indices counted from the latest (0, the latest, always
/// is): every one the memory model allows, except an older store that is only read (by a
/// load, or by a compare-exchange that fails on its value) and whose overwriting store the
/// strategy can reorder the access before. It reaches that read there, as a read of the
/// latest store, so reading it stale here would explore the same outcome twice. (A store or
/// a read-modify-write that takes an older store is always offered: reordering it would also
/// move its own store, which the soundness tests showed a bounded search then misses.)
fn offered(e: &Execution, object: ObjectId, location: Location, access: Access) -> Vec<u32> {
    let me = e.current;
    let hb = e.detectors.happens_before();
    let history = e.memory.history(location);
    let only_read = |m: &Message| match access {
        Access::Load(_) => true,
        Access::Cas { expected, .. } => m.value != expected,
        Access::Store(_) | Access::Rmw(_) => false,
    };
    let worth = |m: &Message| {
        let next = history.partition_point(|n| n.ts <= m.ts);
        match history.get(next) {
            Some(overwriting) if only_read(m) => {
                e.strategy.store_ordered_before(me, object, overwriting.id)
            }
            _ => true,
        }
    };
    e.memory
        .choices(me, location, access, hb)
        .rev()
        .enumerate()
        .filter(|(_, m)| worth(m))
        .map(|(back, _)| back as u32)
        .collect()
}

/// Chooses the store the running thread's `access` of `object` reads (or, for a store,
/// follows), taking the strategy's choice when the memory model allows more than one. Returns
/// the value the std atomic must hold for the operation to run on it, and the choice, for
/// [`record`]. A scheduling point must come first.
pub fn prepare(
    object: ObjectId,
    held: u64,
    initial: Option<u64>,
    access: Access,
    site: Site,
) -> (u64, Prepared) {
    let location = location(object, held, initial);
    // The store read (or followed): the strategy's choice, counted from the latest, so choice 0
    // is always the latest store.
    let ts = with(|e| {
        let me = e.current;
        let repeat = match access {
            Access::Load(_) => Some((object, site, false)),
            Access::Cas { .. } | Access::Rmw(_) => Some((object, site, true)),
            Access::Store(_) => None,
        };
        let stale_loads = &e.threads[me.index()].stale_loads;
        let latest = e.memory.latest_ts(location);
        if e.seq_cst_memory || repeat.is_some_and(|r| stale_loads.contains(&r)) {
            return latest;
        }
        let hb = e.detectors.happens_before();
        let options = e.memory.choices(me, location, access, hb).count();
        if options <= 1 {
            return latest;
        }
        let offered = offered(e, object, location, access);
        let back = e.choose_read(options as u32, &offered) as usize;
        let hb = e.detectors.happens_before();
        let chosen = e.memory.choices(me, location, access, hb).nth_back(back);
        chosen.expect("the choice is among the options counted").ts
    });
    let value = with(|e| {
        e.memory
            .message(location, ts)
            .expect("a chosen store exists")
            .value
    });
    (value, Prepared { location, ts })
}

/// Records in the memory what the running thread's access of `object` at `site` did, as its
/// event `op` describes it and `prepared` chose it, and names in `op` the stores it read and
/// made. Returns the latest value of the location, which the shim type's std atomic holds
/// between operations.
pub fn record(object: ObjectId, prepared: Prepared, op: &mut Op, site: Site) -> u64 {
    with(|e| {
        let Prepared { location, ts } = prepared;
        let me = e.current;
        let hb = e.detectors.happens_before();
        let memory = &mut e.memory;
        let read_latest = ts == memory.latest_ts(location);
        let mut stored = false;
        match op {
            Op::AtomicLoad { from, .. }
            | Op::AtomicRmw {
                success: false,
                from,
                ..
            } => {
                *from = memory.load(me, location, ts, hb).1;
            }
            Op::AtomicStore { order, value, id } => {
                *id = memory.store(me, location, *order, *value, ts, hb).1;
                stored = true;
            }
            Op::AtomicRmw {
                order,
                new,
                from,
                id,
                ..
            } => {
                let (_, read, made) = memory.rmw(me, location, *order, ts, |_| *new, hb);
                (*from, *id) = (read, made);
                stored = true;
            }
            _ => {}
        }
        // Eventual visibility (module documentation): a load or read-modify-write that read
        // an older store than the latest is remembered until the thread repeats it or stores
        // to the atomic otherwise.
        let rmw = matches!(op, Op::AtomicRmw { .. });
        // Only a read-modify-write that changed nothing counts (a `swap` that found the value
        // it wrote): two `fetch_add`s that both read older stores are two different reads.
        let unchanged = matches!(op, Op::AtomicRmw { old, new, .. } if old == new);
        let stale = !read_latest && (!stored || unchanged);
        let latest = memory.latest(location);
        if stale {
            let newest = memory.history(location).last().map(|m| m.id);
            let index = e.trace.len();
            e.weak_reads.extend(newest.map(|id| (index, id)));
        }
        // Stores the memory forgot (no load can read them) drop their release clocks.
        let mut gone = std::mem::take(&mut e.forgotten_stores);
        e.memory.take_forgotten(&mut gone);
        e.detectors
            .happens_before_mut()
            .forget_stores(object, &gone);
        e.forgotten_stores = gone;
        let loads = &mut e.threads[me.index()].stale_loads;
        loads.retain(|&(o, s, c)| o != object || (!stored && (s, c) != (site, rmw)));
        if stale {
            loads.push((object, site, rmw));
        }
        latest
    })
}

/// Whether the running thread's `compare_exchange_weak` of `object`, which would succeed,
/// fails spuriously instead: a choice the strategy takes when spurious wakeups are on (std
/// allows both), never twice in a row for one thread and atomic, so a retry loop ends.
pub fn fails_spuriously(object: ObjectId) -> bool {
    let offered = with(|e| {
        let on = e.spurious_wakeups;
        let me = e.current;
        let slot = e.thread(me);
        if slot.spurious_cas.take() == Some(object) {
            return false;
        }
        on
    });
    if !offered || super::api::choose(2) == 0 {
        return false;
    }
    with(|e| {
        let me = e.current;
        e.thread(me).spurious_cas = Some(object);
    });
    true
}

/// A fence by the running thread, before its event.
pub fn fence(order: MemOrder) {
    with(|e| {
        let thread = e.current;
        let hb = e.detectors.happens_before_mut();
        e.memory.fence(thread, order, hb);
    });
}

/// Checks a non-atomic read of atomic `object` by the running thread at `site` (loom's
/// `unsync_load`, which the running thread just did as a load of the latest store): a store to
/// it that does not happen before the read races with it (the race detector says so).
pub fn check_unsync_load(object: ObjectId, site: Site) {
    with(|e| {
        let names = super::execution::Names::of(&e.threads, &e.objects);
        let race = e.detectors.unsync_load(object, e.current, site, &names);
        e.findings.extend(race);
    });
}

/// Marks atomic `object` as the reference count of a `what` (e.g. "Arc") for the rest of the
/// running execution.
pub fn mark_reference_count(object: ObjectId, what: &'static str) {
    with(|e| {
        if !e.reference_counts.iter().any(|(o, _)| *o == object) {
            e.reference_counts.push((object, what));
        }
    });
}

/// An engine atomic that a front end uses as the reference count of its pointer type, so
/// that the interleaving describes its steps as clones and drops of that pointer.
pub trait ReferenceCount {
    /// Marks this atomic as the reference count of a `what` (e.g. "Arc"), in the running
    /// execution; nothing outside a model.
    fn mark_reference_count(&self, what: &'static str);
}

/// loom's `unsync_load` on the engine's atomics: a read of the latest value that is a
/// `data_race` finding unless every store to the atomic happens before it.
pub trait UnsyncLoad {
    /// The atomic's value type.
    type Value;

    /// Reads the latest value without synchronising (a scheduling point, like any access).
    ///
    /// # Safety
    /// Every store to the atomic must happen before this read; inside a model, one that does
    /// not is reported rather than read.
    unsafe fn unsync_load(&self) -> Self::Value;
}
