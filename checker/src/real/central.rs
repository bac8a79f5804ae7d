//! The shared part of real mode, under one lock that the fast paths never take: the lock-order
//! and race detectors, the findings so far and the list of contended locks.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use backtrace::Backtrace;

use super::records::{lock_ignoring_poison, HeldLock, LockInfo};
use super::thread::Names;
use crate::describe::Noting;
use crate::detector::lock_order::LockOrderDetector;
use crate::detector::race::StandaloneRaces;
use crate::detector::{Detector, Scene};
use crate::event::{Event, ObjectId, ObjectKind, Op, Site, ThreadId};
use crate::holdings::Held;
use crate::report::{Finding, FindingKind, SiteRole};

/// A finding and the stacks that explain it (resolved only when printed).
#[derive(Clone)]
pub(crate) struct Found {
    pub(crate) finding: Finding,
    /// `(what the stack shows, the stack)`.
    pub(crate) stacks: Vec<(String, Arc<Backtrace>)>,
}

#[derive(Default)]
pub(crate) struct Central {
    order: LockOrderDetector,
    races: StandaloneRaces,
    /// Objects whose `Create` event the detectors have seen, by index.
    announced: Vec<bool>,
    /// Thread names, and the objects announced: what the detectors may look up.
    scene: Noting<Names>,
    pub(crate) findings: Vec<Found>,
    /// The stack of the first time a chain `held site → acquired site` was taken.
    edge_stacks: HashMap<(String, String), (ThreadId, Arc<Backtrace>)>,
    /// Every lock that was ever contended.
    pub(crate) contended: Vec<Arc<LockInfo>>,
}

static CENTRAL: LazyLock<Mutex<Central>> = LazyLock::new(Default::default);
static NEXT_OBJECT: AtomicU32 = AtomicU32::new(1);

/// Runs `f` on the shared state.
pub(crate) fn with<R>(f: impl FnOnce(&mut Central) -> R) -> R {
    f(&mut lock_ignoring_poison(&CENTRAL))
}

