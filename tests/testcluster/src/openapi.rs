//! `/openapi/v3` and `/openapi/v2`, rendered from the discovery model
//! (apiserver-semantics-2.md §20).
//!
//! What clients read from these documents is the operations: kubectl asks
//! whether the PATCH operation of a kind (found by its
//! `x-kubernetes-group-version-kind` extension) declares the `fieldValidation`
//! query parameter, and validates on the server if so. Operations, their
//! parameters and extensions follow kube-openapi's builder; schemas are
//! minimal (the test cluster keeps no type schemas), but every kind has one,
//! tagged with its group-version-kind as on a real server.

use crate::discovery::{Discovery, ResourceDef};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// Which document form is rendered: OpenAPI 3.0 or Swagger 2.0.
#[derive(Clone, Copy, PartialEq)]
enum Form {
    V3,
    V2,
}

/// `GET /openapi/v3`: every served group-version with its document's URL,
/// whose `hash` changes when the document does.
pub fn v3_index(d: &Discovery, stale: &BTreeSet<(String, String)>) -> Value {
    let paths: Map<String, Value> = group_versions(d, stale)
        .into_iter()
        .map(|(group, version)| {
            let key = gv_path(&group, &version);
            let hash = v3_group_version(d, stale, &key).map_or_else(String::new, |doc| hash(&doc));
            (
                key.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{key}?hash={hash}")}),
            )
        })
        .collect();
    json!({ "paths": paths })
}

/// `GET /openapi/v3/<api/v1 | apis/<group>/<version>>`; None for a
/// group-version that is not served.
pub fn v3_group_version(
    d: &Discovery,
    stale: &BTreeSet<(String, String)>,
    key: &str,
) -> Option<Value> {
    let (group, version) = group_versions(d, stale)
        .into_iter()
        .find(|(g, v)| gv_path(g, v) == key)?;
    let resources = resources_of(d, &group, &version);
    let mut schemas = meta_schemas();
    let mut paths = Map::new();
    for r in &resources {
        schemas.insert(schema_name(r), kind_schema(r, Form::V3));
        paths.extend(resource_paths(r, Form::V3));
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.31.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    }))
}

/// `GET /openapi/v2` as JSON: every group-version in one Swagger document.
pub fn v2(d: &Discovery, stale: &BTreeSet<(String, String)>) -> Value {
    let mut definitions = meta_schemas();
    let mut paths = Map::new();
    for (group, version) in group_versions(d, stale) {
        for r in resources_of(d, &group, &version) {
            definitions.insert(schema_name(&r), kind_schema(&r, Form::V2));
            paths.extend(resource_paths(&r, Form::V2));
        }
    }
    let text = serde_json::to_string(&definitions).expect("serializable");
    let definitions: Value =
        serde_json::from_str(&text.replace("#/components/schemas/", "#/definitions/"))
            .expect("still JSON");
    json!({
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": "v1.31.0"},
        "paths": paths,
        "definitions": definitions,
    })
}

/// The hash kube-openapi puts in `serverRelativeURL` and the ETag: SHA-512 of
/// the document, upper-case hex.
pub fn hash(doc: &Value) -> String {
    let text = serde_json::to_vec(doc).expect("serializable");
    let digest = ring::digest::digest(&ring::digest::SHA512, &text);
    digest.as_ref().iter().map(|b| format!("{b:02X}")).collect()
}

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// Served group-versions, core first; an unavailable aggregated API has no
/// document (the aggregator cannot fetch it).
fn group_versions(d: &Discovery, stale: &BTreeSet<(String, String)>) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), d.core.version.clone())];
    for g in &d.groups {
        for v in &g.versions {
            if !stale.contains(&(g.name.clone(), v.version.clone())) {
                out.push((g.name.clone(), v.version.clone()));
            }
        }
    }
    out
}

fn resources_of(d: &Discovery, group: &str, version: &str) -> Vec<ResourceDef> {
    d.all_resources()
        .filter(|r| r.group == group && r.version == version)
        .cloned()
        .collect()
}

/// `io.k8s.api.apps.v1.Deployment` for built-ins; a CRD's kind is named by its
/// reversed group, as the CRD OpenAPI builder does (`com.example.v1.Widget`).
fn schema_name(r: &ResourceDef) -> String {
    let prefix = match r.group.as_str() {
        "" => "io.k8s.api.core".to_string(),
        "apiextensions.k8s.io" => "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions".into(),
        "apiregistration.k8s.io" => "io.k8s.kube-aggregator.pkg.apis.apiregistration".into(),
        g if g.ends_with(".k8s.io") || !g.contains('.') => {
            format!("io.k8s.api.{}", g.split('.').next().unwrap_or(g))
        }
        g => g.split('.').rev().collect::<Vec<_>>().join("."),
    };
    format!("{prefix}.{}.{}", r.version, r.kind)
}

