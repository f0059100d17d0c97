//! Planning a `clear`: which objects (arguments, a reviewed file, or a scan),
//! what each holds now, what would be removed, and whether the evidence allows
//! it — only a GONE owner, on complete evidence, with nothing in use, is cleared
//! on `--yes` alone.

use crate::cluster::discovery::ApiCatalog;
use crate::cluster::names::{validate_name, validate_namespace};
use crate::cluster::resolve::parse_targets;
use crate::cluster::{objects, ApiFailure, ApiType, Cluster, Problem};
use crate::error::Error;
use crate::explain::catalog::Catalog;
use crate::explain::checks;
use crate::explain::report::{Source as EvidenceSource, State, Usage};
use crate::explain::ExplainReport;
use crate::model::{Progress, StuckObject};
use crate::render;
use crate::scan;
use crate::settings::{Clear, Selection, Source};
use futures::{stream, StreamExt};
use kube::api::DynamicObject;
use serde::Deserialize;
#[cfg(test)]
use serde_json::json;
use serde_json::Value;
use std::path::Path;

/// One object and the change planned for it.
#[derive(Debug, Clone)]
pub struct Planned {
    pub ty: ApiType,
    pub namespace: Option<String>,
    pub name: String,
    pub uid: String,
    pub resource_version: String,
    /// The object as read: the backup, and the body of a `/finalize` PUT.
    pub manifest: Value,
    pub terminating: bool,
    pub finalizers: Vec<String>,
    pub keep: Vec<String>,
    /// Namespaces: `spec.finalizers` as read and after.
    pub spec_finalizers: Vec<String>,
    pub spec_keep: Vec<String>,
    /// The object in the scan's terms, for explain's verdicts.
    pub stuck: StuckObject,
}

impl Planned {
    pub fn removed(&self) -> Vec<String> {
        let meta = self.finalizers.iter().filter(|f| !self.keep.contains(f));
        let spec = self
            .spec_finalizers
            .iter()
            .filter(|f| !self.spec_keep.contains(f));
        meta.chain(spec).cloned().collect()
    }

    pub fn title(&self) -> String {
        crate::model::object_title(
            &self.ty.kind,
            &self.ty.group,
            self.namespace.as_deref(),
            &self.name,
        )
    }

    /// The kubectl command that shows the object as it is now.
    pub fn get_command(&self) -> String {
        let ns = crate::model::ns_flag(self.namespace.as_deref());
        format!(
            "kubectl get {}/{}{ns} -o yaml",
            self.ty.qualified_resource(),
            self.name
        )
    }
}

/// An object that will not be patched, and why. `safety` marks refusals that
/// protect the user (an ALIVE owner, content in a namespace, a live or recreated
/// object): they make the run end non-zero even when everything else succeeded.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub object: String,
    pub reason: String,
    pub safety: bool,
}

pub fn refuse(object: String, reason: impl Into<String>, safety: bool) -> Refusal {
    Refusal {
        object,
        reason: reason.into(),
        safety,
    }
}

/// `scan -o json|yaml` and `explain -o json|yaml` documents both carry `items`.
#[derive(Deserialize)]
struct InputDocument {
    items: Vec<StuckObject>,
}

fn read_input(path: &Path) -> anyhow::Result<Vec<StuckObject>> {
    let text = crate::render::read_document(path)?;
    Ok(parse_input(&text, &path.display().to_string())?)
}

/// The items of a `scan`/`explain` document. An empty document, or one without
/// `items`, is a usage error: it is not what either command prints.
fn parse_input(text: &str, origin: &str) -> Result<Vec<StuckObject>, Error> {
    let not_ours = |why: String| {
        Error::Usage(format!(
            "{origin} is not the JSON or YAML that `scan -o json|yaml` or `explain -o json|yaml` prints: {why}"
        ))
    };
    if text.trim().is_empty() {
        return Err(not_ours("it is empty".into()));
    }
    let doc: Value = render::yaml::parse(text).map_err(not_ours)?;
    if doc.get("items").is_none() {
        return Err(not_ours("it has no `items`".into()));
    }
    let doc: InputDocument = serde_json::from_value(doc).map_err(|e| not_ours(e.to_string()))?;
    Ok(doc.items)
}

