//! `Strategy::Dfs` under a preemption bound: the exact bounded search, beside the unbounded
//! search while that one may still be the cheaper proof.
//!
//! The search that is exact within a bound ([`Dfs::exact_within_bound`]) cannot use sleep sets
//! and reverses every race twice, so it can need far more executions than the unbounded search
//! with sleep sets needs for the whole space (`seq_cst_readers_ok`: 2,301 at bound 2, 74
//! unbounded). If the unbounded search finishes, it has proved every final state, those within
//! the bound included. So the search starts as the unbounded one; as long as it has not gone
//! past the bound it is the search the bound prunes, step for step. Once it wants to, it first
//! gets as many executions again as it ran so far, at most [`GRACE`], to finish alone (a small
//! program, `double_checked_acquire_ok`: 7 executions at bound 2, where the exact search needs
//! 9). Then the exact search starts, and the two share the executions, [`EXACT_TURNS`] to the
//! exact search for one to the unbounded one, until either finishes: a program whose
//! unbounded space is small but not tiny is proved in it (`seq_cst_readers_ok`: 192
//! executions at bound 2). Where the unbounded space is large, the shared executions add at
//! most half the exact search's count.
//!
//! An unbounded search that ran an execution where a thread yields while the fair scheduler
//! hides one (a loop that yields until another thread moves: a spin lock, a back-off) has
//! dropped its sleep sets (see [`Dfs`]) and goes on as a search that such loops make large or
//! endless: it stops at once, and the exact search runs alone (`bounded_backoff_ok` at bound
//! 3: 106 executions, as many as the exact search alone).
//!
//! The exact search does not run again what the unbounded search ran: a
//! [`super::transcript::Transcript`] of each execution of the unbounded search (at most
//! [`MAX_TRANSCRIPTS`]) stands for the exact search's own execution when it would answer every
//! call alike (its first execution always does). `ticket_lock_ok` at bound 3: 36 executions,
//! where the unbounded search's 10 and then the exact search's 36 took 46.
//!
//! The executions of the unbounded search count like any others, and what they find is real (a
//! schedule that replays), even past the bound.

use std::cell::RefCell;

use super::dfs::{Course, Dfs};
use super::transcript::Transcript;
use super::{Strategy, ThreadChoice};
use crate::event::{Event, ObjectId, StoreId, ThreadId};

/// Executions the exact search runs for each one of the unbounded search, once both run.
pub const EXACT_TURNS: u64 = 2;

/// The most executions the unbounded search runs alone once it has gone past the bound; it
/// gets as many as it ran before, up to this.
pub const GRACE: u64 = 64;

/// The most executions of the unbounded search kept for the exact search to take in without
/// running them again ([`super::transcript`]).
pub const MAX_TRANSCRIPTS: usize = 256;

/// The most calls all kept transcripts hold together (about 64 bytes each): long executions
/// keep fewer.
pub const MAX_TRANSCRIPT_CALLS: usize = 1 << 19;

/// One of the two searches.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Running {
    Unbounded,
    Exact,
}

/// Exact DFS within `bound` preemptions, with the unbounded search beside it while that may
/// finish first.
pub struct BoundedDfs {
    bound: usize,
    /// The unbounded search (sleep sets on), while it runs.
    unbounded: Option<Dfs>,
    /// The exact bounded search, once started.
    exact: Option<Dfs>,
    /// Which search runs the current execution.
    running: Running,
    /// Executions the exact search ran since the unbounded one last ran.
    exact_turns: u64,
    /// Executions started so far.
    started: u64,
    /// Executions the unbounded search may still run alone past the bound, once it went past
    /// it.
    grace: Option<u64>,
    /// The unbounded search's fair scheduler hid a thread in the running execution.
    hid_a_thread: bool,
    /// A thread yielded at a thread choice of the running execution of the unbounded search.
    saw_a_yield: bool,
    /// Redundant alternatives a stopped unbounded search pruned.
    pruned_before: u64,
    /// One of the searches ran out: the bounded space is proved and nothing more runs.
    finished: bool,
    /// What the unbounded search was told and answered in the running execution, while
    /// [`MAX_TRANSCRIPTS`] and [`MAX_TRANSCRIPT_CALLS`] leave room to keep it. (A cell: `store_ordered_before` is asked
    /// through a shared reference.)
    recording: RefCell<Option<Transcript>>,
    /// Executions of the unbounded search the exact search has not taken in yet.
    transcripts: Vec<Transcript>,
    /// Calls held by the transcripts kept so far, taken in or not ([`MAX_TRANSCRIPT_CALLS`]).
    kept_calls: usize,
}