fn gvk(r: &ResourceDef) -> Value {
    json!({"group": r.group, "version": r.version, "kind": r.kind})
}

fn kind_schema(r: &ResourceDef, form: Form) -> Value {
    let meta = if form == Form::V3 {
        "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
    } else {
        "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
    };
    json!({
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"$ref": meta},
        },
        "x-kubernetes-preserve-unknown-fields": true,
        "x-kubernetes-group-version-kind": [gvk(r)],
    })
}

/// ObjectMeta as kube-openapi publishes it, for the fields finalizer triage
/// reads: `finalizers` is a set merged by value.
fn meta_schemas() -> Map<String, Value> {
    let string = json!({"type": "string"});
    let map = json!({"type": "object", "additionalProperties": {"type": "string", "default": ""}});
    let mut m = Map::new();
    m.insert(
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta".into(),
        json!({
            "type": "object",
            "properties": {
                "name": string, "generateName": string, "namespace": string,
                "uid": string, "resourceVersion": string,
                "generation": {"type": "integer", "format": "int64"},
                "creationTimestamp": {"type": "string", "format": "date-time"},
                "deletionTimestamp": {"type": "string", "format": "date-time"},
                "deletionGracePeriodSeconds": {"type": "integer", "format": "int64"},
                "labels": map, "annotations": map,
                "ownerReferences": {
                    "type": "array",
                    "items": {"type": "object", "x-kubernetes-map-type": "atomic"},
                    "x-kubernetes-list-map-keys": ["uid"],
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-patch-merge-key": "uid",
                    "x-kubernetes-patch-strategy": "merge",
                },
                "finalizers": {
                    "type": "array",
                    "items": {"type": "string", "default": ""},
                    "x-kubernetes-list-type": "set",
                    "x-kubernetes-patch-strategy": "merge",
                },
                "managedFields": {"type": "array", "items": {"type": "object"}},
            },
        }),
    );
    m
}

