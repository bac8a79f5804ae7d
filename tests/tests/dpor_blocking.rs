//! Partial-order reduction must not lose behaviours of programs that block: on randomly
//! generated small programs with condvars (timeouts and, in some, spurious wakeups), channels
//! (unbounded, bounded or rendezvous; received from with `recv`, `try_recv` or `recv_timeout`;
//! the receiver sometimes dropped early), an RwLock, threads that spawn and join their own children, yields, and yield-spinning waits that
//! give up after a few looks (Acquire loads: weak memory), reduced DFS reaches
//! exactly the set of final states that plain DFS reaches, and the same findings.
//!
//! `CONC_CHECK_SOUNDNESS_SEEDS` sets the number of programs (40 by default, as in
//! `dpor_soundness.rs`).

mod soundness_support;
use soundness_support::{allowed_executions, FinalStates, Gen};

use std::collections::BTreeSet;
use std::time::Duration;

use conc_check::sync::atomic::{AtomicUsize, Ordering};
use conc_check::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use conc_check::sync::{Arc, Condvar, Mutex, RwLock};
use conc_check::{thread, Builder, Report, Strategy};

/// One operation of a generated thread.
#[derive(Clone, Copy, Debug)]
enum Instr {
    /// Load atomic `c` and log it.
    Load(usize),
    /// Store `v` into atomic `c`.
    Store(usize, usize),
    /// `fetch_add(1)` on atomic `c`, logging the previous value.
    FetchAdd(usize),
    /// Lock the condvar's mutex, add 1 to the flag, notify one or all.
    Notify { all: bool },
    /// `notify_one` without the mutex (nothing else changes, so a waiter can only tell whether
    /// it was notified by what `wait_timeout` returns).
    NotifyBare,
    /// Lock the mutex; if the flag is 0, wait once with a timeout; log the flag and whether
    /// the wait timed out.
    Wait,
    /// Take the RwLock for reading and log atomic `c`.
    Read(usize),
    /// Take the RwLock for writing and store `v` into atomic `c`.
    Write(usize, usize),
    /// Send `v` (threads other than main), logging whether the receiver was still there.
    Send(usize),
    /// `try_send` `v` (threads other than main; a plain send on an unbounded channel), logging
    /// whether it went through.
    TrySend(usize),
    /// Drop the receiver (main only): later sends fail, later receives do nothing.
    DropReceiver,
    /// `try_recv` (main only), logging what came.
    TryRecv,
    /// `recv` (main only): blocks until a message comes or every sender is gone.
    Recv,
    /// `recv_timeout` (main only), logging what came (or that it timed out).
    RecvTimeout,
    /// Spawn a child that does `fetch_add(1)` on atomic `c`; joined at the end of the thread.
    Spawn(usize),
    /// `yield_now`.
    Yield,
    /// Wait for atomic `c` to reach `v`, yielding between looks, giving up after a few
    /// attempts; log the value seen and the attempts made.
    SpinUntil(usize, usize),
    /// Busy-wait for the flag's mutex with `try_lock` and no yield (what the fair scheduler
    /// hides), then `fetch_add(1)` on atomic `c` under it; log the flag and the failed tries
    /// (counted up to 2).
    TryLockLoop(usize),
}

/// Looks a `SpinUntil` makes before it gives up.
const SPIN_ATTEMPTS: usize = 3;

const ATOMICS: usize = 2;

struct Program {
    threads: Vec<Vec<Instr>>,
    spurious: bool,
    /// The channel's capacity: `None` for `channel()`, else `sync_channel(n)` (0: rendezvous).
    capacity: Option<usize>,
}

/// A sending end of either kind of channel.
#[derive(Clone)]
enum Tx {
    Unbounded(Sender<usize>),
    Bounded(SyncSender<usize>),
}

impl Tx {
    /// `try_send`s `v` (sends it, on an unbounded channel); whether it went through.
    fn try_send(&self, v: usize) -> bool {
        match self {
            Tx::Unbounded(tx) => tx.send(v).is_ok(),
            Tx::Bounded(tx) => tx.try_send(v).is_ok(),
        }
    }

    /// Sends `v`; whether the receiver was still there.
    fn send(&self, v: usize) -> bool {
        match self {
            Tx::Unbounded(tx) => tx.send(v).is_ok(),
            Tx::Bounded(tx) => tx.send(v).is_ok(),
        }
    }
}

