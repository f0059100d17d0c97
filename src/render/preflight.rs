//! preflight's outputs: what would be stranded and the order that avoids it, or
//! the JSON/YAML report.

use super::table::kubectl_table;
use crate::cli::ReportFormat;
use crate::preflight::PreflightReport;
use std::fmt::Write;

pub fn render(report: &PreflightReport, format: ReportFormat) -> anyhow::Result<String> {
    match format {
        ReportFormat::Json => Ok(serde_json::to_string_pretty(report)? + "\n"),
        ReportFormat::Yaml => super::yaml::print(report),
        ReportFormat::Text => Ok(text(report)),
    }
}

fn text(report: &PreflightReport) -> String {
    let mut out = String::new();
    let owner = if report.workloads.is_empty() {
        format!("API group(s) {}", report.groups.join(", "))
    } else {
        report.workloads.join(", ")
    };
    let _ = writeln!(out, "Operator: {owner}");
    for e in &report.evidence {
        let _ = writeln!(out, "  {e}");
    }
    if report.items.is_empty() && !report.problems.is_empty() {
        // Unread lists may hold carriers: no all-clear on them.
        let _ = writeln!(
            out,
            "\nNothing that could be read carries its finalizers, but {} type(s) or evidence lists could not be read (see the warnings): this is not an all-clear.",
            report.problems.len()
        );
        return out;
    }
    if report.items.is_empty() {
        let _ = writeln!(
            out,
            "\nNothing carries its finalizers: uninstalling it strands nothing."
        );
        return out;
    }
    let rows: Vec<Vec<String>> = report
        .items
        .iter()
        .map(|o| {
            vec![
                o.namespace.clone().unwrap_or_else(|| "-".into()),
                o.qualified_kind(),
                o.name.clone(),
                if o.is_terminating() {
                    "terminating"
                } else {
                    "live"
                }
                .into(),
                o.matched_finalizers.clone().unwrap_or_default().join(","),
            ]
        })
        .collect();
    let _ = writeln!(
        out,
        "\n{} object(s) carry its finalizers; uninstalled first, it leaves them stuck in Terminating:\n",
        report.items.len()
    );
    out.push_str(&kubectl_table(
        &["NAMESPACE", "KIND", "NAME", "STATE", "FINALIZERS"],
        &rows,
        false,
    ));
    let _ = writeln!(out, "\nIn this order, while the operator still runs (it removes its finalizers after its cleanup):");
    for (i, step) in report.steps.iter().enumerate() {
        let _ = writeln!(out, "  {}. {step}", i + 1);
    }
    out
}
