//! Worker processes: copies of the test process, forked where the test called `explore`.
//!
//! A fork copies everything an execution may touch (the shim's object slots, the data of
//! `static` locks and atomics, the user's own statics, the test closure and what it captured),
//! so workers share nothing an execution mutates, and no worker needs to find its way back to
//! the test the way a re-run of the test binary would. The child has only the forking thread:
//! it runs its part of the exploration on threads of its own (as every exploration does,
//! `runtime::worker`), talks to the parent over a socket, and ends with `_exit`, never returning
//! into the test. What the workers share is a small anonymous shared mapping ([`Shared`]):
//! the count of executions started, and a per-worker limit the parent may lower.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::FromWorker;
use crate::config::MAX_WORKERS;

/// What the parent and its workers share.
#[repr(C)]
struct Counters {
    started: AtomicU64,
    claimed: AtomicU64,
    limits: [AtomicU64; MAX_WORKERS],
    progress: [Progress; MAX_WORKERS],
}

/// One worker's count of the executions it started, alone on its cache line: the worker writes
/// it at every execution without sending the line back and forth between cores, and the parent
/// reads it only when it looks for a stall.
#[repr(C, align(64))]
struct Progress(AtomicU64);

/// Counters in memory that the parent and every worker forked after it was made share.
pub(crate) struct Shared {
    counters: *mut Counters,
}

// SAFETY: the mapping holds only atomics, and lives as long as the `Shared` (workers end with
// `_exit`, never unmapping it).
unsafe impl Send for Shared {}
// SAFETY: as above; every access goes through an atomic.
unsafe impl Sync for Shared {}

impl Shared {
    /// A zeroed shared mapping.
    pub(crate) fn new() -> io::Result<Shared> {
        // SAFETY: an anonymous mapping of a fresh region, checked for failure; the kernel
        // zeroes it, which is a valid `Counters` (atomics of 0).
        let pointer = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                std::mem::size_of::<Counters>(),
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if pointer == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Shared {
            counters: pointer.cast(),
        })
    }

    fn counters(&self) -> &Counters {
        // SAFETY: mapped in `new` for the lifetime of `self`.
        unsafe { &*self.counters }
    }

    /// Executions started by every worker together.
    pub(crate) fn started(&self) -> &AtomicU64 {
        &self.counters().started
    }

    /// Executions claimed from a budget the workers share, by workers about to start one
    /// (see `search::SharedBudget`): a count apart from [`Shared::started`], which says what
    /// has started.
    pub(crate) fn claimed(&self) -> &AtomicU64 {
        &self.counters().claimed
    }

    /// Worker `worker`'s own count of the executions it started (sampling workers write it at
    /// every execution; see [`Shared::progress_total`]).
    pub(crate) fn progress(&self, worker: usize) -> &AtomicU64 {
        &self.counters().progress[worker].0
    }

    /// Every worker's [`Shared::progress`] together.
    pub(crate) fn progress_total(&self) -> u64 {
        self.counters()
            .progress
            .iter()
            .map(|p| p.0.load(Ordering::Relaxed))
            .sum()
    }

    /// Worker `worker`'s limit (what it means is its coordinator's business).
    pub(crate) fn limit(&self, worker: usize) -> &AtomicU64 {
        &self.counters().limits[worker]
    }

    /// Lowers worker `worker`'s limit to `to`, if it is higher.
    pub(crate) fn lower_limit(&self, worker: usize, to: u64) {
        self.limit(worker).fetch_min(to, Ordering::Relaxed);
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once.
        unsafe {
            libc::munmap(self.counters.cast(), std::mem::size_of::<Counters>());
        }
    }
}

/// Notices workers that stopped making progress: no execution started by any of them for
/// `limit`. A worker stuck in an execution is the worker's own watcher's business (a `hang`
/// finding after the hang timeout); one stuck outside any execution (on a lock another thread
/// of the test process held when it was forked, say) is noticed here.
pub(crate) struct Stall {
    limit: Option<Duration>,
    last: u64,
    since: Instant,
}