/// A reviewed file applies to the cluster it was read from: items that name
/// another API server (or, without one, another context) are refused.
fn same_cluster(items: &[StuckObject], cluster: &Cluster) -> Result<(), Error> {
    let here = &cluster.identity;
    let other = items.iter().find(|i| match (&i.server, &i.context) {
        (Some(server), _) => *server != here.server,
        (None, Some(context)) => *context != here.context,
        (None, None) => false,
    });
    match other {
        None => Ok(()),
        Some(i) => {
            let context = i.context.as_deref().unwrap_or("?");
            let server = i.server.as_deref().unwrap_or("?");
            Err(Error::Usage(format!(
                "{}/{} in the file was found in context {context} ({server}), but this run is connected to context {} ({}): use --context {context}, or --allow-other-context if they are the same cluster",
                i.resource, i.name, here.context, here.server
            )))
        }
    }
}

/// What to read: type, namespace, name, and the uid the input expects (from -f).
pub struct Wanted {
    ty: ApiType,
    namespace: Option<String>,
    name: String,
    uid: Option<String>,
    /// From -f: the object as it was reviewed. Only its finalizers may be
    /// removed, and only while the object still holds exactly those.
    reviewed: Option<StuckObject>,
}

/// The objects `settings.source` names, and what could not be read to find them.
pub async fn wanted(
    cluster: &Cluster,
    api: &ApiCatalog,
    settings: &Clear,
    progress: &dyn Progress,
) -> anyhow::Result<(Vec<Wanted>, Vec<Problem>)> {
    let default_ns = settings
        .selection
        .target_namespace(&cluster.default_namespace)
        .to_string();
    if let Source::Targets(targets) = &settings.source {
        let targets = parse_targets(&api.types, targets)?;
        if targets.iter().any(|t| t.ty.namespaced) {
            validate_namespace(&default_ns)?;
        }
        return Ok((
            targets
                .into_iter()
                .map(|t| Wanted {
                    namespace: t.ty.namespaced.then(|| default_ns.clone()),
                    ty: t.ty,
                    name: t.name,
                    uid: None,
                    reviewed: None,
                })
                .collect(),
            Vec::new(),
        ));
    }
    let (items, problems, from_file) = match &settings.source {
        Source::File(path) => {
            let items = read_input(path)?;
            if !settings.allow_other_context {
                same_cluster(&items, cluster)?;
            }
            (items, Vec::new(), true)
        }
        _ => {
            let report = scan::scan_types(cluster, api, &settings.selection, progress).await;
            (report.items, report.problems, false)
        }
    };
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for item in items {
        // The same object twice (a file concatenated, a repeated item) is planned once.
        if !item.uid.is_empty() && !seen.insert(item.uid.clone()) {
            continue;
        }
        let qualified = crate::model::qualify(&item.resource, &item.group);
        let ty = api.find(&item.group, &item.resource).ok_or_else(|| {
            anyhow::anyhow!(
                "{qualified}/{}: the cluster does not serve {qualified}",
                item.name
            )
        })?;
        let label = format!("item {qualified}/{}", item.name);
        validate_name(&item.name).map_err(|e| Error::Usage(format!("{label}: {e}")))?;
        match (&item.namespace, ty.namespaced) {
            (Some(ns), true) => {
                validate_namespace(ns).map_err(|e| Error::Usage(format!("{label}: {e}")))?
            }
            (None, true) => {
                return Err(Error::Usage(format!(
                    "{label}: {qualified} is namespaced but the item has no namespace"
                ))
                .into())
            }
            (Some(ns), false) => {
                return Err(Error::Usage(format!(
                    "{label}: {qualified} is cluster-scoped but the item names namespace {ns:?}"
                ))
                .into())
            }
            (None, false) => {}
        }
        out.push(Wanted {
            ty: ty.clone(),
            namespace: item.namespace.clone(),
            name: item.name.clone(),
            uid: Some(item.uid.clone()),
            reviewed: from_file.then(|| item.clone()),
        });
    }
    Ok((out, problems))
}

