//! Which crates the checking build compiles with `--cfg conc_check`: the shim's own crate and
//! every crate that depends on it, directly or not, on any platform (so also through a
//! `[target.'cfg(conc_check)'.dependencies]` table).
//!
//! Those are exactly the crates whose cargo unit differs between the normal and the checking
//! build (the shim depends on the engine, and on a marker feature of its macro crate, only in
//! the checking build; everything that depends on it inherits the difference), so each keeps
//! two artifacts side by side in the shared target directory. Every other crate is compiled as
//! the normal build compiles it, and shared.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

/// The package of the shim.
const SHIM: &str = "conc-check";

/// The crate names (as rustc's `--crate-name` spells them) of the shim and its dependents, from
/// `cargo metadata` output with its `resolve` graph.
pub fn crates_that_see_the_cfg(metadata: &Value) -> Vec<String> {
    let packages: HashMap<&str, &Value> = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| Some((p["id"].as_str()?, p)))
        .collect();
    let Some(shim) = packages
        .iter()
        .find(|(_, p)| p["name"] == SHIM)
        .map(|(id, _)| *id)
    else {
        return Vec::new();
    };
    // Who depends on whom: dependents by dependency.
    let mut dependents: HashMap<&str, Vec<&str>> = HashMap::new();
    for node in metadata["resolve"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let Some(id) = node["id"].as_str() else {
            continue;
        };
        for dep in node["deps"].as_array().into_iter().flatten() {
            if let Some(dep_id) = dep["pkg"].as_str() {
                dependents.entry(dep_id).or_default().push(id);
            }
        }
    }
    let mut seen: HashSet<&str> = HashSet::new();
    let mut stack = vec![shim];
    while let Some(id) = stack.pop() {
        if seen.insert(id) {
            stack.extend(dependents.get(id).into_iter().flatten().copied());
        }
    }
    let mut crates: Vec<String> = seen
        .iter()
        .filter_map(|id| packages.get(id))
        .flat_map(|p| p["targets"].as_array().into_iter().flatten())
        .filter(|t| {
            !t["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "custom-build"))
        })
        .filter_map(|t| t["name"].as_str().map(|n| n.replace('-', "_")))
        .collect();
    crates.sort();
    crates.dedup();
    crates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shim_and_its_dependents_but_not_its_dependencies() {
        let metadata = serde_json::json!({
            "packages": [
                {"id": "shim", "name": "conc-check", "targets": [{"name": "conc_check", "kind": ["lib"]}]},
                {"id": "engine", "name": "conc-check-engine", "targets": [{"name": "conc_check_engine", "kind": ["lib"]}]},
                {"id": "app", "name": "my-app", "targets": [
                    {"name": "my_app", "kind": ["lib"]},
                    {"name": "model-tests", "kind": ["test"]},
                    {"name": "build-script-build", "kind": ["custom-build"]}
                ]},
                {"id": "bin", "name": "tool", "targets": [{"name": "tool", "kind": ["bin"]}]},
                {"id": "serde", "name": "serde", "targets": [{"name": "serde", "kind": ["lib"]}]}
            ],
            "resolve": {"nodes": [
                {"id": "shim", "deps": [{"pkg": "engine"}]},
                {"id": "engine", "deps": [{"pkg": "serde"}]},
                {"id": "app", "deps": [{"pkg": "shim"}, {"pkg": "serde"}]},
                {"id": "bin", "deps": [{"pkg": "app"}]},
                {"id": "serde", "deps": []}
            ]}
        });
        assert_eq!(
            crates_that_see_the_cfg(&metadata),
            ["conc_check", "model_tests", "my_app", "tool"]
        );
    }
}
