//! The findings for a model thread that had to be ended from outside: `hang` (it reached no
//! scheduling point for too long) and `stack_overflow` (it ran into its guard page).
//!
//! They explain what the thread was doing from the stack the trap recorded: the innermost frame
//! in the user's code, a std primitive it is blocked in (a std lock held across a shim operation
//! by another model thread can never be released, since conc-check only switches threads at its
//! own operations), and its last conc-check operation.

use std::time::Duration;

use super::beacon::Beacon;
use super::execution::{Execution, ThreadState};
use super::frames::{resolve, Frame};
use crate::detector::Scene;
use crate::event::{Event, Op, ThreadId};
use crate::report::{Finding, FindingKind, SiteRole, SourceRef};

/// Frames listed in a finding.
const SHOWN_FRAMES: usize = 12;

/// A std primitive a frame blocks in, by the names std's functions have.
fn std_primitive(frame: &Frame) -> Option<(&'static str, &'static str)> {
    let f = frame.function.trim_start_matches('<');
    if !(f.starts_with("std::sync::") || f.starts_with("std::thread::")) {
        return None;
    }
    let table: [(&[&str], &str, &str); 10] = [
        (
            &["Mutex", "lock"],
            "std::sync::Mutex::lock",
            "conc_check::sync::Mutex",
        ),
        (
            &["RwLock", "read"],
            "std::sync::RwLock::read",
            "conc_check::sync::RwLock",
        ),
        (
            &["RwLock", "write"],
            "std::sync::RwLock::write",
            "conc_check::sync::RwLock",
        ),
        (
            &["Condvar", "wait"],
            "std::sync::Condvar::wait",
            "conc_check::sync::Condvar",
        ),
        (
            &["Receiver", "recv"],
            "std::sync::mpsc::Receiver::recv",
            "conc_check::sync::mpsc",
        ),
        (
            &["Sender", "send"],
            "std::sync::mpsc::Sender::send",
            "conc_check::sync::mpsc",
        ),
        (
            &["Barrier", "wait"],
            "std::sync::Barrier::wait",
            "conc_check::sync::Barrier",
        ),
        (
            &["Once"],
            "std::sync::Once",
            "conc_check::sync::Once (or OnceLock, LazyLock)",
        ),
        (
            &["JoinHandle", "join"],
            "std::thread::JoinHandle::join",
            "conc_check::thread::spawn",
        ),
        (&["park"], "std::thread::park", "conc_check::thread::park"),
    ];
    table
        .iter()
        .find(|(words, _, _)| words.iter().all(|w| f.contains(w)))
        .map(|(_, name, instead)| (*name, *instead))
        .or_else(|| {
            f.contains("sleep")
                .then_some(("std::thread::sleep", "conc_check::thread::sleep"))
        })
}

/// "5.0s"
fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// The last conc-check operation of `thread` in `trace`, in words, with its event.
fn last_operation<'a>(
    trace: &'a [Event],
    thread: ThreadId,
    e: &Execution,
) -> Option<(String, &'a Event)> {
    let event = trace
        .iter()
        .rev()
        .find(|ev| ev.thread == thread && !matches!(ev.op, Op::Create { .. }))?;
    let objects = crate::describe::ExecutionObjects::new(trace);
    let names = e.names();
    let text = crate::describe::action(event, &|o| objects.medium(o), &names);
    Some((text, event))
}

/// The explanation common to both findings: where the thread is, its stack, its last operation.
struct Explained {
    finding: Finding,
    user: Option<Frame>,
}

fn explain(
    kind: FindingKind,
    message: String,
    frames: &[Frame],
    thread: ThreadId,
    who: &str,
) -> Explained {
    let mut finding = Finding::new(kind, message);
    let user = frames.iter().find(|f| f.is_user()).cloned();
    if let Some(frame) = &user {
        if let Some(site) = frame.source(format!("{who} is here")) {
            finding.sites.push(site.by(thread.0));
        }
    }
    Explained { finding, user }
}

