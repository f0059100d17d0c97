//! The chain behind a stuck namespace: the namespace controller's conditions,
//! the objects still in it and what holds them, unavailable APIServices, and
//! what to do first.

use super::analysis::Inputs;
use super::report::{Action, NamespaceReport, ObjectRef, Recommendation};
use std::collections::BTreeSet;

/// The chain behind each stuck namespace.
pub fn namespaces(inputs: &Inputs) -> Vec<NamespaceReport> {
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
                Recommendation {
                    action: Action::Wait,
                    summary: format!("The namespace goes as soon as its {} remaining object(s) do: follow their findings. Do not clear the namespace's own `kubernetes` finalizer — that orphans those objects in etcd.", blocking.len()),
                    commands: vec![format!("kubectl finalizers explain -n {}", ns.name)],
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
