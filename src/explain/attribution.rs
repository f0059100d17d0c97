//! Who owns a finalizer: the catalogue, workloads whose names the catalogue
//! gives, workloads whose service account may update the resource (RBAC), a
//! workload named like the finalizer's API group, or the API group itself.

use super::analysis::Inputs;
use super::catalog::{Catalog, Entry};
use super::evidence::{Snapshot, Workload};
use super::report::{evidence, AttributedBy, Evidence, Source, Strength};
use crate::glob;
use crate::model::StuckObject;
use std::collections::{BTreeSet, HashMap};

/// How much an RBAC grant on (group, resource) says about who owns a finalizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Grant {
    /// Update on every resource of the group, or on a core resource (pods,
    /// configmaps, services, …) that many unrelated controllers may update.
    Broad,
    /// Update on the resource of a custom API group.
    Resource,
    /// Update on `<resource>/finalizers`: what a controller that sets finalizers
    /// is granted (controller-runtime's RBAC markers generate it).
    Finalizers,
}

/// The grant `rule` gives on (group, resource). Roles with rules on every
/// resource of every group (cluster-admin and the like) say nothing.
pub fn grant(
    rule: &k8s_openapi::api::rbac::v1::PolicyRule,
    group: &str,
    resource: &str,
) -> Option<Grant> {
    let groups = rule.api_groups.clone().unwrap_or_default();
    let resources = rule.resources.clone().unwrap_or_default();
    let everything = groups.iter().any(|g| g == "*") && resources.iter().any(|r| r == "*");
    let verb = rule
        .verbs
        .iter()
        .any(|v| v == "update" || v == "patch" || v == "*");
    if everything || !verb || !groups.iter().any(|g| g == group) {
        return None;
    }
    if resources
        .iter()
        .any(|r| *r == format!("{resource}/finalizers"))
    {
        Some(Grant::Finalizers)
    } else if resources.iter().any(|r| r == resource) {
        Some(if group.is_empty() {
            Grant::Broad
        } else {
            Grant::Resource
        })
    } else if resources.iter().any(|r| r == "*") {
        Some(Grant::Broad)
    } else {
        None
    }
}

