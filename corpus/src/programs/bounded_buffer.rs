//! A bounded buffer on a `Mutex` and two `Condvar`s, two producers and two consumers: the
//! correct version of Cargill's buffer (each side waits in a `while` loop on its own condition
//! variable and signals the other's). The condvar program issue 15 measures; its buggy cousin
//! (`if` instead of `while`) is `condvar_if_not_while`.

use std::collections::VecDeque;

use conc_check::sync::{Arc, Condvar, Mutex};
use conc_check::thread;

use crate::{Program, Verdict};

/// Items the buffer holds at most.
const CAPACITY: usize = 1;

struct Buffer {
    items: Mutex<VecDeque<u32>>,
    not_full: Condvar,
    not_empty: Condvar,
}

impl Buffer {
    fn put(&self, item: u32) {
        let mut items = self.items.lock().unwrap();
        while items.len() == CAPACITY {
            items = self.not_full.wait(items).unwrap();
        }
        items.push_back(item);
        self.not_empty.notify_one();
    }

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

/// The program.
pub fn clean() {
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

/// The program (clean).
pub const CLEAN: Program = Program {
    name: "bounded_buffer_ok",
    note: "a 1-slot buffer on a Mutex and two Condvars, 2 producers and 2 consumers (Cargill's, correct)",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
