//! What the exploration thread shows the thread that watches it (see [`super::worker`]), and
//! what the signal handlers of [`super::trap`] leave for both.
//!
//! Everything here is an atomic: the exploration thread writes progress at every scheduling
//! step, the watcher reads it, and a signal handler on the exploration thread records what it
//! did. Nothing here allocates or locks, so a signal handler may touch it.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering};

/// Frames a trap keeps of the stuck thread's stack.
pub(crate) const MAX_FRAMES: usize = 96;

/// What the watcher asks the signal handler to do.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub(crate) enum TrapRequest {
    /// Nothing asked.
    None = 0,
    /// End the running model thread; it was seen running on the CPU.
    HangRunning = 1,
    /// End the running model thread; it was seen blocked in the kernel.
    HangBlocked = 2,
}

/// What the signal handler did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub(crate) enum TrapOutcome {
    /// Nothing yet.
    None = 0,
    /// The stuck model thread was ended; the exploration goes on and reports it.
    Hang = 1,
    /// The model thread ran off the end of its stack and was ended.
    Overflow = 2,
    /// It was inside the C library while running (it may hold the allocator's lock), so it was
    /// not ended this time; the watcher asks again.
    NotNow = 3,
    /// The exploration thread was not running a model thread (the engine itself was busy).
    NotInModel = 4,
}

impl TrapOutcome {
    fn from_u8(v: u8) -> TrapOutcome {
        match v {
            1 => TrapOutcome::Hang,
            2 => TrapOutcome::Overflow,
            3 => TrapOutcome::NotNow,
            4 => TrapOutcome::NotInModel,
            _ => TrapOutcome::None,
        }
    }
}

/// The shared state of one exploration.
pub(crate) struct Beacon {
    /// Bumped at every scheduling step and at every execution's start.
    progress: AtomicU64,
    /// A model thread is running (the coroutine is resumed).
    in_model: AtomicBool,
    /// The model thread that runs, or ran last.
    thread: AtomicU32,
    /// The watcher asks the exploration to stop at its next scheduling point.
    stop: AtomicBool,
    /// The exploration thread's `pthread_t` and kernel thread id, once it runs.
    pthread: AtomicUsize,
    tid: AtomicU32,
    request: AtomicU8,
    outcome: AtomicU8,
    /// Executions started.
    executions: AtomicU64,
    /// How long the watcher saw no progress before it asked for a trap, in milliseconds, and
    /// whether the thread was blocked in the kernel then (rather than running).
    stuck_ms: AtomicU64,
    blocked: AtomicBool,
    /// The instruction the trapped thread was at, and (for an overflow) the faulting address.
    pc: AtomicUsize,
    fault: AtomicUsize,
    frames: [AtomicUsize; MAX_FRAMES],
    frame_count: AtomicUsize,
}

impl Beacon {
    /// A beacon for a new exploration.
    pub(crate) fn new() -> Beacon {
        Beacon {
            progress: AtomicU64::new(0),
            in_model: AtomicBool::new(false),
            thread: AtomicU32::new(0),
            stop: AtomicBool::new(false),
            pthread: AtomicUsize::new(0),
            tid: AtomicU32::new(0),
            request: AtomicU8::new(TrapRequest::None as u8),
            outcome: AtomicU8::new(TrapOutcome::None as u8),
            executions: AtomicU64::new(0),
            stuck_ms: AtomicU64::new(0),
            blocked: AtomicBool::new(false),
            pc: AtomicUsize::new(0),
            fault: AtomicUsize::new(0),
            frames: [const { AtomicUsize::new(0) }; MAX_FRAMES],
            frame_count: AtomicUsize::new(0),
        }
    }

    // ---- the exploration thread ----

    /// Something happened: a step, or a new execution.
    #[inline]
    pub(crate) fn tick(&self) {
        // One writer: a load and a store, no read-modify-write.
        let n = self.progress.load(Ordering::Relaxed);
        self.progress.store(n + 1, Ordering::Relaxed);
    }

    /// A new execution starts.
    pub(crate) fn execution_started(&self) {
        self.executions.fetch_add(1, Ordering::Relaxed);
        self.tick();
    }

    /// Model thread `thread` is about to run (`true`) or has stopped running (`false`).
    #[inline]
    pub(crate) fn running(&self, thread: u32, running: bool) {
        self.thread.store(thread, Ordering::Relaxed);
        self.in_model.store(running, Ordering::Release);
    }

