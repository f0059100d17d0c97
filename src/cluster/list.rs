//! Paged, metadata-only lists: each page is handed over as it arrives, so a
//! large cluster is never held in memory whole.

use super::{ApiType, Problem};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DynamicObject, ListParams, ObjectMeta};
use kube::Client;

fn params(chunk: u32, selector: Option<&str>, token: Option<String>) -> ListParams {
    let mut lp = ListParams::default().limit(chunk);
    if let Some(s) = selector {
        lp = lp.labels(s);
    }
    lp.continue_token = token;
    lp
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
    let ar = ty.api_resource();
    let api: Api<DynamicObject> = match namespace {
        Some(ns) if ty.namespaced => Api::namespaced_with(client.clone(), ns, &ar),
        _ => Api::all_with(client.clone(), &ar),
    };
    let mut token = None;
    loop {
        let page = api
            .list_metadata(&params(chunk, selector, token))
            .await
            .map_err(|e| Problem::from_kube(&ty.qualified_resource(), &e))?;
        token = page.metadata.continue_.clone().filter(|c| !c.is_empty());
        on_page(page.items.into_iter().map(|i| i.metadata).collect());
        if token.is_none() {
            return Ok(());
        }
    }
}

/// Lists namespaces in full: their `spec.finalizers` and `status.conditions`
/// are not part of the metadata.
pub async fn namespace_pages(
    client: &Client,
    name: Option<&str>,
    selector: Option<&str>,
    chunk: u32,
    mut on_page: impl FnMut(Vec<Namespace>),
) -> Result<(), Problem> {
    let api: Api<Namespace> = Api::all(client.clone());
    let mut token = None;
    loop {
        let mut lp = params(chunk, selector, token);
        if let Some(n) = name {
            lp = lp.fields(&format!("metadata.name={n}"));
        }
        let page = api
            .list(&lp)
            .await
            .map_err(|e| Problem::from_kube("namespaces", &e))?;
        token = page.metadata.continue_.clone().filter(|c| !c.is_empty());
        on_page(page.items);
        if token.is_none() {
            return Ok(());
        }
    }
}
