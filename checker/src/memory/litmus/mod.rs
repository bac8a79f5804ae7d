//! Litmus tests of the memory model on its own: every interleaving of a few straight-line
//! threads, every store each load may read and every place each store may take, gathered into
//! the set of outcomes, compared with what C++20 (RC11) allows. The expected outcomes are the
//! standard ones: Lahav et al., "Repairing sequential consistency in C/C++11" (PLDI 2017), and
//! the C++20 standard's [intro.races] and [atomics.order] (release sequences without
//! same-thread stores since P0982R1).

use std::collections::BTreeSet;

mod clocked;
mod generated;
mod rc11;
mod shared;

use super::{CasChoice, Location, Timestamp, INITIAL};
use crate::event::{MemOrder, StoreId, ThreadId};
use shared::Shared;

use MemOrder::{Acquire, Relaxed, Release, SeqCst};

/// One instruction; loads write the value they read into the thread's next register.
#[derive(Clone, Copy, Debug)]
pub(super) enum Ins {
    Store(Location, u64, MemOrder),
    Load(Location, MemOrder),
    /// `fetch_add`, recording the value read.
    FetchAdd(Location, u64, MemOrder),
    /// `compare_exchange(expected, new, success, failure)`, recording the value read.
    Cas(Location, u64, u64, MemOrder, MemOrder),
    Fence(MemOrder),
}

use Ins::{Cas, Fence, FetchAdd, Load, Store};

/// What one complete execution ends with: each thread's registers, then each location's final
/// value.
pub(super) type Outcome = (Vec<Vec<u64>>, Vec<u64>);

struct State<M> {
    memory: M,
    pc: Vec<usize>,
    regs: Vec<Vec<u64>>,
}

/// What the explorer needs of a memory model: the runtime's ([`Shared`]: the memory with the
/// race detector's happens-before), and an independent prototype of the same model
/// ([`clocked::ClockedMemory`]).
trait Model: Clone {
    fn add_location(&mut self, initial: u64) -> Location;
    fn add_thread(&mut self, thread: ThreadId);
    fn latest(&self, x: Location) -> u64;
    fn readable(&self, t: ThreadId, x: Location, o: MemOrder) -> Vec<(Timestamp, u64)>;
    fn rmw_readable(&self, t: ThreadId, x: Location, o: MemOrder) -> Vec<(Timestamp, u64)>;
    fn store_slots(&self, t: ThreadId, x: Location, o: MemOrder) -> Vec<Timestamp>;
    fn load(&mut self, t: ThreadId, x: Location, o: MemOrder, ts: Timestamp) -> u64;
    fn store(&mut self, t: ThreadId, x: Location, o: MemOrder, v: u64, after: Timestamp);
    /// A read-modify-write reading the store at `ts` and storing `f` of what it read.
    fn rmw_with(
        &mut self,
        t: ThreadId,
        x: Location,
        o: MemOrder,
        ts: Timestamp,
        f: &dyn Fn(u64) -> u64,
    ) -> u64;
    fn fence(&mut self, t: ThreadId, o: MemOrder);

    /// What a compare-exchange may read: the stores holding `expected` a read-modify-write
    /// may take, and the others a load may read.
    fn cas_choices(
        &self,
        t: ThreadId,
        x: Location,
        expected: u64,
        success: MemOrder,
        failure: MemOrder,
    ) -> Vec<CasChoice> {
        super::cas_choices_among(
            self.rmw_readable(t, x, success),
            self.readable(t, x, failure),
            expected,
        )
    }
    /// A compare-exchange reading as `c` says (one of [`Model::cas_choices`]).
    fn cas(
        &mut self,
        t: ThreadId,
        x: Location,
        c: CasChoice,
        new: u64,
        success: MemOrder,
        failure: MemOrder,
    ) -> u64;
}

