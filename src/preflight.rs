//! `preflight`: before an operator is uninstalled, which objects anywhere in the
//! cluster carry finalizers only it removes, and the order that avoids stranding
//! them (delete those objects while it still runs, then uninstall). Reads only.

use crate::cluster::resolve::resolve_type;
use crate::cluster::{discovery, Cluster, Problem};
use crate::error::Error;
use crate::explain::attribution::{named_groups, rbac_candidates, Grant};
use crate::explain::catalog::Catalog;
use crate::explain::evidence::{Snapshot, Workload};
use crate::glob;
use crate::model::{Progress, StuckObject};
use crate::scan;
use crate::settings::Selection;
use serde::Serialize;
use std::collections::BTreeSet;

/// Which operator: its workload, its Helm release, or the API groups it serves.
pub enum Owner {
    Workload {
        /// As the user wrote it (`deploy`, `statefulsets.apps`, …).
        type_spec: String,
        namespace: String,
        name: String,
    },
    HelmRelease {
        namespace: String,
        name: String,
    },
    Groups(Vec<String>),
}

/// What preflight found: the operator's finalizers and the objects carrying them.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreflightReport {
    /// The operator's workloads, as `Kind namespace/name`.
    pub workloads: Vec<String>,
    /// Finalizer names and globs the catalogue gives its project(s).
    pub finalizer_patterns: Vec<String>,
    /// API groups it serves or may update finalizers in.
    pub groups: Vec<String>,
    /// How each of the above was found.
    pub evidence: Vec<String>,
    /// Objects, live or terminating, that carry one of its finalizers.
    pub items: Vec<StuckObject>,
    /// In order: what to run before uninstalling.
    pub steps: Vec<String>,
    pub problems: Vec<Problem>,
}

fn release_of_crd(meta: &kube::api::ObjectMeta) -> Option<&str> {
    meta.annotations
        .as_ref()?
        .get("meta.helm.sh/release-name")
        .map(String::as_str)
}

/// The group a CRD's name (`plural.group`) serves.
fn crd_group(meta: &kube::api::ObjectMeta) -> Option<String> {
    meta.name
        .as_deref()?
        .split_once('.')
        .map(|(_, g)| g.to_string())
}

