//! Field ownership: `metadata.managedFields` as server-side apply keeps it
//! (apiserver-semantics-2.md §15.3–§15.5). A field set is a set of paths
//! (`f:<field>`, `v:<set element>`, `k:<map-list key>`); it is serialized as
//! the `FieldsV1` tree, where `".":{}` marks a node that is itself owned.
//!
//! The schema of every type is guessed rather than read: `metadata.finalizers`
//! is a set, `ownerReferences` a list keyed by `uid`, containers, ports, env
//! and volumes lists keyed by `name`, every other list atomic; labels,
//! annotations, data and every object inside a custom resource are maps.

use crate::object::{self, format_time};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A path in an object, one `f:`/`v:`/`k:` element per step.
pub type Path = Vec<String>;

/// A field set with, for leaves, the value found there (`None` for a node
/// owned as a whole: a map, a list, a list element).
pub type Fields = BTreeMap<Path, Option<Value>>;

/// Metadata never recorded in managedFields (`stripmeta.go`).
const STRIPPED_META: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "selfLink",
    "managedFields",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// Maps (keys chosen by users) among built-in types' fields.
const MAP_FIELDS: &[&str] = &[
    "labels",
    "annotations",
    "data",
    "binaryData",
    "stringData",
    "matchLabels",
    "nodeSelector",
];

/// Lists of objects keyed by `name` in built-in types.
const NAMED_LISTS: &[&str] = &[
    "containers",
    "initContainers",
    "ephemeralContainers",
    "ports",
    "env",
    "volumes",
    "volumeMounts",
    "conditions",
];

/// Every field of `obj` that a write of it would own.
pub fn fields_of(obj: &Value, custom: bool) -> Fields {
    let mut out = Fields::new();
    let Some(top) = obj.as_object() else {
        return out;
    };
    for (k, v) in top {
        if k == "apiVersion" || k == "kind" {
            continue;
        }
        let path = vec![format!("f:{k}")];
        if k == "metadata" {
            for (mk, mv) in v.as_object().into_iter().flatten() {
                if STRIPPED_META.contains(&mk.as_str()) {
                    continue;
                }
                walk(
                    &mut out,
                    vec![path[0].clone(), format!("f:{mk}")],
                    mk,
                    mv,
                    false,
                );
            }
        } else {
            walk(&mut out, path, k, v, custom);
        }
    }
    out
}

fn walk(out: &mut Fields, path: Path, name: &str, v: &Value, custom: bool) {
    match v {
        Value::Object(m) => {
            let is_map = custom || MAP_FIELDS.contains(&name);
            if is_map || m.is_empty() {
                out.insert(path.clone(), None);
            }
            for (k, child) in m {
                let mut p = path.clone();
                p.push(format!("f:{k}"));
                walk(out, p, k, child, custom && name != "metadata");
            }
        }
        Value::Array(items) if name == "finalizers" => {
            out.insert(path.clone(), None);
            for item in items {
                let mut p = path.clone();
                p.push(format!("v:{item}"));
                out.insert(p, None);
            }
        }
        Value::Array(items)
            if !custom && (name == "ownerReferences" || NAMED_LISTS.contains(&name)) =>
        {
            let key = if name == "ownerReferences" {
                "uid"
            } else if name == "conditions" {
                "type"
            } else {
                "name"
            };
            out.insert(path.clone(), None);
            for item in items {
                let Some(id) = item.get(key) else {
                    continue;
                };
                let mut p = path.clone();
                p.push(format!("k:{}", json!({ key: id })));
                out.insert(p.clone(), None);
                for (k, child) in item.as_object().into_iter().flatten() {
                    let mut cp = p.clone();
                    cp.push(format!("f:{k}"));
                    walk(out, cp, k, child, false);
                }
            }
        }
        other => {
            out.insert(path, Some(other.clone()));
        }
    }
}

/// `FieldsV1` of a set of paths.
pub fn to_fields_v1(paths: &BTreeSet<Path>) -> Value {
    let mut root = Map::new();
    for p in paths {
        let mut node = &mut root;
        for step in p {
            let next = node.entry(step.clone()).or_insert_with(|| json!({}));
            node = next.as_object_mut().expect("field set nodes are objects");
        }
        node.insert(".".into(), json!({}));
    }
    // A member without children is written `{}`, not `{".":{}}`.
    fn tidy(m: &mut Map<String, Value>) {
        for (k, v) in m.iter_mut() {
            if k == "." {
                continue;
            }
            if let Some(child) = v.as_object_mut() {
                if child.len() == 1 && child.contains_key(".") {
                    child.clear();
                } else {
                    tidy(child);
                }
            }
        }
    }
    tidy(&mut root);
    Value::Object(root)
}