impl Stall {
    /// Four hang timeouts and at least a minute (`None`, no hang timeout: never).
    pub(crate) fn new(hang_timeout: Option<Duration>) -> Stall {
        Stall {
            limit: hang_timeout.map(|t| (t * 4).max(Duration::from_secs(60))),
            last: 0,
            since: Instant::now(),
        }
    }

    /// Why the workers were ended when [`Stall::stalled`] said so; `lost` says what of their
    /// work that leaves unchecked ("what they had not finished is not checked").
    pub(crate) fn ended_workers(&self, lost: &str) -> String {
        let limit = self
            .limit
            .map_or("ever".to_string(), |l| format!("for {} s", l.as_secs()));
        format!("no worker process started an execution {limit}; they were ended, and {lost}")
    }

    /// Whether no execution started since `limit`, given the count started so far.
    pub(crate) fn stalled(&mut self, started: u64) -> bool {
        if started != self.last {
            self.last = started;
            self.since = Instant::now();
        }
        self.limit
            .is_some_and(|limit| self.since.elapsed() >= limit)
    }
}

/// A forked worker, seen from the parent. Dropping it kills and reaps it.
pub(crate) struct WorkerProcess {
    /// The child's process id.
    pub pid: libc::pid_t,
    /// The parent's end of the socket.
    pub stream: UnixStream,
    /// How it ended, once reaped ([`WorkerProcess::ended`]).
    ended: Option<String>,
}

/// Where the parent's reader threads pass on what workers send, tagged with the worker's
/// process id (`None`: its socket closed, after everything it sent).
pub(crate) type Inbox = Sender<(libc::pid_t, Option<FromWorker>)>;

impl WorkerProcess {
    /// Forks a worker that runs `body` with its end of a socket, then ends. A panic in `body`
    /// ends the child with status 101; the parent sees the socket close.
    pub(crate) fn fork(body: impl FnOnce(UnixStream)) -> io::Result<WorkerProcess> {
        let (ours, theirs) = UnixStream::pair()?;
        // Output buffered now would be written again by the child otherwise (it never
        // flushes: it ends with `_exit`, but a panic message on the way might).
        let _ = io::stdout().flush();
        // Process-wide set-ups the child's explorer thread makes once: made here, a thread of
        // ours in the middle of one at the fork cannot leave the child waiting for it.
        crate::runtime::panic_hook::install();
        crate::runtime::trap::install();
        // SAFETY: the child only runs `body`, which allocates and starts threads of its own
        // (both fine after a fork on Linux with glibc, whose allocator is fork-safe), and then
        // `_exit`s without running the parent's destructors or atexit handlers.
        match unsafe { libc::fork() } {
            -1 => Err(io::Error::last_os_error()),
            0 => {
                crate::runtime::os_thread::mark_forked();
                drop(ours);
                // A worker never outlives the thread that forked it (Linux).
                #[cfg(target_os = "linux")]
                // SAFETY: sets a flag of this process; no memory is touched.
                unsafe {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                }
                hand_emergency_reports_to_parent(&theirs);
                let outcome =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(theirs)));
                // SAFETY: ends the child at once, as it must after a fork.
                unsafe { libc::_exit(if outcome.is_ok() { 0 } else { 101 }) }
            }
            pid => Ok(WorkerProcess {
                pid,
                stream: ours,
                ended: None,
            }),
        }
    }

    /// [`WorkerProcess::fork`], with a thread of the parent's that passes on everything the
    /// worker sends to `inbox`; `None` when either could not be started.
    pub(crate) fn fork_into(body: impl FnOnce(UnixStream), inbox: Inbox) -> Option<WorkerProcess> {
        let process = WorkerProcess::fork(body).ok()?;
        let mut reader = process.stream.try_clone().ok()?;
        let pid = process.pid;
        std::thread::Builder::new()
            .name("conc-check-coordinator".into())
            .spawn(move || loop {
                let message = receive::<FromWorker>(&mut reader).ok().flatten();
                let end = message.is_none();
                if inbox.send((pid, message)).is_err() || end {
                    return;
                }
            })
            .ok()?;
        Some(process)
    }

    /// How a worker whose socket closed ended, as the end of a sentence about it ("was killed
    /// by signal 6", "exited with status 101"); reaps it.
    pub(crate) fn ended(&mut self) -> String {
        if let Some(how) = &self.ended {
            return how.clone();
        }
        let mut status = 0;
        // SAFETY: waits for our own child, whose socket is closed: it is ending.
        let reaped = unsafe { libc::waitpid(self.pid, &mut status, 0) } == self.pid;
        let how = match reaped {
            false => "ended".to_string(),
            true if libc::WIFSIGNALED(status) => {
                format!("was killed by signal {}", libc::WTERMSIG(status))
            }
            true => format!("exited with status {}", libc::WEXITSTATUS(status)),
        };
        self.ended = Some(how.clone());
        how
    }

    /// What a report says when this worker ended before reporting `what`.
    pub(crate) fn lost(&mut self, what: &str) -> String {
        let how = self.ended();
        format!(
            "worker process {} ended without reporting {what} (it {how}), so the exploration is \
             incomplete (with CONC_CHECK_WORKERS=1 or Builder::workers(1) the test runs in its \
             own process, where the crash shows)",
            self.pid
        )
    }
}

