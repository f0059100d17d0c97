//! Is the finalizer still doing its job? Usage checks per object (a pod mounts
//! the claim, the volume is bound to a claim, dependents block a foreground
//! deletion) and admission webhooks that would reject the patch that clears it.
//! Evidence that was not read makes a check `unknown`, never "unused".

use super::analysis::Inputs;
use super::catalog::{Check, Entry};
use super::evidence::{Snapshot, SourceRead, PERSISTENT_VOLUMES, PERSISTENT_VOLUME_CLAIMS, PODS};
use super::report::{MissingEvidence, ObjectRef, Usage};
use crate::model::StuckObject;
use std::collections::BTreeSet;

/// Runs the finalizer's usage check (if its catalogue entry has one) on each
/// object: marks `refs` in-use, unused or unknown, adds what was not read to
/// `missing`, and returns what the finalizer is waiting on.
pub fn usage(
    inputs: &Inputs,
    entry: Option<&Entry>,
    objects: &[&StuckObject],
    refs: &mut [ObjectRef],
    missing: &mut Vec<MissingEvidence>,
) -> Vec<String> {
    let s = inputs.snapshot;

    // Per-object checks: is the finalizer still doing its job?
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
                    let note = format!("waits for dependent {}", d.text);
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
        // Namespaces are judged by their chain (namespace.rs) and, before clear
        // removes `kubernetes`, by `namespace_content` below.
        Some(Check::NamespaceContent) | None => {}
    }
    waiting_on
}

/// What the namespace controller's conditions (type, status, message) say of a
/// terminating namespace: content remains (in use, with its message), none
/// remains (unused), or no conditions were reported (unknown, not empty).
pub fn namespace_content<'a>(
    conditions: impl Iterator<Item = (&'a str, &'a str, &'a str)>,
) -> (Usage, String) {
    let mut reported = false;
    for (type_, status, message) in conditions {
        reported = true;
        let content =
            type_ == "NamespaceContentRemaining" || type_ == "NamespaceFinalizersRemaining";
        if content && status == "True" {
            return (Usage::InUse, message.to_string());
        }
    }
    if reported {
        (
            Usage::Unused,
            "the namespace controller reports no content left".into(),
        )
    } else {
        (
            Usage::Unknown,
            "the namespace controller has reported no conditions, so whether content remains in the namespace cannot be seen".into(),
        )
    }
}

/// Webhooks that intercept UPDATE of (group, resource), fail closed, and whose
/// service has no ready endpoints: they reject the very patch that clears a finalizer.
pub fn blocking_webhooks(s: &Snapshot, group: &str, resource: &str) -> Vec<String> {
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
