//! Paged, metadata-only lists: each page is handed over as it arrives, so a
//! large cluster is never held in memory whole. Throttling (429) is retried by
//! the client (see retry.rs); an expired continue token (410) restarts the list
//! once — callers deduplicate by uid.

use super::{ApiFailure, ApiType, Problem};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, ListParams, ObjectList, ObjectMeta};
use kube::{Client, Resource};
use serde::de::DeserializeOwned;
use std::future::Future;

fn params(
    chunk: u32,
    selector: Option<&str>,
    field: Option<&str>,
    token: Option<String>,
) -> ListParams {
    let mut lp = ListParams::default().limit(chunk);
    if let Some(s) = selector {
        lp = lp.labels(s);
    }
    if let Some(f) = field {
        lp = lp.fields(f);
    }
    lp.continue_token = token;
    lp
}

/// Follows continue tokens from `fetch`, handing each page's items to `on_page`.
pub async fn pages<T, F, Fut>(
    scope: &str,
    mut fetch: F,
    mut on_page: impl FnMut(Vec<T>),
) -> Result<(), Problem>
where
    T: Clone,
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<ObjectList<T>, kube::Error>>,
{
    let mut token: Option<String> = None;
    let mut restarted = false;
    loop {
        let page = match fetch(token.clone()).await {
            Ok(p) => p,
            Err(e) => match ApiFailure::from(e) {
                ApiFailure::Expired(_) if token.is_some() && !restarted => {
                    restarted = true;
                    token = None;
                    continue;
                }
                f => return Err(Problem::from_kube(scope, f.source_error())),
            },
        };
        token = page.metadata.continue_.clone().filter(|c| !c.is_empty());
        on_page(page.items);
        if token.is_none() {
            return Ok(());
        }
    }
}

/// Lists `ty` (in `namespace`, or everywhere) as PartialObjectMetadata, `chunk`
/// objects a request, calling `on_page` with each page's object metadata.
pub async fn metadata_pages(
    client: &Client,
    ty: &ApiType,
    namespace: Option<&str>,
    selector: Option<&str>,
    chunk: u32,
    mut on_page: impl FnMut(Vec<ObjectMeta>),
) -> Result<(), Problem> {
    let api = super::api_for(client, ty, namespace);
    let api = &api;
    pages(
        &ty.qualified_resource(),
        |token| async move {
            api.list_metadata(&params(chunk, selector, None, token))
                .await
        },
        |items| on_page(items.into_iter().map(|i| i.metadata).collect()),
    )
    .await
}

/// Lists namespaces in full: their `spec.finalizers` and `status.conditions`
/// are not part of the metadata.
pub async fn namespace_pages(
    client: &Client,
    name: Option<&str>,
    selector: Option<&str>,
    chunk: u32,
    on_page: impl FnMut(Vec<Namespace>),
) -> Result<(), Problem> {
    let api: Api<Namespace> = Api::all(client.clone());
    let field = name.map(|n| format!("metadata.name={n}"));
    let (api, field) = (&api, field.as_deref());
    pages(
        "namespaces",
        |token| async move { api.list(&params(chunk, selector, field, token)).await },
        on_page,
    )
    .await
}

/// Every object of a built-in type across the cluster, in pages of 500; the
/// problem is scoped by the type's plural.
pub async fn all<K>(client: &Client) -> Result<Vec<K>, Problem>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + std::fmt::Debug,
{
    typed_pages(Api::all(client.clone())).await
}

/// Every object of a built-in namespaced type in `namespace`.
pub async fn in_namespace<K>(client: &Client, namespace: &str) -> Result<Vec<K>, Problem>
where
    K: Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug,
{
    typed_pages(Api::namespaced(
        client.clone(),
        &super::names::segment(namespace),
    ))
    .await
}

/// The metadata of every object of a built-in type across the cluster.
pub async fn all_metadata<K>(client: &Client) -> Result<Vec<ObjectMeta>, Problem>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + std::fmt::Debug,
{
    let api: Api<K> = Api::all(client.clone());
    let api = &api;
    let mut out = Vec::new();
    pages(
        &K::plural(&()),
        |token| async move { api.list_metadata(&params(500, None, None, token)).await },
        |items| out.extend(items.into_iter().map(|i| i.metadata)),
    )
    .await?;
    Ok(out)
}

async fn typed_pages<K>(api: Api<K>) -> Result<Vec<K>, Problem>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + std::fmt::Debug,
{
    let api = &api;
    let mut out = Vec::new();
    pages(
        &K::plural(&()),
        |token| async move { api.list(&params(500, None, None, token)).await },
        |items| out.extend(items),
    )
    .await?;
    Ok(out)
}
