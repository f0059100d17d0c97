//! Applying a plan: the guarded JSON Patch (or `/finalize` PUT) per object,
//! what a failed guard or a lost answer really means (the object is re-read),
//! and the loop that announces each write in the audit log before sending it,
//! stops issuing writes on the first signal and aborts on the second.

use super::record::AuditLog;
use super::Planned;
use crate::cluster::{objects, ApiFailure, Cluster};
use futures::{stream, StreamExt};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What happened to one object.
#[derive(Debug, Clone, PartialEq)]
pub enum PatchResult {
    Removed,
    WouldRemove,
    AlreadyGone,
    Conflict(String),
    Forbidden(String),
    Failed(String),
    /// The write may or may not have been applied (its answer was lost, or the
    /// run was aborted while it was in flight).
    Unknown(String),
    NotAttempted,
}

impl PatchResult {
    pub fn word(&self) -> &'static str {
        match self {
            PatchResult::Removed => "removed",
            PatchResult::WouldRemove => "ok (server dry run)",
            PatchResult::AlreadyGone => "already gone",
            PatchResult::Conflict(_) => "conflict",
            PatchResult::Forbidden(_) => "forbidden",
            PatchResult::Failed(_) => "failed",
            PatchResult::Unknown(_) => "unknown",
            PatchResult::NotAttempted => "not attempted",
        }
    }

    pub fn detail(&self) -> &str {
        match self {
            PatchResult::Conflict(d)
            | PatchResult::Forbidden(d)
            | PatchResult::Failed(d)
            | PatchResult::Unknown(d) => d,
            _ => "",
        }
    }

    pub fn ok(&self) -> bool {
        matches!(
            self,
            PatchResult::Removed | PatchResult::WouldRemove | PatchResult::AlreadyGone
        )
    }
}

/// The JSON Patch that removes exactly the planned entries, or fails.
pub fn guarded_patch(p: &Planned) -> Value {
    json!([
        {"op": "test", "path": "/metadata/resourceVersion", "value": p.resource_version},
        {"op": "test", "path": "/metadata/finalizers", "value": p.finalizers},
        {"op": "replace", "path": "/metadata/finalizers", "value": p.keep},
    ])
}

/// Describes what changed since the plan, after a failed guard.
async fn describe_change(cluster: &Cluster, p: &Planned) -> PatchResult {
    match objects::get(&cluster.client, &p.ty, p.namespace.as_deref(), &p.name).await {
        Err(ApiFailure::NotFound(_)) => PatchResult::AlreadyGone,
        Err(e) => PatchResult::Conflict(format!(
            "the object changed since the plan and could not be re-read: {}",
            e.message()
        )),
        Ok(now) => {
            let finalizers = now.metadata.finalizers.clone().unwrap_or_default();
            let rv = now.metadata.resource_version.clone().unwrap_or_default();
            let detail = if finalizers != p.finalizers {
                format!("finalizers changed since the plan: {:?} → {:?}; nothing was patched, run again to see a new plan", p.finalizers, finalizers)
            } else {
                format!("the object changed since the plan (resourceVersion {} → {rv}); nothing was patched, run again to see a new plan", p.resource_version)
            };
            PatchResult::Conflict(detail)
        }
    }
}

/// What a failed write means for the object, re-reading it where the answer
/// cannot be trusted.
async fn after_failed_write(
    cluster: &Cluster,
    p: &Planned,
    e: ApiFailure,
    dry_run: bool,
    finalize: bool,
) -> PatchResult {
    match e {
        ApiFailure::NotFound(_) => PatchResult::AlreadyGone,
        ApiFailure::Forbidden(_) => {
            let ns = crate::model::ns_flag(p.namespace.as_deref());
            let check = if finalize {
                "kubectl auth can-i update namespaces/finalize".to_string()
            } else {
                format!("kubectl auth can-i patch {}{ns}", p.ty.qualified_resource())
            };
            PatchResult::Forbidden(format!("{} (check: {check})", e.message()))
        }
        ApiFailure::Conflict(_) => describe_change(cluster, p).await,
        e if !dry_run && e.may_have_applied() => after_lost_response(cluster, p, &e).await,
        e => PatchResult::Failed(e.message()),
    }
}

