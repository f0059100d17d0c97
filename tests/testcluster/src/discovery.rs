//! The resource model of the test cluster, built from real discovery documents
//! (`fixtures/`, see `fixtures/README.md`) and extended at run time by
//! CustomResourceDefinitions and aggregated APIServices, as kube-apiserver does.
//!
//! Every discovery response is rendered from this one model so that the legacy
//! (`/api/v1`, `/apis/<g>/<v>`) and aggregated (`apidiscovery.k8s.io/v2`) forms
//! can never disagree.

use serde_json::{json, Map, Value};
use std::cmp::Ordering;
use std::collections::BTreeSet;

const AGGREGATED_V2: &str = include_str!("../fixtures/aggregated_v2.json");
const CORE_V1: &str = include_str!("../fixtures/api__v1.json");
const API_VERSIONS: &str = include_str!("../fixtures/api.json");

/// One subresource (`status`, `finalize`, `scale`, …) of a resource.
#[derive(Clone, Debug)]
pub struct SubresourceDef {
    pub name: String,
    pub kind: String,
    /// Empty when the same as the parent's group/version.
    pub group: String,
    pub version: String,
    pub verbs: Vec<String>,
}

/// One served resource in one group/version.
#[derive(Clone, Debug)]
pub struct ResourceDef {
    pub group: String,
    pub version: String,
    pub plural: String,
    pub singular: String,
    pub kind: String,
    pub namespaced: bool,
    pub verbs: Vec<String>,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    pub subresources: Vec<SubresourceDef>,
    pub storage_version_hash: Option<String>,
}

