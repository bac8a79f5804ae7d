//! Helpers for the unit tests.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// The official SARIF 2.1.0 JSON schema, as the `serde-sarif` crate (a dev-dependency) ships
/// it in its package (`src/schema.json`); found through `cargo metadata`.
pub fn sarif_schema() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
    let manifest = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "serde-sarif")
        .and_then(|p| p["manifest_path"].as_str())
        .expect("serde-sarif is a dev-dependency");
    let path = PathBuf::from(manifest)
        .parent()
        .unwrap()
        .join("src/schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        schema["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    );
    fix_language_pattern(schema)
}

/// The schema as shipped has a stray `]` in the `pattern` of the two `language` properties
/// (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`), which is not a valid ECMA 262 regex, so a
/// strict validator refuses to compile the schema. It is replaced by the pattern of the OASIS
/// schema (`^[a-zA-Z]{2}(-[a-zA-Z]{2})?$`); nothing else is touched, and conc-check's SARIF has
/// no `language` property anyway.
fn fix_language_pattern(mut schema: Value) -> Value {
    const BROKEN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    const OASIS: &str = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$";
    let mut fixed = 0;
    for definition in ["run", "toolComponent"] {
        let pattern = &mut schema["definitions"][definition]["properties"]["language"]["pattern"];
        if pattern == BROKEN {
            *pattern = Value::from(OASIS);
            fixed += 1;
        }
    }
    assert!(fixed <= 2);
    schema
}