fn add_stack(finding: &mut Finding, frames: &[Frame]) {
    if frames.is_empty() {
        finding
            .notes
            .push("its stack could not be recorded".to_string());
        return;
    }
    // Below the user's outermost frame is only the engine's way into the thread: cut it.
    let outermost_user = frames.iter().rposition(Frame::is_user);
    let shown = match outermost_user {
        Some(last) => &frames[..=last],
        None => frames,
    };
    // Runs of one function (recursion) are folded.
    let mut lines: Vec<(String, usize)> = Vec::new();
    for frame in shown {
        let place = frame.place();
        match lines.last_mut() {
            Some((last, n)) if *last == place => *n += 1,
            _ => lines.push((place, 1)),
        }
    }
    finding
        .notes
        .push("its stack, innermost first:".to_string());
    for (place, n) in lines.iter().take(SHOWN_FRAMES) {
        if *n > 1 {
            finding.notes.push(format!("    {place} ×{n}"));
        } else {
            finding.notes.push(format!("    {place}"));
        }
    }
    if lines.len() > SHOWN_FRAMES {
        finding
            .notes
            .push(format!("    … {} more", lines.len() - SHOWN_FRAMES));
    }
}

fn add_last_operation(finding: &mut Finding, e: &Execution, thread: ThreadId) {
    match last_operation(&e.trace, thread, e) {
        Some((text, event)) => {
            finding.notes.push(format!(
                "its last conc-check operation: {text} at {}:{}:{}",
                event.site.file(),
                event.site.line(),
                event.site.column()
            ));
            finding.sites.push(
                SourceRef::at(event.site, SiteRole::Other, "its last conc-check operation")
                    .by(thread.0),
            );
        }
        None => finding
            .notes
            .push("it had not reached any conc-check operation in this execution".to_string()),
    }
}

/// The finding for a model thread the watcher had ended: stuck outside conc-check.
pub(crate) fn hang_finding(
    e: &Execution,
    thread: ThreadId,
    beacon: &Beacon,
    hang_timeout: Option<Duration>,
) -> Finding {
    let frames = resolve(&beacon.frames());
    let (stuck_for, blocked) = beacon.stuck();
    let names = e.names();
    let who = names.label(thread);
    let primitive = frames.iter().find_map(std_primitive);
    let message = match (primitive, blocked) {
        (Some((name, _)), _) => format!(
            "hang: {who} is blocked in `{name}`, which conc-check cannot see or switch away from"
        ),
        (None, true) => format!(
            "hang: {who} has been blocked outside conc-check for {}",
            seconds(stuck_for)
        ),
        (None, false) => format!(
            "hang: {who} ran for {} without reaching a conc-check operation",
            seconds(stuck_for)
        ),
    };
    let mut x = explain(FindingKind::Hang, message, &frames, thread, &who);
    let what = if blocked { "blocked" } else { "running" };
    if let Some(user) = &x.user {
        x.finding
            .notes
            .insert(0, format!("it is {what} in {}", user.place()));
    }
    add_last_operation(&mut x.finding, e, thread);
    match primitive {
        Some((name, instead)) => {
            x.finding.notes.push(format!(
                "conc-check switches threads only at its own operations, so `{name}` waits for \
                 something that another model thread can only provide after being scheduled, \
                 which never happens while this thread waits (a std lock held by another model \
                 thread across a conc-check operation is never released): use {instead} instead, \
                 with the same API"
            ));
            others(&mut x.finding, e, thread);
        }
        None if blocked => x.finding.notes.push(
            "it waits in the kernel for something conc-check does not control (a std lock or \
             channel, I/O, a real sleep): model threads must only wait through conc_check::sync \
             and conc_check::thread"
                .to_string(),
        ),
        None => x.finding.notes.push(format!(
            "a loop that never calls into conc-check can be neither interleaved nor stopped: if it \
             waits for another thread (spinning on a std atomic, say), use conc_check::sync::atomic \
             and conc_check::hint::spin_loop; if it is long work, raise the hang timeout \
             (Builder::hang_timeout or CONC_CHECK_HANG_TIMEOUT, now {})",
            hang_timeout.map_or_else(|| "off".to_string(), seconds)
        )),
    }
    add_stack(&mut x.finding, &frames);
    x.finding.notes.push(
        "conc-check ended the thread with a signal; what was on its stack was leaked, not dropped"
            .to_string(),
    );
    x.finding
}