/// Reads each object and plans its change; objects that must not be touched are
/// returned with the reason.
pub async fn plan(
    cluster: &Cluster,
    wanted: Vec<Wanted>,
    selection: &Selection,
) -> anyhow::Result<(Vec<Planned>, Vec<Refusal>)> {
    let mut planned = Vec::new();
    let mut refused = Vec::new();
    // Read every object (full, for the backup) concurrently, keeping the order.
    let reads: Vec<(Wanted, Result<DynamicObject, ApiFailure>)> = stream::iter(wanted)
        .map(|w| async move {
            let read = objects::get(&cluster.client, &w.ty, w.namespace.as_deref(), &w.name).await;
            (w, read)
        })
        .buffered(selection.concurrency)
        .collect()
        .await;
    for (w, read) in reads {
        let label =
            crate::model::object_title(&w.ty.kind, &w.ty.group, w.namespace.as_deref(), &w.name);
        let obj = match read {
            Ok(o) => o,
            // From a scan or a file it was there and has gone since: done. Named by
            // hand, it may be a typo: said, and the run does not end as a success.
            Err(ApiFailure::NotFound(_)) if w.uid.is_some() => {
                refused.push(refuse(
                    label,
                    "not found: already gone, nothing to do",
                    false,
                ));
                continue;
            }
            Err(ApiFailure::NotFound(_)) => {
                refused.push(refuse(
                    label,
                    "not found (check the name and the namespace)",
                    true,
                ));
                continue;
            }
            Err(e) => return Err(anyhow::anyhow!("reading {label}: {}", e.message())),
        };
        let manifest = serde_json::to_value(&obj)?;
        let uid = obj.metadata.uid.clone().unwrap_or_default();
        if let Some(expected) = w.uid.as_ref().filter(|u| !u.is_empty() && **u != uid) {
            refused.push(refuse(label, format!("was deleted and recreated since it was listed (uid {expected}, now {uid}): list it again"), true));
            continue;
        }
        let terminating = obj.metadata.deletion_timestamp.is_some();
        let finalizers = obj.metadata.finalizers.clone().unwrap_or_default();
        let spec_finalizers: Vec<String> = if w.ty.is_namespace() && terminating {
            serde_json::from_value(manifest["spec"]["finalizers"].clone()).unwrap_or_default()
        } else {
            Vec::new()
        };
        if let Some(item) = &w.reviewed {
            let rv = obj.metadata.resource_version.as_deref().unwrap_or_default();
            let spec_changed = w.ty.is_namespace() && spec_finalizers != item.spec_finalizers;
            if rv != item.resource_version && (finalizers != item.finalizers || spec_changed) {
                let mut now = format!("finalizers {:?} → {:?}", item.finalizers, finalizers);
                if spec_changed {
                    now.push_str(&format!(
                        ", spec.finalizers {:?} → {:?}",
                        item.spec_finalizers, spec_finalizers
                    ));
                }
                refused.push(refuse(label, format!("changed since it was reviewed (resourceVersion {} → {rv}): {now}; nothing is planned for it. Review the new state and write the file again", item.resource_version), true));
                continue;
            }
        }
        // From a file, only what was reviewed: the entries the file selected.
        let reviewed: Option<Vec<String>> = w.reviewed.as_ref().map(|item| {
            item.matched_finalizers
                .clone()
                .unwrap_or_else(|| item.all_finalizers().cloned().collect())
        });
        let chosen = |f: &String| {
            reviewed.as_ref().is_none_or(|r| r.contains(f)) && selection.finalizers.selects(f)
        };
        let keep: Vec<String> = finalizers.iter().filter(|f| !chosen(f)).cloned().collect();
        let spec_keep: Vec<String> = spec_finalizers
            .iter()
            .filter(|f| !chosen(f))
            .cloned()
            .collect();
        let resource_version = obj.metadata.resource_version.clone().unwrap_or_default();
        let live_too = scan::Filter {
            include_live: true,
            ..Default::default()
        };
        let Some(stuck) = scan::select(
            &w.ty,
            obj.metadata,
            spec_finalizers.clone(),
            Vec::new(),
            &live_too,
            jiff::Timestamp::now(),
        ) else {
            refused.push(refuse(label, "has no finalizers", false));
            continue;
        };
        let p = Planned {
            ty: w.ty,
            namespace: w.namespace,
            name: w.name,
            uid,
            resource_version,
            manifest,
            terminating,
            finalizers,
            keep,
            spec_finalizers,
            spec_keep,
            stuck,
        };
        if p.removed().is_empty() {
            let why = if p.finalizers.is_empty() && p.spec_finalizers.is_empty() {
                "has no finalizers"
            } else if reviewed.is_some() {
                "holds none of the finalizers the file selected (and --finalizer allows)"
            } else {
                "has no finalizer matching --finalizer"
            };
            refused.push(refuse(label, why, false));
        } else if !terminating && !selection.include_live {
            refused.push(refuse(label, "is not being deleted (no deletionTimestamp): its finalizers are doing their normal job; pass --include-live to clear them anyway", true));
        } else {
            planned.push(p);
        }
    }
    Ok((planned, refused))
}

