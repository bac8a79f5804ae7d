//! The panic hook: inside model threads it records the panic for the report instead of printing
//! it; everywhere else it defers to the hook that was installed before.

use std::panic::PanicHookInfo;
use std::sync::Once;

use super::api;
use super::context::{self, with};
use crate::detector::panic::{double_panic_finding, PanicRecord};
use crate::report::SourceRef;

type Hook = Box<dyn Fn(&PanicHookInfo<'_>) + Sync + Send + 'static>;

/// Installs the hook once per process.
pub(crate) fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous: Hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if context::in_model_thread() {
                on_model_panic(info);
            } else {
                previous(info);
            }
        }));
    });
}

fn on_model_panic(info: &PanicHookInfo<'_>) {
    let record = PanicRecord {
        message: api::payload_message(info.payload()),
        location: info.location().map(|l| SourceRef {
            file: l.file().to_string(),
            line: l.line(),
            column: l.column(),
            label: "panicked here".to_string(),
        }),
    };
    let nested = with(|e| {
        let me = e.current;
        match e.thread(me).panic.clone() {
            Some(first) => Some(double_panic_finding(me, &first, &record, &e.names())),
            None => {
                e.thread(me).panic = Some(record);
                None
            }
        }
    });
    if let Some(finding) = nested {
        stop_process(finding);
    }
}

/// A panic inside a `Drop` that runs while the thread unwinds: once this hook returns, std
/// aborts the process, and this frame cannot be left any other way without leaving std's panic
/// hook locked for good. Report the finding and end the process with the exit code of a failed
/// test instead of an abort.
fn stop_process(finding: crate::report::Finding) -> ! {
    let report = crate::report::Report {
        findings: vec![finding],
        executions: 1,
        strategy: "model".into(),
        stopped_because: Some(
            "a Drop panicked while its thread was unwinding; std aborts the process here, so conc-check \
             reported it and ended the process (exit code 101)"
                .into(),
        ),
        ..Default::default()
    };
    eprintln!("\n{report}");
    std::process::exit(101)
}
