//! Lazily registered object identities.

use std::sync::atomic::{AtomicU64, Ordering};

use super::context;
use crate::event::{ObjectId, ObjectKind, Site};

/// The model identity of one shim object, registered with the running execution on first use.
///
/// A shim object may outlive an execution (a `static`, say); its slot then registers it again
/// in the next execution, so every execution starts from fresh object state.
#[derive(Debug)]
pub struct ObjectSlot {
    /// `generation << 32 | id`, or 0 when never registered.
    packed: AtomicU64,
    site: Site,
}

impl ObjectSlot {
    /// A slot for an object created at `site`.
    pub const fn new(site: Site) -> Self {
        ObjectSlot {
            packed: AtomicU64::new(0),
            site,
        }
    }

    /// Where the object was created.
    pub fn site(&self) -> Site {
        self.site
    }

    /// The object's id in the running execution, registering it as a `kind` if needed.
    pub fn id(&self, kind: ObjectKind) -> ObjectId {
        self.id_noting_reuse(kind).0
    }

    /// [`ObjectSlot::id`], and whether this call registered an object that was used in an
    /// earlier execution: one that outlives executions (a `static`) and must start again from
    /// its initial state.
    pub fn id_noting_reuse(&self, kind: ObjectKind) -> (ObjectId, bool) {
        context::with(|e| {
            let packed = self.packed.load(Ordering::Relaxed);
            if packed != 0 && (packed >> 32) as u32 == e.generation {
                return (ObjectId(packed as u32), false);
            }
            let id = e.register(kind, self.site);
            self.packed.store(
                ((e.generation as u64) << 32) | id.0 as u64,
                Ordering::Relaxed,
            );
            (id, packed != 0)
        })
    }
}