/// Every outcome of `threads` over `locations` locations, all starting at 0.
fn outcomes(locations: usize, threads: &[Vec<Ins>]) -> BTreeSet<Outcome> {
    outcomes_in(Shared::default(), locations, threads)
}

/// [`outcomes`], starting from `memory`.
fn outcomes_in<M: Model>(
    mut memory: M,
    locations: usize,
    threads: &[Vec<Ins>],
) -> BTreeSet<Outcome> {
    for _ in 0..locations {
        memory.add_location(0);
    }
    for t in 0..threads.len() {
        memory.add_thread(ThreadId(t as u32));
    }
    let mut found = BTreeSet::new();
    let start = State {
        memory,
        pc: vec![0; threads.len()],
        regs: vec![Vec::new(); threads.len()],
    };
    explore(start, threads, locations, &mut found);
    found
}

fn explore<M: Model>(
    state: State<M>,
    threads: &[Vec<Ins>],
    locations: usize,
    found: &mut BTreeSet<Outcome>,
) {
    let mut any = false;
    for (t, program) in threads.iter().enumerate() {
        let Some(&ins) = program.get(state.pc[t]) else {
            continue;
        };
        any = true;
        let thread = ThreadId(t as u32);
        let mut step = |memory: M, read: Option<u64>| {
            let mut pc = state.pc.clone();
            pc[t] += 1;
            let mut regs = state.regs.clone();
            regs[t].extend(read);
            explore(State { memory, pc, regs }, threads, locations, found);
        };
        match ins {
            Store(x, value, order) => {
                for after in state.memory.store_slots(thread, x, order) {
                    let mut memory = state.memory.clone();
                    memory.store(thread, x, order, value, after);
                    step(memory, None);
                }
            }
            Load(x, order) => {
                for (ts, _) in state.memory.readable(thread, x, order) {
                    let mut memory = state.memory.clone();
                    let value = memory.load(thread, x, order, ts);
                    step(memory, Some(value));
                }
            }
            FetchAdd(x, add, order) => {
                for (ts, _) in state.memory.rmw_readable(thread, x, order) {
                    let mut memory = state.memory.clone();
                    let old = memory.rmw_with(thread, x, order, ts, &|v| v + add);
                    step(memory, Some(old));
                }
            }
            Cas(x, expected, new, success, failure) => {
                for choice in state
                    .memory
                    .cas_choices(thread, x, expected, success, failure)
                {
                    let mut memory = state.memory.clone();
                    let old = memory.cas(thread, x, choice, new, success, failure);
                    step(memory, Some(old));
                }
            }
            Fence(order) => {
                let mut memory = state.memory.clone();
                memory.fence(thread, order);
                step(memory, None);
            }
        }
    }
    if !any {
        let finals = (0..locations).map(|x| state.memory.latest(x)).collect();
        found.insert((state.regs, finals));
    }
}

/// The registers of every outcome, without the final values.
fn reads(locations: usize, threads: &[Vec<Ins>]) -> BTreeSet<Vec<Vec<u64>>> {
    outcomes(locations, threads)
        .into_iter()
        .map(|(regs, _)| regs)
        .collect()
}

const X: Location = 0;
const Y: Location = 1;

fn set<const N: usize>(regs: [&[&[u64]]; N]) -> BTreeSet<Vec<Vec<u64>>> {
    regs.iter()
        .map(|threads| threads.iter().map(|r| r.to_vec()).collect())
        .collect()
}

/// Store buffering: `x = 1; r0 = y` against `y = 1; r1 = x`.
fn store_buffering(store: MemOrder, load: MemOrder, fence: Option<MemOrder>) -> Vec<Vec<Ins>> {
    let side = |mine, other| {
        let mut t = vec![Store(mine, 1, store)];
        t.extend(fence.map(Fence));
        t.push(Load(other, load));
        t
    };
    vec![side(X, Y), side(Y, X)]
}

