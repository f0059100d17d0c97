//! scan's outputs for patrols: a summary of counts (by finalizer with its
//! catalogued owner, by namespace), and OpenMetrics text for a node-exporter
//! textfile collector or a Pushgateway.

use super::table::kubectl_table;
use crate::duration::human;
use crate::model::StuckObject;
use crate::scan::ScanReport;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

/// Counts by finalizer and by namespace; `owner` names a finalizer's catalogued owner.
pub fn summary(report: &ScanReport, owner: &dyn Fn(&str) -> Option<String>) -> String {
    let mut by_finalizer: BTreeMap<&str, (usize, u64)> = BTreeMap::new();
    let mut by_namespace: BTreeMap<String, usize> = BTreeMap::new();
    for o in &report.items {
        for f in o.all_finalizers() {
            let entry = by_finalizer.entry(f).or_default();
            entry.0 += 1;
            entry.1 = entry.1.max(o.terminating_seconds.unwrap_or(0));
        }
        let ns = match (&o.context, &o.namespace) {
            (Some(c), ns) if report.contexts.len() > 1 => {
                format!("{c}/{}", ns.as_deref().unwrap_or("-"))
            }
            (_, ns) => ns.clone().unwrap_or_else(|| "-".into()),
        };
        *by_namespace.entry(ns).or_default() += 1;
    }
    let mut out = String::new();
    let rows: Vec<Vec<String>> = by_finalizer
        .iter()
        .map(|(f, (n, oldest))| {
            vec![
                f.to_string(),
                owner(f).unwrap_or_else(|| "(not catalogued)".into()),
                n.to_string(),
                human(Duration::from_secs(*oldest)),
            ]
        })
        .collect();
    if !rows.is_empty() {
        out.push_str(&kubectl_table(
            &["FINALIZER", "OWNER", "OBJECTS", "OLDEST"],
            &rows,
            false,
        ));
        out.push('\n');
        let rows: Vec<Vec<String>> = by_namespace
            .iter()
            .map(|(ns, n)| vec![ns.clone(), n.to_string()])
            .collect();
        out.push_str(&kubectl_table(&["NAMESPACE", "OBJECTS"], &rows, false));
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{} stuck object(s); scan {}",
        report.items.len(),
        if report.complete() {
            "complete".to_string()
        } else {
            format!("incomplete ({} problem(s))", report.problems.len())
        }
    );
    out
}

/// The age bucket of a stuck object (a label, so that alerts can say "for a day").
fn age_bucket(o: &StuckObject) -> &'static str {
    match o.terminating_seconds {
        None => "live",
        Some(s) if s < 600 => "lt_10m",
        Some(s) if s < 3600 => "10m_1h",
        Some(s) if s < 86400 => "1h_1d",
        Some(_) => "gt_1d",
    }
}

/// OpenMetrics label values: backslash, double quote and newline escaped.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The scan as OpenMetrics text (ends with `# EOF`).
pub fn openmetrics(report: &ScanReport) -> String {
    let mut counts: BTreeMap<(String, String, String, &str), usize> = BTreeMap::new();
    for o in &report.items {
        for f in o.all_finalizers() {
            let key = (
                o.context.clone().unwrap_or_default(),
                o.namespace.clone().unwrap_or_default(),
                f.clone(),
                age_bucket(o),
            );
            *counts.entry(key).or_default() += 1;
        }
    }
    let mut out = String::new();
    out.push_str("# HELP kubectl_finalizers_stuck_objects Objects held by a finalizer, by finalizer, namespace and how long they have been terminating.\n");
    out.push_str("# TYPE kubectl_finalizers_stuck_objects gauge\n");
    for ((context, ns, f, age), n) in &counts {
        let _ = writeln!(
            out,
            "kubectl_finalizers_stuck_objects{{context=\"{}\",namespace=\"{}\",finalizer=\"{}\",age=\"{age}\"}} {n}",
            label(context),
            label(ns),
            label(f)
        );
    }
    out.push_str("# HELP kubectl_finalizers_scan_complete 1 when every listable resource type was listed, else 0.\n");
    out.push_str("# TYPE kubectl_finalizers_scan_complete gauge\n");
    let _ = writeln!(
        out,
        "kubectl_finalizers_scan_complete {}",
        u8::from(report.complete())
    );
    out.push_str("# HELP kubectl_finalizers_scan_problems Resource types or group versions that could not be read.\n");
    out.push_str("# TYPE kubectl_finalizers_scan_problems gauge\n");
    let _ = writeln!(
        out,
        "kubectl_finalizers_scan_problems {}",
        report.problems.len()
    );
    out.push_str("# HELP kubectl_finalizers_resource_types_scanned Resource types listed.\n");
    out.push_str("# TYPE kubectl_finalizers_resource_types_scanned gauge\n");
    let _ = writeln!(
        out,
        "kubectl_finalizers_resource_types_scanned {}",
        report.types_scanned
    );
    out.push_str("# EOF\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openmetrics_escapes_labels_and_ends_with_eof() {
        let item: StuckObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap", "group": "", "resource": "configmaps",
            "namespace": "a", "name": "x", "uid": "u", "terminatingSeconds": 7200,
            "finalizers": ["weird\"one\\\n"]
        }))
        .unwrap();
        let report = ScanReport {
            items: vec![item],
            types_scanned: 3,
            ..Default::default()
        };
        let text = openmetrics(&report);
        assert!(
            text.contains("finalizer=\"weird\\\"one\\\\\\n\",age=\"1h_1d\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("kubectl_finalizers_scan_complete 1\n"));
        assert!(text.ends_with("# EOF\n"));
    }
}
