//! Talking to cargo: where the workspace and its target directory are, and building the test
//! binaries under `--cfg conc_check` into a target directory of conc-check's own.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::args::BuildArgs;

/// The workspace being checked.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The cargo to run (`$CARGO` when cargo started us).
    pub cargo: String,
    /// Where the command was started; cargo runs from here, so package selection is cargo's.
    pub invocation_dir: PathBuf,
    /// The workspace root: source paths in reports are relative to it.
    pub root: PathBuf,
    /// The workspace's own target directory: the checking build shares it with the normal
    /// build, so every crate the cfg cannot change is compiled once for both.
    pub target_dir: PathBuf,
    /// Where conc-check keeps its own files (reports) inside the target directory.
    pub own_dir: PathBuf,
    /// Package names by manifest path.
    packages: HashMap<PathBuf, String>,
    /// The crates that get `--cfg conc_check`: the shim's, and every crate that depends on it.
    cfg_crates: Vec<String>,
}

/// One test executable cargo built.
#[derive(Debug, Clone)]
pub struct TestBinary {
    /// The package it belongs to.
    pub package: String,
    /// The cargo target, e.g. `demo` for tests/demo.rs.
    pub target: String,
    /// The target kind: `lib`, `bin`, `test`, `example`, `bench`.
    pub kind: String,
    /// Where it is.
    pub path: PathBuf,
    /// The package's directory: cargo runs tests there, and so do we.
    pub manifest_dir: PathBuf,
}

impl TestBinary {
    /// A short, stable name: `package` for unit tests of the library, `package::target` for
    /// integration tests, `package::kind::target` for the rest.
    pub fn label(&self) -> String {
        match self.kind.as_str() {
            "lib" | "proc-macro" | "rlib" | "dylib" | "cdylib" | "staticlib" => {
                self.package.clone()
            }
            "test" => format!("{}::{}", self.package, self.target),
            kind => format!("{}::{kind}::{}", self.package, self.target),
        }
    }
}

/// The cargo to run: `$CARGO` when cargo started us, else `cargo` on the path.
pub fn cargo_program() -> String {
    std::env::var("CARGO")
        .ok()
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "cargo".to_string())
}

/// Asks `cargo metadata` where the workspace and its target directory are.
pub fn workspace(build: &BuildArgs) -> Result<Workspace, String> {
    let cargo = cargo_program();
    let invocation_dir =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let mut cmd = Command::new(&cargo);
    cmd.args(["metadata", "--format-version", "1"]);
    if let Some(manifest) = &build.manifest_path {
        cmd.arg("--manifest-path").arg(manifest);
    }
    let output = cmd
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("could not run `{cargo} metadata`: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo metadata` failed (is this a cargo project?):\n{}",
            String::from_utf8_lossy(&output.stderr).trim_end()
        ));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("`cargo metadata` printed something unexpected: {e}"))?;
    let text = |key: &str| {
        metadata[key]
            .as_str()
            .map(PathBuf::from)
            .ok_or_else(|| format!("`cargo metadata` did not say `{key}`"))
    };
    let root = text("workspace_root")?;
    let target_dir = text("target_directory")?;
    let own_dir = target_dir.join("conc-check");
    let packages = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some((
                PathBuf::from(p["manifest_path"].as_str()?),
                p["name"].as_str()?.to_string(),
            ))
        })
        .collect();
    let cfg_crates = crate::cfg_crates::crates_that_see_the_cfg(&metadata);
    Ok(Workspace {
        cargo,
        invocation_dir,
        root,
        target_dir,
        own_dir,
        packages,
        cfg_crates,
    })
}

/// `cargo test` with the package selection, features and profile of `build`, into conc-check's
/// target directory, with `--cfg conc_check` added to the compiler flags.
fn cargo_test(ws: &Workspace, build: &BuildArgs) -> Command {
    cargo_command(ws, build, "test")
}

/// `cargo <subcommand>` with the options of `build`, as [`cargo_test`] describes.
fn cargo_command(ws: &Workspace, build: &BuildArgs, subcommand: &str) -> Command {
    let mut cmd = Command::new(&ws.cargo);
    cmd.current_dir(&ws.invocation_dir)
        .arg(subcommand)
        .arg("--target-dir")
        .arg(&ws.target_dir);
    if let Some(manifest) = &build.manifest_path {
        cmd.arg("--manifest-path").arg(manifest);
    }
    for p in &build.packages {
        cmd.arg("--package").arg(p);
    }
    if build.workspace {
        cmd.arg("--workspace");
    }
    for f in &build.features {
        cmd.arg("--features").arg(f);
    }
    if build.all_features {
        cmd.arg("--all-features");
    }
    if build.no_default_features {
        cmd.arg("--no-default-features");
    }
    if build.release {
        cmd.arg("--release");
    }
    if let Some(jobs) = build.jobs {
        cmd.arg("--jobs").arg(jobs.to_string());
    }
    if build.quiet {
        cmd.arg("--quiet");
    }
    add_user_cfgs(&mut cmd, &build.cfgs);
    add_cfg(&mut cmd, &ws.cfg_crates);
    cmd
}

