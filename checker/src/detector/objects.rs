//! Small pieces every detector needs: growable tables, site formatting, and the names of the
//! objects seen created in the event stream.

use crate::event::{Event, ObjectId, ObjectKind, Op, Site};

/// `table[index]`, growing the table when needed (detectors index by thread and object).
pub(crate) fn grow<T: Default>(table: &mut Vec<T>, index: usize) -> &mut T {
    if table.len() <= index {
        table.resize_with(index + 1, T::default);
    }
    &mut table[index]
}

/// `file:line:column` of a site.
pub(crate) fn at(site: Site) -> String {
    format!("{}:{}:{}", site.file(), site.line(), site.column())
}

/// Kind and creation site of every object an execution created, from its `Create` events.
#[derive(Default)]
pub(crate) struct Created {
    table: Vec<Option<(ObjectKind, Site)>>,
}

impl Created {
    /// Records `event` if it creates an object.
    pub(crate) fn note(&mut self, event: &Event) {
        if let (Op::Create { kind }, Some(o)) = (event.op, event.object) {
            *grow(&mut self.table, o.index()) = Some((kind, event.site));
        }
    }

    /// Kind and creation site of `object`, if its creation was seen.
    pub(crate) fn get(&self, object: ObjectId) -> Option<(ObjectKind, Site)> {
        self.table.get(object.index()).copied().flatten()
    }

    /// "Mutex `a` (created at src/lib.rs:4)", "the Mutex created at src/lib.rs:4", or
    /// "object #3" when the creation was not seen (see [`crate::describe::ObjectName`]).
    pub(crate) fn describe(&self, object: ObjectId) -> String {
        match self.get(object) {
            Some((kind, site)) => {
                let sites = self.table.iter().flatten().map(|(_, s)| *s);
                let shared = sites.clone().filter(|s| *s == site).count() > 1;
                crate::describe::ObjectName::new(kind, site, shared.then_some(object.0))
                    .among(sites)
                    .long()
            }
            None => format!("object #{}", object.0),
        }
    }

    /// `object` as a finding's structured data records it, if its creation was seen.
    pub(crate) fn object_ref(&self, object: ObjectId) -> Option<crate::report::ObjectRef> {
        let (kind, site) = self.get(object)?;
        Some(crate::describe::ObjectName::new(kind, site, None).object_ref())
    }

    /// Forgets the previous execution's objects.
    pub(crate) fn clear(&mut self) {
        self.table.clear();
    }
}
