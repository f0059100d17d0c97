//! Scenarios: multi-document YAML files of Kubernetes objects, loaded into the
//! store as if they had been created (and, where marked, deleted) earlier.
//!
//! Relative times keep the files readable and the ages realistic. These
//! annotations are read and removed at load time:
//! - `testcluster.local/age: 30d` sets `creationTimestamp` that long ago;
//! - `testcluster.local/terminating-for: 3h` sets `deletionTimestamp` that long ago;
//! - `testcluster.local/renewed-ago: 5s` sets a Lease's `spec.renewTime` (and
//!   `acquireTime` when absent);
//! - `testcluster.local/managed-fields: none` leaves the object without the
//!   realistic managedFields every other object gets (see `managed.rs`).
//!
//! Scenario files can be combined: an object defined again identically (a
//! shared namespace) is loaded once; a different second definition is an error.
//!
//! A scenario may define an object of the bootstrap RBAC policy (labelled
//! `kubernetes.io/bootstrapping`), e.g. its own `cluster-admin`; its version
//! replaces the built-in one, as `kubectl apply` would.
//!
//! `testcluster.local/resources` on an APIService stays: it lists what the
//! aggregated API serves when available (see `store.rs`).

use crate::controllers;
use crate::object::{self, format_micro_time, format_time, meta_mut, parse_ago};
use crate::store::Store;
use anyhow::{anyhow, bail, Context};
use serde::Deserialize;
use serde_json::{json, Value};

/// Removes a load-time annotation, returning its text.
fn take_annotation(obj: &mut Value, annotation: &str) -> Option<String> {
    let annotations = obj["metadata"]["annotations"].as_object_mut()?;
    let v = annotations.remove(annotation)?;
    if annotations.is_empty() {
        meta_mut(obj).remove("annotations");
    }
    Some(v.as_str().unwrap_or_default().to_string())
}

fn take_ago(obj: &mut Value, annotation: &str) -> anyhow::Result<Option<jiff::Timestamp>> {
    let Some(text) = take_annotation(obj, annotation) else {
        return Ok(None);
    };
    let text = text.as_str();
    let d = parse_ago(text)
        .ok_or_else(|| anyhow!("{annotation}: {text:?} is not like 30s, 5m, 3h or 2d"))?;
    Ok(Some(object::now() - d))
}

/// Removes the built-in object `obj` would collide with, if it is a bootstrap one.
fn replace_bootstrap(store: &mut Store, res: &crate::discovery::ResourceDef, obj: &Value) {
    let key = (
        res.group.clone(),
        res.plural.clone(),
        object::meta_str(obj, "namespace").to_string(),
        object::name(obj).to_string(),
    );
    let built_in = store.objects.get(&key).is_some_and(|old| {
        old["metadata"]["labels"][crate::bootstrap::BOOTSTRAPPING_LABEL].is_string()
    });
    if built_in {
        store.objects.remove(&key);
    }
}

/// Loads every document of `yaml` into `store`, then lets the controllers run.
pub fn load(store: &mut Store, yaml: &str) -> anyhow::Result<usize> {
    let mut count = 0;
    for (i, doc) in serde_yaml::Deserializer::from_str(yaml).enumerate() {
        let value =
            serde_yaml::Value::deserialize(doc).with_context(|| format!("document {}", i + 1))?;
        if value.is_null() {
            continue;
        }
        let mut obj: Value =
            serde_json::to_value(value).with_context(|| format!("document {}", i + 1))?;
        let api_version = obj["apiVersion"].as_str().unwrap_or_default().to_string();
        let kind = obj["kind"].as_str().unwrap_or_default().to_string();
        if api_version.is_empty() || kind.is_empty() {
            bail!("document {}: apiVersion and kind are required", i + 1);
        }
        let res = store
            .discovery
            .resource_for_kind(&api_version, &kind)
            .cloned()
            .ok_or_else(|| anyhow!("document {}: the cluster does not serve {kind} in {api_version} (define its CRD earlier in the file)", i + 1))?;
        let key = (
            res.group.clone(),
            res.plural.clone(),
            object::meta_str(&obj, "namespace").to_string(),
            object::name(&obj).to_string(),
        );
        // Scenarios combine: a second, identical definition is the same object.
        let built_in = store.objects.get(&key).is_some_and(|old| {
            old["metadata"]["labels"][crate::bootstrap::BOOTSTRAPPING_LABEL].is_string()
        });
        if let Some(earlier) = store.sources.get(&key).filter(|_| !built_in) {
            if *earlier == obj {
                continue;
            }
            bail!(
                "document {}: {kind} {} is defined again, differently (an identical definition would be merged):\n  earlier: {}\n  now:     {}",
                i + 1,
                if key.2.is_empty() { key.3.clone() } else { format!("{}/{}", key.2, key.3) },
                serde_json::to_string(earlier).unwrap_or_default(),
                serde_json::to_string(&obj).unwrap_or_default()
            );
        }
        store.sources.insert(key, obj.clone());
        if let Some(v) = take_annotation(&mut obj, "testcluster.local/managed-fields") {
            if v != "none" {
                bail!(
                    "document {}: testcluster.local/managed-fields: {v:?} (only \"none\" is known)",
                    i + 1
                );
            }
            meta_mut(&mut obj).insert("managedFields".into(), json!([]));
        }
        if let Some(t) = take_ago(&mut obj, "testcluster.local/age")? {
            meta_mut(&mut obj).insert("creationTimestamp".into(), json!(format_time(t)));
        }
        if let Some(t) = take_ago(&mut obj, "testcluster.local/terminating-for")? {
            meta_mut(&mut obj).insert("deletionTimestamp".into(), json!(format_time(t)));
        }
        if let Some(t) = take_ago(&mut obj, "testcluster.local/renewed-ago")? {
            obj["spec"]["renewTime"] = json!(format_micro_time(t));
            if obj["spec"]["acquireTime"].is_null() {
                obj["spec"]["acquireTime"] =
                    json!(format_micro_time(t - jiff::SignedDuration::from_hours(1)));
            }
        }
        replace_bootstrap(store, &res, &obj);
        store
            .insert_raw(&res, obj)
            .map_err(|e| anyhow!("document {}: {e}", i + 1))?;
        count += 1;
    }
    controllers::reconcile(store);
    Ok(count)
}

