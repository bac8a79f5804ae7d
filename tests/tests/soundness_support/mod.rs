//! What the partial-order reduction property tests share: the program generator's random
//! source and the seeds to run.

/// A tiny deterministic generator (xorshift64*), so the tests need no dependency.
pub struct Gen(u64);

impl Gen {
    /// The generator for program number `seed`.
    pub fn for_seed(seed: u64) -> Self {
        Gen(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

/// The preemption bound both searches run under: `CONC_CHECK_SOUNDNESS_BOUND` (none by
/// default). A bounded reduced search must reach every final state the bounded plain one does.
pub fn bound() -> Option<usize> {
    std::env::var("CONC_CHECK_SOUNDNESS_BOUND")
        .ok()
        .and_then(|v| v.parse().ok())
}

/// The seeds to run: `0..CONC_CHECK_SOUNDNESS_SEEDS` (40 by default, what CI runs), or only
/// `CONC_CHECK_SOUNDNESS_SEED` among them, to rerun one program.
pub struct Seeds {
    /// How many programs.
    pub count: u64,
    /// The one program to rerun, if any.
    pub only: Option<u64>,
}

impl Seeds {
    /// The seeds the environment asks for.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
        Seeds {
            count: var("CONC_CHECK_SOUNDNESS_SEEDS").unwrap_or(40),
            only: var("CONC_CHECK_SOUNDNESS_SEED"),
        }
    }

    /// Half as many programs (a rerun of one stays that one).
    pub fn halved(&self) -> Self {
        Seeds {
            count: self.count.div_ceil(2),
            only: self.only,
        }
    }

    /// The seeds, in order.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.count).filter(|seed| self.only.is_none_or(|o| o == *seed))
    }
}

/// The most executions the reduced search may take where the plain one took `plain`: no more
/// without a bound. Under a bound `Strategy::Dfs` first runs the unbounded search with sleep
/// sets; once it has gone past the bound it runs alone for as many executions again (at most
/// `GRACE`, 64, `checker/src/strategy/bounded.rs`, not reachable from here), then shares the
/// executions with the exact bounded search (two for the exact one, one for it) until either
/// finishes. What the unbounded search ran comes on top of the exact search's count, and on
/// tiny programs it can exceed what reduction saves.
/// Twice the plain count plus that grace bounds it on every generated program so far (300 of
/// each file at bounds 2 and 3).
pub fn allowed_executions(plain: u64, bound: Option<usize>) -> u64 {
    const GRACE: u64 = 64;
    match bound {
        None => plain,
        Some(_) => 2 * plain + GRACE,
    }
}

/// The final states an exploration reached. With several workers (`Builder::workers`, which
/// are processes) each execution appends its state to a file named after its process, in a
/// directory of the collection's own that is removed when it is dropped; with one, a set in
/// memory.
pub struct FinalStates {
    memory: std::sync::Arc<std::sync::Mutex<std::collections::BTreeSet<Vec<usize>>>>,
    dir: Option<std::path::PathBuf>,
}

impl FinalStates {
    /// An empty collection for an exploration on `workers` workers.
    pub fn for_workers(workers: usize) -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = (workers > 1).then(|| {
            let dir = std::env::temp_dir().join(format!(
                "conc-check-states-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&dir).expect("a directory for final states");
            dir
        });
        FinalStates {
            memory: Default::default(),
            dir,
        }
    }

    /// What an execution calls with its final state.
    pub fn recorder(&self) -> impl Fn(Vec<usize>) + Send + Sync + 'static {
        let (memory, dir) = (self.memory.clone(), self.dir.clone());
        move |state: Vec<usize>| {
            use std::io::Write;
            let Some(dir) = &dir else {
                memory.lock().unwrap().insert(state);
                return;
            };
            let line: Vec<String> = state.iter().map(usize::to_string).collect();
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.join(std::process::id().to_string()))
                .expect("the process's state file");
            writeln!(file, "{}", line.join(",")).expect("a state written");
        }
    }

    /// Every state recorded, by any process.
    pub fn collect(&self) -> std::collections::BTreeSet<Vec<usize>> {
        let Some(dir) = &self.dir else {
            return self.memory.lock().unwrap().clone();
        };
        let mut states = std::collections::BTreeSet::new();
        for entry in std::fs::read_dir(dir).expect("the state directory") {
            let text = std::fs::read_to_string(entry.expect("an entry").path()).expect("a file");
            for line in text.lines() {
                let state = line
                    .split(',')
                    .filter(|v| !v.is_empty())
                    .map(|v| v.parse().expect("a number"))
                    .collect();
                states.insert(state);
            }
        }
        states
    }
}

impl Drop for FinalStates {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The split DFS on two worker processes must reach exactly the final states and findings of
/// one worker on every program `explore(seed, workers)` runs (which should share work from the
/// first execution on, `Builder::share_work_after(1)`, so that even small programs are split).
pub fn compare_workers(
    seeds: &Seeds,
    explore: impl Fn(u64, usize) -> (std::collections::BTreeSet<Vec<usize>>, conc_check::Report),
) {
    let kinds = |r: &conc_check::Report| -> Vec<&str> {
        r.findings.iter().map(|f| f.kind.name()).collect()
    };
    let (mut one_total, mut two_total, mut compared) = (0, 0, 0);
    for seed in seeds.iter() {
        let (one_states, one) = explore(seed, 1);
        let (two_states, two) = explore(seed, 2);
        assert_eq!(two.workers, 2);
        assert_eq!(
            kinds(&one).first(),
            kinds(&two).first(),
            "seed {seed}\none worker: {one}\ntwo: {two}"
        );
        if !one.findings.is_empty() || !one.complete {
            continue;
        }
        assert!(
            two.complete,
            "seed {seed}: two workers must finish\n{two:?}"
        );
        assert_eq!(one_states, two_states, "seed {seed}: final states differ");
        compared += 1;
        one_total += one.executions;
        two_total += two.executions;
    }
    println!(
        "{compared} clean programs compared: one worker {one_total} executions, two {two_total}"
    );
}
