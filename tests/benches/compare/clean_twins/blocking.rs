//! Twins of the clean corpus programs built on blocking primitives: locks, condition variables,
//! channels, a barrier. Each is a port of the `clean` function of
//! `corpus/src/programs/<module>.rs` (named in its doc comment): the same threads, loop counts,
//! locks and assertions.

/// Expands to the twins over `::$k::sync` and `::$k::thread`, plus `twin(name)`. `UnsafeCell`
/// is whatever the invoking module imports under that name.
macro_rules! blocking_twins {
    ($k:ident) => {
        use std::collections::VecDeque;

        use ::$k::sync::mpsc::{channel, Receiver, Sender};
        use ::$k::sync::{Arc, Barrier, Condvar, Mutex, RwLock};
        use ::$k::thread;

        /// Twin of `self_relock::clean`: the value is copied out of the guard before the
        /// helper locks.
        fn self_relock_ok() {
            /// Locks `m` and increments it.
            fn bump(m: &Mutex<u32>) {
                *m.lock().unwrap() += 1;
            }
            let m = Mutex::new(0);
            let value = *m.lock().unwrap();
            if value == 0 {
                bump(&m);
            }
            assert_eq!(*m.lock().unwrap(), 1);
        }

        /// Twin of `condvar_if_not_while::clean`. Its `Condvar::wait_while` is spelled as the
        /// loop std runs inside `wait_while` (check, then wait, until the condition is false),
        /// because loom 0.7.3's `Condvar` has no `wait_while`.
        fn condvar_while_ok() {
            /// The item count and the condvar that announces items.
            type Queue = Arc<(Mutex<u32>, Condvar)>;
            /// Puts two items, notifying one waiter after each.
            fn producer(q: Queue) {
                for _ in 0..2 {
                    *q.0.lock().unwrap() += 1;
                    q.1.notify_one();
                }
            }
            /// Waits while there is no item, then takes one.
            fn consume_with_while(q: &Queue) {
                let (lock, cv) = &**q;
                let mut items = lock.lock().unwrap();
                while *items == 0 {
                    items = cv.wait(items).unwrap();
                }
                *items -= 1;
            }
            let q: Queue = Arc::new((Mutex::new(0), Condvar::new()));
            let consumers: Vec<_> = (0..2)
                .map(|_| {
                    let q = q.clone();
                    thread::spawn(move || consume_with_while(&q))
                })
                .collect();
            let p = {
                let q = q.clone();
                thread::spawn(move || producer(q))
            };
            p.join().unwrap();
            for c in consumers {
                c.join().unwrap();
            }
            assert_eq!(*q.0.lock().unwrap(), 0);
        }

        /// Twin of `order_violation::clean`: initialise, then spawn.
        fn order_ok() {
            /// The configuration the child reads.
            struct Config {
                workers: u32,
            }
            /// Reads the configuration's worker count under the lock.
            fn use_config(shared: &Mutex<Option<Config>>) -> u32 {
                let guard = shared.lock().unwrap();
                guard
                    .as_ref()
                    .expect("config used before it was initialised")
                    .workers
            }
            let shared = Arc::new(Mutex::new(None));
            *shared.lock().unwrap() = Some(Config { workers: 4 });
            let child = {
                let shared = shared.clone();
                thread::spawn(move || use_config(&shared))
            };
            assert_eq!(child.join().unwrap(), 4);
        }

        /// Twin of `unsynchronised_counter::clean`: every increment of the cell holds the lock.
        fn locked_counter_ok() {
            /// A lock and the cell it protects.
            struct Counter {
                lock: Mutex<()>,
                count: UnsafeCell<u32>,
            }
            // SAFETY: `count` is only accessed under `lock` or after the threads are joined.
            unsafe impl Sync for Counter {}
            let counter = Arc::new(Counter {
                lock: Mutex::new(()),
                count: UnsafeCell::new(0),
            });
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    let counter = counter.clone();
                    thread::spawn(move || {
                        let _guard = counter.lock.lock().unwrap();
                        // SAFETY: the lock is held.
                        counter.count.with_mut(|p| unsafe { *p += 1 });
                    })
                })
                .collect();
            for w in workers {
                w.join().unwrap();
            }
            // SAFETY: both workers have been joined.
            let total = counter.count.with(|p| unsafe { *p });
            assert_eq!(total, 2, "an increment was lost");
        }

        /// Twin of `abba::clean`: three threads take subsets of A, B, C, always in that order.
        fn consistent_order_ok() {
            let a = Arc::new(Mutex::new(0));
            let b = Arc::new(Mutex::new(0));
            let c = Arc::new(Mutex::new(0));
            let (a1, b1) = (a.clone(), b.clone());
            let first = thread::spawn(move || {
                let mut x = a1.lock().unwrap();
                let mut y = b1.lock().unwrap();
                *x += 1;
                *y += 1;
            });
            let (b2, c2) = (b.clone(), c.clone());
            let second = thread::spawn(move || {
                let mut y = b2.lock().unwrap();
                let mut z = c2.lock().unwrap();
                *y += 1;
                *z += 1;
            });
            let (a3, b3, c3) = (a.clone(), b.clone(), c.clone());
            let third = thread::spawn(move || {
                let mut x = a3.lock().unwrap();
                let y = b3.lock().unwrap();
                let mut z = c3.lock().unwrap();
                *x += 1;
                *z += *y;
            });
            first.join().unwrap();
            second.join().unwrap();
            third.join().unwrap();
            assert_eq!(*a.lock().unwrap(), 2);
        }

        /// Twin of `dining_philosophers::clean`: five philosophers, the last one takes its
        /// right fork first.
        fn dining_ordered_ok() {
            /// Philosophers, and forks.
            const PHILOSOPHERS: usize = 5;
            let forks: Arc<Vec<Mutex<u32>>> =
                Arc::new((0..PHILOSOPHERS).map(|_| Mutex::new(0)).collect());
            let philosophers: Vec<_> = (0..PHILOSOPHERS)
                .map(|i| {
                    let forks = forks.clone();
                    thread::spawn(move || {
                        let (left, right) = (i, (i + 1) % PHILOSOPHERS);
                        let (first, second) = if i == PHILOSOPHERS - 1 {
                            (right, left)
                        } else {
                            (left, right)
                        };
                        let mut a = forks[first].lock().unwrap();
                        let mut b = forks[second].lock().unwrap();
                        *a += 1;
                        *b += 1;
                    })
                })
                .collect();
            for p in philosophers {
                p.join().unwrap();
            }
            let meals: u32 = forks.iter().map(|f| *f.lock().unwrap()).sum();
            assert_eq!(meals, 2 * PHILOSOPHERS as u32);
        }

        /// Twin of `gate_lock::clean`: both orders of A and B, each under the gate lock.
        fn gate_lock_ok() {
            /// The gate and the two inner locks.
            struct Locks {
                gate: Mutex<()>,
                a: Mutex<u32>,
                b: Mutex<u32>,
            }
            let locks = Arc::new(Locks {
                gate: Mutex::new(()),
                a: Mutex::new(0),
                b: Mutex::new(0),
            });
            let l = locks.clone();
            let first = thread::spawn(move || {
                let _gate = l.gate.lock().unwrap();
                let mut a = l.a.lock().unwrap();
                let mut b = l.b.lock().unwrap();
                *a += 1;
                *b += 1;
            });
            let l = locks.clone();
            let second = thread::spawn(move || {
                // The corpus writes `second_takes_gate.then(|| …)` with `true`: the same lock.
                let _gate = Some(l.gate.lock().unwrap());
                let mut b = l.b.lock().unwrap();
                let mut a = l.a.lock().unwrap();
                *a += 1;
                *b += 1;
            });
            first.join().unwrap();
            second.join().unwrap();
            assert_eq!(*locks.a.lock().unwrap(), 2);
        }

        /// Twin of `channel_cycle::clean`: the first peer sends before it receives.
        fn channel_ping_pong_ok() {
            /// Receives one message and answers it; with `send_first`, sends its own first.
            fn peer(rx: Receiver<u32>, tx: Sender<u32>, send_first: bool) {
                if send_first {
                    tx.send(1).unwrap();
                    let _ = rx.recv().unwrap();
                } else {
                    let got = rx.recv().unwrap();
                    tx.send(got + 1).unwrap();
                }
            }
            let (to_first, first_rx) = channel();
            let (to_second, second_rx) = channel();
            let first = thread::spawn(move || peer(first_rx, to_second, true));
            let second = thread::spawn(move || peer(second_rx, to_first, false));
            first.join().unwrap();
            second.join().unwrap();
        }

        /// Twin of `barrier_miscount::clean`: a barrier of two, two waiters.
        fn barrier_ok() {
            let barrier = Arc::new(Barrier::new(2));
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    let barrier = barrier.clone();
                    thread::spawn(move || {
                        barrier.wait();
                    })
                })
                .collect();
            for w in workers {
                w.join().unwrap();
            }
        }

        /// Twin of `reader_pref::clean`: two readers poll an `RwLock` (no yield) until the
        /// writer sets it.
        fn rwlock_readers_ok() {
            let published = Arc::new(RwLock::new(false));
            let readers: Vec<_> = (0..2)
                .map(|_| {
                    let p = published.clone();
                    thread::spawn(move || while !*p.read().unwrap() {})
                })
                .collect();
            let p = published.clone();
            let writer = thread::spawn(move || *p.write().unwrap() = true);
            writer.join().unwrap();
            for r in readers {
                r.join().unwrap();
            }
        }

        /// Twin of `recursive_read::clean`: the reader takes the settings once while an
        /// updater writes them.
        fn single_read_ok() {
            let settings = Arc::new(RwLock::new((String::from("pool"), 4u32)));
            let updater = {
                let settings = settings.clone();
                thread::spawn(move || settings.write().unwrap().1 += 1)
            };
            let text = {
                let s = settings.read().unwrap();
                let limit = s.1;
                format!("{}: {limit}", s.0)
            };
            assert!(text == "pool: 4" || text == "pool: 5", "{text}");
            updater.join().unwrap();
        }

        /// Twin of `backoff_philosophers::clean`: two philosophers take both forks in one
        /// global order.
        fn ordered_philosophers_ok() {
            philosophers(None, true);
        }

        /// Twin of `backoff_philosophers::bounded`: they back off, but after 50 failures take
        /// the forks in the global order.
        fn bounded_backoff_ok() {
            philosophers(Some(50), false);
        }

        /// Two philosophers, each eating once: in the global order when `ordered`, else backing
        /// off (take the left fork, try the right, put the left back and yield) up to `limit`
        /// failures, then in the global order.
        fn philosophers(limit: Option<u32>, ordered: bool) {
            let forks = Arc::new([Mutex::new(()), Mutex::new(())]);
            let meals = Arc::new(Mutex::new(0));
            let eat_in_order = |forks: &[Mutex<()>; 2], meals: &Mutex<u32>| {
                let _first = forks[0].lock().unwrap();
                let _second = forks[1].lock().unwrap();
                *meals.lock().unwrap() += 1;
            };
            let philosophers: Vec<_> = (0..2)
                .map(|me| {
                    let (forks, meals) = (forks.clone(), meals.clone());
                    thread::spawn(move || {
                        if ordered {
                            return eat_in_order(&forks, &meals);
                        }
                        let mut failures = 0;
                        loop {
                            if limit.is_some_and(|limit| failures >= limit) {
                                return eat_in_order(&forks, &meals);
                            }
                            let held = forks[me].lock().unwrap();
                            if let Ok(_other) = forks[1 - me].try_lock() {
                                *meals.lock().unwrap() += 1;
                                return;
                            }
                            drop(held);
                            failures += 1;
                            thread::yield_now();
                        }
                    })
                })
                .collect();
            for p in philosophers {
                p.join().unwrap();
            }
            assert_eq!(*meals.lock().unwrap(), 2);
        }

        /// Twin of `bounded_buffer::clean`: a one-slot buffer on a Mutex and two Condvars,
        /// two producers and two consumers.
        fn bounded_buffer_ok() {
            /// Items the buffer holds at most.
            const CAPACITY: usize = 1;
            /// The buffer and its two conditions.
            struct Buffer {
                items: Mutex<VecDeque<u32>>,
                not_full: Condvar,
                not_empty: Condvar,
            }
            impl Buffer {
                /// Waits for room, puts `item`, wakes a consumer.
                fn put(&self, item: u32) {
                    let mut items = self.items.lock().unwrap();
                    while items.len() == CAPACITY {
                        items = self.not_full.wait(items).unwrap();
                    }
                    items.push_back(item);
                    self.not_empty.notify_one();
                }
                /// Waits for an item, takes it, wakes a producer.
                fn take(&self) -> u32 {
                    let mut items = self.items.lock().unwrap();
                    while items.is_empty() {
                        items = self.not_empty.wait(items).unwrap();
                    }
                    let item = items.pop_front().expect("not empty");
                    self.not_full.notify_one();
                    item
                }
            }
            let buffer = Arc::new(Buffer {
                items: Mutex::new(VecDeque::new()),
                not_full: Condvar::new(),
                not_empty: Condvar::new(),
            });
            let producers: Vec<_> = (1..=2)
                .map(|item| {
                    let buffer = buffer.clone();
                    thread::spawn(move || buffer.put(item))
                })
                .collect();
            let consumers: Vec<_> = (0..2)
                .map(|_| {
                    let buffer = buffer.clone();
                    thread::spawn(move || buffer.take())
                })
                .collect();
            producers.into_iter().for_each(|p| p.join().unwrap());
            let mut taken: Vec<u32> = consumers.into_iter().map(|c| c.join().unwrap()).collect();
            taken.sort_unstable();
            assert_eq!(taken, [1, 2], "an item was lost or taken twice");
        }

        /// The twin of the clean corpus program called `name`, if it is one of these.
        pub(crate) fn twin(name: &str) -> Option<fn()> {
            let f: fn() = match name {
                "self_relock_ok" => self_relock_ok,
                "condvar_while_ok" => condvar_while_ok,
                "order_ok" => order_ok,
                "locked_counter_ok" => locked_counter_ok,
                "consistent_order_ok" => consistent_order_ok,
                "dining_ordered_ok" => dining_ordered_ok,
                "gate_lock_ok" => gate_lock_ok,
                "channel_ping_pong_ok" => channel_ping_pong_ok,
                "barrier_ok" => barrier_ok,
                "rwlock_readers_ok" => rwlock_readers_ok,
                "single_read_ok" => single_read_ok,
                "ordered_philosophers_ok" => ordered_philosophers_ok,
                "bounded_backoff_ok" => bounded_backoff_ok,
                "bounded_buffer_ok" => bounded_buffer_ok,
                _ => return None,
            };
            Some(f)
        }
    };
}

/// The blocking twins over loom, with loom's tracked `UnsafeCell`.
pub(crate) mod loom {
    use ::real_loom::cell::UnsafeCell;
    blocking_twins!(real_loom);
}

/// The blocking twins over shuttle, with the plain cell (shuttle tracks no cell accesses).
pub(crate) mod shuttle {
    use super::super::PlainCell as UnsafeCell;
    blocking_twins!(shuttle);
}