/// A large, realistic cluster for benchmarks: per namespace, workloads and their
/// config, one custom resource type's instances, and a few stuck objects.
pub fn bulk(namespaces: usize) -> String {
    let mut out = String::from(
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.bench.example.com}
spec:
  group: bench.example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions: [{name: v1, served: true, storage: true}]
",
    );
    for n in 0..namespaces {
        let ns = format!("bench-{n:04}");
        out.push_str(&format!(
            "---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n"
        ));
        for i in 0..20 {
            out.push_str(&format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: config-{i}, namespace: {ns}, labels: {{app: web-{i}}}}}\ndata: {{settings.yaml: \"{}\"}}\n",
                "x".repeat(2000)
            ));
            out.push_str(&format!(
                "---\napiVersion: v1\nkind: Secret\nmetadata: {{name: secret-{i}, namespace: {ns}}}\ntype: Opaque\ndata: {{token: {}}}\n",
                "QUJD".repeat(300)
            ));
            out.push_str(&format!(
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web-{i}, namespace: {ns}, labels: {{app: web-{i}}}}}\nspec:\n  replicas: 2\n  selector: {{matchLabels: {{app: web-{i}}}}}\n  template:\n    metadata: {{labels: {{app: web-{i}}}}}\n    spec: {{containers: [{{name: web, image: nginx:1.27, args: [{}]}}]}}\n",
                vec!["--flag"; 100].join(", ")
            ));
            out.push_str(&format!(
                "---\napiVersion: bench.example.com/v1\nkind: Widget\nmetadata: {{name: widget-{i}, namespace: {ns}, finalizers: [bench.example.com/cleanup]}}\nspec: {{size: {i}, notes: \"{}\"}}\n",
                "y".repeat(1000)
            ));
        }
        if n % 10 == 0 {
            out.push_str(&format!(
                "---\napiVersion: bench.example.com/v1\nkind: Widget\nmetadata: {{name: stuck, namespace: {ns}, finalizers: [bench.example.com/cleanup], annotations: {{testcluster.local/terminating-for: 2h}}}}\nspec: {{size: 0}}\n"
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scenario_s_own_cluster_admin_replaces_the_built_in_one() {
        let mut store = Store::new();
        load(&mut store, &crate::bootstrap::objects(Default::default())).unwrap();
        let own = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: cluster-admin}\nrules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]\n";
        load(&mut store, own).unwrap();
        let key = (
            "rbac.authorization.k8s.io".to_string(),
            "clusterroles".to_string(),
            String::new(),
            "cluster-admin".to_string(),
        );
        assert_eq!(store.objects[&key]["rules"].as_array().unwrap().len(), 1);
        // Only built-in objects give way: a second, different definition is an
        // error; an identical one is the same object.
        load(&mut store, own).unwrap();
        let other = own.replace("verbs: ['*']", "verbs: [get]");
        let err = load(&mut store, &other).unwrap_err();
        assert!(
            format!("{err:#}").contains("ClusterRole cluster-admin is defined again, differently"),
            "{err:#}"
        );
    }

    #[test]
    fn scenarios_that_share_a_namespace_combine() {
        let mut store = Store::new();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/");
        for name in ["foreground-deletion.yaml", "pvc-protection.yaml"] {
            let text = std::fs::read_to_string(format!("{dir}{name}")).unwrap();
            load(&mut store, &text).unwrap();
        }
    }
}