    /// Whether the watcher asked the exploration to stop.
    #[inline]
    pub(crate) fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Records who the exploration thread is, for signals and `/proc`.
    pub(crate) fn set_identity(&self, pthread: usize, tid: u32) {
        self.pthread.store(pthread, Ordering::Relaxed);
        self.tid.store(tid, Ordering::Release);
    }

    // ---- the watcher ----

    pub(crate) fn progress(&self) -> u64 {
        self.progress.load(Ordering::Relaxed)
    }

    pub(crate) fn in_model(&self) -> bool {
        self.in_model.load(Ordering::Acquire)
    }

    pub(crate) fn thread(&self) -> u32 {
        self.thread.load(Ordering::Relaxed)
    }

    pub(crate) fn request_stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// The exploration thread's `pthread_t` and kernel id, once known.
    pub(crate) fn identity(&self) -> Option<(usize, u32)> {
        let tid = self.tid.load(Ordering::Acquire);
        (tid != 0).then(|| (self.pthread.load(Ordering::Relaxed), tid))
    }

    /// Executions started so far.
    pub(crate) fn executions(&self) -> u64 {
        self.executions.load(Ordering::Relaxed)
    }

    /// Notes for the report how long the thread was stuck and whether it was blocked.
    pub(crate) fn note_stuck(&self, stuck: std::time::Duration, blocked: bool) {
        self.stuck_ms
            .store(stuck.as_millis() as u64, Ordering::Relaxed);
        self.blocked.store(blocked, Ordering::Relaxed);
    }

    /// How long the thread was stuck, and whether it was blocked in the kernel.
    pub(crate) fn stuck(&self) -> (std::time::Duration, bool) {
        (
            std::time::Duration::from_millis(self.stuck_ms.load(Ordering::Relaxed)),
            self.blocked.load(Ordering::Relaxed),
        )
    }

    /// Asks the next trap signal to do `what`; clears the last outcome.
    pub(crate) fn request(&self, what: TrapRequest) {
        self.outcome
            .store(TrapOutcome::None as u8, Ordering::Relaxed);
        self.request.store(what as u8, Ordering::Release);
    }

    // ---- the signal handler ----

    /// Takes the pending request (the handler acts on each request once).
    pub(crate) fn take_request(&self) -> TrapRequest {
        match self
            .request
            .swap(TrapRequest::None as u8, Ordering::Acquire)
        {
            1 => TrapRequest::HangRunning,
            2 => TrapRequest::HangBlocked,
            _ => TrapRequest::None,
        }
    }

    /// Starts recording the interrupted stack, which was at instruction `pc`.
    pub(crate) fn begin_frames(&self, pc: usize) {
        self.frame_count.store(0, Ordering::Relaxed);
        self.pc.store(pc, Ordering::Relaxed);
    }

    /// Adds the next frame (innermost first); false once no more fit.
    pub(crate) fn push_frame(&self, ip: usize) -> bool {
        let n = self.frame_count.load(Ordering::Relaxed);
        if n >= MAX_FRAMES {
            return false;
        }
        self.frames[n].store(ip, Ordering::Relaxed);
        self.frame_count.store(n + 1, Ordering::Relaxed);
        n + 1 < MAX_FRAMES
    }

    pub(crate) fn set_fault(&self, address: usize) {
        self.fault.store(address, Ordering::Relaxed);
    }

    pub(crate) fn set_outcome(&self, outcome: TrapOutcome) {
        self.outcome.store(outcome as u8, Ordering::Release);
    }

    // ---- both ----

    /// What the last trap signal did.
    pub(crate) fn outcome(&self) -> TrapOutcome {
        TrapOutcome::from_u8(self.outcome.load(Ordering::Acquire))
    }

    /// Clears the outcome once it has been acted on.
    pub(crate) fn clear_outcome(&self) {
        self.outcome
            .store(TrapOutcome::None as u8, Ordering::Relaxed);
    }

    /// The frames the last trap recorded, innermost first, starting at the interrupted
    /// instruction when it is among them.
    pub(crate) fn frames(&self) -> Vec<usize> {
        let n = self.frame_count.load(Ordering::Acquire).min(MAX_FRAMES);
        let all: Vec<usize> = self.frames[..n]
            .iter()
            .map(|f| f.load(Ordering::Relaxed))
            .collect();
        let pc = self.pc.load(Ordering::Relaxed);
        match all.iter().position(|ip| *ip == pc) {
            Some(at) => all[at..].to_vec(),
            None => all,
        }
    }

    /// The faulting address of the last overflow.
    pub(crate) fn fault(&self) -> usize {
        self.fault.load(Ordering::Relaxed)
    }
}
