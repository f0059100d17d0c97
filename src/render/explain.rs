//! explain's outputs: a top-down incident read (namespaces, then findings grouped
//! by owner and state) and the JSON/YAML report.

use crate::cli::ReportFormat;
use crate::explain::report::{Action, Finding, NamespaceReport, Recommendation, State, Strength};
use crate::explain::ExplainReport;
use crate::model::Identity;
use serde::Serialize;
use std::fmt::Write;

fn paint(text: &str, code: &str, color: bool) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn state_word(state: State, color: bool) -> String {
    let code = match state {
        State::Alive => "32",
        State::Degraded => "33",
        State::Gone => "31",
        State::Unknown => "35",
    };
    paint(state.label(), code, color)
}

fn action_word(action: Action, color: bool) -> String {
    let code = match action {
        Action::Wait => "32",
        Action::Investigate | Action::ClearWithCare => "33",
        Action::SafeToClear => "36",
        Action::FixBlockerFirst => "31",
    };
    paint(action.label(), &format!("1;{code}"), color)
}

fn ago(secs: Option<u64>) -> String {
    match secs {
        Some(s) => format!(
            "terminating {}",
            crate::duration::human(std::time::Duration::from_secs(s))
        ),
        None => "live".into(),
    }
}

fn recommendation(out: &mut String, r: &Recommendation, color: bool) {
    let _ = writeln!(out, "  → {}: {}", action_word(r.action, color), r.summary);
    for c in &r.commands {
        let _ = writeln!(out, "      {c}");
    }
}

fn namespace(out: &mut String, n: &NamespaceReport, color: bool) {
    let _ = writeln!(
        out,
        "{} {} — {}",
        paint("NAMESPACE", "1", color),
        n.name,
        ago(n.terminating_seconds)
    );
    for c in &n.conditions {
        let _ = writeln!(out, "  {}: {}", c.reason, c.message);
    }
    if !n.blocking_objects.is_empty() {
        let _ = writeln!(out, "  held by:");
        for o in &n.blocking_objects {
            let _ = writeln!(out, "    {}  ← {}", o.display(), o.notes.join(", "));
        }
    }
    for a in &n.unavailable_api_services {
        let _ = writeln!(out, "  unavailable APIService: {a}");
    }
    for u in &n.unexplained {
        let _ = writeln!(out, "  reported remaining but not found by the scan: {u}");
    }
    recommendation(out, &n.recommendation, color);
    out.push('\n');
}

fn finding(out: &mut String, f: &Finding, color: bool) {
    let count = f.objects.len();
    let noun = if count == 1 { "object" } else { "objects" };
    let live = count > 0 && f.objects.iter().all(|o| o.terminating_seconds.is_none());
    let verb = if live { "live, carrying" } else { "blocked by" };
    let _ = writeln!(
        out,
        "{} {noun} {verb} {}, owned by {}, which is {}",
        paint(&count.to_string(), "1", color),
        paint(&f.finalizer, "1", color),
        f.owner,
        state_word(f.state, color)
    );
    for o in &f.objects {
        let notes = if o.notes.is_empty() {
            String::new()
        } else {
            format!("  ({})", o.notes.join("; "))
        };
        let _ = writeln!(
            out,
            "    {}  {}{notes}",
            o.display(),
            ago(o.terminating_seconds)
        );
    }
    let _ = writeln!(out, "  evidence:");
    for e in &f.evidence {
        let strength = match e.strength {
            Strength::Strong => "strong",
            Strength::Medium => "medium",
            Strength::Weak => "weak  ",
        };
        let _ = writeln!(out, "    [{strength}] {}: {}", e.source.label(), e.detail);
    }
    if !f.missing_evidence.is_empty() {
        let _ = writeln!(
            out,
            "  {}",
            paint("not read (the verdict cannot rest on it):", "1;35", color)
        );
        for m in &f.missing_evidence {
            let _ = writeln!(out, "    {}", m.describe());
        }
    }
    if let Some(c) = &f.cleanup {
        let _ = writeln!(out, "  its cleanup: {c}");
    }
    if let Some(s) = &f.skipped_if_cleared {
        let risk = f
            .risk
            .map(|r| format!(" (risk: {})", format!("{r:?}").to_lowercase()))
            .unwrap_or_default();
        let _ = writeln!(out, "  clearing by hand skips: {s}{risk}");
    }
    recommendation(out, &f.recommendation, color);
    out.push('\n');
}

