//! The scan's outputs: table, wide, name, and the JSON/YAML document that
//! `clear -f` reads back.

use super::table::kubectl_table;
use crate::cli::OutputFormat;
use crate::duration::human;
use crate::model::StuckObject;
use crate::model::{Identity, Problem};
use crate::scan::ScanReport;
use serde::{Deserialize, Serialize};
use std::time::Duration;

pub const API_VERSION: &str = "kubectl-finalizers/v1";

/// The `scan -o json|yaml` document (a List, like kubectl's).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanDocument {
    pub api_version: String,
    pub kind: String,
    pub metadata: ScanMetadata,
    pub items: Vec<StuckObject>,
    #[serde(default)]
    pub problems: Vec<Problem>,
    /// `scan --with-evidence`: what `explain -f` needs to reach its verdicts offline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<crate::explain::Bundle>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanMetadata {
    pub context: String,
    pub server: String,
    pub scanned_at: String,
    /// False when some resource types could not be read (see `problems`).
    pub complete: bool,
    pub resource_types_scanned: usize,
    /// A fleet scan's contexts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contexts: Vec<String>,
}

fn state(o: &StuckObject) -> String {
    match o.terminating_seconds {
        Some(s) => human(Duration::from_secs(s)),
        None => "live".into(),
    }
}

fn reason(o: &StuckObject) -> String {
    if o.conditions.is_empty() {
        return "-".into();
    }
    o.conditions
        .iter()
        .map(|c| c.reason.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

pub fn render(
    report: &ScanReport,
    identity: &Identity,
    format: OutputFormat,
    no_headers: bool,
    owner: &dyn Fn(&str) -> Option<String>,
    evidence: Option<crate::explain::Bundle>,
) -> anyhow::Result<String> {
    Ok(match format {
        OutputFormat::Summary => super::patrol::summary(report, owner),
        OutputFormat::Openmetrics => super::patrol::openmetrics(report),
        OutputFormat::Table | OutputFormat::Wide => {
            let wide = format == OutputFormat::Wide;
            let fleet = report.contexts.len() > 1;
            let mut headers = if fleet { vec!["CONTEXT"] } else { Vec::new() };
            headers.extend([
                "NAMESPACE",
                "KIND",
                "NAME",
                "TERMINATING",
                "FINALIZERS",
                "REASON",
            ]);
            if wide {
                headers.extend(["UID", "MESSAGE"]);
            }
            let rows: Vec<Vec<String>> = report
                .items
                .iter()
                .map(|o| {
                    let mut row = if fleet {
                        vec![o.context.clone().unwrap_or_default()]
                    } else {
                        Vec::new()
                    };
                    row.extend([
                        o.namespace.clone().unwrap_or_else(|| "-".into()),
                        o.qualified_kind(),
                        o.name.clone(),
                        state(o),
                        o.all_finalizers().cloned().collect::<Vec<_>>().join(","),
                        reason(o),
                    ]);
                    if wide {
                        row.push(o.uid.clone());
                        let messages: Vec<&str> =
                            o.conditions.iter().map(|c| c.message.as_str()).collect();
                        row.push(if messages.is_empty() {
                            "-".into()
                        } else {
                            messages.join(" | ")
                        });
                    }
                    row
                })
                .collect();
            if rows.is_empty() {
                String::new()
            } else {
                kubectl_table(&headers, &rows, no_headers)
            }
        }
        OutputFormat::Name => report
            .items
            .iter()
            .map(|o| format!("{}\n", o.kubectl_name()))
            .collect(),
        OutputFormat::Json | OutputFormat::Yaml => {
            let doc = ScanDocument {
                api_version: API_VERSION.into(),
                kind: "StuckObjectList".into(),
                metadata: ScanMetadata {
                    context: identity.context.clone(),
                    server: identity.server.clone(),
                    scanned_at: jiff::Timestamp::now()
                        .strftime("%Y-%m-%dT%H:%M:%SZ")
                        .to_string(),
                    complete: report.complete(),
                    resource_types_scanned: report.types_scanned,
                    contexts: report.contexts.clone(),
                },
                items: report.items.clone(),
                problems: report.problems.clone(),
                evidence,
            };
            if format == OutputFormat::Json {
                let mut s = serde_json::to_string_pretty(&doc)?;
                s.push('\n');
                s
            } else {
                serde_yaml::to_string(&doc)?
            }
        }
    })
}
