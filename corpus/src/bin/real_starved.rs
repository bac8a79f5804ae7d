//! Real threads: four threads hammer one lock with tiny critical sections. std's locks are not
//! fair: a thread that unlocks and locks again at once usually beats one that was woken, so a
//! waiter can be bypassed thousands of times. With tight limits
//! (`CONC_CHECK_STARVATION_BYPASSES=100 CONC_CHECK_STARVATION_MS=1`) that is `starvation`.

use conc_check::sync::{Arc, Mutex};
use conc_check::thread;

fn main() {
    let lock = Arc::new(Mutex::new(0u64));
    let hogs: Vec<_> = (0..4)
        .map(|i| {
            let lock = lock.clone();
            thread::Builder::new()
                .name(format!("hog {i}"))
                .spawn(move || {
                    for _ in 0..100_000 {
                        let mut count = lock.lock().unwrap();
                        *count += 1;
                        // A little work with the lock held: it is held most of the time.
                        for _ in 0..50 {
                            std::hint::spin_loop();
                        }
                    }
                })
                .unwrap()
        })
        .collect();
    for h in hogs {
        h.join().unwrap();
    }
    println!("count = {}", lock.lock().unwrap());
}
