//! The name the user gave an object, read from the line that created it: `a` in
//! `let a = Arc::new(Mutex::new(0));`, `lock` in `Shared { lock: Mutex::new(()) }`, `TABLE`
//! in `static TABLE: Mutex<…> = Mutex::new(…)`.
//!
//! Findings name objects by their creation site; where that line shows a variable, the name
//! reads better than a line number and matches the user's code. The source is read when a
//! finding is written (never on the hot path), relative to the workspace root as the compiler
//! saw it, and cached. A line that does not show one name (a tuple, an argument, a constructor
//! in a helper) gives none.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use crate::event::Site;

type Lines = Option<Arc<Vec<String>>>;

/// How a name was found.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Binding {
    /// The constructor's value is bound to it directly (`let a = Mutex::new(0)`).
    Direct,
    /// The constructor is somewhere inside the statement that binds it (`let forks = …map(|_|
    /// Mutex::new(0))…`): every object made there shares the name.
    Statement,
}

/// The variable (or field, or static) the object created at `site` was bound to, if the line
/// shows it, and how.
pub(crate) fn variable_at(site: Site) -> Option<(String, Binding)> {
    let lines = source_lines(site.file())?;
    let line = lines.get(site.line().checked_sub(1)? as usize)?;
    let column = (site.column().saturating_sub(1) as usize).min(line.len());
    match binding_before(line.get(..column)?) {
        Some(name) => Some((name, Binding::Direct)),
        None => statement_binding(line).map(|name| (name, Binding::Statement)),
    }
}

/// The name a `let` or `static` statement binds, for an object created somewhere inside its
/// expression (`let forks = (0..5).map(|_| Mutex::new(0)).collect();` names each fork `forks`).
fn statement_binding(line: &str) -> Option<String> {
    let rest = line.trim_start();
    let rest = rest
        .strip_prefix("let ")
        .or_else(|| rest.strip_prefix("static "))
        .or_else(|| rest.strip_prefix("pub static "))?;
    let rest = rest.trim_start();
    let rest = rest.strip_prefix("mut ").unwrap_or(rest).trim_start();
    let end = rest.find(|c: char| !is_ident_char(c)).unwrap_or(rest.len());
    let name = &rest[..end];
    let after = rest[end..].trim_start();
    if !(after.starts_with('=') || after.starts_with(':')) {
        return None;
    }
    last_ident(name)
}

fn source_lines(file: &'static str) -> Lines {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Lines>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    cache
        .entry(file)
        .or_insert_with(|| {
            let path = resolve(file)?;
            let text = std::fs::read_to_string(path).ok()?;
            Some(Arc::new(text.lines().map(str::to_string).collect()))
        })
        .clone()
}

/// A source file named as the compiler saw it (relative to the workspace root, which is the
/// current directory or one of its ancestors), as a path that can be read from here.
pub(crate) fn resolve(file: &str) -> Option<PathBuf> {
    let direct = std::path::Path::new(file);
    if direct.is_absolute() {
        return direct.is_file().then(|| direct.to_path_buf());
    }
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors()
        .map(|dir| dir.join(file))
        .find(|candidate| candidate.is_file())
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The name bound by the code before a constructor call: `let [mut] x[: T] =`, `x: ` (a field
/// in a struct literal), `static X: T =`, `x =`; looking through wrappers such as `Arc::new(`.
fn binding_before(prefix: &str) -> Option<String> {
    let mut s = prefix.trim_end();
    // Wrappers around the constructor: `Arc::new(`, `Box::new(`, `Some(`, `&`.
    loop {
        if let Some(rest) = s.strip_suffix('(') {
            s = rest
                .trim_end_matches(|c: char| is_ident_char(c) || c == ':' || c == '<' || c == '>')
                .trim_end();
        } else if let Some(rest) = s.strip_suffix('&') {
            s = rest.trim_end();
        } else {
            break;
        }
    }
    if let Some(lhs) = s.strip_suffix('=') {
        if lhs.ends_with(['=', '!', '<', '>', '+', '-', '*', '/']) {
            return None;
        }
        // Drop a type annotation: the last single `:` (not part of `::`).
        let lhs = lhs.trim_end();
        let lhs = match single_colon(lhs) {
            Some(at) => &lhs[..at],
            None => lhs,
        };
        return last_ident(lhs);
    }
    if let Some(field) = s.strip_suffix(':') {
        if field.ends_with(':') {
            return None;
        }
        return last_ident(field);
    }
    None
}

/// The position of the last `:` that is not part of a `::`.
fn single_colon(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    (0..bytes.len()).rev().find(|&i| {
        bytes[i] == b':'
            && (i == 0 || bytes[i - 1] != b':')
            && bytes.get(i + 1).is_none_or(|b| *b != b':')
    })
}

/// The identifier at the end of `s` (after `let`, `mut`, `static`, `self.`), if `s` ends
/// with one and it is the only thing bound there.
fn last_ident(s: &str) -> Option<String> {
    let s = s.trim_end();
    let start = s
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_ident_char(*c))
        .last()
        .map(|(i, _)| i)?;
    let name = &s[start..];
    let before = s[..start].trim_end();
    if name.is_empty()
        || name.starts_with(|c: char| c.is_ascii_digit())
        || before.ends_with(',')
        || before.ends_with('(')
        || ["_", "let", "mut", "static", "const", "ref"].contains(&name)
    {
        return None;
    }
    Some(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_from_the_binding() {
        let cases = [
            ("    let a = Arc::new(", Some("a")),
            ("    let mut counter = ", Some("counter")),
            ("    let b: Arc<Mutex<u8>> = Arc::new(", Some("b")),
            ("        lock: ", Some("lock")),
            ("static TABLE: Mutex<Vec<u8>> = ", Some("TABLE")),
            ("    self.state = Box::new(", Some("state")),
            ("    let (a, b) = (", None),
            ("    let (a, b) = (Mutex::new(0), ", None),
            ("    takes(", None),
            ("    if x == ", None),
            ("    Foo::", None),
            ("    let _ = ", None),
            ("", None),
        ];
        for (prefix, expected) in cases {
            assert_eq!(binding_before(prefix).as_deref(), expected, "{prefix:?}");
        }
    }

    #[test]
    fn an_object_inside_a_statement_takes_its_binding() {
        let cases = [
            ("    let forks: Arc<Vec<Mutex<u32>>> = Arc::new((0..5).map(|_| Mutex::new(0)).collect());", Some("forks")),
            ("    let mut pool = make(|| Mutex::new(0));", Some("pool")),
            ("static LOCKS: [Mutex<u8>; 2] = [Mutex::new(0), Mutex::new(1)];", Some("LOCKS")),
            ("    let (a, b) = (Mutex::new(0), Mutex::new(0));", None),
            ("    takes(Mutex::new(0));", None),
        ];
        for (line, expected) in cases {
            assert_eq!(statement_binding(line).as_deref(), expected, "{line:?}");
        }
    }

    #[test]
    fn this_file_names_its_own_variable() {
        #[track_caller]
        fn site() -> Site {
            std::panic::Location::caller()
        }
        let my_lock = site();
        assert_eq!(
            variable_at(my_lock),
            Some(("my_lock".to_string(), Binding::Direct))
        );
    }
}
