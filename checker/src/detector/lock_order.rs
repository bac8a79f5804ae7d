//! Lock-order cycles: locks taken in orders that can deadlock, found before they do (lockdep-style).
//!
//! Every blocking acquisition of a lock while the thread holds others adds edges held → acquired
//! to a lock-order graph, labelled with the thread, both sites, both lock modes and the other
//! locks held at the time. An edge that closes a cycle is a finding, unless the cycle cannot
//! deadlock:
//!
//! - the same thread took two of its edges (a thread cannot wait for itself across a cycle);
//! - two of its edges were taken while holding a common lock (a gate lock), unless both held it
//!   for reading;
//! - every edge is read → read on RwLocks: no writer takes part;
//! - it is one lock locked twice (the deadlock detector reports a re-lock as it happens).
//!
//! `try_lock` acquisitions add no edge (they cannot block), though the lock counts as held.
//!
//! There are two graphs. The instance graph links the objects of the running execution and is
//! reset with it. The class graph links lock classes, the place each lock was created (its
//! `Mutex::new` call), and is kept for the whole exploration, so that an order seen in one
//! execution and the opposite order seen in another still form a cycle, as in Linux's lockdep.
//! Locks of one class are not ordered against each other in the class graph (nested locking of
//! two locks made by the same constructor is common and only the instance graph can judge it).
//! Each cycle of classes is reported once per exploration.
//!
//! The unit test `two_threads_taking_two_locks_in_opposite_orders_form_one_cycle` shows the
//! smallest case.

use std::collections::{HashMap, HashSet};

use crate::fast_hash::FastHash;
use std::hash::RandomState;

use petgraph::algo::all_simple_paths;
use petgraph::graphmap::{DiGraphMap, NodeTrait};

use super::objects::at;
use super::recursive_read::{RecursiveReads, Sighting};
use super::{Detector, Interest, Scene};
use crate::describe::ObjectName;
use crate::event::{Event, LockMode, ObjectId, ObjectKind, Op, OpKind, Site, ThreadId};
use crate::holdings::{Held, Holdings};
use crate::report::{Finding, FindingKind, SiteRole};

/// Paths examined per new edge, so that a pathological graph cannot stall an execution.
const MAX_PATHS: usize = 256;
/// Longest cycle looked for, in locks.
const MAX_CYCLE: usize = 16;
/// Label combinations tried per new edge.
const MAX_ASSIGNMENT_STEPS: usize = 20_000;

/// How one edge held → acquired was taken. `N` names locks: objects or classes.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
struct Label<N> {
    thread: ThreadId,
    /// Where the held lock was taken, and how.
    held_site: Site,
    held_mode: LockMode,
    /// Where the acquired lock was taken, and how.
    site: Site,
    mode: LockMode,
    /// The other locks the thread held, sorted (gate-lock candidates).
    gates: Vec<(N, LockMode)>,
}

impl<N: Copy + PartialEq> Label<N> {
    fn read_read(&self) -> bool {
        self.held_mode == LockMode::Shared && self.mode == LockMode::Shared
    }

    /// Every lock the thread held when it took this edge from `from`.
    fn lock_set(&self, from: N) -> impl Iterator<Item = (N, LockMode)> + '_ {
        self.gates
            .iter()
            .copied()
            .chain(std::iter::once((from, self.held_mode)))
    }
}

/// A label and the execution (counted from 1) that first produced it.
#[derive(Clone, Debug)]
struct Stamped<N> {
    label: Label<N>,
    execution: u64,
}

/// One edge of a cycle, with the label chosen for it.
#[derive(Clone, Debug)]
struct Step<N> {
    /// The lock held; the lock acquired is the next step's `from`.
    from: N,
    label: Label<N>,
    execution: u64,
}

/// Whether two edges can be waiting at the same time: different threads, and no lock both
/// held (unless both held it for reading).
fn compatible<N: Copy + PartialEq>(a_from: N, a: &Label<N>, b_from: N, b: &Label<N>) -> bool {
    if a.thread == b.thread {
        return false;
    }
    a.lock_set(a_from).all(|(la, ma)| {
        b.lock_set(b_from)
            .all(|(lb, mb)| la != lb || (ma == LockMode::Shared && mb == LockMode::Shared))
    })
}

/// A node of a lock-order graph: an object of this execution, or a class (a creation site).
trait Lock: NodeTrait {
    /// The object's number, as the interleaving of a report shows it (`Mutex #3`).
    fn number(self) -> Option<u32>;
}

impl Lock for ObjectId {
    fn number(self) -> Option<u32> {
        Some(self.0)
    }
}

impl Lock for Site {
    fn number(self) -> Option<u32> {
        None
    }
}

/// A lock-order graph over `N` (objects or classes).
struct OrderGraph<N: NodeTrait> {
    graph: DiGraphMap<N, Vec<Stamped<N>>>,
}