/// Adds the user's `--cfg` options to every crate, where cargo will read them: to
/// `CARGO_ENCODED_RUSTFLAGS` or `RUSTFLAGS` when the user set one (which then replaces the
/// configuration's flags anyway; the encoded one wins), else as `build.rustflags` on the
/// command line, which cargo appends to the configuration's own `build.rustflags`. (A
/// configuration's `target.<triple>.rustflags` would take precedence over that: README says
/// to give the cfg there instead.)
fn add_user_cfgs(cmd: &mut Command, cfgs: &[String]) {
    if cfgs.is_empty() {
        return;
    }
    let flags: Vec<String> = cfgs
        .iter()
        .flat_map(|c| ["--cfg".to_string(), c.clone()])
        .collect();
    if let Ok(theirs) = std::env::var("CARGO_ENCODED_RUSTFLAGS") {
        cmd.env("CARGO_ENCODED_RUSTFLAGS", encoded_with(&theirs, &flags));
        return;
    }
    match std::env::var("RUSTFLAGS") {
        Ok(theirs) => {
            cmd.env("RUSTFLAGS", format!("{theirs} {}", flags.join(" ")).trim());
        }
        Err(_) => {
            let quoted: Vec<String> = flags.iter().map(|f| format!("{f:?}")).collect();
            cmd.arg("--config")
                .arg(format!("build.rustflags=[{}]", quoted.join(", ")));
        }
    }
}

