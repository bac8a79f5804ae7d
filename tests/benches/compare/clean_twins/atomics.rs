//! Twins of the clean corpus programs built on atomics (and tracked cells): each a port of the
//! `clean` function (or the named twin) of `corpus/src/programs/<module>.rs`, with the same
//! threads, loop counts, orderings, spin hints and assertions. The corpus builds its atomic
//! structs with `#[derive(Default)]`; loom's atomics implement no `Default`, so the twins write
//! out `new(0)`/`new(false)`, which is what `default()` is.

/// Expands to the twins over `::$k::sync`, `::$k::thread` and `::$k::hint`, plus `twin(name)`.
/// `UnsafeCell` is whatever the invoking module imports under that name.
macro_rules! atomic_twins {
    ($k:ident) => {
        use ::$k::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
        use ::$k::sync::{Arc, Mutex};
        use ::$k::{hint, thread};

        /// The pool index in the low 32 bits of a tagged head word (`usize::MAX`, empty, for
        /// `u32::MAX`), as `corpus::programs::treiber_index::index`.
        fn head_index(word: u64) -> usize {
            match word as u32 {
                u32::MAX => usize::MAX,
                i => i as usize,
            }
        }

        /// Twin of `check_then_act::clean`: two threads claim a flag with one compare-exchange.
        fn cas_ok() {
            let flag = Arc::new(AtomicBool::new(false));
            let count = Arc::new(AtomicUsize::new(0));
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    let (flag, count) = (flag.clone(), count.clone());
                    thread::spawn(move || {
                        if flag
                            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
                            .is_ok()
                        {
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

        /// Twin of `lost_update::clean`: two threads, two `fetch_add` each.
        fn fetch_add_ok() {
            let c = Arc::new(AtomicUsize::new(0));
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    let c = c.clone();
                    thread::spawn(move || {
                        c.fetch_add(1, Ordering::SeqCst);
                        c.fetch_add(1, Ordering::SeqCst);
                    })
                })
                .collect();
            for w in workers {
                w.join().unwrap();
            }
            assert_eq!(c.load(Ordering::SeqCst), 4, "an increment was lost");
        }

        /// Twin of `deep_preemptions::clean`: two threads advance a stage counter on alternate
        /// stages; it ends between 1 and 6.
        fn deep_preemptions_ok() {
            /// Advances `stage` from each of `mine` that it finds it at.
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
            let stage = stage.load(Ordering::SeqCst);
            assert!((1..=6).contains(&stage), "stage {stage}");
        }

        /// A payload cell published through a flag (`relaxed_message_passing`).
        struct Message {
            payload: UnsafeCell<u64>,
            ready: AtomicBool,
        }

        // SAFETY: the payload is only accessed as the `ready` flag allows.
        unsafe impl Sync for Message {}

        /// `relaxed_message_passing::scenario`: a producer writes the payload and publishes
        /// it; main reads it if `consume` sees the flag.
        fn message_passing(publish: fn(&AtomicBool), consume: fn(&AtomicBool) -> bool) {
            let message = Arc::new(Message {
                payload: UnsafeCell::new(0),
                ready: AtomicBool::new(false),
            });
            let producer = {
                let message = message.clone();
                thread::spawn(move || {
                    // SAFETY: no reader touches the payload before `ready` is set.
                    message.payload.with_mut(|p| unsafe { *p = 42 });
                    publish(&message.ready);
                })
            };
            if consume(&message.ready) {
                // SAFETY: the producer set `ready` after its write and writes no more.
                let value = message.payload.with(|p| unsafe { *p });
                assert_eq!(value, 42, "the payload was read before it was written");
            }
            producer.join().unwrap();
        }

        /// Twin of `relaxed_message_passing::clean`: a `Release` store read by an `Acquire`
        /// load.
        fn release_acquire_ok() {
            message_passing(
                |ready| ready.store(true, Ordering::Release),
                |ready| ready.load(Ordering::Acquire),
            )
        }

        /// Twin of `relaxed_message_passing::fence_pair`: `Relaxed` flag accesses after a
        /// `Release` fence and before an `Acquire` fence.
        fn fence_pair_ok() {
            message_passing(
                |ready| {
                    fence(Ordering::Release);
                    ready.store(true, Ordering::Relaxed);
                },
                |ready| {
                    let set = ready.load(Ordering::Relaxed);
                    if set {
                        fence(Ordering::Acquire);
                    }
                    set
                },
            )
        }

        /// Twin of `spin_flag::clean`: a busy-wait without yield on a flag the other thread
        /// sets.
        fn spin_set_ok() {
            let ready = Arc::new(AtomicBool::new(false));
            let r = ready.clone();
            let waiter = thread::spawn(move || while !r.load(Ordering::Acquire) {});
            let setter = thread::spawn(move || ready.store(true, Ordering::Release));
            waiter.join().unwrap();
            setter.join().unwrap();
        }

        /// Twin of `polite::clean`: one thread keeps its flag up and waits, the other backs
        /// off.
        fn priority_backoff_ok() {
            /// The two flags and whether anyone got through.
            struct Corridor {
                flags: [AtomicBool; 2],
                passed: AtomicBool,
            }
            /// Keeps `me`'s flag up and waits for the other's to go down.
            fn insistent(c: &Corridor, me: usize) {
                c.flags[me].store(true, Ordering::SeqCst);
                while c.flags[1 - me].load(Ordering::SeqCst) {
                    thread::yield_now();
                }
                c.passed.store(true, Ordering::SeqCst);
                c.flags[me].store(false, Ordering::SeqCst);
            }
            /// Backs off and waits while the other thread's flag is up.
            fn deferring(c: &Corridor, me: usize) {
                let other = 1 - me;
                loop {
                    c.flags[me].store(true, Ordering::SeqCst);
                    if !c.flags[other].load(Ordering::SeqCst) {
                        break;
                    }
                    c.flags[me].store(false, Ordering::SeqCst);
                    while c.flags[other].load(Ordering::SeqCst) {
                        thread::yield_now();
                    }
                }
                c.passed.store(true, Ordering::SeqCst);
                c.flags[me].store(false, Ordering::SeqCst);
            }
            let c = Arc::new(Corridor {
                flags: [AtomicBool::new(false), AtomicBool::new(false)],
                passed: AtomicBool::new(false),
            });
            let c0 = c.clone();
            let a = thread::spawn(move || insistent(&c0, 0));
            let c1 = c.clone();
            let b = thread::spawn(move || deferring(&c1, 1));
            a.join().unwrap();
            b.join().unwrap();
            assert!(c.passed.load(Ordering::SeqCst));
        }

        /// Twin of `treiber_index::clean`: a Treiber stack of three pool indices whose head
        /// carries a version tag.
        fn treiber_tagged_ok() {
            /// The empty index.
            const NIL: usize = usize::MAX;
            /// Nodes in the pool.
            const NODES: usize = 3;
            /// Head: index in the low 32 bits, version in the high 32 bits.
            struct Stack {
                head: AtomicU64,
                next: [AtomicUsize; NODES],
            }
            impl Stack {
                /// The head word for index `i` replacing `old`: its version plus one.
                fn word(&self, old: u64, i: usize) -> u64 {
                    let low = if i == NIL {
                        u64::from(u32::MAX)
                    } else {
                        i as u64
                    };
                    let tag = (old >> 32) + 1;
                    tag << 32 | low
                }
                /// Pops the top index, if any.
                fn pop(&self) -> Option<usize> {
                    loop {
                        let h = self.head.load(Ordering::Acquire);
                        let top = head_index(h);
                        if top == NIL {
                            return None;
                        }
                        let next = self.next[top].load(Ordering::Relaxed);
                        if self
                            .head
                            .compare_exchange(
                                h,
                                self.word(h, next),
                                Ordering::AcqRel,
                                Ordering::Acquire,
                            )
                            .is_ok()
                        {
                            return Some(top);
                        }
                    }
                }
                /// Pushes index `i`.
                fn push(&self, i: usize) {
                    loop {
                        let h = self.head.load(Ordering::Acquire);
                        self.next[i].store(head_index(h), Ordering::Relaxed);
                        if self
                            .head
                            .compare_exchange(
                                h,
                                self.word(h, i),
                                Ordering::AcqRel,
                                Ordering::Acquire,
                            )
                            .is_ok()
                        {
                            return;
                        }
                    }
                }
                /// The indices still on the stack, top first.
                fn contents(&self) -> Vec<usize> {
                    let mut out = Vec::new();
                    let mut i = head_index(self.head.load(Ordering::Acquire));
                    while i != NIL && out.len() <= NODES {
                        out.push(i);
                        i = self.next[i].load(Ordering::Relaxed);
                    }
                    out
                }
            }
            let stack = Arc::new(Stack {
                head: AtomicU64::new(0),
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
            owned.extend(stack.contents());
            let mut distinct = owned.clone();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(
                distinct.len(),
                owned.len(),
                "a node was handed out twice: {owned:?}"
            );
        }

        /// Twin of `state_machine_cas::clean`: two workers each claim a device twice by a
        /// compare-exchange IDLE→BUSY and hand it back with a store.
        fn state_machine_cas_ok() {
            /// The device is free.
            const IDLE: u8 = 0;
            /// The device is claimed.
            const BUSY: u8 = 1;
            /// The state and a use count.
            struct Device {
                state: AtomicU8,
                uses: AtomicUsize,
            }
            /// Claims, uses and releases the device twice.
            fn worker(d: &Device) {
                for _ in 0..2 {
                    loop {
                        if d.state.load(Ordering::Relaxed) == IDLE
                            && d.state
                                .compare_exchange(IDLE, BUSY, Ordering::Acquire, Ordering::Relaxed)
                                .is_ok()
                        {
                            break;
                        }
                        hint::spin_loop();
                    }
                    d.uses.fetch_add(1, Ordering::Relaxed);
                    d.state.store(IDLE, Ordering::Release);
                }
            }
            let device = Arc::new(Device {
                state: AtomicU8::new(IDLE),
                uses: AtomicUsize::new(0),
            });
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    let d = device.clone();
                    thread::spawn(move || worker(&d))
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
            assert_eq!(device.uses.load(Ordering::Relaxed), 4);
        }

        /// Twin of `relaxed_publication::clean`: a value published by a `Release` flag that
        /// main spins on with `Acquire`.
        fn release_publication_ok() {
            /// The value and its flag.
            struct Config {
                value: AtomicUsize,
                ready: AtomicBool,
            }
            let config = Arc::new(Config {
                value: AtomicUsize::new(0),
                ready: AtomicBool::new(false),
            });
            let loader = {
                let config = config.clone();
                thread::spawn(move || {
                    config.value.store(42, Ordering::Relaxed);
                    config.ready.store(true, Ordering::Release);
                })
            };
            while !config.ready.load(Ordering::Acquire) {
                hint::spin_loop();
            }
            assert_eq!(
                config.value.load(Ordering::Relaxed),
                42,
                "the flag was set but the value it publishes was not seen"
            );
            loader.join().unwrap();
        }

        /// Twin of `peterson::clean`: Peterson's lock with `SeqCst` accesses, main and one
        /// thread.
        fn peterson_seqcst_ok() {
            /// The flags, the turn, and who is inside.
            struct Peterson {
                flags: [AtomicBool; 2],
                turn: AtomicUsize,
                inside: AtomicUsize,
            }
            impl Peterson {
                /// Enters, checks it is alone, leaves.
                fn critical_section(&self, me: usize) {
                    let other = 1 - me;
                    self.flags[me].store(true, Ordering::SeqCst);
                    self.turn.store(other, Ordering::SeqCst);
                    while self.flags[other].load(Ordering::SeqCst)
                        && self.turn.load(Ordering::SeqCst) == other
                    {
                        hint::spin_loop();
                    }
                    let before = self.inside.fetch_add(1, Ordering::Relaxed);
                    assert_eq!(before, 0, "both threads are in the critical section");
                    self.inside.fetch_sub(1, Ordering::Relaxed);
                    self.flags[me].store(false, Ordering::SeqCst);
                }
            }
            let lock = Arc::new(Peterson {
                flags: [AtomicBool::new(false), AtomicBool::new(false)],
                turn: AtomicUsize::new(0),
                inside: AtomicUsize::new(0),
            });
            let other = {
                let lock = lock.clone();
                thread::spawn(move || lock.critical_section(1))
            };
            lock.critical_section(0);
            other.join().unwrap();
        }

        /// Twin of `double_checked::clean`: double-checked initialisation with a `Release`
        /// store and an `Acquire` fast-path load.
        fn double_checked_acquire_ok() {
            /// The flag, the value and the slow path's lock.
            struct Lazy {
                initialised: AtomicBool,
                value: AtomicUsize,
                lock: Mutex<()>,
            }
            impl Lazy {
                /// The value, initialising it on first use.
                fn get(&self) -> usize {
                    if !self.initialised.load(Ordering::Acquire) {
                        let _guard = self.lock.lock().unwrap();
                        if !self.initialised.load(Ordering::Relaxed) {
                            self.value.store(42, Ordering::Relaxed);
                            self.initialised.store(true, Ordering::Release);
                        }
                    }
                    self.value.load(Ordering::Relaxed)
                }
            }
            let lazy = Arc::new(Lazy {
                initialised: AtomicBool::new(false),
                value: AtomicUsize::new(0),
                lock: Mutex::new(()),
            });
            let other = {
                let lazy = lazy.clone();
                thread::spawn(move || lazy.get())
            };
            let mine = lazy.get();
            let theirs = other.join().unwrap();
            assert_eq!(
                (mine, theirs),
                (42, 42),
                "a thread used the value before it was initialised"
            );
        }

        /// Twin of `seqlock::clean`: a seqlock whose reader (main, looping without a yield)
        /// fences before re-reading the sequence.
        fn seqlock_ok() {
            /// The sequence and the two data words.
            struct SeqLock {
                sequence: AtomicUsize,
                words: [AtomicUsize; 2],
            }
            impl SeqLock {
                /// Writes `value` to both words inside an odd sequence.
                fn write(&self, value: usize) {
                    let s = self.sequence.load(Ordering::Relaxed);
                    self.sequence.store(s + 1, Ordering::Relaxed);
                    fence(Ordering::Release);
                    self.words[0].store(value, Ordering::Relaxed);
                    self.words[1].store(value, Ordering::Relaxed);
                    self.sequence.store(s + 2, Ordering::Release);
                }
                /// Reads both words until a read saw one even, unchanged sequence.
                fn read(&self) -> [usize; 2] {
                    loop {
                        let before = self.sequence.load(Ordering::Acquire);
                        let words = [
                            self.words[0].load(Ordering::Relaxed),
                            self.words[1].load(Ordering::Relaxed),
                        ];
                        fence(Ordering::Acquire);
                        let after = self.sequence.load(Ordering::Relaxed);
                        if before == after && before % 2 == 0 {
                            return words;
                        }
                    }
                }
            }
            let lock = Arc::new(SeqLock {
                sequence: AtomicUsize::new(0),
                words: [AtomicUsize::new(0), AtomicUsize::new(0)],
            });
            let writer = {
                let lock = lock.clone();
                thread::spawn(move || lock.write(7))
            };
            let [a, b] = lock.read();
            assert_eq!(a, b, "the reader kept a torn pair");
            writer.join().unwrap();
        }

        /// Twin of `seq_cst_readers::clean`: two SeqCst writers, two readers that spin on one
        /// flag and then read the other (IRIW); at least one reader sees both.
        fn seq_cst_readers_ok() {
            /// The two flags and how many readers saw both.
            struct Flags {
                x: AtomicBool,
                y: AtomicBool,
                seen_both: AtomicUsize,
            }
            let flags = Arc::new(Flags {
                x: AtomicBool::new(false),
                y: AtomicBool::new(false),
                seen_both: AtomicUsize::new(0),
            });
            let spawn = |f: fn(&Flags)| {
                let flags = flags.clone();
                thread::spawn(move || f(&flags))
            };
            let handles = [
                spawn(|f| f.x.store(true, Ordering::SeqCst)),
                spawn(|f| f.y.store(true, Ordering::SeqCst)),
                spawn(|f| {
                    while !f.x.load(Ordering::SeqCst) {
                        hint::spin_loop();
                    }
                    if f.y.load(Ordering::SeqCst) {
                        f.seen_both.fetch_add(1, Ordering::SeqCst);
                    }
                }),
                spawn(|f| {
                    while !f.y.load(Ordering::SeqCst) {
                        hint::spin_loop();
                    }
                    if f.x.load(Ordering::SeqCst) {
                        f.seen_both.fetch_add(1, Ordering::SeqCst);
                    }
                }),
            ];
            for h in handles {
                h.join().unwrap();
            }
            assert_ne!(
                flags.seen_both.load(Ordering::SeqCst),
                0,
                "neither reader saw both flags"
            );
        }

        /// Twin of `spsc_ring::clean`: a two-slot ring of tracked cells, three items, both
        /// ends spinning with `yield_now`.
        fn spsc_ring_ok() {
            /// Slots in the ring.
            const CAPACITY: usize = 2;
            /// Items sent through it.
            const ITEMS: usize = 3;
            /// The slots, items taken (`head`) and items put (`tail`).
            struct Ring {
                slots: [UnsafeCell<usize>; CAPACITY],
                head: AtomicUsize,
                tail: AtomicUsize,
            }
            // SAFETY: a slot is written only while the consumer cannot read it and read only
            // after the producer published it.
            unsafe impl Sync for Ring {}
            impl Ring {
                /// Waits for a free slot, writes it, publishes it.
                fn push(&self, value: usize) {
                    let tail = self.tail.load(Ordering::Relaxed);
                    while tail - self.head.load(Ordering::Acquire) == CAPACITY {
                        thread::yield_now();
                    }
                    // SAFETY: the consumer has freed this slot.
                    self.slots[tail % CAPACITY].with_mut(|p| unsafe { *p = value });
                    self.tail.store(tail + 1, Ordering::Release);
                }
                /// Waits for a published slot, reads it, frees it.
                fn pop(&self) -> usize {
                    let head = self.head.load(Ordering::Relaxed);
                    while self.tail.load(Ordering::Acquire) == head {
                        thread::yield_now();
                    }
                    // SAFETY: the producer has published this slot.
                    let value = self.slots[head % CAPACITY].with(|p| unsafe { *p });
                    self.head.store(head + 1, Ordering::Release);
                    value
                }
            }
            let ring = Arc::new(Ring {
                slots: [UnsafeCell::new(0), UnsafeCell::new(0)],
                head: AtomicUsize::new(0),
                tail: AtomicUsize::new(0),
            });
            let producer = {
                let ring = ring.clone();
                thread::spawn(move || (0..ITEMS).for_each(|i| ring.push(i)))
            };
            for expected in 0..ITEMS {
                assert_eq!(ring.pop(), expected, "an item was lost or reordered");
            }
            producer.join().unwrap();
        }

        /// Twin of `tas_starvation::clean`: a worker takes and releases a ticket lock until
        /// main, which needs it once, has raised the stop flag.
        fn ticket_lock_ok() {
            /// Takes a ticket and waits to be served; returns the ticket.
            fn lock(next: &AtomicUsize, serving: &AtomicUsize) -> usize {
                let mine = next.fetch_add(1, Ordering::Relaxed);
                while serving.load(Ordering::Acquire) != mine {
                    thread::yield_now();
                }
                mine
            }
            let next = Arc::new(AtomicUsize::new(0));
            let serving = Arc::new(AtomicUsize::new(0));
            let stop = Arc::new(AtomicBool::new(false));
            let worker = {
                let (next, serving, stop) = (next.clone(), serving.clone(), stop.clone());
                thread::spawn(move || {
                    while !stop.load(Ordering::Acquire) {
                        let ticket = lock(&next, &serving);
                        serving.store(ticket + 1, Ordering::Release);
                        thread::yield_now();
                    }
                })
            };
            let ticket = lock(&next, &serving);
            stop.store(true, Ordering::Release);
            serving.store(ticket + 1, Ordering::Release);
            worker.join().unwrap();
        }

        /// Twin of `safe_stack::clean`: three threads each pop a slot of a three-slot pool
        /// from a Treiber stack with a tagged head, write their id into the slot's cell, read it
        /// back and push the slot, twice.
        fn safe_stack_tagged_ok() {
            const NIL: usize = usize::MAX;
            struct Slot {
                value: UnsafeCell<usize>,
                next: AtomicUsize,
            }
            struct Stack {
                slots: [Slot; 3],
                head: AtomicU64,
            }
            // SAFETY: a slot's cell is touched only by the thread that popped the slot.
            unsafe impl Sync for Stack {}
            fn retag(old: u64, slot: usize) -> u64 {
                let low = if slot == NIL {
                    u64::from(u32::MAX)
                } else {
                    slot as u64
                };
                ((old >> 32) + 1) << 32 | low
            }
            impl Stack {
                fn pop(&self) -> Option<usize> {
                    loop {
                        let head = self.head.load(Ordering::SeqCst);
                        let top = head_index(head);
                        if top == NIL {
                            return None;
                        }
                        let next = self.slots[top].next.load(Ordering::SeqCst);
                        if self
                            .head
                            .compare_exchange(
                                head,
                                retag(head, next),
                                Ordering::SeqCst,
                                Ordering::SeqCst,
                            )
                            .is_ok()
                        {
                            return Some(top);
                        }
                    }
                }
                fn push(&self, slot: usize) {
                    let mut head = self.head.load(Ordering::SeqCst);
                    loop {
                        self.slots[slot]
                            .next
                            .store(head_index(head), Ordering::SeqCst);
                        match self.head.compare_exchange(
                            head,
                            retag(head, slot),
                            Ordering::SeqCst,
                            Ordering::SeqCst,
                        ) {
                            Ok(_) => return,
                            Err(now) => head = now,
                        }
                    }
                }
            }
            let slot = |next| Slot {
                value: UnsafeCell::new(0),
                next: AtomicUsize::new(next),
            };
            let stack = Arc::new(Stack {
                slots: [slot(1), slot(2), slot(NIL)],
                head: AtomicU64::new(0),
            });
            let workers: Vec<_> = (0..3)
                .map(|me| {
                    let stack = stack.clone();
                    thread::spawn(move || {
                        for _ in 0..2 {
                            let slot = loop {
                                match stack.pop() {
                                    Some(slot) => break slot,
                                    None => hint::spin_loop(),
                                }
                            };
                            let cell = &stack.slots[slot].value;
                            cell.with_mut(|p| unsafe { *p = me });
                            let seen = cell.with(|p| unsafe { *p });
                            assert_eq!(seen, me, "slot {slot} was handed to two threads");
                            stack.push(slot);
                        }
                    })
                })
                .collect();
            for w in workers {
                w.join().unwrap();
            }
        }

        /// The twin of the clean corpus program called `name`, if it is one of these.
        pub(crate) fn twin(name: &str) -> Option<fn()> {
            let f: fn() = match name {
                "cas_ok" => cas_ok,
                "fetch_add_ok" => fetch_add_ok,
                "deep_preemptions_ok" => deep_preemptions_ok,
                "release_acquire_ok" => release_acquire_ok,
                "fence_pair_ok" => fence_pair_ok,
                "spin_set_ok" => spin_set_ok,
                "priority_backoff_ok" => priority_backoff_ok,
                "treiber_tagged_ok" => treiber_tagged_ok,
                "safe_stack_tagged_ok" => safe_stack_tagged_ok,
                "state_machine_cas_ok" => state_machine_cas_ok,
                "release_publication_ok" => release_publication_ok,
                "peterson_seqcst_ok" => peterson_seqcst_ok,
                "double_checked_acquire_ok" => double_checked_acquire_ok,
                "seqlock_ok" => seqlock_ok,
                "seq_cst_readers_ok" => seq_cst_readers_ok,
                "spsc_ring_ok" => spsc_ring_ok,
                "ticket_lock_ok" => ticket_lock_ok,
                _ => return None,
            };
            Some(f)
        }
    };
}

/// The atomic twins over loom, with loom's tracked `UnsafeCell`.
pub(crate) mod loom {
    use ::real_loom::cell::UnsafeCell;
    atomic_twins!(real_loom);
}

/// The atomic twins over shuttle, with the plain cell (shuttle tracks no cell accesses).
pub(crate) mod shuttle {
    use super::super::PlainCell as UnsafeCell;
    atomic_twins!(shuttle);
}