/// The paths of a `FieldsV1` tree.
pub fn from_fields_v1(v: &Value) -> BTreeSet<Path> {
    fn go(v: &Value, path: &mut Path, out: &mut BTreeSet<Path>) {
        let Some(m) = v.as_object() else {
            return;
        };
        if (m.is_empty() || m.contains_key(".")) && !path.is_empty() {
            out.insert(path.clone());
        }
        for (k, child) in m {
            if k == "." {
                continue;
            }
            path.push(k.clone());
            go(child, path, out);
            path.pop();
        }
    }
    let mut out = BTreeSet::new();
    go(v, &mut Vec::new(), &mut out);
    out
}

/// One `managedFields` entry, parsed.
#[derive(Clone, Debug)]
pub struct Entry {
    pub manager: String,
    pub apply: bool,
    pub api_version: String,
    pub time: String,
    pub subresource: String,
    pub fields: BTreeSet<Path>,
}

impl Entry {
    fn same_owner(&self, manager: &str, apply: bool, api_version: &str, sub: &str) -> bool {
        self.manager == manager
            && self.apply == apply
            && self.subresource == sub
            && (apply || self.api_version == api_version)
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("manager".into(), json!(self.manager));
        let op = if self.apply { "Apply" } else { "Update" };
        m.insert("operation".into(), json!(op));
        m.insert("apiVersion".into(), json!(self.api_version));
        m.insert("time".into(), json!(self.time));
        m.insert("fieldsType".into(), json!("FieldsV1"));
        m.insert("fieldsV1".into(), to_fields_v1(&self.fields));
        if !self.subresource.is_empty() {
            m.insert("subresource".into(), json!(self.subresource));
        }
        Value::Object(m)
    }

    /// How a conflict names this manager (§15.4).
    pub fn describe(&self) -> String {
        let mut s = format!("{:?}", self.manager);
        if !self.apply {
            s.push_str(&format!(" using {}", self.api_version));
        }
        if !self.subresource.is_empty() {
            s.push_str(&format!(" with subresource {:?}", self.subresource));
        }
        s
    }
}

pub fn entries(obj: &Value) -> Vec<Entry> {
    obj["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| Entry {
            manager: e["manager"].as_str().unwrap_or_default().into(),
            apply: e["operation"] == "Apply",
            api_version: e["apiVersion"].as_str().unwrap_or_default().into(),
            time: e["time"].as_str().unwrap_or_default().into(),
            subresource: e["subresource"].as_str().unwrap_or_default().into(),
            fields: from_fields_v1(&e["fieldsV1"]),
        })
        .collect()
}

/// Writes `entries` back, Apply entries first, then by time (§15.3).
pub fn set_entries(obj: &mut Value, mut list: Vec<Entry>) {
    list.retain(|e| !e.fields.is_empty());
    list.sort_by(|a, b| {
        (
            !a.apply,
            &a.time,
            &a.manager,
            &a.api_version,
            &a.subresource,
        )
            .cmp(&(
                !b.apply,
                &b.time,
                &b.manager,
                &b.api_version,
                &b.subresource,
            ))
    });
    let m = object::meta_mut(obj);
    if list.is_empty() {
        m.remove("managedFields");
    } else {
        m.insert(
            "managedFields".into(),
            Value::Array(list.iter().map(Entry::to_json).collect()),
        );
    }
}

/// Who writes, for the managedFields entry of a non-apply write.
#[derive(Clone, Debug)]
pub struct Writer {
    pub manager: String,
    pub api_version: String,
    pub subresource: String,
}

/// Records a non-apply write (create, update, patch) from `old` to `new`: the
/// writer owns what it added or changed; what it removed leaves every
/// manager's set (§15.5). Objects without managedFields stay untracked.
pub fn track_update(old: Option<&Value>, new: &mut Value, writer: &Writer, custom: bool) {
    let mut list = match old {
        Some(o) => entries(o),
        None => Vec::new(),
    };
    if old.is_some() && list.is_empty() {
        object::meta_mut(new).remove("managedFields");
        return;
    }
    let before = old.map(|o| fields_of(o, custom)).unwrap_or_default();
    let after = fields_of(new, custom);
    let removed: BTreeSet<Path> = before
        .keys()
        .filter(|p| !after.contains_key(*p))
        .cloned()
        .collect();
    let changed: BTreeSet<Path> = after
        .iter()
        .filter(|(p, v)| before.get(*p) != Some(*v))
        .map(|(p, _)| p.clone())
        .collect();
    for e in &mut list {
        e.fields.retain(|p| !removed.contains(p));
    }
    if !changed.is_empty() {
        let now = format_time(object::now());
        let w = &writer;
        match list
            .iter_mut()
            .find(|e| e.same_owner(&w.manager, false, &w.api_version, &w.subresource))
        {
            Some(e) => {
                e.fields.extend(changed);
                e.time = now;
            }
            None => list.push(Entry {
                manager: w.manager.clone(),
                apply: false,
                api_version: w.api_version.clone(),
                time: now,
                subresource: w.subresource.clone(),
                fields: changed,
            }),
        }
    }
    set_entries(new, list);
}

