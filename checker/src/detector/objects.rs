//! Small pieces every detector needs: growable tables and site formatting.

use crate::event::Site;

/// `table[index]`, growing the table when needed (detectors index by thread and object).
#[inline]
pub(crate) fn grow<T: Default>(table: &mut Vec<T>, index: usize) -> &mut T {
    if table.len() <= index {
        table.resize_with(index + 1, T::default);
    }
    &mut table[index]
}

/// Something kept between executions whose contents can be emptied in place, keeping its
/// allocations.
pub(crate) trait Recycle: Default {
    /// Makes it equal to `Default::default()`, keeping what it allocated.
    fn recycle(&mut self);
}

/// A table indexed by thread or object whose entries are emptied rather than dropped when an
/// execution ends, so that the next execution does not allocate them again (per-entry queues
/// and lists were a tenth of an execution's work on small programs, most of it allocation).
/// Behaves as a `Vec<T>` that [`Recycled::clear`] empties and [`Recycled::grow`] extends.
pub(crate) struct Recycled<T> {
    entries: Vec<T>,
    len: usize,
}

impl<T> Default for Recycled<T> {
    fn default() -> Self {
        Recycled {
            entries: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Recycle> Recycled<T> {
    /// Forgets every entry (their allocations are kept for reuse).
    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }

    /// `table[index]`, adding empty entries up to it when needed.
    pub(crate) fn grow(&mut self, index: usize) -> &mut T {
        if self.len <= index {
            let reused = (index + 1).min(self.entries.len());
            for entry in &mut self.entries[self.len..reused] {
                entry.recycle();
            }
            if self.entries.len() <= index {
                self.entries.resize_with(index + 1, T::default);
            }
            self.len = index + 1;
        }
        &mut self.entries[index]
    }

    /// `table[index]`, if an entry was added up to it.
    pub(crate) fn get(&self, index: usize) -> Option<&T> {
        self.entries[..self.len].get(index)
    }
}

/// `file:line:column` of a site.
pub(crate) fn at(site: Site) -> String {
    format!("{}:{}:{}", site.file(), site.line(), site.column())
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Recycle for Vec<u32> {
        fn recycle(&mut self) {
            self.clear();
        }
    }

    #[test]
    fn a_recycled_table_behaves_as_a_fresh_one_after_clear() {
        let mut t: Recycled<Vec<u32>> = Recycled::default();
        t.grow(2).push(7);
        t.grow(0).push(1);
        let lens: Vec<_> = (0..3).map(|i| t.get(i).map(Vec::len)).collect();
        assert_eq!(lens, [Some(1), Some(0), Some(1)]);
        t.clear();
        assert!(t.get(0).is_none());
        assert!(t.grow(1).is_empty(), "a reused entry starts empty");
        assert_eq!(t.get(0), Some(&Vec::new()));
        assert!(
            t.get(2).is_none(),
            "entries past the new length stay hidden"
        );
        assert!(t.grow(2).is_empty());
        let capacity = t.entries[2].capacity();
        assert!(capacity >= 1, "the allocation was kept");
    }
}