/// Sends the planned change of one object; never panics, never retries blindly.
pub async fn apply(cluster: &Cluster, p: &Planned, dry_run: bool) -> PatchResult {
    let ns = p.namespace.as_deref();
    let mut rv = p.resource_version.clone();
    if p.finalizers != p.keep {
        match objects::json_patch(
            &cluster.client,
            &p.ty,
            ns,
            &p.name,
            guarded_patch(p),
            dry_run,
        )
        .await
        {
            Ok(o) => rv = o.metadata.resource_version.unwrap_or(rv),
            Err(e) => return after_failed_write(cluster, p, e, dry_run, false).await,
        }
    }
    if p.spec_finalizers != p.spec_keep {
        // Namespace spec.finalizers only change through /finalize; the body is the
        // namespace as read, so its resourceVersion guards against any change since.
        let mut body = p.manifest.clone();
        body["spec"]["finalizers"] = json!(p.spec_keep);
        body["metadata"]["resourceVersion"] = json!(rv);
        body["metadata"]["finalizers"] = json!(p.keep);
        if let Err(e) = objects::finalize_namespace(&cluster.client, &p.name, &body, dry_run).await
        {
            return after_failed_write(cluster, p, e, dry_run, true).await;
        }
    }
    if dry_run {
        PatchResult::WouldRemove
    } else {
        PatchResult::Removed
    }
}

/// The write was sent but no trustworthy answer came (a reset, a timeout, a 5xx):
/// re-read the object and record what really happened.
async fn after_lost_response(cluster: &Cluster, p: &Planned, e: &ApiFailure) -> PatchResult {
    let lost = e.message();
    let check = p.get_command();
    match objects::get(&cluster.client, &p.ty, p.namespace.as_deref(), &p.name).await {
        Err(ApiFailure::NotFound(_)) => PatchResult::Removed,
        Err(read) => PatchResult::Unknown(format!(
            "no trustworthy answer ({lost}) and the object could not be re-read ({}): check with `{check}`",
            read.message()
        )),
        Ok(now) if now.metadata.uid.as_deref() != Some(p.uid.as_str()) => PatchResult::Removed,
        Ok(now) => {
            let finalizers = now.metadata.finalizers.clone().unwrap_or_default();
            let spec: Vec<String> = serde_json::to_value(&now)
                .ok()
                .and_then(|v| serde_json::from_value(v["spec"]["finalizers"].clone()).ok())
                .unwrap_or_default();
            let meta_done = finalizers == p.keep || p.finalizers == p.keep;
            let spec_done = !p.ty.is_namespace() || spec == p.spec_keep || p.spec_finalizers == p.spec_keep;
            if meta_done && spec_done {
                PatchResult::Removed
            } else if finalizers == p.finalizers && (!p.ty.is_namespace() || spec == p.spec_finalizers) {
                PatchResult::Failed(format!("not removed: {lost}; a re-read shows the finalizers unchanged"))
            } else {
                PatchResult::Unknown(format!(
                    "no trustworthy answer ({lost}) and the object has changed since ({:?}): check with `{check}`",
                    finalizers
                ))
            }
        }
    }
}

/// SIGINT, SIGTERM and SIGHUP, counted: the first stops new writes, the second
/// aborts the writes in flight.
pub struct Signals {
    count: Arc<AtomicUsize>,
    changed: Arc<tokio::sync::Notify>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// 128 + the number of the first signal: the exit code of an interrupted run.
    pub first: Arc<AtomicUsize>,
}

