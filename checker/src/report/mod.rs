//! What an exploration found, for people ([`render`]) and machines (serde): the report's shape
//! (shared with builds without the engine, from `conc-check-core`), its rendering with the
//! user's source lines, and the files the CLI collects ([`dir`]).

pub mod dir;
pub mod render;

pub use conc_check_core::report::*;