/// `apps` → `Apps`, `v1beta1` → `V1beta1`.
fn title_case(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// One query or path parameter, in the form's shape.
fn param(name: &str, location: &str, kind: &str, form: Form) -> Value {
    let mut p = json!({"name": name, "in": location});
    if form == Form::V3 {
        p["schema"] = json!({"type": kind, "uniqueItems": true});
    } else {
        p["type"] = json!(kind);
        p["uniqueItems"] = json!(true);
    }
    if location == "path" {
        p["required"] = json!(true);
    }
    p
}

/// One operation: the shape kube-openapi builds for an installed route.
/// `suffix`: `ForAllNamespaces` for the list across namespaces, the
/// subresource (`Status`) for its operations, as kube-openapi names them.
fn operation(r: &ResourceDef, action: &str, verb: &str, form: Form, suffix: &str) -> Value {
    let query = |names: &[(&str, &str)]| -> Vec<Value> {
        names
            .iter()
            .map(|(n, t)| param(n, "query", t, form))
            .collect()
    };
    let parameters = match action {
        "patch" => query(&[
            ("dryRun", "string"),
            ("force", "boolean"),
            ("fieldManager", "string"),
            ("fieldValidation", "string"),
        ]),
        "post" | "put" => query(&[
            ("dryRun", "string"),
            ("fieldManager", "string"),
            ("fieldValidation", "string"),
        ]),
        "delete" | "deletecollection" => query(&[
            ("gracePeriodSeconds", "integer"),
            ("propagationPolicy", "string"),
            ("dryRun", "string"),
        ]),
        "list" | "watchlist" => query(&[
            ("allowWatchBookmarks", "boolean"),
            ("continue", "string"),
            ("fieldSelector", "string"),
            ("labelSelector", "string"),
            ("limit", "integer"),
            ("resourceVersion", "string"),
            ("resourceVersionMatch", "string"),
            ("timeoutSeconds", "integer"),
            ("watch", "boolean"),
        ]),
        _ => vec![],
    };
    let group_title: String = if r.group.is_empty() {
        "Core".into()
    } else {
        r.group
            .split('.')
            .next()
            .unwrap_or_default()
            .split('-')
            .map(title_case)
            .collect()
    };
    let scope = if r.namespaced && suffix != "ForAllNamespaces" {
        "Namespaced"
    } else {
        ""
    };
    let version = title_case(&r.version);
    let mut op = json!({
        "description": format!("{verb} {}", r.kind),
        "operationId": format!("{action}{group_title}{version}{scope}{}{suffix}", r.kind),
        "responses": {"200": {"description": "OK"}},
        "tags": [format!("{}_{}", if r.group.is_empty() { "core" } else { r.group.split('.').next().unwrap_or_default() }, r.version)],
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": gvk(r),
    });
    if !parameters.is_empty() {
        op["parameters"] = Value::Array(parameters);
    }
    op
}

/// The paths of one resource: collection, item and subresources, each with
/// the operations its verbs allow: (verb, HTTP method, action, description).
fn resource_paths(r: &ResourceDef, form: Form) -> Map<String, Value> {
    const COLLECTION: &[(&str, &str, &str, &str)] = &[
        ("list", "get", "list", "list or watch objects of kind"),
        ("create", "post", "post", "create a"),
        (
            "deletecollection",
            "delete",
            "deletecollection",
            "delete collection of",
        ),
    ];
    const ITEM: &[(&str, &str, &str, &str)] = &[
        ("get", "get", "get", "read the specified"),
        ("update", "put", "put", "replace the specified"),
        ("patch", "patch", "patch", "partially update the specified"),
        ("delete", "delete", "delete", "delete a"),
    ];
    let operations =
        |verbs: &[String], table: &[(&str, &str, &str, &str)], what: &str, suffix: &str| {
            let mut ops = Map::new();
            for (verb, method, action, description) in table {
                if verbs.iter().any(|v| v == verb) {
                    let description =
                        description.replace("the specified", &format!("{what}the specified"));
                    ops.insert(
                        (*method).into(),
                        operation(r, action, &description, form, suffix),
                    );
                }
            }
            ops
        };
    let root = format!("/{}", gv_path(&r.group, &r.version));
    let mut scope_params = vec![];
    let collection = if r.namespaced {
        scope_params.push(param("namespace", "path", "string", form));
        format!("{root}/namespaces/{{namespace}}/{}", r.plural)
    } else {
        format!("{root}/{}", r.plural)
    };
    let mut item_params = vec![param("name", "path", "string", form)];
    item_params.extend(scope_params.iter().cloned());
    let mut out = Map::new();
    let mut add = |path: String, mut ops: Map<String, Value>, params: &[Value]| {
        if ops.is_empty() {
            return;
        }
        if !params.is_empty() {
            ops.insert("parameters".into(), Value::Array(params.to_vec()));
        }
        out.insert(path, Value::Object(ops));
    };
    add(
        collection.clone(),
        operations(&r.verbs, COLLECTION, "", ""),
        &scope_params,
    );
    if r.namespaced {
        // Every namespace at once: list only.
        let list = operations(&r.verbs, &COLLECTION[..1], "", "ForAllNamespaces");
        add(format!("{root}/{}", r.plural), list, &[]);
    }
    add(
        format!("{collection}/{{name}}"),
        operations(&r.verbs, ITEM, "", ""),
        &item_params,
    );
    for sub in &r.subresources {
        let ops = operations(
            &sub.verbs,
            &ITEM[..3],
            &format!("{} of ", sub.name),
            &title_case(&sub.name),
        );
        add(
            format!("{collection}/{{name}}/{}", sub.name),
            ops,
            &item_params,
        );
    }
    out
}

/// `/openapi/v2` in the protobuf form client-go asks for
/// (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`, gnostic's
/// `openapi.v2.Document`), encoded from the JSON form. Only what clients read
/// is carried: info, paths with their operations, parameters, responses and
/// vendor extensions (as YAML, the way gnostic stores them); definitions are
/// left out, so client-side schema validation has nothing to check against.
pub fn v2_protobuf(doc: &Value) -> Vec<u8> {
    let mut out = Proto::default();
    out.string(1, doc["swagger"].as_str().unwrap_or("2.0"));
    let mut info = Proto::default();
    info.string(1, doc["info"]["title"].as_str().unwrap_or_default());
    info.string(2, doc["info"]["version"].as_str().unwrap_or_default());
    out.message(2, &info);
    let mut paths = Proto::default();
    for (name, item) in doc["paths"].as_object().into_iter().flatten() {
        let mut path_item = Proto::default();
        // PathItem: get 2, put 3, post 4, delete 5, patch 8, parameters 9.
        for (method, field) in [
            ("get", 2),
            ("put", 3),
            ("post", 4),
            ("delete", 5),
            ("patch", 8),
        ] {
            if let Some(op) = item.get(method) {
                path_item.message(field, &operation_proto(op));
            }
        }
        for p in item["parameters"].as_array().into_iter().flatten() {
            path_item.message(9, &parameter_proto(p));
        }
        let mut named = Proto::default();
        named.string(1, name);
        named.message(2, &path_item);
        paths.message(2, &named);
    }
    out.message(8, &paths);
    out.0
}

fn operation_proto(op: &Value) -> Proto {
    let mut o = Proto::default();
    for tag in op["tags"].as_array().into_iter().flatten() {
        o.string(1, tag.as_str().unwrap_or_default());
    }
    o.string(3, op["description"].as_str().unwrap_or_default());
    o.string(5, op["operationId"].as_str().unwrap_or_default());
    for p in op["parameters"].as_array().into_iter().flatten() {
        o.message(8, &parameter_proto(p));
    }
    let mut responses = Proto::default();
    for (code, r) in op["responses"].as_object().into_iter().flatten() {
        let mut response = Proto::default();
        response.string(1, r["description"].as_str().unwrap_or_default());
        let mut value = Proto::default();
        value.message(1, &response);
        let mut named = Proto::default();
        named.string(1, code);
        named.message(2, &value);
        responses.message(1, &named);
    }
    o.message(9, &responses);
    for (name, value) in op.as_object().into_iter().flatten() {
        if name.starts_with("x-") {
            let mut any = Proto::default();
            any.string(2, &yaml_of(value));
            let mut named = Proto::default();
            named.string(1, name);
            named.message(2, &any);
            o.message(13, &named);
        }
    }
    o
}

/// ParametersItem{parameter: Parameter{non_body_parameter: NonBodyParameter{
/// query (3) | path (4) sub-schema}}}.
fn parameter_proto(p: &Value) -> Proto {
    let path = p["in"] == "path";
    let mut sub = Proto::default();
    sub.boolean(1, p["required"].as_bool().unwrap_or(false));
    sub.string(2, p["in"].as_str().unwrap_or_default());
    sub.string(4, p["name"].as_str().unwrap_or_default());
    // `type` is field 6 of the query sub-schema, 5 of the path one.
    sub.string(
        if path { 5 } else { 6 },
        p["type"].as_str().unwrap_or_default(),
    );
    sub.boolean(
        if path { 19 } else { 20 },
        p["uniqueItems"].as_bool().unwrap_or(false),
    );
    let mut non_body = Proto::default();
    non_body.message(if path { 4 } else { 3 }, &sub);
    let mut parameter = Proto::default();
    parameter.message(2, &non_body);
    let mut item = Proto::default();
    item.message(1, &parameter);
    item
}

/// A vendor extension's value as gnostic keeps it: YAML text.
fn yaml_of(v: &Value) -> String {
    match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k}: {}\n", scalar_yaml(v)))
            .collect(),
        other => format!("{}\n", scalar_yaml(other)),
    }
}

