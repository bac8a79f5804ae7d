//! One step in words, e.g. "try-locks Mutex `a`" or "stores 1 to the atomic created at
//! src/lib.rs:4 (SeqCst)", and the names of objects, for reports and findings.

use crate::event::{Event, LockMode, ObjectId, ObjectKind, Op, Site, ThreadId, WaitFor};

/// What a detector may look up about the run besides the events it is shown: how to name a
/// thread, the future a thread is parked on, and the objects created so far.
///
/// The objects have one home: the runtime's table of an execution's objects (or, for events
/// fed from outside an execution, a [`Noting`] scene). Detectors do not keep copies of their
/// own, so a `Create` event costs them nothing.
pub trait Scene {
    /// A label such as "thread 2 (`worker`)" or "the main thread".
    fn label(&self, thread: ThreadId) -> String;

    /// The future `thread` is parked on between polls (`conc_check::future`), if it is.
    fn pending_future(&self, _thread: ThreadId) -> Option<PendingAwait> {
        None
    }

    /// Kind and creation site of `object`, if its creation is known.
    fn object(&self, _object: ObjectId) -> Option<(ObjectKind, Site)> {
        None
    }

    /// One more than the highest object number whose creation is known (the objects are
    /// `0..object_count()`, some of them perhaps unknown).
    fn object_count(&self) -> u32 {
        0
    }
}

/// A scene that learns the objects from the `Create` events it is [`Noting::note`]d: for
/// detectors fed events outside a model execution (real mode, the watchdog, unit tests).
#[derive(Default)]
pub struct Noting<N> {
    /// Names the threads.
    names: N,
    created: Vec<Option<(ObjectKind, Site)>>,
}

impl<N> Noting<N> {
    /// A scene naming threads as `names` does, knowing no object yet.
    pub fn new(names: N) -> Self {
        Noting {
            names,
            created: Vec::new(),
        }
    }

    /// Learns the object `event` creates, if it creates one.
    pub fn note(&mut self, event: &Event) {
        if let (Op::Create { kind }, Some(o)) = (event.op, event.object) {
            if self.created.len() <= o.index() {
                self.created.resize(o.index() + 1, None);
            }
            self.created[o.index()] = Some((kind, event.site));
        }
    }
}

impl<N: Scene> Scene for Noting<N> {
    fn label(&self, thread: ThreadId) -> String {
        self.names.label(thread)
    }

    fn pending_future(&self, thread: ThreadId) -> Option<PendingAwait> {
        self.names.pending_future(thread)
    }

    fn object(&self, object: ObjectId) -> Option<(ObjectKind, Site)> {
        self.created.get(object.index()).copied().flatten()
    }

    fn object_count(&self) -> u32 {
        self.created.len() as u32
    }
}

/// A future a thread is parked on between polls, as a deadlock report explains it.
#[derive(Clone, Debug)]
pub struct PendingAwait {
    /// Where it is pending: the innermost line of the user's code when it registered its waker
    /// in its last poll (the `.await`, or the line of a hand-written `poll`), if it did.
    pub site: Option<AwaitSite>,
    /// How many clones of its waker are held (besides its driver's own).
    pub waker_holders: usize,
    /// What it waits for, when a primitive said so in its last poll: `Join` for a task's
    /// `JoinHandle`, a lock, a channel, a notification.
    pub waits: Option<WaitFor>,
    /// The line of the user's code the primitive it waits on was called from (the `.await`),
    /// when the primitive knows it.
    pub waits_at: Option<Site>,
}

/// A line of the user's code a future is pending at.
#[derive(Clone, Debug)]
pub struct AwaitSite {
    /// The source file, relative to the workspace root when inside it.
    pub file: String,
    /// The line.
    pub line: u32,
    /// The column.
    pub column: u32,
    /// The function around it (an `async fn` shows as `name::{{closure}}`).
    pub function: String,
}

/// "Mutex `a` (created at src/lib.rs:4)", "the Mutex created at src/lib.rs:4", or
/// "object #3" when `scene` does not know its creation (see [`ObjectName`]).
pub(crate) fn name_object(scene: &dyn Scene, object: ObjectId) -> String {
    match scene.object(object) {
        Some((kind, site)) => {
            let sites =
                (0..scene.object_count()).filter_map(|o| Some(scene.object(ObjectId(o))?.1));
            let shared = sites.clone().filter(|s| *s == site).count() > 1;
            ObjectName::new(kind, site, shared.then_some(object.0))
                .among(sites)
                .long()
        }
        None => format!("object #{}", object.0),
    }
}

