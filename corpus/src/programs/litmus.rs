//! The classic litmus tests of weak memory, each asserting that its weak outcome does not
//! happen: in the orderings that allow the outcome the assertion fails in some execution (a
//! `panic` finding), in those that forbid it the program is clean.
//!
//! Shapes and verdicts are the standard ones: Alglave, Maranget and Tautschnig, "Herding Cats"
//! (TOPLAS 2014) for the shapes; Lahav et al., "Repairing sequential consistency in C/C++11"
//! (PLDI 2017) and the C++20 standard ([intro.races], [atomics.order], [atomics.fences];
//! release sequences without same-thread stores since P0982R1) for what each ordering allows.
//! Under a sequentially consistent model every one of them is clean.

use conc_check::sync::atomic::Ordering;
use conc_check::FindingKind;

use crate::{Program, Verdict};

use Ordering::{Acquire, Relaxed, Release, SeqCst};

/// The litmus shapes over the `sync` and `thread` modules of the crate `$k` (conc-check here,
/// loom in the benchmarks, so that both run the same code). Each runs its threads to the end
/// and returns what it observed: the values its loads read, or the final values.
#[macro_export]
macro_rules! litmus_shapes {
    ($k:ident) => {
        use ::$k::sync::atomic::{fence, AtomicUsize, Ordering};
        use ::$k::sync::Arc;
        use ::$k::thread;

        use Ordering::{Acquire, Relaxed, Release, SeqCst};

        /// Two locations, both 0.
        #[derive(Default)]
        pub struct Locations {
            x: AtomicUsize,
            y: AtomicUsize,
        }

        type Body = Box<dyn FnOnce(&Locations) -> Vec<usize> + Send>;

        /// Runs each body on its own thread over shared locations; returns what each read,
        /// and the final values of x and y.
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
            (reads, locations.x.load(SeqCst), locations.y.load(SeqCst))
        }

        /// Store buffering: `x = 1; r0 = y` against `y = 1; r1 = x`; returns `[r0, r1]`.
        /// Weak outcome: `[0, 0]`.
        pub fn store_buffering(store: Ordering, load: Ordering, sc_fence: bool) -> Vec<usize> {
            let side = move |first: bool| -> Body {
                Box::new(move |l| {
                    let (mine, other) = if first { (&l.x, &l.y) } else { (&l.y, &l.x) };
                    mine.store(1, store);
                    if sc_fence {
                        fence(SeqCst);
                    }
                    vec![other.load(load)]
                })
            };
            let (reads, _, _) = run(vec![side(true), side(false)]);
            reads.concat()
        }

        /// Message passing: `x = 1; y = 1` against `r0 = y; r1 = x`, with fences after the
        /// data store and after the flag load as `fences` says; returns `[r0, r1]`. Weak
        /// outcome: `[1, 0]`.
        pub fn message_passing(
            flag_store: Ordering,
            flag_load: Ordering,
            fences: (bool, bool),
        ) -> Vec<usize> {
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
            reads.concat()
        }

        /// Independent reads of independent writes: `x = 1` | `y = 1` | `r0 = x; r1 = y` |
        /// `r2 = y; r3 = x`; returns `[r0, r1, r2, r3]`. Weak outcome: `[1, 0, 1, 0]`.
        pub fn iriw(store: Ordering, load: Ordering) -> Vec<usize> {
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
            reads.concat()
        }

        /// 2+2W: `x = 1; y = 2` against `y = 1; x = 2`; returns the final `[x, y]`. Weak
        /// outcome: `[1, 1]`.
        pub fn two_plus_two_writes(store: Ordering) -> Vec<usize> {
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
            vec![x, y]
        }

        /// Write-to-read causality: `x = 1` | `r0 = x; y = 1` | `r1 = y; r2 = x`; returns
        /// `[r0, r1, r2]`. Weak outcome: `[1, 1, 0]`.
        pub fn write_read_causality(store: Ordering, load: Ordering) -> Vec<usize> {
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
            reads.concat()
        }

        /// A SeqCst fence against a SeqCst load of another thread: `x = 1; y = 1; fence(SeqCst)`
        /// (Relaxed stores) against `r0 = y` (Relaxed) `; r1 = x` (SeqCst); returns
        /// `[r0, r1]`. Every outcome is allowed, `[1, 0]` included: the load may come before
        /// the fence in the SeqCst order. (A search that takes the fence for a step no other
        /// thread can observe never runs the load first.)
        pub fn fence_then_seqcst_load() -> Vec<usize> {
            let (reads, _, _) = run(vec![
                Box::new(|l| {
                    l.x.store(1, Relaxed);
                    l.y.store(1, Relaxed);
                    fence(SeqCst);
                    vec![]
                }),
                Box::new(|l| vec![l.y.load(Relaxed), l.x.load(SeqCst)]),
            ]);
            reads.concat()
        }

        /// Read-read coherence: `x = 1; x = 2` against `r0 = x; r1 = x`, all Relaxed; returns
        /// `[r0, r1]`. Going back in time (`[2, 1]`, `[1, 0]`, `[2, 0]`) is forbidden in every
        /// ordering.
        pub fn read_read_coherence() -> Vec<usize> {
            let (reads, _, _) = run(vec![
                Box::new(|l| {
                    l.x.store(1, Relaxed);
                    l.x.store(2, Relaxed);
                    vec![]
                }),
                Box::new(|l| vec![l.x.load(Relaxed), l.x.load(Relaxed)]),
            ]);
            reads.concat()
        }

        /// A release sequence: data `x = 1`, then the flag `y = 1` (Release), then the same
        /// thread makes the flag 2, by a read-modify-write (`rmw`) or a plain Relaxed store;
        /// the reader loads the flag with Acquire, then the data; returns `[flag, data]`.
        /// Weak outcome: `[2, 0]`, allowed only after the plain store (C++20 no longer counts
        /// same-thread stores in a release sequence).
        pub fn release_sequence(rmw: bool) -> Vec<usize> {
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
            reads.concat()
        }
    };
}

