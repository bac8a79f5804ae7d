//! Views: for every atomic location, the timestamp of the latest store someone knows of.
//!
//! Timestamps order the stores of one location (its modification order); locations are
//! numbered densely per execution. A view is what SeqCst fences taught a thread: the latest
//! SeqCst store of each location they had seen.

/// A store's place in its location's modification order. The initial value has
/// [`INITIAL`]; later stores have larger timestamps, with gaps left for stores placed between
/// them.
pub(crate) type Timestamp = u64;

/// The timestamp of a location's initial value.
pub(crate) const INITIAL: Timestamp = 0;

/// Per location, the latest timestamp known; locations past the end are at [`INITIAL`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct View(Vec<Timestamp>);

impl View {
    /// What the view knows of `location`.
    pub(crate) fn get(&self, location: usize) -> Timestamp {
        self.0.get(location).copied().unwrap_or(INITIAL)
    }

    /// Knows of `location` at least up to `ts`.
    pub(crate) fn raise(&mut self, location: usize, ts: Timestamp) {
        if self.0.len() <= location {
            if ts == INITIAL {
                return;
            }
            self.0.resize(location + 1, INITIAL);
        }
        let known = &mut self.0[location];
        *known = (*known).max(ts);
    }

    /// Forgets everything, keeping the allocation.
    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }

    /// Rewrites what the view knows of `location` with `renumber` (after the location's
    /// timestamps were spread out again).
    pub(crate) fn renumber(&mut self, location: usize, renumber: impl Fn(Timestamp) -> Timestamp) {
        if let Some(ts) = self.0.get_mut(location) {
            *ts = renumber(*ts);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_keeps_the_latest_of_each_location() {
        let mut a = View::default();
        a.raise(0, 5);
        a.raise(2, 1);
        a.raise(1, 7);
        assert_eq!((a.get(0), a.get(1), a.get(2), a.get(9)), (5, 7, 1, INITIAL));
        a.raise(0, 4);
        assert_eq!(a.get(0), 5, "raising never lowers");
        a.renumber(0, |ts| ts * 10);
        assert_eq!(a.get(0), 50);
    }
}
