//! The chain behind a stuck namespace: the namespace controller's conditions,
//! the objects still in it and what holds them, unavailable APIServices, and
//! what to do first.

use super::analysis::{holding, Inputs};
use super::checks;
use super::report::{Action, Finding, NamespaceReport, ObjectRef, Recommendation, State, Usage};
use std::collections::BTreeSet;

/// The chain behind each stuck namespace; `findings` are the verdicts on its content.
pub fn namespaces(inputs: &Inputs, findings: &[Finding]) -> Vec<NamespaceReport> {
    let s = inputs.snapshot;
    let unavailable: Vec<String> = s
        .apiservices
        .iter()
        .filter_map(|a| {
            let c = a
                .status
                .as_ref()?
                .conditions
                .as_ref()?
                .iter()
                .find(|c| c.type_ == "Available")?;
            (c.status != "True").then(|| {
                format!(
                    "{} ({}: {})",
                    a.metadata.name.clone().unwrap_or_default(),
                    c.reason.clone().unwrap_or_default(),
                    c.message.clone().unwrap_or_default()
                )
            })
        })
        .collect();
    inputs
        .items
        .iter()
        .filter(|o| o.kind == "Namespace" && o.group.is_empty() && o.is_terminating())
        .map(|ns| {
            let blocking: Vec<ObjectRef> = inputs
                .items
                .iter()
                .filter(|o| o.namespace.as_deref() == Some(ns.name.as_str()))
                .map(|o| {
                    let mut r = ObjectRef::of(o);
                    r.notes = o.finalizers.clone();
                    r
                })
                .collect();
            let discovery_failed = ns.conditions.iter().any(|c| c.reason == "DiscoveryFailed");
            let api_blockers = if discovery_failed { unavailable.clone() } else { Vec::new() };
            let found: BTreeSet<String> = blocking.iter().map(|b| format!("{}.{}", b.resource, b.group)).collect();
            let unexplained: Vec<String> = ns
                .conditions
                .iter()
                .filter(|c| c.reason == "SomeResourcesRemain")
                .flat_map(|c| {
                    c.message
                        .trim_start_matches("Some resources are remaining: ")
                        .split(", ")
                        .map(String::from)
                        .collect::<Vec<_>>()
                })
                .filter(|part| !found.iter().any(|f| part.starts_with(&format!("{f} "))))
                .collect();
            let recommendation = if !api_blockers.is_empty() {
                let names: Vec<String> = api_blockers.iter().map(|a| a.split(' ').next().unwrap_or_default().to_string()).collect();
                Recommendation {
                    action: Action::FixBlockerFirst,
                    summary: format!(
                        "The namespace controller cannot list every resource type while {} is unavailable, so it will not finish any namespace. Restore its service, or delete the APIService if the aggregated API is no longer used.",
                        names.join(", ")
                    ),
                    commands: names.iter().flat_map(|n| [format!("kubectl get apiservice {n} -o yaml"), format!("kubectl delete apiservice {n}   # only if nothing uses this API")]).collect(),
                }
            } else if !blocking.is_empty() {
                // The namespace follows its worst blocker: one whose owner will not act.
                let worst = blocking
                    .iter()
                    .flat_map(|b| holding(findings, b).into_iter().map(move |f| (b, f)))
                    .filter(|(_, f)| f.finalizer != "kubernetes")
                    .min_by_key(|(_, f)| super::analysis::blocker_rank(f.state));
                match worst {
                    Some((b, f)) if f.state != State::Alive => Recommendation {
                        action: Action::FixBlockerFirst,
                        summary: format!(
                            "The namespace goes when its {} remaining object(s) do, and {} will not go by itself: {} is owned by {}, which is {}. {} Do not clear the namespace's own `kubernetes` finalizer — that orphans its content in etcd.",
                            blocking.len(),
                            b.display(),
                            f.finalizer,
                            f.owner,
                            f.state.label(),
                            f.recommendation.summary
                        ),
                        commands: f.recommendation.commands.clone(),
                    },
                    _ => Recommendation {
                        action: Action::Wait,
                        summary: format!("The namespace goes as soon as its {} remaining object(s) do, and their owners are at work: follow their findings. Do not clear the namespace's own `kubernetes` finalizer — that orphans those objects in etcd.", blocking.len()),
                        commands: vec![format!("kubectl finalizers explain -n {}", ns.name)],
                    },
                }
            } else {
                Recommendation {
                    action: Action::Wait,
                    summary: "Nothing holds the namespace any more; the namespace controller will finish within a minute.".into(),
                    commands: Vec::new(),
                }
            };
            NamespaceReport {
                name: ns.name.clone(),
                terminating_seconds: ns.terminating_seconds,
                conditions: ns.conditions.clone(),
                blocking_objects: blocking,
                unavailable_api_services: api_blockers,
                unexplained,
                recommendation,
            }
        })
        .collect()
}

/// A namespace's own `kubernetes` finalizer is explained like every other one: its
/// owner (the namespace controller) and state stay, its usage is what the
/// controller's conditions say, and its recommendation is the namespace chain's.
pub fn carry_into_findings(
    namespaces: &[NamespaceReport],
    findings: &mut [Finding],
    inputs: &Inputs,
) {
    for f in findings.iter_mut().filter(|f| f.finalizer == "kubernetes") {
        for o in f
            .objects
            .iter_mut()
            .filter(|o| o.kind == "Namespace" && o.group.is_empty())
        {
            let Some(report) = namespaces.iter().find(|n| n.name == o.name) else {
                continue;
            };
            let conditions = inputs
                .items
                .iter()
                .find(|i| i.kind == "Namespace" && i.name == o.name)
                .map(|i| i.conditions.clone())
                .unwrap_or_default();
            // Only failing conditions are kept: none reported here is not "none remain".
            let (usage, note) = checks::namespace_content(
                conditions
                    .iter()
                    .map(|c| (c.type_.as_str(), "True", c.message.as_str())),
            );
            o.usage = if usage == Usage::Unknown {
                Usage::NotChecked
            } else {
                usage
            };
            if usage == Usage::InUse {
                o.notes.push(format!("content remains: {note}"));
            }
            f.recommendation = report.recommendation.clone();
        }
    }
}
