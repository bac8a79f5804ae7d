//! Real threads doing it right, the clean twin of the other `real_*` programs: two locks always
//! taken in one order, a payload in a tracked cell published with Release/Acquire, a payload
//! handed over by a lock, by join, by the end of a thread scope, by a channel and by a
//! barrier. Real mode must find nothing.

use conc_check::cell::UnsafeCell;
use conc_check::sync::atomic::{AtomicBool, Ordering};
use conc_check::sync::{mpsc, Arc, Barrier, Condvar, Mutex, RwLock};
use conc_check::thread;

struct Shared {
    payload: UnsafeCell<u64>,
    ready: AtomicBool,
    guarded: UnsafeCell<u64>,
    lock: Mutex<()>,
}

// SAFETY: every access to the cells is ordered by the flag, the lock or join.
unsafe impl Sync for Shared {}

fn main() {
    let a = Arc::new(Mutex::new(0u32));
    let b = Arc::new(RwLock::new(0u32));
    let shared = Arc::new(Shared {
        payload: UnsafeCell::new(0),
        ready: AtomicBool::new(false),
        guarded: UnsafeCell::new(0),
        lock: Mutex::new(()),
    });
    let turn = Arc::new((Mutex::new(false), Condvar::new()));
    let handles: Vec<_> = (0..2)
        .map(|i| {
            let (a, b, shared, turn) = (a.clone(), b.clone(), shared.clone(), turn.clone());
            thread::spawn(move || {
                for _ in 0..100 {
                    let mut x = a.lock().unwrap();
                    let mut y = b.write().unwrap();
                    *x += 1;
                    *y += 1;
                }
                if i == 0 {
                    shared.payload.with_mut(|p| unsafe { *p = 42 });
                    shared.ready.store(true, Ordering::Release);
                    let (done, cv) = &*turn;
                    *done.lock().unwrap() = true;
                    cv.notify_all();
                } else {
                    let (done, cv) = &*turn;
                    let _ready = cv.wait_while(done.lock().unwrap(), |d| !*d).unwrap();
                }
                let _g = shared.lock.lock().unwrap();
                shared.guarded.with_mut(|p| unsafe { *p += 1 });
            })
        })
        .collect();
    while !shared.ready.load(Ordering::Acquire) {
        std::hint::spin_loop();
    }
    let payload = shared.payload.with(|p| unsafe { *p });
    for h in handles {
        h.join().unwrap();
    }
    let guarded = shared.guarded.with(|p| unsafe { *p });
    assert_eq!((payload, guarded), (42, 2));
    let scoped = UnsafeCell::new(0u64);
    let cell = &scoped;
    struct Shareable<'a>(&'a UnsafeCell<u64>);
    // SAFETY: the scoped thread's write is ordered before the read by the end of the scope.
    unsafe impl Sync for Shareable<'_> {}
    let shareable = Shareable(cell);
    thread::scope(|s| {
        let shareable = &shareable;
        s.spawn(move || shareable.0.with_mut(|p| unsafe { *p = 7 }));
    });
    assert_eq!(scoped.with(|p| unsafe { *p }), 7);
    handed_over();
    println!("a = {}, b = {}", a.lock().unwrap(), b.read().unwrap());
}

struct Handoff {
    by_channel: UnsafeCell<u64>,
    by_barrier: UnsafeCell<u64>,
}

// SAFETY: each cell is written by one thread before the message or the barrier, and read by
// the other after it.
unsafe impl Sync for Handoff {}

/// Payloads handed over by a message and by a barrier, read while the writer still runs.
fn handed_over() {
    let shared = Arc::new(Handoff {
        by_channel: UnsafeCell::new(0),
        by_barrier: UnsafeCell::new(0),
    });
    let barrier = Arc::new(Barrier::new(2));
    let (tx, rx) = mpsc::channel();
    let writer = {
        let (shared, barrier) = (shared.clone(), barrier.clone());
        thread::spawn(move || {
            shared.by_channel.with_mut(|p| unsafe { *p = 1 });
            tx.send(()).unwrap();
            shared.by_barrier.with_mut(|p| unsafe { *p = 2 });
            barrier.wait();
        })
    };
    rx.recv().unwrap();
    let first = shared.by_channel.with(|p| unsafe { *p });
    barrier.wait();
    let second = shared.by_barrier.with(|p| unsafe { *p });
    writer.join().unwrap();
    assert_eq!((first, second), (1, 2));
}
