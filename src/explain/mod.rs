//! `explain`: for each finalizer, who owns it, the evidence, whether the owner is
//! alive, what clearing would skip, and what to do. Reads only; never writes.

pub mod analysis;
pub mod attribution;
pub mod catalog;
pub mod checks;
pub mod evidence;
pub mod liveness;
pub mod namespace;
pub mod recommend;
pub mod report;

use crate::cluster::discovery::{self, ApiCatalog};
use crate::cluster::resolve::{parse_targets, Target};
use crate::cluster::{list, objects, Cluster, Problem};
use crate::model::Progress;
use crate::model::StuckObject;
use crate::scan::{self, Filter};
use crate::settings::Selection;
use analysis::{Dependents, Inputs, PvClaims};
use catalog::Catalog;
use evidence::{Snapshot, SourceRead};
use futures::{stream, StreamExt};
use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};
use report::{Finding, NamespaceReport};
use serde::{Deserialize, Serialize};

use std::collections::BTreeSet;
use std::sync::Mutex;

/// What explain found: the stable content of `explain -o json|yaml`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExplainReport {
    pub namespaces: Vec<NamespaceReport>,
    pub findings: Vec<Finding>,
    /// The objects explained, in the scan's schema (so `clear -f` accepts this document).
    pub items: Vec<StuckObject>,
    /// Every evidence list and how reading it went (read, forbidden, failed).
    #[serde(default)]
    pub evidence_sources: Vec<SourceRead>,
    pub problems: Vec<Problem>,
}

/// What to explain.
pub struct Request<'a> {
    pub targets: &'a [String],
    pub selection: &'a Selection,
    pub catalog: &'a Catalog,
}

/// Fetches named objects; a namespace target brings its stuck content along.
async fn fetch_targets(
    cluster: &Cluster,
    api: &ApiCatalog,
    targets: &[Target],
    selection: &Selection,
    progress: &dyn Progress,
) -> anyhow::Result<(Vec<StuckObject>, Vec<Problem>)> {
    let namespace = selection
        .target_namespace(&cluster.default_namespace)
        .to_string();
    // Named objects are explained live or not, as long as they carry a selected finalizer.
    let filter = Filter {
        finalizers: selection.finalizers.clone(),
        include_live: true,
        ..Default::default()
    };
    if targets.iter().any(|t| t.ty.namespaced) {
        crate::cluster::names::validate_namespace(&namespace)?;
    }
    let now = jiff::Timestamp::now();
    let mut items = Vec::new();
    let mut problems = Vec::new();
    for t in targets {
        if t.ty.is_namespace() {
            let ns = objects::namespace(&cluster.client, &t.name)
                .await
                .map_err(|e| anyhow::anyhow!("getting namespace {}: {}", t.name, e.message()))?;
            let remaining = remaining_types(&ns, api);
            items.extend(scan::select_namespace(&t.ty, ns, &filter, now));
            let inner = selection.in_namespace(&t.name);
            // What the namespace controller says remains is listed first; the
            // full scan runs only if that does not account for all of it.
            if let Some(types) = remaining {
                let narrow = ApiCatalog {
                    types: types.iter().map(|t| (*t).clone()).collect(),
                    problems: Vec::new(),
                };
                let report = scan::scan_types(cluster, &narrow, &inner, progress).await;
                let explained = report.problems.is_empty()
                    && types.iter().all(|ty| {
                        report
                            .items
                            .iter()
                            .any(|o| o.group == ty.group && o.resource == ty.plural)
                    });
                if explained {
                    items.extend(report.items);
                    continue;
                }
            }
            let report = scan::scan_types(cluster, api, &inner, progress).await;
            items.extend(report.items.into_iter().filter(|o| o.kind != "Namespace"));
            problems.extend(report.problems);
            continue;
        }
        let meta = objects::metadata(&cluster.client, &t.ty, Some(&namespace), &t.name)
            .await
            .map_err(|e| {
                let where_ = if t.ty.namespaced {
                    format!(" in namespace {namespace}")
                } else {
                    String::new()
                };
                anyhow::anyhow!(
                    "getting {}/{}{where_}: {}",
                    t.ty.qualified_resource(),
                    t.name,
                    e.message()
                )
            })?;
        let carries_any = meta.finalizers.as_ref().is_some_and(|f| !f.is_empty());
        match scan::select(&t.ty, meta, Vec::new(), Vec::new(), &filter, now) {
            Some(o) => items.push(o),
            None if carries_any => crate::say!(
                "note: {}/{} carries no finalizer that --finalizer selects",
                t.ty.qualified_resource(),
                t.name
            ),
            None => crate::say!(
                "note: {}/{} has no finalizers: nothing holds it",
                t.ty.qualified_resource(),
                t.name
            ),
        }
    }
    Ok((items, problems))
}

