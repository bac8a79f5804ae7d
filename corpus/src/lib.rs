//! The corpus: small concurrent programs with a known bug or known to be clean, each with the
//! verdict conc-check must reach and a note on the published case it comes from.
//!
//! It is three things at once: the demo users run first (`cargo conc-check -p conc-check-corpus`
//! runs every program as a `#[conc_check::test]`, see `tests/demo.rs`), the regression suite of
//! every detector (`tests/tests/corpus_verdicts.rs` asserts each verdict), and the input of the
//! benchmarks.

pub mod programs;
pub mod real;

use conc_check::FindingKind;

/// What conc-check must say about a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No finding, whatever the schedule.
    Clean,
    /// A finding of one of these kinds (the first one found must be among them).
    Finds(&'static [FindingKind]),
}

/// One corpus program.
#[derive(Clone, Copy, Debug)]
pub struct Program {
    /// Its name, as in `programs::NAME`.
    pub name: &'static str,
    /// Where the case comes from and what the bug is.
    pub note: &'static str,
    /// The verdict it must get.
    pub verdict: Verdict,
    /// The test body, run once per execution.
    pub run: fn(),
    /// Whether the program needs spurious wakeups enabled to show its bug.
    pub spurious_wakeups: bool,
}

impl Program {
    /// True for programs with a known bug.
    pub fn is_buggy(&self) -> bool {
        self.verdict != Verdict::Clean
    }
}

/// Every program of the corpus.
pub fn all() -> Vec<Program> {
    programs::all()
}

/// The program called `name`.
pub fn find(name: &str) -> Option<Program> {
    programs::all().into_iter().find(|p| p.name == name)
}