/// Works out the operator's finalizers and lists every object carrying one.
pub async fn preflight(
    cluster: &Cluster,
    owner: &Owner,
    catalog: &Catalog,
    selection: &Selection,
    progress: &dyn Progress,
) -> anyhow::Result<PreflightReport> {
    let api = discovery::discover(&cluster.client, selection.concurrency).await?;
    let snapshot = Snapshot::load(&cluster.client).await;
    let mut report = PreflightReport {
        problems: snapshot.problems.clone(),
        ..Default::default()
    };
    let mut groups: BTreeSet<String> = BTreeSet::new();
    let workloads: Vec<&Workload> = match owner {
        Owner::Workload {
            type_spec,
            namespace,
            name,
        } => {
            let ty = resolve_type(&api.types, type_spec)?;
            let kind = &ty.kind;
            if ty.group != "apps"
                || !matches!(kind.as_str(), "Deployment" | "StatefulSet" | "DaemonSet")
            {
                return Err(Error::Usage(format!(
                    "{type_spec:?} is not a workload type: use deploy/NAME, statefulset/NAME or daemonset/NAME"
                ))
                .into());
            }
            let found: Vec<&Workload> = snapshot
                .workloads
                .iter()
                .filter(|w| w.kind == *kind && w.namespace == *namespace && w.name == *name)
                .collect();
            if found.is_empty() {
                anyhow::bail!(
                    "{kind} {namespace}/{name} was not found (or workloads could not be listed)"
                );
            }
            found
        }
        Owner::HelmRelease { namespace, name } => {
            for crd in snapshot
                .crds
                .iter()
                .filter(|m| release_of_crd(m) == Some(name.as_str()))
            {
                if let Some(g) = crd_group(crd) {
                    report.evidence.push(format!(
                        "CRD {} was installed by Helm release {name}",
                        crd.name.clone().unwrap_or_default()
                    ));
                    groups.insert(g);
                }
            }
            let found: Vec<&Workload> = snapshot
                .workloads
                .iter()
                .filter(|w| w.namespace == *namespace && w.helm_release() == Some(name.as_str()))
                .collect();
            if found.is_empty() && groups.is_empty() {
                anyhow::bail!("nothing in namespace {namespace} belongs to Helm release {name} (no workload or CRD carries meta.helm.sh/release-name: {name})");
            }
            found
        }
        Owner::Groups(given) => {
            groups.extend(given.iter().cloned());
            Vec::new()
        }
    };
    for w in &workloads {
        report
            .workloads
            .push(format!("{} {}/{}", w.kind, w.namespace, w.name));
        // The catalogue's finalizers for the project whose workload this is.
        for e in catalog.entries().iter().filter(|e| !e.builtin) {
            let named = e.workloads.iter().any(|g| glob::matches(g, &w.name))
                && (e.namespaces.is_empty()
                    || e.namespaces.contains(&w.namespace)
                    || e.workloads.contains(&w.name));
            if named && !report.finalizer_patterns.contains(&e.finalizer) {
                report.finalizer_patterns.push(e.finalizer.clone());
                report.evidence.push(format!(
                    "the catalogue gives {} as a workload of {} ({})",
                    w.name, e.owner, e.finalizer
                ));
            }
        }
    }
    // Groups whose finalizers the workloads may update: what their RBAC grants.
    for ty in api.types.iter().filter(|t| !t.group.is_empty()) {
        for (w, via, grant) in rbac_candidates(&snapshot, &ty.group, &ty.plural) {
            let ours = workloads.iter().any(|x| std::ptr::eq(*x, w));
            if ours && grant == Grant::Finalizers && groups.insert(ty.group.clone()) {
                report.evidence.push(format!(
                    "{} {}/{} may update {}/finalizers ({via})",
                    w.kind,
                    w.namespace,
                    w.name,
                    ty.qualified_resource()
                ));
            }
        }
    }
    report.groups = groups.iter().cloned().collect();
    // Every object, live or terminating, carrying one of those finalizers.
    let everything = Selection {
        namespace: None,
        include_live: true,
        ..selection.clone()
    };
    let scanned = scan::scan_types(cluster, &api, &everything, progress).await;
    report.problems.extend(scanned.problems);
    let theirs = |f: &str| {
        report
            .finalizer_patterns
            .iter()
            .any(|p| glob::matches(p, f))
            || named_groups(f).iter().any(|g| groups.contains(g))
    };
    let mut items: Vec<StuckObject> = scanned
        .items
        .into_iter()
        .filter_map(|mut o| {
            let matched: Vec<String> = o.all_finalizers().filter(|f| theirs(f)).cloned().collect();
            (!matched.is_empty()).then(|| {
                o.matched_finalizers = Some(matched);
                o
            })
        })
        .collect();
    items.sort_by_key(|o| {
        (
            o.namespace.clone(),
            o.group.clone(),
            o.kind.clone(),
            o.name.clone(),
        )
    });
    report.steps = steps(&items, &report);
    report.items = items;
    report.problems.sort_by(|a, b| a.scope.cmp(&b.scope));
    report.problems.dedup();
    Ok(report)
}

/// The safe order: delete what carries the operator's finalizers while it still
/// runs (it removes them after its cleanup), wait, then uninstall.
fn steps(items: &[StuckObject], report: &PreflightReport) -> Vec<String> {
    if items.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for o in items {
        let ns = crate::model::ns_flag(o.namespace.as_deref());
        let command = if !o.group.is_empty() && report.groups.contains(&o.group) {
            // The operator's own kind: all of them go before it does.
            format!(
                "kubectl delete {} --all{ns} --wait",
                crate::model::qualify(&o.resource, &o.group)
            )
        } else {
            format!(
                "kubectl delete {}{ns} --wait",
                crate::model::kubectl_name(&o.kind, &o.group, &o.name)
            )
        };
        if seen.insert(command.clone()) {
            out.push(command);
        }
    }
    out.push(format!(
        "then uninstall {} — once no object carries its finalizers",
        if report.workloads.is_empty() {
            "the operator".to_string()
        } else {
            report.workloads.join(", ")
        }
    ));
    out
}
