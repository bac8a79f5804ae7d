//! The classic litmus tests of weak memory, each asserting that its weak outcome does not
//! happen: in the orderings that allow the outcome the assertion fails in some execution (a
//! `panic` finding), in those that forbid it the program is clean.
//!
//! Shapes and verdicts are the standard ones: Alglave, Maranget and Tautschnig, "Herding Cats"
//! (TOPLAS 2014) for the shapes; Lahav et al., "Repairing sequential consistency in C/C++11"
//! (PLDI 2017) and the C++20 standard ([intro.races], [atomics.order], [atomics.fences];
//! release sequences without same-thread stores since P0982R1) for what each ordering allows.
//! Under a sequentially consistent model every one of them is clean.

use conc_check::sync::atomic::{fence, AtomicUsize, Ordering};
use conc_check::sync::Arc;
use conc_check::{thread, FindingKind};

use crate::{Program, Verdict};

use Ordering::{Acquire, Relaxed, Release, SeqCst};

/// Two locations, both 0.
#[derive(Default)]
struct Locations {
    x: AtomicUsize,
    y: AtomicUsize,
}

type Body = Box<dyn FnOnce(&Locations) -> Vec<usize> + Send>;

/// Runs each body on its own thread over shared locations; returns what each read, and the
/// final values of x and y.
fn run(bodies: Vec<Body>) -> (Vec<Vec<usize>>, usize, usize) {
    let locations = Arc::new(Locations::default());
    let handles: Vec<_> = bodies
        .into_iter()
        .map(|body| {
            let locations = locations.clone();
            thread::spawn(move || body(&locations))
        })
        .collect();
    let reads = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let (x, y) = (locations.x.load(SeqCst), locations.y.load(SeqCst));
    (reads, x, y)
}

/// Store buffering: `x = 1; r0 = y` against `y = 1; r1 = x`. Weak outcome: both read 0.
fn store_buffering(store: Ordering, load: Ordering, sc_fence: bool) {
    let side = move |mine: fn(&Locations) -> &AtomicUsize,
                     other: fn(&Locations) -> &AtomicUsize|
          -> Body {
        Box::new(move |l| {
            mine(l).store(1, store);
            if sc_fence {
                fence(SeqCst);
            }
            vec![other(l).load(load)]
        })
    };
    let (reads, _, _) = run(vec![side(|l| &l.x, |l| &l.y), side(|l| &l.y, |l| &l.x)]);
    assert!(
        reads != [[0], [0]],
        "store buffering: both threads read 0, as if each store came after the other's load"
    );
}

/// Message passing: `x = 1; y = 1` against `r0 = y; r1 = x`. Weak outcome: r0 = 1, r1 = 0.
fn message_passing(flag_store: Ordering, flag_load: Ordering, fences: (bool, bool)) {
    let (reads, _, _) = run(vec![
        Box::new(move |l| {
            l.x.store(1, Relaxed);
            if fences.0 {
                fence(Release);
            }
            l.y.store(1, flag_store);
            vec![]
        }),
        Box::new(move |l| {
            let flag = l.y.load(flag_load);
            if fences.1 {
                fence(Acquire);
            }
            vec![flag, l.x.load(Relaxed)]
        }),
    ]);
    assert!(
        reads[1] != [1, 0],
        "message passing: the flag was seen set but the data it publishes was not"
    );
}

/// Independent reads of independent writes: two writers, two readers reading x and y in
/// opposite orders. Weak outcome: the readers disagree on which store came first.
fn iriw(store: Ordering, load: Ordering) {
    let (reads, _, _) = run(vec![
        Box::new(move |l| {
            l.x.store(1, store);
            vec![]
        }),
        Box::new(move |l| {
            l.y.store(1, store);
            vec![]
        }),
        Box::new(move |l| vec![l.x.load(load), l.y.load(load)]),
        Box::new(move |l| vec![l.y.load(load), l.x.load(load)]),
    ]);
    assert!(
        !(reads[2] == [1, 0] && reads[3] == [1, 0]),
        "IRIW: one reader saw x before y, the other y before x"
    );
}