impl BoundedDfs {
    /// A reduced search exact within `bound` preemptions.
    ///
    /// `CONC_CHECK_SOUNDNESS_EXACT` (set by the test that checks the exact search on its own,
    /// not meant for users) runs the exact search alone: an unbounded search that finishes
    /// hides what the exact search would have missed.
    pub fn new(bound: usize) -> Self {
        let exact_only = std::env::var_os("CONC_CHECK_SOUNDNESS_EXACT").is_some();
        let mut search = BoundedDfs {
            bound,
            unbounded: (!exact_only).then(|| Dfs::with_reduction(None, true)),
            exact: None,
            running: Running::Unbounded,
            exact_turns: 0,
            started: 0,
            grace: None,
            hid_a_thread: false,
            saw_a_yield: false,
            pruned_before: 0,
            finished: false,
            recording: RefCell::new(None),
            transcripts: Vec::new(),
            kept_calls: 0,
        };
        if exact_only {
            search.start_exact();
            search.running = Running::Exact;
        }
        search
    }

    fn start_exact(&mut self) {
        if self.exact.is_none() {
            self.exact = Some(Dfs::with_reduction(Some(self.bound), true).exact_within_bound());
        }
    }

    /// Stops the unbounded search for good; the exact one goes on alone.
    fn stop_unbounded(&mut self) {
        self.start_exact();
        if let Some(unbounded) = self.unbounded.take() {
            self.pruned_before += unbounded.pruned();
        }
    }

    /// The search that runs the current execution. (`running` always names one that exists:
    /// the exact search starts before the unbounded one stops.)
    fn current(&self) -> &Dfs {
        match self.running {
            Running::Unbounded => self.unbounded.as_ref(),
            Running::Exact => self.exact.as_ref(),
        }
        .expect("the running search exists")
    }

    /// Adds to the running execution's transcript, if it is kept.
    fn record(&self, add: impl FnOnce(&mut Transcript)) {
        let mut recording = self.recording.borrow_mut();
        if let Some(transcript) = recording.as_mut() {
            add(transcript);
            if self.kept_calls + transcript.call_count() > MAX_TRANSCRIPT_CALLS {
                *recording = None;
            }
        }
    }

    /// Begins the exact search's next execution that no transcript of the unbounded search's
    /// stands for, taking in those that do; `false` once the exact search has nothing left.
    fn begin_exact_execution(&mut self) -> bool {
        let Some(exact) = self.exact.as_mut() else {
            return false;
        };
        loop {
            if !exact.begin_execution() {
                return false;
            }
            // The exact search never comes back to a choice it explored: a transcript that
            // leaves its path there never replays.
            self.transcripts
                .retain(|transcript| exact.course_of(transcript.decisions()) != Course::Passed);
            let replay = self
                .transcripts
                .iter()
                .enumerate()
                .find_map(|(i, transcript)| transcript.replay(exact).map(|done| (i, done)));
            let Some((i, done)) = replay else {
                return true;
            };
            *exact = done;
            self.transcripts.swap_remove(i);
        }
    }

    fn current_mut(&mut self) -> &mut Dfs {
        match self.running {
            Running::Unbounded => self.unbounded.as_mut(),
            Running::Exact => self.exact.as_mut(),
        }
        .expect("the running search exists")
    }

