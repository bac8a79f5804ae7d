//! RC11 by its axioms, for small straight-line programs: every reads-from and modification
//! order, kept when the execution graph is consistent (Lahav, Vafeiadis, Kang, Hur, Dreyer,
//! "Repairing sequential consistency in C/C++11", PLDI 2017, section 3, with C++20's release
//! sequences: `rs = [W]; (rf; [RMW])*`). An oracle for the operational model in `crate::memory`,
//! written without sharing any of its code.

use std::collections::BTreeSet;

use super::{Ins, Outcome};
use crate::event::MemOrder;

/// One event of the graph.
#[derive(Clone, Copy, Debug)]
struct Event {
    thread: Option<usize>,
    kind: Kind,
    order: MemOrder,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// The initial write of a location (value 0).
    Init(usize),
    Write(usize, u64),
    Read(usize),
    /// A `fetch_add`: reads, then writes what it read plus the amount.
    Rmw(usize, u64),
    /// A `compare_exchange(expected, new)` with its failure ordering; until reads-from is
    /// chosen it is unresolved: a read-modify-write that writes `new` if it read `expected`,
    /// a read with the failure ordering otherwise.
    Cas(usize, u64, u64, MemOrder),
    /// A compare-exchange that read `expected`: writes `new`.
    CasWrite(usize, u64),
    Fence,
}

impl Event {
    fn location(&self) -> Option<usize> {
        match self.kind {
            Kind::Init(x)
            | Kind::Write(x, _)
            | Kind::Read(x)
            | Kind::Rmw(x, _)
            | Kind::Cas(x, ..)
            | Kind::CasWrite(x, _) => Some(x),
            Kind::Fence => None,
        }
    }
    fn writes(&self) -> bool {
        matches!(
            self.kind,
            Kind::Init(_) | Kind::Write(..) | Kind::Rmw(..) | Kind::Cas(..) | Kind::CasWrite(..)
        )
    }
    fn reads(&self) -> bool {
        matches!(
            self.kind,
            Kind::Read(_) | Kind::Rmw(..) | Kind::Cas(..) | Kind::CasWrite(..)
        )
    }
    /// Reads and writes as one event.
    fn is_rmw(&self) -> bool {
        matches!(self.kind, Kind::Rmw(..) | Kind::CasWrite(..))
    }
    fn is_fence(&self) -> bool {
        self.kind == Kind::Fence
    }
    fn releases(&self) -> bool {
        matches!(
            self.order,
            MemOrder::Release | MemOrder::AcqRel | MemOrder::SeqCst
        )
    }
    fn acquires(&self) -> bool {
        matches!(
            self.order,
            MemOrder::Acquire | MemOrder::AcqRel | MemOrder::SeqCst
        )
    }
    fn sc(&self) -> bool {
        self.order == MemOrder::SeqCst
    }
}

/// A relation over at most 64 events, as one bit row per event.
#[derive(Clone, PartialEq)]
struct Rel(Vec<u64>);

impl Rel {
    fn empty(n: usize) -> Self {
        Rel(vec![0; n])
    }
    fn identity_on(n: usize, keep: impl Fn(usize) -> bool) -> Self {
        let mut r = Rel::empty(n);
        for i in (0..n).filter(|&i| keep(i)) {
            r.add(i, i);
        }
        r
    }
    fn add(&mut self, a: usize, b: usize) {
        self.0[a] |= 1 << b;
    }
    fn has(&self, a: usize, b: usize) -> bool {
        self.0[a] & (1 << b) != 0
    }
    fn union(&self, other: &Rel) -> Rel {
        Rel(self.0.iter().zip(&other.0).map(|(a, b)| a | b).collect())
    }
    fn then(&self, other: &Rel) -> Rel {
        let n = self.0.len();
        let mut r = Rel::empty(n);
        for a in 0..n {
            for b in 0..n {
                if self.has(a, b) {
                    r.0[a] |= other.0[b];
                }
            }
        }
        r
    }
    fn inverse(&self) -> Rel {
        let n = self.0.len();
        let mut r = Rel::empty(n);
        for a in 0..n {
            for b in 0..n {
                if self.has(a, b) {
                    r.add(b, a);
                }
            }
        }
        r
    }
    /// `self+`.
    fn plus(&self) -> Rel {
        let n = self.0.len();
        let mut r = self.clone();
        for k in 0..n {
            for a in 0..n {
                if r.has(a, k) {
                    r.0[a] |= r.0[k];
                }
            }
        }
        r
    }
    /// `self?`.
    fn optional(&self) -> Rel {
        self.union(&Rel::identity_on(self.0.len(), |_| true))
    }
    fn minus_identity(&self) -> Rel {
        let mut r = self.clone();
        for (i, row) in r.0.iter_mut().enumerate() {
            *row &= !(1 << i);
        }
        r
    }
    fn filter(&self, keep: impl Fn(usize, usize) -> bool) -> Rel {
        let n = self.0.len();
        let mut r = Rel::empty(n);
        for a in 0..n {
            for b in 0..n {
                if self.has(a, b) && keep(a, b) {
                    r.add(a, b);
                }
            }
        }
        r
    }
    fn irreflexive(&self) -> bool {
        (0..self.0.len()).all(|i| !self.has(i, i))
    }
    fn acyclic(&self) -> bool {
        self.plus().irreflexive()
    }
    fn is_empty(&self) -> bool {
        self.0.iter().all(|r| *r == 0)
    }
}