/// Lists the other unfinished threads and where they stopped.
fn others(finding: &mut Finding, e: &Execution, thread: ThreadId) {
    let names = e.names();
    for (i, slot) in e.threads.iter().enumerate() {
        let other = ThreadId(i as u32);
        if other == thread || matches!(slot.state, ThreadState::Finished) {
            continue;
        }
        let who = names.label(other);
        let state = match slot.state {
            ThreadState::Blocked(_) => "blocked",
            _ => "suspended",
        };
        match (slot.at, last_operation(&e.trace, other, e)) {
            (Some(at), _) => {
                finding.notes.push(format!(
                    "{who} is {state} at a conc-check operation at {}:{}:{}, holding whatever it took before",
                    at.file(),
                    at.line(),
                    at.column()
                ));
                finding.sites.push(
                    SourceRef::at(at, SiteRole::Wait, format!("{who} is {state} here")).by(other.0),
                );
            }
            (None, Some((text, event))) => finding.notes.push(format!(
                "{who} is {state} after its last conc-check operation: {text} at {}:{}:{}",
                event.site.file(),
                event.site.line(),
                event.site.column()
            )),
            (None, None) => {}
        }
    }
}

/// The finding for a model thread that ran into its stack's guard page.
pub(crate) fn overflow_finding(
    e: &Execution,
    thread: ThreadId,
    beacon: &Beacon,
    stack_size: usize,
) -> Finding {
    let frames = resolve(&beacon.frames());
    let who = e.names().label(thread);
    let message = format!(
        "stack overflow: {who} overflowed its {} stack",
        size_text(stack_size)
    );
    let mut x = explain(FindingKind::StackOverflow, message, &frames, thread, &who);
    if let Some(site) = x.finding.sites.first_mut() {
        site.label = format!("{who} overflows its stack here");
    }
    x.finding.notes.push(format!(
        "it ran into the guard page below its stack (address {:#x})",
        beacon.fault()
    ));
    add_last_operation(&mut x.finding, e, thread);
    x.finding.notes.push(
        "a model thread gets the stack a std thread would: thread::Builder::stack_size when \
         given, else RUST_MIN_STACK, else 2 MiB; deep recursion that fits a std thread fits here"
            .to_string(),
    );
    add_stack(&mut x.finding, &frames);
    x.finding
}

/// The finding when the exploration thread could not be brought back: what the beacon knows.
pub(crate) fn abandoned_finding(
    beacon: &Beacon,
    stuck_for: Duration,
    blocked: bool,
    after_trap: bool,
) -> Finding {
    let frames = resolve(&beacon.frames());
    let thread = ThreadId(beacon.thread());
    let who = crate::detector::NumberedThreads.label(thread);
    let primitive = frames.iter().find_map(std_primitive);
    let message = match primitive {
        Some((name, _)) => {
            format!("hang: {who} is blocked in `{name}`, which conc-check cannot see")
        }
        None => format!(
            "hang: {who} made no progress for {} and could not be stopped",
            seconds(stuck_for)
        ),
    };
    let mut x = explain(FindingKind::Hang, message, &frames, thread, &who);
    if let Some(user) = &x.user {
        let what = if blocked { "blocked" } else { "running" };
        x.finding
            .notes
            .insert(0, format!("it is {what} in {}", user.place()));
    }
    if let Some((name, instead)) = primitive {
        x.finding.notes.push(format!(
            "`{name}` waits for another model thread, which is never scheduled while this one \
             waits: use {instead} instead"
        ));
    }
    x.finding.notes.push(if after_trap {
        "conc-check ended the thread, but the exploration did not report afterwards".to_string()
    } else {
        "conc-check could not end the thread safely (it stayed inside the C library, or did not \
         take the signal), so it was left behind"
            .to_string()
    });
    add_stack(&mut x.finding, &frames);
    x.finding
}

/// "2 MiB", "512 KiB"
fn size_text(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes % (1 << 20) == 0 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{} KiB", bytes >> 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::frames::frame;

    #[test]
    fn std_primitives_are_named() {
        let lock = frame("std::sync::poison::mutex::Mutex<T>::lock", None);
        assert_eq!(
            std_primitive(&lock),
            Some(("std::sync::Mutex::lock", "conc_check::sync::Mutex"))
        );
        let recv = frame("std::sync::mpmc::Receiver<T>::recv", None);
        assert_eq!(
            std_primitive(&recv).map(|p| p.0),
            Some("std::sync::mpsc::Receiver::recv")
        );
        assert_eq!(std_primitive(&frame("my::Mutex::lock", None)), None);
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(size_text(2 << 20), "2 MiB");
        assert_eq!(size_text(64 << 10), "64 KiB");
    }
}
