//! Partial-order reduction must not lose behaviours: on randomly generated small programs
//! (2–3 threads; locks, nested in a fixed or a random order, try_lock, atomics with every
//! ordering, fences and cells),
//! reduced DFS reaches exactly the set of final states that plain DFS reaches, and the same
//! findings (a deadlock, a data race) when there are any.

mod soundness_support;
use soundness_support::{allowed_executions, FinalStates, Gen};

use std::collections::BTreeSet;

use conc_check::cell::UnsafeCell;
use conc_check::sync::atomic::{fence, AtomicUsize, Ordering};
use conc_check::sync::{Arc, Mutex};
use conc_check::{thread, Builder, Report, Strategy};

/// One operation of a generated thread.
#[derive(Clone, Copy, Debug)]
enum Instr {
    /// Lock `a`, then (if `b != a`) lock `b`, add 1 to atomic `c`, unlock both.
    Locked { a: usize, b: usize, c: usize },
    /// `try_lock` lock `a`; on success store `v` into atomic `c`. Logs the outcome.
    TryLocked { a: usize, c: usize, v: usize },
    /// Load atomic `c` and log the value.
    Load(usize, Ordering),
    /// Store `v` into atomic `c`.
    Store(usize, usize, Ordering),
    /// `fetch_add(1)` on atomic `c`, logging the previous value.
    FetchAdd(usize, Ordering),
    /// `compare_exchange(expected, new, success, failure)` on atomic `c`, logging the value
    /// found (plus 100 when it failed).
    Cas {
        c: usize,
        expected: usize,
        new: usize,
        success: Ordering,
        failure: Ordering,
    },
    /// A fence.
    Fence(Ordering),
    /// Add `v` to the cell inside lock 0 (never racy).
    CellUnderLock(usize),
    /// Read the cell without a lock (racy when another thread writes it).
    CellRead,
}

const LOCKS: usize = 2;
const ATOMICS: usize = 2;

/// The orderings each kind of access is generated with (SeqCst twice: the common case).
const LOADS: &[Ordering] = &[
    Ordering::Relaxed,
    Ordering::Acquire,
    Ordering::SeqCst,
    Ordering::SeqCst,
];
const STORES: &[Ordering] = &[
    Ordering::Relaxed,
    Ordering::Release,
    Ordering::SeqCst,
    Ordering::SeqCst,
];
const RMWS: &[Ordering] = &[
    Ordering::Relaxed,
    Ordering::Acquire,
    Ordering::Release,
    Ordering::AcqRel,
    Ordering::SeqCst,
];
const FENCES: &[Ordering] = &[
    Ordering::Acquire,
    Ordering::Release,
    Ordering::AcqRel,
    Ordering::SeqCst,
];

fn pick(g: &mut Gen, from: &[Ordering]) -> Ordering {
    from[g.below(from.len())]
}

