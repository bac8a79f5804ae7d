//! The DFS's part in a search shared by several workers ([`crate::strategy::frontier`]):
//! following an item's prefix, giving work away, and sending options at shared points to the
//! coordinator.

use super::{choices, Dfs, Node};
use crate::strategy::frontier::{
    point_of, FrontierEvent, FrontierItem, PrefixStep, SharedPoint, Split,
};
use crate::strategy::sleep::Footprint;

impl Dfs {
    /// The unbounded search (reduction as `reduce` says) exploring one item of a shared
    /// search: what a worker of a split DFS, or a part's probe, runs.
    pub fn split_part(reduce: bool, split: Split) -> Self {
        Dfs::with_reduction(None, reduce)
            .exact_within_bound()
            .split(split)
    }

    /// Makes this search explore one item of a shared search ([`crate::strategy::frontier`]).
    pub fn split(mut self, split: Split) -> Self {
        if split.item.sleepless {
            self.drop_sleep_sets();
        }
        self.split = Some(split);
        self
    }

    fn emit(&self, event: FrontierEvent) {
        if let Some(split) = &self.split {
            (split.emit)(event);
        }
    }

    /// The item's prefix step at decision `index`, if it has one.
    pub(super) fn prefix_step(&self, index: usize) -> Option<PrefixStep> {
        self.split.as_ref()?.item.prefix.get(index).cloned()
    }

    /// Takes the option the item's prefix took at this new point (`index`), with the options
    /// claimed before it there (they sleep, and are not explored again).
    pub(super) fn follow_prefix(&mut self, mut node: Node, index: usize, step: PrefixStep) -> u32 {
        let position = |o: u32| node.options.iter().position(|x| *x == o);
        let missing = std::iter::once(step.option)
            .chain(step.earlier.iter().map(|(o, _)| *o))
            .find(|o| position(*o).is_none());
        if let (Some(option), None) = (missing, &self.nondeterminism) {
            self.nondeterminism = Some(format!(
                "the test is not deterministic: at scheduling decision {index} of this \
                 execution it offered {}, without the option {option} that another worker saw \
                 offered there after the same choices",
                choices(&node.options, node.value)
            ));
        }
        for (option, footprint) in &step.earlier {
            if let Some(i) = position(*option) {
                node.done[i] = true;
                node.footprints[i] = footprint.clone();
            }
        }
        let chosen = position(step.option).unwrap_or(0);
        node.chosen = chosen;
        node.backtrack[chosen] = true;
        node.done[chosen] = true;
        node.shared = true;
        let (value, option) = (node.value, node.options[chosen]);
        self.path.push(node);
        if !value && self.sleep_sets {
            self.start_step(index, chosen);
        }
        option
    }

    /// Tells the coordinator the step the item's own option took at its starting point, once
    /// (the options claimed there after it sleep with it).
    pub(super) fn tell_root_footprint(
        &mut self,
        index: usize,
        option: usize,
        footprint: &Footprint,
    ) {
        let Some(split) = &self.split else { return };
        let prefix = &split.item.prefix;
        let root =
            index + 1 == prefix.len() && self.path.get(index).is_some_and(|n| n.chosen == option);
        if !root || self.root_told {
            return;
        }
        self.root_told = true;
        let event = FrontierEvent::Footprint {
            point: point_of(&prefix[..index]),
            option: prefix[index].option,
            footprint: footprint.clone(),
        };
        self.emit(event);
    }

    /// The path to point `index` as prefix steps: at each point the option taken, and the
    /// options done there other than it (with their steps, if this search ran them).
    fn prefix_to(&self, index: usize) -> Vec<PrefixStep> {
        self.path[..index]
            .iter()
            .map(|n| PrefixStep {
                option: n.options[n.chosen],
                index: n.chosen as u32,
                earlier: done_options(n, Some(n.chosen)),
            })
            .collect()
    }

    /// At the deepest point, which is shared: sends the options still to explore there to the
    /// coordinator, which claims them.
    pub(super) fn forward_last(&mut self) {
        let index = self.path.len() - 1;
        let node = &self.path[index];
        let options: Vec<(u32, u32)> = (0..node.options.len())
            .filter(|&i| node.wants(i) && self.allowed(node, i))
            .map(|i| (node.options[i], i as u32))
            .collect();
        if options.is_empty() {
            return;
        }
        let value = node.value;
        let prefix = self.prefix_to(index);
        self.emit(FrontierEvent::Forward {
            prefix,
            options,
            value,
        });
    }

    /// When the coordinator asks for work: gives away the first option still to explore at
    /// the shallowest point that is this search's alone, and shares the points on the way.
    pub(super) fn donate_if_asked(&mut self) {
        let Some(split) = &self.split else { return };
        if !(split.asked)() {
            return;
        }
        let found = self.path.iter().enumerate().find_map(|(j, node)| {
            (!node.shared)
                .then(|| (0..node.options.len()).find(|&i| node.wants(i) && self.allowed(node, i)))
                .flatten()
                .map(|i| (j, i))
        });
        let Some((j, i)) = found else {
            self.emit(FrontierEvent::NothingToGive);
            return;
        };
        self.path[j].done[i] = true;
        let mut prefix = self.prefix_to(j);
        let node = &self.path[j];
        prefix.push(PrefixStep {
            option: node.options[i],
            index: i as u32,
            earlier: done_options(node, Some(i)),
        });
        let shared: Vec<SharedPoint> = (0..=j)
            .filter(|&k| !self.path[k].shared)
            .map(|k| SharedPoint {
                point: point_of(&prefix[..k]),
                claimed: done_options(&self.path[k], None),
                value: self.path[k].value,
            })
            .collect();
        for node in &mut self.path[..=j] {
            node.shared = true;
        }
        let item = FrontierItem {
            prefix,
            sleepless: !self.sleep_sets,
        };
        self.emit(FrontierEvent::Donated { item, shared });
    }

    /// For a probe: at the first point after the prefix, tells the options the search explores
    /// there.
    pub(super) fn tell_options_if_probing(&mut self, index: usize, node: &Node) {
        let Some(split) = self.split.as_ref().filter(|s| s.probe) else {
            return;
        };
        if index != split.item.prefix.len() || self.probe_told {
            return;
        }
        self.probe_told = true;
        let options = (0..node.options.len())
            .filter(|&i| !node.asleep[i] && !node.is_futile(i) && self.allowed(node, i))
            .map(|i| (node.options[i], i as u32))
            .collect();
        self.emit(FrontierEvent::Options { options });
    }

    /// Tells the coordinator that sleep sets are off from now on.
    pub(super) fn tell_fairness_engaged(&self) {
        self.emit(FrontierEvent::FairnessEngaged);
    }
}

/// The options done at `node` (but `except`), with the steps they took there when known.
fn done_options(
    node: &Node,
    except: Option<usize>,
) -> Vec<(u32, Option<crate::strategy::sleep::Footprint>)> {
    (0..node.options.len())
        .filter(|&i| node.done[i] && Some(i) != except)
        .map(|i| (node.options[i], node.footprints[i].clone()))
        .collect()
}
