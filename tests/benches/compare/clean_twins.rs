//! Twins of every clean corpus program for loom and shuttle, keyed by the program's name
//! (`Program::name`, e.g. `spsc_ring_ok`), and what a tool cannot express.
//!
//! As in `twins.rs`, each body is written once in a macro over `::$k::sync` and `::$k::thread`
//! and instantiated per tool: blocking programs in `blocking.rs`, atomic ones in `atomics.rs`.
//! Tracked cells are loom's `loom::cell::UnsafeCell` under loom and [`PlainCell`] under shuttle.
//! No clean program uses a `static` atomic or scoped threads, so no twin needed
//! `loom::lazy_static!` or a port of `thread::scope`.

mod atomics;
mod blocking;

/// Programs a tool cannot run, with why: (tool, program, reason). loom 0.7.3's
/// `sync::Barrier` is a stub whose `new` panics with "not supported yet", and loom runs at most
/// `MAX_THREADS` = 5 threads, main included, while the philosophers need 6.
const NOT_EXPRESSIBLE: &[(&str, &str, &str)] = &[
    ("loom", "barrier_ok", "its Barrier is an unimplemented stub"),
    ("loom", "dining_ordered_ok", "6 threads, loom allows 5"),
];

/// Why `tool` cannot run `program`, if it cannot.
pub(crate) fn not_expressible(tool: &str, program: &str) -> Option<&'static str> {
    NOT_EXPRESSIBLE
        .iter()
        .find(|(t, p, _)| *t == tool && *p == program)
        .map(|(_, _, why)| *why)
}

/// `tool`'s twin of the clean corpus program `program`, or why there is none.
pub(crate) fn twin(tool: &str, program: &str) -> Result<fn(), &'static str> {
    if let Some(why) = not_expressible(tool, program) {
        return Err(why);
    }
    let found = match tool {
        "loom" => blocking::loom::twin(program).or_else(|| atomics::loom::twin(program)),
        "shuttle" => blocking::shuttle::twin(program).or_else(|| atomics::shuttle::twin(program)),
        _ => None,
    };
    found.ok_or("no twin written")
}

/// shuttle has no tracked cell: this is a plain `std::cell::UnsafeCell` with the `with` and
/// `with_mut` methods of loom's and conc-check's cells, so one twin body serves every tool.
/// shuttle sees no access to it (it schedules only at its own primitives), as it would not see
/// a plain cell in the program under test.
pub(crate) struct PlainCell<T>(std::cell::UnsafeCell<T>);

impl<T> PlainCell<T> {
    /// A cell holding `value`.
    pub(crate) fn new(value: T) -> Self {
        PlainCell(std::cell::UnsafeCell::new(value))
    }

    /// Calls `f` with a pointer to read the contents through.
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Calls `f` with a pointer to write the contents through.
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}
