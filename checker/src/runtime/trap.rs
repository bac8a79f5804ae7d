//! Ending a model thread that will not come back: one stuck in user code (a CPU loop, a std
//! lock), or one that ran off the end of its stack.
//!
//! Model threads are coroutines on the exploration thread. A coroutine that never reaches a
//! shim operation never gives control back, so the watcher (see [`super::worker`]) sends the
//! exploration thread a signal (`SIGURG`, ignored by default). Its handler records the stack
//! and, when it is safe, rewrites the interrupted context so that the coroutine returns to the
//! scheduler at once (corosensei's trap support); a `SIGSEGV` in a model stack's guard page is
//! handled the same way. The scheduler then reports the finding as for any other and the
//! exploration ends normally; what was on the abandoned stack is leaked, never dropped.
//!
//! The handlers run on a signal stack of the exploration thread's own, touch only atomics and
//! thread-locals without destructors, and pass every signal that is not theirs to the handler
//! that was installed before.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use corosensei::trap::CoroutineTrapHandler;

use super::beacon::{Beacon, TrapOutcome, TrapRequest};

/// The signal that asks the exploration thread to end its running model thread.
pub(crate) const TRAP_SIGNAL: libc::c_int = libc::SIGURG;

/// Size of the exploration thread's signal stack.
const SIGNAL_STACK: usize = 256 << 10;

/// The model thread that runs on this OS thread now.
#[derive(Clone, Copy)]
pub(crate) struct Running {
    pub trap: CoroutineTrapHandler<()>,
    /// The lowest address of its stack: its guard page starts here.
    pub limit: usize,
}

thread_local! {
    static BEACON: Cell<*const Beacon> = const { Cell::new(std::ptr::null()) };
    static RUNNING: Cell<Option<Running>> = const { Cell::new(None) };
}

/// The handlers that were installed before ours, by signal.
static PREVIOUS: OnceLock<[(libc::c_int, libc::sigaction); 3]> = OnceLock::new();

/// The C runtime's code (libc, the dynamic loader, the unwinder): a thread interrupted there
/// while running may hold one of their locks, so it is not ended there.
const MAX_RANGES: usize = 32;
static RANGES: [(AtomicUsize, AtomicUsize); MAX_RANGES] =
    [const { (AtomicUsize::new(0), AtomicUsize::new(0)) }; MAX_RANGES];

/// The exploration thread's setup for traps; undone when dropped.
pub(crate) struct Armed {
    signal_stack: Option<(libc::stack_t, *mut libc::c_void, usize)>,
}

/// Installs the handlers (once per process), gives this thread a signal stack and makes
/// `beacon` the one its handlers report to.
pub(crate) fn arm(beacon: &Beacon) -> Armed {
    install();
    BEACON.with(|b| b.set(beacon));
    // SAFETY: plain libc calls on this thread's own state.
    let pthread = unsafe { libc::pthread_self() } as usize;
    let tid = unsafe { libc::gettid() } as u32;
    beacon.set_identity(pthread, tid);
    Armed {
        signal_stack: alternate_stack(),
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        BEACON.with(|b| b.set(std::ptr::null()));
        RUNNING.with(|r| r.set(None));
        if let Some((previous, memory, len)) = self.signal_stack.take() {
            // SAFETY: restores the stack this thread had, then unmaps ours, which no handler
            // runs on any more.
            unsafe {
                libc::sigaltstack(&previous, std::ptr::null_mut());
                libc::munmap(memory, len);
            }
        }
    }
}

/// Marks `running` as the model thread on this OS thread (`None`: back on the scheduler).
#[inline]
pub(crate) fn set_running(running: Option<Running>) {
    RUNNING.with(|r| r.set(running));
}

/// Maps a signal stack (with a guard page) and makes it this thread's; returns what to restore.
fn alternate_stack() -> Option<(libc::stack_t, *mut libc::c_void, usize)> {
    // SAFETY: a fresh anonymous mapping, handed to the kernel as this thread's signal stack.
    unsafe {
        let page = libc::sysconf(libc::_SC_PAGESIZE) as usize;
        let len = SIGNAL_STACK + page;
        let memory = libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if memory == libc::MAP_FAILED {
            return None;
        }
        libc::mprotect(memory, page, libc::PROT_NONE);
        let ours = libc::stack_t {
            ss_sp: memory.cast::<u8>().add(page).cast(),
            ss_flags: 0,
            ss_size: SIGNAL_STACK,
        };
        let mut previous: libc::stack_t = std::mem::zeroed();
        if libc::sigaltstack(&ours, &mut previous) != 0 {
            libc::munmap(memory, len);
            return None;
        }
        Some((previous, memory, len))
    }
}