/// 2+2W: `x = 1; y = 2` against `y = 1; x = 2`. Weak outcome: both end at 1 (each thread's
/// first store last in modification order).
fn two_plus_two_writes(store: Ordering) {
    let (_, x, y) = run(vec![
        Box::new(move |l| {
            l.x.store(1, store);
            l.y.store(2, store);
            vec![]
        }),
        Box::new(move |l| {
            l.y.store(1, store);
            l.x.store(2, store);
            vec![]
        }),
    ]);
    assert!(
        (x, y) != (1, 1),
        "2+2W: both locations ended with the value stored first"
    );
}

/// Write-to-read causality: `x = 1` | `r0 = x; y = 1` | `r1 = y; r2 = x`. Weak outcome: the
/// middle thread saw x = 1 and published y, the last saw y but not x.
fn write_read_causality(store: Ordering, load: Ordering) {
    let (reads, _, _) = run(vec![
        Box::new(move |l| {
            l.x.store(1, store);
            vec![]
        }),
        Box::new(move |l| {
            let seen = l.x.load(load);
            l.y.store(1, store);
            vec![seen]
        }),
        Box::new(move |l| vec![l.y.load(load), l.x.load(load)]),
    ]);
    assert!(
        !(reads[1] == [1] && reads[2] == [1, 0]),
        "WRC: the store to x was seen by the thread that published y but not by its reader"
    );
}

/// Read-read coherence: `x = 1; x = 2` against `r0 = x; r1 = x`. Reading 2 then 1 is
/// forbidden in every ordering, Relaxed included.
fn read_read_coherence() {
    let (reads, _, _) = run(vec![
        Box::new(|l| {
            l.x.store(1, Relaxed);
            l.x.store(2, Relaxed);
            vec![]
        }),
        Box::new(|l| vec![l.x.load(Relaxed), l.x.load(Relaxed)]),
    ]);
    assert!(
        reads[1] != [2, 1],
        "coherence: two loads of one location went back in time"
    );
}

/// A release sequence: data, then `flag = 1` (Release), then the same thread bumps the flag to
/// 2 by `continue_with`. A reader that sees 2 with Acquire must see the data when the bump is a
/// read-modify-write (which continues the release sequence), not when it is a plain store
/// (C++20 no longer counts same-thread stores).
fn release_sequence(rmw: bool) {
    let (reads, _, _) = run(vec![
        Box::new(move |l| {
            l.x.store(1, Relaxed);
            l.y.store(1, Release);
            if rmw {
                l.y.fetch_add(1, Relaxed);
            } else {
                l.y.store(2, Relaxed);
            }
            vec![]
        }),
        Box::new(|l| vec![l.y.load(Acquire), l.x.load(Relaxed)]),
    ]);
    assert!(
        reads[1] != [2, 0],
        "release sequence: the flag's later value was seen but not the data before its Release store"
    );
}

/// Store buffering with Release stores and Acquire loads: allowed.
pub fn sb_release_acquire() {
    store_buffering(Release, Acquire, false)
}

/// Store buffering, all SeqCst: forbidden.
pub fn sb_seqcst() {
    store_buffering(SeqCst, SeqCst, false)
}

/// Store buffering, Relaxed with a SeqCst fence between each store and load: forbidden.
pub fn sb_fences() {
    store_buffering(Relaxed, Relaxed, true)
}

/// Message passing with a Relaxed flag: allowed.
pub fn mp_relaxed() {
    message_passing(Relaxed, Relaxed, (false, false))
}

/// Message passing with a Release/Acquire flag: forbidden.
pub fn mp_release_acquire() {
    message_passing(Release, Acquire, (false, false))
}

/// Message passing with a Release fence but no Acquire fence: allowed.
pub fn mp_one_fence() {
    message_passing(Relaxed, Relaxed, (true, false))
}

/// Message passing with a Release fence and an Acquire fence: forbidden.
pub fn mp_fences() {
    message_passing(Relaxed, Relaxed, (true, true))
}

/// IRIW with Release stores and Acquire loads: allowed.
pub fn iriw_acquire() {
    iriw(Release, Acquire)
}