/// Workloads whose service account may update/patch `resource` in `group`, with
/// the binding that grants it and the strongest grant.
pub fn rbac_candidates<'s>(
    s: &'s Snapshot,
    group: &str,
    resource: &str,
) -> Vec<(&'s Workload, String, Grant)> {
    let mut out: Vec<(&Workload, String, Grant)> = Vec::new();
    // Roles by (kind, namespace for a Role, name), the first of each kept: one
    // pass instead of a search per binding (a fleet has thousands of both).
    let scope =
        |kind: &str, ns: Option<&'s String>| (kind != "ClusterRole").then_some(ns).flatten();
    let mut roles = HashMap::new();
    for r in &s.roles {
        roles
            .entry((
                r.kind.as_str(),
                scope(&r.kind, r.namespace.as_ref()),
                r.name.as_str(),
            ))
            .or_insert(r);
    }
    for b in &s.bindings {
        let key = (
            b.role_kind.as_str(),
            scope(&b.role_kind, b.namespace.as_ref()),
            b.role_name.as_str(),
        );
        let Some(role) = roles.get(&key) else {
            continue;
        };
        let Some(best) = role
            .rules
            .iter()
            .filter_map(|rule| grant(rule, group, resource))
            .max()
        else {
            continue;
        };
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
                match out.iter_mut().find(|(x, ..)| std::ptr::eq(*x, w)) {
                    Some(existing) if existing.2 < best => *existing = (w, via, best),
                    Some(_) => {}
                    None => out.push((w, via, best)),
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

/// Candidate controller workloads for a finalizer on (group, resource), each with
/// its evidence, strongest first. A catalogued finalizer's owner is looked for by
/// the names the catalogue gives; any other by specific links only — a Helm
/// release or application shared with the CRD, a grant on `<resource>/finalizers`
/// or on a custom resource, labels or images naming the finalizer's domain, a
/// name like its group. A workload whose only link is a broad permission (it may
/// update pods) is not named.
fn candidates<'s>(
    entry: Option<&Entry>,
    s: &'s Snapshot,
    finalizer: &str,
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
    if entry.is_some_and(|e| e.builtin) {
        return out;
    }
    let mut linked: Vec<(&Workload, Vec<Evidence>)> = Vec::new();
    let mut add =
        |w: &'s Workload, e: Evidence| match linked.iter_mut().find(|(x, _)| std::ptr::eq(*x, w)) {
            Some((_, list)) => list.push(e),
            None => linked.push((w, vec![e])),
        };
    let qualified = crate::model::qualify(resource, group);
    for (w, via, g) in rbac_candidates(s, group, resource) {
        let (strength, more) = match g {
            Grant::Finalizers => (
                Strength::Strong,
                ", its finalizers included: what the controller that sets them is granted",
            ),
            Grant::Resource => (Strength::Medium, ""),
            Grant::Broad => (Strength::Weak, ": a broad permission many controllers have"),
        };
        add(w, evidence(Source::Rbac, strength, format!("{} {}/{} runs as service account {}, which may update {qualified} ({via}){more}", w.kind, w.namespace, w.name, w.service_account)));
    }
    // The CRD's Helm release and application, shared with a workload.
    let crd = s
        .crds
        .iter()
        .find(|m| !group.is_empty() && m.name.as_deref() == Some(&format!("{resource}.{group}")));
    let crd_annotation = |k: &str| crd.and_then(|m| m.annotations.as_ref()?.get(k).cloned());
    let crd_label = |k: &str| crd.and_then(|m| m.labels.as_ref()?.get(k).cloned());
    let crd_release = crd_annotation("meta.helm.sh/release-name")
        .or_else(|| crd_label("app.kubernetes.io/instance"));
    let crd_part_of = crd_label("app.kubernetes.io/part-of");
    let named = named_groups(finalizer);
    let domain = finalizer.split('/').next().unwrap_or_default();
    let token = named
        .iter()
        .find(|g| *g == group)
        .or(named.first())
        .and_then(|g| g.split('.').next())
        .filter(|t| t.len() >= 4)
        .map(str::to_string);
    for w in &s.workloads {
        if let (Some(r), Some(wr)) = (&crd_release, w.helm_release()) {
            if r == wr {
                add(w, evidence(Source::Helm, Strength::Strong, format!("{} {}/{} was installed by Helm release {r}, like the CRD {resource}.{group}", w.kind, w.namespace, w.name)));
            }
        }
        if let (Some(p), Some(wp)) = (&crd_part_of, w.labels.get("app.kubernetes.io/part-of")) {
            if p == wp {
                add(
                    w,
                    evidence(
                        Source::Helm,
                        Strength::Strong,
                        format!(
                            "{} {}/{} is part of {p}, like the CRD {resource}.{group}",
                            w.kind, w.namespace, w.name
                        ),
                    ),
                );
            }
        }
        let Some(token) = &token else { continue };
        let labelled = [
            "app.kubernetes.io/part-of",
            "app.kubernetes.io/name",
            "app.kubernetes.io/managed-by",
            "app.kubernetes.io/instance",
        ]
        .iter()
        .filter_map(|k| w.labels.get(*k).map(|v| (*k, v.as_str())))
        .chain(w.helm_release().map(|r| ("Helm release", r)))
        .find(|(_, v)| v.contains(token.as_str()));
        if let Some((k, v)) = labelled {
            add(
                w,
                evidence(
                    Source::Labels,
                    Strength::Medium,
                    format!(
                        "{} {}/{} has {k} {v}, naming the finalizer's domain ({token})",
                        w.kind, w.namespace, w.name
                    ),
                ),
            );
        } else if let Some(image) = w
            .images
            .iter()
            .find(|i| i.contains(domain) || i.contains(token.as_str()))
        {
            add(
                w,
                evidence(
                    Source::Labels,
                    Strength::Medium,
                    format!(
                        "{} {}/{} runs image {image}, naming the finalizer's domain",
                        w.kind, w.namespace, w.name
                    ),
                ),
            );
        } else if w.name.contains(token.as_str()) {
            add(
                w,
                evidence(
                    Source::Name,
                    Strength::Weak,
                    format!(
                        "{} {}/{} is named like the group ({token})",
                        w.kind, w.namespace, w.name
                    ),
                ),
            );
        }
    }
    // Rank by the strongest link, then by how many; a broad grant alone names nobody.
    let mut ranked: Vec<(&Workload, Vec<Evidence>)> = linked
        .into_iter()
        .filter(|(_, ev)| {
            ev.iter()
                .any(|e| e.strength < Strength::Weak || e.source == Source::Name)
        })
        .collect();
    ranked.sort_by_key(|(_, ev)| {
        (
            ev.iter().map(|e| e.strength).min(),
            std::cmp::Reverse(ev.len()),
        )
    });
    for (w, ev) in ranked {
        if out.iter().any(|(x, _)| std::ptr::eq(*x, w)) {
            continue;
        }
        for e in ev {
            out.push((w, e));
        }
    }
    out
}

/// Workloads whose only link to (group, resource) is a broad permission: said,
/// never named as the owner.
fn broad_only<'s>(
    s: &'s Snapshot,
    group: &str,
    resource: &str,
    named: &[(&'s Workload, Evidence)],
) -> Vec<Evidence> {
    rbac_candidates(s, group, resource)
        .into_iter()
        .filter(|(w, _, g)| *g == Grant::Broad && !named.iter().any(|(x, _)| std::ptr::eq(*x, *w)))
        .map(|(w, via, _)| {
            evidence(
                Source::Rbac,
                Strength::Weak,
                format!(
                    "{} {}/{} may update {} ({via}), but so may many controllers: not enough to name it the owner",
                    w.kind,
                    w.namespace,
                    w.name,
                    crate::model::qualify(resource, group)
                ),
            )
        })
        .collect()
}

/// Namespaces whose pods the analysis of `items` needs.
pub fn pod_namespaces(
    inputs_items: &[StuckObject],
    catalog: &Catalog,
    s: &Snapshot,
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    // Candidates depend on (finalizer, group, resource) only: once per finding, not per object.
    let mut keys = BTreeSet::new();
    for o in inputs_items {
        if o.kind == "PersistentVolumeClaim" && o.group.is_empty() {
            out.extend(o.namespace.clone());
        }
        for f in &o.finalizers {
            keys.insert((f.as_str(), o.group.as_str(), o.resource.as_str()));
        }
    }
    for (f, group, resource) in keys {
        for (w, _) in candidates(catalog.lookup(f), s, f, group, resource) {
            out.insert(w.namespace.clone());
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
    let mut cands = candidates(entry, s, finalizer, group, resource);
    let mut attributed_by = if entry.is_some() {
        AttributedBy::Catalogue
    } else {
        AttributedBy::Unknown
    };
    // Not catalogued, no workload linked: the finalizer's domain may still be a
    // catalogued project's (`workflows.argoproj.io/…`), whose workloads we know.
    let mut domain_owner = None;
    if entry.is_none() && cands.is_empty() {
        if let Some(m) = inputs.catalog.by_domain(finalizer) {
            let projects = m.projects.join(" or ");
            ev.push(evidence(
                Source::Domain,
                Strength::Medium,
                format!("the finalizer's domain {} belongs to {projects} (the catalogue lists its other finalizers); this exact name is not catalogued", m.suffix),
            ));
            for e in &m.entries {
                for w in &s.workloads {
                    let named = e.workloads.iter().any(|g| glob::matches(g, &w.name))
                        && (e.namespaces.is_empty() || e.namespaces.contains(&w.namespace));
                    if named && !cands.iter().any(|(x, _)| std::ptr::eq(*x, w)) {
                        cands.push((
                            w,
                            evidence(
                                Source::Domain,
                                Strength::Medium,
                                format!(
                                    "{} {}/{} has a name the catalogue gives {projects}",
                                    w.kind, w.namespace, w.name
                                ),
                            ),
                        ));
                    }
                }
            }
            domain_owner = Some(format!(
                "{projects} (by the finalizer's domain {})",
                m.suffix
            ));
        }
    }
    let owner = match (entry, domain_owner, cands.first()) {
        (Some(e), ..) => e.owner.clone(),
        (None, Some(project), _) => {
            attributed_by = AttributedBy::Domain;
            project
        }
        (None, None, Some((w, e))) => {
            attributed_by = match e.source {
                Source::Helm => AttributedBy::Helm,
                Source::Rbac => AttributedBy::Rbac,
                Source::Labels => AttributedBy::Labels,
                _ => AttributedBy::Name,
            };
            format!("{} {}/{}", w.kind, w.namespace, w.name)
        }
        (None, None, None) if !named_served.is_empty() => {
            attributed_by = AttributedBy::ApiGroup;
            format!("the controller of API group {}", named_served[0])
        }
        (None, None, None) => "unknown".into(),
    };
    ev.extend(cands.iter().map(|(_, e)| e.clone()));
    if entry.is_none() {
        ev.extend(broad_only(s, group, resource, &cands));
    }
    let mut candidates: Vec<&Workload> = Vec::new();
    for (w, _) in cands {
        if !candidates.iter().any(|x| std::ptr::eq(*x, w)) {
            candidates.push(w);
        }
    }
    Attribution {
        owner,
        attributed_by,
        evidence: ev,
        candidates,
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
        assert_eq!(grant(&all, "example.com", "widgets"), None);
        let specific = PolicyRule {
            api_groups: Some(vec!["example.com".into()]),
            resources: Some(vec!["widgets/finalizers".into()]),
            verbs: vec!["update".into()],
            ..Default::default()
        };
        assert_eq!(
            grant(&specific, "example.com", "widgets"),
            Some(Grant::Finalizers)
        );
        let read_only = PolicyRule {
            verbs: vec!["get".into()],
            ..specific
        };
        assert_eq!(grant(&read_only, "example.com", "widgets"), None);
    }

    fn snapshot_with(rbac: bool, workload: &str) -> Snapshot {
        use super::super::evidence::{RbacBinding, RbacRole};
        use k8s_openapi::api::rbac::v1::{PolicyRule, Subject};
        let mut s = Snapshot::default();
        s.workloads.push(Workload {
            kind: "Deployment".into(),
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
            kind: "ClusterRole".into(),
            namespace: None,
            name: "r".into(),
            rules: vec![rule],
        });
        s.bindings.push(RbacBinding {
            kind: "ClusterRoleBinding".into(),
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
            .map(|g| crate::cluster::ApiType::widgets(g))
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