/// The shapes over conc-check's types.
pub mod shapes {
    litmus_shapes!(conc_check);
}

/// Store buffering: both loads read 0.
fn store_buffering(store: Ordering, load: Ordering, sc_fence: bool) {
    let reads = shapes::store_buffering(store, load, sc_fence);
    assert!(
        reads != [0, 0],
        "store buffering: both threads read 0, as if each store came after the other's load"
    );
}

/// Message passing: the flag seen, the data not.
fn message_passing(flag_store: Ordering, flag_load: Ordering, fences: (bool, bool)) {
    let reads = shapes::message_passing(flag_store, flag_load, fences);
    assert!(
        reads != [1, 0],
        "message passing: the flag was seen set but the data it publishes was not"
    );
}

/// IRIW: the readers disagree on the order of the stores.
fn iriw(store: Ordering, load: Ordering) {
    let reads = shapes::iriw(store, load);
    assert!(
        reads != [1, 0, 1, 0],
        "IRIW: one reader saw x before y, the other y before x"
    );
}

/// 2+2W: both locations end with the value stored first.
fn two_plus_two_writes(store: Ordering) {
    let finals = shapes::two_plus_two_writes(store);
    assert!(
        finals != [1, 1],
        "2+2W: both locations ended with the value stored first"
    );
}

/// WRC: causality broken.
fn write_read_causality(store: Ordering, load: Ordering) {
    let reads = shapes::write_read_causality(store, load);
    assert!(
        reads != [1, 1, 0],
        "WRC: the store to x was seen by the thread that published y but not by its reader"
    );
}

/// CoRR: two loads going back in time.
fn read_read_coherence() {
    let reads = shapes::read_read_coherence();
    assert!(
        reads[0] <= reads[1],
        "coherence: two loads of one location went back in time"
    );
}