impl<N: NodeTrait> OrderGraph<N> {
    fn new() -> Self {
        OrderGraph {
            graph: DiGraphMap::new(),
        }
    }

    fn clear(&mut self) {
        self.graph.clear();
    }

    /// Adds `label` to the edge `from → to`; false when the edge already had it.
    fn add(&mut self, from: N, to: N, label: &Label<N>, execution: u64) -> bool {
        if let Some(labels) = self.graph.edge_weight_mut(from, to) {
            if labels.iter().any(|s| s.label == *label) {
                return false;
            }
            labels.push(Stamped {
                label: label.clone(),
                execution,
            });
            return true;
        }
        self.graph.add_edge(
            from,
            to,
            vec![Stamped {
                label: label.clone(),
                execution,
            }],
        );
        true
    }

    /// A cycle through the new edge `from → to` (labelled `label`) that can deadlock, starting at
    /// `to` and ending with the new edge.
    fn cycle_through(
        &self,
        from: N,
        to: N,
        label: &Label<N>,
        execution: u64,
    ) -> Option<Vec<Step<N>>> {
        let paths = all_simple_paths::<Vec<N>, _, RandomState>(
            &self.graph,
            to,
            from,
            0,
            Some(MAX_CYCLE - 2),
        );
        let mut budget = MAX_ASSIGNMENT_STEPS;
        for path in paths.take(MAX_PATHS) {
            let mut edges: Vec<(N, N, &[Stamped<N>])> = Vec::with_capacity(path.len());
            for pair in path.windows(2) {
                let labels = self.graph.edge_weight(pair[0], pair[1])?;
                edges.push((pair[0], pair[1], labels.as_slice()));
            }
            let new = (from, label);
            let mut picked: Vec<(N, &Stamped<N>)> = Vec::with_capacity(edges.len());
            if assign(new, &edges, &mut picked, &mut budget) {
                let mut steps: Vec<Step<N>> = edges
                    .iter()
                    .zip(&picked)
                    .map(|((f, _, _), (_, s))| Step {
                        from: *f,
                        label: s.label.clone(),
                        execution: s.execution,
                    })
                    .collect();
                steps.push(Step {
                    from,
                    label: label.clone(),
                    execution,
                });
                return Some(steps);
            }
            if budget == 0 {
                break;
            }
        }
        None
    }
}