/// `object` as a finding's structured data records it, if `scene` knows its creation.
pub(crate) fn object_ref(scene: &dyn Scene, object: ObjectId) -> Option<crate::report::ObjectRef> {
    let (kind, site) = scene.object(object)?;
    Some(ObjectName::new(kind, site, None).object_ref())
}

/// Names threads by number only; the main thread is thread 0.
pub struct NumberedThreads;

impl Scene for NumberedThreads {
    fn label(&self, thread: ThreadId) -> String {
        if thread == ThreadId::MAIN {
            "the main thread".to_string()
        } else {
            format!("thread {thread}")
        }
    }
}

/// What `e` did, naming its object as `name_of` does (see [`numbered`] for the short form).
pub(crate) fn action(e: &Event, name_of: &dyn Fn(ObjectId) -> String, names: &dyn Scene) -> String {
    let object = e.object.map_or_else(|| "an object".to_string(), name_of);
    let mode = |m: LockMode| if m == LockMode::Shared { "read-" } else { "" };
    match e.op {
        Op::Create { .. } => format!("creates {object}"),
        Op::Spawn { child } => format!("spawns {}", names.label(child)),
        Op::Exit => "finishes".into(),
        Op::Join { target } => format!("joins {}", names.label(target)),
        Op::Acquire { mode: m, try_lock } => {
            format!(
                "{}{}locks {object}",
                if try_lock { "try-" } else { "" },
                mode(m)
            )
        }
        Op::TryLockFailed { .. } => format!("fails to try-lock {object}"),
        Op::Release { mode: m } => format!("{}unlocks {object}", mode(m)),
        Op::Block { wait } => match wait {
            WaitFor::Join(t) => format!("waits to join {}", names.label(t)),
            WaitFor::Park => "parks".into(),
            WaitFor::Spin => "waits for a write to what it spins on".into(),
            // A wait names its object in the wait, not in the event.
            WaitFor::Lock(o, m) => format!("waits to {}lock {}", mode(m), name_of(o)),
            WaitFor::Condvar(o) => format!("waits on {}", name_of(o)),
            WaitFor::Receive(o) => format!("waits to receive from {}", name_of(o)),
            WaitFor::Send(o) => format!("waits to send on {}", name_of(o)),
            WaitFor::Barrier(o) => format!("waits at {}", name_of(o)),
            WaitFor::Once(o) => format!("waits for {} to be initialised", name_of(o)),
        },
        Op::Notify { all } => format!("notifies {} on {object}", if all { "all" } else { "one" }),
        Op::Send { .. } => format!("sends on {object}"),
        Op::Receive { .. } => format!("receives from {object}"),
        Op::BarrierArrive => format!("arrives at {object}"),
        Op::BarrierPass => format!("passes {object}"),
        Op::OnceComplete => format!("sees {object} initialised"),
        Op::Unpark { target } => format!("unparks {}", names.label(target)),
        Op::Yield => "yields".into(),
        Op::Parked => "returns from park()".into(),
        Op::AtomicLoad { order, value, .. } => format!("loads {value} from {object} ({order:?})"),
        Op::AtomicStore { order, value, .. } => format!("stores {value} to {object} ({order:?})"),
        Op::AtomicRmw {
            order,
            success: true,
            old,
            new,
            ..
        } => format!("changes {object} from {old} to {new} ({order:?})"),
        Op::AtomicRmw {
            success: false,
            old,
            ..
        } => format!("fails a compare-exchange on {object} (found {old})"),
        Op::Fence { order } => format!("fence ({order:?})"),
        Op::Observe => format!("looks at {object}"),
        Op::Update => format!("updates {object}"),
        Op::DropSender { last: false } => format!("drops a sender of {object}"),
        Op::DropSender { last: true } => format!("drops the last sender of {object}"),
        Op::DropReceiver => format!("drops the receiver of {object}"),
        Op::CellRead => format!("reads {object}"),
        Op::CellWrite => format!("writes {object}"),
    }
}

/// A step on a pointer's reference count, in the pointer's terms: "clones Arc `a` (2
/// references)", "drops Arc `a` (1 reference left)", "drops the last reference to Arc `a`";
/// `None` for any other operation on it.
pub(crate) fn reference_count_action(op: &Op, pointer: &str) -> Option<String> {
    let plural = |n: u64| if n == 1 { "" } else { "s" };
    match *op {
        Op::AtomicRmw {
            success: true,
            old,
            new,
            ..
        } if new > old => Some(format!("clones {pointer} ({new} reference{})", plural(new))),
        Op::AtomicRmw {
            success: true,
            new: 0,
            ..
        } => Some(format!("drops the last reference to {pointer}")),
        Op::AtomicRmw {
            success: true,
            old,
            new,
            ..
        } if new < old => Some(format!(
            "drops {pointer} ({new} reference{} left)",
            plural(new)
        )),
        Op::AtomicLoad { value, .. } => {
            Some(format!("reads the reference count of {pointer} ({value})"))
        }
        _ => None,
    }
}

