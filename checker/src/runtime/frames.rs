//! Stacks as the user reads them: return addresses captured cheaply where something happens,
//! resolved to source frames only when a finding explains it, and which of those frames are the
//! user's own code.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::describe::{std_relative, without_closures};
use crate::report::{SiteRole, SourceRef};

/// Frames kept of a captured stack: enough to reach the user's code from the waker clone that
/// takes it (about a dozen frames of the engine, the shim and a facade primitive even unoptimised),
/// and few enough to keep the capture cheap: unwinding costs per frame, and an async test pays it
/// on every poll that registers a waker (48 frames cost a third of the executions per second).
const CAPTURED_FRAMES: usize = 24;

/// The return addresses of the calling thread's stack, innermost first (at most
/// [`CAPTURED_FRAMES`]): cheap to take, resolved later with [`resolve`] if a finding needs it.
pub(crate) fn capture() -> Vec<usize> {
    let mut ips = Vec::with_capacity(CAPTURED_FRAMES);
    backtrace::trace(|frame| {
        ips.push(frame.ip() as usize);
        ips.len() < CAPTURED_FRAMES
    });
    ips
}

/// One resolved frame.
#[derive(Clone, Debug)]
pub(crate) struct Frame {
    /// The function, demangled without its hash.
    pub function: String,
    /// Its source file, relative to the workspace root when inside it.
    pub file: Option<String>,
    /// Its line.
    pub line: Option<u32>,
    /// Its column.
    pub column: Option<u32>,
}

impl Frame {
    /// Whether this frame is the user's code (not std, the engine, the shim or the runtime).
    pub(crate) fn is_user(&self) -> bool {
        const NOT_USER: &[&str] = &[
            "std::",
            "core::",
            "alloc::",
            "conc_check_engine::",
            "conc_check::",
            "conc_check_tokio::",
            "corosensei::",
            "backtrace::",
            "__",
            "_start",
            "start_thread",
            "clone",
            "syscall",
            "test::",
        ];
        let name = self.function.trim_start_matches('<');
        if NOT_USER.iter().any(|p| name.starts_with(p)) {
            return false;
        }
        match &self.file {
            Some(file) => {
                !file.starts_with("library/")
                    && !file.starts_with("/rustc/")
                    && !file.contains("/.cargo/registry/")
            }
            None => false,
        }
    }

    /// The function's name without the `::{{closure}}` an `async` block or closure adds.
    pub(crate) fn function_without_closures(&self) -> &str {
        without_closures(&self.function)
    }

    pub(crate) fn place(&self) -> String {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => format!("{} ({file}:{line})", self.function),
            _ => self.function.clone(),
        }
    }

    pub(crate) fn source(&self, label: String) -> Option<SourceRef> {
        Some(SourceRef {
            file: self.file.clone()?,
            line: self.line?,
            column: self.column.unwrap_or(1),
            role: SiteRole::Stuck,
            thread: None,
            label,
        })
    }
}

/// Resolves instruction addresses to frames, innermost first (inlined frames included).
pub(crate) fn resolve(ips: &[usize]) -> Vec<Frame> {
    let mut frames = Vec::new();
    for (i, ip) in ips.iter().enumerate() {
        // A return address points after the call; look up the call itself. The first address is
        // the interrupted instruction.
        let at = if i == 0 { *ip } else { ip.saturating_sub(1) };
        let mut found = false;
        backtrace::resolve(at as *mut std::ffi::c_void, |symbol| {
            found = true;
            let function = symbol
                .name()
                .map(|n| format!("{n:#}"))
                .unwrap_or_else(|| format!("{at:#x}"));
            frames.push(Frame {
                function,
                file: symbol.filename().map(relative),
                line: symbol.lineno(),
                column: symbol.colno(),
            });
        });
        if !found {
            frames.push(Frame {
                function: format!("{at:#x}"),
                file: None,
                line: None,
                column: None,
            });
        }
    }
    frames
}

/// The workspace root the compiler's paths are relative to: the nearest directory above the
/// current one that holds a `Cargo.lock`, else the current directory.
fn workspace_root() -> Option<&'static Path> {
    static ROOT: OnceLock<Option<PathBuf>> = OnceLock::new();
    ROOT.get_or_init(|| {
        let cwd = std::env::current_dir().ok()?;
        let root = cwd
            .ancestors()
            .find(|d| d.join("Cargo.lock").is_file())
            .unwrap_or(&cwd);
        Some(root.to_path_buf())
    })
    .as_deref()
}

/// A debug-info path, relative to the workspace root when it is inside it; std's own sources
/// (`/rustc/<commit>/library/…`) are shortened to `library/…`.
fn relative(path: &Path) -> String {
    if path.starts_with("/rustc") {
        return std_relative(&path.display().to_string()).to_string();
    }
    workspace_root()
        .and_then(|root| path.strip_prefix(root).ok())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A frame of `function` in `file` at line 3, for tests.
#[cfg(test)]
pub(crate) fn frame(function: &str, file: Option<&str>) -> Frame {
    Frame {
        function: function.into(),
        file: file.map(str::to_string),
        line: Some(3),
        column: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn std_paths_are_shortened() {
        assert_eq!(
            relative(Path::new("/rustc/5980761/library/std/src/sync/mutex.rs")),
            "library/std/src/sync/mutex.rs"
        );
    }

    #[test]
    fn user_frames_are_told_from_std_and_the_engine() {
        assert!(frame("my_crate::spin", Some("src/lib.rs")).is_user());
        assert!(!frame(
            "std::sync::poison::mutex::Mutex<T>::lock",
            Some("/rustc/x/mutex.rs")
        )
        .is_user());
        assert!(!frame("dlmalloc", Some("library/std/src/x.rs")).is_user());
        assert!(!frame("<conc_check_engine::x as y>::z", Some("checker/src/x.rs")).is_user());
        assert!(!frame("my_crate::spin", None).is_user());
        assert!(!frame("serde::de", Some("/home/u/.cargo/registry/src/serde/de.rs")).is_user());
    }

    #[test]
    fn a_captured_stack_resolves_to_this_test() {
        let frames = resolve(&capture());
        assert!(
            frames.iter().any(|f| f
                .function
                .contains("a_captured_stack_resolves_to_this_test")),
            "{frames:#?}"
        );
    }
}
