//! The options claimed at each shared point of a split search
//! ([`crate::strategy::frontier`]): each option of a point is explored by one worker only, and
//! an item sleeps only options claimed before its own.

use std::collections::HashMap;

use crate::strategy::frontier::{point_of, FrontierItem, PrefixStep, SharedPoint};
use crate::strategy::sleep::Footprint;

/// Claims by point, in the order they were made.
#[derive(Default)]
pub(super) struct Claims {
    points: HashMap<Vec<u32>, Vec<(u32, Option<Footprint>)>>,
}

impl Claims {
    /// Whether no point is shared yet.
    pub(super) fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Records the options a donor had explored or given away at points it now shares.
    pub(super) fn share(&mut self, shared: Vec<SharedPoint>) {
        for SharedPoint { point, claimed } in shared {
            let known = self.points.entry(point).or_default();
            for (option, footprint) in claimed {
                match known.iter_mut().find(|(o, _)| *o == option) {
                    Some((_, f)) => {
                        if f.is_none() {
                            *f = footprint;
                        }
                    }
                    None => known.push((option, footprint)),
                }
            }
        }
    }

    /// Records the step `option` took at `point`, for the options claimed there later.
    pub(super) fn footprint(&mut self, point: Vec<u32>, option: u32, footprint: Footprint) {
        let known = self.points.entry(point).or_default();
        match known.iter_mut().find(|(o, _)| *o == option) {
            Some((_, f)) => *f = Some(footprint),
            None => known.push((option, Some(footprint))),
        }
    }

    /// Claims `options` (`(option, index)`) at the point `prefix` leads to; the items for the
    /// ones nobody had claimed, each sleeping the options claimed before it.
    pub(super) fn claim(
        &mut self,
        prefix: &[PrefixStep],
        options: &[(u32, u32)],
        sleepless: bool,
    ) -> Vec<FrontierItem> {
        let known = self.points.entry(point_of(prefix)).or_default();
        let mut items = Vec::new();
        for &(option, index) in options {
            if known.iter().any(|(o, _)| *o == option) {
                continue;
            }
            let mut steps = prefix.to_vec();
            steps.push(PrefixStep {
                option,
                index,
                earlier: known.clone(),
            });
            known.push((option, None));
            items.push(FrontierItem {
                prefix: steps,
                sleepless,
            });
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

    #[test]
    fn an_option_is_claimed_once_and_sleeps_in_the_items_claimed_after_it() {
        let mut claims = Claims::default();
        let prefix = [step(0)];
        claims.share(vec![SharedPoint {
            point: vec![0],
            claimed: vec![(0, Some(Footprint::default())), (1, None)],
        }]);
        let items = claims.claim(&prefix, &[(1, 1), (2, 2)], false);
        assert_eq!(items.len(), 1, "option 1 was given away already");
        let earlier: Vec<u32> = items[0].prefix[1].earlier.iter().map(|(o, _)| *o).collect();
        assert_eq!(earlier, vec![0, 1]);
        assert_eq!(items[0].key(), vec![0, 2]);
        claims.footprint(vec![0], 2, Footprint::default());
        let later = claims.claim(&prefix, &[(2, 2), (3, 3)], false);
        assert_eq!(later.len(), 1);
        assert_eq!(
            later[0].prefix[1].earlier.last(),
            Some(&(2, Some(Footprint::default())))
        );
    }
}
