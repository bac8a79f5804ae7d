//! `select!`: waits on several futures at once and runs the branch of the first that completes.
//!
//! Every poll polls the branches in turn, from a start the scheduler chooses once per `select!`
//! (every start is explored; tokio draws one at random on every poll, which this does not
//! model), or first to last with `biased;`. A branch whose
//! output does not match its pattern is disabled; with none left the `else` branch runs (or
//! the macro panics, as tokio's does). The other branches' futures are dropped before the
//! winning branch's body runs: that is the cancellation a `select!` makes, and the point where
//! a cancellation-unsafe future loses what it held.

use std::panic::Location;
use std::task::Poll;

use conc_check_engine::facade::{self, PendingAt};

/// Which branch a `select!` of `branches` branches polls first: the scheduler's choice inside a
/// model (a value choice, replayed like any other), 0 when `biased`, and a rotation outside a
/// model.
pub fn start_index(branches: usize, biased: bool) -> usize {
    if biased || branches < 2 {
        return 0;
    }
    if facade::in_model() {
        let choices = u32::try_from(branches).unwrap_or(u32::MAX);
        return facade::choose(choices) as usize;
    }
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed) % branches
}

/// Where each branch of one `select!` is pending, for the cancellations its end makes.
pub struct PendingBranches(Vec<Option<PendingAt>>);

impl PendingBranches {
    /// Nothing known yet about `branches` branches.
    pub fn new(branches: usize) -> Self {
        PendingBranches((0..branches).map(|_| None).collect())
    }

    /// Polls branch `index` with `poll`, noting where it is pending if it registers a waker
    /// (else it keeps the place its previous poll noted); a completed branch is pending nowhere.
    pub fn poll<T>(&mut self, index: usize, poll: impl FnOnce() -> Poll<T>) -> Poll<T> {
        facade::branch_poll_begin();
        let result = poll();
        let at = facade::branch_poll_end();
        if result.is_ready() {
            self.0[index] = None;
        } else if at.is_some() {
            self.0[index] = at;
        }
        result
    }

    /// `by` (`select!`, `timeout`) at `site` is done, `winner` (if any) having completed:
    /// every other branch still pending is dropped, which is a cancellation where it is pending.
    pub fn cancel_losers(
        self,
        by: &'static str,
        site: &'static Location<'static>,
        winner: Option<usize>,
    ) {
        for (index, at) in self.0.into_iter().enumerate() {
            if let (Some(at), false) = (at, winner == Some(index)) {
                facade::cancelled(by, site, at);
            }
        }
    }
}

/// Waits on several futures and runs the branch of the first to complete, as `tokio::select!`:
///
/// ```ignore
/// select! {
///     Some(message) = rx.recv() => handle(message),
///     _ = shutdown.notified() => return,
///     else => break,
/// }
/// ```
///
/// Branches are `pattern = future => body` (a body that is a block needs no comma), with an
/// optional `biased;` first and an optional `else => body` last; at most 8 branches. Branch
/// preconditions (`, if condition`) are not supported.
#[macro_export]
macro_rules! select {
    (biased; $($branches:tt)+) => {
        $crate::select!(@parse true; [b0 0 b1 1 b2 2 b3 3 b4 4 b5 5 b6 6 b7 7]; []; $($branches)+)
    };
    (@parse $biased:tt; [$($names:tt)*]; [$($done:tt)*]; else => $else_body:expr $(,)?) => {
        $crate::select!(@expand $biased; [$($done)*]; { $else_body })
    };
    (@parse $biased:tt; [$name:ident $index:tt $($names:tt)*]; [$($done:tt)*];
        $pattern:pat = $future:expr => $body:block $(,)? $($rest:tt)*) => {
        $crate::select!(@parse $biased; [$($names)*];
            [$($done)* { $name $index [$pattern] [$future] [$body] }]; $($rest)*)
    };
    (@parse $biased:tt; [$name:ident $index:tt $($names:tt)*]; [$($done:tt)*];
        $pattern:pat = $future:expr => $body:expr, $($rest:tt)*) => {
        $crate::select!(@parse $biased; [$($names)*];
            [$($done)* { $name $index [$pattern] [$future] [$body] }]; $($rest)*)
    };
    (@parse $biased:tt; [$name:ident $index:tt $($names:tt)*]; [$($done:tt)*];
        $pattern:pat = $future:expr => $body:expr) => {
        $crate::select!(@parse $biased; [$($names)*];
            [$($done)* { $name $index [$pattern] [$future] [$body] }];)
    };
    (@parse $biased:tt; [$($names:tt)*]; [$($done:tt)*];) => {
        $crate::select!(@expand $biased; [$($done)*];
            { ::std::panic!("all branches are disabled and there is no else branch") })
    };
    (@expand $biased:tt;
        [$({ $name:ident $index:tt [$pattern:pat] [$future:expr] [$body:expr] })+];
        $else_body:block) => {{
        #[allow(non_camel_case_types)]
        enum __SelectOutput<$($name),+> {
            $($name($name),)+
        }
        let __output = {
            $(
                #[allow(unused_mut)]
                let mut $name = ::std::option::Option::Some(::std::pin::pin!($future));
            )+
            let __branches: usize = 0 $(+ { let _ = $index; 1 })+;
            let __start = $crate::__private::start_index(__branches, $biased);
            let mut __pending_at = $crate::__private::PendingBranches::new(__branches);
            let __won = ::std::future::poll_fn(|__cx| {
                let mut __enabled = false;
                for __turn in 0..__branches {
                    let __which = (__start + __turn) % __branches;
                    $(
                        if __which == $index {
                            if let ::std::option::Option::Some(__future) = $name.as_mut() {
                                let __poll = __pending_at.poll($index, || {
                                    ::std::future::Future::poll(__future.as_mut(), __cx)
                                });
                                if let ::std::task::Poll::Ready(__out) = __poll {
                                    #[allow(unused_variables, unreachable_patterns)]
                                    let __matches = match &__out {
                                        $pattern => true,
                                        _ => false,
                                    };
                                    if __matches {
                                        return ::std::task::Poll::Ready(
                                            ::std::option::Option::Some(
                                                __SelectOutput::$name(__out),
                                            ),
                                        );
                                    }
                                    $name = ::std::option::Option::None;
                                } else {
                                    __enabled = true;
                                }
                            }
                        }
                    )+
                }
                if __enabled {
                    ::std::task::Poll::Pending
                } else {
                    ::std::task::Poll::Ready(::std::option::Option::None)
                }
            })
            .await;
            let __winner = match &__won {
                $(::std::option::Option::Some(__SelectOutput::$name(_)) => ::std::option::Option::Some($index),)+
                ::std::option::Option::None => ::std::option::Option::None,
            };
            // The losers still pending are dropped at the end of this block: cancelled.
            __pending_at.cancel_losers("select!", ::std::panic::Location::caller(), __winner);
            __won
        };
        match __output {
            $(
                ::std::option::Option::Some(__SelectOutput::$name(__out)) => {
                    #[allow(unreachable_patterns)]
                    match __out {
                        $pattern => $body,
                        _ => ::std::unreachable!("the pattern matched when the branch completed"),
                    }
                }
            )+
            ::std::option::Option::None => $else_body,
        }
    }};
    ($($branches:tt)+) => {
        $crate::select!(@parse false; [b0 0 b1 1 b2 2 b3 3 b4 4 b5 5 b6 6 b7 7]; []; $($branches)+)
    };
}
