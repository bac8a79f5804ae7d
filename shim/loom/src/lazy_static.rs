//! `loom::lazy_static!`'s values: initialised on first use in each execution (once, as std's
//! `Once` does it), dropped when the model's closure returns on the main thread. A thread that touches one after that (a thread
//! nobody joined, still running while the model shuts down) panics, which fails the model.

use std::any::Any;
use std::cell::RefCell;
use std::marker::PhantomData;
use std::panic::Location;

use conc_check_engine::primitive::sync::OnceLock;

use crate::per_execution::{self, PerExecution};

/// The values of the running execution's lazy statics.
#[derive(Default)]
struct Values {
    /// The values made, by the address of their `Lazy`.
    values: Vec<Entry>,
    /// The model's closure has returned: the values are gone.
    shut_down: bool,
}

/// One lazy static's value in the running execution.
struct Entry {
    /// The address of its `Lazy`.
    key: usize,
    /// A `OnceLock<T>` of the engine, boxed so that references stay put while more values are
    /// added: of the threads that first use the static at once, one runs the initialiser and
    /// the others wait for it, and what it did happens before every use (std's `Once` rules).
    once: Box<dyn Any>,
}

impl Entry {
    /// The value's cell, as a reference that lives as long as the execution keeps the entry.
    fn once<T: 'static>(&self) -> &'static OnceLock<T> {
        let once: &OnceLock<T> = self
            .once
            .downcast_ref()
            .expect("a lazy_static's cell has its type");
        // SAFETY: the box stays in the table, unmoved on the heap, until the model's closure
        // returns (after which every use panics) or the execution is over.
        unsafe { &*(once as *const OnceLock<T>) }
    }
}

std::thread_local! {
    static VALUES: RefCell<PerExecution<Values>> = RefCell::default();
}

/// A lazily initialised value, one per execution (what `lazy_static!` declares).
pub struct Lazy<T> {
    /// Makes the value.
    pub init: fn() -> T,
    /// Where the static is declared.
    site: &'static Location<'static>,
    /// `Lazy<T>` holds no `T`.
    pub _p: PhantomData<fn(T)>,
}

impl<T: 'static> Lazy<T> {
    /// A lazy value that `init` makes on first use.
    #[track_caller]
    pub const fn new(init: fn() -> T) -> Lazy<T> {
        Lazy {
            init,
            site: Location::caller(),
            _p: PhantomData,
        }
    }

    /// The value of the running execution, made now if this is its first use.
    ///
    /// # Panics
    /// Outside a model; after the model's closure returned (the values are gone).
    pub fn get(&'static self) -> &'static T {
        assert!(
            conc_check_engine::facade::in_model(),
            "conc-check: the lazy_static declared at {} was used outside a model",
            self.site
        );
        let key = self as *const Lazy<T> as usize;
        let once = self.cell(key);
        once.get_or_init(self.init)
    }

    /// The running execution's cell for this static, made empty if this is its first use (not
    /// a scheduling point, so no other thread can come between looking and adding).
    fn cell(&'static self, key: usize) -> &'static OnceLock<T> {
        per_execution::with(&VALUES, |v| {
            assert!(
                !v.shut_down,
                "conc-check: the lazy_static declared at {} was touched during shutdown: the \
                 model's closure had returned and dropped it (join every thread before the \
                 closure returns)",
                self.site
            );
            if let Some(entry) = v.values.iter().find(|e| e.key == key) {
                return entry.once::<T>();
            }
            let entry = Entry {
                key,
                once: Box::new(OnceLock::<T>::new()),
            };
            let once = entry.once::<T>();
            v.values.push(entry);
            once
        })
    }
}

/// The model's closure returned on the main thread: drops the execution's lazy statics (in
/// that thread, so what their destructors do is part of the execution) and refuses any later
/// use.
pub(crate) fn shut_down() {
    let values = per_execution::with(&VALUES, |v| {
        v.shut_down = true;
        std::mem::take(&mut v.values)
    });
    drop(values);
}