/// In a worker: a report that must go out at once (`runtime::outlet`) goes to the parent as
/// the report of the worker's part.
fn hand_emergency_reports_to_parent(stream: &UnixStream) {
    let Ok(out) = stream.try_clone() else { return };
    let out = std::sync::Mutex::new(out);
    crate::runtime::outlet::set(Box::new(move |report| {
        if let Ok(mut out) = out.lock() {
            let _ = send(&mut *out, &FromWorker::Explored(Box::new(report.clone())));
        }
    }));
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        if self.ended.is_some() {
            return; // Reaped already: its id may be someone else's now.
        }
        // SAFETY: signals and reaps our own child, whose id no one else reaps.
        unsafe {
            libc::kill(self.pid, libc::SIGKILL);
            let mut status = 0;
            libc::waitpid(self.pid, &mut status, 0);
        }
    }
}

/// Writes `message` as one frame: its length (4 bytes, little-endian) and its JSON.
pub(crate) fn send<T: Serialize>(stream: &mut impl Write, message: &T) -> io::Result<()> {
    let text = serde_json::to_vec(message).map_err(io::Error::other)?;
    let length = u32::try_from(text.len()).map_err(io::Error::other)?;
    stream.write_all(&length.to_le_bytes())?;
    stream.write_all(&text)?;
    stream.flush()
}

/// Reads one frame written by [`send`]; `None` when the other end closed between frames.
pub(crate) fn receive<T: DeserializeOwned>(stream: &mut impl Read) -> io::Result<Option<T>> {
    let mut length = [0u8; 4];
    match stream.read_exact(&mut length) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut text = vec![0u8; u32::from_le_bytes(length) as usize];
    stream.read_exact(&mut text)?;
    serde_json::from_slice(&text)
        .map(Some)
        .map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_cross_the_socket_in_order_and_end_cleanly() {
        let (mut a, mut b) = UnixStream::pair().unwrap();
        send(&mut a, &vec![1u32, 2]).unwrap();
        send(&mut a, &"three").unwrap();
        drop(a);
        assert_eq!(receive::<Vec<u32>>(&mut b).unwrap(), Some(vec![1, 2]));
        assert_eq!(receive::<String>(&mut b).unwrap(), Some("three".into()));
        assert_eq!(receive::<String>(&mut b).unwrap(), None);
    }

    #[test]
    fn a_forked_worker_sees_the_shared_counters_and_answers() {
        let shared = Shared::new().unwrap();
        shared.limit(1).store(9, Ordering::Relaxed);
        let mut worker = WorkerProcess::fork(|mut stream| {
            shared.started().fetch_add(5, Ordering::Relaxed);
            shared.progress(1).store(3, Ordering::Relaxed);
            shared.progress(2).store(4, Ordering::Relaxed);
            let limit = shared.limit(1).load(Ordering::Relaxed);
            send(&mut stream, &limit).unwrap();
        })
        .unwrap();
        assert_eq!(receive::<u64>(&mut worker.stream).unwrap(), Some(9));
        assert_eq!(receive::<u64>(&mut worker.stream).unwrap(), None);
        assert_eq!(shared.started().load(Ordering::Relaxed), 5);
        assert_eq!(shared.progress_total(), 7);
    }
}