/// The program of `seed`.
///
/// Some are drawn with compare-exchanges. Under a bound, most of these small programs are now
/// proved by the bounded search's unbounded first attempt; the exact bounded search alone
/// (Coons et al.'s BPOR), which larger programs reach, missed final states that need a thread
/// switched in while another holds a lock in 4 of 300 of them at bound 2 (seeds 16, 44, 164
/// and 246, measured before the first attempt could finish past the bound); it now races a
/// blocking acquisition with the release before it, and reverses a race at the last context
/// switch through every thread that can run there when the racing thread cannot, and loses
/// none of them (`dpor_blocking.rs` still has two such programs, seeds 251 and 259, where a
/// yield-spinning wait is woken by a store its stale read then misses). Issue 15 tracks it.
fn generate(seed: u64) -> Vec<Vec<Instr>> {
    let mut g = Gen::for_seed(seed);
    let threads = 2 + g.below(2);
    let nested_any_order = g.below(4) == 0;
    let racy_cell = g.below(3) == 0;
    (0..threads)
        .map(|_| {
            let ops = if threads == 2 { 2 + g.below(2) } else { 2 };
            (0..ops)
                .map(|_| match g.below(7) {
                    0 | 1 => {
                        let a = g.below(LOCKS);
                        let b = g.below(LOCKS);
                        let (a, b) = if nested_any_order {
                            (a, b)
                        } else {
                            (a.min(b), a.max(b))
                        };
                        Instr::Locked {
                            a,
                            b,
                            c: g.below(ATOMICS),
                        }
                    }
                    2 => Instr::TryLocked {
                        a: g.below(LOCKS),
                        c: g.below(ATOMICS),
                        v: 1 + g.below(3),
                    },
                    3 if g.below(3) == 0 => Instr::Fence(pick(&mut g, FENCES)),
                    3 => Instr::Load(g.below(ATOMICS), pick(&mut g, LOADS)),
                    4 => Instr::Store(g.below(ATOMICS), 1 + g.below(3), pick(&mut g, STORES)),
                    5 if g.below(3) == 0 => Instr::Cas {
                        c: g.below(ATOMICS),
                        expected: g.below(3),
                        new: 1 + g.below(3),
                        success: pick(&mut g, RMWS),
                        failure: pick(&mut g, LOADS),
                    },
                    5 => Instr::FetchAdd(g.below(ATOMICS), pick(&mut g, RMWS)),
                    // Unlocked reads beside locked writes race, unless atomics order them.
                    _ if racy_cell && g.below(2) == 0 => Instr::CellRead,
                    _ => Instr::CellUnderLock(1 + g.below(3)),
                })
                .collect()
        })
        .collect()
}

struct Shared {
    locks: Vec<Mutex<()>>,
    atomics: Vec<AtomicUsize>,
    cell: UnsafeCell<usize>,
}

// SAFETY: the cell is only written under lock 0; unlocked reads are the races the test wants
// conc-check to report, and the model runs every thread on one OS thread.
unsafe impl Sync for Shared {}

fn run_thread(shared: &Shared, program: &[Instr]) -> Vec<usize> {
    let mut log = Vec::new();
    for instr in program {
        match *instr {
            Instr::Locked { a, b, c } => {
                let _ga = shared.locks[a].lock().unwrap();
                let _gb = (b != a).then(|| shared.locks[b].lock().unwrap());
                shared.atomics[c].fetch_add(1, Ordering::SeqCst);
            }
            Instr::TryLocked { a, c, v } => match shared.locks[a].try_lock() {
                Ok(_g) => {
                    shared.atomics[c].store(v, Ordering::SeqCst);
                    log.push(1);
                }
                Err(_) => log.push(0),
            },
            Instr::Load(c, o) => log.push(shared.atomics[c].load(o)),
            Instr::Store(c, v, o) => shared.atomics[c].store(v, o),
            Instr::FetchAdd(c, o) => log.push(shared.atomics[c].fetch_add(1, o)),
            Instr::Cas {
                c,
                expected,
                new,
                success,
                failure,
            } => log.push(
                match shared.atomics[c].compare_exchange(expected, new, success, failure) {
                    Ok(found) => found,
                    Err(found) => 100 + found,
                },
            ),
            Instr::Fence(o) => fence(o),
            Instr::CellUnderLock(v) => {
                let _g = shared.locks[0].lock().unwrap();
                shared.cell.with_mut(|p| unsafe { *p += v });
            }
            Instr::CellRead => log.push(shared.cell.with(|p| unsafe { *p })),
        }
    }
    log
}