/// `CARGO_ENCODED_RUSTFLAGS` value `theirs` (flags separated by `0x1f`) with `flags` added.
fn encoded_with(theirs: &str, flags: &[String]) -> String {
    theirs
        .split('\u{1f}')
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .chain(flags.iter().cloned())
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

/// Has rustc get `--cfg conc_check` for the crates that can see it, by making this program
/// cargo's `RUSTC_WRAPPER` (see [`crate::wrapper`]). Setting `RUSTFLAGS` instead would replace
/// the flags of the user's `.cargo/config.toml` (`build.rustflags`, `target.*.rustflags`) and
/// change every crate's build; a wrapper keeps the user's flags, chains to a wrapper the user
/// set in `RUSTC_WRAPPER` (sccache), and leaves every other crate as the normal build has it.
fn add_cfg(cmd: &mut Command, cfg_crates: &[String]) {
    let me = std::env::current_exe().ok();
    let theirs = std::env::var_os("RUSTC_WRAPPER")
        .filter(|w| !w.is_empty())
        .filter(|w| me.as_deref().map(|m| m.as_os_str()) != Some(w.as_os_str()))
        .unwrap_or_default();
    match me {
        Some(me) => {
            cmd.env("RUSTC_WRAPPER", me)
                .env(crate::wrapper::INNER_VARIABLE, theirs)
                .env(crate::wrapper::CRATES_VARIABLE, cfg_crates.join(","));
        }
        None => {
            // Without our own path, fall back to the flags variable cargo reads.
            let flags = std::env::var("RUSTFLAGS").unwrap_or_default();
            cmd.env("RUSTFLAGS", format!("{flags} --cfg conc_check").trim());
        }
    }
}

/// Builds the test binaries (`cargo test --no-run`) and returns them. A build failure is an
/// error: the compiler's diagnostics have gone to standard error already.
pub fn build_tests(ws: &Workspace, build: &BuildArgs) -> Result<Vec<TestBinary>, String> {
    let mut cmd = cargo_test(ws, build);
    cmd.args(["--no-run", "--message-format", "json-render-diagnostics"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("could not run `{} test`: {e}", ws.cargo))?;
    let mut binaries: Vec<TestBinary> = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(binary) = ws.test_binary(&line) {
                if !binaries.iter().any(|b| b.path == binary.path) {
                    binaries.push(binary);
                }
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("`cargo test --no-run` did not finish: {e}"))?;
    if !status.success() {
        return Err(
            "the tests did not build under --cfg conc_check (the compiler's messages are above)"
                .into(),
        );
    }
    binaries.sort_by_key(TestBinary::label);
    Ok(binaries)
}

/// One program `cargo build` built.
#[derive(Debug, Clone)]
pub struct Program {
    /// The bin target's name.
    pub name: String,
    /// Where it is.
    pub path: PathBuf,
}

/// Builds the bin targets of the selected packages (only `bin` when given) under
/// `--cfg conc_check` and returns them. A build failure is an error: the compiler's
/// diagnostics have gone to standard error already.
pub fn build_bins(
    ws: &Workspace,
    build: &BuildArgs,
    bin: Option<&str>,
) -> Result<Vec<Program>, String> {
    let mut cmd = cargo_command(ws, build, "build");
    match bin {
        Some(name) => cmd.arg("--bin").arg(name),
        None => cmd.arg("--bins"),
    };
    cmd.args(["--message-format", "json-render-diagnostics"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("could not run `{} build`: {e}", ws.cargo))?;
    let mut programs: Vec<Program> = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let Ok(message) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            if message["reason"] != "compiler-artifact" || message["target"]["kind"][0] != "bin" {
                continue;
            }
            let (Some(name), Some(path)) = (
                message["target"]["name"].as_str(),
                message["executable"].as_str(),
            ) else {
                continue;
            };
            programs.push(Program {
                name: name.to_string(),
                path: PathBuf::from(path),
            });
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("`cargo build` did not finish: {e}"))?;
    if !status.success() {
        return Err(
            "the program did not build under --cfg conc_check (the compiler's messages are above)"
                .into(),
        );
    }
    Ok(programs)
}

impl Workspace {
    /// The test binary a `compiler-artifact` message describes, if it is one.
    fn test_binary(&self, line: &str) -> Option<TestBinary> {
        let message: Value = serde_json::from_str(line).ok()?;
        if message["reason"] != "compiler-artifact" || message["profile"]["test"] != true {
            return None;
        }
        let path = PathBuf::from(message["executable"].as_str()?);
        let manifest_path = PathBuf::from(message["manifest_path"].as_str()?);
        let package = self
            .packages
            .get(&manifest_path)
            .cloned()
            .or_else(|| package_name_from_id(message["package_id"].as_str()?))?;
        Some(TestBinary {
            package,
            target: message["target"]["name"].as_str()?.to_string(),
            kind: message["target"]["kind"][0]
                .as_str()
                .unwrap_or("test")
                .to_string(),
            manifest_dir: manifest_path.parent().unwrap_or(Path::new(".")).into(),
            path,
        })
    }
}

/// The package name in a package id: `path+file:///x/y#name@0.1.0`, `path+file:///x/name#0.1.0`
/// or the old `name 0.1.0 (path+file:///x)`.
fn package_name_from_id(id: &str) -> Option<String> {
    if let Some((_, fragment)) = id.rsplit_once('#') {
        if let Some((name, _)) = fragment.split_once('@') {
            return Some(name.to_string());
        }
        let path = id.split_once('#')?.0;
        return path.rsplit('/').next().map(str::to_string);
    }
    id.split_whitespace().next().map(str::to_string)
}

/// The environment cargo gives a test it runs, which a test may read at run time.
pub fn test_environment(ws: &Workspace, binary: &TestBinary) -> Vec<(String, String)> {
    let mut env = vec![
        ("CARGO".to_string(), ws.cargo.clone()),
        (
            "CARGO_MANIFEST_DIR".to_string(),
            binary.manifest_dir.display().to_string(),
        ),
        ("CARGO_PKG_NAME".to_string(), binary.package.clone()),
        (
            "CARGO_CRATE_NAME".to_string(),
            binary.target.replace('-', "_"),
        ),
    ];
    // Dynamic libraries built alongside (dylib dependencies) are found the way cargo finds them.
    if let Some(deps) = binary.path.parent() {
        let variable = if cfg!(target_os = "macos") {
            "DYLD_FALLBACK_LIBRARY_PATH"
        } else if cfg!(windows) {
            "PATH"
        } else {
            "LD_LIBRARY_PATH"
        };
        let mut paths = vec![deps.to_path_buf()];
        if let Some(profile) = deps.parent() {
            paths.push(profile.to_path_buf());
        }
        if let Some(existing) = std::env::var_os(variable) {
            paths.extend(std::env::split_paths(&existing));
        }
        if let Ok(joined) = std::env::join_paths(paths) {
            env.push((variable.to_string(), joined.to_string_lossy().into_owned()));
        }
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_from_ids() {
        assert_eq!(
            package_name_from_id("path+file:///w/corpus#conc-check-corpus@0.1.0").as_deref(),
            Some("conc-check-corpus")
        );
        assert_eq!(
            package_name_from_id("path+file:///w/fixture#0.1.0").as_deref(),
            Some("fixture")
        );
        assert_eq!(
            package_name_from_id("fixture 0.1.0 (path+file:///w/fixture)").as_deref(),
            Some("fixture")
        );
    }

    #[test]
    fn user_cfgs_join_encoded_rustflags() {
        let flags = ["--cfg".to_string(), "loom".to_string()];
        assert_eq!(
            encoded_with("-Ctarget-cpu=native\u{1f}--cfg\u{1f}x", &flags),
            "-Ctarget-cpu=native\u{1f}--cfg\u{1f}x\u{1f}--cfg\u{1f}loom"
        );
        assert_eq!(encoded_with("", &flags), "--cfg\u{1f}loom");
    }
}
