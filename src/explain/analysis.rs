//! From stuck objects and the evidence snapshot to findings: for each finalizer,
//! its owner, the evidence for it, whether the owner is alive, what clearing
//! skips and what to do. Pure: no I/O.

use super::catalog::{Catalog, Check, Entry, Risk};
use super::evidence::{
    ReadState, Snapshot, SourceRead, Workload, LEASES, OWNER_SEARCH, PERSISTENT_VOLUMES,
    PERSISTENT_VOLUME_CLAIMS, PODS,
};
use crate::cluster::ApiType;
use crate::glob;
use crate::model::StuckObject;
use k8s_openapi::api::core::v1::Pod;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum State {
    Alive,
    Degraded,
    Gone,
    Unknown,
}

impl State {
    pub fn label(self) -> &'static str {
        match self {
            State::Alive => "ALIVE",
            State::Degraded => "DEGRADED",
            State::Gone => "GONE",
            State::Unknown => "UNKNOWN",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Wait,
    Investigate,
    SafeToClear,
    ClearWithCare,
    FixBlockerFirst,
}

impl Action {
    pub fn label(self) -> &'static str {
        match self {
            Action::Wait => "WAIT",
            Action::Investigate => "INVESTIGATE",
            Action::SafeToClear => "SAFE TO CLEAR",
            Action::ClearWithCare => "CLEAR WITH CARE",
            Action::FixBlockerFirst => "FIX THE BLOCKER FIRST",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strength {
    Strong,
    Medium,
    Weak,
}

/// One observation, and how strongly it points at the owner or its state.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Evidence {
    pub source: String,
    pub strength: Strength,
    pub detail: String,
}

fn evidence(source: &str, strength: Strength, detail: String) -> Evidence {
    Evidence {
        source: source.into(),
        strength,
        detail,
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Recommendation {
    pub action: Action,
    pub summary: String,
    #[serde(default)]
    pub commands: Vec<String>,
}

/// An object a finding covers, with what the per-object checks found.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    pub kind: String,
    pub group: String,
    pub resource: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub terminating_seconds: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// What the finalizer's usage check found (absent: it has none).
    #[serde(default, skip_serializing_if = "Usage::is_not_checked")]
    pub usage: Usage,
}

/// Whether the finalizer is still doing its job on an object (a pod mounts the
/// claim, the volume is bound, dependents remain), as far as was read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Usage {
    /// The finalizer has no usage check.
    #[default]
    NotChecked,
    /// Checked: nothing uses the object any more.
    Unused,
    /// Checked: the finalizer is protecting something in use.
    InUse,
    /// The check's evidence could not be read: not "unused".
    Unknown,
}

impl Usage {
    pub fn is_not_checked(&self) -> bool {
        *self == Usage::NotChecked
    }
}

/// Evidence a verdict needed that was not read, and why it matters.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MissingEvidence {
    /// `plural.group` of the list, or what could not be seen.
    pub resource: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// forbidden | failed | not-read | not-visible
    pub state: Gap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    /// What the server said, or what was looked for.
    pub message: String,
    /// What the verdict needed it for.
    pub needed_for: String,
    /// A command that shows more.
    pub check: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Gap {
    Forbidden,
    Failed,
    NotRead,
    /// Read, but what was looked for is not there to see (a managed control plane's Lease).
    NotVisible,
}

impl MissingEvidence {
    fn unread(read: &SourceRead, needed_for: &str) -> MissingEvidence {
        MissingEvidence {
            resource: read.resource.clone(),
            namespace: read.namespace.clone(),
            state: match read.state {
                ReadState::Forbidden => Gap::Forbidden,
                ReadState::Failed => Gap::Failed,
                _ => Gap::NotRead,
            },
            code: read.code,
            message: read.describe(),
            needed_for: needed_for.into(),
            check: read.check_command(),
        }
    }

