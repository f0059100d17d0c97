//! Single objects: get one, patch one, finalize a namespace. Names and namespaces
//! are escaped here, once; failures come back typed.

use super::names::segment;
use super::{api_for, ApiFailure, ApiType};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DynamicObject, ObjectMeta, Patch, PatchParams, PostParams};
use kube::Client;
use serde_json::Value;

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