/// Picks a label for each of `edges` so that, with the fixed `new` edge, every pair of edges
/// is compatible and not every edge is read → read.
fn assign<'a, N: Copy + PartialEq>(
    new: (N, &Label<N>),
    edges: &[(N, N, &'a [Stamped<N>])],
    picked: &mut Vec<(N, &'a Stamped<N>)>,
    budget: &mut usize,
) -> bool {
    let i = picked.len();
    if i == edges.len() {
        return !(new.1.read_read() && picked.iter().all(|(_, s)| s.label.read_read()));
    }
    let (from, _, options) = edges[i];
    for option in options {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        let fits = compatible(new.0, new.1, from, &option.label)
            && picked
                .iter()
                .all(|(f, p)| compatible(*f, &p.label, from, &option.label));
        if fits {
            picked.push((from, option));
            if assign(new, edges, picked, budget) {
                return true;
            }
            picked.pop();
        }
    }
    false
}

/// What a lock is: its kind and where it was created.
type LockInfo = (ObjectKind, Site);

/// Tracks held locks per thread and the lock-order graphs; reports cycles that can deadlock.
pub struct LockOrderDetector {
    /// Locks each thread holds, in acquisition order.
    holdings: Holdings,
    instance: OrderGraph<ObjectId>,
    class: OrderGraph<Site>,
    /// The kind of each class in the class graph, for messages.
    class_kinds: HashMap<Site, ObjectKind, FastHash>,
    /// Cycles reported so far, as sorted class lists.
    reported: HashSet<Vec<Site>>,
    /// Recursive read locks and the writers that make them deadlock.
    recursive_reads: RecursiveReads,
    /// The running execution, counted from 1 (`reset` starts each one).
    execution: u64,
}

impl Default for LockOrderDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl LockOrderDetector {
    /// A detector with empty graphs.
    pub fn new() -> Self {
        LockOrderDetector {
            holdings: Holdings::default(),
            instance: OrderGraph::new(),
            class: OrderGraph::new(),
            class_kinds: HashMap::default(),
            reported: HashSet::new(),
            recursive_reads: RecursiveReads::default(),
            execution: 0,
        }
    }

    /// Kind and class of lock `object`, if `names` knows it as a Mutex or an RwLock.
    fn info(names: &dyn Scene, object: ObjectId) -> Option<LockInfo> {
        names
            .object(object)
            .filter(|(kind, _)| matches!(kind, ObjectKind::Mutex | ObjectKind::RwLock))
    }

    fn on_acquire(
        &mut self,
        event: &Event,
        object: ObjectId,
        mode: LockMode,
        try_lock: bool,
        names: &dyn Scene,
    ) -> Option<Finding> {
        let (kind, class) = Self::info(names, object)?;
        let mut finding = None;
        if !try_lock && kind == ObjectKind::RwLock {
            finding = self.recursive_read_or_write(event, object, mode, class, names);
        }
        if !try_lock && !self.holdings.of(event.thread).is_empty() {
            let held = self.holdings.of(event.thread).to_vec();
            for (i, h) in held.iter().enumerate() {
                if h.object == object {
                    continue;
                }
                let found = self.add_edge(event, h, object, mode, class, &held, i, names);
                finding = finding.or(found);
            }
        }
        self.holdings.apply(event);
        finding
    }

    /// A blocking acquisition of RwLock `object`: a read of one the thread already reads, or
    /// a write ([`RecursiveReads`]).
    fn recursive_read_or_write(
        &mut self,
        event: &Event,
        object: ObjectId,
        mode: LockMode,
        class: Site,
        names: &dyn Scene,
    ) -> Option<Finding> {
        let holdings = self.holdings.of(event.thread);
        let seen = |held_site| Sighting {
            thread: event.thread,
            object,
            site: event.site,
            held_site,
            gates: holdings
                .iter()
                .filter(|h| h.object != object)
                .map(|h| (h.object, h.mode))
                .collect(),
        };
        match mode {
            LockMode::Exclusive => self.recursive_reads.write(class, seen(None), names),
            LockMode::Shared => {
                let held = holdings
                    .iter()
                    .find(|h| h.object == object && h.mode == LockMode::Shared)?;
                let read = seen(Some(held.site));
                self.recursive_reads.read_again(class, read, names)
            }
        }
    }

    /// Adds the edges `held → object` to both graphs and reports a cycle either one closes.
    #[allow(clippy::too_many_arguments)]
    fn add_edge(
        &mut self,
        event: &Event,
        held: &Held,
        object: ObjectId,
        mode: LockMode,
        class: Site,
        all_held: &[Held],
        index: usize,
        names: &dyn Scene,
    ) -> Option<Finding> {
        let (held_kind, held_class) = Self::info(names, held.object)?;
        let others = || {
            all_held
                .iter()
                .enumerate()
                .filter(move |(j, o)| *j != index && o.object != object)
                .map(|(_, o)| o)
        };
        let mut gates: Vec<(ObjectId, LockMode)> = others().map(|o| (o.object, o.mode)).collect();
        gates.sort_unstable_by_key(|(o, m)| (*o, *m == LockMode::Shared));
        gates.dedup();
        let label = Label {
            thread: event.thread,
            held_site: held.site,
            held_mode: held.mode,
            site: event.site,
            mode,
            gates,
        };
        let execution = self.execution;
        let mut finding = None;
        if self.instance.add(held.object, object, &label, execution) {
            if let Some(cycle) = self
                .instance
                .cycle_through(held.object, object, &label, execution)
            {
                let built = self.build(&cycle, &|o| Self::info(names, o), false, names);
                finding = self.record(built);
            }
        }
        if held_class == class {
            return finding;
        }
        let mut class_gates: Vec<(Site, LockMode)> = others()
            .filter_map(|o| Some((Self::info(names, o.object)?.1, o.mode)))
            .collect();
        class_gates.sort_unstable_by_key(|(s, m)| (*s, *m == LockMode::Shared));
        class_gates.dedup();
        let class_label = Label {
            thread: label.thread,
            held_site: label.held_site,
            held_mode: label.held_mode,
            site: label.site,
            mode: label.mode,
            gates: class_gates,
        };
        self.class_kinds.entry(held_class).or_insert(held_kind);
        if let Some((kind, _)) = Self::info(names, object) {
            self.class_kinds.entry(class).or_insert(kind);
        }
        if self.class.add(held_class, class, &class_label, execution) && finding.is_none() {
            if let Some(cycle) =
                self.class
                    .cycle_through(held_class, class, &class_label, execution)
            {
                let kinds = &self.class_kinds;
                let built = self.build(&cycle, &|c| kinds.get(&c).map(|k| (*k, c)), true, names);
                finding = self.record(built);
            }
        }
        finding
    }

    /// The finding for `cycle` and its class key, unless that cycle of classes was reported.
    fn build<N: Lock>(
        &self,
        cycle: &[Step<N>],
        info: &dyn Fn(N) -> Option<LockInfo>,
        by_class: bool,
        names: &dyn Scene,
    ) -> Option<(Finding, Vec<Site>)> {
        let mut key: Vec<Site> = cycle
            .iter()
            .map(|s| info(s.from).map(|(_, site)| site))
            .collect::<Option<_>>()?;
        key.sort_unstable();
        if self.reported.contains(&key) {
            return None;
        }
        let finding = render(cycle, info, by_class, self.execution, names)?;
        Some((finding, key))
    }

    /// Remembers a reported cycle.
    fn record(&mut self, built: Option<(Finding, Vec<Site>)>) -> Option<Finding> {
        let (finding, key) = built?;
        self.reported.insert(key);
        Some(finding)
    }
}

impl Detector for LockOrderDetector {
    fn interest(&self) -> Interest {
        Interest::only(&[OpKind::Acquire, OpKind::Release])
    }

    fn reset(&mut self) {
        self.holdings.clear();
        self.instance.clear();
        self.recursive_reads.reset();
        self.execution += 1;
    }

    fn on_event(&mut self, event: &Event, names: &dyn Scene) -> Option<Finding> {
        match (event.op, event.object) {
            (Op::Acquire { mode, try_lock }, Some(o)) => {
                self.on_acquire(event, o, mode, try_lock, names)
            }
            (Op::Release { .. }, Some(_)) => {
                self.holdings.apply(event);
                None
            }
            _ => None,
        }
    }
}

// ---- rendering ----

/// "locked", "read-locked" or "write-locked".
fn held_verb(kind: ObjectKind, mode: LockMode) -> &'static str {
    match (kind, mode) {
        (ObjectKind::RwLock, LockMode::Shared) => "read-locked",
        (ObjectKind::RwLock, LockMode::Exclusive) => "write-locked",
        _ => "locked",
    }
}

/// "locks", "read-locks" or "write-locks".
fn take_verb(kind: ObjectKind, mode: LockMode) -> &'static str {
    match (kind, mode) {
        (ObjectKind::RwLock, LockMode::Shared) => "read-locks",
        (ObjectKind::RwLock, LockMode::Exclusive) => "write-locks",
        _ => "locks",
    }
}

