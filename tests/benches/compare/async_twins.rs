//! Async test bodies, written once for conc-check's `future` module and shuttle's: a task
//! counter for throughput and twins of the async corpus programs both can express (loom has
//! `block_on` but no `spawn`; shuttle has neither an async channel nor `Notify`, so the other
//! async corpus programs have no twin).

macro_rules! async_bodies {
    ($k:ident) => {
        use std::future::Future;
        use std::pin::Pin;
        use std::task::{Context, Poll, Waker};

        use ::$k::future::{block_on, spawn, yield_now};
        use ::$k::sync::atomic::{AtomicBool, Ordering};
        use ::$k::sync::{Arc, Mutex};

        /// Two tasks each add 1 to a `Mutex` counter, yield, and add 1 again; the main future
        /// awaits both.
        pub(crate) fn tasks_counter() {
            block_on(async {
                let count = Arc::new(Mutex::new(0));
                let tasks: Vec<_> = (0..2)
                    .map(|_| {
                        let count = count.clone();
                        spawn(async move {
                            *count.lock().unwrap() += 1;
                            yield_now().await;
                            *count.lock().unwrap() += 1;
                        })
                    })
                    .collect();
                for task in tasks {
                    task.await.unwrap();
                }
                assert_eq!(*count.lock().unwrap(), 4);
            });
        }

        /// A one-shot signal between tasks (as in `corpus/src/programs/lost_wakeup.rs`).
        #[derive(Default)]
        struct Signal {
            set: AtomicBool,
            waker: Mutex<Option<Waker>>,
        }

        impl Signal {
            fn set(&self) {
                self.set.store(true, Ordering::SeqCst);
                if let Some(waker) = self.waker.lock().unwrap().take() {
                    waker.wake();
                }
            }
        }

        /// Waits for the signal; `register_first` is the correct order.
        struct Wait {
            signal: Arc<Signal>,
            register_first: bool,
        }

        impl Future for Wait {
            type Output = ();

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
                let register = || *self.signal.waker.lock().unwrap() = Some(cx.waker().clone());
                if self.register_first {
                    register();
                }
                if self.signal.set.load(Ordering::SeqCst) {
                    return Poll::Ready(());
                }
                if !self.register_first {
                    register();
                }
                Poll::Pending
            }
        }

        /// Twin of `corpus::programs::lost_wakeup::buggy`.
        fn lost_wakeup() {
            let signal = Arc::new(Signal::default());
            let setter = {
                let signal = signal.clone();
                spawn(async move { signal.set() })
            };
            block_on(async {
                Wait {
                    signal,
                    register_first: false,
                }
                .await;
                setter.await.unwrap();
            });
        }

        /// Twin of `corpus::programs::guard_across_await::buggy`, with the signal above in
        /// place of `Notify`.
        fn guard_across_await() {
            let jobs = Arc::new(Mutex::new(0));
            let done = Arc::new(Signal::default());
            let (worker_jobs, worker_done) = (jobs.clone(), done.clone());
            let worker = spawn(async move {
                *worker_jobs.lock().unwrap() += 1;
                worker_done.set();
            });
            block_on(async {
                let guard = jobs.lock().unwrap();
                let seen = *guard;
                Wait {
                    signal: done,
                    register_first: true,
                }
                .await;
                drop(guard);
                assert!(seen <= 1);
                worker.await.unwrap();
            });
        }

        /// The twin of the async corpus program called `name`, if there is one.
        pub(crate) fn twin(name: &str) -> Option<fn()> {
            let f: fn() = match name {
                "lost_wakeup" => lost_wakeup,
                "guard_across_await" => guard_across_await,
                _ => return None,
            };
            Some(f)
        }
    };
}

/// The bodies over conc-check's `future` module.
#[allow(dead_code)]
pub(crate) mod cc {
    async_bodies!(conc_check);
}

/// The bodies over shuttle's `future` module.
pub(crate) mod shuttle {
    async_bodies!(shuttle);
}