/// One line per owner, worst state first: the incident at a glance.
fn owners(out: &mut String, findings: &[Finding], color: bool) {
    let mut by_owner: Vec<(State, &str, Vec<&str>, usize, Action)> = Vec::new();
    for f in findings {
        match by_owner
            .iter_mut()
            .find(|(s, o, ..)| *s == f.state && *o == f.owner)
        {
            Some(entry) => {
                entry.2.push(&f.finalizer);
                entry.3 += f.objects.len();
            }
            None => by_owner.push((
                f.state,
                &f.owner,
                vec![&f.finalizer],
                f.objects.len(),
                f.recommendation.action,
            )),
        }
    }
    if by_owner.is_empty() {
        return;
    }
    let rank = |s: State| match s {
        State::Gone => 0,
        State::Degraded => 1,
        State::Unknown => 2,
        State::Alive => 3,
    };
    by_owner.sort_by_key(|(s, o, ..)| (rank(*s), o.to_string()));
    let _ = writeln!(out, "By owner:");
    for (state, owner, finalizers, objects, action) in by_owner {
        let pad = " ".repeat(9usize.saturating_sub(state.label().len()));
        let _ = writeln!(
            out,
            "  {}{pad} {owner}: {objects} object(s), {} → {}",
            state_word(state, color),
            finalizers.join(", "),
            action.label()
        );
    }
    out.push('\n');
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document<'a> {
    api_version: &'static str,
    kind: &'static str,
    metadata: Metadata<'a>,
    #[serde(flatten)]
    report: &'a ExplainReport,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Metadata<'a> {
    context: &'a str,
    server: &'a str,
    generated_at: String,
    complete: bool,
}

pub fn render(
    report: &ExplainReport,
    identity: &Identity,
    format: ReportFormat,
    color: bool,
) -> anyhow::Result<String> {
    if format != ReportFormat::Text {
        let doc = Document {
            api_version: super::scan::API_VERSION,
            kind: "FinalizerReport",
            metadata: Metadata {
                context: &identity.context,
                server: &identity.server,
                generated_at: jiff::Timestamp::now()
                    .strftime("%Y-%m-%dT%H:%M:%SZ")
                    .to_string(),
                complete: report.problems.is_empty(),
            },
            report,
        };
        return Ok(if format == ReportFormat::Json {
            serde_json::to_string_pretty(&doc)? + "\n"
        } else {
            serde_yaml::to_string(&doc)?
        });
    }
    let mut out = String::new();
    let objects = report.items.len();
    let finalizers = report
        .items
        .iter()
        .flat_map(|o| o.all_finalizers())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let _ = writeln!(
        out,
        "{} object(s) held by {} finalizer(s); {} namespace(s) stuck in Terminating.\n",
        objects,
        finalizers,
        report.namespaces.len()
    );
    owners(&mut out, &report.findings, color);
    for n in &report.namespaces {
        namespace(&mut out, n, color);
    }
    for f in &report.findings {
        finding(&mut out, f, color);
    }
    let unread: Vec<_> = report
        .evidence_sources
        .iter()
        .filter(|r| !r.is_read())
        .collect();
    if !unread.is_empty() {
        let _ = writeln!(
            out,
            "Evidence that could not be read ({} of {} lists):",
            unread.len(),
            report.evidence_sources.len()
        );
        for r in unread {
            let _ = writeln!(out, "  {}", r.describe());
        }
    }
    Ok(out)
}