/// Installs the signal handlers that end a stuck model thread, once per process.
pub(crate) fn install() {
    PREVIOUS.get_or_init(|| {
        find_runtime_code();
        // SAFETY: installs handlers with SA_SIGINFO; the previous ones are kept for chaining
        // before ours can run.
        unsafe {
            let mut previous: [(libc::c_int, libc::sigaction); 3] = std::mem::zeroed();
            for (slot, signal) in
                previous
                    .iter_mut()
                    .zip([TRAP_SIGNAL, libc::SIGSEGV, libc::SIGBUS])
            {
                slot.0 = signal;
                libc::sigaction(signal, std::ptr::null(), &mut slot.1);
            }
            for (signal, _) in previous {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = handler as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_RESTART;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signal, &action, std::ptr::null_mut());
            }
            previous
        }
    });
}

/// Records the executable segments of the C runtime's libraries.
fn find_runtime_code() {
    unsafe extern "C" fn each(
        info: *mut libc::dl_phdr_info,
        _size: libc::size_t,
        next: *mut libc::c_void,
    ) -> libc::c_int {
        // SAFETY: the loader hands us a valid entry for the duration of the call.
        let info = unsafe { &*info };
        if info.dlpi_name.is_null() {
            return 0;
        }
        // SAFETY: a NUL-terminated name owned by the loader.
        let name = unsafe { std::ffi::CStr::from_ptr(info.dlpi_name) }.to_string_lossy();
        let runtime = ["libc.so", "ld-linux", "libgcc_s", "libpthread", "libdl.so"]
            .iter()
            .any(|n| name.contains(n));
        if !runtime {
            return 0;
        }
        // SAFETY: `next` is the counter passed below.
        let next = unsafe { &mut *next.cast::<usize>() };
        for i in 0..info.dlpi_phnum as usize {
            // SAFETY: `dlpi_phdr` has `dlpi_phnum` entries.
            let header = unsafe { &*info.dlpi_phdr.add(i) };
            if header.p_type == libc::PT_LOAD
                && header.p_flags & libc::PF_X != 0
                && *next < MAX_RANGES
            {
                let start = info.dlpi_addr as usize + header.p_vaddr as usize;
                RANGES[*next].0.store(start, Ordering::Relaxed);
                RANGES[*next]
                    .1
                    .store(start + header.p_memsz as usize, Ordering::Relaxed);
                *next += 1;
            }
        }
        0
    }
    let mut next = 0usize;
    // SAFETY: the callback only reads what the loader passes it.
    unsafe { libc::dl_iterate_phdr(Some(each), (&mut next as *mut usize).cast()) };
}

fn in_runtime_code(pc: usize) -> bool {
    RANGES.iter().any(|(start, end)| {
        let (s, e) = (start.load(Ordering::Relaxed), end.load(Ordering::Relaxed));
        s != 0 && pc >= s && pc < e
    })
}