/// IRIW, all SeqCst: forbidden.
pub fn iriw_seqcst() {
    iriw(SeqCst, SeqCst)
}

/// 2+2W with Release stores: allowed.
pub fn two_plus_two_w_release() {
    two_plus_two_writes(Release)
}

/// 2+2W, all SeqCst: forbidden.
pub fn two_plus_two_w_seqcst() {
    two_plus_two_writes(SeqCst)
}

/// WRC, all Relaxed: allowed.
pub fn wrc_relaxed() {
    write_read_causality(Relaxed, Relaxed)
}

/// WRC with Release stores and Acquire loads: forbidden (happens-before is transitive).
pub fn wrc_release_acquire() {
    write_read_causality(Release, Acquire)
}

/// Coherence, all Relaxed: forbidden.
pub fn corr_relaxed() {
    read_read_coherence()
}

/// A release sequence broken by a plain store: allowed.
pub fn release_sequence_store() {
    release_sequence(false)
}

/// A release sequence continued by a read-modify-write: forbidden.
pub fn release_sequence_rmw() {
    release_sequence(true)
}

const PANIC: Verdict = Verdict::Finds(&[FindingKind::Panic]);

/// A program of this module.
const fn program(name: &'static str, note: &'static str, verdict: Verdict, run: fn()) -> Program {
    Program {
        name,
        note,
        verdict,
        run,
        spurious_wakeups: false,
    }
}

/// Every litmus program, buggy ones (the weak outcome is allowed) first in each pair.
pub const ALL: &[Program] = &[
    program(
        "sb_release_acquire",
        "store buffering with Release/Acquire: both loads may read 0",
        PANIC,
        sb_release_acquire,
    ),
    program(
        "sb_seqcst_ok",
        "store buffering, all SeqCst",
        Verdict::Clean,
        sb_seqcst,
    ),
    program(
        "sb_fences_ok",
        "store buffering, Relaxed with fence(SeqCst) between store and load",
        Verdict::Clean,
        sb_fences,
    ),
    program(
        "mp_relaxed",
        "message passing through a Relaxed flag: the data may be stale",
        PANIC,
        mp_relaxed,
    ),
    program(
        "mp_release_acquire_ok",
        "message passing through a Release/Acquire flag",
        Verdict::Clean,
        mp_release_acquire,
    ),
    program(
        "mp_one_fence",
        "message passing with fence(Release) but no fence(Acquire)",
        PANIC,
        mp_one_fence,
    ),
    program(
        "mp_fences_ok",
        "message passing with fence(Release) and fence(Acquire)",
        Verdict::Clean,
        mp_fences,
    ),
    program(
        "iriw_acquire",
        "IRIW with Release/Acquire: readers may disagree on the order of independent stores",
        PANIC,
        iriw_acquire,
    ),
    program(
        "iriw_seqcst_ok",
        "IRIW, all SeqCst",
        Verdict::Clean,
        iriw_seqcst,
    ),
    program(
        "two_plus_two_w_release",
        "2+2W with Release stores: both first stores may end last",
        PANIC,
        two_plus_two_w_release,
    ),
    program(
        "two_plus_two_w_seqcst_ok",
        "2+2W, all SeqCst",
        Verdict::Clean,
        two_plus_two_w_seqcst,
    ),
    program(
        "wrc_relaxed",
        "write-to-read causality, all Relaxed",
        PANIC,
        wrc_relaxed,
    ),
    program(
        "wrc_release_acquire_ok",
        "write-to-read causality with Release/Acquire",
        Verdict::Clean,
        wrc_release_acquire,
    ),
    program(
        "corr_relaxed_ok",
        "read-read coherence holds even for Relaxed",
        Verdict::Clean,
        corr_relaxed,
    ),
    program(
        "release_sequence_store",
        "a plain store by the releasing thread ends its release sequence (C++20)",
        PANIC,
        release_sequence_store,
    ),
    program(
        "release_sequence_rmw_ok",
        "a read-modify-write continues the release sequence",
        Verdict::Clean,
        release_sequence_rmw,
    ),
];
