//! Model threads as coroutines, on stacks that are pooled and reused across executions.
//!
//! A model thread gets the stack a std thread would get: `thread::Builder::stack_size` when the
//! test gives one, else `RUST_MIN_STACK`, else std's 2 MiB. Each stack has a guard page below it,
//! so running off its end faults there and [`super::trap`] reports a stack overflow instead of
//! the process dying.

use std::sync::OnceLock;

use corosensei::stack::{DefaultStack, Stack};
use corosensei::trap::CoroutineTrapHandler;
use corosensei::{Coroutine, CoroutineResult};

use super::api;
use super::body::Body;
use super::context::with;

/// std's default stack size for spawned threads.
const STD_DEFAULT_STACK: usize = 2 << 20;

/// The smallest stack a model thread gets, whatever it asks for: the engine's own frames and
/// the signal handling need some room.
const MIN_STACK: usize = 64 << 10;

/// The stack size a model thread gets when nothing asks for one: `RUST_MIN_STACK` when set (as
/// std does), else 2 MiB.
pub(crate) fn default_stack_size() -> usize {
    static SIZE: OnceLock<usize> = OnceLock::new();
    *SIZE.get_or_init(|| {
        std::env::var("RUST_MIN_STACK")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(STD_DEFAULT_STACK)
    })
}

/// A model thread's coroutine.
type ModelCoroutine = Coroutine<(), (), (), DefaultStack>;

/// A model thread's coroutine, with where its stack is.
pub(crate) struct ModelThread {
    coroutine: ModelCoroutine,
    /// Usable size requested for the stack (the pool key).
    size: usize,
    /// The stack's lowest address, where its guard page is.
    limit: usize,
}

impl ModelThread {
    /// What a signal handler needs to end this coroutine from inside it.
    pub(crate) fn trap_handler(&self) -> CoroutineTrapHandler<()> {
        self.coroutine.trap_handler()
    }

    /// The stack's lowest address: its guard page starts there.
    pub(crate) fn stack_limit(&self) -> usize {
        self.limit
    }

    /// The usable size of the stack.
    pub(crate) fn stack_size(&self) -> usize {
        self.size
    }
}

/// Stacks kept for reuse, by size (a test uses one or two sizes, so a short list beats a map).
#[derive(Default)]
pub(crate) struct StackPool {
    free: Vec<(usize, Vec<DefaultStack>)>,
}

impl StackPool {
    fn take(&mut self, size: usize) -> Result<DefaultStack, String> {
        if let Some(stack) = self
            .free
            .iter_mut()
            .find(|(s, _)| *s == size)
            .and_then(|(_, stacks)| stacks.pop())
        {
            return Ok(stack);
        }
        DefaultStack::new(size)
            .map_err(|e| format!("cannot map a {} KiB model thread stack: {e}", size >> 10))
    }

    fn put(&mut self, size: usize, stack: DefaultStack) {
        match self.free.iter_mut().find(|(s, _)| *s == size) {
            Some((_, stacks)) => stacks.push(stack),
            None => self.free.push((size, vec![stack])),
        }
    }

    /// Returns a finished coroutine's stack to the pool.
    pub(crate) fn recycle(&mut self, thread: ModelThread) {
        let size = thread.size;
        self.put(size, thread.coroutine.into_stack());
    }

    /// Returns the stack of a coroutine that will never be resumed, without running the
    /// destructors of what is on it (they belong to an abandoned execution).
    pub(crate) fn reclaim_abandoned(&mut self, mut thread: ModelThread) {
        let coroutine = &mut thread.coroutine;
        if coroutine.started() && !coroutine.done() {
            // SAFETY: nothing on this stack is used again; its objects are leaked, not dropped.
            unsafe { coroutine.force_reset() };
        }
        if coroutine.started() {
            self.recycle(thread);
        } else {
            // Never ran: its closure sits on the stack. Leak it rather than run user drops.
            std::mem::forget(thread);
        }
    }

    /// A coroutine that runs `body` as a model thread on a stack of `size` bytes (at least
    /// [`MIN_STACK`]).
    pub(crate) fn start(&mut self, body: Body, size: usize) -> Result<ModelThread, String> {
        let size = size.max(MIN_STACK);
        let stack = self.take(size)?;
        let limit = stack.limit().get();
        let coroutine = Coroutine::with_stack(stack, move |yielder, ()| {
            with(|e| {
                let me = e.current;
                e.thread(me).yielder = yielder;
            });
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || body.run()));
            api::finish_thread(result);
        });
        Ok(ModelThread {
            coroutine,
            size,
            limit,
        })
    }
}

/// Resumes `thread`; true when it finished (returned, or was ended by a trap).
pub(crate) fn resume(thread: &mut ModelThread) -> bool {
    matches!(thread.coroutine.resume(()), CoroutineResult::Return(()))
}
