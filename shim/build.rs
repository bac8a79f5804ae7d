//! Decides whether the shim's types are instrumented: under `--cfg conc_check` (what
//! `cargo conc-check` sets) or with the `model` feature. Emits `cfg(instrumented)` for the crate.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(instrumented)");
    println!("cargo::rerun-if-env-changed=CARGO_CFG_CONC_CHECK");
    let cfg = std::env::var_os("CARGO_CFG_CONC_CHECK").is_some();
    let feature = std::env::var_os("CARGO_FEATURE_MODEL").is_some();
    if cfg || feature {
        println!("cargo::rustc-cfg=instrumented");
    }
}
