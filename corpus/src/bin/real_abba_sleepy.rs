//! Real threads: one thread takes A then B, a later one takes B then A. Sleeps keep them apart,
//! so the run never deadlocks, but the opposite orders can: real mode reports a
//! `lock_order_cycle` and the process exits normally.

use std::time::Duration;

use conc_check::sync::{Arc, Mutex};
use conc_check::thread;

fn main() {
    let a = Arc::new(Mutex::new(0u32));
    let b = Arc::new(Mutex::new(0u32));
    let (a1, b1) = (a.clone(), b.clone());
    let first = thread::spawn(move || {
        let mut x = a1.lock().unwrap();
        let mut y = b1.lock().unwrap();
        *x += 1;
        *y += 1;
    });
    let (a2, b2) = (a.clone(), b.clone());
    let second = thread::spawn(move || {
        thread::sleep(Duration::from_millis(100));
        let mut y = b2.lock().unwrap();
        let mut x = a2.lock().unwrap();
        *x += 1;
        *y += 1;
    });
    first.join().unwrap();
    second.join().unwrap();
    println!("a = {}, b = {}", a.lock().unwrap(), b.lock().unwrap());
}
