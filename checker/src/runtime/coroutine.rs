//! Model threads as coroutines, on stacks that are pooled and reused across executions.

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult};

use super::api;
use super::context::with;
use super::execution::Body;

/// Stack size of a model thread. Pages are committed only when touched.
const STACK_SIZE: usize = 1 << 20;

/// A model thread's coroutine.
pub(crate) type ModelCoroutine = Coroutine<(), (), (), DefaultStack>;

/// Stacks kept for reuse.
#[derive(Default)]
pub(crate) struct StackPool {
    free: Vec<DefaultStack>,
}

impl StackPool {
    fn take(&mut self) -> DefaultStack {
        match self.free.pop() {
            Some(stack) => stack,
            None => {
                DefaultStack::new(STACK_SIZE).expect("conc-check: cannot map a model thread stack")
            }
        }
    }

    /// Returns a finished coroutine's stack to the pool.
    pub(crate) fn recycle(&mut self, coroutine: ModelCoroutine) {
        self.free.push(coroutine.into_stack());
    }

    /// Returns the stack of a coroutine that will never be resumed, without running the
    /// destructors of what is on it (they belong to an abandoned execution).
    pub(crate) fn reclaim_abandoned(&mut self, mut coroutine: ModelCoroutine) {
        if coroutine.started() && !coroutine.done() {
            // SAFETY: nothing on this stack is used again; its objects are leaked, not dropped.
            unsafe { coroutine.force_reset() };
        }
        if coroutine.started() {
            self.recycle(coroutine);
        } else {
            // Never ran: its closure sits on the stack. Leak it rather than run user drops.
            std::mem::forget(coroutine);
        }
    }

    /// A coroutine that runs `body` as a model thread.
    pub(crate) fn start(&mut self, body: Body) -> ModelCoroutine {
        Coroutine::with_stack(self.take(), move |yielder, ()| {
            with(|e| {
                let me = e.current;
                e.thread(me).yielder = yielder;
            });
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
            api::finish_thread(result);
        })
    }
}

/// Resumes `coroutine`; true when it finished.
pub(crate) fn resume(coroutine: &mut ModelCoroutine) -> bool {
    matches!(coroutine.resume(()), CoroutineResult::Return(()))
}
