//! `loom::lazy_static!`'s values: initialised on first use in each execution, dropped when the
//! model's closure returns on the main thread. A thread that touches one after that (a thread
//! nobody joined, still running while the model shuts down) panics, which fails the model.

use std::any::Any;
use std::cell::RefCell;
use std::marker::PhantomData;
use std::panic::Location;

use crate::per_execution::{self, PerExecution};

/// The values of the running execution's lazy statics.
#[derive(Default)]
struct Values {
    /// By the address of their `Lazy`; boxed so that references stay put while more are added.
    values: Vec<(usize, Box<dyn Any>)>,
    /// The model's closure has returned: the values are gone.
    shut_down: bool,
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
        if let Some(value) = self.lookup(key) {
            return value;
        }
        // The initialiser may reach scheduling points, so it runs without the table borrowed;
        // if another thread finished first, its value wins and this one is dropped.
        let made: Box<dyn Any> = Box::new((self.init)());
        let (value, loser) = per_execution::with(&VALUES, |v| {
            if let Some((_, existing)) = v.values.iter().find(|(k, _)| *k == key) {
                return (as_static::<T>(existing), Some(made));
            }
            // The reference is to the box's heap contents, which moving the box into the table
            // does not move.
            let value = as_static::<T>(&made);
            v.values.push((key, made));
            (value, None)
        });
        drop(loser);
        value
    }

    /// The value of the running execution, if it was made.
    fn lookup(&'static self, key: usize) -> Option<&'static T> {
        per_execution::with(&VALUES, |v| {
            assert!(
                !v.shut_down,
                "conc-check: the lazy_static declared at {} was touched during shutdown: the \
                 model's closure had returned and dropped it (join every thread before the \
                 closure returns)",
                self.site
            );
            v.values
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, value)| as_static::<T>(value))
        })
    }
}

/// The `T` in `value`, as a reference that lives as long as the execution keeps the box.
fn as_static<T: 'static>(value: &Box<dyn Any>) -> &'static T {
    let value: &T = value
        .downcast_ref()
        .expect("a lazy_static's value has its type");
    // SAFETY: the box stays in the table, unmoved on the heap, until the model's closure
    // returns (after which every use panics) or the execution is over.
    unsafe { &*(value as *const T) }
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