/// Runs `f` on the shared state unless another thread has held it for `patience` (a watchdog
/// must not hang behind a thread that stopped inside the tool).
pub(crate) fn try_with<R>(patience: Duration, f: impl FnOnce(&mut Central) -> R) -> Option<R> {
    let started = std::time::Instant::now();
    loop {
        match CENTRAL.try_lock() {
            Ok(mut c) => return Some(f(&mut c)),
            Err(std::sync::TryLockError::Poisoned(p)) => return Some(f(&mut p.into_inner())),
            Err(std::sync::TryLockError::WouldBlock) => {
                if started.elapsed() >= patience {
                    return None;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
}

/// A fresh object number (objects of every kind share the numbering, as in the model).
pub(crate) fn new_object() -> ObjectId {
    ObjectId(NEXT_OBJECT.fetch_add(1, Ordering::Relaxed))
}

fn site_key(site: Site) -> String {
    format!("{}:{}:{}", site.file(), site.line(), site.column())
}

impl Central {
    /// Tells the detectors about `object` the first time it matters to them.
    pub(crate) fn announce(&mut self, object: ObjectId, kind: ObjectKind, created: Site) {
        let i = object.index();
        if self.announced.len() <= i {
            self.announced.resize(i + 1, false);
        }
        if self.announced[i] {
            return;
        }
        self.announced[i] = true;
        let event = Event {
            thread: ThreadId::MAIN,
            object: Some(object),
            op: Op::Create { kind },
            site: created,
        };
        self.scene.note(&event);
        self.order.on_event(&event, &self.scene);
        self.races.on_event(&event, &self.scene);
    }

    /// Feeds one synchronisation or cell event to the race detector.
    pub(crate) fn race_event(&mut self, event: &Event) {
        if let Some(finding) = self.races.on_event(event, &self.scene) {
            self.findings.push(Found {
                finding,
                stacks: Vec::new(),
            });
        }
    }

    /// Keeps a finding.
    pub(crate) fn push(&mut self, finding: Finding, stacks: Vec<(String, Arc<Backtrace>)>) {
        self.findings.push(Found { finding, stacks });
    }

    /// The stacks recorded for the lock-order edges a finding's site pairs name.
    pub(crate) fn stacks_for_sites(
        &self,
        finding: &Finding,
        names: &dyn Scene,
    ) -> Vec<(String, Arc<Backtrace>)> {
        finding
            .sites
            .chunks(2)
            .filter_map(|pair| {
                let [held, taken] = pair else { return None };
                let key = (held.to_string(), taken.to_string());
                let (thread, stack) = self.edge_stacks.get(&key)?;
                Some((
                    format!(
                        "{} locking at {taken} while holding the lock taken at {held}",
                        names.label(*thread)
                    ),
                    stack.clone(),
                ))
            })
            .collect()
    }
}

/// `thread`, holding `held`, takes `new`: a chain it has not taken before. Replays it into the
/// lock-order detector (the held locks as `try_lock` acquisitions, which add no edge of their
/// own, then the new one) and keeps any cycle it closes.
pub(crate) fn lock_chain(thread: ThreadId, held: &[HeldLock], new: HeldLock) {
    let stack = Arc::new(Backtrace::new_unresolved());
    with(|c| {
        for h in held.iter().chain(std::iter::once(&new)) {
            c.announce(h.held.object, h.name.kind, h.name.created);
        }
        let (held, new): (Vec<Held>, Held) = (held.iter().map(|h| h.held).collect(), new.held);
        for h in &held {
            c.edge_stacks
                .entry((site_key(h.site), site_key(new.site)))
                .or_insert_with(|| (thread, stack.clone()));
        }
        let ev = |h: &Held, op| Event {
            thread,
            object: Some(h.object),
            op,
            site: h.site,
        };
        for h in &held {
            let op = Op::Acquire {
                mode: h.mode,
                try_lock: true,
            };
            c.order.on_event(&ev(h, op), &c.scene);
        }
        let op = Op::Acquire {
            mode: new.mode,
            try_lock: false,
        };
        let found = c.order.on_event(&ev(&new, op), &c.scene);
        for h in std::iter::once(&new).chain(held.iter().rev()) {
            c.order
                .on_event(&ev(h, Op::Release { mode: h.mode }), &c.scene);
        }
        if let Some(finding) = found {
            let stacks = c.stacks_for_sites(&finding, &Names);
            c.push(finding, stacks);
        }
    });
}

/// Remembers a lock that was contended, for the figures at exit.
pub(crate) fn list_contended(info: Arc<LockInfo>) {
    with(|c| c.contended.push(info));
}

/// A waiter was bypassed more than `limit` times.
pub(crate) fn starvation(
    thread: ThreadId,
    info: &LockInfo,
    waited: Duration,
    bypassed: u64,
    limit: u64,
    site: Site,
) {
    let who = Names.label(thread);
    let what = crate::describe::ObjectName::new(info.kind, info.created, None).long();
    let finding = Finding::new(
        FindingKind::Starvation,
        format!(
            "starvation: {who} waited {:.1} ms to lock {what} while other threads took it {bypassed} times",
            waited.as_secs_f64() * 1000.0
        ),
    )
    .note(format!(
        "{who} waited at {}:{}:{}",
        site.file(),
        site.line(),
        site.column()
    ))
    .note(format!(
        "the limit is {limit} bypasses during one wait of at least {} ms (CONC_CHECK_STARVATION_BYPASSES, CONC_CHECK_STARVATION_MS); std's locks are not fair: a thread that unlocks and locks again at once usually wins over one that waits",
        super::settings::Settings::get().starvation_wait.as_secs_f64() * 1000.0
    ))
    .note("hold the lock for less time, unlock before the slow part of the loop, or use a fair (queueing) lock")
    .site_by(thread.0, site, SiteRole::Wait, format!("{who} waits here"));
    with(|c| c.push(finding, Vec::new()));
}
