//! Is the owner alive? Kubernetes' own controllers by their leader-election
//! Lease (kube-apiserver by answering at all); operators by their workloads'
//! ready replicas, their pods (crash loops, restarts) and their Leases. GONE only
//! when every workload and RBAC list was read.

use super::analysis::Inputs;
use super::attribution::Attribution;
use super::catalog::Entry;
use super::evidence::{Snapshot, Workload, LEASES, OWNER_SEARCH, PODS};
use super::report::{
    evidence, AttributedBy, Evidence, Gap, MissingEvidence, Source, State, Strength,
};
use crate::glob;
use k8s_openapi::api::core::v1::Pod;

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
            Source::Workload,
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
        Source::Workload,
        Strength::Strong,
        format!("{target}: {ready_count}/{} replicas ready", w.desired),
    ));
    for t in &trouble {
        ev.push(evidence(Source::Pods, Strength::Strong, t.clone()));
    }
    let mut stale = false;
    for l in leases {
        let (fresh, text) = lease_state(l, now);
        stale |= !fresh;
        ev.push(evidence(
            Source::Lease,
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

/// What the evidence says of the owner's state, with what it rests on and what
/// it needed but could not read.
pub struct Liveness {
    pub state: State,
    pub evidence: Vec<Evidence>,
    pub missing: Vec<MissingEvidence>,
}

/// Whether the owner found by `who` is alive. A verdict that needs a list that
/// was not read is UNKNOWN, and says which.
pub fn liveness(
    inputs: &Inputs,
    entry: Option<&Entry>,
    who: &Attribution,
    group: &str,
    resource: &str,
) -> Liveness {
    let s = inputs.snapshot;
    let mut ev: Vec<Evidence> = Vec::new();
    let cands = &who.candidates;
    let named_served = &who.named_served;

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
                Source::Apiserver,
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
                Source::Lease,
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
                Source::Lease,
                Strength::Weak,
                format!("no lease {wanted} is visible: the control plane may be managed by your provider"),
            ));
            State::Unknown
        } else {
            let mut any_fresh = false;
            for l in leases {
                let (fresh, text) = lease_state(l, inputs.now);
                any_fresh |= fresh;
                ev.push(evidence(Source::Lease, Strength::Strong, text));
            }
            if any_fresh {
                State::Alive
            } else {
                State::Degraded
            }
        }
    } else if !cands.is_empty() {
        let mut best = State::Unknown;
        for w in cands.iter() {
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
        // A finalizer asked about with no object carrying it has no resource type.
        let qualified = if resource.is_empty() {
            "the objects that would carry it".to_string()
        } else {
            crate::model::qualify(resource, group)
        };
        if !unread.is_empty() {
            let who = entry
                .map(|e| e.owner.clone())
                .unwrap_or_else(|| "its controller".into());
            for read in &unread {
                missing.push(MissingEvidence::unread(read, &format!("to tell whether {who} still runs (GONE needs every workload and RBAC list)")));
            }
            ev.push(evidence(
                Source::Workload,
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
        } else if entry.is_some()
            || who.attributed_by == AttributedBy::Domain
            || !named_served.is_empty()
        {
            let patterns = entry
                .map(|e| e.workloads.join(", "))
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| "any name".into());
            ev.push(evidence(Source::Workload, Strength::Strong, format!("no Deployment, StatefulSet or DaemonSet matching {patterns} exists, and no workload's service account may update {qualified}")));
            State::Gone
        } else {
            ev.push(evidence(Source::Workload, Strength::Weak, format!("no workload's service account may update {qualified}; the finalizer is not catalogued")));
            State::Unknown
        }
    };
    Liveness {
        state,
        evidence: ev,
        missing,
    }
}