/// A cell of the scenario: `lock(A)`, `read(A)` or `write(A)`.
fn action(kind: ObjectKind, mode: LockMode, name: &str) -> String {
    match (kind, mode) {
        (ObjectKind::RwLock, LockMode::Shared) => format!("read({name})"),
        (ObjectKind::RwLock, LockMode::Exclusive) => format!("write({name})"),
        _ => format!("lock({name})"),
    }
}

/// The finding for a cycle: the chain, each edge with its thread and sites, and a scenario.
fn render<N: Lock>(
    cycle: &[Step<N>],
    info: &dyn Fn(N) -> Option<LockInfo>,
    by_class: bool,
    execution: u64,
    names: &dyn Scene,
) -> Option<Finding> {
    let k = cycle.len();
    let infos: Vec<LockInfo> = cycle.iter().map(|s| info(s.from)).collect::<Option<_>>()?;
    // Each lock is named as everywhere else: by its creation site, or the variable the creation
    // line binds it to; locks created at one place are told apart by their number.
    let shared_site = |site: Site| infos.iter().filter(|(_, s)| *s == site).count() > 1;
    let objects: Vec<ObjectName> = infos
        .iter()
        .zip(cycle)
        .map(|((kind, site), step)| {
            let number = step.from.number().filter(|_| shared_site(site));
            ObjectName::new(*kind, site, number).among(infos.iter().map(|(_, s)| *s))
        })
        .collect();
    // `a` in prose, a in the scenario table.
    let plain: Vec<String> = objects.iter().map(ObjectName::short).collect();
    let letters: Vec<String> = objects
        .iter()
        .zip(&plain)
        .map(|(o, p)| {
            if o.has_variable() {
                format!("`{p}`")
            } else {
                p.clone()
            }
        })
        .collect();
    let name_of = |n: N| -> String {
        match cycle.iter().position(|s| s.from == n) {
            Some(i) => letters[i].clone(),
            None => match info(n) {
                Some((kind, site)) => ObjectName::new(kind, site, None).long(),
                None => "another lock".to_string(),
            },
        }
    };
    let earlier = |s: &Step<N>| {
        if s.execution != execution {
            " (in an earlier execution)"
        } else {
            ""
        }
    };
    let across = cycle.iter().any(|s| s.execution != execution);

    let orders: Vec<String> = cycle
        .iter()
        .enumerate()
        .map(|(i, s)| {
            format!(
                "{} takes {} then {}{}",
                names.label(s.label.thread),
                letters[i],
                letters[(i + 1) % k],
                earlier(s)
            )
        })
        .collect();
    let head = if k == 2 {
        "lock order cycle".to_string()
    } else {
        format!("lock order cycle of {k} locks")
    };
    let mut finding = Finding::new(
        FindingKind::LockOrderCycle,
        format!("{head}: {}; these can deadlock", orders.join(", ")),
    );

    for object in &objects {
        finding.add_object(object.object_ref());
    }
    let mut chain: Vec<String> = objects.iter().map(ObjectName::long).collect();
    chain.push(objects[0].medium());
    finding.notes.push(format!("cycle: {}", chain.join(" → ")));

    for (i, s) in cycle.iter().enumerate() {
        let j = (i + 1) % k;
        let who = names.label(s.label.thread);
        let (from_kind, to_kind) = (infos[i].0, infos[j].0);
        let mut line = format!(
            "{who} holds {}, {} at {}, and {} {} at {}",
            letters[i],
            held_verb(from_kind, s.label.held_mode),
            at(s.label.held_site),
            take_verb(to_kind, s.label.mode),
            letters[j],
            at(s.label.site)
        );
        if !s.label.gates.is_empty() {
            let gates: Vec<String> = s.label.gates.iter().map(|(g, _)| name_of(*g)).collect();
            line.push_str(&format!(", while also holding {}", gates.join(" and ")));
        }
        line.push_str(earlier(s));
        finding.notes.push(line);
        let thread = s.label.thread.0;
        finding.sites.push(
            crate::report::SourceRef::at(
                s.label.held_site,
                SiteRole::Acquire,
                format!("{who} takes {} here", letters[i]),
            )
            .by(thread),
        );
        finding.sites.push(
            crate::report::SourceRef::at(
                s.label.site,
                SiteRole::Acquire,
                format!("then {} here, holding {}", letters[j], letters[i]),
            )
            .by(thread),
        );
    }

    if by_class {
        finding.notes.push(if across {
            "the orders were seen in different executions: locks are matched by the place that created them (lock classes, as in lockdep)".to_string()
        } else {
            "locks are matched by the place that created them (lock classes, as in lockdep): these are different objects, but the code that takes them in these orders can deadlock once it meets the same ones".to_string()
        });
    }
    for (i, s) in cycle.iter().enumerate() {
        let next = &cycle[(i + 1) % k];
        if s.label.mode == LockMode::Shared && next.label.held_mode == LockMode::Shared {
            finding.notes.push(format!(
                "{} is read-locked on both sides: that wait happens only while another thread waits to write-lock it (std's RwLock makes new readers wait behind a waiting writer)",
                letters[(i + 1) % k]
            ));
        }
    }

    finding.notes.push("a schedule that deadlocks:".to_string());
    finding.notes.extend(scenario(cycle, &infos, &plain, names));
    finding.notes.push(
        "take these locks in one order everywhere, or only while holding one common lock"
            .to_string(),
    );
    Some(finding)
}

