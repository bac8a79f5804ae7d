//! Real threads: 8 threads increment one counter under one Mutex, always the same way. Clean;
//! real mode prints the lock's contention figures at exit.

use conc_check::sync::{Arc, Mutex};
use conc_check::thread;

const THREADS: usize = 8;
const ROUNDS: usize = 20_000;

fn main() {
    let counter = Arc::new(Mutex::new(0usize));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let counter = counter.clone();
            thread::spawn(move || {
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