fn explore(
    program: &Arc<Vec<Vec<Instr>>>,
    reduction: bool,
    bound: Option<usize>,
    workers: usize,
) -> (BTreeSet<Vec<usize>>, Report) {
    let states = FinalStates::for_workers(workers);
    let record = states.recorder();
    let program = program.clone();
    let report = Builder::new()
        .strategy(Strategy::Dfs)
        .max_preemptions(bound)
        .iterations(if reduction { 400_000 } else { 100_000 })
        .partial_order_reduction(reduction)
        .workers(workers)
        .share_work_after(1)
        .explore(move || {
            let shared = Arc::new(Shared {
                locks: (0..LOCKS).map(|_| Mutex::new(())).collect(),
                atomics: (0..ATOMICS).map(|_| AtomicUsize::new(0)).collect(),
                cell: UnsafeCell::new(0),
            });
            let handles: Vec<_> = program[1..]
                .iter()
                .map(|p| {
                    let (shared, p) = (shared.clone(), p.clone());
                    thread::spawn(move || run_thread(&shared, &p))
                })
                .collect();
            let mut state = run_thread(&shared, &program[0]);
            for h in handles {
                state.extend(h.join().unwrap());
                state.push(usize::MAX);
            }
            state.extend(shared.atomics.iter().map(|a| a.load(Ordering::SeqCst)));
            state.push(shared.cell.with(|p| unsafe { *p }));
            record(state);
        });
    (states.collect(), report)
}

#[test]
fn reduced_dfs_reaches_the_same_final_states_and_findings_as_plain_dfs() {
    compare(
        soundness_support::bound(),
        &soundness_support::Seeds::from_env(),
    );
}

/// Under a preemption bound both searches explore the bounded space; the reduced one must
/// still reach every final state the plain one does (half as many programs as unbounded).
#[test]
fn bounded_reduced_dfs_reaches_the_final_states_of_bounded_plain_dfs() {
    compare(Some(2), &soundness_support::Seeds::from_env().halved());
}

fn compare(bound: Option<usize>, seeds: &soundness_support::Seeds) {
    let mut total = (0u64, 0u64);
    let mut with_findings = 0;
    let mut compared = 0;
    // CONC_CHECK_SOUNDNESS_SEEDS=500 for a deeper run than CI's; CONC_CHECK_SOUNDNESS_SEED=97
    // (with SEEDS above it) reruns one program.
    for seed in seeds.iter() {
        let program = Arc::new(generate(seed));
        let (plain_states, plain) = explore(&program, false, bound, 1);
        let (reduced_states, reduced) = explore(&program, true, bound, 1);
        let kinds =
            |r: &Report| -> BTreeSet<&str> { r.findings.iter().map(|f| f.kind.name()).collect() };
        assert_eq!(
            kinds(&plain),
            kinds(&reduced),
            "seed {seed}: {program:?}\nplain: {plain}\nreduced: {reduced}"
        );
        if plain.findings.is_empty() {
            if !plain.complete {
                continue; // too large for the unreduced search; the reduced one is not judged
            }
            assert!(
                reduced.complete,
                "seed {seed}: the reduced search must finish\n{reduced:?}"
            );
            compared += 1;
            let missing: Vec<_> = plain_states.difference(&reduced_states).collect();
            assert!(
                missing.is_empty(),
                "seed {seed}: {program:?}\nmissing {missing:?}\nreached {reduced_states:?}"
            );
            assert!(
                reduced.executions <= allowed_executions(plain.executions, bound),
                "seed {seed}: {} reduced executions, {} plain",
                reduced.executions,
                plain.executions
            );
        } else {
            with_findings += 1;
        }
        total.0 += plain.executions;
        total.1 += reduced.executions;
    }
    println!(
        "plain DFS {} executions, reduced {} ({:.1}%), {compared} clean programs compared, {with_findings} with findings",
        total.0,
        total.1,
        100.0 * total.1 as f64 / total.0 as f64
    );
    if seeds.only.is_some() {
        return;
    }
    assert!(
        with_findings > 0,
        "the generator should produce some buggy programs"
    );
    assert!(
        compared * 2 >= seeds.count as usize,
        "only {compared} clean programs were small enough to compare"
    );
}

/// Two worker processes reach the final states and findings of one (reduction on, no bound).
#[test]
fn two_workers_reach_the_final_states_and_findings_of_one() {
    soundness_support::compare_workers(&soundness_support::Seeds::from_env(), |seed, workers| {
        explore(&Arc::new(generate(seed)), true, None, workers)
    });
}
