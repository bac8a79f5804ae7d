//! Real mode against std, measured in one run: what the instrumented `Mutex` costs on real
//! threads (outside a model) compared with `std::sync::Mutex`.
//!
//! Run with `cargo bench -j2 -p conc-check-tests --bench real_mode`. Two measurements, each the
//! best of several rounds with std and conc-check alternating, printed as a markdown table with
//! the ratio and the target the issue set:
//!
//! - uncontended `lock` + unlock on one thread (target: at most 3× std);
//! - 8 threads incrementing one counter under one `Mutex` (target: at most 1.5× std's wall
//!   time).
//!
//! The production build (no `--cfg conc_check`, no `model` feature) is std itself:
//! `tests/tests/plain_build.rs` checks that the shim's types are then std's types.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Lock + unlock pairs per uncontended round.
const UNCONTENDED: u32 = 5_000_000;
/// Threads and increments per thread of the contended rounds.
const THREADS: usize = 8;
const INCREMENTS: usize = 100_000;
/// Rounds per measurement; the best counts.
const ROUNDS: usize = 15;

/// The same operations on std's Mutex and on the shim's.
trait Lock: Send + Sync + 'static {
    fn new() -> Self;
    fn bump(&self);
}

impl Lock for std::sync::Mutex<u64> {
    fn new() -> Self {
        std::sync::Mutex::new(0)
    }
    #[inline]
    fn bump(&self) {
        *self.lock().unwrap() += 1;
    }
}

impl Lock for conc_check::sync::Mutex<u64> {
    fn new() -> Self {
        conc_check::sync::Mutex::new(0)
    }
    #[inline]
    fn bump(&self) {
        *self.lock().unwrap() += 1;
    }
}

fn uncontended<L: Lock>() -> Duration {
    let lock = L::new();
    let started = Instant::now();
    for _ in 0..UNCONTENDED {
        black_box(&lock).bump();
    }
    started.elapsed()
}

fn contended<L: Lock>() -> Duration {
    let lock = Arc::new(L::new());
    let started = Instant::now();
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let lock = lock.clone();
            std::thread::spawn(move || {
                for _ in 0..INCREMENTS {
                    lock.bump();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    started.elapsed()
}

/// The best time of each of `std` and `ours` over [`ROUNDS`] alternating rounds.
fn best(std: fn() -> Duration, ours: fn() -> Duration) -> (Duration, Duration) {
    let (mut a, mut b) = (Duration::MAX, Duration::MAX);
    for _ in 0..ROUNDS {
        a = a.min(std());
        b = b.min(ours());
    }
    (a, b)
}

fn main() {
    type Std = std::sync::Mutex<u64>;
    type Ours = conc_check::sync::Mutex<u64>;
    // Warm up: the first real-mode operation starts the watchdog and registers the thread.
    contended::<Ours>();
    let (std_u, ours_u) = best(uncontended::<Std>, uncontended::<Ours>);
    let (std_c, ours_c) = best(contended::<Std>, contended::<Ours>);
    let per = |d: Duration| d.as_secs_f64() * 1e9 / f64::from(UNCONTENDED);
    let ratio_u = ours_u.as_secs_f64() / std_u.as_secs_f64();
    let ratio_c = ours_c.as_secs_f64() / std_c.as_secs_f64();
    let verdict = |ratio: f64, target: f64| {
        if ratio <= target {
            "within"
        } else {
            "OVER"
        }
    };
    println!("# Real mode vs std\n");
    println!("| measurement | std | conc-check (real mode) | ratio | target |");
    println!("|---|---|---|---|---|");
    println!(
        "| uncontended lock + unlock | {:.1} ns | {:.1} ns | {ratio_u:.2}× | ≤ 3× ({}) |",
        per(std_u),
        per(ours_u),
        verdict(ratio_u, 3.0)
    );
    println!(
        "| {THREADS} threads × {INCREMENTS} increments, one Mutex | {:.1} ms | {:.1} ms | {ratio_c:.2}× | ≤ 1.5× ({}) |",
        std_c.as_secs_f64() * 1e3,
        ours_c.as_secs_f64() * 1e3,
        verdict(ratio_c, 1.5)
    );
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "\nBest of {ROUNDS} alternating rounds each, {cores} cores, release profile, `cargo bench -j2 -p conc-check-tests --bench real_mode`."
    );
}
