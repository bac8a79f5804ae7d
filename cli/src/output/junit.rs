//! JUnit XML for CI test tabs: one testsuite per test binary, one testcase per test, a
//! `failure` with the rendered finding for tests with findings.

use conc_check_engine::report::render::render_report;

use crate::outcome::{RunResults, TestOutcome, Verdict};

/// The run as a JUnit XML document.
pub fn render(results: &RunResults) -> String {
    let mut suites: Vec<(&str, Vec<&TestOutcome>)> = Vec::new();
    for o in &results.outcomes {
        match suites.iter_mut().find(|(name, _)| *name == o.binary) {
            Some((_, tests)) => tests.push(o),
            None => suites.push((&o.binary, vec![o])),
        }
    }
    let count = |tests: &[&TestOutcome], pick: &dyn Fn(Verdict) -> bool| {
        tests.iter().filter(|o| pick(o.verdict())).count()
    };
    let failure =
        |v: Verdict| matches!(v, Verdict::Findings | Verdict::Failed | Verdict::Unchecked);
    let error = |v: Verdict| v == Verdict::Crashed;
    let skipped = |v: Verdict| v == Verdict::Ignored;
    let all: Vec<&TestOutcome> = results.outcomes.iter().collect();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"conc-check\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\">\n",
        all.len(),
        count(&all, &failure),
        count(&all, &error),
        count(&all, &skipped),
        results.seconds
    ));
    for (name, tests) in &suites {
        let time: f64 = tests.iter().map(|o| o.seconds()).sum();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\">\n",
            attr(name),
            tests.len(),
            count(tests, &failure),
            count(tests, &error),
            count(tests, &skipped),
            time
        ));
        for o in tests {
            testcase(&mut out, o);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn testcase(out: &mut String, o: &TestOutcome) {
    out.push_str(&format!(
        "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\">\n",
        attr(&o.display_name()),
        attr(&o.binary),
        o.seconds()
    ));
    match o.verdict() {
        Verdict::Findings => {
            let first = o.new_findings().next().map(|f| o.finding(f));
            let (kind, message) = first
                .map(|f| (f.kind.name(), f.message.as_str()))
                .unwrap_or(("finding", ""));
            let mut body = String::new();
            for (at, report) in o.reports.iter().enumerate() {
                if o.findings.iter().any(|f| f.report == at && !f.baselined) {
                    let mut report = report.clone();
                    if let Some(schedule) = &report.schedule {
                        report.replay = Some(crate::output::human::replay_command(o, schedule));
                    }
                    body.push_str(&render_report(&report));
                }
            }
            out.push_str(&format!(
                "      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                attr(kind),
                attr(&format!("{kind}: {message}")),
                text(&body)
            ));
        }
        Verdict::Failed => {
            let reasons = o.stopped_because().join("; ");
            let message = if reasons.is_empty() {
                "the test failed without a conc-check finding".to_string()
            } else {
                format!("the test failed without a finding: {reasons}")
            };
            out.push_str(&format!(
                "      <failure type=\"test_failure\" message=\"{}\">{}</failure>\n",
                attr(&message),
                text(&o.output)
            ));
        }
        Verdict::Crashed => {
            out.push_str(&format!(
                "      <error type=\"crash\" message=\"the test binary ended before the test did\">{}</error>\n",
                text(&o.output)
            ));
        }
        Verdict::Unchecked => {
            let why = o.shortfall().unwrap_or_default();
            out.push_str(&format!(
                "      <failure type=\"unchecked\" message=\"{}\"></failure>\n",
                attr(&format!("nothing was checked: {why}"))
            ));
        }
        Verdict::Ignored => out.push_str("      <skipped/>\n"),
        Verdict::Baselined => {
            let listed: Vec<String> = o
                .findings
                .iter()
                .map(|f| {
                    let finding = o.finding(f);
                    format!(
                        "baselined {}: {}: {}",
                        f.fingerprint, finding.kind, finding.message
                    )
                })
                .collect();
            out.push_str(&format!(
                "      <system-out>{}</system-out>\n",
                text(&listed.join("\n"))
            ));
        }
        Verdict::Ok => {}
    }
    out.push_str("    </testcase>\n");
}

/// Escapes an attribute value.
fn attr(s: &str) -> String {
    escape(s, true)
}

/// Escapes element text.
fn text(s: &str) -> String {
    escape(s, false)
}

/// XML escaping; characters XML 1.0 does not allow (most control characters, such as terminal
/// escapes) are dropped.
fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::events::Event;
    use quick_xml::Reader;

    #[test]
    fn escapes_and_drops_control_characters() {
        assert_eq!(attr("a<b>&\"c\"\n"), "a&lt;b&gt;&amp;&quot;c&quot;&#10;");
        assert_eq!(text("x\u{1b}[31my\u{7}"), "x[31my");
    }

    #[test]
    fn well_formed_with_one_testcase_per_test() {
        let xml = render(&crate::output::sarif::tests::sample());
        let mut reader = Reader::from_str(&xml);
        let mut cases = Vec::new();
        let mut failures = 0;
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                    b"testcase" => {
                        let name = e.try_get_attribute("name").unwrap().unwrap();
                        cases.push(name.unescape_value().unwrap().into_owned());
                    }
                    b"failure" => failures += 1,
                    _ => {}
                },
                Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(cases, vec!["tests::race", "tests::cycle", "tests::clean"]);
        assert_eq!(failures, 2);
    }
}