/// Who adds a finalizer on a real cluster: the controller manager for
/// Kubernetes' own, the API server for CRD cleanup, and for operators'
/// finalizers `manager`, the name kubebuilder gives an operator's binary.
fn finalizer_manager(finalizer: &str) -> &'static str {
    match finalizer {
        crate::store::CRD_CLEANUP => "kube-apiserver",
        "kubernetes" | "orphan" | "foregroundDeletion" => "kube-controller-manager",
        f if f.starts_with("kubernetes.io/") => "kube-controller-manager",
        _ => "manager",
    }
}

/// managedFields as a real cluster would show them for an object created by
/// `kubectl apply` (or, if it has owners, by a controller), whose finalizers
/// were added by their controllers and whose status its controller writes.
pub fn realistic(obj: &Value, custom: bool, status_subresource: bool) -> Vec<Entry> {
    let time = obj["metadata"]["creationTimestamp"]
        .as_str()
        .map(String::from)
        .unwrap_or_else(|| format_time(object::now()));
    let api_version = obj["apiVersion"].as_str().unwrap_or_default().to_string();
    let bootstrapping =
        obj["metadata"]["labels"][crate::bootstrap::BOOTSTRAPPING_LABEL].is_string();
    let owned = obj["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|a| !a.is_empty());
    let creator = if bootstrapping {
        "kube-apiserver"
    } else if owned {
        "kube-controller-manager"
    } else {
        "kubectl-client-side-apply"
    };
    let entry = |manager: &str, subresource: &str, fields: BTreeSet<Path>| Entry {
        manager: manager.into(),
        apply: false,
        api_version: api_version.clone(),
        time: time.clone(),
        subresource: subresource.into(),
        fields,
    };
    let mut spec = obj.clone();
    if let Some(m) = spec.as_object_mut() {
        m.remove("status");
    }
    object::meta_mut(&mut spec).remove("finalizers");
    let mut out = vec![entry(
        creator,
        "",
        fields_of(&spec, custom).into_keys().collect(),
    )];
    let list = vec!["f:metadata".to_string(), "f:finalizers".to_string()];
    let mut by_manager: BTreeMap<&str, BTreeSet<Path>> = BTreeMap::new();
    for (i, f) in object::finalizers(obj).iter().enumerate() {
        let set = by_manager.entry(finalizer_manager(f)).or_default();
        if i == 0 {
            set.insert(list.clone());
        }
        let mut p = list.clone();
        p.push(format!("v:{}", json!(f)));
        set.insert(p);
    }
    for (manager, fields) in by_manager {
        out.push(entry(manager, "", fields));
    }
    if obj["status"].as_object().is_some_and(|s| !s.is_empty()) {
        let status = json!({"status": obj["status"].clone()});
        let manager = if custom {
            "manager"
        } else {
            "kube-controller-manager"
        };
        let sub = if status_subresource { "status" } else { "" };
        out.push(entry(
            manager,
            sub,
            fields_of(&status, custom).into_keys().collect(),
        ));
    }
    out
}

/// The manager name of a non-apply write: `fieldManager`, else the
/// User-Agent up to its first `/` (`prefixFromUserAgent`).
pub fn manager_name(field_manager: Option<&str>, user_agent: &str) -> String {
    if let Some(m) = field_manager.filter(|m| !m.is_empty()) {
        return m.to_string();
    }
    let prefix: String = user_agent
        .split('/')
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    prefix.chars().take(128).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finalizers_are_a_set_and_serialize_as_kube_apiserver_does() {
        let obj = json!({"metadata": {"name": "w1", "finalizers": ["example.com/a"], "labels": {"app": "x"}}, "spec": {"size": 1}});
        let f = fields_of(&obj, true);
        let paths: BTreeSet<Path> = f.keys().cloned().collect();
        assert_eq!(
            to_fields_v1(&paths),
            json!({"f:metadata": {"f:finalizers": {".": {}, "v:\"example.com/a\"": {}}, "f:labels": {".": {}, "f:app": {}}}, "f:spec": {".": {}, "f:size": {}}})
        );
        assert_eq!(from_fields_v1(&to_fields_v1(&paths)), paths);
    }

    #[test]
    fn a_removal_takes_the_field_from_its_owner() {
        let mut old = json!({"metadata": {"finalizers": ["a.io/x", "b.io/y"]}});
        let ctl = Writer {
            manager: "ctl".into(),
            api_version: "v1".into(),
            subresource: String::new(),
        };
        track_update(None, &mut old, &ctl, false);
        let mut new = json!({"metadata": {"finalizers": ["b.io/y"], "managedFields": old["metadata"]["managedFields"].clone()}});
        let other = Writer {
            manager: "kubectl-patch".into(),
            ..ctl.clone()
        };
        track_update(Some(&old), &mut new, &other, false);
        let list = entries(&new);
        assert_eq!(list.len(), 1, "removing creates no entry for the remover");
        assert_eq!(
            to_fields_v1(&list[0].fields),
            json!({"f:metadata": {"f:finalizers": {".": {}, "v:\"b.io/y\"": {}}}})
        );
    }
}
