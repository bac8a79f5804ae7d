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
            Some(first) => {
                let finding = double_panic_finding(me, &first, &record, &e.names());
                e.fail(finding);
                e.tainted = true;
                true
            }
            None => {
                e.thread(me).panic = Some(record);
                false
            }
        }
    });
    if nested {
        // std would abort the process once this hook returns. Leave the coroutine here instead;
        // the explorer retires this OS thread, whose panic state is now inconsistent.
        api::abandon();
    }
}