/// Why one finalizer may not be removed on `--yes` alone.
enum Hold {
    /// The evidence says no (in use, owner ALIVE or DEGRADED): only `--force` overrides.
    Force(String),
    /// The evidence is incomplete: `--force`, or naming the finalizer with
    /// `--finalizer` and passing `--accept-missing-evidence`.
    Acknowledge(String),
}

/// What stands between `p` and the removal of each planned finalizer.
fn holds(p: &Planned, report: &ExplainReport) -> Vec<(String, Hold)> {
    let mut out = Vec::new();
    let ns = p.namespace.as_deref();
    for f in p.finalizers.iter().filter(|f| !p.keep.contains(f)) {
        let found = report.findings.iter().find_map(|x| {
            let o = x.objects.iter().find(|o| o.is(&p.ty.plural, ns, &p.name))?;
            (x.finalizer == *f).then_some((x, o))
        });
        let Some((finding, object)) = found else {
            out.push((
                f.clone(),
                Hold::Acknowledge("no verdict could be formed for it".into()),
            ));
            continue;
        };
        if object.usage == Usage::InUse {
            out.push((
                f.clone(),
                Hold::Force(format!(
                    "the finalizer is doing its job: {}",
                    object.notes.join("; ")
                )),
            ));
        }
        let mut evidence: String = finding
            .evidence
            .iter()
            .filter(|e| matches!(e.source, EvidenceSource::Workload | EvidenceSource::Lease))
            .map(|e| format!("\n        evidence: {}", e.detail))
            .collect();
        // The commands that show more (logs, describe, the missing reads).
        evidence.extend(
            finding
                .recommendation
                .commands
                .iter()
                .map(|c| format!("\n        see: {c}")),
        );
        let missing: Vec<String> = finding
            .missing_evidence
            .iter()
            .map(|m| m.describe())
            .collect();
        match finding.state {
            State::Alive => out.push((f.clone(), Hold::Force(format!(
                "its owner {} is ALIVE (use --force to clear anyway; its cleanup will not run) — {}{evidence}",
                finding.owner, finding.recommendation.summary
            )))),
            State::Degraded => out.push((f.clone(), Hold::Force(format!(
                "its owner {} is DEGRADED: bring it back and it removes the finalizer after its cleanup (use --force to clear anyway){evidence}",
                finding.owner
            )))),
            State::Unknown => out.push((f.clone(), Hold::Acknowledge(format!(
                "whether its owner ({}) is running is UNKNOWN: {}",
                finding.owner,
                if missing.is_empty() { finding.recommendation.summary.clone() } else { missing.join("; ") }
            )))),
            State::Gone if object.usage == Usage::Unknown || !missing.is_empty() => {
                out.push((f.clone(), Hold::Acknowledge(missing.join("; "))))
            }
            State::Gone => {}
        }
    }
    if p.spec_finalizers != p.spec_keep {
        // The namespace controller's own report of what is still in the namespace.
        let conditions = p.manifest["status"]["conditions"].as_array();
        let reported = conditions.into_iter().flatten().map(|c| {
            let text = |k: &str| c[k].as_str().unwrap_or_default();
            (text("type"), text("status"), text("message"))
        });
        match checks::namespace_content(reported) {
            (Usage::InUse, content) => out.push(("kubernetes".into(), Hold::Force(format!("the namespace controller reports content still in it ({content}); removing `kubernetes` would orphan it in etcd. Clear that first (kubectl finalizers explain ns/{}), or use --force", p.name)))),
            (Usage::Unknown, why) => out.push(("kubernetes".into(), Hold::Acknowledge(why))),
            _ => {}
        }
    }
    out
}

