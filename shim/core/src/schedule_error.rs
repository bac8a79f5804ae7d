//! Schedule strings are the engine's; why one could not be used is shared, since
//! `conc_check::try_replay` returns it in every build.

use std::fmt;

/// The version tag of the schedule strings this version writes.
pub const VERSION_TAG: &str = "cc4";

/// Why a schedule string could not be decoded.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ScheduleError {
    /// It does not start with a known version tag: not a conc-check schedule.
    UnknownVersion(String),
    /// A schedule of an older format, which this version no longer replays.
    OldVersion(String),
    /// The string is not made of the three dot-separated parts, or its payload is not valid.
    Malformed,
    /// The checksum does not match: the string was truncated or edited.
    ChecksumMismatch,
    /// The payload ends in the middle of an entry.
    Truncated,
    /// It uses something this version cannot replay (made by a newer conc-check).
    Unsupported(String),
    /// It was recorded by another test than the one replaying it (named here).
    OtherTest(String),
    /// It holds more decisions than the step limit allows any execution to make.
    TooLong {
        /// Decisions in the schedule.
        decisions: u64,
        /// The most a replay accepts.
        limit: u64,
    },
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScheduleError::UnknownVersion(tag) => write!(
                f,
                "not a conc-check schedule: it starts with {tag:?}, expected `{VERSION_TAG}.` \
                 (schedules are printed by conc-check with each finding)"
            ),
            ScheduleError::OldVersion(tag) => write!(
                f,
                "this schedule (`{tag}.…`) was made by an older conc-check, whose format this \
                 version cannot replay: run the test again to get a `{VERSION_TAG}.` schedule"
            ),
            ScheduleError::Malformed => write!(
                f,
                "malformed schedule: expected `{VERSION_TAG}.<payload>.<checksum>`; copy the whole string from the report"
            ),
            ScheduleError::ChecksumMismatch => write!(
                f,
                "damaged schedule: the checksum does not match (the string was truncated or edited); copy the whole string from the report"
            ),
            ScheduleError::Truncated => {
                write!(f, "damaged schedule: the payload ends in the middle of an entry")
            }
            ScheduleError::Unsupported(what) => write!(
                f,
                "this schedule uses {what}, which this version of conc-check cannot replay (it was made by a newer one)"
            ),
            ScheduleError::OtherTest(test) => write!(
                f,
                "this schedule was recorded by another test than `{test}`: replay it with the \
                 test named in the report that printed it"
            ),
            ScheduleError::TooLong { decisions, limit } => write!(
                f,
                "the schedule holds {decisions} decisions, more than the step limit lets an execution make ({limit}); \
                 it is damaged, or was recorded with a higher limit (Builder::max_steps, CONC_CHECK_MAX_STEPS)"
            ),
        }
    }
}

impl std::error::Error for ScheduleError {}