/// The lockdep-style scenario: one column per thread, each takes its first lock, then each
/// waits for the next.
fn scenario<N: NodeTrait>(
    cycle: &[Step<N>],
    infos: &[LockInfo],
    letters: &[String],
    names: &dyn Scene,
) -> Vec<String> {
    const INDENT: &str = "       ";
    let k = cycle.len();
    let headers: Vec<String> = cycle.iter().map(|s| names.label(s.label.thread)).collect();
    let first: Vec<String> = (0..k)
        .map(|i| action(infos[i].0, cycle[i].label.held_mode, &letters[i]))
        .collect();
    let second: Vec<String> = (0..k)
        .map(|i| {
            let j = (i + 1) % k;
            let wait = if i + 1 == k {
                "<- waits: deadlock"
            } else {
                "<- waits"
            };
            format!(
                "{}  {wait}",
                action(infos[j].0, cycle[i].label.mode, &letters[j])
            )
        })
        .collect();
    // Every column but the last must fit its widest cell; the last one runs to the line's end.
    let width = (0..k - 1)
        .flat_map(|i| [&headers[i], &first[i], &second[i]])
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0)
        + 8;
    let row = |cells: &[(usize, &str)]| -> String {
        let mut line = String::from(INDENT);
        for (column, text) in cells {
            let pad = column * width;
            let len = line.chars().count() - INDENT.len();
            line.push_str(&" ".repeat(pad.saturating_sub(len)));
            line.push_str(text);
        }
        line
    };
    let mut lines = Vec::with_capacity(2 * k + 2);
    let header_cells: Vec<(usize, &str)> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (i, h.as_str()))
        .collect();
    lines.push(row(&header_cells));
    let dashes: Vec<String> = headers
        .iter()
        .map(|h| "-".repeat(h.chars().count()))
        .collect();
    let dash_cells: Vec<(usize, &str)> = dashes
        .iter()
        .enumerate()
        .map(|(i, d)| (i, d.as_str()))
        .collect();
    lines.push(row(&dash_cells));
    for (i, cell) in first.iter().enumerate() {
        lines.push(row(&[(i, cell.as_str())]));
    }
    for (i, cell) in second.iter().enumerate() {
        lines.push(row(&[(i, cell.as_str())]));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::Noting;
    use crate::detector::NumberedThreads;
    use std::panic::Location;

    #[test]
    fn two_threads_taking_two_locks_in_opposite_orders_form_one_cycle() {
        let site = Location::caller();
        let ev = |thread, object, op| Event {
            thread: ThreadId(thread),
            object: Some(ObjectId(object)),
            op,
            site,
        };
        let create = Op::Create {
            kind: ObjectKind::Mutex,
        };
        let lock = Op::Acquire {
            mode: LockMode::Exclusive,
            try_lock: false,
        };
        let unlock = Op::Release {
            mode: LockMode::Exclusive,
        };
        let events = [
            ev(0, 0, create),
            ev(0, 1, create),
            ev(1, 0, lock),
            ev(1, 1, lock),
            ev(1, 1, unlock),
            ev(1, 0, unlock),
            ev(2, 1, lock),
            ev(2, 0, lock),
        ];
        let mut detector = LockOrderDetector::new();
        let mut scene = Noting::new(NumberedThreads);
        let found: Vec<_> = events
            .iter()
            .filter_map(|e| {
                scene.note(e);
                detector.on_event(e, &scene)
            })
            .collect();
        assert_eq!(found.len(), 1);
        assert!(found[0]
            .message
            .starts_with("lock order cycle: thread 1 takes"));
        assert!(found[0].message.contains(", thread 2 takes"));
    }

    #[track_caller]
    fn here() -> Site {
        Location::caller()
    }

    fn ev(thread: u32, object: u32, op: Op, site: Site) -> Event {
        Event {
            thread: ThreadId(thread),
            object: Some(ObjectId(object)),
            op,
            site,
        }
    }

    fn create(kind: ObjectKind) -> Op {
        Op::Create { kind }
    }

    const W: LockMode = LockMode::Exclusive;
    const R: LockMode = LockMode::Shared;

    fn lock(mode: LockMode) -> Op {
        Op::Acquire {
            mode,
            try_lock: false,
        }
    }

    fn try_lock(mode: LockMode) -> Op {
        Op::Acquire {
            mode,
            try_lock: true,
        }
    }

    fn unlock(mode: LockMode) -> Op {
        Op::Release { mode }
    }

    fn feed(d: &mut LockOrderDetector, events: &[Event]) -> Vec<Finding> {
        let mut scene = Noting::new(NumberedThreads);
        events
            .iter()
            .filter_map(|e| {
                scene.note(e);
                d.on_event(e, &scene)
            })
            .collect()
    }

    /// `thread` takes `first` then `second` (both exclusively) and releases both.
    fn nested(thread: u32, first: u32, second: u32, site: Site) -> [Event; 4] {
        nested_modes(thread, (first, W), (second, W), site)
    }

    fn nested_modes(
        thread: u32,
        (first, m1): (u32, LockMode),
        (second, m2): (u32, LockMode),
        site: Site,
    ) -> [Event; 4] {
        [
            ev(thread, first, lock(m1), site),
            ev(thread, second, lock(m2), site),
            ev(thread, second, unlock(m2), site),
            ev(thread, first, unlock(m1), site),
        ]
    }

    /// Creates mutexes `0..n`, each at its own site.
    fn mutexes(n: u32, kind: ObjectKind) -> Vec<Event> {
        let sites = [here(), here(), here(), here(), here(), here()];
        (0..n)
            .map(|o| ev(0, o, create(kind), sites[o as usize]))
            .collect()
    }

    #[test]
    fn fires_on_abba_in_one_execution_without_deadlock() {
        // Named as the user's code names them: the creation lines bind `a` and `b`.
        let a = here();
        let b = here();
        let (a_site, b_site) = (a, b);
        let (t1a, t1b, t2b, t2a) = (here(), here(), here(), here());
        let mut d = LockOrderDetector::new();
        d.reset();
        let events = [
            ev(0, 0, create(ObjectKind::Mutex), a_site),
            ev(0, 1, create(ObjectKind::Mutex), b_site),
            ev(1, 0, lock(W), t1a),
            ev(1, 1, lock(W), t1b),
            ev(1, 1, unlock(W), t1b),
            ev(1, 0, unlock(W), t1a),
            ev(2, 1, lock(W), t2b),
            ev(2, 0, lock(W), t2a),
        ];
        let found = feed(&mut d, &events);
        assert_eq!(found.len(), 1, "{found:#?}");
        let f = &found[0];
        assert_eq!(f.kind, FindingKind::LockOrderCycle);
        assert!(!f.kind.ends_execution());
        assert_eq!(
            f.message,
            "lock order cycle: thread 1 takes `a` then `b`, thread 2 takes `b` then `a`; these can deadlock"
        );
        let text = f.notes.join("\n");
        let file = a_site.file();
        assert!(
            text.contains(&format!(
                "cycle: Mutex `a` (created at {file}:{}) → Mutex `b` (created at {file}:{}) → Mutex `a`",
                a_site.line(),
                b_site.line()
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "thread 1 holds `a`, locked at {}, and locks `b` at {}",
                at(t1a),
                at(t1b)
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "thread 2 holds `b`, locked at {}, and locks `a` at {}",
                at(t2b),
                at(t2a)
            )),
            "{text}"
        );
        let scenario: Vec<&str> = f
            .notes
            .iter()
            .skip_while(|n| !n.starts_with("a schedule that deadlocks"))
            .skip(1)
            .take(6)
            .map(String::as_str)
            .collect();
        assert_eq!(
            scenario,
            [
                "       thread 1                 thread 2",
                "       --------                 --------",
                "       lock(a)",
                "                                lock(b)",
                "       lock(b)  <- waits",
                "                                lock(a)  <- waits: deadlock",
            ]
        );
        let lines: Vec<u32> = f.sites.iter().map(|s| s.line).collect();
        for site in [t1a, t1b, t2b, t2a] {
            assert!(lines.contains(&site.line()), "{lines:?}");
        }
    }

    #[test]
    fn fires_across_two_executions_by_creation_site() {
        let a = here();
        let b = here();
        let (a_site, b_site) = (a, b);
        let mut d = LockOrderDetector::new();
        d.reset();
        let mut first = vec![
            ev(0, 0, create(ObjectKind::Mutex), a_site),
            ev(0, 1, create(ObjectKind::Mutex), b_site),
        ];
        first.extend(nested(1, 0, 1, here()));
        assert!(feed(&mut d, &first).is_empty());
        d.reset();
        // The next execution creates the locks in the other order: new ids, same sites.
        let mut second = vec![
            ev(0, 0, create(ObjectKind::Mutex), b_site),
            ev(0, 1, create(ObjectKind::Mutex), a_site),
        ];
        second.extend(nested(2, 0, 1, here()));
        let found = feed(&mut d, &second);
        assert_eq!(found.len(), 1, "{found:#?}");
        let f = &found[0];
        assert_eq!(f.kind, FindingKind::LockOrderCycle);
        assert!(
            f.message.contains(
                "thread 1 takes `a` then `b` (in an earlier execution), thread 2 takes `b` then `a`"
            ),
            "{}",
            f.message
        );
        assert!(
            f.notes.iter().any(|n| n.contains("different executions")),
            "{:#?}",
            f.notes
        );
        // Reported once per exploration.
        d.reset();
        let mut third = vec![
            ev(0, 0, create(ObjectKind::Mutex), b_site),
            ev(0, 1, create(ObjectKind::Mutex), a_site),
        ];
        third.extend(nested(3, 0, 1, here()));
        assert!(feed(&mut d, &third).is_empty());
    }

    #[test]
    fn silent_for_a_consistent_order() {
        let mut d = LockOrderDetector::new();
        d.reset();
        let mut events = mutexes(3, ObjectKind::Mutex);
        events.extend(nested(1, 0, 1, here()));
        events.extend(nested(2, 1, 2, here()));
        events.extend(nested(3, 0, 2, here()));
        events.extend(nested(1, 0, 2, here()));
        assert!(feed(&mut d, &events).is_empty());
    }

    #[test]
    fn silent_under_a_gate_lock() {
        let mut d = LockOrderDetector::new();
        d.reset();
        let mut events = mutexes(3, ObjectKind::Mutex);
        // Lock 2 is the gate: both orders of (0, 1) are taken only while holding it.
        for (thread, first, second) in [(1, 0, 1), (2, 1, 0)] {
            events.push(ev(thread, 2, lock(W), here()));
            events.extend(nested(thread, first, second, here()));
            events.push(ev(thread, 2, unlock(W), here()));
        }
        assert!(feed(&mut d, &events).is_empty());
    }

    #[test]
    fn a_gate_held_for_reading_by_both_does_not_protect() {
        let mut d = LockOrderDetector::new();
        d.reset();
        let mut events = mutexes(2, ObjectKind::Mutex);
        events.push(ev(0, 2, create(ObjectKind::RwLock), here()));
        for (thread, first, second) in [(1, 0, 1), (2, 1, 0)] {
            events.push(ev(thread, 2, lock(R), here()));
            events.extend(nested(thread, first, second, here()));
            events.push(ev(thread, 2, unlock(R), here()));
        }
        let found = feed(&mut d, &events);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0]
                .notes
                .iter()
                .any(|n| n.contains("while also holding")),
            "{:#?}",
            found[0].notes
        );
    }

    #[test]
    fn silent_for_try_lock() {
        let mut d = LockOrderDetector::new();
        d.reset();
        let mut events = mutexes(2, ObjectKind::Mutex);
        events.extend(nested(1, 0, 1, here()));
        events.push(ev(2, 1, lock(W), here()));
        events.push(ev(2, 0, try_lock(W), here()));
        events.push(ev(2, 0, unlock(W), here()));
        events.push(ev(2, 1, unlock(W), here()));
        assert!(feed(&mut d, &events).is_empty());
    }

    #[test]
    fn a_lock_taken_by_try_lock_still_counts_as_held() {
        let mut d = LockOrderDetector::new();
        d.reset();
        let mut events = mutexes(2, ObjectKind::Mutex);
        events.extend(nested(1, 0, 1, here()));
        events.push(ev(2, 1, try_lock(W), here()));
        events.push(ev(2, 0, lock(W), here()));
        assert_eq!(feed(&mut d, &events).len(), 1);
    }

    #[test]
    fn silent_for_read_read() {
        let mut d = LockOrderDetector::new();
        d.reset();
        let mut events = mutexes(2, ObjectKind::RwLock);
        events.extend(nested_modes(1, (0, R), (1, R), here()));
        events.extend(nested_modes(2, (1, R), (0, R), here()));
        assert!(feed(&mut d, &events).is_empty());
    }

    #[test]
    fn fires_for_read_write_mixes() {
        for (t1, t2) in [
            (((0, R), (1, W)), ((1, R), (0, W))),
            (((0, R), (1, R)), ((1, W), (0, W))),
            (((0, W), (1, R)), ((1, R), (0, R))),
        ] {
            let mut d = LockOrderDetector::new();
            d.reset();
            let mut events = mutexes(2, ObjectKind::RwLock);
            events.extend(nested_modes(1, t1.0, t1.1, here()));
            events.extend(nested_modes(2, t2.0, t2.1, here()));
            let found = feed(&mut d, &events);
            assert_eq!(found.len(), 1, "{t1:?} {t2:?}");
            let text = found[0].notes.join("\n");
            assert!(text.contains("cycle: the RwLock created at"), "{text}");
            assert!(text.contains("read-lock"), "{text}");
        }
    }

    #[test]
    fn silent_when_one_thread_takes_both_orders() {
        let mut d = LockOrderDetector::new();
        d.reset();
        let mut events = mutexes(2, ObjectKind::Mutex);
        events.extend(nested(1, 0, 1, here()));
        events.extend(nested(1, 1, 0, here()));
        assert!(feed(&mut d, &events).is_empty());
    }

    #[test]
    fn silent_for_one_lock_read_twice() {
        let mut d = LockOrderDetector::new();
        d.reset();
        let mut events = mutexes(1, ObjectKind::RwLock);
        events.extend(nested_modes(1, (0, R), (0, R), here()));
        assert!(feed(&mut d, &events).is_empty());
    }

    #[test]
    fn ignores_objects_that_are_not_locks() {
        let mut d = LockOrderDetector::new();
        d.reset();
        let mut events = mutexes(1, ObjectKind::Mutex);
        events.push(ev(0, 1, create(ObjectKind::Atomic), here()));
        events.extend(nested(1, 0, 1, here()));
        events.extend(nested(2, 1, 0, here()));
        assert!(feed(&mut d, &events).is_empty());
    }

    #[test]
    fn finds_the_cycle_of_five_philosophers() {
        let fork = here();
        let mut d = LockOrderDetector::new();
        d.reset();
        let mut events: Vec<Event> = (0..5)
            .map(|o| ev(0, o, create(ObjectKind::Mutex), fork))
            .collect();
        for p in 0..5 {
            events.extend(nested(p + 1, p, (p + 1) % 5, here()));
        }
        let found = feed(&mut d, &events);
        assert_eq!(found.len(), 1, "{found:#?}");
        let f = &found[0];
        assert!(
            f.message.starts_with("lock order cycle of 5 locks: "),
            "{}",
            f.message
        );
        assert!(
            f.message.contains("thread 5 takes `fork#4` then `fork#0`"),
            "{}",
            f.message
        );
        assert!(
            f.notes
                .iter()
                .any(|n| n.contains("→ Mutex `fork` #4 (created at")
                    && n.ends_with("→ Mutex `fork` #0")),
            "{:#?}",
            f.notes
        );
        assert_eq!(f.sites.len(), 10);
    }

    #[test]
    fn the_ordered_philosophers_are_silent() {
        let fork = here();
        let mut d = LockOrderDetector::new();
        for _ in 0..2 {
            d.reset();
            let mut events: Vec<Event> = (0..5)
                .map(|o| ev(0, o, create(ObjectKind::Mutex), fork))
                .collect();
            for p in 0..5 {
                let (left, right) = (p, (p + 1) % 5);
                events.extend(nested(p + 1, left.min(right), left.max(right), here()));
            }
            assert!(feed(&mut d, &events).is_empty());
        }
    }
}