/// Quoted as JSON, which is YAML too: a bare `On` or `1.2` would not read
/// back as a string under the YAML 1.1 rules client-go parses with.
fn scalar_yaml(v: &Value) -> String {
    v.to_string()
}

/// A protobuf message being written: length-delimited fields and varints.
#[derive(Default)]
struct Proto(Vec<u8>);

impl Proto {
    fn varint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.0.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }

    fn bytes(&mut self, field: u64, data: &[u8]) {
        self.varint(field << 3 | 2);
        self.varint(data.len() as u64);
        self.0.extend_from_slice(data);
    }

    /// Proto3 leaves empty strings and false out.
    fn string(&mut self, field: u64, s: &str) {
        if !s.is_empty() {
            self.bytes(field, s.as_bytes());
        }
    }

    fn boolean(&mut self, field: u64, b: bool) {
        if b {
            self.varint(field << 3);
            self.varint(1);
        }
    }

    fn message(&mut self, field: u64, m: &Proto) {
        self.bytes(field, &m.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_patch_operation_declares_field_validation() {
        let d = Discovery::builtin();
        let none = BTreeSet::new();
        let index = v3_index(&d, &none);
        let url = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
            .as_str()
            .unwrap();
        let doc = v3_group_version(&d, &none, "apis/apps/v1").unwrap();
        assert!(url.ends_with(&hash(&doc)), "{url}");
        let patch =
            &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert_eq!(
            patch["x-kubernetes-group-version-kind"]["kind"],
            "Deployment"
        );
        assert!(patch["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "fieldValidation" && p["in"] == "query"));
        assert!(doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"].is_object());
        // operationIds are unique, as kube-openapi makes them.
        let mut ids = vec![];
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                if let Some(id) = op["operationId"].as_str() {
                    ids.push(id.to_string());
                }
            }
        }
        let count = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), count, "{ids:?}");
        assert!(ids.contains(&"listAppsV1DeploymentForAllNamespaces".to_string()));
        assert!(ids.contains(&"patchAppsV1NamespacedDeploymentStatus".to_string()));
        // Vendor extensions are quoted: `kind: "On"` stays a string in YAML 1.1.
        let proto = v2_protobuf(&v2(&d, &none));
        let needle = b"group: \"apps\"\nversion: \"v1\"\nkind: \"Deployment\"\n";
        assert!(proto.windows(needle.len()).any(|w| w == needle));
        assert!(v3_group_version(&d, &none, "apis/nothing.example.com/v1").is_none());
    }
}
