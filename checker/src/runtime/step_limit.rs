//! The `step_limit` finding: an execution that ran past `max_steps`, with who was running.

use crate::detector::Scene;
use crate::event::{Event, Op, Site, ThreadId};
use crate::report::{Finding, FindingKind, SiteRole};

/// Steps at the end of the trace the finding summarises.
const TAIL: usize = 1_000;

/// A thread, its steps, and its steps per site.
type ThreadSteps = (ThreadId, usize, Vec<(Site, usize)>);

/// The finding for an execution that exceeded `max_steps`, naming the threads that ran in its
/// last steps and where each spent them.
pub(crate) fn step_limit_finding(trace: &[Event], max_steps: u64, names: &dyn Scene) -> Finding {
    let tail = &trace[trace.len().saturating_sub(TAIL)..];
    // Per thread: steps, and steps per site (first-seen order).
    let mut threads: Vec<ThreadSteps> = Vec::new();
    for e in tail.iter().filter(|e| !matches!(e.op, Op::Create { .. })) {
        let i = match threads.iter().position(|(t, _, _)| *t == e.thread) {
            Some(i) => i,
            None => {
                threads.push((e.thread, 0, Vec::new()));
                threads.len() - 1
            }
        };
        let (_, steps, sites) = &mut threads[i];
        *steps += 1;
        match sites.iter_mut().find(|(s, _)| std::ptr::eq(*s, e.site)) {
            Some((_, n)) => *n += 1,
            None => sites.push((e.site, 1)),
        }
    }
    threads.sort_by_key(|(_, steps, _)| std::cmp::Reverse(*steps));
    let mut finding = Finding::new(
        FindingKind::StepLimit,
        format!("an execution ran for more than {max_steps} scheduling steps without finishing"),
    );
    for (thread, steps, sites) in &mut threads {
        sites.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        let Some((site, n)) = sites.first() else {
            continue;
        };
        finding = finding
            .note(format!(
                "in the last {} steps {} took {steps}, {n} of them at {}:{}:{}",
                tail.len(),
                names.label(*thread),
                site.file(),
                site.line(),
                site.column()
            ))
            .site_by(
                thread.0,
                site,
                SiteRole::Other,
                format!("{} keeps running here", names.label(*thread)),
            );
    }
    finding.note(
        "no state repeated often enough to call it a livelock: a thread may be counting or \
         allocating forever, or the test is larger than the limit (Builder::max_steps)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detector::testing::{ev, load};
    use crate::detector::NumberedThreads;

    #[test]
    fn the_finding_names_the_threads_that_kept_running() {
        let mut trace = vec![ev(0, None, Op::Yield)];
        trace.extend((0..30).map(|_| ev(2, Some(0), load())));
        let f = step_limit_finding(&trace, 25, &NumberedThreads);
        assert_eq!(f.kind, FindingKind::StepLimit);
        assert!(f.message.contains("more than 25"));
        assert!(f.notes[0].contains("thread 2 took 30"), "{:?}", f.notes);
        assert!(
            f.notes[1].contains("the main thread took 1"),
            "{:?}",
            f.notes
        );
    }
}