/// Every outcome of `threads` over `locations` locations (all starting at 0) that some
/// RC11-consistent execution graph has.
pub(super) fn outcomes(locations: usize, threads: &[Vec<Ins>]) -> BTreeSet<Outcome> {
    let mut events: Vec<Event> = (0..locations)
        .map(|x| Event {
            thread: None,
            kind: Kind::Init(x),
            order: MemOrder::Relaxed,
        })
        .collect();
    for (t, program) in threads.iter().enumerate() {
        for ins in program {
            let (kind, order) = match *ins {
                Ins::Store(x, v, o) => (Kind::Write(x, v), o),
                Ins::Load(x, o) => (Kind::Read(x), o),
                Ins::FetchAdd(x, a, o) => (Kind::Rmw(x, a), o),
                Ins::Cas(x, expected, new, success, failure) => {
                    (Kind::Cas(x, expected, new, failure), success)
                }
                Ins::Fence(o) => (Kind::Fence, o),
            };
            events.push(Event {
                thread: Some(t),
                kind,
                order,
            });
        }
    }
    assert!(events.len() <= 64, "too many events for the oracle");
    let n = events.len();
    // Program order, with the initial writes before everything.
    let mut sb = Rel::empty(n);
    for a in 0..n {
        for b in 0..n {
            let (ea, eb) = (events[a], events[b]);
            let ordered = match (ea.thread, eb.thread) {
                (None, Some(_)) => true,
                (Some(ta), Some(tb)) => ta == tb && a < b,
                _ => false,
            };
            if ordered {
                sb.add(a, b);
            }
        }
    }
    let reads: Vec<usize> = (0..n).filter(|&i| events[i].reads()).collect();
    let writes_of = |x: usize| -> Vec<usize> {
        (0..n)
            .filter(|&i| events[i].writes() && events[i].location() == Some(x))
            .collect()
    };
    let mut found = BTreeSet::new();
    // Every reads-from choice…
    let rf_choices: Vec<Vec<usize>> = reads
        .iter()
        .map(|&r| {
            writes_of(events[r].location().expect("reads have a location"))
                .into_iter()
                .filter(|&w| w != r)
                .collect()
        })
        .collect();
    for rf_pick in product(&rf_choices) {
        let mut rf = Rel::empty(n);
        for (&r, &w) in reads.iter().zip(&rf_pick) {
            rf.add(w, r);
        }
        if !sb.union(&rf).acyclic() {
            continue;
        }
        let Some(values) = values(&events, &reads, &rf_pick) else {
            continue;
        };
        // Compare-exchanges become what they did: a read-modify-write or a read.
        let events: Vec<Event> = events
            .iter()
            .enumerate()
            .map(|(i, e)| match e.kind {
                Kind::Cas(x, expected, new, failure) => {
                    if values.read[i] == expected {
                        Event {
                            kind: Kind::CasWrite(x, new),
                            ..*e
                        }
                    } else {
                        Event {
                            kind: Kind::Read(x),
                            order: failure,
                            ..*e
                        }
                    }
                }
                _ => *e,
            })
            .collect();
        // A read of a compare-exchange that failed read nothing.
        if rf_pick.iter().any(|&w| !events[w].writes()) {
            continue;
        }
        let writes_of = |x: usize| -> Vec<usize> {
            (0..n)
                .filter(|&i| events[i].writes() && events[i].location() == Some(x))
                .collect()
        };
        // …and every modification order (initial write first).
        let mo_choices: Vec<Vec<Vec<usize>>> = (0..locations)
            .map(|x| {
                let ws: Vec<usize> = writes_of(x).into_iter().skip(1).collect();
                permutations(&ws)
                    .into_iter()
                    .map(|p| {
                        let mut order = vec![x];
                        order.extend(p);
                        order
                    })
                    .collect()
            })
            .collect();
        for mo_pick in product(&mo_choices) {
            let mut mo = Rel::empty(n);
            for order in &mo_pick {
                for (i, &a) in order.iter().enumerate() {
                    for &b in &order[i + 1..] {
                        mo.add(a, b);
                    }
                }
            }
            if consistent(&events, &sb, &rf, &mo) {
                let mut regs = vec![Vec::new(); threads.len()];
                for &r in &reads {
                    regs[events[r].thread.expect("reads belong to threads")].push(values.read[r]);
                }
                let finals = mo_pick
                    .iter()
                    .map(|order| values.written[*order.last().expect("init is there")])
                    .collect();
                found.insert((regs, finals));
            }
        }
    }
    found
}