    /// The search that runs the next execution: the unbounded one alone until it goes past
    /// the bound and for its grace after that, then both, the exact one [`EXACT_TURNS`] times
    /// for each turn of the other; the exact one alone once the unbounded one stopped.
    fn pick_next(&mut self) -> Running {
        // The last execution of the unbounded search spun in a loop that yields: it stops.
        if std::mem::take(&mut self.hid_a_thread) & std::mem::take(&mut self.saw_a_yield) {
            self.stop_unbounded();
        }
        let Some(unbounded) = &self.unbounded else {
            return Running::Exact;
        };
        if self.exact.is_none() {
            if self.grace.is_none() && unbounded.beyond(self.bound) {
                self.grace = Some(self.started.min(GRACE));
            }
            match &mut self.grace {
                None => return Running::Unbounded,
                Some(left) if *left > 0 => {
                    *left -= 1;
                    return Running::Unbounded;
                }
                Some(_) => self.start_exact(),
            }
        }
        if self.exact_turns < EXACT_TURNS {
            self.exact_turns += 1;
            return Running::Exact;
        }
        self.exact_turns = 0;
        Running::Unbounded
    }
}

impl Strategy for BoundedDfs {
    fn begin_execution(&mut self) -> bool {
        if self.finished {
            return false;
        }
        if let Some(transcript) = self.recording.get_mut().take() {
            self.kept_calls += transcript.call_count();
            self.transcripts.push(transcript);
        }
        self.running = self.pick_next();
        let began = match self.running {
            Running::Unbounded => self.current_mut().begin_execution(),
            Running::Exact => self.begin_exact_execution(),
        };
        if !began {
            // Either search running out is a proof for the bounded space.
            self.finished = true;
            return false;
        }
        self.started += 1;
        let keep = self.running == Running::Unbounded && self.transcripts.len() < MAX_TRANSCRIPTS;
        *self.recording.get_mut() = keep.then(Transcript::default);
        true
    }

    fn choose_thread(&mut self, choice: &ThreadChoice<'_>) -> ThreadId {
        self.saw_a_yield |= choice.yielded && self.running == Running::Unbounded;
        let chosen = self.current_mut().choose_thread(choice);
        self.record(|t| t.thread(choice, chosen));
        chosen
    }

    fn choose_value(&mut self, n: u32) -> u32 {
        let chosen = self.current_mut().choose_value(n);
        self.record(|t| t.value(n, chosen));
        chosen
    }

    fn choose_read(&mut self, n: u32, offered: &[u32]) -> u32 {
        let chosen = self.current_mut().choose_read(n, offered);
        self.record(|t| t.read(n, offered, chosen));
        chosen
    }

    fn store_ordered_before(
        &self,
        thread: ThreadId,
        object: ObjectId,
        overwriting: StoreId,
    ) -> bool {
        let answer = self
            .current()
            .store_ordered_before(thread, object, overwriting);
        self.record(|t| t.ordered_before(thread, object, overwriting, answer));
        answer
    }

    fn forced_step(&mut self) {
        self.current_mut().forced_step();
        self.record(Transcript::forced);
    }

    fn observe(&mut self, event: &Event) {
        self.current_mut().observe(event);
        self.record(|t| t.observe(event));
    }

    fn fairness_engaged(&mut self) {
        if self.running == Running::Unbounded && self.unbounded.is_some() {
            self.hid_a_thread = true;
        }
        self.current_mut().fairness_engaged();
        self.record(Transcript::fairness_engaged);
    }

    fn is_complete(&self) -> bool {
        self.finished && self.current().is_complete() && self.problem().is_none()
    }

    fn pruned(&self) -> u64 {
        let pruned = |search: &Option<Dfs>| search.as_ref().map_or(0, Dfs::pruned);
        self.pruned_before + pruned(&self.unbounded) + pruned(&self.exact)
    }

    fn problem(&self) -> Option<String> {
        [&self.unbounded, &self.exact]
            .into_iter()
            .flatten()
            .find_map(Dfs::problem)
    }
}
