//! Real threads: a payload written into a tracked cell and published with a Relaxed flag. The
//! reader sees the flag, then reads the payload, but Relaxed orders nothing else: `data_race`.

use conc_check::cell::UnsafeCell;
use conc_check::sync::atomic::{AtomicBool, Ordering};
use conc_check::sync::Arc;
use conc_check::thread;

struct Message {
    payload: UnsafeCell<u64>,
    ready: AtomicBool,
}

// SAFETY: the payload is meant to be handed over by the flag (the bug is that Relaxed does not).
unsafe impl Sync for Message {}

fn main() {
    let message = Arc::new(Message {
        payload: UnsafeCell::new(0),
        ready: AtomicBool::new(false),
    });
    let writer = {
        let message = message.clone();
        thread::spawn(move || {
            message.payload.with_mut(|p| unsafe { *p = 42 });
            message.ready.store(true, Ordering::Relaxed);
        })
    };
    while !message.ready.load(Ordering::Relaxed) {
        std::hint::spin_loop();
    }
    let value = message.payload.with(|p| unsafe { *p });
    writer.join().unwrap();
    println!("payload = {value}");
}