/// The interrupted instruction and stack pointer.
///
/// # Safety
/// `context` is the `ucontext_t` the kernel passed to the handler.
unsafe fn registers(context: *mut libc::c_void) -> Option<(usize, usize)> {
    let uc = context.cast::<libc::ucontext_t>();
    #[cfg(target_arch = "x86_64")]
    // SAFETY: as the caller promises.
    unsafe {
        let gregs = &(*uc).uc_mcontext.gregs;
        Some((
            gregs[libc::REG_RIP as usize] as usize,
            gregs[libc::REG_RSP as usize] as usize,
        ))
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: as the caller promises.
    unsafe {
        let m = &(*uc).uc_mcontext;
        Some((m.pc as usize, m.sp as usize))
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        // Traps are not supported here: the watcher leaves a stuck thread behind instead.
        let _ = uc;
        None
    }
}

/// Makes the interrupted coroutine return to the scheduler when the handler returns.
///
/// # Safety
/// `context` is the handler's `ucontext_t`, interrupted on `running`'s stack.
unsafe fn end_coroutine(running: &Running, context: *mut libc::c_void) {
    // SAFETY: the interrupted stack pointer is inside the coroutine (checked by the caller),
    // and the registers the trap needs are written back below.
    let regs = unsafe { running.trap.setup_trap_handler(|| ()) };
    let uc = context.cast::<libc::ucontext_t>();
    #[cfg(target_arch = "x86_64")]
    // SAFETY: writes the registers of the interrupted context, as corosensei asks.
    unsafe {
        let gregs = &mut (*uc).uc_mcontext.gregs;
        gregs[libc::REG_RIP as usize] = regs.rip as i64;
        gregs[libc::REG_RSP as usize] = regs.rsp as i64;
        gregs[libc::REG_RBP as usize] = regs.rbp as i64;
        gregs[libc::REG_RDI as usize] = regs.rdi as i64;
        gregs[libc::REG_RSI as usize] = regs.rsi as i64;
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: as above.
    unsafe {
        let m = &mut (*uc).uc_mcontext;
        m.pc = regs.pc;
        m.sp = regs.sp;
        m.regs[0] = regs.x0;
        m.regs[1] = regs.x1;
        m.regs[29] = regs.x29;
        m.regs[30] = regs.lr;
    }
    // Not reached elsewhere: `registers` refuses first.
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    let _ = (regs, uc);
}

/// Records the interrupted stack into `beacon`.
fn record_stack(beacon: &Beacon, pc: usize) {
    beacon.begin_frames(pc);
    // SAFETY: the unwinder only reads the stacks; no allocation happens in the callback.
    unsafe {
        backtrace::trace_unsynchronized(|frame| beacon.push_frame(frame.ip() as usize));
    }
}

extern "C" fn handler(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    let beacon = BEACON.with(Cell::get);
    let running = RUNNING.with(Cell::get);
    // SAFETY: the kernel passes a valid context; the beacon outlives the armed thread.
    let handled = unsafe {
        match (beacon.as_ref(), signal) {
            (Some(beacon), TRAP_SIGNAL) => on_trap_signal(beacon, running, context),
            (Some(beacon), _) => on_fault(beacon, running, info, context),
            (None, _) => false,
        }
    };
    if !handled {
        // SAFETY: forwards to the handler that was there before, with the same arguments.
        unsafe { chain(signal, info, context) };
    }
}

/// The watcher's request: end the running model thread if it is safe to.
///
/// # Safety
/// Called from the signal handler with its context.
unsafe fn on_trap_signal(
    beacon: &Beacon,
    running: Option<Running>,
    context: *mut libc::c_void,
) -> bool {
    let request = beacon.take_request();
    if request == TrapRequest::None {
        return false;
    }
    // SAFETY: the handler's context.
    let Some((pc, sp)) = (unsafe { registers(context) }) else {
        beacon.set_outcome(TrapOutcome::NotInModel);
        return true;
    };
    record_stack(beacon, pc);
    let Some(running) = running.filter(|r| r.trap.stack_ptr_in_bounds(sp)) else {
        beacon.set_outcome(TrapOutcome::NotInModel);
        return true;
    };
    match request {
        TrapRequest::HangRunning if in_runtime_code(pc) => beacon.set_outcome(TrapOutcome::NotNow),
        _ => {
            RUNNING.with(|r| r.set(None));
            beacon.set_outcome(TrapOutcome::Hang);
            // SAFETY: the stack pointer is in the coroutine.
            unsafe { end_coroutine(&running, context) };
        }
    }
    true
}

/// A fault: a stack overflow if it hit the running model thread's guard page.
///
/// # Safety
/// Called from the signal handler with its arguments.
unsafe fn on_fault(
    beacon: &Beacon,
    running: Option<Running>,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) -> bool {
    let Some(running) = running else {
        return false;
    };
    // SAFETY: the kernel's siginfo for a fault.
    let address = unsafe { (*info).si_addr() } as usize;
    // SAFETY: plain libc call.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
    // SAFETY: the handler's context.
    let Some((pc, sp)) = (unsafe { registers(context) }) else {
        return false;
    };
    let in_guard = address >= running.limit && address < running.limit + page;
    if !in_guard || !running.trap.stack_ptr_in_bounds(sp) {
        return false;
    }
    record_stack(beacon, pc);
    beacon.set_fault(address);
    RUNNING.with(|r| r.set(None));
    beacon.set_outcome(TrapOutcome::Overflow);
    // SAFETY: the stack pointer is in the coroutine (its guard page counts).
    unsafe { end_coroutine(&running, context) };
    true
}

/// Passes a signal on to the handler installed before ours; for a fault with no handler, restores
/// the default action so that the faulting instruction ends the process as it would have.
///
/// # Safety
/// Called from the signal handler with its arguments.
unsafe fn chain(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    let Some(previous) = PREVIOUS
        .get()
        .and_then(|all| all.iter().find(|(s, _)| *s == signal))
        .map(|(_, action)| *action)
    else {
        return;
    };
    let handler = previous.sa_sigaction;
    if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
        if signal != TRAP_SIGNAL {
            // SAFETY: resets the disposition; the fault happens again and ends the process.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = libc::SIG_DFL;
                libc::sigaction(signal, &action, std::ptr::null_mut());
            }
        }
        return;
    }
    // SAFETY: the previous handler was installed for this signal with these flags.
    unsafe {
        if previous.sa_flags & libc::SA_SIGINFO != 0 {
            let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                std::mem::transmute(handler);
            f(signal, info, context);
        } else {
            let f: extern "C" fn(libc::c_int) = std::mem::transmute(handler);
            f(signal);
        }
    }
}

/// Sends the trap signal to the exploration thread.
pub(crate) fn signal(pthread: usize) -> bool {
    // SAFETY: the thread is alive (the watcher holds its channel) and our handler is installed.
    unsafe { libc::pthread_kill(pthread as libc::pthread_t, TRAP_SIGNAL) == 0 }
}

/// Whether the kernel thread `tid` of this process is blocked (sleeping) rather than running.
pub(crate) fn is_blocked(tid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")) else {
        return false;
    };
    // The state follows the command name, which is in parentheses and may contain spaces.
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.trim_start().chars().next());
    matches!(state, Some('S' | 'D'))
}
