//! Renders reports for people: each finding as a miette diagnostic with the user's source lines.

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use std::fmt;

use super::{Finding, Report, SourceRef};

/// The whole report as text: every finding, then a summary line and the replay command.
pub fn render_report(report: &Report) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        out.push_str(&render_finding(finding, report));
        out.push('\n');
    }
    if !report.interleaving.is_empty() {
        out.push_str("  the interleaving that led there (last steps, oldest first):\n");
        for step in &report.interleaving {
            out.push_str(&format!(
                "    {:<24} {:<48} {}\n",
                step.thread, step.action, step.site
            ));
        }
        out.push('\n');
    }
    out.push_str(&report.summary_line());
    out.push('\n');
    out
}

/// One finding, with source snippets when the files can be read from here.
pub fn render_finding(finding: &Finding, report: &Report) -> String {
    let diagnostic = FindingDiagnostic::new(finding, report);
    let mut out = String::new();
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_context_lines(1)
        .with_width(120)
        .with_wrap_lines(false);
    if handler.render_report(&mut out, &diagnostic).is_err() {
        out = format!("{}: {}\n", finding.kind, finding.message);
    }
    out
}

/// Adapter from a [`Finding`] to a miette diagnostic.
struct FindingDiagnostic {
    message: String,
    code: String,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
    related: Vec<SiteDiagnostic>,
}

/// A site in a file other than the primary one, shown as a related diagnostic.
#[derive(Debug)]
struct SiteDiagnostic {
    label: String,
    source: Option<NamedSource<String>>,
    span: Option<LabeledSpan>,
    location: String,
}

impl FindingDiagnostic {
    fn new(finding: &Finding, report: &Report) -> Self {
        let mut text = finding.message.clone();
        for note in &finding.notes {
            text.push_str("\n  ");
            text.push_str(note);
        }
        let primary_file = finding.sites.first().map(|s| s.file.clone());
        let source = primary_file.as_deref().and_then(load_source);
        let mut labels = Vec::new();
        let mut related = Vec::new();
        for site in &finding.sites {
            let in_primary = Some(&site.file) == primary_file.as_ref();
            match (&source, in_primary) {
                (Some(src), true) => {
                    if let Some(span) = span_of(src.inner(), site) {
                        labels.push(span);
                    }
                }
                _ => {
                    let other = load_source(&site.file);
                    let span = other.as_ref().and_then(|s| span_of(s.inner(), site));
                    related.push(SiteDiagnostic {
                        label: site.label.clone(),
                        source: other,
                        span,
                        location: site.to_string(),
                    });
                }
            }
        }
        if source.is_none() {
            for site in &finding.sites {
                text.push_str(&format!("\n  at {site}: {}", site.label));
            }
        }
        let help = match (&report.schedule, &report.replay) {
            (Some(schedule), Some(replay)) => {
                Some(format!("schedule: {schedule}\nreplay: {replay}"))
            }
            (Some(schedule), None) => Some(format!("schedule: {schedule}")),
            _ => None,
        };
        FindingDiagnostic {
            message: text,
            code: format!("conc_check::{}", finding.kind.name()),
            help,
            source,
            labels,
            related,
        }
    }
}

impl fmt::Debug for FindingDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for FindingDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic {}

impl Diagnostic for FindingDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(self.related.iter().map(|d| d as &dyn Diagnostic)))
        }
    }
}

impl fmt::Display for SiteDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.source.is_some() {
            f.write_str(&self.label)
        } else {
            write!(f, "{} at {}", self.label, self.location)
        }
    }
}

impl std::error::Error for SiteDiagnostic {}

impl Diagnostic for SiteDiagnostic {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.span
            .clone()
            .map(|s| Box::new(std::iter::once(s)) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
}

/// Reads a source file named as the compiler saw it: relative to the workspace root, which is
/// the current directory or one of its ancestors.
fn load_source(file: &str) -> Option<NamedSource<String>> {
    let path = crate::source_names::resolve(file)?;
    let text = std::fs::read_to_string(path).ok()?;
    Some(NamedSource::new(file, text))
}

/// The span of the token at `site`'s line and column, labelled.
fn span_of(text: &str, site: &SourceRef) -> Option<LabeledSpan> {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(site.line.saturating_sub(1) as usize)
        .map(str::len)
        .sum();
    let line = text[line_start..].lines().next()?;
    let column = (site.column.saturating_sub(1) as usize).min(line.len());
    let rest = &line[column..];
    let len = rest.find([';', '\n']).unwrap_or(rest.len()).clamp(1, 60);
    Some(LabeledSpan::new(
        Some(site.label.clone()),
        line_start + column,
        len,
    ))
}
