//! The failing execution's last steps, in words, for the report, with the loads that read a
//! stale value (weak memory) explained.

use crate::describe::ExecutionObjects;
use crate::detector::Scene;
use crate::event::{Event, MemOrder, ObjectId, Op, StoreId};
use crate::report::{Finding, TraceStep};

/// How many steps a report shows.
const SHOWN: usize = 24;

/// The last steps of `trace`, described in the user's terms; `weak_reads` are the loads that
/// read an older store than the latest (the index of the load's event, and the latest store);
/// `reference_counts` the atomics that count the references of a front end's pointer type.
pub(crate) fn describe(
    trace: &[Event],
    weak_reads: &[(usize, StoreId)],
    reference_counts: &[(ObjectId, &'static str)],
    names: &dyn Scene,
) -> Vec<TraceStep> {
    let objects = ExecutionObjects::new(trace);
    let steps: Vec<(usize, &Event)> = trace
        .iter()
        .enumerate()
        .filter(|(_, e)| !matches!(e.op, Op::Create { .. } | Op::Exit))
        .collect();
    let skip = steps.len().saturating_sub(SHOWN);
    steps[skip..]
        .iter()
        .map(|&(i, e)| {
            let counted = e
                .object
                .and_then(|o| reference_counts.iter().find(|(r, _)| *r == o));
            let mut action = match counted {
                Some(&(o, what)) => {
                    crate::describe::reference_count_action(&e.op, &objects.medium_as(o, what))
                        .unwrap_or_else(|| {
                            crate::describe::action(e, &|o| objects.medium(o), names)
                        })
                }
                None => crate::describe::action(e, &|o| objects.medium(o), names),
            };
            if let Some(newer) = weak_read(trace, weak_reads, i) {
                action.push_str(&format!(
                    ", an older value although {} had stored {} at {}",
                    names.label(newer.thread),
                    stored_value(newer),
                    at(newer)
                ));
            }
            TraceStep {
                thread: names.label(e.thread),
                action,
                site: format!("{}:{}:{}", e.site.file(), e.site.line(), e.site.column()),
            }
        })
        .collect()
}

/// Adds to `finding` why the last stale load of `trace` could read what it read, and what
/// would forbid it: a finding that needs a weak read says so.
pub(crate) fn explain_weak_read(
    finding: &mut Finding,
    trace: &[Event],
    weak_reads: &[(usize, StoreId)],
    names: &dyn Scene,
) {
    let Some(&(index, _)) = weak_reads.last() else {
        return;
    };
    let Some(newer) = weak_read(trace, weak_reads, index) else {
        return;
    };
    let load = &trace[index];
    let (Some(object), Some(order)) = (load.object, load_order_of(load)) else {
        return;
    };
    let objects = ExecutionObjects::new(trace);
    finding.notes.push(format!(
        "weak memory: {} loads {} from {} at {} although {} stored {} at {}: nothing made that \
         store happen before this {order:?} load, so the load may still read the older value",
        names.label(load.thread),
        loaded_value(load),
        objects.medium(object),
        at(load),
        names.label(newer.thread),
        stored_value(newer),
        at(newer),
    ));
    let newer_index = trace[..index]
        .iter()
        .rposition(|e| std::ptr::eq(e, newer))
        .unwrap_or(0);
    let help = help(order, (index, newer_index), object, trace);
    finding.notes.push(help.to_string());
}

/// Which ordering or fence would forbid the stale read of `load_order` by the load at
/// `index` against the store `newer` (at `newer_index`) of `object`, by the pattern the
/// threads follow.
fn help(
    load_order: MemOrder,
    (index, newer_index): (usize, usize),
    object: ObjectId,
    trace: &[Event],
) -> &'static str {
    let (reader, writer) = (trace[index].thread, trace[newer_index].thread);
    let elsewhere = |e: &Event| e.object.is_some() && e.object != Some(object);
    // Message passing: the reader loaded, before, another atomic the writer stored after.
    let flags_written: Vec<_> = trace[newer_index..index]
        .iter()
        .filter(|e| e.thread == writer && elsewhere(e) && store_order(e).is_some())
        .map(|e| e.object)
        .collect();
    let read_a_flag = trace[newer_index..index].iter().any(|e| {
        e.thread == reader && load_order_of(e).is_some() && flags_written.contains(&e.object)
    });
    // Store buffering: the reader stored another atomic before, which the writer loaded.
    let stored_first: Vec<_> = trace[..index]
        .iter()
        .filter(|e| e.thread == reader && elsewhere(e) && store_order(e).is_some())
        .map(|e| e.object)
        .collect();
    let buffered = trace[..index].iter().any(|e| {
        e.thread == writer && load_order_of(e).is_some() && stored_first.contains(&e.object)
    });
    if store_order(&trace[newer_index]) == Some(MemOrder::SeqCst) && load_order == MemOrder::SeqCst
    {
        "help: both accesses are SeqCst: the older value is read only because the store came \
         later in the single SeqCst order; order the two threads explicitly if the load must \
         see it"
    } else if read_a_flag {
        "help: this thread saw a flag the storing thread set after this store; store the flag \
         with Release and load it with Acquire (or put fence(Release) before the flag's store \
         and fence(Acquire) after its load): then this store happens before the load, and the \
         older value can no longer be read"
    } else if buffered {
        "help: each thread stores, then loads what the other stored (store buffering): \
         Release and Acquire cannot forbid both loads reading the older values; make the \
         stores and loads SeqCst, or put fence(SeqCst) between each thread's store and load"
    } else {
        "help: nothing orders the store before this load: synchronise the two threads between \
         them (a Release store read by an Acquire load, a lock, a channel, or join) if the load \
         must see it"
    }
}

/// The store `weak_reads` says was the latest when the load at `index` read an older one.
fn weak_read<'a>(
    trace: &'a [Event],
    weak_reads: &[(usize, StoreId)],
    index: usize,
) -> Option<&'a Event> {
    let &(_, newer) = weak_reads.iter().find(|(i, _)| *i == index)?;
    let object = trace.get(index)?.object;
    trace[..index]
        .iter()
        .rev()
        .find(|e| e.object == object && store_id(e) == Some(newer))
}

fn store_id(e: &Event) -> Option<StoreId> {
    match e.op {
        Op::AtomicStore { id, .. }
        | Op::AtomicRmw {
            id, success: true, ..
        } => Some(id),
        _ => None,
    }
}

fn store_order(e: &Event) -> Option<MemOrder> {
    match e.op {
        Op::AtomicStore { order, .. } | Op::AtomicRmw { order, .. } => Some(order),
        _ => None,
    }
}

fn stored_value(e: &Event) -> u64 {
    match e.op {
        Op::AtomicStore { value, .. } => value,
        Op::AtomicRmw { new, .. } => new,
        _ => 0,
    }
}

fn load_order_of(e: &Event) -> Option<MemOrder> {
    match e.op {
        Op::AtomicLoad { order, .. } | Op::AtomicRmw { order, .. } => Some(order),
        _ => None,
    }
}

fn loaded_value(e: &Event) -> u64 {
    match e.op {
        Op::AtomicLoad { value, .. } => value,
        Op::AtomicRmw { old, .. } => old,
        _ => 0,
    }
}

fn at(e: &Event) -> String {
    format!("{}:{}", e.site.file(), e.site.line())
}
