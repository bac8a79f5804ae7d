//! The report formats, and writing each where it goes.

pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

use std::io::Write;
use std::path::Path;

use crate::args::Format;
use crate::outcome::RunResults;

/// The run in `format`.
pub fn render(format: Format, results: &RunResults) -> String {
    match format {
        Format::Human => human::render(results),
        Format::Json => json::render(results),
        Format::Sarif => sarif::render(results),
        Format::Junit => junit::render(results),
    }
}

/// Writes `text` to `path` (creating its directory), or to standard output.
pub fn write(text: &str, path: Option<&Path>) -> Result<(), String> {
    match path {
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|_| stdout.flush())
                .map_err(|e| format!("cannot write to standard output: {e}"))
        }
    }
}
