//! No import circles: within each crate of the workspace, the modules' `crate::`/`super::`
//! references (outside `#[cfg(test)]` modules) form no cycle between the children of any
//! module (a use of `detector::race` from `real::lock` counts as `real` using `detector`), so
//! every module can be read, and changed, knowing only what is below it. A circle this test
//! reports names the modules and the paths that close it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The crates whose module graphs must stay acyclic, by their `src` folder.
const CRATES: &[&str] = &["checker/src", "cli/src", "shim/src", "shim/core/src"];

/// A module's path inside its crate (`real::lock`), `crate` for the root.
type Module = String;

#[test]
fn no_crate_has_an_import_circle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut circles = Vec::new();
    for krate in CRATES {
        let modules = read_modules(&root.join(krate));
        assert!(modules.len() > 2, "{krate}: found no modules");
        let edges = edges(&modules);
        circles.extend(
            cycles(&edges)
                .into_iter()
                .map(|c| describe(krate, &c, &edges)),
        );
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_checker_sees_a_circle_and_a_clean_graph() {
    let circle: BTreeMap<Module, String> = [
        ("crate".to_string(), String::new()),
        ("a".to_string(), "use crate::b::{x, y::z};".to_string()),
        ("b".to_string(), "fn f() { super::a::g() }".to_string()),
        ("b::y".to_string(), String::new()),
    ]
    .into();
    let edges_found = edges(&circle);
    assert_eq!(cycles(&edges_found).len(), 1, "{edges_found:?}");
    let clean: BTreeMap<Module, String> = [
        ("crate".to_string(), String::new()),
        ("a".to_string(), "use crate::b::x;".to_string()),
        (
            "b".to_string(),
            "use super::c;\n#[cfg(test)]\nmod tests { use crate::a; }".to_string(),
        ),
        ("c".to_string(), "// crate::a in a comment".to_string()),
    ]
    .into();
    assert!(cycles(&edges(&clean)).is_empty());
}

#[test]
fn a_circle_through_a_child_module_counts() {
    let modules: BTreeMap<Module, String> = [
        ("crate".to_string(), String::new()),
        ("a".to_string(), "pub trait T {}".to_string()),
        ("a::x".to_string(), "use crate::b::f;".to_string()),
        ("b".to_string(), "use crate::a::T;".to_string()),
    ]
    .into();
    let found = cycles(&edges(&modules));
    assert_eq!(found.len(), 1, "{found:?}");
}

/// Every `.rs` file under `src`, by module path, with its text.
fn read_modules(src: &Path) -> BTreeMap<Module, String> {
    let mut modules = BTreeMap::new();
    let mut pending = vec![src.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).expect("read a source folder") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path
                .strip_prefix(src)
                .expect("under src")
                .with_extension("");
            let mut parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(
                parts.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                parts.pop();
            }
            let module = if parts.is_empty() {
                "crate".to_string()
            } else {
                parts.join("::")
            };
            let text = fs::read_to_string(&path).expect("read a source file");
            modules.insert(module, text);
        }
    }
    modules
}

/// `text` up to its first `#[cfg(test)]` module, without `//` comments.
fn code_outside_tests(text: &str) -> String {
    let mut code = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            let next = lines.peek().map_or("", |l| l.trim_start());
            let next = next.strip_prefix("pub(crate) ").unwrap_or(next);
            if next.starts_with("mod ") {
                break;
            }
        }
        if trimmed.starts_with("//") {
            continue;
        }
        code.push_str(line);
        code.push('\n');
    }
    code
}

/// For each module, the modules its code (outside tests and comments) names, with the paths
/// that name them.
fn edges(
    modules: &BTreeMap<Module, String>,
) -> BTreeMap<Module, BTreeMap<Module, BTreeSet<String>>> {
    let mut edges: BTreeMap<Module, BTreeMap<Module, BTreeSet<String>>> = BTreeMap::new();
    for (module, code) in modules {
        let parent: Vec<String> = match module.rsplit_once("::") {
            Some((parent, _)) => parent.split("::").map(str::to_string).collect(),
            None => Vec::new(),
        };
        for (base, path) in referenced_paths(&code_outside_tests(code)) {
            let mut full = if base == "crate" || module == "crate" {
                Vec::new()
            } else {
                parent.clone()
            };
            full.extend(path);
            let Some(target) = (1..=full.len())
                .rev()
                .map(|n| full[..n].join("::"))
                .find(|t| modules.contains_key(t))
            else {
                continue;
            };
            if let Some((from, to)) = siblings(module, &target) {
                edges
                    .entry(from)
                    .or_default()
                    .entry(to)
                    .or_default()
                    .insert(format!("{module} uses {}", full.join("::")));
            }
        }
    }
    edges
}