/// Applies explain's verdicts: only a GONE owner, on complete evidence and with
/// nothing in use, is cleared on `--yes` alone. Returns the objects to patch, the
/// owner summary of what they lose, and the acknowledged gaps to show in the plan.
pub async fn check_verdicts(
    cluster: &Cluster,
    api: &ApiCatalog,
    planned: Vec<Planned>,
    catalog: &Catalog,
    args: &Clear,
    refused: &mut Vec<Refusal>,
) -> (Vec<Planned>, Vec<String>, Vec<String>) {
    let items: Vec<StuckObject> = planned.iter().map(|p| p.stuck.clone()).collect();
    let report = crate::explain::analyze(cluster, api, items, catalog, &args.selection, &[]).await;
    let named = |f: &str| args.selection.finalizers.names(f);
    let mut kept = Vec::new();
    let mut acknowledged = Vec::new();
    for p in planned {
        let holds = holds(&p, &report);
        let forced: Vec<String> = holds
            .iter()
            .filter_map(|(f, h)| match h {
                Hold::Force(why) => Some(format!("\n      {f}: {why}")),
                Hold::Acknowledge(_) => None,
            })
            .collect();
        let gaps: Vec<(&String, &String)> = holds
            .iter()
            .filter_map(|(f, h)| match h {
                Hold::Acknowledge(why) => Some((f, why)),
                Hold::Force(_) => None,
            })
            .collect();
        if args.force {
            kept.push(p);
        } else if !forced.is_empty() {
            refused.push(refuse(
                p.title(),
                format!("refused without --force:{}", forced.concat()),
                true,
            ));
        } else if gaps.is_empty() {
            kept.push(p);
        } else if args.accept_missing_evidence && gaps.iter().all(|(f, _)| named(f)) {
            acknowledged.extend(
                gaps.iter()
                    .map(|(f, why)| format!("{}: {f}: clearing although {why}", p.title())),
            );
            kept.push(p);
        } else {
            let mut why =
                String::from("the evidence is incomplete, so clearing is refused without --force:");
            for (f, gap) in &gaps {
                why.push_str(&format!("\n      {f}: {gap}"));
            }
            let names: Vec<&str> = gaps.iter().map(|(f, _)| f.as_str()).collect();
            why.push_str(&format!(
                "\n      to clear anyway, name it and acknowledge the gap: --finalizer {} --accept-missing-evidence",
                names.join(" --finalizer ")
            ));
            refused.push(refuse(p.title(), why, true));
        }
    }
    let mut summary = Vec::new();
    for f in &report.findings {
        if kept.iter().any(|p| {
            p.removed().contains(&f.finalizer)
                && f.objects
                    .iter()
                    .any(|o| o.is(&p.ty.plural, p.namespace.as_deref(), &p.name))
        }) {
            let skip = f
                .skipped_if_cleared
                .clone()
                .unwrap_or_else(|| "unknown: the owner is not catalogued".into());
            summary.push(format!(
                "{} — owner {} is {}; clearing skips: {skip}",
                f.finalizer,
                f.owner,
                f.state.label()
            ));
        }
    }
    (kept, summary, acknowledged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::report::{
        Action, AttributedBy, Finding, Gap, MissingEvidence, ObjectRef, Recommendation,
    };

    fn planned(finalizers: &[&str], keep: &[&str]) -> Planned {
        let ty = ApiType {
            group: String::new(),
            version: "v1".into(),
            plural: "persistentvolumeclaims".into(),
            singular: "persistentvolumeclaim".into(),
            kind: "PersistentVolumeClaim".into(),
            namespaced: true,
            verbs: vec![],
            short_names: vec![],
            subresources: vec![],
        };
        let strings = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let stuck: StuckObject = serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim", "group": "",
            "resource": "persistentvolumeclaims", "namespace": "shop", "name": "data", "uid": "u"
        }))
        .unwrap();
        Planned {
            ty,
            namespace: Some("shop".into()),
            name: "data".into(),
            uid: "u".into(),
            resource_version: "1".into(),
            manifest: json!({}),
            terminating: true,
            finalizers: strings(finalizers),
            keep: strings(keep),
            spec_finalizers: vec![],
            spec_keep: vec![],
            stuck,
        }
    }

    fn report(state: State, usage: Usage, missing: bool) -> ExplainReport {
        let object: ObjectRef = serde_json::from_value(json!({
            "kind": "PersistentVolumeClaim", "group": "", "resource": "persistentvolumeclaims",
            "namespace": "shop", "name": "data", "terminatingSeconds": 60,
            "notes": ["mounted by pod shop/db-0 (Running)"]
        }))
        .unwrap();
        let object = ObjectRef { usage, ..object };
        let missing_evidence = if missing {
            vec![MissingEvidence {
                resource: "pods".into(),
                namespace: Some("shop".into()),
                state: Gap::Forbidden,
                code: Some(403),
                message: "cannot list pods in namespace shop: 403 Forbidden".into(),
                needed_for: "to see whether a pod mounts it".into(),
                check: "kubectl auth can-i list pods -n shop".into(),
            }]
        } else {
            vec![]
        };
        ExplainReport {
            findings: vec![Finding {
                finalizer: "example.com/f".into(),
                owner: "example operator".into(),
                project: None,
                attributed_by: AttributedBy::Catalogue,
                state,
                evidence: vec![],
                cleanup: None,
                skipped_if_cleared: None,
                risk: None,
                blockers: vec![],
                missing_evidence,
                recommendation: Recommendation {
                    action: Action::Investigate,
                    summary: "look".into(),
                    commands: vec![],
                },
                objects: vec![object],
            }],
            ..Default::default()
        }
    }

    #[test]
    fn input_documents_are_ours_or_a_usage_error() {
        for bad in [
            "",
            "  \n",
            "{}",
            "[]",
            "items: 3",
            "{\"items\": [{}]}",
            "\u{0}",
        ] {
            assert!(parse_input(bad, "f").is_err(), "{bad:?}");
        }
        assert_eq!(parse_input("items: []", "f").unwrap().len(), 0);
    }

    proptest::proptest! {
        #[test]
        fn any_input_document_parses_or_is_refused_without_panicking(text in "\\PC{0,200}") {
            let _ = parse_input(&text, "f");
        }
    }

    /// `F` needs --force, `A` an acknowledgement (or --force), `-` nothing.
    fn strongest(h: &[(String, Hold)]) -> &'static str {
        if h.iter().any(|(_, h)| matches!(h, Hold::Force(_))) {
            "F"
        } else if h.is_empty() {
            "-"
        } else {
            "A"
        }
    }

    #[test]
    fn only_a_gone_owner_on_complete_evidence_is_cleared_on_yes_alone() {
        use State::{Alive, Degraded, Gone};
        use Usage::{InUse, NotChecked, Unused};
        let table = [
            (Gone, NotChecked, false, "-"),
            (Gone, Unused, false, "-"),
            (Gone, InUse, false, "F"),
            (Gone, Usage::Unknown, true, "A"),
            (Gone, NotChecked, true, "A"),
            (Alive, Unused, false, "F"),
            (Degraded, NotChecked, false, "F"),
            (State::Unknown, NotChecked, false, "A"),
            (State::Unknown, InUse, false, "F"),
        ];
        let p = planned(&["example.com/f"], &[]);
        for (state, usage, missing, want) in table {
            let got = strongest(&holds(&p, &report(state, usage, missing)));
            assert_eq!(got, want, "{state:?} {usage:?} missing={missing}");
        }
        // A finalizer kept by the plan is not judged; one without a finding is not cleared blind.
        let kept = planned(&["example.com/f", "other.io/x"], &["example.com/f"]);
        let h = holds(&kept, &report(Gone, NotChecked, false));
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].0, "other.io/x");
        assert!(matches!(h[0].1, Hold::Acknowledge(_)));
    }
}
