//! Stacks in reports: captured unresolved where a report may need them, resolved only when
//! printed, and cut down to the user's frames.

use backtrace::Backtrace;

/// Frames of conc-check itself, the standard library and the runtime start-up, which say
/// nothing about the user's code.
const NOISE: [&str; 14] = [
    "backtrace::",
    "conc_check_engine::",
    "conc_check::",
    "std::",
    "core::",
    "alloc::",
    "<std::",
    "<core::",
    "<alloc::",
    "__rust",
    "_start",
    "__libc_start",
    "start_thread",
    "clone",
];

/// Frames shown per stack.
const MAX_FRAMES: usize = 8;

/// The user's frames of `stack`, innermost first: `function (file:line)`.
pub(crate) fn user_frames(stack: &Backtrace) -> Vec<String> {
    let mut stack = stack.clone();
    stack.resolve();
    let mut out = Vec::new();
    for frame in stack.frames() {
        for symbol in frame.symbols() {
            let Some(name) = symbol.name().map(|n| format!("{n:#}")) else {
                continue;
            };
            let shim = name.starts_with("<&") && name.contains("core::");
            if shim || name == "main" || NOISE.iter().any(|p| name.starts_with(p)) {
                continue;
            }
            let place = match (symbol.filename(), symbol.lineno()) {
                (Some(file), Some(line)) => format!(" ({}:{line})", short_path(file)),
                _ => String::new(),
            };
            out.push(format!("{name}{place}"));
            if out.len() == MAX_FRAMES {
                return out;
            }
        }
    }
    out
}

/// A path relative to the current directory when it is under it.
fn short_path(file: &std::path::Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| {
            cwd.ancestors()
                .find_map(|dir| file.strip_prefix(dir).ok().map(|p| p.display().to_string()))
        })
        .unwrap_or_else(|| file.display().to_string())
}