/// The types the namespace controller reports as remaining in `ns`
/// (`<resource>.<group> has N resource instances`), if it reported any and every
/// one is served; `None` means "scan them all".
fn remaining_types<'a>(
    ns: &k8s_openapi::api::core::v1::Namespace,
    api: &'a ApiCatalog,
) -> Option<Vec<&'a crate::cluster::ApiType>> {
    let message = scan::failing_conditions(ns)
        .into_iter()
        .find(|c| c.type_ == "NamespaceContentRemaining")?
        .message;
    let listed = message.strip_prefix("Some resources are remaining: ")?;
    let mut types = Vec::new();
    for part in listed.split(", ") {
        let resource = part.split(" has ").next()?;
        let (plural, group) = resource.split_once('.').unwrap_or((resource, ""));
        types.push(api.find(group, plural)?);
    }
    (!types.is_empty()).then_some(types)
}

/// Objects whose ownerReferences block the foreground deletion of `owners`
/// (one metadata list per type, only when some object waits on dependents).
/// Every type's list is recorded: a failed one means dependents may be missing.
/// Dependents that are themselves held by finalizers are returned as objects too,
/// so that their owners can be explained (the chain).
async fn find_dependents(
    cluster: &Cluster,
    api: &ApiCatalog,
    owners: &BTreeSet<String>,
    chunk: u32,
    concurrency: usize,
) -> (Dependents, Vec<StuckObject>, Vec<SourceRead>) {
    let found = Mutex::new(Dependents::new());
    let held_objects = Mutex::new(Vec::new());
    let reads = Mutex::new(Vec::new());
    let live_too = Filter {
        include_live: true,
        ..Default::default()
    };
    let now = jiff::Timestamp::now();
    let types: Vec<_> = api.types.iter().filter(|t| t.can("list")).collect();
    stream::iter(types)
        .for_each_concurrent(concurrency, |ty| {
            let (found, held_objects, reads, live_too) = (&found, &held_objects, &reads, &live_too);
            async move {
                let result = list::metadata_pages(&cluster.client, ty, None, None, chunk, |page| {
                    for m in page {
                        for r in m.owner_references.iter().flatten() {
                            if owners.contains(&r.uid) && r.block_owner_deletion == Some(true) {
                                let ns = m
                                    .namespace
                                    .as_ref()
                                    .map(|n| format!("{n}/"))
                                    .unwrap_or_default();
                                let fin = m.finalizers.clone().unwrap_or_default();
                                let state = if m.deletion_timestamp.is_some() {
                                    "terminating"
                                } else {
                                    "live"
                                };
                                let held = if fin.is_empty() {
                                    String::new()
                                } else {
                                    format!(", held by {}", fin.join(", "))
                                };
                                let text = format!(
                                    "{} {ns}{} ({state}{held})",
                                    ty.qualified_kind(),
                                    m.name.clone().unwrap_or_default()
                                );
                                found
                                    .lock()
                                    .expect("dependents lock")
                                    .entry(r.uid.clone())
                                    .or_default()
                                    .push(analysis::Dependent {
                                        uid: m.uid.clone().unwrap_or_default(),
                                        text,
                                    });
                                if let Some(o) = scan::select(
                                    ty,
                                    m.clone(),
                                    Vec::new(),
                                    Vec::new(),
                                    live_too,
                                    now,
                                ) {
                                    held_objects.lock().expect("dependents lock").push(o);
                                }
                            }
                        }
                    }
                })
                .await;
                // A type deleted since discovery has no dependents left.
                let result = result.or_else(|p| if p.code == Some(404) { Ok(()) } else { Err(p) });
                let read =
                    SourceRead::of(&ty.qualified_resource(), None, result.as_ref().map(|_| ()));
                reads.lock().expect("dependents lock").push(read);
            }
        })
        .await;
    let mut reads = reads.into_inner().expect("dependents lock");
    reads.sort_by(|a, b| a.resource.cmp(&b.resource));
    (
        found.into_inner().expect("dependents lock"),
        held_objects.into_inner().expect("dependents lock"),
        reads,
    )
}

