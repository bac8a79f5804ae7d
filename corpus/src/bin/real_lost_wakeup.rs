//! Real threads: the main thread waits on a condvar for a flag that the other thread sets but
//! forgets to notify. No lock cycle, just nothing moving: the watchdog reports the hang after
//! `CONC_CHECK_WATCHDOG_SECS` and ends the process.

use std::time::Duration;

use conc_check::sync::{Arc, Condvar, Mutex};
use conc_check::thread;

fn main() {
    let state = Arc::new((Mutex::new(false), Condvar::new()));
    let setter = {
        let state = state.clone();
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(200));
            *state.0.lock().unwrap() = true; // forgets `state.1.notify_one()`
        })
    };
    let (flag, cv) = &*state;
    let mut ready = flag.lock().unwrap();
    while !*ready {
        ready = cv.wait(ready).unwrap();
    }
    drop(ready);
    setter.join().unwrap();
    eprintln!("real_lost_wakeup: woken; the watchdog did not end the process");
    std::process::exit(3);
}
