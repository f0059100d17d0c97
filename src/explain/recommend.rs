//! What to do about a finalizer, from its owner's state, its usage checks, its
//! blockers and what could not be read: one recommendation with its commands.

use super::catalog::{Entry, Risk};
use super::evidence::Workload;
use super::report::{Action, Gap, MissingEvidence, ObjectRef, Recommendation, State};

fn human(secs: u64) -> String {
    crate::duration::human(std::time::Duration::from_secs(secs))
}

fn commands_for_clear(objects: &[ObjectRef], finalizer: &str) -> Vec<String> {
    objects
        .iter()
        .take(3)
        .map(|o| {
            let ns = crate::model::ns_flag(o.namespace.as_deref());
            format!(
                "kubectl finalizers clear {}{ns} --finalizer {finalizer}",
                o.kubectl_name()
            )
        })
        .collect()
}

pub struct RecommendInput<'a> {
    pub finalizer: &'a str,
    pub entry: Option<&'a Entry>,
    pub state: State,
    pub blockers: &'a [String],
    pub waiting_on: &'a [String],
    pub unknown_usage: &'a [String],
    pub missing: &'a [MissingEvidence],
    pub cands: &'a [&'a Workload],
    pub objects: &'a [ObjectRef],
    pub longest: u64,
    pub owner: &'a str,
    /// The objects' CRD is itself being deleted.
    pub crd_deleting: bool,
}

/// Alive owners get five minutes before a stuck object is worth investigating.
const WORKING_GRACE_SECS: u64 = 300;

pub fn recommend(i: &RecommendInput) -> Recommendation {
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
            summary: format!("{}. Restore the webhook's service, or remove the webhook if its controller is gone; then run explain again.", i.blockers[0].trim_end_matches('.')),
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
                let summary = if i.crd_deleting {
                    // Reinstalling does not help here: the CRD goes as soon as its
                    // objects do, and a reinstall can recreate what it manages.
                    format!("{} is gone and the objects' CRD is itself being deleted: reinstalling the operator would not run a clean teardown (the CRD disappears as soon as its objects do, and a reinstall may recreate resources). Clear with care; clearing skips: {what}", i.owner)
                } else {
                    format!("{} is gone; reinstalling it would run its cleanup. Clearing by hand skips it: {what}", i.owner)
                };
                Recommendation {
                    action: Action::ClearWithCare,
                    summary,
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
                    let ns = crate::model::ns_flag(o.namespace.as_deref());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::catalog::Catalog;

    fn object(terminating: Option<u64>) -> ObjectRef {
        serde_json::from_value(serde_json::json!({
            "kind": "Widget", "group": "acme.example.com", "resource": "widgets",
            "namespace": "ops", "name": "w", "terminatingSeconds": terminating
        }))
        .unwrap()
    }

    fn gap(state: Gap) -> MissingEvidence {
        MissingEvidence {
            resource: "deployments.apps".into(),
            namespace: None,
            state,
            code: Some(403),
            message: "cannot list deployments.apps cluster-wide: 403 Forbidden".into(),
            needed_for: "to tell whether it runs".into(),
            check: "kubectl auth can-i list deployments.apps -A".into(),
        }
    }

    #[test]
    fn one_recommendation_per_situation() {
        let catalog = Catalog::builtin();
        let low = catalog.lookup("syslogngconfig.logging.banzaicloud.io/finalizer");
        let high = catalog.lookup("finalizer.acme.cert-manager.io");
        let workload = Workload {
            kind: "Deployment".into(),
            namespace: "ops".into(),
            name: "op".into(),
            service_account: "op".into(),
            selector: Default::default(),
            desired: 1,
            ready: 1,
            labels: Default::default(),
            annotations: Default::default(),
            images: vec![],
        };
        struct Case<'a> {
            entry: Option<&'a Entry>,
            state: State,
            blocker: bool,
            waiting: bool,
            unknown_usage: bool,
            missing: Option<Gap>,
            live: bool,
            longest: u64,
            want: Action,
            says: &'a str,
            crd_deleting: bool,
        }
        let base = Case {
            entry: low,
            state: State::Gone,
            blocker: false,
            waiting: false,
            unknown_usage: false,
            missing: None,
            live: false,
            longest: 3600,
            want: Action::SafeToClear,
            says: "is gone",
            crd_deleting: false,
        };
        let cases = [
            Case { ..base },
            Case {
                entry: high,
                want: Action::ClearWithCare,
                says: "Clearing by hand skips it",
                ..base
            },
            Case {
                live: true,
                want: Action::Wait,
                says: "Nothing is being deleted",
                ..base
            },
            Case {
                blocker: true,
                want: Action::FixBlockerFirst,
                says: "Restore the webhook's service",
                ..base
            },
            Case {
                waiting: true,
                want: Action::Wait,
                says: "doing its job",
                ..base
            },
            Case {
                unknown_usage: true,
                want: Action::Investigate,
                says: "Unread is not unused",
                ..base
            },
            Case {
                state: State::Unknown,
                missing: Some(Gap::Forbidden),
                want: Action::Investigate,
                says: "--accept-missing-evidence",
                ..base
            },
            Case {
                state: State::Unknown,
                missing: Some(Gap::NotVisible),
                want: Action::Investigate,
                says: "cannot be seen from here",
                ..base
            },
            Case {
                state: State::Unknown,
                entry: None,
                want: Action::Investigate,
                says: "could not be determined",
                ..base
            },
            Case {
                state: State::Alive,
                longest: 60,
                want: Action::Wait,
                says: "only 60s",
                ..base
            },
            Case {
                state: State::Alive,
                want: Action::Investigate,
                says: "has not finished",
                ..base
            },
            Case {
                state: State::Degraded,
                want: Action::Investigate,
                says: "not working",
                ..base
            },
        ];
        for (i, c) in cases.iter().enumerate() {
            let objects = [object((!c.live).then_some(c.longest))];
            let blockers = if c.blocker {
                vec!["a webhook rejects it.".to_string()]
            } else {
                vec![]
            };
            let waiting = if c.waiting {
                vec!["mounted by pod".to_string()]
            } else {
                vec![]
            };
            let unknown = if c.unknown_usage {
                vec!["pods unread".to_string()]
            } else {
                vec![]
            };
            let missing: Vec<MissingEvidence> = c.missing.into_iter().map(gap).collect();
            let r = recommend(&RecommendInput {
                finalizer: "example/f",
                entry: c.entry,
                state: c.state,
                blockers: &blockers,
                waiting_on: &waiting,
                unknown_usage: &unknown,
                missing: &missing,
                cands: &[&workload],
                objects: &objects,
                longest: c.longest,
                owner: "the operator",
                crd_deleting: c.crd_deleting,
            });
            assert_eq!(r.action, c.want, "case {i}: {}", r.summary);
            assert!(r.summary.contains(c.says), "case {i}: {}", r.summary);
        }
    }
}
