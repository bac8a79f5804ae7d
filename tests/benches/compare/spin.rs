//! Section 4: spin loops. A correct busy-wait without a yield, and a yielding spin that can never
//! end, on each tool: what each one says.

use std::time::Duration;

use crate::child::{self, Case};
use crate::runners::{self, Caps, End, Mode, Run};
use crate::table::{count, Table};

/// The caps of every run.
const CAPS: Caps = Caps {
    executions: 10_000,
    time: Duration::from_secs(10),
};

/// What a run ended with, in a table cell.
fn verdict(run: &Run) -> String {
    let message = match &run.end {
        End::Found(m) => m.lines().next().unwrap_or("").chars().take(90).collect(),
        End::Complete => "clean: search complete".to_string(),
        End::Capped => "clean within the cap".to_string(),
        End::Crashed(why) => format!("crashed: {why}"),
    };
    format!("{message} ({} exec)", count(run.executions))
}

/// Measures and prints the section.
pub(crate) fn run() {
    let mut t = Table::new(&["program", "tool", "strategy", "verdict"]);
    for name in ["spin_set_ok", "spin_never_set"] {
        let program = conc_check_corpus::find(name).expect("a corpus program");
        for (mode, strategy) in [(Mode::Dfs, "DFS, no bound"), (Mode::Random, "Random")] {
            eprintln!("[5/5] spin {name}: conc-check {strategy}");
            let run = runners::conc_check(program.run, mode, 1, CAPS, false);
            t.row(vec![
                name.to_string(),
                "conc-check".to_string(),
                strategy.to_string(),
                verdict(&run),
            ]);
        }
        for (tool, mode, strategy) in [
            ("loom", Mode::Dfs, "model, no bound"),
            ("shuttle", Mode::Dfs, "check_dfs"),
            ("shuttle", Mode::Random, "check_random"),
        ] {
            eprintln!("[5/5] spin {name}: {tool} {strategy}");
            let run = child::run(&Case {
                tool,
                mode,
                program: name,
                seed: 1,
                caps: CAPS,
                bound: None,
            });
            t.row(vec![
                name.to_string(),
                tool.to_string(),
                strategy.to_string(),
                verdict(&run),
            ]);
        }
    }
    println!("## 5. Spin loops\n");
    println!(
        "`spin_set_ok` busy-waits without any yield for a flag the other thread sets (correct); \
         `spin_never_set` yields while it waits for a flag nobody sets (it can never end). One \
         run each (seed 1), capped at {} executions / {} s. A tool that fails both the same way \
         cannot tell a correct spin from a hang.\n",
        count(CAPS.executions),
        CAPS.time.as_secs()
    );
    println!("{}", t.render());
}
