//! Which resource types the cluster serves: aggregated discovery (two requests)
//! with a fallback to the legacy per-group documents. Every served version is
//! walked, as `kubectl api-resources` does, so a kind served only at a
//! non-preferred version is not missed. Group versions that cannot be
//! discovered (an unavailable APIService) are reported, never silently dropped.

use super::Problem;
use crate::model::qualify;
use futures::{stream, StreamExt};
use http_body_util::BodyExt;
use kube::core::discovery::v2::{APIGroupDiscovery, APIGroupDiscoveryList};
use kube::core::ApiResource;
use kube::Client;
use serde_json::Value;

const AGGREGATED_ACCEPT: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

/// One served resource type, at the group's preferred version where the
/// resource exists there, else at the first version that serves it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ApiType {
    pub group: String,
    pub version: String,
    pub plural: String,
    pub singular: String,
    pub kind: String,
    pub namespaced: bool,
    pub verbs: Vec<String>,
    pub short_names: Vec<String>,
    /// Subresource names (`status`, `finalize`, …).
    pub subresources: Vec<String>,
}

impl ApiType {
    /// A namespaced, listable `widgets` type in `group`: the unit tests' fixture.
    #[cfg(test)]
    pub fn widgets(group: &str) -> ApiType {
        ApiType {
            group: group.into(),
            version: "v1".into(),
            plural: "widgets".into(),
            singular: "widget".into(),
            kind: "Widget".into(),
            namespaced: true,
            verbs: vec!["list".into()],
            short_names: vec![],
            subresources: vec![],
        }
    }

    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    pub fn api_resource(&self) -> ApiResource {
        ApiResource {
            group: self.group.clone(),
            version: self.version.clone(),
            api_version: self.api_version(),
            kind: self.kind.clone(),
            plural: self.plural.clone(),
        }
    }

    pub fn can(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == verb)
    }

    /// `Kind` or `Kind.group`, as the scan's KIND column shows it.
    pub fn qualified_kind(&self) -> String {
        qualify(&self.kind, &self.group)
    }

    /// `resource` or `resource.group`, kubectl's unambiguous TYPE.
    pub fn qualified_resource(&self) -> String {
        qualify(&self.plural, &self.group)
    }

    pub fn is_namespace(&self) -> bool {
        self.group.is_empty() && self.plural == "namespaces"
    }
}

/// What discovery found.
#[derive(Debug, Default)]
pub struct ApiCatalog {
    pub types: Vec<ApiType>,
    pub problems: Vec<Problem>,
}

async fn get(client: &Client, path: &str, accept: &str) -> Result<(String, Vec<u8>), Problem> {
    let request = http::Request::get(path)
        .header(http::header::ACCEPT, accept)
        .body(kube::client::Body::empty())
        .expect("a valid request");
    let response = client
        .send(request)
        .await
        .map_err(|e| Problem::from_kube(path, &e))?;
    let status = response.status();
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| Problem::new(path, None, "", &format!("reading the response: {e}")))?
        .to_bytes()
        .to_vec();
    if !status.is_success() {
        return Err(Problem::from_response(path, status.as_u16(), &body));
    }
    Ok((content_type, body))
}

fn parse<T: serde::de::DeserializeOwned>(path: &str, body: &[u8]) -> Result<T, Problem> {
    serde_json::from_slice(body).map_err(|e| {
        Problem::new(
            path,
            None,
            "",
            &format!("cannot parse the discovery document: {e}"),
        )
    })
}

pub async fn discover(client: &Client, concurrency: usize) -> anyhow::Result<ApiCatalog> {
    let mut catalog = ApiCatalog::default();
    for root in ["/api", "/apis"] {
        let (content_type, body) = get(client, root, AGGREGATED_ACCEPT)
            .await
            .map_err(|p| anyhow::anyhow!("discovering the API ({root}): {}", p.message))?;
        if content_type.contains("as=APIGroupDiscoveryList") {
            let list: APIGroupDiscoveryList =
                parse(root, &body).map_err(|p| anyhow::anyhow!(p.message))?;
            for group in &list.items {
                add_aggregated_group(&mut catalog, group);
            }
        } else {
            legacy(client, root, &body, concurrency, &mut catalog).await?;
        }
    }
    Ok(catalog)
}

fn add_aggregated_group(catalog: &mut ApiCatalog, group: &APIGroupDiscovery) {
    let name = group
        .metadata
        .as_ref()
        .and_then(|m| m.name.clone())
        .unwrap_or_default();
    // Versions come in the server's priority order; the first non-stale one is
    // preferred, so "first version that serves it" is client-go's rule.
    for version in &group.versions {
        let v = version.version.clone().unwrap_or_default();
        let gv = qualify_gv(&name, &v);
        if version.freshness.as_deref() == Some("Stale") {
            catalog.problems.push(Problem::new(
                &gv,
                Some(503),
                "ServiceUnavailable",
                &format!("stale GroupVersion discovery: {gv} (its APIService is not available)"),
            ));
            continue;
        }
        for r in &version.resources {
            let kind = r
                .response_kind
                .as_ref()
                .and_then(|k| k.kind.clone())
                .unwrap_or_default();
            catalog.add(ApiType {
                group: name.clone(),
                version: v.clone(),
                plural: r.resource.clone().unwrap_or_default(),
                singular: r.singular_resource.clone().unwrap_or_default(),
                kind,
                namespaced: r.scope.as_deref() == Some("Namespaced"),
                verbs: r.verbs.clone(),
                short_names: r.short_names.clone(),
                subresources: r
                    .subresources
                    .iter()
                    .filter_map(|s| s.subresource.clone())
                    .collect(),
            });
        }
    }
}

