//! Real threads: 8 threads increment one counter under one Mutex, always the same way. Clean;
//! real mode prints the lock's contention figures at exit.

use conc_check::sync::{Arc, Barrier, Mutex};
use conc_check::thread;

const THREADS: usize = 8;
const ROUNDS: usize = 100_000;

fn main() {
    let counter = Arc::new(Mutex::new(0usize));
    let start = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (counter, start) = (counter.clone(), start.clone());
            thread::spawn(move || {
                start.wait(); // all at once, so that they do contend
                for _ in 0..ROUNDS {
                    *counter.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let total = *counter.lock().unwrap();
    assert_eq!(total, THREADS * ROUNDS);
    println!("counter = {total}");
}