/// A use of `target` by `module` is a use of one child of their closest common ancestor by
/// another: `real::lock` using `detector::race` makes `real` depend on `detector`. `None` when
/// one module contains the other.
fn siblings(module: &str, target: &str) -> Option<(Module, Module)> {
    let path = |m: &str| -> Vec<String> {
        if m == "crate" {
            Vec::new()
        } else {
            m.split("::").map(str::to_string).collect()
        }
    };
    let (from, to) = (path(module), path(target));
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    if common == from.len() || common == to.len() {
        return None;
    }
    Some((from[..=common].join("::"), to[..=common].join("::")))
}

/// Every `crate::…`/`super::…` path in `code`, as its base and its segments, with the groups of
/// `use` trees (`crate::a::{b, c::d}`) spelled out.
fn referenced_paths(code: &str) -> Vec<(&'static str, Vec<String>)> {
    let mut found = Vec::new();
    for base in ["crate", "super"] {
        let needle = format!("{base}::");
        let mut from = 0;
        while let Some(at) = code[from..].find(&needle) {
            let start = from + at;
            from = start + needle.len();
            let before = code[..start].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            for path in expand_tree(&code[from..]) {
                found.push((base, path));
            }
        }
    }
    found
}

/// The paths a use tree starting at `text` names: `a::b` gives `[a, b]`, `a::{b, c::d}` gives
/// `[a, b]` and `[a, c, d]`.
fn expand_tree(text: &str) -> Vec<Vec<String>> {
    let mut prefix = Vec::new();
    let mut rest = text;
    loop {
        let ident_len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if ident_len > 0 {
            prefix.push(rest[..ident_len].to_string());
            rest = &rest[ident_len..];
            match rest.strip_prefix("::") {
                Some(after) => rest = after,
                None => return vec![prefix],
            }
        } else if let Some(inner) = rest.strip_prefix('{') {
            let Some(group) = matching_group(inner) else {
                return vec![prefix];
            };
            return split_top_level(group)
                .into_iter()
                .flat_map(|item| {
                    expand_tree(item.trim()).into_iter().map(|tail| {
                        let mut path = prefix.clone();
                        path.extend(tail.into_iter().filter(|s| s != "self"));
                        path
                    })
                })
                .collect();
        } else {
            return vec![prefix];
        }
    }
}

/// The text inside a `{…}` group whose opening brace precedes `inner`.
fn matching_group(inner: &str) -> Option<&str> {
    let mut depth = 1;
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&inner[..i]);
                }
            }
            _ => {}
        }
    }
    None
}

/// `group` split at its commas that are not inside nested braces.
fn split_top_level(group: &str) -> Vec<&str> {
    let (mut items, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&group[start..]);
    items.into_iter().filter(|s| !s.trim().is_empty()).collect()
}

/// The strongly connected groups of more than one module (Tarjan's algorithm).
fn cycles(edges: &BTreeMap<Module, BTreeMap<Module, BTreeSet<String>>>) -> Vec<Vec<Module>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<Module, BTreeMap<Module, BTreeSet<String>>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<Vec<Module>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            for w in self.edges.get(v).into_iter().flat_map(|t| t.keys()) {
                if !self.index.contains_key(w.as_str()) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w.as_str()]);
                    self.low.insert(v, low);
                } else if self.stack.contains(&w.as_str()) {
                    let low = self.low[v].min(self.index[w.as_str()]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let at = self
                    .stack
                    .iter()
                    .rposition(|m| *m == v)
                    .expect("on the stack");
                let group: Vec<Module> = self.stack.drain(at..).map(str::to_string).collect();
                if group.len() > 1 {
                    self.found.push(group);
                }
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.found
}

/// "checker/src: a → b (crate::b::x), b → a (super::a::g)".
fn describe(
    krate: &str,
    cycle: &[Module],
    edges: &BTreeMap<Module, BTreeMap<Module, BTreeSet<String>>>,
) -> String {
    let mut parts = Vec::new();
    for from in cycle {
        for (to, paths) in edges.get(from).into_iter().flatten() {
            if cycle.contains(to) {
                let paths: Vec<&str> = paths.iter().map(String::as_str).take(3).collect();
                parts.push(format!("{from} → {to} ({})", paths.join(", ")));
            }
        }
    }
    format!("{krate}: {}", parts.join("; "))
}