impl ApiCatalog {
    /// Adds a type unless the group already has it at a higher-priority version.
    fn add(&mut self, ty: ApiType) {
        if ty.plural.is_empty()
            || self
                .types
                .iter()
                .any(|t| t.group == ty.group && t.plural == ty.plural)
        {
            return;
        }
        self.types.push(ty);
    }

    /// The type serving `resource` in `group`, at whatever version discovery chose.
    pub fn find(&self, group: &str, resource: &str) -> Option<&ApiType> {
        self.types
            .iter()
            .find(|t| t.group == group && t.plural == resource)
    }
}

fn qualify_gv(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// Legacy discovery: `/api/v1` and every group's preferred `/apis/<g>/<v>`, fetched concurrently.
async fn legacy(
    client: &Client,
    root: &str,
    body: &[u8],
    concurrency: usize,
    catalog: &mut ApiCatalog,
) -> anyhow::Result<()> {
    let doc: Value = serde_json::from_slice(body).map_err(|e| {
        anyhow::anyhow!("discovering the API ({root}): cannot parse the response: {e}")
    })?;
    let paths: Vec<(String, String)> = if root == "/api" {
        doc["versions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str())
            .map(|v| (String::new(), v.to_string()))
            .collect()
    } else {
        // Preferred version first, then the others in the server's order.
        doc["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|g| {
                let name = g["name"].as_str().unwrap_or_default().to_string();
                let preferred = g["preferredVersion"]["version"]
                    .as_str()
                    .unwrap_or_default();
                let mut versions: Vec<String> = g["versions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v["version"].as_str().map(String::from))
                    .collect();
                if let Some(i) = versions.iter().position(|v| v == preferred) {
                    let p = versions.remove(i);
                    versions.insert(0, p);
                } else if !preferred.is_empty() {
                    versions.insert(0, preferred.to_string());
                }
                versions.into_iter().map(move |v| (name.clone(), v))
            })
            .filter(|(name, _)| !name.is_empty())
            .collect()
    };
    let order: Vec<(String, String)> = paths.clone();
    let results: Vec<_> = stream::iter(paths)
        .map(|(group, version)| async move {
            let path = if group.is_empty() {
                format!("/api/{version}")
            } else {
                format!("/apis/{group}/{version}")
            };
            let result = get(client, &path, "application/json").await;
            (group, version, result)
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let mut results = results;
    // Back into discovery order, so that each group's preferred version wins.
    let rank = |g: &str, v: &str| order.iter().position(|(og, ov)| og == g && ov == v);
    results.sort_by_key(|(g, v, _)| rank(g, v));
    for (group, version, result) in results {
        let gv = qualify_gv(&group, &version);
        match result.and_then(|(_, body)| parse::<Value>(&gv, &body)) {
            Err(mut p) => {
                p.scope = gv;
                catalog.problems.push(p);
            }
            Ok(list) => {
                let resources = list["resources"].as_array().cloned().unwrap_or_default();
                let subresources = |plural: &str| -> Vec<String> {
                    resources
                        .iter()
                        .filter_map(|r| r["name"].as_str())
                        .filter_map(|n| n.strip_prefix(plural)?.strip_prefix('/').map(String::from))
                        .collect()
                };
                for r in &resources {
                    let plural = r["name"].as_str().unwrap_or_default();
                    if plural.contains('/') {
                        continue;
                    }
                    let strings = |k: &str| -> Vec<String> {
                        r[k].as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|s| s.as_str().map(String::from))
                            .collect()
                    };
                    catalog.add(ApiType {
                        group: group.clone(),
                        version: version.clone(),
                        plural: plural.to_string(),
                        singular: r["singularName"].as_str().unwrap_or_default().to_string(),
                        kind: r["kind"].as_str().unwrap_or_default().to_string(),
                        namespaced: r["namespaced"].as_bool().unwrap_or(false),
                        verbs: strings("verbs"),
                        short_names: strings("shortNames"),
                        subresources: subresources(plural),
                    });
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_served_version_is_walked_preferred_first() {
        let group: APIGroupDiscovery = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "monitoring.coreos.com"},
            "versions": [
                {"version": "v1", "resources": [
                    {"resource": "prometheuses", "responseKind": {"kind": "Prometheus"}, "scope": "Namespaced", "verbs": ["list"]}
                ]},
                {"version": "v1beta1", "freshness": "Stale", "resources": []},
                {"version": "v1alpha1", "resources": [
                    {"resource": "prometheuses", "responseKind": {"kind": "Prometheus"}, "scope": "Namespaced", "verbs": ["list"]},
                    {"resource": "alertmanagerconfigs", "responseKind": {"kind": "AlertmanagerConfig"}, "scope": "Namespaced", "verbs": ["list"]}
                ]}
            ]
        }))
        .unwrap();
        let mut catalog = ApiCatalog::default();
        add_aggregated_group(&mut catalog, &group);
        let found: Vec<(String, String)> = catalog
            .types
            .iter()
            .map(|t| (t.plural.clone(), t.version.clone()))
            .collect();
        assert_eq!(
            found,
            [
                ("prometheuses".to_string(), "v1".to_string()),
                ("alertmanagerconfigs".to_string(), "v1alpha1".to_string())
            ]
        );
        assert_eq!(catalog.problems.len(), 1, "the stale version is named");
        assert_eq!(catalog.problems[0].scope, "monitoring.coreos.com/v1beta1");
        assert_eq!(
            catalog
                .find("monitoring.coreos.com", "alertmanagerconfigs")
                .map(|t| t.kind.as_str()),
            Some("AlertmanagerConfig")
        );
    }
}
