//! Starting the exploration's OS thread, also in a forked worker process.
//!
//! A worker is forked from a process whose other threads keep running (the other tests of a
//! test binary, say). std registers every thread it starts, and unregisters every thread that
//! ends, under a process-wide lock of its own (its stack-overflow bookkeeping). A thread of the
//! parent that was starting or ending at the moment of the fork leaves that lock held in the
//! child for ever, and every std thread the child then starts hangs before running its first
//! line. (Seen as a shared DFS whose two workers never started an execution: the explorer
//! thread of each was waiting for that lock.) In a forked child, the thread is therefore
//! started with `pthread_create` directly, which takes no lock of std's; glibc makes its own
//! locks safe across `fork`.

use std::ffi::c_void;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

/// Stack of a thread started in a forked worker. Model threads run on stacks of their own
/// (`runtime::coroutine`); this one holds the explorer and the detectors.
const FORKED_STACK: usize = 8 << 20;

/// This process is a forked worker.
static FORKED: AtomicBool = AtomicBool::new(false);

/// Notes that this process is a forked worker; called in the child right after `fork`.
pub(crate) fn mark_forked() {
    FORKED.store(true, Ordering::Relaxed);
}

/// A thread's body.
type Body = Box<dyn FnOnce() + Send + 'static>;

/// Starts a detached OS thread named `name` that runs `body`: a std thread, or in a forked
/// worker a thread of `pthread_create`'s (see the module documentation).
pub(crate) fn spawn(name: &str, body: impl FnOnce() + Send + 'static) -> io::Result<()> {
    if !FORKED.load(Ordering::Relaxed) {
        return std::thread::Builder::new()
            .name(name.into())
            .spawn(body)
            .map(drop);
    }
    spawn_raw(Box::new(body))
}

/// Entry point of a thread of [`spawn_raw`]: runs its body; a panic ends only the thread.
extern "C" fn start(arg: *mut c_void) -> *mut c_void {
    // SAFETY: `arg` is the `Box<Body>` that `spawn_raw` leaked for this thread alone.
    let body: Body = *unsafe { Box::from_raw(arg.cast::<Body>()) };
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
    std::ptr::null_mut()
}

fn spawn_raw(body: Body) -> io::Result<()> {
    let arg = Box::into_raw(Box::new(body)).cast::<c_void>();
    // SAFETY: plain pthread calls on an attribute object of our own; on success the new thread
    // owns `arg`, on failure it is taken back here.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        let mut rc = libc::pthread_attr_init(&mut attr);
        if rc == 0 {
            libc::pthread_attr_setstacksize(&mut attr, FORKED_STACK);
            libc::pthread_attr_setdetachstate(&mut attr, libc::PTHREAD_CREATE_DETACHED);
            let mut id: libc::pthread_t = std::mem::zeroed();
            rc = libc::pthread_create(&mut id, &attr, start, arg);
            libc::pthread_attr_destroy(&mut attr);
        }
        if rc != 0 {
            drop(Box::from_raw(arg.cast::<Body>()));
            return Err(io::Error::from_raw_os_error(rc));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn a_raw_thread_runs_its_body_and_survives_a_panic_in_it() {
        let (tx, rx) = mpsc::channel();
        let tx2 = tx.clone();
        spawn_raw(Box::new(move || tx.send(7).unwrap())).unwrap();
        assert_eq!(rx.recv().unwrap(), 7);
        spawn_raw(Box::new(move || {
            let _keep = tx2;
            panic!("only this thread ends");
        }))
        .unwrap();
        // The panicking thread dropped its sender: the channel closes, the process goes on.
        assert!(rx.recv().is_err());
    }
}
