//! What decides, before each execution, whether a worker's exploration may run one more, when
//! several workers share one exploration (`runtime::parallel`): a budget they share, or the
//! execution index past which another worker's finding makes this worker's irrelevant.

/// Asked before every execution of an exploration that shares its budget with other workers.
pub(crate) trait Gate: Send + Sync {
    /// Whether the exploration must stop before its next execution, given the executions it
    /// ran so far (its coordinator knows why and says so in the merged report). A gate that
    /// counts executions against a shared budget claims one when it answers `false`, in the
    /// same atomic step as the check, so that workers asking at once never run past it.
    fn stop(&self, executions: u64) -> bool;
    /// An execution has started.
    fn started(&self) {}
    /// The execution a `false` from [`Gate::stop`] let start did not: the strategy had none
    /// left.
    fn unused(&self) {}
}
