//! What a tracked `cell::UnsafeCell` is to conc-check: an identity, and an access it records
//! before each read or write: inside a model a scheduling point and an event the race detector
//! checks; on real threads an access for real mode's race detector.

use crate::event::{ObjectKind, Op, Site};
use crate::real::RealSlot;
use crate::runtime::{api, ObjectSlot};

/// The instrumented part of a tracked cell (the shim's `UnsafeCell` holds the value).
#[derive(Debug)]
pub struct CellCore {
    slot: ObjectSlot,
    real: RealSlot,
}

impl CellCore {
    /// The core of a cell created at `site`.
    pub const fn new(site: Site) -> Self {
        CellCore {
            slot: ObjectSlot::new(site),
            real: RealSlot::new(),
        }
    }

    /// A read of the cell at `site`.
    #[inline]
    pub fn read(&self, site: Site) {
        self.access(Op::CellRead, site);
    }

    /// A write of the cell at `site`.
    #[inline]
    pub fn write(&self, site: Site) {
        self.access(Op::CellWrite, site);
    }

    fn access(&self, op: Op, site: Site) {
        if api::in_model() {
            let id = self.slot.id(ObjectKind::Cell);
            api::point(site, false);
            api::emit(Some(id), op, site);
        } else {
            self.real
                .cell_access(self.slot.site(), matches!(op, Op::CellWrite), site);
        }
    }
}