/// Release sequence: the flag's later value seen, the data not.
fn release_sequence(rmw: bool) {
    let reads = shapes::release_sequence(rmw);
    assert!(
        reads != [2, 0],
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

/// One litmus shape with its orderings, to run over any tool's types.
#[derive(Clone, Copy, Debug)]
pub enum Shape {
    /// [`shapes::store_buffering`].
    StoreBuffering(Ordering, Ordering, bool),
    /// [`shapes::message_passing`].
    MessagePassing(Ordering, Ordering, (bool, bool)),
    /// [`shapes::iriw`].
    Iriw(Ordering, Ordering),
    /// [`shapes::two_plus_two_writes`].
    TwoPlusTwoWrites(Ordering),
    /// [`shapes::write_read_causality`].
    WriteReadCausality(Ordering, Ordering),
    /// [`shapes::read_read_coherence`].
    ReadReadCoherence,
    /// [`shapes::fence_then_seqcst_load`].
    FenceThenSeqCstLoad,
    /// [`shapes::release_sequence`].
    ReleaseSequence(bool),
}

impl Shape {
    /// Runs the shape over conc-check's types; returns what it observed.
    pub fn run(self) -> Vec<usize> {
        match self {
            Shape::StoreBuffering(s, l, f) => shapes::store_buffering(s, l, f),
            Shape::MessagePassing(s, l, f) => shapes::message_passing(s, l, f),
            Shape::Iriw(s, l) => shapes::iriw(s, l),
            Shape::TwoPlusTwoWrites(s) => shapes::two_plus_two_writes(s),
            Shape::WriteReadCausality(s, l) => shapes::write_read_causality(s, l),
            Shape::ReadReadCoherence => shapes::read_read_coherence(),
            Shape::FenceThenSeqCstLoad => shapes::fence_then_seqcst_load(),
            Shape::ReleaseSequence(rmw) => shapes::release_sequence(rmw),
        }
    }
}

/// A litmus test in one choice of orderings, with the outcomes C++20 (RC11) allows.
#[derive(Clone, Copy, Debug)]
pub struct Case {
    /// The test's name.
    pub name: &'static str,
    /// Its orderings, in words.
    pub orderings: &'static str,
    /// What to run.
    pub shape: Shape,
    /// Every outcome RC11 allows (what the shape returns), sorted.
    pub allowed: &'static [&'static [usize]],
    /// Where the expected set comes from.
    pub source: &'static str,
}

const HERDING_CATS: &str = "Alglave et al., Herding Cats (TOPLAS 2014); Lahav et al., PLDI 2017";
const ALL_PAIRS: &[&[usize]] = &[&[0, 0], &[0, 1], &[1, 0], &[1, 1]];
const PAIRS_BUT_00: &[&[usize]] = &[&[0, 1], &[1, 0], &[1, 1]];
const PAIRS_BUT_10: &[&[usize]] = &[&[0, 0], &[0, 1], &[1, 1]];

/// The litmus tests and what RC11 allows for each: every outcome of the shape, less the weak
/// one where the orderings forbid it.
pub const CASES: &[Case] = &[
    Case {
        name: "SB",
        orderings: "Release stores, Acquire loads",
        shape: Shape::StoreBuffering(Release, Acquire, false),
        allowed: ALL_PAIRS,
        source: HERDING_CATS,
    },
    Case {
        name: "SB",
        orderings: "all SeqCst",
        shape: Shape::StoreBuffering(SeqCst, SeqCst, false),
        allowed: PAIRS_BUT_00,
        source: HERDING_CATS,
    },
    Case {
        name: "SB",
        orderings: "Relaxed, fence(SeqCst) between",
        shape: Shape::StoreBuffering(Relaxed, Relaxed, true),
        allowed: PAIRS_BUT_00,
        source: "C++20 [atomics.fences]; Lahav et al., PLDI 2017",
    },
    Case {
        name: "MP",
        orderings: "Relaxed flag",
        shape: Shape::MessagePassing(Relaxed, Relaxed, (false, false)),
        allowed: ALL_PAIRS,
        source: HERDING_CATS,
    },
    Case {
        name: "MP",
        orderings: "Release/Acquire flag",
        shape: Shape::MessagePassing(Release, Acquire, (false, false)),
        allowed: PAIRS_BUT_10,
        source: HERDING_CATS,
    },
    Case {
        name: "MP",
        orderings: "Relaxed, fence(Release) only",
        shape: Shape::MessagePassing(Relaxed, Relaxed, (true, false)),
        allowed: ALL_PAIRS,
        source: "C++20 [atomics.fences]",
    },
    Case {
        name: "MP",
        orderings: "Relaxed, fence(Release) and fence(Acquire)",
        shape: Shape::MessagePassing(Relaxed, Relaxed, (true, true)),
        allowed: PAIRS_BUT_10,
        source: "C++20 [atomics.fences]",
    },
    Case {
        name: "IRIW",
        orderings: "Release stores, Acquire loads",
        shape: Shape::Iriw(Release, Acquire),
        allowed: &[
            &[0, 0, 0, 0],
            &[0, 0, 0, 1],
            &[0, 0, 1, 0],
            &[0, 0, 1, 1],
            &[0, 1, 0, 0],
            &[0, 1, 0, 1],
            &[0, 1, 1, 0],
            &[0, 1, 1, 1],
            &[1, 0, 0, 0],
            &[1, 0, 0, 1],
            &[1, 0, 1, 0],
            &[1, 0, 1, 1],
            &[1, 1, 0, 0],
            &[1, 1, 0, 1],
            &[1, 1, 1, 0],
            &[1, 1, 1, 1],
        ],
        source: HERDING_CATS,
    },
    Case {
        name: "IRIW",
        orderings: "all SeqCst",
        shape: Shape::Iriw(SeqCst, SeqCst),
        allowed: &[
            &[0, 0, 0, 0],
            &[0, 0, 0, 1],
            &[0, 0, 1, 0],
            &[0, 0, 1, 1],
            &[0, 1, 0, 0],
            &[0, 1, 0, 1],
            &[0, 1, 1, 0],
            &[0, 1, 1, 1],
            &[1, 0, 0, 0],
            &[1, 0, 0, 1],
            &[1, 0, 1, 1],
            &[1, 1, 0, 0],
            &[1, 1, 0, 1],
            &[1, 1, 1, 0],
            &[1, 1, 1, 1],
        ],
        source: HERDING_CATS,
    },
    Case {
        name: "2+2W",
        orderings: "Release stores",
        shape: Shape::TwoPlusTwoWrites(Release),
        allowed: &[&[1, 1], &[1, 2], &[2, 1], &[2, 2]],
        source: "Lahav et al., PLDI 2017",
    },
    Case {
        name: "2+2W",
        orderings: "all SeqCst",
        shape: Shape::TwoPlusTwoWrites(SeqCst),
        allowed: &[&[1, 2], &[2, 1], &[2, 2]],
        source: "Lahav et al., PLDI 2017",
    },
    Case {
        name: "WRC",
        orderings: "all Relaxed",
        shape: Shape::WriteReadCausality(Relaxed, Relaxed),
        allowed: &[
            &[0, 0, 0],
            &[0, 0, 1],
            &[0, 1, 0],
            &[0, 1, 1],
            &[1, 0, 0],
            &[1, 0, 1],
            &[1, 1, 0],
            &[1, 1, 1],
        ],
        source: HERDING_CATS,
    },
    Case {
        name: "WRC",
        orderings: "Release stores, Acquire loads",
        shape: Shape::WriteReadCausality(Release, Acquire),
        allowed: &[
            &[0, 0, 0],
            &[0, 0, 1],
            &[0, 1, 0],
            &[0, 1, 1],
            &[1, 0, 0],
            &[1, 0, 1],
            &[1, 1, 1],
        ],
        source: HERDING_CATS,
    },
    Case {
        name: "F+SC",
        orderings: "Relaxed stores, fence(SeqCst); Relaxed load, SeqCst load",
        shape: Shape::FenceThenSeqCstLoad,
        allowed: ALL_PAIRS,
        source: "Lahav et al., PLDI 2017 (psc: the load may precede the fence)",
    },
    Case {
        name: "CoRR",
        orderings: "all Relaxed",
        shape: Shape::ReadReadCoherence,
        allowed: &[&[0, 0], &[0, 1], &[0, 2], &[1, 1], &[1, 2], &[2, 2]],
        source: "C++20 [intro.races] (read-read coherence)",
    },
    Case {
        name: "RS",
        orderings: "Release store, then a plain Relaxed store",
        shape: Shape::ReleaseSequence(false),
        allowed: &[&[0, 0], &[0, 1], &[1, 1], &[2, 0], &[2, 1]],
        source: "C++20 [intro.races] (release sequence, P0982R1)",
    },
    Case {
        name: "RS",
        orderings: "Release store, then fetch_add",
        shape: Shape::ReleaseSequence(true),
        allowed: &[&[0, 0], &[0, 1], &[1, 1], &[2, 1]],
        source: "C++20 [intro.races] (release sequence, P0982R1)",
    },
];