/// An object as findings name it: by kind and creation site, with the variable the creation
/// line binds it to when it shows one, and with its number when several objects of the
/// execution were created at the same place.
#[derive(Clone, Debug)]
pub(crate) struct ObjectName {
    kind: ObjectKind,
    site: Site,
    number: Option<u32>,
    variable: Option<(String, crate::source_names::Binding)>,
    /// Another object was created on the same line: say the column too.
    column: bool,
}

impl ObjectName {
    /// The name of an object of `kind` created at `site`; `number` tells it apart from others
    /// created at the same place.
    pub(crate) fn new(kind: ObjectKind, site: Site, number: Option<u32>) -> Self {
        ObjectName {
            kind,
            site,
            number,
            variable: crate::source_names::variable_at(site),
            column: false,
        }
    }

    /// The same name, told apart from objects created elsewhere on the same line of
    /// `others` by its column.
    pub(crate) fn among(mut self, others: impl IntoIterator<Item = Site>) -> Self {
        let site = self.site;
        self.column = others.into_iter().any(|o| {
            o.file() == site.file() && o.line() == site.line() && o.column() != site.column()
        });
        if self.column
            && matches!(
                &self.variable,
                Some((_, crate::source_names::Binding::Statement))
            )
        {
            // Several objects made in one statement would all get its name: use the site.
            self.variable = None;
        }
        self
    }

    /// `file:line`, or `file:line:column` when the line created other objects too.
    fn place(&self, file: &str) -> String {
        let file = std_relative(file);
        if self.column {
            format!("{file}:{}:{}", self.site.line(), self.site.column())
        } else {
            format!("{file}:{}", self.site.line())
        }
    }

    /// The object as a finding's structured data records it.
    pub(crate) fn object_ref(&self) -> crate::report::ObjectRef {
        crate::report::ObjectRef {
            kind: self.kind.type_name().to_string(),
            created: format!("{}:{}", self.site.file(), self.site.line()),
            name: self.variable.as_ref().map(|(v, _)| v.clone()),
        }
    }

    /// Whether the creation line names the object.
    pub(crate) fn has_variable(&self) -> bool {
        self.variable.is_some()
    }

    fn numbered(&self) -> String {
        self.number.map(|n| format!(" #{n}")).unwrap_or_default()
    }

    /// "Mutex `a` (created at src/lib.rs:4)", or "the Mutex created at src/lib.rs:4".
    pub(crate) fn long(&self) -> String {
        let (kind, at) = (self.kind.type_name(), self.place(self.site.file()));
        match &self.variable {
            Some((v, _)) => format!("{kind} `{v}`{} (created at {at})", self.numbered()),
            None => format!("the {kind}{} created at {at}", self.numbered()),
        }
    }

    /// "`a`" or "the Mutex created at src/lib.rs:4": for steps and notes, where the creation
    /// site of a named object is said elsewhere.
    pub(crate) fn medium(&self) -> String {
        match &self.variable {
            Some((v, _)) => format!("{} `{v}`{}", self.kind.type_name(), self.numbered()),
            None => self.long(),
        }
    }

    /// [`ObjectName::medium`] with `type_name` for the kind: "Arc `a`" for the atomic that is
    /// an `Arc`'s reference count.
    pub(crate) fn medium_as(&self, type_name: &str) -> String {
        match &self.variable {
            Some((v, _)) => format!("{type_name} `{v}`{}", self.numbered()),
            None => format!(
                "the {type_name}{} created at {}",
                self.numbered(),
                self.place(self.site.file())
            ),
        }
    }

    /// "a" or "Mutex@lib.rs:4": a tag for tables such as the lock-order scenario.
    pub(crate) fn short(&self) -> String {
        let number = self.number.map(|n| format!("#{n}")).unwrap_or_default();
        match &self.variable {
            Some((v, _)) => format!("{v}{number}"),
            None => {
                let file = std::path::Path::new(self.site.file())
                    .file_name()
                    .map_or_else(|| self.site.file().into(), |f| f.to_string_lossy());
                format!("{}@{}{number}", self.kind.type_name(), self.place(&file))
            }
        }
    }
}

/// Names the objects of one execution, from its `Create` events.
pub(crate) struct ExecutionObjects {
    created: Vec<Option<(ObjectKind, Site)>>,
}

