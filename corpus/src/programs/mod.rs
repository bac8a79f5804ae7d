//! The programs, one module per case with its correct twin beside it.

pub mod check_then_act;
pub mod condvar_if_not_while;
pub mod deep_preemptions;
pub mod lost_update;
pub mod order_violation;
pub mod self_relock;

use crate::Program;

/// Every program, bugs and twins.
pub const ALL: &[Program] = &[
    self_relock::BUGGY,
    self_relock::CLEAN,
    condvar_if_not_while::BUGGY,
    condvar_if_not_while::CLEAN,
    check_then_act::BUGGY,
    check_then_act::CLEAN,
    lost_update::BUGGY,
    lost_update::CLEAN,
    order_violation::BUGGY,
    order_violation::CLEAN,
    deep_preemptions::BUGGY,
    deep_preemptions::CLEAN,
];
