//! Real threads: the main thread waits on a condvar while a worker computes (here: sleeps) for
//! longer than the watchdog's time, then notifies. Nothing is hung, since the worker is not
//! blocked in a conc-check primitive: the watchdog must stay quiet.

use std::time::Duration;

use conc_check::sync::{Arc, Condvar, Mutex};
use conc_check::thread;

fn main() {
    let state = Arc::new((Mutex::new(false), Condvar::new()));
    let worker = {
        let state = state.clone();
        thread::spawn(move || {
            let (done, cv) = &*state;
            drop(done.lock().unwrap()); // has used conc-check: the watchdog knows this thread
            std::thread::sleep(Duration::from_millis(1500)); // long work, no shim operation
            *done.lock().unwrap() = true;
            cv.notify_one();
        })
    };
    let (done, cv) = &*state;
    let finished = cv.wait_while(done.lock().unwrap(), |d| !*d).unwrap();
    assert!(*finished);
    drop(finished);
    worker.join().unwrap();
    println!("the worker finished");
}
