//! Who owns a finalizer: the catalogue, workloads whose names the catalogue
//! gives, workloads whose service account may update the resource (RBAC), a
//! workload named like the finalizer's API group, or the API group itself.

use super::analysis::Inputs;
use super::catalog::{Catalog, Entry};
use super::evidence::{Snapshot, Workload};
use super::report::{evidence, AttributedBy, Evidence, Source, Strength};
use crate::glob;
use crate::model::StuckObject;
use std::collections::BTreeSet;

/// Roles with rules on every resource of every group (cluster-admin and the like)
/// say nothing about who owns a finalizer.
fn grants(rule: &k8s_openapi::api::rbac::v1::PolicyRule, group: &str, resource: &str) -> bool {
    let groups = rule.api_groups.clone().unwrap_or_default();
    let resources = rule.resources.clone().unwrap_or_default();
    let everything = groups.iter().any(|g| g == "*") && resources.iter().any(|r| r == "*");
    let verb = rule
        .verbs
        .iter()
        .any(|v| v == "update" || v == "patch" || v == "*");
    let group_ok = groups.iter().any(|g| g == group);
    let resource_ok = resources
        .iter()
        .any(|r| r == resource || r == "*" || *r == format!("{resource}/finalizers"));
    !everything && verb && group_ok && resource_ok
}

/// Workloads whose service account may update/patch `resource` in `group`, with the grant.
pub fn rbac_candidates<'s>(
    s: &'s Snapshot,
    group: &str,
    resource: &str,
) -> Vec<(&'s Workload, String)> {
    let mut out = Vec::new();
    for b in &s.bindings {
        let Some(role) = s.roles.iter().find(|r| {
            r.kind == b.role_kind
                && r.name == b.role_name
                && (r.kind == "ClusterRole" || r.namespace == b.namespace)
        }) else {
            continue;
        };
        if !role.rules.iter().any(|rule| grants(rule, group, resource)) {
            continue;
        }
        for subject in b.subjects.iter().filter(|x| x.kind == "ServiceAccount") {
            let sa_ns = subject
                .namespace
                .clone()
                .or_else(|| b.namespace.clone())
                .unwrap_or_default();
            for w in s
                .workloads
                .iter()
                .filter(|w| w.namespace == sa_ns && w.service_account == subject.name)
            {
                let via = format!("{} {} → {} {}", b.kind, b.name, role.kind, role.name);
                if !out
                    .iter()
                    .any(|(x, _): &(&Workload, String)| std::ptr::eq(*x, w))
                {
                    out.push((w, via));
                }
            }
        }
    }
    out
}

/// API groups a finalizer's name points at: `x.<group>/finalizer`, `finalizer.<group>`,
/// `<group>/x` — every dotted suffix of the part before the slash.
pub fn named_groups(finalizer: &str) -> Vec<String> {
    let domain = finalizer.split('/').next().unwrap_or_default();
    let labels: Vec<&str> = domain.split('.').collect();
    (0..labels.len().saturating_sub(1))
        .map(|i| labels[i..].join("."))
        .collect()
}

/// Candidate controller workloads for a finalizer on (group, resource).
fn candidates<'s>(
    entry: Option<&Entry>,
    s: &'s Snapshot,
    group: &str,
    resource: &str,
) -> Vec<(&'s Workload, Evidence)> {
    let mut out: Vec<(&Workload, Evidence)> = Vec::new();
    if let Some(e) = entry.filter(|e| !e.builtin) {
        for w in &s.workloads {
            if e.workloads.iter().any(|g| glob::matches(g, &w.name))
                && (e.namespaces.is_empty()
                    || e.namespaces.contains(&w.namespace)
                    || e.workloads.iter().any(|g| !g.contains('*') && *g == w.name))
            {
                out.push((
                    w,
                    evidence(
                        Source::Catalogue,
                        Strength::Strong,
                        format!(
                            "{} {}/{} has the name the catalogue gives {}",
                            w.kind, w.namespace, w.name, e.owner
                        ),
                    ),
                ));
            }
        }
    }
    if entry.is_none_or(|e| !e.builtin) {
        for (w, via) in rbac_candidates(s, group, resource) {
            if !out.iter().any(|(x, _)| std::ptr::eq(*x, w)) {
                out.push((w, evidence(Source::Rbac, Strength::Medium, format!("{} {}/{} runs as service account {}, which may update {resource}.{group} ({via})", w.kind, w.namespace, w.name, w.service_account))));
            }
        }
    }
    out
}

/// Namespaces whose pods the analysis of `items` needs.
pub fn pod_namespaces(
    inputs_items: &[StuckObject],
    catalog: &Catalog,
    s: &Snapshot,
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for o in inputs_items {
        if o.kind == "PersistentVolumeClaim" && o.group.is_empty() {
            out.extend(o.namespace.clone());
        }
        for f in &o.finalizers {
            for (w, _) in candidates(catalog.lookup(f), s, &o.group, &o.resource) {
                out.insert(w.namespace.clone());
            }
        }
    }
    out
}

