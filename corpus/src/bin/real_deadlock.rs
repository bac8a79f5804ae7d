//! Real threads that do deadlock: each takes one lock, waits for the other to take the other,
//! then asks for it. Real mode's watchdog names both locks and their holders and ends the
//! process with its own exit code instead of letting it hang.

use std::time::Duration;

use conc_check::sync::{Arc, Barrier, Mutex};
use conc_check::thread;

fn main() {
    let a = Arc::new(Mutex::new(0u32));
    let b = Arc::new(Mutex::new(0u32));
    let both = Arc::new(Barrier::new(2));
    let (a1, b1, both1) = (a.clone(), b.clone(), both.clone());
    let first = thread::spawn(move || {
        let _x = a1.lock().unwrap();
        both1.wait();
        let _y = b1.lock().unwrap();
    });
    let second = thread::spawn(move || {
        let _y = b.lock().unwrap();
        both.wait();
        let _x = a.lock().unwrap();
    });
    // Never reached: the watchdog ends the process. Should it not, fail loudly after a while.
    thread::sleep(Duration::from_secs(60));
    let _ = (first.join(), second.join());
    eprintln!("real_deadlock: the threads finished; the watchdog did not end the process");
    std::process::exit(3);
}