impl ResourceDef {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `resource` for the core group, `resource.group` otherwise (kube's GroupResource string).
    pub fn group_resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// `Kind` for the core group, `Kind.group` otherwise (the qualified kind of Invalid errors).
    pub fn group_kind(&self) -> String {
        if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }

    pub fn is_builtin_core(&self) -> bool {
        self.group.is_empty()
    }

    pub fn has_subresource(&self, name: &str) -> bool {
        self.subresources.iter().any(|s| s.name == name)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    BuiltIn,
    /// Served from a CustomResourceDefinition.
    Crd,
    /// Served by an aggregated API server behind an APIService.
    Aggregated,
}

#[derive(Clone, Debug)]
pub struct VersionDef {
    pub version: String,
    pub resources: Vec<ResourceDef>,
}

#[derive(Clone, Debug)]
pub struct GroupDef {
    pub name: String,
    pub versions: Vec<VersionDef>,
    pub origin: Origin,
}

/// All groups the server serves, in discovery priority order.
#[derive(Clone, Debug)]
pub struct Discovery {
    pub core: VersionDef,
    pub groups: Vec<GroupDef>,
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn str_of(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

impl Discovery {
    /// The built-in groups of a real kube-apiserver, from the fixtures.
    pub fn builtin() -> Discovery {
        let core: Value = serde_json::from_str(CORE_V1).expect("fixture api__v1.json parses");
        let aggregated: Value =
            serde_json::from_str(AGGREGATED_V2).expect("fixture aggregated_v2.json parses");
        Discovery {
            core: core_from_legacy(&core),
            groups: aggregated["items"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|item| group_from_aggregated(item, Origin::BuiltIn))
                .collect(),
        }
    }

    /// Every resource of every version (core first), in discovery order.
    pub fn all_resources(&self) -> impl Iterator<Item = &ResourceDef> {
        self.core.resources.iter().chain(
            self.groups
                .iter()
                .flat_map(|g| g.versions.iter().flat_map(|v| v.resources.iter())),
        )
    }

    pub fn group(&self, name: &str) -> Option<&GroupDef> {
        self.groups.iter().find(|g| g.name == name)
    }

    pub fn resource(&self, group: &str, version: &str, plural: &str) -> Option<&ResourceDef> {
        if group.is_empty() {
            if version != "v1" {
                return None;
            }
            return self.core.resources.iter().find(|r| r.plural == plural);
        }
        self.group(group)?
            .versions
            .iter()
            .find(|v| v.version == version)?
            .resources
            .iter()
            .find(|r| r.plural == plural)
    }

    /// The resource serving `kind` in `apiVersion` (used to load scenario objects).
    pub fn resource_for_kind(&self, api_version: &str, kind: &str) -> Option<&ResourceDef> {
        let (group, version) = split_api_version(api_version);
        let version_def = if group.is_empty() {
            (version == "v1").then_some(&self.core)?
        } else {
            self.group(group)?
                .versions
                .iter()
                .find(|v| v.version == version)?
        };
        version_def.resources.iter().find(|r| r.kind == kind)
    }

    /// Adds (or replaces) the group/versions served by a CustomResourceDefinition.
    pub fn add_crd(&mut self, crd: &Value) {
        let spec = &crd["spec"];
        let group = str_of(spec, "group");
        let names = &spec["names"];
        let plural = str_of(names, "plural");
        self.remove_crd(&group, &plural);
        let mut versions: Vec<&Value> = spec["versions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|v| v["served"].as_bool().unwrap_or(true))
            .collect();
        versions.sort_by(|a, b| version_priority(&str_of(a, "name"), &str_of(b, "name")));
        let group_def = match self.groups.iter().position(|g| g.name == group) {
            Some(i) => &mut self.groups[i],
            None => {
                self.groups.push(GroupDef {
                    name: group.clone(),
                    versions: Vec::new(),
                    origin: Origin::Crd,
                });
                self.groups.last_mut().expect("just pushed")
            }
        };
        for v in versions {
            let version = str_of(v, "name");
            let kind = str_of(names, "kind");
            let mut subresources = Vec::new();
            if v["subresources"].get("status").is_some() {
                subresources.push(SubresourceDef {
                    name: "status".into(),
                    kind: kind.clone(),
                    group: String::new(),
                    version: String::new(),
                    verbs: strings(&json!(["get", "patch", "update"])),
                });
            }
            let resource = ResourceDef {
                group: group.clone(),
                version: version.clone(),
                plural: plural.clone(),
                singular: {
                    let s = str_of(names, "singular");
                    if s.is_empty() {
                        kind.to_lowercase()
                    } else {
                        s
                    }
                },
                kind,
                namespaced: str_of(spec, "scope") != "Cluster",
                verbs: strings(&json!([
                    "delete",
                    "deletecollection",
                    "get",
                    "list",
                    "patch",
                    "create",
                    "update",
                    "watch"
                ])),
                short_names: strings(&names["shortNames"]),
                categories: strings(&names["categories"]),
                subresources,
                storage_version_hash: None,
            };
            match group_def
                .versions
                .iter_mut()
                .find(|vd| vd.version == version)
            {
                Some(vd) => vd.resources.push(resource),
                None => group_def.versions.push(VersionDef {
                    version,
                    resources: vec![resource],
                }),
            }
        }
        group_def
            .versions
            .sort_by(|a, b| version_priority(&a.version, &b.version));
    }

    /// Stops serving a CRD's resource; drops versions and groups left empty.
    pub fn remove_crd(&mut self, group: &str, plural: &str) {
        for g in self
            .groups
            .iter_mut()
            .filter(|g| g.name == group && g.origin == Origin::Crd)
        {
            for v in g.versions.iter_mut() {
                v.resources.retain(|r| r.plural != plural);
            }
            g.versions.retain(|v| !v.resources.is_empty());
        }
        self.groups
            .retain(|g| !(g.origin == Origin::Crd && g.versions.is_empty()));
    }

    /// Serves `group/version` through an APIService; `resources` lists what it serves
    /// when available (the aggregated server's own discovery is not reproduced).
    pub fn add_aggregated(&mut self, group: &str, version: &str, resources: Vec<ResourceDef>) {
        if self
            .group(group)
            .is_some_and(|g| g.origin != Origin::Aggregated)
        {
            return; // a local APIService (v1.apps, …) for a built-in or CRD group
        }
        let version_def = VersionDef {
            version: version.to_string(),
            resources,
        };
        match self.groups.iter_mut().find(|g| g.name == group) {
            Some(g) => {
                g.versions.retain(|v| v.version != version);
                g.versions.push(version_def);
                g.versions
                    .sort_by(|a, b| version_priority(&a.version, &b.version));
            }
            None => self.groups.push(GroupDef {
                name: group.to_string(),
                versions: vec![version_def],
                origin: Origin::Aggregated,
            }),
        }
    }

    pub fn remove_aggregated(&mut self, group: &str, version: &str) {
        for g in self
            .groups
            .iter_mut()
            .filter(|g| g.name == group && g.origin == Origin::Aggregated)
        {
            g.versions.retain(|v| v.version != version);
        }
        self.groups
            .retain(|g| !(g.origin == Origin::Aggregated && g.versions.is_empty()));
    }

    // --- legacy documents -------------------------------------------------------

    /// `GET /api` (APIVersions). The fixture's `serverAddressByClientCIDRs` is kept.
    pub fn legacy_api_versions(&self) -> Value {
        serde_json::from_str(API_VERSIONS).expect("fixture api.json parses")
    }

    /// `GET /api/v1` (APIResourceList, no `apiVersion`, as the real server sends it).
    pub fn legacy_core_v1(&self) -> Value {
        json!({
            "kind": "APIResourceList",
            "groupVersion": "v1",
            "resources": legacy_resources(&self.core.resources),
        })
    }

    /// `GET /apis` (APIGroupList).
    pub fn legacy_group_list(&self) -> Value {
        json!({
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": self.groups.iter().map(legacy_group).collect::<Vec<_>>(),
        })
    }

    /// `GET /apis/<group>` (APIGroup).
    pub fn legacy_group(&self, name: &str) -> Option<Value> {
        let mut g = legacy_group(self.group(name)?);
        let obj = g.as_object_mut().expect("group is an object");
        let mut out = Map::new();
        out.insert("kind".into(), json!("APIGroup"));
        out.insert("apiVersion".into(), json!("v1"));
        out.append(obj);
        Some(Value::Object(out))
    }

    /// `GET /apis/<group>/<version>` (APIResourceList).
    pub fn legacy_group_version(&self, group: &str, version: &str) -> Option<Value> {
        let v = self
            .group(group)?
            .versions
            .iter()
            .find(|v| v.version == version)?;
        Some(json!({
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": format!("{group}/{version}"),
            "resources": legacy_resources(&v.resources),
        }))
    }

    // --- aggregated documents ---------------------------------------------------

    /// `GET /api` as `APIGroupDiscoveryList` (the core group, no name).
    pub fn aggregated_core(&self) -> Value {
        json!({
            "kind": "APIGroupDiscoveryList",
            "apiVersion": "apidiscovery.k8s.io/v2",
            "metadata": {},
            "items": [{
                "metadata": {"creationTimestamp": null},
                "versions": [aggregated_version(&self.core, false)],
            }],
        })
    }

    /// `GET /apis` as `APIGroupDiscoveryList`; versions in `stale` are reported
    /// `Stale` with no resources, as the aggregator does for an unavailable APIService.
    pub fn aggregated_apis(&self, stale: &BTreeSet<(String, String)>) -> Value {
        let items: Vec<Value> = self
            .groups
            .iter()
            .map(|g| {
                json!({
                    "metadata": {"name": g.name, "creationTimestamp": null},
                    "versions": g.versions.iter().map(|v| {
                        aggregated_version(v, stale.contains(&(g.name.clone(), v.version.clone())))
                    }).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "kind": "APIGroupDiscoveryList",
            "apiVersion": "apidiscovery.k8s.io/v2",
            "metadata": {},
            "items": items,
        })
    }
}

pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    }
}

fn core_from_legacy(doc: &Value) -> VersionDef {
    let list = doc["resources"].as_array().cloned().unwrap_or_default();
    let mut resources: Vec<ResourceDef> = Vec::new();
    for r in &list {
        let name = str_of(r, "name");
        if let Some((parent, sub)) = name.split_once('/') {
            if let Some(p) = resources.iter_mut().find(|p| p.plural == parent) {
                p.subresources.push(SubresourceDef {
                    name: sub.to_string(),
                    kind: str_of(r, "kind"),
                    group: str_of(r, "group"),
                    version: str_of(r, "version"),
                    verbs: strings(&r["verbs"]),
                });
            }
            continue;
        }
        resources.push(ResourceDef {
            group: String::new(),
            version: "v1".into(),
            plural: name,
            singular: str_of(r, "singularName"),
            kind: str_of(r, "kind"),
            namespaced: r["namespaced"].as_bool().unwrap_or(false),
            verbs: strings(&r["verbs"]),
            short_names: strings(&r["shortNames"]),
            categories: strings(&r["categories"]),
            subresources: Vec::new(),
            storage_version_hash: r
                .get("storageVersionHash")
                .and_then(Value::as_str)
                .map(String::from),
        });
    }
    VersionDef {
        version: "v1".into(),
        resources,
    }
}

fn group_from_aggregated(item: &Value, origin: Origin) -> GroupDef {
    let group = str_of(&item["metadata"], "name");
    let versions = item["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            let version = str_of(v, "version");
            let resources = v["resources"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| ResourceDef {
                    group: group.clone(),
                    version: version.clone(),
                    plural: str_of(r, "resource"),
                    singular: str_of(r, "singularResource"),
                    kind: str_of(&r["responseKind"], "kind"),
                    namespaced: str_of(r, "scope") == "Namespaced",
                    verbs: strings(&r["verbs"]),
                    short_names: strings(&r["shortNames"]),
                    categories: strings(&r["categories"]),
                    subresources: r["subresources"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|s| SubresourceDef {
                            name: str_of(s, "subresource"),
                            kind: str_of(&s["responseKind"], "kind"),
                            group: str_of(&s["responseKind"], "group"),
                            version: str_of(&s["responseKind"], "version"),
                            verbs: strings(&s["verbs"]),
                        })
                        .collect(),
                    storage_version_hash: None,
                })
                .collect();
            VersionDef { version, resources }
        })
        .collect();
    GroupDef {
        name: group,
        versions,
        origin,
    }
}

/// Legacy `APIResource` entries, in struct field order, subresources after their parent.
fn legacy_resources(resources: &[ResourceDef]) -> Vec<Value> {
    let mut out = Vec::new();
    for r in resources {
        let mut m = Map::new();
        m.insert("name".into(), json!(r.plural));
        m.insert("singularName".into(), json!(r.singular));
        m.insert("namespaced".into(), json!(r.namespaced));
        m.insert("kind".into(), json!(r.kind));
        m.insert("verbs".into(), json!(r.verbs));
        if !r.short_names.is_empty() {
            m.insert("shortNames".into(), json!(r.short_names));
        }
        if !r.categories.is_empty() {
            m.insert("categories".into(), json!(r.categories));
        }
        if let Some(h) = &r.storage_version_hash {
            m.insert("storageVersionHash".into(), json!(h));
        }
        out.push(Value::Object(m));
        for s in &r.subresources {
            let mut m = Map::new();
            m.insert("name".into(), json!(format!("{}/{}", r.plural, s.name)));
            m.insert("singularName".into(), json!(""));
            m.insert("namespaced".into(), json!(r.namespaced));
            if !s.group.is_empty() {
                m.insert("group".into(), json!(s.group));
            }
            if !s.version.is_empty() {
                m.insert("version".into(), json!(s.version));
            }
            m.insert("kind".into(), json!(s.kind));
            m.insert("verbs".into(), json!(s.verbs));
            out.push(Value::Object(m));
        }
    }
    out
}

fn legacy_group(g: &GroupDef) -> Value {
    let versions: Vec<Value> = g
        .versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{}/{}", g.name, v.version), "version": v.version}))
        .collect();
    let preferred = versions.first().cloned().unwrap_or(Value::Null);
    json!({"name": g.name, "versions": versions, "preferredVersion": preferred})
}

fn aggregated_version(v: &VersionDef, stale: bool) -> Value {
    if stale {
        return json!({"version": v.version, "freshness": "Stale"});
    }
    let resources: Vec<Value> = v
        .resources
        .iter()
        .map(|r| {
            let mut m = Map::new();
            m.insert("resource".into(), json!(r.plural));
            m.insert(
                "responseKind".into(),
                json!({"group": "", "version": "", "kind": r.kind}),
            );
            m.insert(
                "scope".into(),
                json!(if r.namespaced { "Namespaced" } else { "Cluster" }),
            );
            m.insert("singularResource".into(), json!(r.singular));
            m.insert("verbs".into(), json!(r.verbs));
            if !r.short_names.is_empty() {
                m.insert("shortNames".into(), json!(r.short_names));
            }
            if !r.categories.is_empty() {
                m.insert("categories".into(), json!(r.categories));
            }
            if !r.subresources.is_empty() {
                let subs: Vec<Value> = r
                    .subresources
                    .iter()
                    .map(|s| {
                        json!({
                            "subresource": s.name,
                            "responseKind": {"group": s.group, "version": s.version, "kind": s.kind},
                            "verbs": s.verbs,
                        })
                    })
                    .collect();
                m.insert("subresources".into(), Value::Array(subs));
            }
            Value::Object(m)
        })
        .collect();
    json!({"version": v.version, "resources": resources, "freshness": "Current"})
}

/// Kubernetes version priority: GA > beta > alpha, higher numbers first, then
/// non-Kubernetes-looking versions alphabetically.
pub fn version_priority(a: &str, b: &str) -> Ordering {
    fn parse(v: &str) -> Option<(u32, u32, u32)> {
        let rest = v.strip_prefix('v')?;
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let major: u32 = digits.parse().ok()?;
        let tail = &rest[digits.len()..];
        if tail.is_empty() {
            return Some((3, major, 0));
        }
        for (stage, prefix) in [(2, "beta"), (1, "alpha")] {
            if let Some(n) = tail.strip_prefix(prefix) {
                return Some((stage, major, n.parse().ok()?));
            }
        }
        None
    }
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_sort_like_kubernetes() {
        let mut v = vec!["v1alpha1", "v2", "foo", "v1beta2", "v1", "v1beta1"];
        v.sort_by(|a, b| version_priority(a, b));
        assert_eq!(v, ["v2", "v1", "v1beta2", "v1beta1", "v1alpha1", "foo"]);
    }
}