#[test]
fn store_buffering_reads_two_stale_values_unless_seqcst_orders_it() {
    let all = set([&[&[0], &[0]], &[&[0], &[1]], &[&[1], &[0]], &[&[1], &[1]]]);
    let sc = set([&[&[0], &[1]], &[&[1], &[0]], &[&[1], &[1]]]);
    assert_eq!(reads(2, &store_buffering(Relaxed, Relaxed, None)), all);
    assert_eq!(reads(2, &store_buffering(Release, Acquire, None)), all);
    assert_eq!(reads(2, &store_buffering(SeqCst, SeqCst, None)), sc);
    assert_eq!(
        reads(2, &store_buffering(Relaxed, Relaxed, Some(SeqCst))),
        sc
    );
    // Release/Acquire fences do not order a store before a later load.
    assert_eq!(
        reads(
            2,
            &store_buffering(Relaxed, Relaxed, Some(MemOrder::AcqRel))
        ),
        all
    );
}

/// Message passing: `data = 1; flag = 1` against `r0 = flag; r1 = data`.
fn message_passing(
    flag_store: MemOrder,
    flag_load: MemOrder,
    fences: Option<(MemOrder, MemOrder)>,
) -> Vec<Vec<Ins>> {
    let mut writer = vec![Store(X, 1, Relaxed)];
    writer.extend(fences.map(|(w, _)| Fence(w)));
    writer.push(Store(Y, 1, flag_store));
    let mut reader = vec![Load(Y, flag_load)];
    reader.extend(fences.map(|(_, r)| Fence(r)));
    reader.push(Load(X, Relaxed));
    vec![writer, reader]
}

#[test]
fn message_passing_sees_the_data_only_when_release_meets_acquire() {
    let weak = vec![vec![], vec![1, 0]];
    let has_weak = |threads: Vec<Vec<Ins>>| reads(2, &threads).contains(&weak);
    assert!(has_weak(message_passing(Relaxed, Relaxed, None)));
    assert!(has_weak(message_passing(Release, Relaxed, None)));
    assert!(has_weak(message_passing(Relaxed, Acquire, None)));
    assert!(!has_weak(message_passing(Release, Acquire, None)));
    assert!(!has_weak(message_passing(SeqCst, SeqCst, None)));
    assert!(!has_weak(message_passing(
        Relaxed,
        Relaxed,
        Some((Release, Acquire))
    )));
    assert!(has_weak(message_passing(
        Relaxed,
        Relaxed,
        Some((Release, Relaxed))
    )));
    // Every other outcome stays possible.
    let outcomes = reads(2, &message_passing(Release, Acquire, None));
    assert_eq!(
        outcomes,
        set([&[&[], &[0, 0]], &[&[], &[0, 1]], &[&[], &[1, 1]]])
    );
}

#[test]
fn load_buffering_never_happens() {
    let threads = vec![
        vec![Load(X, Relaxed), Store(Y, 1, Relaxed)],
        vec![Load(Y, Relaxed), Store(X, 1, Relaxed)],
    ];
    assert_eq!(
        reads(2, &threads),
        set([&[&[0], &[0]], &[&[0], &[1]], &[&[1], &[0]]])
    );
}

#[test]
fn two_loads_of_one_location_never_go_back_in_time() {
    let threads = vec![
        vec![Store(X, 1, Relaxed), Store(X, 2, Relaxed)],
        vec![Load(X, Relaxed), Load(X, Relaxed)],
    ];
    let found = reads(1, &threads);
    for regs in &found {
        assert!(regs[1][0] <= regs[1][1], "coherence broken: {regs:?}");
    }
    assert!(found.contains(&vec![vec![], vec![0, 2]]));
    assert!(found.contains(&vec![vec![], vec![1, 1]]));
}

