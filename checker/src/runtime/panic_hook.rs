//! The panic hook: inside model threads it records the panic for the report instead of printing
//! it; everywhere else it defers to the hook that was installed before.

use std::panic::PanicHookInfo;
use std::sync::Once;

use super::api;
use super::context::{self, with};
use crate::detector::panic::{double_panic_finding, PanicRecord};
use crate::report::{SiteRole, SourceRef};

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
            role: SiteRole::Panic,
            thread: None,
            label: "panicked here".to_string(),
        }),
    };
    let nested = with(|e| {
        let me = e.current;
        let first = e.thread(me).panic.clone()?;
        let finding = double_panic_finding(me, &first, &record, &e.names());
        e.findings.push(finding);
        let mut report = crate::report::Report {
            executions: e.executions,
            strategy: "model".into(),
            stopped_because: Some(
                "a Drop panicked while its thread was unwinding; std aborts the process there, so \
                 conc-check reported it and ended the test process (exit code 101)"
                    .into(),
            ),
            ..Default::default()
        };
        let test = e.test.as_deref().map(str::to_string);
        super::finish::finish_report(&mut report, e, test.as_deref());
        Some((report, test))
    });
    match nested {
        Some((report, test)) => stop_process(&report, test.as_deref()),
        None => with(|e| {
            let me = e.current;
            e.thread(me).panic = Some(record);
        }),
    }
}

/// A panic inside a `Drop` that runs while the thread unwinds: once this hook returns, std
/// aborts the process, and this frame cannot be left any other way without leaving std's panic
/// hook locked for good. Write the report where `cargo conc-check` collects it (it runs the
/// binary's other tests again), print it, and end the process with the exit code of a failed
/// test instead of an abort. A worker process hands it to its parent instead
/// ([`super::outlet`]).
fn stop_process(report: &crate::report::Report, test: Option<&str>) -> ! {
    // A worker process gives it to the parent, which merges it with the other workers'.
    if super::outlet::deliver(report) {
        // SAFETY: ends this worker at once, as a forked process must (no destructors or
        // atexit handlers of the test process it was copied from).
        unsafe { libc::_exit(101) }
    }
    crate::report::dir::write_if_asked(report, test);
    eprintln!("\n{report}");
    std::process::exit(101)
}