/// What each read read and what each write wrote, following reads-from.
struct Values {
    read: Vec<u64>,
    written: Vec<u64>,
}

/// The values of the graph whose reads read `rf` (one write per read, in `reads` order);
/// `None` when read-modify-writes read from each other in a circle.
fn values(events: &[Event], reads: &[usize], rf: &[usize]) -> Option<Values> {
    let n = events.len();
    let mut written: Vec<Option<u64>> = events
        .iter()
        .map(|e| match e.kind {
            Kind::Init(_) => Some(0),
            Kind::Write(_, v) => Some(v),
            _ => None,
        })
        .collect();
    let mut read = vec![None; n];
    // A chain of read-modify-writes resolves one link per round.
    for _ in 0..=n {
        for (&r, &w) in reads.iter().zip(rf) {
            if let Some(v) = written[w] {
                read[r] = Some(v);
                match events[r].kind {
                    Kind::Rmw(_, add) => written[r] = Some(v + add),
                    Kind::Cas(_, expected, new, _) if v == expected => written[r] = Some(new),
                    _ => {}
                }
            }
        }
    }
    let resolve = |values: Vec<Option<u64>>, needed: &dyn Fn(&Event) -> bool| {
        values
            .into_iter()
            .zip(events)
            .map(|(v, e)| if needed(e) { v } else { Some(0) })
            .collect::<Option<Vec<u64>>>()
    };
    // A compare-exchange that failed wrote nothing: a placeholder, since the caller rejects
    // every read of it.
    for (i, e) in events.iter().enumerate() {
        if matches!(e.kind, Kind::Cas(..)) && written[i].is_none() && read[i].is_some() {
            written[i] = Some(0);
        }
    }
    Some(Values {
        read: resolve(read, &Event::reads)?,
        written: resolve(written, &Event::writes)?,
    })
}

/// Whether the graph satisfies RC11's axioms.
fn consistent(events: &[Event], sb: &Rel, rf: &Rel, mo: &Rel) -> bool {
    let n = events.len();
    let is = |keep: &dyn Fn(&Event) -> bool| Rel::identity_on(n, |i| keep(&events[i]));
    let same_location = |a: usize, b: usize| {
        events[a].location().is_some() && events[a].location() == events[b].location()
    };
    let rmw = is(&Event::is_rmw);
    // Release sequences (C++20): a write, then read-modify-writes reading from it in turn.
    let rs = is(&Event::writes).then(&rf.then(&rmw).plus().optional());
    let sw = is(&Event::releases)
        .then(&is(&Event::is_fence).then(sb).optional())
        .then(&rs)
        .then(rf)
        .then(&is(&Event::reads))
        .then(&sb.then(&is(&Event::is_fence)).optional())
        .then(&is(&Event::acquires));
    let hb = sb.union(&sw).plus();
    let rb = rf.inverse().then(mo).minus_identity();
    let eco = rf.union(mo).union(&rb).plus();
    // Coherence. A read-modify-write is one event here, where the paper has a read and a
    // write one after the other: `eco` must then be irreflexive too (the paper gets that from
    // `hb; eco` through the read's `sb` edge to its write).
    if !hb.then(&eco.optional()).irreflexive() || !eco.irreflexive() {
        return false;
    }
    // Atomicity: nothing between a read-modify-write and the write it read.
    if !rmw.filter(|a, b| rb.then(mo).has(a, b)).is_empty() {
        return false;
    }
    // SC.
    let sb_not_loc = sb.filter(|a, b| !same_location(a, b));
    let hb_loc = hb.filter(same_location);
    let scb = sb
        .union(&sb_not_loc.then(&hb).then(&sb_not_loc))
        .union(&hb_loc)
        .union(mo)
        .union(&rb);
    let sc_events = is(&Event::sc);
    let sc_fences = is(&|e| e.sc() && e.is_fence());
    let psc_base = sc_events
        .union(&sc_fences.then(&hb.optional()))
        .then(&scb)
        .then(&sc_events.union(&hb.optional().then(&sc_fences)));
    let psc_f = sc_fences
        .then(&hb.union(&hb.then(&eco).then(&hb)))
        .then(&sc_fences);
    psc_base.union(&psc_f).acyclic()
}

/// Every way to pick one item from each list.
fn product<T: Clone>(lists: &[Vec<T>]) -> Vec<Vec<T>> {
    let mut all = vec![Vec::new()];
    for list in lists {
        let mut next = Vec::new();
        for prefix in &all {
            for item in list {
                let mut p = prefix.clone();
                p.push(item.clone());
                next.push(p);
            }
        }
        all = next;
    }
    all
}

/// Every order of `items`.
fn permutations(items: &[usize]) -> Vec<Vec<usize>> {
    if items.is_empty() {
        return vec![Vec::new()];
    }
    let mut all = Vec::new();
    for (i, &first) in items.iter().enumerate() {
        let mut rest = items.to_vec();
        rest.remove(i);
        for mut p in permutations(&rest) {
            p.insert(0, first);
            all.push(p);
        }
    }
    all
}
