//! The programs, one module per case with its correct twin beside it.

pub mod abba;
pub mod async_abba;
pub mod backoff_philosophers;
pub mod barrier_miscount;
pub mod bounded_buffer;
pub mod channel_cycle;
pub mod channel_kept_alive;
pub mod check_then_act;
pub mod condvar_if_not_while;
pub mod deep_preemptions;
pub mod dining_philosophers;
pub mod double_checked;
pub mod gate_lock;
pub mod guard_across_await;
pub mod litmus;
pub mod lost_update;
pub mod lost_wakeup;
pub mod order_violation;
pub mod peterson;
pub mod polite;
pub mod reader_pref;
pub mod recursive_read;
pub mod relaxed_message_passing;
pub mod relaxed_publication;
pub mod safe_stack;
pub mod select_cancellation;
pub mod self_relock;
pub mod seq_cst_readers;
pub mod seqlock;
pub mod spin_flag;
pub mod spsc_ring;
pub mod state_machine_cas;
pub mod tas_starvation;
pub mod treiber_index;
pub mod unsynchronised_counter;

use crate::Program;

/// Every program, bugs and twins.
/// Every program except the litmus tests ([`litmus::ALL`]).
const PROGRAMS: &[Program] = &[
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
    relaxed_message_passing::BUGGY,
    relaxed_message_passing::CLEAN,
    relaxed_message_passing::FENCE_PAIR,
    unsynchronised_counter::BUGGY,
    unsynchronised_counter::CLEAN,
    abba::BUGGY,
    abba::CLEAN,
    dining_philosophers::BUGGY,
    dining_philosophers::CLEAN,
    gate_lock::BUGGY,
    gate_lock::CLEAN,
    channel_cycle::BUGGY,
    channel_cycle::CLEAN,
    barrier_miscount::BUGGY,
    barrier_miscount::CLEAN,
    spin_flag::BUGGY,
    spin_flag::CLEAN,
    polite::BUGGY,
    polite::CLEAN,
    backoff_philosophers::BUGGY,
    backoff_philosophers::CLEAN,
    backoff_philosophers::BOUNDED,
    tas_starvation::BUGGY,
    tas_starvation::CLEAN,
    reader_pref::BUGGY,
    reader_pref::CLEAN,
    recursive_read::BUGGY,
    recursive_read::CLEAN,
    treiber_index::BUGGY,
    treiber_index::CLEAN,
    safe_stack::BUGGY,
    safe_stack::CLEAN,
    lost_wakeup::BUGGY,
    lost_wakeup::CLEAN,
    async_abba::BUGGY,
    async_abba::CLEAN,
    guard_across_await::BUGGY,
    guard_across_await::CLEAN,
    channel_kept_alive::BUGGY,
    channel_kept_alive::CLEAN,
    select_cancellation::BUGGY,
    select_cancellation::CLEAN,
    state_machine_cas::CLEAN,
    relaxed_publication::BUGGY,
    relaxed_publication::CLEAN,
    peterson::BUGGY,
    peterson::CLEAN,
    double_checked::BUGGY,
    double_checked::CLEAN,
    seqlock::BUGGY,
    seqlock::CLEAN,
    seq_cst_readers::CLEAN,
    spsc_ring::CLEAN,
    bounded_buffer::CLEAN,
];

/// Every program, the litmus tests last.
pub fn all() -> Vec<Program> {
    PROGRAMS.iter().chain(litmus::ALL).copied().collect()
}
