//! One depth-first search shared by several workers (`runtime::parallel::search`), by work
//! stealing.
//!
//! A worker explores a [`FrontierItem`]: the subtree below a path of decisions, as a search of
//! its own ([`super::dfs::Dfs::split`]). When another worker is idle, the coordinator asks a
//! busy one to give work away: it donates the first option its search still has to explore
//! at its shallowest point that has one ([`FrontierEvent::Donated`]), which becomes an item for
//! the idle worker. From then on the points on the path to the donated option are *shared*:
//! no worker explores a new option there itself. Partial-order reduction keeps adding options
//! to explore at points above a subtree (a race found below reverses at the point where its
//! first operation ran); at a shared point a worker sends them to the coordinator
//! ([`FrontierEvent::Forward`]) instead, which *claims* each option once per point and turns
//! it into an item. So every option the sequential search would explore somewhere is explored
//! exactly once by some worker.
//!
//! Sleep sets survive the split. An item's prefix carries, at each point, the options claimed
//! there before the one it takes, with the step each took there when it is known (its
//! footprint): those sleep in the item, as the options explored earlier at a point sleep in the
//! sequential search. Options are claimed in one order per point and an item only ever sleeps
//! options claimed before its own, so no two options sleep in each other's subtrees. A
//! footprint not yet known when an item is made only costs executions (fewer sleepers).
//!
//! An item's place in the sequential search's order is its [`FrontierItem::key`]; the
//! coordinator reports the finding of the first item in that order.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::sleep::Footprint;

/// A subtree of the search, for one worker to explore.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FrontierItem {
    /// The decisions that lead to the subtree.
    pub prefix: Vec<PrefixStep>,
    /// Explore it without sleep sets (the fair scheduler hid a thread somewhere in the search,
    /// see `Strategy::fairness_engaged`).
    pub sleepless: bool,
}

impl FrontierItem {
    /// The whole search.
    pub fn root() -> Self {
        FrontierItem {
            prefix: Vec::new(),
            sleepless: false,
        }
    }

    /// The same subtree explored without sleep sets: nothing sleeps at its points.
    pub fn without_sleepers(mut self) -> Self {
        for step in &mut self.prefix {
            step.earlier.iter_mut().for_each(|(_, f)| *f = None);
        }
        self.sleepless = true;
        self
    }

    /// Its place in the sequential search's order: the option index taken at each decision
    /// of the prefix (the root's is empty and comes first).
    pub fn key(&self) -> Vec<u32> {
        self.prefix.iter().map(|s| s.index).collect()
    }
}

/// The options taken on a path, which name the point the path leads to.
pub fn point_of(prefix: &[PrefixStep]) -> Vec<u32> {
    prefix.iter().map(|s| s.option).collect()
}

/// One decision on the way to an item.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PrefixStep {
    /// The option taken (a thread id, or a value).
    pub option: u32,
    /// Its index among the options offered there.
    pub index: u32,
    /// The options claimed at this point before this one, with the step each took there when
    /// known: those with a step sleep when this option runs, and none is explored again.
    pub earlier: Vec<(u32, Option<Footprint>)>,
}

/// A point that became shared, with the options already claimed there.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SharedPoint {
    /// The point ([`point_of`] the path to it).
    pub point: Vec<u32>,
    /// Options explored or given away there, with their steps when known.
    pub claimed: Vec<(u32, Option<Footprint>)>,
    /// A value choice (whose options never sleep).
    pub value: bool,
}

/// What a shared search tells the coordinator while it runs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum FrontierEvent {
    /// Asked for work: a subtree given away, and the points that became shared on the way to
    /// it.
    Donated {
        /// The subtree.
        item: FrontierItem,
        /// Points that were the donor's alone until now.
        shared: Vec<SharedPoint>,
    },
    /// Asked for work, but nothing is left to give away.
    NothingToGive,
    /// Options to explore at a shared point (reached by `prefix`), as `(option, index)`.
    Forward {
        /// The path to the point.
        prefix: Vec<PrefixStep>,
        /// The options.
        options: Vec<(u32, u32)>,
        /// A value choice (whose options never sleep).
        value: bool,
    },
    /// The step the item's own option took at the point it starts from.
    Footprint {
        /// The point.
        point: Vec<u32>,
        /// The option.
        option: u32,
        /// Its step.
        footprint: Footprint,
    },
    /// The fair scheduler hid a thread: sleep sets are unsound from here on.
    FairnessEngaged,
    /// A probe ([`Split::probe`]) reached the point after its item's prefix: the options the
    /// sequential search explores there (awake, within the bound), as `(option, index)`.
    Options {
        /// The options.
        options: Vec<(u32, u32)>,
    },
}

/// Where a shared search sends its events.
pub type Emit = Arc<dyn Fn(FrontierEvent) + Send + Sync>;

/// Whether the coordinator asks this worker for work (reading the request clears it).
pub type Asked = Arc<dyn Fn() -> bool + Send + Sync>;

/// A search's part of the sharing.
#[derive(Clone)]
pub struct Split {
    /// The subtree this search explores.
    pub item: FrontierItem,
    /// The coordinator.
    pub emit: Emit,
    /// The coordinator's requests for work.
    pub asked: Asked,
    /// Only probing: tell the options at the point after the prefix
    /// ([`FrontierEvent::Options`]) and the step the prefix's last option took.
    pub probe: bool,
}
