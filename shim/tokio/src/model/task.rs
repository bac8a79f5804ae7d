//! Tasks: [`conc_check::future`]'s, under tokio's names.

pub use conc_check::future::{spawn, yield_now, JoinError, JoinHandle};