/// Where each stuck PersistentVolume is bound (two cluster-wide lists, recorded
/// in the snapshot as evidence).
async fn pv_claims(cluster: &Cluster, items: &[StuckObject], snapshot: &mut Snapshot) -> PvClaims {
    let mut out = PvClaims::new();
    if !items
        .iter()
        .any(|o| o.kind == "PersistentVolume" && o.group.is_empty())
    {
        return out;
    }
    let pvs = list::all::<PersistentVolume>(&cluster.client).await;
    let pvcs = list::all_metadata::<PersistentVolumeClaim>(&cluster.client).await;
    let pvs = snapshot.keep(evidence::PERSISTENT_VOLUMES, None, pvs);
    let pvcs = snapshot.keep(evidence::PERSISTENT_VOLUME_CLAIMS, None, pvcs);
    let claims: BTreeSet<(String, String)> = pvcs
        .iter()
        .map(|c| {
            (
                c.namespace.clone().unwrap_or_default(),
                c.name.clone().unwrap_or_default(),
            )
        })
        .collect();
    for pv in pvs {
        if let Some(r) = pv.spec.and_then(|s| s.claim_ref) {
            let key = (r.namespace.unwrap_or_default(), r.name.unwrap_or_default());
            let exists = claims.contains(&key);
            out.insert(pv.metadata.name.unwrap_or_default(), (key.0, key.1, exists));
        }
    }
    out
}

pub async fn explain(
    cluster: &Cluster,
    request: &Request<'_>,
    progress: &dyn Progress,
) -> anyhow::Result<ExplainReport> {
    let selection = request.selection;
    let concurrency = selection.concurrency;
    let api = discovery::discover(&cluster.client, concurrency).await?;
    let (items, mut problems) = if !request.targets.is_empty() {
        let targets = parse_targets(&api.types, request.targets)?;
        let (items, mut problems) =
            fetch_targets(cluster, &api, &targets, selection, progress).await?;
        problems.extend(api.problems.clone());
        (items, problems)
    } else {
        // `--finalizer NAME` alone is about that finalizer everywhere, live objects included.
        let about_finalizer = !selection.finalizers.is_empty();
        let sel = Selection {
            include_live: selection.include_live || about_finalizer,
            ..selection.clone()
        };
        let report = scan::scan_types(cluster, &api, &sel, progress).await;
        (report.items, report.problems)
    };
    let always: Vec<String> = if request.targets.is_empty() {
        selection.finalizers.exact_names().cloned().collect()
    } else {
        Vec::new()
    };
    let mut report = analyze(cluster, &api, items, request.catalog, selection, &always).await;
    problems.append(&mut report.problems);
    problems.sort_by(|a, b| a.scope.cmp(&b.scope));
    problems.dedup();
    report.problems = problems;
    Ok(report)
}

/// Everything a verdict rests on, read once: the served types, the objects, the
/// evidence snapshot, dependents and volume claims, and when it was read. It is
/// what `scan --with-evidence` writes and `explain -f` reads, so that the same
/// verdicts can be reached with no cluster at all.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    pub gathered_at: jiff::Timestamp,
    pub types: Vec<crate::cluster::ApiType>,
    pub items: Vec<StuckObject>,
    pub snapshot: Snapshot,
    #[serde(default)]
    pub dependents: Dependents,
    #[serde(default)]
    pub dependent_reads: Vec<SourceRead>,
    #[serde(default)]
    pub pv_claims: PvClaims,
}

/// Pods keep only what the analysis reads: names, labels, the claims they mount
/// and their status. Environment, commands and the rest of the spec (where
/// credentials may sit) never leave the cluster in a bundle.
fn strip_pod(p: k8s_openapi::api::core::v1::Pod) -> k8s_openapi::api::core::v1::Pod {
    use k8s_openapi::api::core::v1::{Pod, PodSpec, Volume};
    let volumes: Vec<Volume> = p
        .spec
        .as_ref()
        .and_then(|s| s.volumes.clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|v| v.persistent_volume_claim.is_some())
        .map(|v| Volume {
            name: v.name,
            persistent_volume_claim: v.persistent_volume_claim,
            ..Default::default()
        })
        .collect();
    Pod {
        metadata: kube::api::ObjectMeta {
            name: p.metadata.name,
            namespace: p.metadata.namespace,
            labels: p.metadata.labels,
            ..Default::default()
        },
        spec: Some(PodSpec {
            volumes: Some(volumes),
            ..Default::default()
        }),
        status: p.status,
    }
}

/// `explain -f FILE`: the report a `scan --with-evidence` document supports, and
/// the cluster it was captured from.
pub fn offline(
    path: &std::path::Path,
    catalog: &Catalog,
    selection: &Selection,
) -> anyhow::Result<(ExplainReport, crate::model::Identity)> {
    let text = crate::render::read_document(path)?;
    let doc: crate::render::scan::ScanDocument =
        crate::render::yaml::parse(&text).map_err(|e| {
            crate::error::Error::Usage(format!(
                "{} is not what `scan --with-evidence -o json|yaml` prints: {e}",
                path.display()
            ))
        })?;
    let Some(bundle) = doc.evidence else {
        return Err(crate::error::Error::Usage(format!(
            "{} has no evidence: write it with `kubectl finalizers scan --with-evidence -o json`",
            path.display()
        ))
        .into());
    };
    let always: Vec<String> = selection.finalizers.exact_names().cloned().collect();
    let mut report = conclude(bundle, catalog, selection, &always);
    report.problems.extend(doc.problems);
    report.problems.sort_by(|a, b| a.scope.cmp(&b.scope));
    report.problems.dedup();
    let identity = crate::model::Identity {
        context: doc.metadata.context,
        server: doc.metadata.server,
        ..Default::default()
    };
    Ok((report, identity))
}