/// Who owns a finalizer, and how sure that is.
pub struct Attribution<'s> {
    pub owner: String,
    pub attributed_by: AttributedBy,
    pub evidence: Vec<Evidence>,
    /// Controller workloads that may be the owner, strongest evidence first.
    pub candidates: Vec<&'s Workload>,
    /// API groups the finalizer is named after that the cluster serves.
    pub named_served: Vec<String>,
    /// The objects' CRD is itself being deleted.
    pub crd_deleting: bool,
}

/// Names the owner of `finalizer` on objects of (group, resource): the catalogue,
/// then workloads by catalogued name, RBAC, or a name like the group's, then the
/// API group itself.
pub fn attribute<'s>(
    inputs: &Inputs<'s>,
    finalizer: &str,
    entry: Option<&Entry>,
    group: &str,
    resource: &str,
) -> Attribution<'s> {
    let s = inputs.snapshot;
    let mut crd_deleting = false;
    let mut ev = Vec::new();
    if let Some(e) = entry {
        let project = e
            .project
            .as_ref()
            .map(|p| format!(" ({p})"))
            .unwrap_or_default();
        ev.push(evidence(
            Source::Catalogue,
            Strength::Strong,
            format!("{finalizer} is removed by {}{project}", e.owner),
        ));
    }
    // The API group the finalizer is named after, and the CRDs serving it.
    let served: BTreeSet<&str> = inputs.types.iter().map(|t| t.group.as_str()).collect();
    let named = named_groups(finalizer);
    let named_served: Vec<&String> = named
        .iter()
        .filter(|g| served.contains(g.as_str()))
        .collect();
    if entry.is_none_or(|e| !e.builtin) {
        if let Some(g) = named_served.first() {
            let crds: Vec<String> = s
                .crds
                .iter()
                .filter_map(|m| m.name.clone())
                .filter(|n| n.ends_with(&format!(".{g}")))
                .collect();
            ev.push(evidence(
                Source::ApiGroup,
                Strength::Medium,
                format!(
                    "the finalizer is named after API group {g}, served by CRDs {}",
                    if crds.is_empty() {
                        "(none)".into()
                    } else {
                        crds.join(", ")
                    }
                ),
            ));
        }
        if !group.is_empty() {
            let crd_name = format!("{resource}.{group}");
            match s.crds.iter().find(|m| m.name.as_deref() == Some(&crd_name)) {
                Some(m) if m.deletion_timestamp.is_some() => {
                    crd_deleting = true;
                    ev.push(evidence(Source::Crd, Strength::Medium, format!("the CRD {crd_name} is itself being deleted: its controller was probably uninstalled with it")))
                }
                Some(_) => ev.push(evidence(
                    Source::Crd,
                    Strength::Weak,
                    format!("the CRD {crd_name} is still installed"),
                )),
                None => {}
            }
        }
    }
    let mut cands = candidates(entry, s, group, resource);
    let mut attributed_by = if entry.is_some() {
        AttributedBy::Catalogue
    } else {
        AttributedBy::Unknown
    };
    if cands.is_empty() && entry.is_none() {
        // Weak: a workload named after the group's first label (e.g. logging-operator).
        if let Some(token) = named_served
            .first()
            .copied()
            .or(named.first())
            .and_then(|g| g.split('.').next())
            .filter(|t| t.len() >= 4)
        {
            for w in s.workloads.iter().filter(|w| w.name.contains(token)) {
                cands.push((
                    w,
                    evidence(
                        Source::Name,
                        Strength::Weak,
                        format!(
                            "{} {}/{} is named like the group ({token})",
                            w.kind, w.namespace, w.name
                        ),
                    ),
                ));
            }
        }
    }
    let owner = match (entry, cands.first()) {
        (Some(e), _) => e.owner.clone(),
        (None, Some((w, e))) => {
            attributed_by = if e.source == Source::Rbac {
                AttributedBy::Rbac
            } else {
                AttributedBy::Name
            };
            format!("{} {}/{}", w.kind, w.namespace, w.name)
        }
        (None, None) if !named_served.is_empty() => {
            attributed_by = AttributedBy::ApiGroup;
            format!("the controller of API group {}", named_served[0])
        }
        (None, None) => "unknown".into(),
    };
    ev.extend(cands.iter().map(|(_, e)| e.clone()));
    Attribution {
        owner,
        attributed_by,
        evidence: ev,
        candidates: cands.into_iter().map(|(w, _)| w).collect(),
        named_served: named_served.into_iter().cloned().collect(),
        crd_deleting,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finalizer_names_point_at_groups() {
        assert_eq!(
            named_groups("syslogngconfig.logging.banzaicloud.io/finalizer"),
            [
                "syslogngconfig.logging.banzaicloud.io",
                "logging.banzaicloud.io",
                "banzaicloud.io"
            ]
        );
        assert_eq!(
            named_groups("finalizer.keda.sh"),
            ["finalizer.keda.sh", "keda.sh"]
        );
        assert!(named_groups("kubernetes").is_empty());
    }

    #[test]
    fn cluster_admin_style_rules_do_not_attribute() {
        use k8s_openapi::api::rbac::v1::PolicyRule;
        let all = PolicyRule {
            api_groups: Some(vec!["*".into()]),
            resources: Some(vec!["*".into()]),
            verbs: vec!["*".into()],
            ..Default::default()
        };
        assert!(!grants(&all, "example.com", "widgets"));
        let specific = PolicyRule {
            api_groups: Some(vec!["example.com".into()]),
            resources: Some(vec!["widgets/finalizers".into()]),
            verbs: vec!["update".into()],
            ..Default::default()
        };
        assert!(grants(&specific, "example.com", "widgets"));
        let read_only = PolicyRule {
            verbs: vec!["get".into()],
            ..specific
        };
        assert!(!grants(&read_only, "example.com", "widgets"));
    }

    fn snapshot_with(rbac: bool, workload: &str) -> Snapshot {
        use super::super::evidence::{RbacBinding, RbacRole};
        use k8s_openapi::api::rbac::v1::{PolicyRule, Subject};
        let mut s = Snapshot::default();
        s.workloads.push(Workload {
            kind: "Deployment",
            namespace: "ops".into(),
            name: workload.into(),
            service_account: "ops-sa".into(),
            selector: Default::default(),
            desired: 1,
            ready: 1,
            labels: Default::default(),
            annotations: Default::default(),
            images: vec![],
        });
        let rule = if rbac {
            PolicyRule {
                api_groups: Some(vec!["acme.example.com".into()]),
                resources: Some(vec!["widgets/finalizers".into()]),
                verbs: vec!["update".into()],
                ..Default::default()
            }
        } else {
            // cluster-admin style: says nothing about ownership
            PolicyRule {
                api_groups: Some(vec!["*".into()]),
                resources: Some(vec!["*".into()]),
                verbs: vec!["*".into()],
                ..Default::default()
            }
        };
        s.roles.push(RbacRole {
            kind: "ClusterRole",
            namespace: None,
            name: "r".into(),
            rules: vec![rule],
        });
        s.bindings.push(RbacBinding {
            kind: "ClusterRoleBinding",
            namespace: None,
            name: "b".into(),
            role_kind: "ClusterRole".into(),
            role_name: "r".into(),
            subjects: vec![Subject {
                kind: "ServiceAccount".into(),
                name: "ops-sa".into(),
                namespace: Some("ops".into()),
                ..Default::default()
            }],
        });
        s
    }

    fn types(groups: &[&str]) -> Vec<crate::cluster::ApiType> {
        groups
            .iter()
            .map(|g| crate::cluster::ApiType {
                group: g.to_string(),
                version: "v1".into(),
                plural: "widgets".into(),
                singular: "widget".into(),
                kind: "Widget".into(),
                namespaced: true,
                verbs: vec!["list".into()],
                short_names: vec![],
                subresources: vec![],
            })
            .collect()
    }

    #[test]
    fn attribution_takes_the_strongest_evidence() {
        let catalog = Catalog::builtin();
        // (finalizer, RBAC grant on the resource?, workload name, groups served) → (attributed by, owner)
        let table = [
            (
                "finalizer.acme.cert-manager.io",
                false,
                "unrelated",
                vec![],
                AttributedBy::Catalogue,
                "cert-manager",
            ),
            (
                "widgets.acme.example.com/cleanup",
                true,
                "widget-controller",
                vec!["acme.example.com"],
                AttributedBy::Rbac,
                "Deployment ops/widget-controller",
            ),
            (
                "widgets.acme.example.com/cleanup",
                false,
                "unrelated",
                vec!["acme.example.com"],
                AttributedBy::ApiGroup,
                "the controller of API group acme.example.com",
            ),
            (
                "widgets.acme.example.com/cleanup",
                false,
                "acme-operator",
                vec!["acme.example.com"],
                AttributedBy::Name,
                "Deployment ops/acme-operator",
            ),
            (
                "example.org/mystery",
                false,
                "unrelated",
                vec![],
                AttributedBy::Unknown,
                "unknown",
            ),
        ];
        for (finalizer, rbac, workload, served, by, owner) in table {
            let snapshot = snapshot_with(rbac, workload);
            let types = types(&served);
            let inputs = Inputs {
                items: &[],
                types: &types,
                catalog: &catalog,
                snapshot: &snapshot,
                dependents: &Default::default(),
                dependent_reads: &[],
                pv_claims: &Default::default(),
                now: jiff::Timestamp::now(),
            };
            let entry = catalog.lookup(finalizer);
            let who = attribute(&inputs, finalizer, entry, "acme.example.com", "widgets");
            assert_eq!(who.attributed_by, by, "{finalizer} {rbac} {workload}");
            assert!(who.owner.contains(owner), "{finalizer}: {}", who.owner);
        }
    }
}