fn generate(seed: u64) -> Program {
    let mut g = Gen::for_seed(seed);
    let threads = 2 + (g.below(3) == 0) as usize;
    let spurious = g.below(3) == 0;
    let capacity = match g.below(4) {
        0 => Some(0),
        1 => Some(1),
        _ => None,
    };
    let threads = (0..threads)
        .map(|t| {
            let ops = match (threads, t) {
                (2, 0) => 2,
                (2, _) => 2 + g.below(2),
                _ => 1 + g.below(2),
            };
            (0..ops)
                .map(|_| match g.below(14) {
                    0 => Instr::Load(g.below(ATOMICS)),
                    1 => Instr::Store(g.below(ATOMICS), 1 + g.below(3)),
                    2 => Instr::FetchAdd(g.below(ATOMICS)),
                    3 => Instr::Notify {
                        all: g.below(2) == 0,
                    },
                    4 => Instr::Wait,
                    5 => Instr::Read(g.below(ATOMICS)),
                    6 => Instr::Write(g.below(ATOMICS), 1 + g.below(3)),
                    7 if t == 0 => match g.below(4) {
                        0 => Instr::TryRecv,
                        1 => Instr::Recv,
                        2 => Instr::RecvTimeout,
                        _ => Instr::DropReceiver,
                    },
                    7 if g.below(3) == 0 => Instr::TrySend(1 + g.below(3)),
                    7 => Instr::Send(1 + g.below(3)),
                    8 => Instr::Spawn(g.below(ATOMICS)),
                    9 => Instr::Yield,
                    10 => Instr::NotifyBare,
                    11 | 12 => Instr::SpinUntil(g.below(ATOMICS), 1 + g.below(2)),
                    _ if g.below(2) == 0 => Instr::TryLockLoop(g.below(ATOMICS)),
                    _ => Instr::FetchAdd(g.below(ATOMICS)),
                })
                .collect()
        })
        .collect();
    Program {
        threads,
        spurious,
        capacity,
    }
}

struct Shared {
    atomics: Vec<AtomicUsize>,
    flag: Mutex<usize>,
    cv: Condvar,
    rw: RwLock<()>,
}

fn run_thread(
    shared: &Arc<Shared>,
    program: &[Instr],
    tx: Option<Tx>,
    rx: &mut Option<Receiver<usize>>,
) -> Vec<usize> {
    let mut log = Vec::new();
    let mut children = Vec::new();
    for instr in program {
        match *instr {
            Instr::Load(c) => log.push(shared.atomics[c].load(Ordering::SeqCst)),
            Instr::Store(c, v) => shared.atomics[c].store(v, Ordering::SeqCst),
            Instr::FetchAdd(c) => log.push(shared.atomics[c].fetch_add(1, Ordering::SeqCst)),
            Instr::Notify { all } => {
                *shared.flag.lock().unwrap() += 1;
                if all {
                    shared.cv.notify_all();
                } else {
                    shared.cv.notify_one();
                }
            }
            Instr::NotifyBare => shared.cv.notify_one(),
            Instr::Wait => {
                let mut flag = shared.flag.lock().unwrap();
                let mut timed_out = false;
                let mut tries = 0;
                while *flag == 0 && tries < 1 {
                    let (f, t) = shared
                        .cv
                        .wait_timeout(flag, Duration::from_millis(1))
                        .unwrap();
                    flag = f;
                    timed_out = t.timed_out();
                    tries += 1;
                }
                log.push(*flag);
                log.push(timed_out as usize);
            }
            Instr::Read(c) => {
                let _g = shared.rw.read().unwrap();
                log.push(shared.atomics[c].load(Ordering::SeqCst));
            }
            Instr::Write(c, v) => {
                let _g = shared.rw.write().unwrap();
                shared.atomics[c].store(v, Ordering::SeqCst);
            }
            Instr::Send(v) => {
                if let Some(tx) = &tx {
                    log.push(tx.send(v) as usize);
                }
            }
            Instr::TrySend(v) => {
                if let Some(tx) = &tx {
                    log.push(tx.try_send(v) as usize);
                }
            }
            Instr::DropReceiver => *rx = None,
            Instr::TryRecv => {
                if let Some(rx) = rx {
                    log.push(rx.try_recv().map_or(0, |v| v + 10));
                }
            }
            Instr::Recv => {
                if let Some(rx) = rx {
                    log.push(rx.recv().map_or(0, |v| v + 10));
                }
            }
            Instr::RecvTimeout => {
                if let Some(rx) = rx {
                    let got = rx.recv_timeout(Duration::from_millis(1));
                    log.push(got.map_or(0, |v| v + 10));
                }
            }
            Instr::Spawn(c) => {
                let shared = shared.clone();
                children.push(thread::spawn(move || {
                    shared.atomics[c].fetch_add(1, Ordering::SeqCst)
                }));
            }
            Instr::Yield => thread::yield_now(),
            Instr::SpinUntil(c, v) => {
                let mut attempts = 1;
                let mut seen = shared.atomics[c].load(Ordering::Acquire);
                while seen < v && attempts < SPIN_ATTEMPTS {
                    thread::yield_now();
                    seen = shared.atomics[c].load(Ordering::Acquire);
                    attempts += 1;
                }
                log.push(seen);
                log.push(attempts);
            }
            Instr::TryLockLoop(c) => {
                let mut failed = 0;
                let flag = loop {
                    match shared.flag.try_lock() {
                        Ok(flag) => break flag,
                        Err(_) => failed += 1,
                    }
                };
                shared.atomics[c].fetch_add(1, Ordering::SeqCst);
                log.push(*flag);
                log.push(failed.min(2));
            }
        }
    }
    drop(tx);
    for child in children {
        log.push(100 + child.join().unwrap());
    }
    log
}

