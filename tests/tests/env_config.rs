//! `Builder::new()` reads `CONC_CHECK_*` variables; bad values name the variable. This file is
//! its own process, so changing the environment here cannot disturb other tests.

#[test]
fn unknown_strategy_names_the_variable_and_the_choices() {
    std::env::set_var("CONC_CHECK_STRATEGY", "breadth-first");
    let err = std::panic::catch_unwind(conc_check::Builder::new).unwrap_err();
    std::env::remove_var("CONC_CHECK_STRATEGY");
    let message = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("CONC_CHECK_STRATEGY"), "{message}");
    assert!(
        message.contains("`dfs`")
            && message.contains("`random`")
            && message.contains("`race`")
            && message.contains("`pct`"),
        "{message}"
    );

    std::env::set_var("CONC_CHECK_ITERATIONS", "250");
    std::env::set_var("CONC_CHECK_SEED", "9");
    let builder = conc_check::Builder::new();
    std::env::remove_var("CONC_CHECK_ITERATIONS");
    std::env::remove_var("CONC_CHECK_SEED");
    assert_eq!(builder.config().iterations, 250);
    assert_eq!(builder.config().seed, 9);
}
