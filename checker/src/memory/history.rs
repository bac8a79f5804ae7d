//! One atomic location's stores, in modification order.

use super::view::{Timestamp, INITIAL};
use crate::event::StoreId;

/// The distance between timestamps of stores appended one after another; a store placed
/// between two others takes the middle, so about 32 stores fit between two neighbours before
/// the location is renumbered.
const GAP: Timestamp = 1 << 32;

/// One store of a location.
#[derive(Clone, Debug)]
pub(crate) struct Message {
    /// Its place in the modification order.
    pub(crate) ts: Timestamp,
    /// The value stored, as bits.
    pub(crate) value: u64,
    /// Which store it is, for happens-before ([`crate::happens_before`]): stable while
    /// timestamps change.
    pub(crate) id: StoreId,
    /// A read-modify-write read it: its store follows at once, and nothing may go between.
    pub(crate) taken: bool,
}

/// A location's stores, sorted by timestamp (the first is the initial value).
#[derive(Clone, Debug)]
pub(crate) struct History {
    messages: Vec<Message>,
}

/// The timestamps of a location before and after it was renumbered, sorted by the old ones.
pub(crate) struct Renumbering(Vec<(Timestamp, Timestamp)>);

impl Renumbering {
    /// The new timestamp of a store that had `old`.
    pub(crate) fn apply(&self, old: Timestamp) -> Timestamp {
        match self.0.binary_search_by_key(&old, |(o, _)| *o) {
            Ok(i) => self.0[i].1,
            // A forgotten store (older than every kept one) bounds nothing: INITIAL. Nothing
            // else names a timestamp between stores.
            Err(0) => INITIAL,
            Err(i) => self.0[i - 1].1,
        }
    }
}

impl History {
    /// A location holding `initial`, known to everyone.
    pub(crate) fn new(initial: u64) -> Self {
        let mut history = History {
            messages: Vec::new(),
        };
        history.reset(initial);
        history
    }

    /// Forgets every store and holds `initial` again, keeping the allocation.
    pub(crate) fn reset(&mut self, initial: u64) {
        self.messages.clear();
        self.messages.push(Message {
            ts: INITIAL,
            value: initial,
            id: StoreId(0),
            taken: false,
        });
    }

    /// Every store, oldest first.
    pub(crate) fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// The store with timestamp `ts`.
    pub(crate) fn message(&self, ts: Timestamp) -> Option<&Message> {
        self.index_of(ts).map(|i| &self.messages[i])
    }

    fn index_of(&self, ts: Timestamp) -> Option<usize> {
        self.messages.binary_search_by_key(&ts, |m| m.ts).ok()
    }

    /// The latest store.
    pub(crate) fn latest(&self) -> &Message {
        self.messages
            .last()
            .expect("a location always has its initial value")
    }

    /// Forgets the stores older than `ts` (the store at `ts` stays); adds their ids to
    /// `forgotten`.
    pub(crate) fn forget_before(&mut self, ts: Timestamp, forgotten: &mut Vec<StoreId>) {
        let keep_from = self.messages.partition_point(|m| m.ts < ts);
        forgotten.extend(self.messages.drain(..keep_from).map(|m| m.id));
    }

    /// Marks the store at `ts` as read by a read-modify-write.
    pub(crate) fn take(&mut self, ts: Timestamp) {
        if let Some(i) = self.index_of(ts) {
            self.messages[i].taken = true;
        }
    }

    /// Makes room for a store directly after the store at `after`: when no timestamp is left
    /// between it and the next, spreads the location's timestamps out again and returns the
    /// renumbering, which the caller applies to every view (and to `after`).
    pub(crate) fn make_room(&mut self, after: Timestamp) -> Option<Renumbering> {
        let i = self.index_of(after)?;
        match self.messages.get(i + 1) {
            Some(next) if next.ts - after < 2 => Some(self.renumber()),
            _ => None,
        }
    }

    /// Places `message` directly after the store at `after`, which [`History::make_room`]
    /// made room behind; gives it its timestamp and returns it.
    pub(crate) fn insert_after(&mut self, after: Timestamp, mut message: Message) -> Timestamp {
        let i = self
            .index_of(after)
            .expect("a store is placed after a store of its location");
        let ts = match self.messages.get(i + 1) {
            None => after + GAP,
            Some(next) => {
                assert!(next.ts - after >= 2, "make_room was not called");
                after + (next.ts - after) / 2
            }
        };
        message.ts = ts;
        self.messages.insert(i + 1, message);
        ts
    }

    /// Spreads the timestamps out again (`GAP` apart); returns the renumbering.
    fn renumber(&mut self) -> Renumbering {
        let mut map = Vec::with_capacity(self.messages.len());
        for (i, m) in self.messages.iter_mut().enumerate() {
            let new = i as Timestamp * GAP;
            map.push((m.ts, new));
            m.ts = new;
        }
        Renumbering(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(value: u64) -> Message {
        Message {
            ts: 0,
            value,
            id: StoreId(value as u32),
            taken: false,
        }
    }

    #[test]
    fn stores_placed_between_others_keep_the_order_and_renumber_when_full() {
        let mut h = History::new(0);
        h.insert_after(INITIAL, store(1));
        let mut renumbered = false;
        // Each store goes right after the initial value, halving the gap every time.
        for v in 2..80 {
            renumbered |= h.make_room(INITIAL).is_some();
            h.insert_after(INITIAL, store(v));
        }
        assert!(
            renumbered,
            "78 stores squeezed into one gap need a renumbering"
        );
        let values: Vec<u64> = h.messages().iter().map(|m| m.value).collect();
        let mut expected = vec![0];
        expected.extend((1..80).rev());
        assert_eq!(values, expected);
        assert!(h.messages().windows(2).all(|w| w[0].ts < w[1].ts));
        assert_eq!(h.latest().value, 1);
    }

    #[test]
    fn forgetting_keeps_the_newer_stores_and_renumbering_maps_forgotten_ones_to_initial() {
        let mut h = History::new(0);
        let one = h.insert_after(INITIAL, store(1));
        let two = h.insert_after(one, store(2));
        h.take(one);
        assert!(h.message(one).unwrap().taken && !h.message(two).unwrap().taken);
        h.forget_before(one, &mut Vec::new());
        let values: Vec<u64> = h.messages().iter().map(|m| m.value).collect();
        assert_eq!(values, [1, 2]);
        // Squeeze stores in after `one` until the location is renumbered.
        let renumbering = loop {
            if let Some(r) = h.make_room(one) {
                break r;
            }
            h.insert_after(one, store(3));
        };
        assert_eq!(renumbering.apply(INITIAL), INITIAL, "a forgotten store");
        assert_eq!(renumbering.apply(one), INITIAL, "the oldest kept store");
        assert!(renumbering.apply(two) > INITIAL);
    }
}