fn explore(
    program: &Arc<Program>,
    reduction: bool,
    bound: Option<usize>,
    workers: usize,
) -> (BTreeSet<Vec<usize>>, Report) {
    let states = FinalStates::for_workers(workers);
    let record = states.recorder();
    let p = program.clone();
    let report = Builder::new()
        .strategy(Strategy::Dfs)
        .max_preemptions(bound)
        .iterations(if reduction { 400_000 } else { 100_000 })
        .spurious_wakeups(program.spurious)
        .partial_order_reduction(reduction)
        .workers(workers)
        .share_work_after(1)
        .explore(move || {
            let shared = Arc::new(Shared {
                atomics: (0..ATOMICS).map(|_| AtomicUsize::new(0)).collect(),
                flag: Mutex::new(0),
                cv: Condvar::new(),
                rw: RwLock::new(()),
            });
            let (tx, rx) = match p.capacity {
                None => {
                    let (tx, rx) = channel();
                    (Tx::Unbounded(tx), rx)
                }
                Some(n) => {
                    let (tx, rx) = sync_channel(n);
                    (Tx::Bounded(tx), rx)
                }
            };
            let handles: Vec<_> = p.threads[1..]
                .iter()
                .map(|prog| {
                    let (shared, prog, tx) = (shared.clone(), prog.clone(), tx.clone());
                    thread::spawn(move || run_thread(&shared, &prog, Some(tx), &mut None))
                })
                .collect();
            drop(tx);
            let mut rx = Some(rx);
            let mut state = run_thread(&shared, &p.threads[0], None, &mut rx);
            for h in handles {
                state.extend(h.join().unwrap());
                state.push(usize::MAX);
            }
            state.extend(shared.atomics.iter().map(|a| a.load(Ordering::SeqCst)));
            state.push(*shared.flag.lock().unwrap());
            while let Some(Ok(v)) = rx.as_ref().map(Receiver::try_recv) {
                state.push(v + 1000);
            }
            record(state);
        });
    (states.collect(), report)
}

#[test]
fn reduced_dfs_reaches_the_same_final_states_on_blocking_programs() {
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
    let (mut plain_total, mut reduced_total, mut compared) = (0u64, 0u64, 0usize);
    let (mut with_findings, mut too_large) = (0usize, 0usize);
    for seed in seeds.iter() {
        let program = Arc::new(generate(seed));
        let (plain_states, plain) = explore(&program, false, bound, 1);
        let (reduced_states, reduced) = explore(&program, true, bound, 1);
        let kinds =
            |r: &Report| -> BTreeSet<&str> { r.findings.iter().map(|f| f.kind.name()).collect() };
        let what = format!(
            "seed {seed}: {:?} (spurious wakeups: {}, channel capacity: {:?})",
            program.threads, program.spurious, program.capacity
        );
        assert_eq!(
            kinds(&plain),
            kinds(&reduced),
            "{what}\nplain: {plain}\nreduced: {reduced}"
        );
        if !plain.findings.is_empty() {
            with_findings += 1;
            if std::env::var("CONC_CHECK_SOUNDNESS_VERBOSE").is_ok() {
                println!("{what}: {:?}", kinds(&plain));
            }
            continue;
        }
        if !plain.complete {
            if std::env::var("CONC_CHECK_SOUNDNESS_VERBOSE").is_ok() {
                println!(
                    "{what}: too large ({} reduced executions)",
                    reduced.executions
                );
            }
            too_large += 1;
            continue;
        }
        assert!(reduced.complete, "{what}: the reduced search must finish");
        let missing: Vec<_> = plain_states.difference(&reduced_states).collect();
        assert!(
            missing.is_empty(),
            "{what}\nmissing {missing:?}\nreached {reduced_states:?}"
        );
        assert!(
            reduced.executions <= allowed_executions(plain.executions, bound),
            "{what}: {} reduced executions, {} plain",
            reduced.executions,
            plain.executions
        );
        compared += 1;
        plain_total += plain.executions;
        reduced_total += reduced.executions;
    }
    println!(
        "plain DFS {plain_total} executions, reduced {reduced_total}, {compared} programs compared, \
         {with_findings} with findings, {too_large} too large for plain DFS"
    );
    if seeds.only.is_none() {
        assert!(
            compared * 2 >= seeds.count as usize,
            "only {compared} programs were small enough to compare"
        );
    }
}

/// Two worker processes reach the final states and findings of one (reduction on, no bound).
#[test]
fn two_workers_reach_the_final_states_and_findings_of_one() {
    soundness_support::compare_workers(&soundness_support::Seeds::from_env(), |seed, workers| {
        explore(&Arc::new(generate(seed)), true, None, workers)
    });
}