#[test]
fn what_a_seqcst_fence_learned_binds_whatever_happens_after_it() {
    // W: x = 1; fence(SC); a = y    U: y = 1; fence(SC); y = 2 (Release)
    // V: b = y (Acquire); c = x
    // a = 0, b = 2, c = 0 is forbidden: W's fence comes before U's (W read y before U's
    // store), and V, after U's fence by happens-before, must then see x = 1. A review found
    // the model allowing it while fence knowledge stayed with the fencing thread.
    let program = vec![
        vec![Store(X, 1, Relaxed), Fence(SeqCst), Load(Y, Relaxed)],
        vec![Store(Y, 1, Relaxed), Fence(SeqCst), Store(Y, 2, Release)],
        vec![Load(Y, Acquire), Load(X, Relaxed)],
    ];
    for (name, run) in FORMULATIONS {
        let (extra, missing) = differences_with(run, 2, &program);
        assert!(
            extra.is_empty(),
            "{name} gives forbidden outcomes: {extra:?}"
        );
        assert!(missing.is_empty(), "{name} misses outcomes: {missing:?}");
    }
}

/// Independent reads of independent writes.
fn iriw(store: MemOrder, load: MemOrder) -> BTreeSet<Vec<Vec<u64>>> {
    reads(
        2,
        &[
            vec![Store(X, 1, store)],
            vec![Store(Y, 1, store)],
            vec![Load(X, load), Load(Y, load)],
            vec![Load(Y, load), Load(X, load)],
        ],
    )
}

#[test]
fn iriw_disagrees_on_the_order_of_two_writes_unless_all_is_seqcst() {
    let disagree = vec![vec![], vec![], vec![1, 0], vec![1, 0]];
    assert!(iriw(Relaxed, Relaxed).contains(&disagree));
    assert!(iriw(Release, Acquire).contains(&disagree));
    assert!(!iriw(SeqCst, SeqCst).contains(&disagree));
}

#[test]
fn two_plus_two_writes_may_end_with_both_first_stores_last_unless_seqcst() {
    let program = |order| {
        vec![
            vec![Store(X, 1, order), Store(Y, 2, order)],
            vec![Store(Y, 1, order), Store(X, 2, order)],
        ]
    };
    let finals = |order| -> BTreeSet<Vec<u64>> {
        outcomes(2, &program(order))
            .into_iter()
            .map(|(_, finals)| finals)
            .collect()
    };
    assert!(finals(Relaxed).contains(&vec![1, 1]));
    assert!(finals(Release).contains(&vec![1, 1]));
    assert!(!finals(SeqCst).contains(&vec![1, 1]));
    assert_eq!(finals(SeqCst).len(), 3, "{:?}", finals(SeqCst));
}

#[test]
fn write_to_read_causality_is_transitive_with_release_and_acquire() {
    let program = |store, load| {
        vec![
            vec![Store(X, 1, store)],
            vec![Load(X, load), Store(Y, 1, store)],
            vec![Load(Y, load), Load(X, load)],
        ]
    };
    let weak = vec![vec![], vec![1], vec![1, 0]];
    assert!(reads(2, &program(Relaxed, Relaxed)).contains(&weak));
    assert!(!reads(2, &program(Release, Acquire)).contains(&weak));
}

#[test]
fn a_read_modify_write_continues_a_release_sequence_and_a_plain_store_does_not() {
    // data = 1; x.store(10, Release) | x.fetch_add(1, Relaxed) | r0 = x (Acquire); r1 = data
    let through_rmw = vec![
        vec![Store(Y, 1, Relaxed), Store(X, 10, Release)],
        vec![FetchAdd(X, 1, Relaxed)],
        vec![Load(X, Acquire), Load(Y, Relaxed)],
    ];
    let found = reads(2, &through_rmw);
    assert!(found.iter().any(|r| r[2] == [11, 1]));
    assert!(
        !found.iter().any(|r| r[2] == [11, 0]),
        "reading the read-modify-write synchronises with the release store it read"
    );
    // data = 1; x.store(1, Release); x.store(2, Relaxed) | r0 = x (Acquire); r1 = data:
    // C++20 ended release sequences at a later store of the same thread.
    let same_thread = vec![
        vec![
            Store(Y, 1, Relaxed),
            Store(X, 1, Release),
            Store(X, 2, Relaxed),
        ],
        vec![Load(X, Acquire), Load(Y, Relaxed)],
    ];
    assert!(reads(2, &same_thread).contains(&vec![vec![], vec![2, 0]]));
}

