//! Single objects: get one, patch one, finalize a namespace. Names and namespaces
//! are escaped here, once; failures come back typed.

use super::names::segment;
use super::{api_for, ApiFailure, ApiType};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{
    Api, DynamicObject, ObjectMeta, Patch, PatchParams, PostParams, WatchEvent, WatchParams,
};
use kube::Client;
use serde_json::Value;
use std::time::Duration;
use tokio::time::Instant;

/// Who writes: recorded by the server in `managedFields`.
pub const FIELD_MANAGER: &str = "kubectl-finalizers";

/// The object as stored.
pub async fn get(
    client: &Client,
    ty: &ApiType,
    namespace: Option<&str>,
    name: &str,
) -> Result<DynamicObject, ApiFailure> {
    Ok(api_for(client, ty, namespace).get(&segment(name)).await?)
}

/// The object's metadata only.
pub async fn metadata(
    client: &Client,
    ty: &ApiType,
    namespace: Option<&str>,
    name: &str,
) -> Result<ObjectMeta, ApiFailure> {
    let meta = api_for(client, ty, namespace)
        .get_metadata(&segment(name))
        .await?;
    Ok(meta.metadata)
}

/// A namespace, in full (its `spec.finalizers` and conditions are not metadata).
pub async fn namespace(client: &Client, name: &str) -> Result<Namespace, ApiFailure> {
    Ok(Api::<Namespace>::all(client.clone())
        .get(&segment(name))
        .await?)
}

/// Sends a JSON Patch (RFC 6902); `dry_run` asks the server to persist nothing.
pub async fn json_patch(
    client: &Client,
    ty: &ApiType,
    namespace: Option<&str>,
    name: &str,
    ops: Value,
    dry_run: bool,
) -> Result<DynamicObject, ApiFailure> {
    let ops: json_patch::Patch =
        serde_json::from_value(ops).map_err(|e| ApiFailure::Other(kube::Error::SerdeError(e)))?;
    let params = PatchParams {
        dry_run,
        field_manager: Some(FIELD_MANAGER.into()),
        ..Default::default()
    };
    Ok(api_for(client, ty, namespace)
        .patch(&segment(name), &params, &Patch::Json::<()>(ops))
        .await?)
}

/// PUT `namespaces/<name>/finalize` with `body` (the namespace, its resourceVersion
/// guarding against any change since it was read).
pub async fn finalize_namespace(
    client: &Client,
    name: &str,
    body: &Value,
    dry_run: bool,
) -> Result<(), ApiFailure> {
    let params = PostParams {
        dry_run,
        field_manager: Some(FIELD_MANAGER.into()),
    };
    Api::<Namespace>::all(client.clone())
        .replace_subresource("finalize", &segment(name), &params, body)
        .await?;
    Ok(())
}

/// How long one watch request may stay open before it is opened again: below the
/// client's idle timeout, so a quiet object is not mistaken for a dead connection.
const WATCH_WINDOW: Duration = Duration::from_secs(30);

/// Watches the object (uid `uid`) until it is deleted or `deadline` passes, as
/// `kubectl delete --wait` does: `None` once it is gone (or replaced by another
/// object of the same name), else its metadata as last seen.
pub async fn wait_deleted(
    client: &Client,
    ty: &ApiType,
    namespace: Option<&str>,
    name: &str,
    uid: &str,
    deadline: Instant,
) -> Result<Option<ObjectMeta>, ApiFailure> {
    let api = api_for(client, ty, namespace);
    let mut last = match api.get_metadata(&segment(name)).await {
        Err(e) => match ApiFailure::from(e) {
            ApiFailure::NotFound(_) => return Ok(None),
            other => return Err(other),
        },
        Ok(m) if m.metadata.uid.as_deref() != Some(uid) => return Ok(None),
        Ok(m) => m.metadata,
    };
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(Some(last));
        }
        let window = left.min(WATCH_WINDOW).as_secs().max(1) as u32;
        let params = WatchParams::default()
            .fields(&format!("metadata.name={name}"))
            .timeout(window);
        let rv = last.resource_version.clone().unwrap_or_default();
        let mut events = api.watch_metadata(&params, &rv).await?.boxed();
        let ended = loop {
            let next = tokio::time::timeout_at(deadline, events.try_next()).await;
            match next {
                Err(_) => return Ok(Some(last)),
                Ok(Ok(Some(WatchEvent::Deleted(o)))) if o.metadata.uid.as_deref() == Some(uid) => {
                    return Ok(None)
                }
                Ok(Ok(Some(WatchEvent::Added(o) | WatchEvent::Modified(o)))) => {
                    if o.metadata.uid.as_deref() != Some(uid) {
                        return Ok(None);
                    }
                    last = o.metadata;
                }
                Ok(Ok(Some(WatchEvent::Bookmark(b)))) => {
                    last.resource_version = Some(b.metadata.resource_version);
                }
                Ok(Ok(Some(WatchEvent::Deleted(_)))) => {}
                // The server closed the window, or the revision expired: look again.
                Ok(Ok(Some(WatchEvent::Error(_)))) | Ok(Ok(None)) => break true,
                Ok(Err(e)) => match ApiFailure::from(e) {
                    ApiFailure::Timeout(_) | ApiFailure::Connection(_) | ApiFailure::Expired(_) => {
                        break true
                    }
                    other => return Err(other),
                },
            }
        };
        if ended {
            // Re-read: the object may have gone while no watch was open.
            match api.get_metadata(&segment(name)).await {
                Err(e) => match ApiFailure::from(e) {
                    ApiFailure::NotFound(_) => return Ok(None),
                    other => return Err(other),
                },
                Ok(m) if m.metadata.uid.as_deref() != Some(uid) => return Ok(None),
                Ok(m) => last = m.metadata,
            }
        }
    }
}