    /// One line: what is missing and what it was needed for.
    pub fn describe(&self) -> String {
        format!("{} — needed {}", self.message, self.needed_for)
    }
}

impl ObjectRef {
    fn of(o: &StuckObject) -> ObjectRef {
        ObjectRef {
            kind: o.kind.clone(),
            group: o.group.clone(),
            resource: o.resource.clone(),
            namespace: o.namespace.clone(),
            name: o.name.clone(),
            terminating_seconds: o.terminating_seconds,
            notes: Vec::new(),
            usage: Usage::NotChecked,
        }
    }

    /// Whether this is the object `(resource, namespace, name)`.
    pub fn is(&self, resource: &str, namespace: Option<&str>, name: &str) -> bool {
        self.resource == resource && self.namespace.as_deref() == namespace && self.name == name
    }

    /// `kind.group/name`, what `clear` and kubectl accept.
    pub fn kubectl_name(&self) -> String {
        crate::model::kubectl_name(&self.kind, &self.group, &self.name)
    }

    pub fn display(&self) -> String {
        crate::model::object_title(
            &self.kind,
            &self.group,
            self.namespace.as_deref(),
            &self.name,
        )
    }
}

/// One finalizer on the objects of one resource type.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub finalizer: String,
    pub owner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Where the owner's name comes from: catalogue, rbac, api-group or unknown.
    pub attributed_by: String,
    pub state: State,
    pub evidence: Vec<Evidence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleanup: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped_if_cleared: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<Risk>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blockers: Vec<String>,
    /// Evidence this verdict needed that could not be read: while any is listed,
    /// the state is never GONE and `clear` refuses without an explicit acknowledgement.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_evidence: Vec<MissingEvidence>,
    pub recommendation: Recommendation,
    pub objects: Vec<ObjectRef>,
}

/// A namespace stuck in Terminating and the chain that holds it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceReport {
    pub name: String,
    pub terminating_seconds: Option<u64>,
    pub conditions: Vec<crate::model::NamespaceCondition>,
    /// Objects still in the namespace, held by finalizers.
    pub blocking_objects: Vec<ObjectRef>,
    /// `name (reason: message)` of each APIService that is not Available.
    pub unavailable_api_services: Vec<String>,
    /// Resource types the namespace controller reports as remaining that the scan did not find.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unexplained: Vec<String>,
    pub recommendation: Recommendation,
}

/// Dependents that block an owner's foreground deletion: owner uid → dependents.
pub type Dependents = BTreeMap<String, Vec<String>>;

/// Where a PersistentVolume is bound: PV name → (claim namespace, claim name, claim exists).
pub type PvClaims = BTreeMap<String, (String, String, bool)>;

pub struct Inputs<'a> {
    pub items: &'a [StuckObject],
    pub types: &'a [ApiType],
    pub catalog: &'a Catalog,
    pub snapshot: &'a Snapshot,
    pub dependents: &'a Dependents,
    /// How listing each type for dependents went (empty when nothing waits on dependents).
    pub dependent_reads: &'a [SourceRead],
    pub pv_claims: &'a PvClaims,
    pub now: jiff::Timestamp,
}

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

fn age(now: jiff::Timestamp, t: &jiff::Timestamp) -> u64 {
    now.duration_since(*t).as_secs().max(0) as u64
}

fn human(secs: u64) -> String {
    crate::duration::human(std::time::Duration::from_secs(secs))
}

/// Lease freshness: renewed within twice its duration (at least a minute).
fn lease_state(
    lease: &k8s_openapi::api::coordination::v1::Lease,
    now: jiff::Timestamp,
) -> (bool, String) {
    let ns = lease.metadata.namespace.clone().unwrap_or_default();
    let name = lease.metadata.name.clone().unwrap_or_default();
    let spec = lease.spec.clone().unwrap_or_default();
    let holder = spec.holder_identity.unwrap_or_else(|| "nobody".into());
    match spec.renew_time {
        Some(t) => {
            let ago = age(now, &t.0);
            let limit = (2 * spec.lease_duration_seconds.unwrap_or(15).max(15) as u64).max(60);
            (
                ago <= limit,
                format!(
                    "lease {ns}/{name} held by {holder}, renewed {} ago",
                    human(ago)
                ),
            )
        }
        None => (false, format!("lease {ns}/{name} has never been renewed")),
    }
}