#[test]
fn read_modify_writes_are_atomic() {
    let threads = vec![vec![FetchAdd(X, 1, Relaxed)], vec![FetchAdd(X, 1, Relaxed)]];
    let found = outcomes(1, &threads);
    assert!(
        found.iter().all(|(_, finals)| finals == &vec![2]),
        "{found:?}"
    );
    let reads: BTreeSet<_> = found.into_iter().map(|(regs, _)| regs).collect();
    assert_eq!(reads, set([&[&[0], &[1]], &[&[1], &[0]]]));
}

#[test]
fn synchronising_through_another_object_passes_what_was_seen_on() {
    // What a spawn, a join or a lock hand-over does: the acquirer reads nothing older than
    // what the releaser had seen.
    let (writer, reader) = (ThreadId(1), ThreadId(2));
    let mut shared = Shared::default();
    let x = shared.add_location(0);
    let after = *shared.store_slots(writer, x, Relaxed).last().unwrap();
    shared.store(writer, x, Relaxed, 7, after);
    assert_eq!(
        shared.readable(reader, x, Relaxed).len(),
        2,
        "not synchronised yet"
    );
    shared.hand_over_lock(writer, reader, 9);
    let readable: Vec<u64> = shared
        .readable(reader, x, Relaxed)
        .iter()
        .map(|r| r.1)
        .collect();
    assert_eq!(readable, [7]);
    let stores: Vec<_> = shared
        .memory
        .history(x)
        .iter()
        .map(|m| (m.id, m.value))
        .collect();
    assert_eq!(stores, [(StoreId(0), 0), (StoreId(1), 7)]);
}

/// The classic shapes, in every combination of orderings the loop gives them.
fn shapes(
    store: MemOrder,
    load: MemOrder,
    fence: Option<MemOrder>,
) -> Vec<(&'static str, usize, Vec<Vec<Ins>>)> {
    let f = |t: &mut Vec<Ins>| t.extend(fence.map(Fence));
    let mut sb = store_buffering(store, load, fence);
    sb.truncate(2);
    let mut mp_writer = vec![Store(X, 1, Relaxed)];
    f(&mut mp_writer);
    mp_writer.push(Store(Y, 1, store));
    let mut mp_reader = vec![Load(Y, load)];
    f(&mut mp_reader);
    mp_reader.push(Load(X, Relaxed));
    vec![
        ("SB", 2, sb),
        ("MP", 2, vec![mp_writer, mp_reader]),
        (
            "LB",
            2,
            vec![
                vec![Load(X, load), Store(Y, 1, store)],
                vec![Load(Y, load), Store(X, 1, store)],
            ],
        ),
        (
            "CoRR",
            1,
            vec![
                vec![Store(X, 1, store)],
                vec![Store(X, 2, store)],
                vec![Load(X, load), Load(X, load)],
            ],
        ),
        (
            "IRIW",
            2,
            vec![
                vec![Store(X, 1, store)],
                vec![Store(Y, 1, store)],
                vec![Load(X, load), Load(Y, load)],
                vec![Load(Y, load), Load(X, load)],
            ],
        ),
        (
            "2+2W",
            2,
            vec![
                vec![Store(X, 1, store), Store(Y, 2, store)],
                vec![Store(Y, 1, store), Store(X, 2, store)],
            ],
        ),
        (
            "WRC",
            2,
            vec![
                vec![Store(X, 1, store)],
                vec![Load(X, load), Store(Y, 1, store)],
                vec![Load(Y, load), Load(X, load)],
            ],
        ),
        (
            "RMW-release-sequence",
            2,
            vec![
                vec![Store(Y, 1, Relaxed), Store(X, 10, store)],
                vec![FetchAdd(X, 1, Relaxed)],
                vec![Load(X, load), Load(Y, Relaxed)],
            ],
        ),
        (
            "CAS-exclusive",
            1,
            vec![
                vec![Cas(X, 0, 1, store, Relaxed)],
                vec![Cas(X, 0, 2, load, Relaxed)],
                vec![Load(X, load)],
            ],
        ),
        (
            "CAS-MP",
            2,
            vec![
                vec![Store(Y, 1, Relaxed), Store(X, 1, store)],
                vec![Cas(X, 1, 2, load, load), Load(Y, Relaxed)],
            ],
        ),
        (
            "RMW-race",
            1,
            vec![
                vec![FetchAdd(X, 1, store), Load(X, load)],
                vec![Store(X, 5, store)],
                vec![FetchAdd(X, 2, load)],
            ],
        ),
    ]
}

