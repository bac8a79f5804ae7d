//! The real-mode corpus: programs in `src/bin/real_*.rs` that run on real OS threads (not in a
//! model), each with the verdict real mode must reach and how the process must end.
//! `tests/real_mode.rs` runs each binary and checks both.

use conc_check::FindingKind;

use crate::Verdict;

/// How a real-mode program's process must end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// It exits by itself with status 0.
    Normal,
    /// The watchdog ends it with `DEADLOCK_EXIT_CODE` (86).
    Watchdog,
}

/// One real-mode program.
#[derive(Clone, Copy, Debug)]
pub struct RealProgram {
    /// Its binary, `src/bin/NAME.rs`.
    pub name: &'static str,
    /// What it does and what the bug is.
    pub note: &'static str,
    /// The verdict it must get.
    pub verdict: Verdict,
    /// How its process must end.
    pub ending: Ending,
    /// Environment it runs with (thresholds).
    pub env: &'static [(&'static str, &'static str)],
}

/// Every real-mode program.
pub const ALL: &[RealProgram] = &[
    RealProgram {
        name: "real_abba_sleepy",
        note: "opposite lock orders separated by a sleep: never deadlocks, predicted anyway",
        verdict: Verdict::Finds(&[FindingKind::LockOrderCycle]),
        ending: Ending::Normal,
        env: &[],
    },
    RealProgram {
        name: "real_deadlock",
        note: "two threads that do deadlock: the watchdog explains it and ends the process",
        verdict: Verdict::Finds(&[FindingKind::LockOrderCycle, FindingKind::Deadlock]),
        ending: Ending::Watchdog,
        env: &[("CONC_CHECK_WATCHDOG_SECS", "5")],
    },
    RealProgram {
        name: "real_lost_wakeup",
        note: "a condvar wait nobody will notify: nothing moves for the watchdog's time",
        verdict: Verdict::Finds(&[FindingKind::Deadlock]),
        ending: Ending::Watchdog,
        env: &[("CONC_CHECK_WATCHDOG_SECS", "1")],
    },
    RealProgram {
        name: "real_relaxed_race",
        note: "a payload in a tracked cell published with a Relaxed flag",
        verdict: Verdict::Finds(&[FindingKind::DataRace]),
        ending: Ending::Normal,
        env: &[],
    },
    RealProgram {
        name: "real_starved",
        note: "four threads hammering one unfair lock, with tight starvation limits",
        verdict: Verdict::Finds(&[FindingKind::Starvation]),
        ending: Ending::Normal,
        env: &[
            ("CONC_CHECK_STARVATION_BYPASSES", "100"),
            ("CONC_CHECK_STARVATION_MS", "0.5"),
        ],
    },
    RealProgram {
        name: "real_slow_ok",
        note: "a condvar wait longer than the watchdog's time, for a busy worker: not a hang",
        verdict: Verdict::Clean,
        ending: Ending::Normal,
        env: &[("CONC_CHECK_WATCHDOG_SECS", "0.5")],
    },
    RealProgram {
        name: "real_contended_ok",
        note: "8 threads, one Mutex, default limits: clean, with contention figures",
        verdict: Verdict::Clean,
        ending: Ending::Normal,
        env: &[],
    },
    RealProgram {
        name: "real_clean_ok",
        note: "the twin of the others: one lock order, Release/Acquire, locks and joins",
        verdict: Verdict::Clean,
        ending: Ending::Normal,
        env: &[],
    },
];
