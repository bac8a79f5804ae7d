//! The corpus as conc-check tests: what `cargo conc-check -p conc-check-corpus` runs. Only built
//! under `--cfg conc_check`, so plain `cargo test` does not fail on the known bugs; their verdicts
//! are asserted by `tests/tests/corpus_verdicts.rs` in the workspace tests instead.
#![cfg(conc_check)]

use conc_check_corpus::programs;

macro_rules! corpus_tests {
    ($($name:ident => $body:path),* $(,)?) => {
        $(
            #[conc_check::test]
            fn $name() {
                $body()
            }
        )*
    };
}

corpus_tests! {
    self_relock => programs::self_relock::buggy,
    self_relock_ok => programs::self_relock::clean,
    condvar_if_not_while => programs::condvar_if_not_while::buggy,
    condvar_while_ok => programs::condvar_if_not_while::clean,
    check_then_act => programs::check_then_act::buggy,
    cas_ok => programs::check_then_act::clean,
    lost_update => programs::lost_update::buggy,
    fetch_add_ok => programs::lost_update::clean,
    order_violation => programs::order_violation::buggy,
    order_ok => programs::order_violation::clean,
    deep_preemptions => programs::deep_preemptions::buggy,
    deep_preemptions_ok => programs::deep_preemptions::clean,
    relaxed_message_passing => programs::relaxed_message_passing::buggy,
    release_acquire_ok => programs::relaxed_message_passing::clean,
    fence_pair_ok => programs::relaxed_message_passing::fence_pair,
    unsynchronised_counter => programs::unsynchronised_counter::buggy,
    locked_counter_ok => programs::unsynchronised_counter::clean,
    abba => programs::abba::buggy,
    consistent_order_ok => programs::abba::clean,
    dining_philosophers_5 => programs::dining_philosophers::buggy,
    dining_ordered_ok => programs::dining_philosophers::clean,
    gate_lock_bypassed => programs::gate_lock::buggy,
    gate_lock_ok => programs::gate_lock::clean,
    channel_cycle => programs::channel_cycle::buggy,
    channel_ping_pong_ok => programs::channel_cycle::clean,
    barrier_miscount => programs::barrier_miscount::buggy,
    barrier_ok => programs::barrier_miscount::clean,
    spin_never_set => programs::spin_flag::buggy,
    spin_set_ok => programs::spin_flag::clean,
    polite_livelock => programs::polite::buggy,
    priority_backoff_ok => programs::polite::clean,
    backoff_philosophers => programs::backoff_philosophers::buggy,
    ordered_philosophers_ok => programs::backoff_philosophers::clean,
    bounded_backoff_ok => programs::backoff_philosophers::bounded,
    tas_starvation => programs::tas_starvation::buggy,
    ticket_lock_ok => programs::tas_starvation::clean,
    reader_pref_starvation => programs::reader_pref::buggy,
    rwlock_readers_ok => programs::reader_pref::clean,
    recursive_read => programs::recursive_read::buggy,
    single_read_ok => programs::recursive_read::clean,
    treiber_index_aba => programs::treiber_index::buggy,
    treiber_tagged_ok => programs::treiber_index::clean,
    safe_stack => programs::safe_stack::buggy,
    safe_stack_tagged_ok => programs::safe_stack::clean,
    lost_wakeup => programs::lost_wakeup::buggy,
    wakeup_registered_first_ok => programs::lost_wakeup::clean,
    async_abba => programs::async_abba::buggy,
    async_lock_order_ok => programs::async_abba::clean,
    guard_across_await => programs::guard_across_await::buggy,
    guard_dropped_before_await_ok => programs::guard_across_await::clean,
    channel_kept_alive => programs::channel_kept_alive::buggy,
    channel_closed_by_producer_ok => programs::channel_kept_alive::clean,
    select_cancellation => programs::select_cancellation::buggy,
    select_cancellation_safe_ok => programs::select_cancellation::clean,
    state_machine_cas_ok => programs::state_machine_cas::clean,
    relaxed_publication => programs::relaxed_publication::buggy,
    release_publication_ok => programs::relaxed_publication::clean,
    peterson_release_acquire => programs::peterson::buggy,
    peterson_seqcst_ok => programs::peterson::clean,
    double_checked_relaxed => programs::double_checked::buggy,
    double_checked_acquire_ok => programs::double_checked::clean,
    seqlock_no_fence => programs::seqlock::buggy,
    seqlock_ok => programs::seqlock::clean,
    seq_cst_readers_ok => programs::seq_cst_readers::clean,
    spsc_ring_ok => programs::spsc_ring::clean,
    bounded_buffer_ok => programs::bounded_buffer::clean,
    sb_release_acquire => programs::litmus::sb_release_acquire,
    sb_seqcst_ok => programs::litmus::sb_seqcst,
    sb_fences_ok => programs::litmus::sb_fences,
    mp_relaxed => programs::litmus::mp_relaxed,
    mp_release_acquire_ok => programs::litmus::mp_release_acquire,
    mp_one_fence => programs::litmus::mp_one_fence,
    mp_fences_ok => programs::litmus::mp_fences,
    iriw_acquire => programs::litmus::iriw_acquire,
    iriw_seqcst_ok => programs::litmus::iriw_seqcst,
    two_plus_two_w_release => programs::litmus::two_plus_two_w_release,
    two_plus_two_w_seqcst_ok => programs::litmus::two_plus_two_w_seqcst,
    wrc_relaxed => programs::litmus::wrc_relaxed,
    wrc_release_acquire_ok => programs::litmus::wrc_release_acquire,
    corr_relaxed_ok => programs::litmus::corr_relaxed,
    release_sequence_store => programs::litmus::release_sequence_store,
    release_sequence_rmw_ok => programs::litmus::release_sequence_rmw,
}
