//! The options claimed at each shared point of a split search
//! ([`crate::strategy::frontier`]): each option of a point is explored by one worker only, an
//! item sleeps only options claimed before its own, and an item is handed out only once every
//! option claimed before it at its point has told the step it took there (its footprint), or
//! can no longer tell it. Sleeping those options is what the sequential search does (it
//! explores them first); an item made earlier would explore again what their subtrees cover.

use std::collections::HashMap;

use crate::strategy::frontier::{point_of, FrontierItem, PrefixStep, SharedPoint};
use crate::strategy::sleep::Footprint;

/// An option claimed at a point.
struct Claim {
    option: u32,
    footprint: Option<Footprint>,
    /// Its footprint is known, or never will be (a value choice, no sleep sets, its item
    /// ended without one).
    settled: bool,
}

/// An item waiting for the options claimed before it to settle.
struct Waiting {
    prefix: Vec<PrefixStep>,
    option: u32,
    index: u32,
}

/// What is claimed at one point, in claim order.
#[derive(Default)]
struct Point {
    claims: Vec<Claim>,
    waiting: Vec<Waiting>,
}

impl Point {
    fn claim_mut(&mut self, option: u32) -> &mut Claim {
        if let Some(i) = self.claims.iter().position(|c| c.option == option) {
            return &mut self.claims[i];
        }
        self.claims.push(Claim {
            option,
            footprint: None,
            settled: false,
        });
        self.claims.last_mut().expect("just pushed")
    }

    /// The items whose earlier claims have all settled, made now.
    fn release(&mut self, sleepless: bool) -> Vec<FrontierItem> {
        let mut ready = Vec::new();
        let mut waiting = std::mem::take(&mut self.waiting);
        waiting.retain(|w| {
            let before: Vec<&Claim> = self
                .claims
                .iter()
                .take_while(|c| c.option != w.option)
                .collect();
            if !before.iter().all(|c| c.settled) {
                return true;
            }
            let mut prefix = w.prefix.clone();
            prefix.push(PrefixStep {
                option: w.option,
                index: w.index,
                earlier: before
                    .iter()
                    .map(|c| (c.option, c.footprint.clone()))
                    .collect(),
            });
            ready.push(FrontierItem { prefix, sleepless });
            false
        });
        self.waiting = waiting;
        ready
    }
}

/// Claims by point.
#[derive(Default)]
pub(super) struct Claims {
    points: HashMap<Vec<u32>, Point>,
}

impl Claims {
    /// Whether no point is shared yet.
    pub(super) fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Records the options a donor had explored or given away at points it now shares (those
    /// without a footprint are given away: their items will tell it).
    pub(super) fn share(&mut self, shared: Vec<SharedPoint>) {
        for SharedPoint {
            point,
            claimed,
            value,
        } in shared
        {
            let known = self.points.entry(point).or_default();
            for (option, footprint) in claimed {
                let claim = known.claim_mut(option);
                if claim.footprint.is_none() {
                    claim.settled |= footprint.is_some() || value;
                    claim.footprint = footprint;
                }
            }
        }
    }

    /// Records the step `option` took at `point`; the items it held back.
    pub(super) fn footprint(
        &mut self,
        point: Vec<u32>,
        option: u32,
        footprint: Footprint,
        sleepless: bool,
    ) -> Vec<FrontierItem> {
        let known = self.points.entry(point).or_default();
        let claim = known.claim_mut(option);
        claim.footprint = Some(footprint);
        claim.settled = true;
        known.release(sleepless)
    }

    /// The item that took `option` at `point` ended: its footprint will not come if it has not;
    /// the items that waited for it.
    pub(super) fn ended(
        &mut self,
        point: Vec<u32>,
        option: u32,
        sleepless: bool,
    ) -> Vec<FrontierItem> {
        let Some(known) = self.points.get_mut(&point) else {
            return Vec::new();
        };
        known.claim_mut(option).settled = true;
        known.release(sleepless)
    }

    /// Claims `options` (`(option, index)`) at the point `prefix` leads to; the items for the
    /// ones nobody had claimed that can go out now (the others wait for the options claimed
    /// before them). `value`: a value choice, whose options never sleep.
    pub(super) fn claim(
        &mut self,
        prefix: &[PrefixStep],
        options: &[(u32, u32)],
        value: bool,
        sleepless: bool,
    ) -> Vec<FrontierItem> {
        let known = self.points.entry(point_of(prefix)).or_default();
        for &(option, index) in options {
            if known.claims.iter().any(|c| c.option == option) {
                continue;
            }
            known.claims.push(Claim {
                option,
                footprint: None,
                settled: value || sleepless,
            });
            known.waiting.push(Waiting {
                prefix: prefix.to_vec(),
                option,
                index,
            });
        }
        known.release(sleepless)
    }

    /// Every item still waiting, made with what is known (nothing else will settle them).
    pub(super) fn release_all(&mut self, sleepless: bool) -> Vec<FrontierItem> {
        let mut items = Vec::new();
        for point in self.points.values_mut() {
            point.claims.iter_mut().for_each(|c| c.settled = true);
            items.extend(point.release(sleepless));
        }
        items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(option: u32) -> PrefixStep {
        PrefixStep {
            option,
            index: option,
            earlier: Vec::new(),
        }
    }

    fn options(item: &FrontierItem) -> Vec<u32> {
        item.prefix
            .last()
            .unwrap()
            .earlier
            .iter()
            .map(|(o, _)| *o)
            .collect()
    }

    #[test]
    fn an_option_is_claimed_once_and_goes_out_when_those_before_it_have_footprints() {
        let mut claims = Claims::default();
        let prefix = [step(0)];
        // The donor ran option 0 here and gave option 1 away.
        claims.share(vec![SharedPoint {
            point: vec![0],
            claimed: vec![(0, Some(Footprint::default())), (1, None)],
            value: false,
        }]);
        let held = claims.claim(&prefix, &[(1, 1), (2, 2)], false, false);
        assert!(held.is_empty(), "option 2 waits for option 1's footprint");
        let items = claims.footprint(vec![0], 1, Footprint::default(), false);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].key(), vec![0, 2]);
        assert_eq!(options(&items[0]), vec![0, 1], "both sleep in it");
        assert!(items[0].prefix[1].earlier.iter().all(|(_, f)| f.is_some()));
        let again = claims.claim(&prefix, &[(2, 2)], false, false);
        assert!(again.is_empty(), "claimed once");
    }

    #[test]
    fn an_item_that_ends_without_a_footprint_releases_those_after_it() {
        let mut claims = Claims::default();
        let prefix = [step(0)];
        assert_eq!(claims.claim(&prefix, &[(1, 1)], false, false).len(), 1);
        assert!(claims.claim(&prefix, &[(2, 2)], false, false).is_empty());
        let items = claims.ended(vec![0], 1, false);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].prefix[1].earlier, vec![(1, None)]);
    }

    #[test]
    fn value_choices_and_searches_without_sleep_sets_never_wait() {
        let mut claims = Claims::default();
        let prefix = [step(0)];
        assert_eq!(
            claims.claim(&prefix, &[(1, 1), (2, 2)], true, false).len(),
            2
        );
        let mut sleepless = Claims::default();
        assert_eq!(
            sleepless
                .claim(&prefix, &[(1, 1), (2, 2)], false, true)
                .len(),
            2
        );
        let mut stuck = Claims::default();
        assert_eq!(
            stuck.claim(&prefix, &[(1, 1), (2, 2)], false, false).len(),
            1
        );
        assert_eq!(stuck.release_all(false).len(), 1);
    }
}
