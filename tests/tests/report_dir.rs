//! `CONC_CHECK_REPORT_DIR`: every exploration writes its report there as JSON, for
//! `cargo conc-check` to collect. A test binary of its own, because the variable is process-wide.

use conc_check::sync::atomic::{AtomicUsize, Ordering};
use conc_check::sync::Arc;
use conc_check::Builder;

#[test]
fn every_exploration_writes_one_report_file_named_after_the_test() {
    let dir = std::env::temp_dir().join(format!("conc-check-report-dir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::env::set_var("CONC_CHECK_REPORT_DIR", &dir);
    let lost_update = || {
        let n = Arc::new(AtomicUsize::new(0));
        let m = n.clone();
        let t = conc_check::thread::spawn(move || {
            let v = m.load(Ordering::SeqCst);
            m.store(v + 1, Ordering::SeqCst);
        });
        let v = n.load(Ordering::SeqCst);
        n.store(v + 1, Ordering::SeqCst);
        t.join().unwrap();
        assert_eq!(n.load(Ordering::SeqCst), 2, "an increment was lost");
    };
    let first = Builder::new().explore(lost_update);
    let second = Builder::new().iterations(3).explore(|| {});
    std::env::remove_var("CONC_CHECK_REPORT_DIR");

    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        2,
        "one file per exploration, no temporary left: {files:?}"
    );
    let test_name = "every_exploration_writes_one_report_file_named_after_the_test";
    let mut reports = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_str().unwrap();
        assert!(
            name.starts_with(&format!("{test_name}-{}-", std::process::id())),
            "{name}"
        );
        assert!(name.ends_with(".json"), "{name}");
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        assert_eq!(value["format"], "conc-check-report");
        assert_eq!(
            value["test"], test_name,
            "libtest names the thread after the test"
        );
        reports.push(value["report"].clone());
    }
    let (buggy, clean): (Vec<_>, Vec<_>) = reports
        .iter()
        .partition(|r| !r["findings"].as_array().unwrap().is_empty());
    let (buggy, clean) = (buggy[0], clean[0]);
    assert_eq!(buggy["findings"][0]["kind"], "panic");
    assert_eq!(buggy["executions"], first.executions);
    assert_eq!(buggy["schedule"].as_str(), first.schedule.as_deref());
    assert_eq!(clean["executions"], second.executions);
    std::fs::remove_dir_all(&dir).unwrap();
}