fn container_trouble(pod: &Pod) -> Option<String> {
    let statuses = pod
        .status
        .as_ref()?
        .container_statuses
        .clone()
        .unwrap_or_default();
    for c in statuses {
        let waiting = c
            .state
            .as_ref()
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.reason.clone());
        if waiting.as_deref() == Some("CrashLoopBackOff") || (!c.ready && c.restart_count >= 5) {
            return Some(format!(
                "container {} is {} ({} restarts)",
                c.name,
                waiting.unwrap_or_else(|| "not ready".into()),
                c.restart_count
            ));
        }
    }
    None
}

fn pod_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// A controller workload's state with the evidence for it.
fn assess(
    w: &Workload,
    entry: Option<&Entry>,
    s: &Snapshot,
    now: jiff::Timestamp,
) -> (State, Vec<Evidence>) {
    let mut ev = Vec::new();
    let target = format!("{} {}/{}", w.kind, w.namespace, w.name);
    if w.desired == 0 {
        ev.push(evidence(
            "workload",
            Strength::Strong,
            format!("{target} is scaled to 0 replicas: nothing is running to remove the finalizer"),
        ));
        return (State::Degraded, ev);
    }
    let pods = s.pods_of(w);
    let ready = pods.iter().filter(|p| pod_ready(p)).count();
    let trouble: Vec<String> = pods
        .iter()
        .filter_map(|p| {
            container_trouble(p)
                .map(|t| format!("pod {}: {t}", p.metadata.name.clone().unwrap_or_default()))
        })
        .collect();
    let pod_names: Vec<String> = pods
        .iter()
        .filter_map(|p| p.metadata.name.clone())
        .collect();
    let leases: Vec<_> = s
        .leases
        .iter()
        .filter(|l| {
            let ns = l.metadata.namespace.clone().unwrap_or_default();
            let name = l.metadata.name.clone().unwrap_or_default();
            let holder = l
                .spec
                .as_ref()
                .and_then(|x| x.holder_identity.clone())
                .unwrap_or_default();
            let by_holder =
                ns == w.namespace && pod_names.iter().any(|p| holder.starts_with(p.as_str()));
            let by_name = entry.is_some_and(|e| {
                e.leases
                    .iter()
                    .any(|g| glob::matches(g, &format!("{ns}/{name}")))
            });
            by_holder || by_name
        })
        .collect();
    let known_pods = s.pods.contains_key(&w.namespace);
    let ready_count = if known_pods { ready as i32 } else { w.ready };
    ev.push(evidence(
        "workload",
        Strength::Strong,
        format!("{target}: {ready_count}/{} replicas ready", w.desired),
    ));
    for t in &trouble {
        ev.push(evidence("pods", Strength::Strong, t.clone()));
    }
    let mut stale = false;
    for l in leases {
        let (fresh, text) = lease_state(l, now);
        stale |= !fresh;
        ev.push(evidence(
            "lease",
            Strength::Medium,
            if fresh {
                text
            } else {
                format!("{text}: the leader has stopped working")
            },
        ));
    }
    let state = if ready_count >= 1 && trouble.is_empty() && !stale {
        State::Alive
    } else {
        State::Degraded
    };
    (state, ev)
}

/// Webhooks that intercept UPDATE of (group, resource), fail closed, and whose
/// service has no ready endpoints: they reject the very patch that clears a finalizer.
fn blocking_webhooks(s: &Snapshot, group: &str, resource: &str) -> Vec<String> {
    let matches = |list: &Vec<String>, want: &str| list.iter().any(|x| x == "*" || x == want);
    s.webhooks
        .iter()
        .filter(|w| w.fails_closed)
        .filter(|w| {
            w.rules.iter().any(|(groups, resources, ops)| {
                matches(groups, group) && (matches(resources, resource) || resources.iter().any(|r| r == "*/*")) && (matches(ops, "UPDATE"))
            })
        })
        .filter_map(|w| {
            let (ns, svc) = w.service.clone()?;
            let checked = s.endpoint_namespaces.contains(&ns);
            (checked && !s.ready_services.contains(&(ns.clone(), svc.clone()))).then(|| {
                format!(
                    "{} {} (webhook {}) intercepts UPDATE of {resource} and its service {ns}/{svc} has no ready endpoints: the patch that removes the finalizer will be rejected",
                    w.configuration_kind, w.configuration, w.name
                )
            })
        })
        .collect()
}