#[test]
fn the_operational_model_has_exactly_the_outcomes_of_rc11s_axioms() {
    let mut mismatches = Vec::new();
    let mut compared = 0;
    let pairs = [
        (Relaxed, Relaxed),
        (Release, Acquire),
        (SeqCst, SeqCst),
        (SeqCst, Relaxed),
        (Relaxed, SeqCst),
        (Release, SeqCst),
    ];
    let fences = [
        None,
        Some(Release),
        Some(Acquire),
        Some(MemOrder::AcqRel),
        Some(SeqCst),
    ];
    for (store, load) in pairs {
        for fence in fences {
            for (name, locations, program) in shapes(store, load, fence) {
                for (formulation, run) in FORMULATIONS {
                    compared += 1;
                    let (extra, missing) = differences_with(run, locations, &program);
                    if !extra.is_empty() || !missing.is_empty() {
                        mismatches.push(format!(
                            "{formulation}: {name} store {store:?} load {load:?} fence {fence:?}: the model also gives {extra:?}; it misses {missing:?}"
                        ));
                    }
                }
            }
        }
    }
    assert!(compared > 400);
    assert!(
        mismatches.is_empty(),
        "{} of {compared}:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// How one thread accesses memory: its stores' and loads' orderings, and the fence it puts
/// between its accesses.
type Mode = (MemOrder, MemOrder, Option<MemOrder>);

/// Threads that each mix orderings their own way.
fn mixed_shapes(a: Mode, b: Mode, c: Mode) -> Vec<(&'static str, usize, Vec<Vec<Ins>>)> {
    let thread = |(store, load, fence): Mode, ins: &[Ins]| -> Vec<Ins> {
        let mut out = Vec::new();
        for (i, ins) in ins.iter().enumerate() {
            if i > 0 {
                out.extend(fence.map(Fence));
            }
            out.push(match *ins {
                Store(x, v, _) => Store(x, v, store),
                Load(x, _) => Load(x, load),
                other => other,
            });
        }
        out
    };
    vec![
        (
            "SB",
            2,
            vec![
                thread(a, &[Store(X, 1, Relaxed), Load(Y, Relaxed)]),
                thread(b, &[Store(Y, 1, Relaxed), Load(X, Relaxed)]),
            ],
        ),
        (
            "RWC",
            2,
            vec![
                thread(a, &[Store(X, 1, Relaxed)]),
                thread(b, &[Load(X, Relaxed), Load(Y, Relaxed)]),
                thread(c, &[Store(Y, 1, Relaxed), Load(X, Relaxed)]),
            ],
        ),
        (
            "IRIW",
            2,
            vec![
                thread(a, &[Store(X, 1, Relaxed)]),
                thread(a, &[Store(Y, 1, Relaxed)]),
                thread(b, &[Load(X, Relaxed), Load(Y, Relaxed)]),
                thread(c, &[Load(Y, Relaxed), Load(X, Relaxed)]),
            ],
        ),
        (
            "R",
            2,
            vec![
                thread(a, &[Store(X, 1, Relaxed), Store(Y, 1, Relaxed)]),
                thread(b, &[Store(Y, 2, Relaxed), Load(X, Relaxed)]),
            ],
        ),
        (
            "S",
            2,
            vec![
                thread(a, &[Store(X, 2, Relaxed), Store(Y, 1, Relaxed)]),
                thread(b, &[Load(Y, Relaxed), Store(X, 1, Relaxed)]),
            ],
        ),
    ]
}

#[test]
fn threads_mixing_seqcst_with_weaker_orderings_never_get_an_outcome_rc11_forbids() {
    let modes: [Mode; 7] = [
        (Relaxed, Relaxed, None),
        (Release, Acquire, None),
        (SeqCst, SeqCst, None),
        (SeqCst, Relaxed, None),
        (Relaxed, SeqCst, None),
        (Relaxed, Relaxed, Some(SeqCst)),
        (Release, Acquire, Some(SeqCst)),
    ];
    let (mut unexpected, mut known, mut compared) = (Vec::new(), [0; 2], 0);
    for a in modes {
        for b in modes {
            for c in [modes[0], modes[2], modes[5]] {
                for (name, locations, program) in mixed_shapes(a, b, c) {
                    for (i, (formulation, run)) in FORMULATIONS.into_iter().enumerate() {
                        compared += 1;
                        let (extra, missing) = differences_with(run, locations, &program);
                        let gap = !missing.is_empty() && known_gap(name, a, b, c);
                        known[i] += usize::from(gap);
                        if !extra.is_empty() || (!missing.is_empty() && !gap) {
                            unexpected.push(format!(
                                "{formulation}: {name} {a:?} {b:?} {c:?}: the model also gives {extra:?}; it misses {missing:?}"
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(compared > 1000);
    assert!(
        unexpected.is_empty(),
        "{} of {compared}:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    assert_eq!(
        known,
        [18, 18],
        "the known gaps changed: update `known_gap`, the module doc and this count"
    );
}

/// Every outcome of a program, by one formulation of the model.
type Run = fn(usize, &[Vec<Ins>]) -> BTreeSet<Outcome>;

/// The model's two formulations: the runtime's, and the independent prototype.
const FORMULATIONS: [(&str, Run); 2] = [("runtime", outcomes), ("prototype", clocked_outcomes)];

fn clocked_outcomes(locations: usize, threads: &[Vec<Ins>]) -> BTreeSet<Outcome> {
    outcomes_in(clocked::ClockedMemory::default(), locations, threads)
}

/// The outcomes the formulation `run` gives that RC11 forbids, and those RC11 allows that it
/// misses.
fn differences_with(
    run: Run,
    locations: usize,
    program: &[Vec<Ins>],
) -> (Vec<Outcome>, Vec<Outcome>) {
    let operational = run(locations, program);
    let axiomatic = rc11::outcomes(locations, program);
    (
        operational.difference(&axiomatic).cloned().collect(),
        axiomatic.difference(&operational).cloned().collect(),
    )
}

/// Where the model is known to be stronger than RC11 (it misses an outcome, never adds one):
/// SeqCst operations take their place in the SeqCst order when they run, so
/// - `S`: a SeqCst store that runs after another SeqCst store of its location (its thread
///   read, Relaxed, something written after that store) cannot go before it in modification
///   order, which C++20 allows when nothing orders the two;
/// - `RWC`: a SeqCst fence publishes what its thread read with Relaxed loads, and a later
///   SeqCst load of another thread cannot read anything older, which C++20 allows.
fn known_gap(name: &str, a: Mode, b: Mode, c: Mode) -> bool {
    let sc_store = |m: Mode| m.0 == SeqCst || m.2 == Some(SeqCst);
    match name {
        "S" => sc_store(a) && b == (SeqCst, Relaxed, None),
        "RWC" => b.2 == Some(SeqCst) && c == (SeqCst, SeqCst, None),
        _ => false,
    }
}

#[test]
fn two_compare_exchanges_expecting_the_same_value_never_both_succeed() {
    let threads = vec![
        vec![Cas(X, 0, 1, Relaxed, Relaxed)],
        vec![Cas(X, 0, 2, Relaxed, Relaxed)],
    ];
    let found = reads(1, &threads);
    assert_eq!(found, set([&[&[0], &[1]], &[&[2], &[0]]]), "{found:?}");
}

#[test]
fn stores_nobody_can_read_any_more_are_forgotten_and_the_others_kept() {
    let (writer, reader) = (ThreadId(0), ThreadId(1));
    let mut shared = Shared::default();
    let x = shared.add_location(0);
    // Both threads exist (happens-before has seen them).
    shared.emit(writer, None, crate::event::Op::Yield);
    shared.emit(reader, None, crate::event::Op::Yield);
    let store = |shared: &mut Shared, v| {
        let after = shared.memory.latest_ts(x);
        shared.store(writer, x, Relaxed, v, after);
    };
    // The reader has read nothing: every store stays readable to it.
    for v in 1..=100 {
        store(&mut shared, v);
    }
    assert_eq!(shared.readable(reader, x, Relaxed).len(), 101);
    // Once it has read the latest, the older ones go at the next store.
    let latest = shared.memory.latest_ts(x);
    shared.load(reader, x, Relaxed, latest);
    store(&mut shared, 101);
    let kept: Vec<u64> = shared.memory.history(x).iter().map(|m| m.value).collect();
    assert_eq!(kept, [100, 101]);
    assert_eq!(shared.readable(reader, x, Relaxed).len(), 2);
}

#[test]
fn a_release_store_keeps_its_clock_while_it_can_be_read_however_many_stores_go_before_it() {
    // A publishes data and then x = 1 (Release); B stores to x 600 times, each placed before
    // A's store in modification order (B never read x). A's store stays the latest: a reader
    // that acquires it must see the data, although 600 younger stores came and went.
    let (a, b, reader) = (ThreadId(0), ThreadId(1), ThreadId(2));
    let mut shared = Shared::default();
    let (x, data) = (shared.add_location(0), shared.add_location(0));
    for t in [a, b, reader] {
        shared.add_thread(t);
    }
    shared.store(a, data, Relaxed, 42, INITIAL);
    shared.store(a, x, Release, 1, INITIAL);
    for v in 0..600 {
        let oldest = shared.memory.history(x)[0].ts;
        shared.store(b, x, Relaxed, 100 + v, oldest);
    }
    assert_eq!(shared.memory.latest(x), 1, "A's store is still the latest");
    let published = shared.memory.latest_ts(x);
    shared.load(reader, x, Acquire, published);
    let readable: Vec<u64> = shared
        .readable(reader, data, Relaxed)
        .iter()
        .map(|r| r.1)
        .collect();
    assert_eq!(
        readable,
        [42],
        "the Acquire load acquired A's release clock"
    );
}

#[test]
fn a_lagging_thread_can_read_only_the_latest_stores_of_a_long_history() {
    let (writer, laggard) = (ThreadId(0), ThreadId(1));
    let mut shared = Shared::default();
    let x = shared.add_location(0);
    shared.emit(laggard, None, crate::event::Op::Yield);
    for v in 1..=1000 {
        let after = shared.memory.latest_ts(x);
        shared.store(writer, x, Relaxed, v, after);
    }
    let readable = shared.readable(laggard, x, Relaxed);
    assert_eq!(readable.len(), 256, "the history is bounded");
    assert_eq!(readable.first().map(|r| r.1), Some(1000 - 255));
    assert_eq!(readable.last().map(|r| r.1), Some(1000));
}
