//! The "stuck" rule and the cluster-wide scan: every listable resource type,
//! metadata-only, paged, with bounded concurrency. Pure decisions; never prints.

use crate::cluster::{discovery, list, ApiCatalog, ApiType, Cluster, Problem};
use crate::model::Progress;
use crate::model::{NamespaceCondition, StuckObject};
use crate::settings::{FinalizerFilter, Selection};
use futures::{stream, StreamExt};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::ObjectMeta;
use std::collections::BTreeSet;
use std::time::Duration;

/// Which objects count, beyond "terminating with finalizers".
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub finalizers: FinalizerFilter,
    pub older_than: Option<Duration>,
    pub include_live: bool,
}

impl From<&Selection> for Filter {
    fn from(s: &Selection) -> Filter {
        Filter {
            finalizers: s.finalizers.clone(),
            older_than: s.older_than,
            include_live: s.include_live,
        }
    }
}

fn format_time(t: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time) -> String {
    t.0.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The rule: stuck = `deletionTimestamp` set and finalizers remain (metadata, or a
/// namespace's `spec.finalizers`). Live objects count only with `include_live`,
/// and only for their `metadata.finalizers` (every live namespace has `kubernetes`).
pub fn select(
    ty: &ApiType,
    meta: ObjectMeta,
    spec_finalizers: Vec<String>,
    conditions: Vec<NamespaceCondition>,
    filter: &Filter,
    now: jiff::Timestamp,
) -> Option<StuckObject> {
    let finalizers = meta.finalizers.unwrap_or_default();
    let terminating_for = meta
        .deletion_timestamp
        .as_ref()
        .map(|t| now.duration_since(t.0).as_secs().max(0) as u64);
    let spec_finalizers = if terminating_for.is_some() {
        spec_finalizers
    } else {
        Vec::new()
    };
    if finalizers.is_empty() && spec_finalizers.is_empty() {
        return None;
    }
    if terminating_for.is_none() && !filter.include_live {
        return None;
    }
    let matched_finalizers = (!filter.finalizers.is_empty()).then(|| {
        finalizers
            .iter()
            .chain(spec_finalizers.iter())
            .filter(|f| filter.finalizers.selects(f))
            .cloned()
            .collect::<Vec<_>>()
    });
    if matched_finalizers.as_ref().is_some_and(|m| m.is_empty()) {
        return None;
    }
    if let Some(min) = filter.older_than {
        if terminating_for.is_none_or(|s| s < min.as_secs()) {
            return None;
        }
    }
    Some(StuckObject {
        api_version: ty.api_version(),
        kind: ty.kind.clone(),
        group: ty.group.clone(),
        resource: ty.plural.clone(),
        namespace: meta.namespace.filter(|_| ty.namespaced),
        name: meta.name.unwrap_or_default(),
        uid: meta.uid.unwrap_or_default(),
        resource_version: meta.resource_version.unwrap_or_default(),
        creation_timestamp: meta.creation_timestamp.as_ref().map(format_time),
        deletion_timestamp: meta.deletion_timestamp.as_ref().map(format_time),
        terminating_seconds: terminating_for,
        finalizers,
        spec_finalizers,
        conditions: if terminating_for.is_some() {
            conditions
        } else {
            Vec::new()
        },
        matched_finalizers,
        context: None,
        server: None,
    })
}

/// The rule applied to a namespace, whose `spec.finalizers` and conditions count too.
pub fn select_namespace(
    ty: &ApiType,
    ns: Namespace,
    filter: &Filter,
    now: jiff::Timestamp,
) -> Option<StuckObject> {
    let spec = ns
        .spec
        .as_ref()
        .and_then(|s| s.finalizers.clone())
        .unwrap_or_default();
    let conditions = failing_conditions(&ns);
    select(ty, ns.metadata, spec, conditions, filter, now)
}

/// The failure conditions of a namespace, in the controller's order.
pub fn failing_conditions(ns: &Namespace) -> Vec<NamespaceCondition> {
    ns.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .filter(|c| c.status == "True")
        .map(|c| NamespaceCondition {
            type_: c.type_.clone(),
            reason: c.reason.clone().unwrap_or_default(),
            message: c.message.clone().unwrap_or_default(),
        })
        .collect()
}

/// What a scan found and what it could not read.
#[derive(Debug, Default)]
pub struct ScanReport {
    pub items: Vec<StuckObject>,
    pub problems: Vec<Problem>,
    pub types_scanned: usize,
    /// The contexts of a fleet scan (empty for one cluster).
    pub contexts: Vec<String>,
}

impl ScanReport {
    pub fn complete(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Scans every listable type the cluster serves. `progress` advances once per type.
pub async fn scan(
    cluster: &Cluster,
    selection: &Selection,
    progress: &dyn Progress,
) -> anyhow::Result<ScanReport> {
    Ok(scan_discovered(cluster, selection, progress).await?.0)
}

/// `scan`, also returning what discovery found (for the evidence of `--with-evidence`).
pub async fn scan_discovered(
    cluster: &Cluster,
    selection: &Selection,
    progress: &dyn Progress,
) -> anyhow::Result<(ScanReport, ApiCatalog)> {
    let catalog = discovery::discover(&cluster.client, selection.concurrency).await?;
    let report = scan_types(cluster, &catalog, selection, progress).await;
    Ok((report, catalog))
}

/// Scans several contexts of the kubeconfig at once (`--context A --context B`,
/// `--all-contexts`), at most four at a time. Items and problems carry their
/// context and server; a context that cannot be reached is a problem of its own
/// and does not stop the others.
pub async fn scan_fleet(
    contexts: &[String],
    connection: &crate::settings::Connection,
    selection: &Selection,
) -> ScanReport {
    let results: Vec<(String, anyhow::Result<(Cluster, ScanReport)>)> =
        stream::iter(contexts.iter().cloned())
            .map(|context| async move {
                let conn = crate::settings::Connection {
                    context: Some(context.clone()),
                    ..connection.clone()
                };
                let result = async {
                    let cluster = Cluster::connect(&conn).await?;
                    let report = scan(&cluster, selection, &crate::model::NoProgress).await?;
                    Ok((cluster, report))
                }
                .await;
                (context, result)
            })
            .buffer_unordered(4)
            .collect()
            .await;
    let mut fleet = ScanReport {
        contexts: contexts.to_vec(),
        ..Default::default()
    };
    for (context, result) in results {
        match result {
            Ok((cluster, report)) => {
                fleet.types_scanned += report.types_scanned;
                fleet.items.extend(report.items.into_iter().map(|mut o| {
                    o.context = Some(context.clone());
                    o.server = Some(cluster.identity.server.clone());
                    o
                }));
                fleet
                    .problems
                    .extend(report.problems.into_iter().map(|mut p| {
                        p.context = Some(context.clone());
                        p
                    }));
            }
            Err(e) => {
                let mut p = Problem::new(
                    &format!("context {context}"),
                    None,
                    "ConnectionFailed",
                    &format!("{e:#}"),
                );
                p.context = Some(context);
                fleet.problems.push(p);
            }
        }
    }
    fleet
        .items
        .sort_by_key(|o| (o.context.clone(), sort_key(o)));
    fleet
        .problems
        .sort_by(|a, b| (&a.context, &a.scope).cmp(&(&b.context, &b.scope)));
    fleet
}

/// Scans the types of an already discovered catalog.
pub async fn scan_types(
    cluster: &Cluster,
    catalog: &ApiCatalog,
    selection: &Selection,
    progress: &dyn Progress,
) -> ScanReport {
    let concurrency = selection.concurrency;
    let namespace = selection.namespace.as_deref();
    let types: Vec<&ApiType> = catalog
        .types
        .iter()
        .filter(|t| t.can("list"))
        .filter(|t| !selection.ignores(t))
        .filter(|t| namespace.is_none() || t.namespaced || t.is_namespace())
        .collect();
    progress.set_length(types.len() as u64);
    let filter = Filter::from(selection);
    let now = jiff::Timestamp::now();
    let selector = selection.selector.as_deref();
    let chunk = selection.chunk_size;
    let client = &cluster.client;
    let filter_ref = &filter;
    let results: Vec<Result<Vec<StuckObject>, Problem>> = stream::iter(types.iter().copied())
        .map(|ty| async move {
            let (found, result) =
                list_type(client, ty, namespace, selector, chunk, filter_ref, now).await;
            progress.advance();
            result.map(|()| found)
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let mut report = ScanReport {
        problems: catalog
            .problems
            .iter()
            .filter(|p| !selection.ignores_scope(&p.scope))
            .cloned()
            .collect(),
        types_scanned: types.len(),
        ..Default::default()
    };
    let mut seen = BTreeSet::new();
    let mut not_found = Vec::new();
    for r in results {
        match r {
            Ok(items) => report.items.extend(items),
            Err(p) if p.code == Some(404) => not_found.push(p),
            Err(p) => report.problems.push(p),
        }
    }
    report
        .problems
        .extend(confirm_removed(cluster, &types, not_found, concurrency).await);
    // The same object can be served by two groups (events, events.k8s.io).
    report.items.sort_by_key(sort_key);
    report.items.retain(|o| seen.insert(o.uid.clone()));
    report.problems.sort_by(|a, b| a.scope.cmp(&b.scope));
    report
}

/// One type's objects that `filter` selects, read page by page (namespaces in
/// full, for their `spec.finalizers`; everything else as metadata), with how
/// the list ended: the pages read before a failure are returned with it.
pub async fn list_type(
    client: &kube::Client,
    ty: &ApiType,
    namespace: Option<&str>,
    selector: Option<&str>,
    chunk: u32,
    filter: &Filter,
    now: jiff::Timestamp,
) -> (Vec<StuckObject>, Result<(), Problem>) {
    let mut found = Vec::new();
    let result = if ty.is_namespace() {
        list::namespace_pages(client, namespace, selector, chunk, |page| {
            found.extend(
                page.into_iter()
                    .filter_map(|ns| select_namespace(ty, ns, filter, now)),
            );
        })
        .await
    } else {
        list::metadata_pages(client, ty, namespace, selector, chunk, |page| {
            found.extend(
                page.into_iter()
                    .filter_map(|m| select(ty, m, Vec::new(), Vec::new(), filter, now)),
            );
        })
        .await
    };
    (found, result)
}

/// A 404 on a list means "nothing there" only for a type that discovery no
/// longer serves (a CRD deleted since). Any other 404 (a proxy, a wrong server
/// path) is a problem: the type was not listed. Returns the problems.
async fn confirm_removed(
    cluster: &Cluster,
    types: &[&ApiType],
    not_found: Vec<Problem>,
    concurrency: usize,
) -> Vec<Problem> {
    if not_found.is_empty() {
        return Vec::new();
    }
    let again = match discovery::discover(&cluster.client, concurrency).await {
        Ok(c) => c,
        Err(e) => {
            return not_found
                .into_iter()
                .map(|mut p| {
                    p.message = format!(
                        "{}; discovery could not be read again to tell whether the type was removed: {e:#}",
                        p.message
                    );
                    p
                })
                .collect()
        }
    };
    not_found
        .into_iter()
        .filter(|p| {
            let ty = types.iter().find(|t| t.qualified_resource() == p.scope);
            ty.is_some_and(|t| again.find(&t.group, &t.plural).is_some())
        })
        .map(|mut p| {
            p.message = format!(
                "{} (the list answered 404 although discovery still serves the type: a proxy in the way, or a wrong server path?)",
                p.message
            );
            p
        })
        .collect()
}

fn sort_key(o: &StuckObject) -> (String, bool, String, String, String) {
    (
        o.namespace.clone().unwrap_or_default(),
        !o.group.is_empty(),
        o.group.clone(),
        o.kind.clone(),
        o.name.clone(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

    fn ty() -> ApiType {
        ApiType::widgets("example.com")
    }

    fn meta(
        finalizers: &[&str],
        deleted_secs_ago: Option<i64>,
        now: jiff::Timestamp,
    ) -> ObjectMeta {
        ObjectMeta {
            name: Some("w".into()),
            namespace: Some("demo".into()),
            uid: Some("u".into()),
            finalizers: Some(finalizers.iter().map(|s| s.to_string()).collect()),
            deletion_timestamp: deleted_secs_ago
                .map(|s| Time(now - jiff::SignedDuration::from_secs(s))),
            ..Default::default()
        }
    }

    #[test]
    fn the_stuck_rule() {
        let now = jiff::Timestamp::now();
        let all = Filter::default();
        assert!(select(
            &ty(),
            meta(&["a/b"], Some(60), now),
            vec![],
            vec![],
            &all,
            now
        )
        .is_some());
        assert!(select(&ty(), meta(&[], Some(60), now), vec![], vec![], &all, now).is_none());
        assert!(select(&ty(), meta(&["a/b"], None, now), vec![], vec![], &all, now).is_none());
        let live = Filter {
            include_live: true,
            ..Default::default()
        };
        assert!(select(&ty(), meta(&["a/b"], None, now), vec![], vec![], &live, now).is_some());
        // A live namespace's `kubernetes` spec finalizer is not a reason to list it.
        assert!(select(
            &ty(),
            meta(&[], None, now),
            vec!["kubernetes".into()],
            vec![],
            &live,
            now
        )
        .is_none());
        assert!(select(
            &ty(),
            meta(&[], Some(5), now),
            vec!["kubernetes".into()],
            vec![],
            &all,
            now
        )
        .is_some());
    }

    #[test]
    fn filters_by_finalizer_and_age() {
        let now = jiff::Timestamp::now();
        let f = Filter {
            finalizers: FinalizerFilter::new(vec!["kubernetes.io/*".into()]),
            ..Default::default()
        };
        assert!(select(
            &ty(),
            meta(&["kubernetes.io/pvc-protection"], Some(1), now),
            vec![],
            vec![],
            &f,
            now
        )
        .is_some());
        assert!(select(
            &ty(),
            meta(&["example.com/x"], Some(1), now),
            vec![],
            vec![],
            &f,
            now
        )
        .is_none());
        let old = Filter {
            older_than: Some(Duration::from_secs(3600)),
            include_live: true,
            ..Default::default()
        };
        assert!(select(
            &ty(),
            meta(&["a"], Some(7200), now),
            vec![],
            vec![],
            &old,
            now
        )
        .is_some());
        assert!(select(
            &ty(),
            meta(&["a"], Some(60), now),
            vec![],
            vec![],
            &old,
            now
        )
        .is_none());
        assert!(select(&ty(), meta(&["a"], None, now), vec![], vec![], &old, now).is_none());
    }
}
