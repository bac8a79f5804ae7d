//! The test bodies, written once and instantiated for conc-check, loom and shuttle.
//!
//! `bodies!(path)` expands to the same functions over `path::sync` and `path::thread`: the
//! counters of the throughput and exhaustive sections, and twins of the buggy corpus programs
//! (same logic as `corpus/src/programs/*.rs`, which stay the reference for conc-check itself).
//! The twins of the clean programs are in `clean_twins.rs`.

macro_rules! bodies {
    ($k:ident) => {
        use ::$k::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        use ::$k::sync::{Arc, Condvar, Mutex, RwLock};
        use ::$k::thread;

        /// `n` threads each increment an `Arc<Mutex<usize>>` once; main joins them.
        fn mutex_counter(n: usize) {
            let c = Arc::new(Mutex::new(0usize));
            let hs: Vec<_> = (0..n)
                .map(|_| {
                    let c = c.clone();
                    thread::spawn(move || *c.lock().unwrap() += 1)
                })
                .collect();
            for h in hs {
                h.join().unwrap();
            }
            assert_eq!(*c.lock().unwrap(), n);
        }

        /// Three threads on a Mutex counter.
        pub(crate) fn mutex3() {
            mutex_counter(3)
        }

        /// Four threads on a Mutex counter.
        pub(crate) fn mutex4() {
            mutex_counter(4)
        }

        /// Main and one thread each do three `fetch_add` on one atomic.
        pub(crate) fn atomic_pair() {
            let c = Arc::new(AtomicUsize::new(0));
            let t = {
                let c = c.clone();
                thread::spawn(move || {
                    for _ in 0..3 {
                        c.fetch_add(1, Ordering::SeqCst);
                    }
                })
            };
            for _ in 0..3 {
                c.fetch_add(1, Ordering::SeqCst);
            }
            t.join().unwrap();
            assert_eq!(c.load(Ordering::SeqCst), 6);
        }

        /// Twin of `corpus::programs::self_relock::buggy`.
        #[allow(clippy::single_match)]
        fn self_relock() {
            let m = Mutex::new(0u32);
            match *m.lock().unwrap() {
                0 => *m.lock().unwrap() += 1,
                _ => {}
            };
        }

        /// Twin of `corpus::programs::condvar_if_not_while::buggy`.
        fn condvar_if_not_while() {
            let q = Arc::new((Mutex::new(0u32), Condvar::new()));
            let consumers: Vec<_> = (0..2)
                .map(|_| {
                    let q = q.clone();
                    thread::spawn(move || {
                        let (lock, cv) = &*q;
                        let mut items = lock.lock().unwrap();
                        if *items == 0 {
                            items = cv.wait(items).unwrap();
                        }
                        assert!(*items > 0, "woke up with nothing to consume");
                        *items -= 1;
                    })
                })
                .collect();
            let p = {
                let q = q.clone();
                thread::spawn(move || {
                    for _ in 0..2 {
                        *q.0.lock().unwrap() += 1;
                        q.1.notify_one();
                    }
                })
            };
            p.join().unwrap();
            for c in consumers {
                c.join().unwrap();
            }
            assert_eq!(*q.0.lock().unwrap(), 0);
        }

        /// Twin of `corpus::programs::check_then_act::buggy`.
        fn check_then_act() {
            let flag = Arc::new(AtomicBool::new(false));
            let count = Arc::new(AtomicUsize::new(0));
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    let (flag, count) = (flag.clone(), count.clone());
                    thread::spawn(move || {
                        if !flag.load(Ordering::SeqCst) {
                            flag.store(true, Ordering::SeqCst);
                            count.fetch_add(1, Ordering::SeqCst);
                        }
                    })
                })
                .collect();
            for w in workers {
                w.join().unwrap();
            }
            assert!(
                count.load(Ordering::SeqCst) <= 1,
                "both threads claimed the flag"
            );
        }

        /// Twin of `corpus::programs::lost_update::buggy`.
        fn lost_update() {
            let c = Arc::new(AtomicUsize::new(0));
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    let c = c.clone();
                    thread::spawn(move || {
                        for _ in 0..2 {
                            c.store(c.load(Ordering::SeqCst) + 1, Ordering::SeqCst);
                        }
                    })
                })
                .collect();
            for w in workers {
                w.join().unwrap();
            }
            assert_eq!(c.load(Ordering::SeqCst), 4, "an increment was lost");
        }

        /// Twin of `corpus::programs::order_violation::buggy`.
        fn order_violation() {
            let shared: Arc<Mutex<Option<u32>>> = Arc::new(Mutex::new(None));
            let child = {
                let shared = shared.clone();
                thread::spawn(move || {
                    shared
                        .lock()
                        .unwrap()
                        .expect("config used before it was initialised")
                })
            };
            *shared.lock().unwrap() = Some(4);
            assert_eq!(child.join().unwrap(), 4);
        }

        /// Twin of `corpus::programs::deep_preemptions::buggy`.
        fn deep_preemptions() {
            fn advance(stage: &AtomicUsize, mine: [usize; 3]) {
                for s in mine {
                    if stage.load(Ordering::SeqCst) == s {
                        stage.store(s + 1, Ordering::SeqCst);
                    }
                }
            }
            let stage = Arc::new(AtomicUsize::new(0));
            let a = {
                let stage = stage.clone();
                thread::spawn(move || advance(&stage, [0, 2, 4]))
            };
            let b = {
                let stage = stage.clone();
                thread::spawn(move || advance(&stage, [1, 3, 5]))
            };
            a.join().unwrap();
            b.join().unwrap();
            assert_ne!(
                stage.load(Ordering::SeqCst),
                6,
                "the threads alternated through every stage"
            );
        }

        /// Twin of `corpus::programs::spin_flag::buggy`: a yielding spin on a flag nobody sets.
        fn spin_never_set() {
            let started = Arc::new(AtomicBool::new(false));
            let ready = Arc::new(AtomicBool::new(false));
            let r = ready.clone();
            let waiter = thread::spawn(move || {
                while !r.load(Ordering::Acquire) {
                    thread::yield_now();
                }
            });
            started.store(true, Ordering::Release);
            waiter.join().unwrap();
        }

        /// Twin of `corpus::programs::polite::buggy`.
        fn polite_livelock() {
            fn polite(flags: &[AtomicBool; 2], me: usize) {
                loop {
                    flags[me].store(true, Ordering::SeqCst);
                    thread::yield_now();
                    let busy = flags[1 - me].load(Ordering::SeqCst);
                    thread::yield_now();
                    if !busy {
                        break;
                    }
                    flags[me].store(false, Ordering::SeqCst);
                    thread::yield_now();
                }
                flags[me].store(false, Ordering::SeqCst);
            }
            let flags = Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);
            let hs: Vec<_> = (0..2)
                .map(|me| {
                    let f = flags.clone();
                    thread::spawn(move || polite(&f, me))
                })
                .collect();
            for h in hs {
                h.join().unwrap();
            }
        }

        /// Twin of `corpus::programs::reader_pref::buggy`.
        fn reader_pref_starvation() {
            const WRITER: usize = 1 << 20;
            let lock = Arc::new(AtomicUsize::new(0));
            let published = Arc::new(AtomicBool::new(false));
            let readers: Vec<_> = (0..2)
                .map(|_| {
                    let (lock, published) = (lock.clone(), published.clone());
                    thread::spawn(move || loop {
                        loop {
                            let s = lock.load(Ordering::Acquire);
                            if s & WRITER == 0
                                && lock
                                    .compare_exchange(
                                        s,
                                        s + 1,
                                        Ordering::Acquire,
                                        Ordering::Relaxed,
                                    )
                                    .is_ok()
                            {
                                break;
                            }
                            thread::yield_now();
                        }
                        let done = published.load(Ordering::Relaxed);
                        lock.fetch_sub(1, Ordering::Release);
                        if done {
                            break;
                        }
                    })
                })
                .collect();
            let writer = {
                let (lock, published) = (lock.clone(), published.clone());
                thread::spawn(move || {
                    while lock
                        .compare_exchange(0, WRITER, Ordering::Acquire, Ordering::Relaxed)
                        .is_err()
                    {}
                    published.store(true, Ordering::Relaxed);
                    lock.store(0, Ordering::Release);
                })
            };
            writer.join().unwrap();
            for r in readers {
                r.join().unwrap();
            }
        }

        /// Twin of `corpus::programs::recursive_read::buggy`: a helper read-locks the
        /// settings again while the caller holds them, and an updater writes.
        fn recursive_read() {
            /// Reads the limit through the lock.
            fn limit(settings: &RwLock<(String, u32)>) -> u32 {
                settings.read().unwrap().1
            }
            let settings = Arc::new(RwLock::new((String::from("pool"), 4)));
            let updater = {
                let settings = settings.clone();
                thread::spawn(move || settings.write().unwrap().1 += 1)
            };
            let text = {
                let s = settings.read().unwrap();
                format!("{}: {}", s.0, limit(&settings))
            };
            assert!(text == "pool: 4" || text == "pool: 5", "{text}");
            updater.join().unwrap();
        }

        /// Twin of `corpus::programs::backoff_philosophers::buggy`: two philosophers take
        /// their left fork, try the right one, and put the left back and yield when it is taken.
        fn backoff_philosophers() {
            let forks = Arc::new([Mutex::new(()), Mutex::new(())]);
            let meals = Arc::new(AtomicUsize::new(0));
            let philosophers: Vec<_> = (0..2)
                .map(|me| {
                    let (forks, meals) = (forks.clone(), meals.clone());
                    thread::spawn(move || loop {
                        let held = forks[me].lock().unwrap();
                        if let Ok(_other) = forks[1 - me].try_lock() {
                            meals.fetch_add(1, Ordering::Relaxed);
                            return;
                        }
                        drop(held);
                        thread::yield_now();
                    })
                })
                .collect();
            for p in philosophers {
                p.join().unwrap();
            }
            assert_eq!(meals.load(Ordering::Relaxed), 2);
        }

        /// Twin of `corpus::programs::tas_starvation::buggy`: a worker takes and releases a
        /// test-and-set lock until main, which needs it once, raises the stop flag.
        fn tas_starvation() {
            /// Takes the test-and-set lock.
            fn lock(held: &AtomicBool) {
                while held.swap(true, Ordering::Acquire) {
                    thread::yield_now();
                }
            }
            let held = Arc::new(AtomicBool::new(false));
            let stop = Arc::new(AtomicBool::new(false));
            let worker = {
                let (held, stop) = (held.clone(), stop.clone());
                thread::spawn(move || {
                    while !stop.load(Ordering::Acquire) {
                        lock(&held);
                        held.store(false, Ordering::Release);
                        thread::yield_now();
                    }
                })
            };
            lock(&held);
            stop.store(true, Ordering::Release);
            held.store(false, Ordering::Release);
            worker.join().unwrap();
        }

        /// Twin of `corpus::programs::treiber_index::buggy` (untagged head of pool indices).
        fn treiber_index_aba() {
            const NIL: usize = usize::MAX;
            struct Stack {
                head: AtomicUsize,
                next: [AtomicUsize; 3],
            }
            impl Stack {
                fn pop(&self) -> Option<usize> {
                    loop {
                        let h = self.head.load(Ordering::Acquire);
                        if h == NIL {
                            return None;
                        }
                        let next = self.next[h].load(Ordering::Relaxed);
                        if self
                            .head
                            .compare_exchange(h, next, Ordering::AcqRel, Ordering::Acquire)
                            .is_ok()
                        {
                            return Some(h);
                        }
                    }
                }
                fn push(&self, i: usize) {
                    loop {
                        let h = self.head.load(Ordering::Acquire);
                        self.next[i].store(h, Ordering::Relaxed);
                        if self
                            .head
                            .compare_exchange(h, i, Ordering::AcqRel, Ordering::Acquire)
                            .is_ok()
                        {
                            return;
                        }
                    }
                }
            }
            let stack = Arc::new(Stack {
                head: AtomicUsize::new(0),
                next: [
                    AtomicUsize::new(1),
                    AtomicUsize::new(2),
                    AtomicUsize::new(NIL),
                ],
            });
            let s = stack.clone();
            let popper = thread::spawn(move || s.pop());
            let s = stack.clone();
            let recycler = thread::spawn(move || {
                let a = s.pop();
                let b = s.pop();
                if let Some(a) = a {
                    s.push(a);
                }
                b
            });
            let mut owned: Vec<usize> = Vec::new();
            owned.extend(popper.join().unwrap());
            owned.extend(recycler.join().unwrap());
            let mut i = stack.head.load(Ordering::Acquire);
            while i != NIL && owned.len() <= 6 {
                owned.push(i);
                i = stack.next[i].load(Ordering::Relaxed);
            }
            let mut distinct = owned.clone();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(
                distinct.len(),
                owned.len(),
                "a node was handed out twice: {owned:?}"
            );
        }

        /// Twin of `corpus::programs::relaxed_publication::buggy`.
        fn relaxed_publication() {
            let value = Arc::new(AtomicUsize::new(0));
            let ready = Arc::new(AtomicBool::new(false));
            let loader = {
                let (value, ready) = (value.clone(), ready.clone());
                thread::spawn(move || {
                    value.store(42, Ordering::Relaxed);
                    ready.store(true, Ordering::Relaxed);
                })
            };
            while !ready.load(Ordering::Relaxed) {
                thread::yield_now();
            }
            assert_eq!(
                value.load(Ordering::Relaxed),
                42,
                "the flag was set but the value it publishes was not seen"
            );
            loader.join().unwrap();
        }

        /// Twin of `corpus::programs::peterson::buggy`.
        fn peterson_release_acquire() {
            let flags = Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);
            let turn = Arc::new(AtomicUsize::new(0));
            let inside = Arc::new(AtomicUsize::new(0));
            let enter = move |me: usize,
                              flags: &[AtomicBool; 2],
                              turn: &AtomicUsize,
                              inside: &AtomicUsize| {
                let other = 1 - me;
                flags[me].store(true, Ordering::Release);
                turn.store(other, Ordering::Release);
                while flags[other].load(Ordering::Acquire) && turn.load(Ordering::Acquire) == other
                {
                    thread::yield_now();
                }
                let before = inside.fetch_add(1, Ordering::Relaxed);
                assert_eq!(before, 0, "both threads are in the critical section");
                inside.fetch_sub(1, Ordering::Relaxed);
                flags[me].store(false, Ordering::Release);
            };
            let other = {
                let (flags, turn, inside) = (flags.clone(), turn.clone(), inside.clone());
                thread::spawn(move || enter(1, &flags, &turn, &inside))
            };
            enter(0, &flags, &turn, &inside);
            other.join().unwrap();
        }

        /// Twin of `corpus::programs::double_checked::buggy`.
        fn double_checked_relaxed() {
            let state = Arc::new((AtomicBool::new(false), AtomicUsize::new(0), Mutex::new(())));
            let get = |state: &(AtomicBool, AtomicUsize, Mutex<()>)| {
                let (initialised, value, lock) = state;
                if !initialised.load(Ordering::Relaxed) {
                    let _guard = lock.lock().unwrap();
                    if !initialised.load(Ordering::Relaxed) {
                        value.store(42, Ordering::Relaxed);
                        initialised.store(true, Ordering::Relaxed);
                    }
                }
                value.load(Ordering::Relaxed)
            };
            let other = {
                let state = state.clone();
                thread::spawn(move || get(&state))
            };
            let mine = get(&state);
            let theirs = other.join().unwrap();
            assert_eq!(
                (mine, theirs),
                (42, 42),
                "a thread used the value before it was initialised"
            );
        }

        /// Twin of `corpus::programs::seqlock::buggy`.
        fn seqlock_no_fence() {
            let lock = Arc::new((
                AtomicUsize::new(0),
                [AtomicUsize::new(0), AtomicUsize::new(0)],
            ));
            let writer = {
                let lock = lock.clone();
                thread::spawn(move || {
                    let (sequence, words) = &*lock;
                    let s = sequence.load(Ordering::Relaxed);
                    sequence.store(s + 1, Ordering::Relaxed);
                    ::$k::sync::atomic::fence(Ordering::Release);
                    words[0].store(7, Ordering::Relaxed);
                    words[1].store(7, Ordering::Relaxed);
                    sequence.store(s + 2, Ordering::Release);
                })
            };
            let (sequence, words) = &*lock;
            let [a, b] = loop {
                let before = sequence.load(Ordering::Acquire);
                let read = [
                    words[0].load(Ordering::Relaxed),
                    words[1].load(Ordering::Relaxed),
                ];
                let after = sequence.load(Ordering::Relaxed);
                if before == after && before % 2 == 0 {
                    break read;
                }
                thread::yield_now();
            };
            assert_eq!(a, b, "the reader kept a torn pair");
            writer.join().unwrap();
        }

        /// Twin of `corpus::programs::safe_stack::buggy` (Vyukov's stack of pool slots). loom
        /// and shuttle have no tracked cell that both check, so each slot carries a flag that
        /// its owner sets when it pops the slot and clears before pushing it: finding the flag
        /// set is the slot handed to two threads, where the corpus program's owners race on
        /// the slot's cell. Retries yield where the corpus program calls `spin_loop`.
        fn safe_stack() {
            const NIL: usize = usize::MAX;
            struct Slot {
                taken: AtomicBool,
                next: AtomicUsize,
            }
            struct Stack {
                slots: [Slot; 3],
                head: AtomicUsize,
                count: AtomicUsize,
            }
            impl Stack {
                fn pop(&self) -> Option<usize> {
                    while self.count.load(Ordering::SeqCst) > 1 {
                        let head = self.head.load(Ordering::SeqCst);
                        let next = self.slots[head].next.swap(NIL, Ordering::SeqCst);
                        if next != NIL {
                            if self
                                .head
                                .compare_exchange(head, next, Ordering::SeqCst, Ordering::SeqCst)
                                .is_ok()
                            {
                                self.count.fetch_sub(1, Ordering::SeqCst);
                                return Some(head);
                            }
                            self.slots[head].next.swap(next, Ordering::SeqCst);
                        }
                    }
                    None
                }
                fn push(&self, slot: usize) {
                    let mut head = self.head.load(Ordering::SeqCst);
                    loop {
                        self.slots[slot].next.store(head, Ordering::SeqCst);
                        match self.head.compare_exchange(
                            head,
                            slot,
                            Ordering::SeqCst,
                            Ordering::SeqCst,
                        ) {
                            Ok(_) => break,
                            Err(now) => head = now,
                        }
                    }
                    self.count.fetch_add(1, Ordering::SeqCst);
                }
            }
            let slot = |next| Slot {
                taken: AtomicBool::new(false),
                next: AtomicUsize::new(next),
            };
            let stack = Arc::new(Stack {
                slots: [slot(1), slot(2), slot(NIL)],
                head: AtomicUsize::new(0),
                count: AtomicUsize::new(3),
            });
            let workers: Vec<_> = (0..3)
                .map(|_| {
                    let stack = stack.clone();
                    thread::spawn(move || {
                        for _ in 0..2 {
                            let slot = loop {
                                match stack.pop() {
                                    Some(slot) => break slot,
                                    None => thread::yield_now(),
                                }
                            };
                            let taken = &stack.slots[slot].taken;
                            assert!(
                                !taken.swap(true, Ordering::SeqCst),
                                "slot {slot} was handed to two threads"
                            );
                            taken.store(false, Ordering::SeqCst);
                            stack.push(slot);
                        }
                    })
                })
                .collect();
            for w in workers {
                w.join().unwrap();
            }
        }

        /// The twin of the buggy corpus program called `name`, if this tool can express it.
        pub(crate) fn twin(name: &str) -> Option<fn()> {
            let f: fn() = match name {
                "self_relock" => self_relock,
                "condvar_if_not_while" => condvar_if_not_while,
                "check_then_act" => check_then_act,
                "lost_update" => lost_update,
                "order_violation" => order_violation,
                "deep_preemptions" => deep_preemptions,
                "spin_never_set" => spin_never_set,
                "polite_livelock" => polite_livelock,
                "reader_pref_starvation" => reader_pref_starvation,
                "recursive_read" => recursive_read,
                "backoff_philosophers" => backoff_philosophers,
                "tas_starvation" => tas_starvation,
                "treiber_index_aba" => treiber_index_aba,
                "safe_stack" => safe_stack,
                "relaxed_publication" => relaxed_publication,
                "peterson_release_acquire" => peterson_release_acquire,
                "double_checked_relaxed" => double_checked_relaxed,
                "seqlock_no_fence" => seqlock_no_fence,
                _ => return None,
            };
            Some(f)
        }
    };
}

/// The bodies over conc-check's shim. Its bug-finding runs use the corpus programs themselves,
/// so the twins here are unused.
#[allow(dead_code)]
pub(crate) mod cc {
    bodies!(conc_check);
}

/// The bodies over loom.
pub(crate) mod loom {
    bodies!(real_loom);
}

/// The bodies over shuttle.
pub(crate) mod shuttle {
    bodies!(shuttle);
}
