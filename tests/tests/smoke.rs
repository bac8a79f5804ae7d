//! Smoke tests of the model runtime.
use conc_check::sync::{Arc, Mutex};
use conc_check::{thread, Builder, FindingKind, Strategy};

#[test]
fn mutex_counter_dfs_completes() {
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let m = Arc::new(Mutex::new(0));
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let m = m.clone();
                thread::spawn(move || *m.lock().unwrap() += 1)
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(*m.lock().unwrap(), 2);
    });
    println!("{report}");
    assert!(report.findings.is_empty());
    assert!(report.complete);
}

#[test]
fn abba_deadlock() {
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let a = Arc::new(Mutex::new(()));
        let b = Arc::new(Mutex::new(()));
        let (a2, b2) = (a.clone(), b.clone());
        let t = thread::spawn(move || {
            let _x = b2.lock().unwrap();
            let _y = a2.lock().unwrap();
        });
        {
            let _x = a.lock().unwrap();
            let _y = b.lock().unwrap();
        }
        t.join().unwrap();
    });
    println!("{report}");
    assert_eq!(report.kinds(), vec![FindingKind::Deadlock]);
}

#[test]
fn assertion_panic() {
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let m = Arc::new(Mutex::new(0));
        let m2 = m.clone();
        let t = thread::spawn(move || *m2.lock().unwrap() = 1);
        assert_eq!(*m.lock().unwrap(), 0, "the other thread ran first");
        t.join().unwrap();
    });
    println!("{report}");
    assert_eq!(report.kinds(), vec![FindingKind::Panic]);
}