impl ExecutionObjects {
    /// The objects `trace` creates.
    pub(crate) fn new(trace: &[Event]) -> Self {
        let mut created = Vec::new();
        for e in trace {
            if let (Op::Create { kind }, Some(o)) = (e.op, e.object) {
                if created.len() <= o.index() {
                    created.resize(o.index() + 1, None);
                }
                created[o.index()] = Some((kind, e.site));
            }
        }
        ExecutionObjects { created }
    }

    /// The name of `object` (numbered when its creation site made others too).
    pub(crate) fn name(&self, object: ObjectId) -> Option<ObjectName> {
        let (kind, site) = self.created.get(object.index()).copied().flatten()?;
        let sites = self.created.iter().flatten().map(|(_, s)| *s);
        let shared = sites.clone().filter(|s| *s == site).count() > 1;
        Some(ObjectName::new(kind, site, shared.then_some(object.0)).among(sites))
    }

    /// `object` named for a step of the interleaving as a `type_name` (see
    /// [`ObjectName::medium_as`]).
    pub(crate) fn medium_as(&self, object: ObjectId, type_name: &str) -> String {
        self.name(object).map_or_else(
            || format!("{type_name} #{}", object.0),
            |n| n.medium_as(type_name),
        )
    }

    /// `object` named for a step of the interleaving.
    pub(crate) fn medium(&self, object: ObjectId) -> String {
        self.name(object)
            .map_or_else(|| format!("object #{}", object.0), |n| n.medium())
    }
}

/// "a", "a and b", "a, b and c" (empty for none).
pub(crate) fn join_words(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A function's name without the `::{{closure}}` an `async` block or closure adds
/// (`app::run::{{closure}}` is `app::run`).
pub(crate) fn without_closures(mut function: &str) -> &str {
    while let Some(outer) = function.strip_suffix("::{{closure}}") {
        function = outer;
    }
    function
}

/// A path of std's own sources as the compiler records it (`/rustc/<commit>/library/…`),
/// shortened to `library/…`; any other path as it is. An object created by std code on the
/// user's behalf (`Arc::default()` makes the `Mutex` inside) is named by such a path, which must
/// not name the machine the toolchain was built on.
pub(crate) fn std_relative(file: &str) -> &str {
    match file.strip_prefix("/rustc/") {
        Some(rest) => rest.find('/').map_or(file, |slash| &rest[slash + 1..]),
        None => file,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn std_source_paths_lose_the_toolchain_commit() {
        assert_eq!(
            std_relative("/rustc/5980761/library/alloc/src/sync.rs"),
            "library/alloc/src/sync.rs"
        );
        assert_eq!(std_relative("src/lib.rs"), "src/lib.rs");
    }
    use crate::event::MemOrder::{Relaxed, Release};
    use crate::event::StoreId;

    fn rmw(old: u64, new: u64) -> Op {
        Op::AtomicRmw {
            order: Release,
            success: true,
            cas: false,
            old,
            new,
            from: StoreId::LATEST,
            id: StoreId::LATEST,
        }
    }

    #[test]
    fn a_wait_names_what_it_waits_for() {
        let wait = |wait: WaitFor| Event {
            thread: ThreadId(1),
            object: None,
            op: Op::Block { wait },
            site: crate::event::internal_site(),
        };
        let name = |o: ObjectId| format!("object {}", o.0);
        let says = |w: WaitFor| action(&wait(w), &name, &NumberedThreads);
        assert_eq!(says(WaitFor::Condvar(ObjectId(3))), "waits on object 3");
        assert_eq!(
            says(WaitFor::Lock(ObjectId(2), LockMode::Shared)),
            "waits to read-lock object 2"
        );
        assert_eq!(
            says(WaitFor::Receive(ObjectId(4))),
            "waits to receive from object 4"
        );
        assert_eq!(says(WaitFor::Join(ThreadId(2))), "waits to join thread 2");
    }

    #[test]
    fn reference_count_steps_read_as_clones_and_drops() {
        let step = |op: Op| reference_count_action(&op, "Arc `a`");
        assert_eq!(step(rmw(1, 2)).unwrap(), "clones Arc `a` (2 references)");
        assert_eq!(
            step(rmw(3, 2)).unwrap(),
            "drops Arc `a` (2 references left)"
        );
        assert_eq!(step(rmw(2, 1)).unwrap(), "drops Arc `a` (1 reference left)");
        assert_eq!(
            step(rmw(1, 0)).unwrap(),
            "drops the last reference to Arc `a`"
        );
        let load = Op::AtomicLoad {
            order: Relaxed,
            value: 3,
            from: StoreId::LATEST,
        };
        assert_eq!(
            step(load).unwrap(),
            "reads the reference count of Arc `a` (3)"
        );
        assert_eq!(step(Op::Fence { order: Relaxed }), None);
    }
}