/// Services of webhooks that could intercept updates of any of `types`.
pub fn webhook_namespaces(s: &Snapshot) -> BTreeSet<String> {
    s.webhooks
        .iter()
        .filter_map(|w| w.service.as_ref().map(|(ns, _)| ns.clone()))
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
                        "catalogue",
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
                out.push((w, evidence("rbac", Strength::Medium, format!("{} {}/{} runs as service account {}, which may update {resource}.{group} ({via})", w.kind, w.namespace, w.name, w.service_account))));
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

fn commands_for_clear(objects: &[ObjectRef], finalizer: &str) -> Vec<String> {
    objects
        .iter()
        .take(3)
        .map(|o| {
            let ns = o
                .namespace
                .as_ref()
                .map(|n| format!(" -n {n}"))
                .unwrap_or_default();
            format!(
                "kubectl finalizers clear {}{ns} --finalizer {finalizer}",
                o.kubectl_name()
            )
        })
        .collect()
}

/// Analyses one finalizer on the objects of one type.
fn finding(inputs: &Inputs, finalizer: &str, objects: &[&StuckObject]) -> Finding {
    let s = inputs.snapshot;
    let first = objects[0];
    let (group, resource) = (first.group.as_str(), first.resource.as_str());
    let entry = inputs.catalog.lookup(finalizer);
    let mut ev = Vec::new();
    if let Some(e) = entry {
        let project = e
            .project
            .as_ref()
            .map(|p| format!(" ({p})"))
            .unwrap_or_default();
        ev.push(evidence(
            "catalogue",
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
                "api-group",
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
                Some(m) if m.deletion_timestamp.is_some() => ev.push(evidence("crd", Strength::Medium, format!("the CRD {crd_name} is itself being deleted: its controller was probably uninstalled with it"))),
                Some(_) => ev.push(evidence("crd", Strength::Weak, format!("the CRD {crd_name} is still installed"))),
                None => {}
            }
        }
    }
    let mut cands = candidates(entry, s, group, resource);
    let mut attributed_by = if entry.is_some() {
        "catalogue"
    } else {
        "unknown"
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
                        "name",
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
            attributed_by = if e.source == "rbac" { "rbac" } else { "name" };
            format!("{} {}/{}", w.kind, w.namespace, w.name)
        }
        (None, None) if !named_served.is_empty() => {
            attributed_by = "api-group";
            format!("the controller of API group {}", named_served[0])
        }
        (None, None) => "unknown".into(),
    };
    ev.extend(cands.iter().map(|(_, e)| e.clone()));

    // Is the owner alive? Each verdict names what it rests on; what was not read
    // goes into `missing`, and a verdict that needs it becomes UNKNOWN.
    let mut missing: Vec<MissingEvidence> = Vec::new();
    let builtin = entry.is_some_and(|e| e.builtin);
    let state = if builtin {
        let e = entry.expect("builtin implies an entry");
        let lease_read = s.read_of(LEASES, None);
        let leases: Vec<_> = s
            .leases
            .iter()
            .filter(|l| {
                let key = format!(
                    "{}/{}",
                    l.metadata.namespace.clone().unwrap_or_default(),
                    l.metadata.name.clone().unwrap_or_default()
                );
                e.leases.iter().any(|g| glob::matches(g, &key))
            })
            .collect();
        if e.leases.is_empty() {
            ev.push(evidence(
                "apiserver",
                Strength::Strong,
                "kube-apiserver itself removes this finalizer, and it is answering".into(),
            ));
            State::Alive
        } else if !lease_read.is_read() {
            missing.push(MissingEvidence::unread(
                &lease_read,
                &format!(
                    "to see whether {} is running (its lease {})",
                    e.owner,
                    e.leases.join(", ")
                ),
            ));
            ev.push(evidence(
                "lease",
                Strength::Strong,
                format!(
                    "whether {} is running cannot be seen: {}",
                    e.owner,
                    lease_read.describe()
                ),
            ));
            State::Unknown
        } else if leases.is_empty() {
            let wanted = e.leases.join(", ");
            missing.push(MissingEvidence {
                resource: LEASES.into(),
                namespace: None,
                state: Gap::NotVisible,
                code: None,
                message: format!("no lease {wanted} is visible: the control plane may be managed by your provider"),
                needed_for: format!("to see whether {} is running", e.owner),
                check: format!("kubectl get lease -n {}", wanted.split('/').next().unwrap_or("kube-system")),
            });
            ev.push(evidence(
                "lease",
                Strength::Weak,
                format!("no lease {wanted} is visible: the control plane may be managed by your provider"),
            ));
            State::Unknown
        } else {
            let mut any_fresh = false;
            for l in leases {
                let (fresh, text) = lease_state(l, inputs.now);
                any_fresh |= fresh;
                ev.push(evidence("lease", Strength::Strong, text));
            }
            if any_fresh {
                State::Alive
            } else {
                State::Degraded
            }
        }
    } else if !cands.is_empty() {
        let mut best = State::Unknown;
        for (w, _) in &cands {
            let (st, more) = assess(w, entry, s, inputs.now);
            ev.extend(more);
            best = best.min(st);
            // Readiness then rests on the workload's own status; say what was not seen.
            for read in s.unread(&[PODS], Some(&w.namespace)) {
                if !missing
                    .iter()
                    .any(|m| m.resource == read.resource && m.namespace == read.namespace)
                {
                    missing.push(MissingEvidence::unread(
                        &read,
                        &format!("to see whether {}'s pods are healthy", w.reference()),
                    ));
                }
            }
        }
        for read in s.unread(&[LEASES], None) {
            missing.push(MissingEvidence::unread(
                &read,
                "to see whether the controller's leader-election lease is renewed",
            ));
        }
        best
    } else {
        let unread = s.unread(&OWNER_SEARCH, None);
        let qualified = crate::model::qualify(resource, group);
        if !unread.is_empty() {
            let who = entry
                .map(|e| e.owner.clone())
                .unwrap_or_else(|| "its controller".into());
            for read in &unread {
                missing.push(MissingEvidence::unread(read, &format!("to tell whether {who} still runs (GONE needs every workload and RBAC list)")));
            }
            ev.push(evidence(
                "workload",
                Strength::Strong,
                format!(
                    "whether {who} still runs cannot be seen: {} could not be read",
                    unread
                        .iter()
                        .map(|r| r.resource.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
            State::Unknown
        } else if entry.is_some() || !named_served.is_empty() {
            let patterns = entry
                .map(|e| e.workloads.join(", "))
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| "any name".into());
            ev.push(evidence("workload", Strength::Strong, format!("no Deployment, StatefulSet or DaemonSet matching {patterns} exists, and no workload's service account may update {qualified}")));
            State::Gone
        } else {
            ev.push(evidence("workload", Strength::Weak, format!("no workload's service account may update {qualified}; the finalizer is not catalogued")));
            State::Unknown
        }
    };

    // Per-object checks: is the finalizer still doing its job?
    let mut refs: Vec<ObjectRef> = objects.iter().map(|o| ObjectRef::of(o)).collect();
    let mut waiting_on: Vec<String> = Vec::new();
    match entry.and_then(|e| e.check) {
        Some(Check::PvcInUse) => {
            for (r, o) in refs.iter_mut().zip(objects) {
                let ns = o.namespace.clone().unwrap_or_default();
                let Some(pods) = s.pods.get(&ns) else {
                    let read = s.read_of(PODS, Some(&ns));
                    r.usage = Usage::Unknown;
                    r.notes.push(format!(
                        "whether a pod mounts it is unknown: {}",
                        read.describe()
                    ));
                    missing.push(MissingEvidence::unread(
                        &read,
                        &format!("to see whether a pod still mounts {}", r.display()),
                    ));
                    continue;
                };
                r.usage = Usage::Unused;
                for p in pods {
                    let phase = p
                        .status
                        .as_ref()
                        .and_then(|x| x.phase.clone())
                        .unwrap_or_default();
                    let uses = p
                        .spec
                        .as_ref()
                        .and_then(|x| x.volumes.as_ref())
                        .into_iter()
                        .flatten()
                        .any(|v| {
                            v.persistent_volume_claim
                                .as_ref()
                                .is_some_and(|c| c.claim_name == o.name)
                        });
                    if uses && phase != "Succeeded" && phase != "Failed" {
                        let note = format!(
                            "mounted by pod {ns}/{} ({phase})",
                            p.metadata.name.clone().unwrap_or_default()
                        );
                        waiting_on.push(format!("{}: {note}", r.display()));
                        r.notes.push(note);
                        r.usage = Usage::InUse;
                    }
                }
                if r.usage == Usage::Unused {
                    r.notes.push("no pod mounts it".into());
                }
            }
        }
        Some(Check::PvBound) => {
            let unread = s.unread(&[PERSISTENT_VOLUMES, PERSISTENT_VOLUME_CLAIMS], None);
            for r in refs.iter_mut() {
                if let Some(read) = unread.first() {
                    r.usage = Usage::Unknown;
                    r.notes.push(format!(
                        "whether it is still bound is unknown: {}",
                        read.describe()
                    ));
                    continue;
                }
                r.usage = Usage::Unused;
                if let Some((ns, claim, exists)) = inputs.pv_claims.get(&r.name) {
                    let note = if *exists {
                        format!("bound to claim {ns}/{claim}, which still exists")
                    } else {
                        format!("its claim {ns}/{claim} is gone")
                    };
                    if *exists {
                        waiting_on.push(format!("{}: {note}", r.display()));
                        r.usage = Usage::InUse;
                    }
                    r.notes.push(note);
                }
            }
            for read in &unread {
                missing.push(MissingEvidence::unread(
                    read,
                    "to see whether the volume is still bound to a claim",
                ));
            }
        }
        Some(Check::Dependents) => {
            let unread: Vec<&SourceRead> = inputs
                .dependent_reads
                .iter()
                .filter(|r| !r.is_read())
                .collect();
            for (r, o) in refs.iter_mut().zip(objects) {
                r.usage = Usage::Unused;
                for d in inputs.dependents.get(&o.uid).into_iter().flatten() {
                    let note = format!("waits for dependent {d}");
                    waiting_on.push(format!("{}: {note}", r.display()));
                    r.notes.push(note);
                    r.usage = Usage::InUse;
                }
                if r.usage == Usage::Unused && !unread.is_empty() {
                    r.usage = Usage::Unknown;
                    r.notes.push(format!(
                        "whether dependents remain is unknown: {} type(s) could not be listed",
                        unread.len()
                    ));
                }
            }
            for read in unread {
                missing.push(MissingEvidence::unread(
                    read,
                    "to see whether dependents that block the deletion remain",
                ));
            }
        }
        _ => {}
    }
    let blockers = blocking_webhooks(s, group, resource);
    ev.extend(
        blockers
            .iter()
            .map(|b| evidence("webhook", Strength::Strong, b.clone())),
    );

    let longest = objects
        .iter()
        .filter_map(|o| o.terminating_seconds)
        .max()
        .unwrap_or(0);
    let unknown_usage: Vec<String> = refs
        .iter()
        .filter(|r| r.usage == Usage::Unknown)
        .map(|r| format!("{}: {}", r.display(), r.notes.join("; ")))
        .collect();
    let recommendation = recommend(&RecommendInput {
        finalizer,
        entry,
        state,
        blockers: &blockers,
        waiting_on: &waiting_on,
        unknown_usage: &unknown_usage,
        missing: &missing,
        cands: &cands.iter().map(|(w, _)| *w).collect::<Vec<_>>(),
        objects: &refs,
        longest,
        owner: &owner,
    });
    Finding {
        finalizer: finalizer.into(),
        owner,
        project: entry.and_then(|e| e.project.clone()),
        attributed_by: attributed_by.into(),
        state,
        evidence: ev,
        cleanup: entry.map(|e| e.cleanup.clone()),
        skipped_if_cleared: entry.map(|e| e.skipped.clone()),
        risk: entry.map(|e| e.risk),
        blockers,
        missing_evidence: missing,
        recommendation,
        objects: refs,
    }
}

struct RecommendInput<'a> {
    finalizer: &'a str,
    entry: Option<&'a Entry>,
    state: State,
    blockers: &'a [String],
    waiting_on: &'a [String],
    unknown_usage: &'a [String],
    missing: &'a [MissingEvidence],
    cands: &'a [&'a Workload],
    objects: &'a [ObjectRef],
    longest: u64,
    owner: &'a str,
}

/// Alive owners get five minutes before a stuck object is worth investigating.
const WORKING_GRACE_SECS: u64 = 300;

fn recommend(i: &RecommendInput) -> Recommendation {
    let logs: Vec<String> = i
        .cands
        .iter()
        .take(2)
        .map(|w| {
            format!(
                "kubectl logs -n {} {} --since=1h --all-containers",
                w.namespace,
                w.reference()
            )
        })
        .collect();
    if !i.objects.is_empty() && i.objects.iter().all(|o| o.terminating_seconds.is_none()) {
        return Recommendation {
            action: Action::Wait,
            summary: format!(
                "Nothing is being deleted: the finalizer will run its cleanup when these objects are. Before uninstalling {}, delete them while it still runs.",
                i.owner
            ),
            commands: Vec::new(),
        };
    }
    if !i.blockers.is_empty() {
        return Recommendation {
            action: Action::FixBlockerFirst,
            summary: format!("{} Restore the webhook's service, or remove the webhook if its controller is gone; then run explain again.", i.blockers[0]),
            commands: vec!["kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations".into()],
        };
    }
    if !i.waiting_on.is_empty() {
        return Recommendation {
            action: Action::Wait,
            summary: format!("The finalizer is doing its job: {}. Resolve that first; the finalizer then goes by itself.", i.waiting_on.join("; ")),
            commands: Vec::new(),
        };
    }
    if !i.unknown_usage.is_empty() {
        return Recommendation {
            action: Action::Investigate,
            summary: format!(
                "Whether the finalizer is still doing its job cannot be seen ({}). Unread is not unused: get that evidence read, or check by hand, before clearing.",
                i.unknown_usage.join("; ")
            ),
            commands: unique_checks(i.missing),
        };
    }
    if i.state == State::Unknown && i.missing.iter().any(|m| m.state != Gap::NotVisible) {
        let who = if i.entry.is_some() {
            i.owner.to_string()
        } else {
            format!("the owner of {}", i.finalizer)
        };
        return Recommendation {
            action: Action::Investigate,
            summary: format!(
                "Whether {who} is running cannot be told: {}. A verdict needs that evidence; clear refuses without it unless you name the finalizer and pass --accept-missing-evidence (or --force).",
                i.missing.iter().map(|m| m.message.clone()).collect::<Vec<_>>().join("; ")
            ),
            commands: unique_checks(i.missing),
        };
    }
    match i.state {
        State::Alive if i.longest < WORKING_GRACE_SECS => Recommendation {
            action: Action::Wait,
            summary: format!("{} is running and the objects have been terminating for only {}.", i.owner, human(i.longest)),
            commands: Vec::new(),
        },
        State::Alive => Recommendation {
            action: Action::Investigate,
            summary: format!("{} is running but has not finished in {}: its logs say why (often a failing cleanup of an external resource).", i.owner, human(i.longest)),
            commands: logs,
        },
        State::Degraded => {
            let mut commands = logs.iter().map(|l| format!("{l} --previous")).collect::<Vec<_>>();
            commands.extend(i.cands.iter().filter(|w| w.desired == 0).map(|w| format!("kubectl scale -n {} {} --replicas=1", w.namespace, w.reference())));
            commands.extend(i.cands.iter().take(1).map(|w| format!("kubectl describe -n {} {}", w.namespace, w.reference())));
            Recommendation {
                action: Action::Investigate,
                summary: format!("{} is installed but not working; bring it back and it will remove the finalizer (and do its cleanup).", i.owner),
                commands,
            }
        }
        State::Gone => {
            let risk = i.entry.map(|e| e.risk);
            let skipped = i.entry.map(|e| e.skipped.clone());
            if risk == Some(Risk::Low) {
                Recommendation {
                    action: Action::SafeToClear,
                    summary: format!("{} is gone and its cleanup leaves nothing outside the cluster: {}", i.owner, skipped.unwrap_or_default()),
                    commands: commands_for_clear(i.objects, i.finalizer),
                }
            } else {
                let what = skipped.unwrap_or_else(|| "whatever cleanup this unknown controller performs will not run".into());
                Recommendation {
                    action: Action::ClearWithCare,
                    summary: format!("{} is gone; reinstalling it would run its cleanup. Clearing by hand skips it: {what}", i.owner),
                    commands: commands_for_clear(i.objects, i.finalizer),
                }
            }
        }
        State::Unknown if i.entry.is_some() => Recommendation {
            action: Action::Investigate,
            summary: format!(
                "{} owns it, but whether it is running cannot be seen from here (control-plane components are not visible on managed clusters). Check it with your provider before clearing: clearing skips {}",
                i.owner,
                i.entry.map(|e| e.skipped.to_lowercase()).unwrap_or_default()
            ),
            commands: Vec::new(),
        },
        State::Unknown => Recommendation {
            action: Action::Investigate,
            summary: format!("The owner of {} could not be determined from the cluster. Find the controller that sets it (project docs, the object's labels and managedFields) before clearing.", i.finalizer),
            commands: i
                .objects
                .iter()
                .take(1)
                .map(|o| {
                    let ns = o.namespace.as_ref().map(|n| format!(" -n {n}")).unwrap_or_default();
                    format!("kubectl get {}{ns} -o yaml --show-managed-fields", o.kubectl_name())
                })
                .collect(),
        },
    }
}

/// The distinct `check` commands of `missing`, in order.
fn unique_checks(missing: &[MissingEvidence]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in missing {
        if !out.contains(&m.check) {
            out.push(m.check.clone());
        }
    }
    out
}

/// A finding about a finalizer nothing carries (`explain --finalizer NAME`).
pub fn finding_without_objects(inputs: &Inputs, finalizer: &str) -> Finding {
    let placeholder = StuckObject {
        api_version: String::new(),
        kind: String::new(),
        group: String::new(),
        resource: String::new(),
        namespace: None,
        name: String::new(),
        uid: String::new(),
        resource_version: String::new(),
        creation_timestamp: None,
        deletion_timestamp: None,
        terminating_seconds: None,
        finalizers: vec![finalizer.to_string()],
        spec_finalizers: Vec::new(),
        conditions: Vec::new(),
        matched_finalizers: None,
    };
    let mut f = finding(inputs, finalizer, &[&placeholder]);
    f.objects.clear();
    if f.recommendation.action != Action::FixBlockerFirst {
        f.recommendation = Recommendation {
            action: Action::Wait,
            summary: "No object carries this finalizer: nothing is blocked by it.".into(),
            commands: Vec::new(),
        };
    }
    f
}

/// All findings, one per (finalizer, resource type), ordered by state then owner.
pub fn findings(inputs: &Inputs) -> Vec<Finding> {
    let mut groups: BTreeMap<(String, String, String), Vec<&StuckObject>> = BTreeMap::new();
    for o in inputs.items {
        for f in &o.finalizers {
            groups
                .entry((f.clone(), o.group.clone(), o.resource.clone()))
                .or_default()
                .push(o);
        }
    }
    let mut out: Vec<Finding> = groups
        .iter()
        .map(|((f, _, _), objs)| finding(inputs, f, objs))
        .collect();
    out.sort_by(|a, b| (a.state, &a.owner, &a.finalizer).cmp(&(b.state, &b.owner, &b.finalizer)));
    out
}

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
}