/// Reads the evidence for `items` (shared by explain, clear and scan --with-evidence).
pub async fn gather(
    cluster: &Cluster,
    api: &ApiCatalog,
    mut items: Vec<StuckObject>,
    catalog: &Catalog,
    selection: &Selection,
) -> Bundle {
    let concurrency = selection.concurrency;
    let mut snapshot = Snapshot::load(&cluster.client).await;
    let owners: BTreeSet<String> = items
        .iter()
        .filter(|o| {
            o.finalizers
                .iter()
                .any(|f| f == "foregroundDeletion" || f == "orphan")
        })
        .map(|o| o.uid.clone())
        .collect();
    let (dependents, held_dependents, dependent_reads) = if owners.is_empty() {
        (Dependents::new(), Vec::new(), Vec::new())
    } else {
        find_dependents(cluster, api, &owners, selection.chunk_size, concurrency).await
    };
    // Dependents held by finalizers of their own are explained too: they are the chain.
    for d in held_dependents {
        if !items.iter().any(|o| o.uid == d.uid) {
            items.push(d);
        }
    }
    let claims = pv_claims(cluster, &items, &mut snapshot).await;
    let pod_ns = attribution::pod_namespaces(&items, catalog, &snapshot);
    let hook_ns = checks::webhook_namespaces(&snapshot);
    snapshot
        .load_namespaces(&cluster.client, pod_ns, hook_ns, concurrency)
        .await;
    for pods in snapshot.pods.values_mut() {
        *pods = std::mem::take(pods).into_iter().map(strip_pod).collect();
    }
    for crd in &mut snapshot.crds {
        crd.managed_fields = None;
    }
    Bundle {
        gathered_at: jiff::Timestamp::now(),
        types: api.types.clone(),
        items,
        snapshot,
        dependents,
        dependent_reads,
        pv_claims: claims,
    }
}

/// Evidence, findings and namespace chains for `items` (shared with `clear`).
/// Finalizer names in `always` get a finding even when nothing carries them.
pub async fn analyze(
    cluster: &Cluster,
    api: &ApiCatalog,
    items: Vec<StuckObject>,
    catalog: &Catalog,
    selection: &Selection,
    always: &[String],
) -> ExplainReport {
    let bundle = gather(cluster, api, items, catalog, selection).await;
    conclude(bundle, catalog, selection, always)
}

/// The verdicts a bundle supports, judged as of when it was read. Pure.
pub fn conclude(
    bundle: Bundle,
    catalog: &Catalog,
    selection: &Selection,
    always: &[String],
) -> ExplainReport {
    let Bundle {
        gathered_at,
        types,
        mut items,
        mut snapshot,
        dependents,
        dependent_reads,
        pv_claims: claims,
    } = bundle;
    items.sort_by_key(|o| {
        (
            o.namespace.clone(),
            o.group.clone(),
            o.kind.clone(),
            o.name.clone(),
        )
    });
    let inputs = Inputs {
        items: &items,
        types: &types,
        catalog,
        snapshot: &snapshot,
        dependents: &dependents,
        dependent_reads: &dependent_reads,
        pv_claims: &claims,
        now: gathered_at,
    };
    let mut findings = analysis::findings(&inputs);
    // Only the finalizers --finalizer selects are explained (all without it).
    findings.retain(|f| selection.finalizers.selects(&f.finalizer));
    for f in always {
        if !findings.iter().any(|x| &x.finalizer == f) {
            findings.push(analysis::finding_without_objects(&inputs, f));
        }
    }
    // Verdicts flow through chains: an object waits on its dependents, a
    // namespace on its content; both follow their worst blocker.
    analysis::follow_dependents(&mut findings, &inputs);
    let namespaces = namespace::namespaces(&inputs, &findings);
    namespace::carry_into_findings(&namespaces, &mut findings, &inputs);
    let mut problems = std::mem::take(&mut snapshot.problems);
    problems.extend(
        dependent_reads
            .iter()
            .filter(|r| !r.is_read())
            .map(|r| Problem::new(&r.resource, r.code, "", &r.message)),
    );
    let mut evidence_sources = std::mem::take(&mut snapshot.reads);
    evidence_sources.extend(dependent_reads.into_iter().filter(|r| !r.is_read()));
    ExplainReport {
        namespaces,
        findings,
        items,
        evidence_sources,
        problems,
    }
}