impl Signals {
    pub fn install() -> anyhow::Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        let count = Arc::new(AtomicUsize::new(0));
        let first = Arc::new(AtomicUsize::new(0));
        let changed = Arc::new(tokio::sync::Notify::new());
        let mut tasks = Vec::new();
        for (kind, number, name) in [
            (SignalKind::interrupt(), 2, "SIGINT"),
            (SignalKind::terminate(), 15, "SIGTERM"),
            (SignalKind::hangup(), 1, "SIGHUP"),
        ] {
            let mut stream = signal(kind)?;
            let (count, first, changed) = (count.clone(), first.clone(), changed.clone());
            tasks.push(tokio::spawn(async move {
                while stream.recv().await.is_some() {
                    let _ = first.compare_exchange(0, 128 + number, Ordering::SeqCst, Ordering::SeqCst);
                    if count.fetch_add(1, Ordering::SeqCst) == 0 {
                        crate::say!("\n{name}: no new writes will be sent; writes in flight finish (signal again to abort them)");
                    } else {
                        crate::say!("\n{name}: aborting the writes in flight");
                    }
                    changed.notify_waiters();
                }
            }));
        }
        Ok(Signals {
            count,
            changed,
            tasks,
            first,
        })
    }

    pub fn received(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// Resolves once `n` signals have arrived.
    pub async fn reached(&self, n: usize) {
        loop {
            let notified = self.changed.notified();
            if self.received() >= n {
                return;
            }
            notified.await;
        }
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// One audit record about `p`.
fn record(
    p: &Planned,
    who: &Value,
    phase: &str,
    result: Option<&PatchResult>,
    dry_run: bool,
) -> Value {
    let mut r = json!({
        "phase": phase,
        "object": {"apiVersion": p.ty.api_version(), "kind": p.ty.kind, "namespace": p.namespace, "name": p.name},
        "uid": p.uid,
        "resourceVersion": p.resource_version,
        "finalizersRemoved": p.removed(),
        "dryRun": if dry_run { "server" } else { "none" },
    });
    if let (Some(map), Some(who)) = (r.as_object_mut(), who.as_object()) {
        for (k, v) in who {
            map.insert(k.clone(), v.clone());
        }
    }
    if let Some(result) = result {
        r["result"] = json!(result.word());
        r["detail"] = json!(result.detail());
    }
    r
}

/// Applies every planned change, at most `concurrency` at once. Each write is
/// announced in the audit log (on disk) before it is sent and its result recorded
/// after; a write whose intent cannot be recorded is not sent. Returns results in
/// plan order.
pub async fn apply_all(
    cluster: &Cluster,
    planned: &[Planned],
    dry_run: bool,
    concurrency: usize,
    audit: Option<&AuditLog>,
    who: &Value,
    signals: &Signals,
) -> Vec<PatchResult> {
    let in_flight: Mutex<BTreeSet<usize>> = Mutex::new(BTreeSet::new());
    let in_flight = &in_flight;
    let mut results: Vec<PatchResult> = vec![PatchResult::NotAttempted; planned.len()];
    let mut writes = stream::iter(planned.iter().enumerate())
        .map(|(i, p)| async move {
            if signals.received() > 0 {
                return (i, PatchResult::NotAttempted);
            }
            if let Some(log) = audit {
                if let Err(e) = log.append(record(p, who, "intent", None, dry_run)) {
                    return (
                        i,
                        PatchResult::Failed(format!(
                            "not sent: the intent could not be recorded: {e:#}"
                        )),
                    );
                }
            }
            in_flight.lock().expect("in-flight lock").insert(i);
            let result = apply(cluster, p, dry_run).await;
            in_flight.lock().expect("in-flight lock").remove(&i);
            if let Some(log) = audit {
                if let Err(e) = log.append(record(p, who, "result", Some(&result), dry_run)) {
                    crate::say!("warning: {e:#}");
                }
            }
            (i, result)
        })
        .buffer_unordered(concurrency);
    loop {
        tokio::select! {
            next = writes.next() => match next {
                Some((i, r)) => results[i] = r,
                None => break,
            },
            () = signals.reached(2) => {
                // Abort: what was in flight may or may not have been applied.
                let aborted: Vec<usize> = in_flight.lock().expect("in-flight lock").iter().copied().collect();
                for i in aborted {
                    let p = &planned[i];
                    let r = PatchResult::Unknown(format!(
                        "aborted while the write was in flight: check with `{}`",
                        p.get_command()
                    ));
                    if let Some(log) = audit {
                        let _ = log.append(record(p, who, "result", Some(&r), dry_run));
                    }
                    results[i] = r;
                }
                break;
            }
        }
    }
    results
}
