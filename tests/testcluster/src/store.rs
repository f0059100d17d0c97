//! The in-memory object store and the verbs of kube-apiserver's generic registry:
//! create, get, list, update, patch and delete with the finalizer, dry-run,
//! precondition and namespace rules of apiserver-semantics.md §2–§7.

use crate::discovery::{Discovery, ResourceDef};
use crate::history::{Change, History};
use crate::listopts::{self, ListOptions, ReadAt};
use crate::managed::{self, Writer};
use crate::object::{self, format_time, is_terminating, meta_mut, meta_str, normalize};
use crate::patch::{self, PatchType};
use crate::selector::{FieldSelector, LabelSelector};
use crate::status::{self, ApiError, FieldError, Gr};
use crate::wire;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

/// `(group, plural, namespace, name)`: the etcd key order lists are returned in.
pub type ObjKey = (String, String, String, String);

/// A response: HTTP status and JSON body.
pub type Reply = Result<(u16, Value), ApiError>;

/// How a list or get wants its answer (the `Accept` header's `as=`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    Full,
    Metadata,
    /// A Table; the row objects as `includeObject` asks.
    Table(Include),
}

/// `includeObject` of a Table request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Include {
    None,
    Metadata,
    Object,
}

/// The objects of one list page and the list's metadata.
struct Page<'a> {
    items: Vec<&'a Value>,
    meta: Map<String, Value>,
}

/// Options of a DELETE, from the body or the query.
#[derive(Default, Debug)]
pub struct DeleteOptions {
    pub propagation: Option<String>,
    pub orphan_dependents: Option<bool>,
    pub precondition_uid: Option<String>,
    pub precondition_rv: Option<String>,
    pub dry_run: bool,
}

/// The finalizers kube-apiserver itself owns for garbage collection.
pub const ORPHAN: &str = "orphan";
pub const FOREGROUND: &str = "foregroundDeletion";
/// Added to every CustomResourceDefinition; cleared once its instances are gone.
pub const CRD_CLEANUP: &str = "customresourcecleanup.apiextensions.k8s.io";

/// The object a write addresses: resource, namespace ("" if cluster-scoped),
/// name and optional subresource.
#[derive(Clone, Copy)]
pub struct Target<'a> {
    pub res: &'a ResourceDef,
    pub ns: &'a str,
    pub name: &'a str,
    pub sub: Option<&'a str>,
}

impl<'a> Target<'a> {
    pub fn new(
        res: &'a ResourceDef,
        ns: &'a str,
        name: &'a str,
        sub: Option<&'a str>,
    ) -> Target<'a> {
        Target { res, ns, name, sub }
    }
}

/// The cluster's state: what is served, what is stored.
pub struct Store {
    pub discovery: Discovery,
    pub objects: BTreeMap<ObjKey, Value>,
    rv: u64,
    /// Uids removed while the server ran, so that the garbage collector only
    /// cascades to dependents whose owner it saw disappear.
    pub removed_uids: BTreeSet<String>,
    /// Every write by revision, for watches and list snapshots.
    pub(crate) history: History,
    /// The garbage collector's ownership index, kept from `history`.
    pub(crate) owner_index: crate::controllers::OwnerIndex,
    /// Whether objects loaded from scenarios get realistic managedFields.
    pub managed_fields: bool,
    /// The scenario documents loaded so far, so that an identical second
    /// definition merges instead of failing.
    pub(crate) sources: BTreeMap<ObjKey, Value>,
}

fn key(res: &ResourceDef, ns: &str, name: &str) -> ObjKey {
    (
        res.group.clone(),
        res.plural.clone(),
        ns.to_string(),
        name.to_string(),
    )
}

fn gr(res: &ResourceDef) -> Gr {
    Gr::new(&res.group, &res.plural)
}

/// `[]string{"a", "b"}`: Go's `%#v` of a sorted string set, as validation prints it.
fn go_string_slice(items: &BTreeSet<String>) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("[]string{{{}}}", quoted.join(", "))
}

/// Whether DELETE returns the removed object (namespaces, pods) or a Success Status.
fn returns_deleted_object(res: &ResourceDef) -> bool {
    res.group.is_empty() && (res.plural == "namespaces" || res.plural == "pods")
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Store {
    pub fn new() -> Store {
        Store {
            discovery: Discovery::builtin(),
            objects: BTreeMap::new(),
            rv: 1000,
            removed_uids: BTreeSet::new(),
            history: History::new(1000),
            owner_index: Default::default(),
            managed_fields: true,
            sources: BTreeMap::new(),
        }
    }

    fn next_rv(&mut self) -> String {
        self.rv += 1;
        self.rv.to_string()
    }

    pub fn current_rv(&self) -> String {
        self.rv.to_string()
    }

    pub fn resource_by_gr(&self, group: &str, plural: &str) -> Option<ResourceDef> {
        self.discovery
            .all_resources()
            .find(|r| r.group == group && r.plural == plural)
            .cloned()
    }

    pub fn get_object(&self, res: &ResourceDef, ns: &str, name: &str) -> Option<&Value> {
        self.objects.get(&key(res, ns, name))
    }

    /// The stored object rendered for the version it is requested in.
    pub(crate) fn served(&self, res: &ResourceDef, obj: &Value) -> Value {
        let mut out = obj.clone();
        out["apiVersion"] = json!(res.api_version());
        out["kind"] = json!(res.kind);
        normalize(out, !res.is_builtin_core() && self.is_custom(res))
    }

    /// A stored object as a watch event carries it, in the shape asked for.
    pub fn render(&self, res: &ResourceDef, obj: &Value, shape: Shape) -> Value {
        match shape {
            Shape::Full => self.served(res, obj),
            Shape::Metadata => partial(obj),
            Shape::Table(i) => self.table(res, &[obj], i),
        }
    }

    /// The stored objects of one resource, in key order.
    pub fn objects_of<'a>(&'a self, res: &'a ResourceDef) -> impl Iterator<Item = &'a Value> {
        self.entries_of(&res.group, &res.plural).map(|(_, o)| o)
    }

    /// The stored objects of one group and resource with their keys: a range
    /// of the key order, so that large clusters are not walked whole.
    pub fn entries_of<'a>(
        &'a self,
        group: &'a str,
        plural: &'a str,
    ) -> impl Iterator<Item = (&'a ObjKey, &'a Value)> {
        let lower = (
            group.to_string(),
            plural.to_string(),
            String::new(),
            String::new(),
        );
        self.objects
            .range(lower..)
            .take_while(move |((g, p, _, _), _)| g == group && p == plural)
    }

    pub fn current_rv_number(&self) -> u64 {
        self.rv
    }

    /// Whether the resource is served from a CRD (custom resource encoding).
    pub fn is_custom(&self, res: &ResourceDef) -> bool {
        self.discovery
            .group(&res.group)
            .is_some_and(|g| g.origin == crate::discovery::Origin::Crd)
    }

    /// (group, version) pairs whose APIService is not Available.
    pub fn unavailable_group_versions(&self) -> BTreeSet<(String, String)> {
        self.entries_of("apiregistration.k8s.io", "apiservices")
            .filter(|(_, o)| !o["spec"]["service"].is_null())
            .filter(|(_, o)| {
                !o["status"]["conditions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|c| c["type"] == "Available" && c["status"] == "True")
            })
            .map(|(_, o)| {
                (
                    o["spec"]["group"].as_str().unwrap_or_default().to_string(),
                    o["spec"]["version"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                )
            })
            .collect()
    }

    // --- writes that keep discovery in step --------------------------------------

    fn put(&mut self, res: &ResourceDef, obj: Value) {
        let ns = meta_str(&obj, "namespace").to_string();
        let name = object::name(&obj).to_string();
        if res.group == "apiextensions.k8s.io" && res.plural == "customresourcedefinitions" {
            self.discovery.add_crd(&obj);
        }
        let is_apiservice = res.group == "apiregistration.k8s.io" && res.plural == "apiservices";
        let rv = meta_str(&obj, "resourceVersion").parse().unwrap_or(self.rv);
        let k = key(res, &ns, &name);
        let before = self.objects.insert(k.clone(), obj.clone());
        self.history.record(Change {
            rv,
            key: k,
            before,
            after: Some(obj),
        });
        if is_apiservice {
            self.sync_aggregated();
        }
    }

    /// Removes a stored object at a new revision (watchers see DELETED).
    pub fn remove(&mut self, res: &ResourceDef, ns: &str, name: &str) -> Option<Value> {
        let k = key(res, ns, name);
        let obj = self.objects.remove(&k)?;
        self.record_removal(k, obj.clone());
        self.removed_uids.insert(object::uid(&obj).to_string());
        if res.group == "apiextensions.k8s.io" && res.plural == "customresourcedefinitions" {
            let group = obj["spec"]["group"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let plural = obj["spec"]["names"]["plural"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            self.discovery.remove_crd(&group, &plural);
            // Instances are unreachable once the CRD is gone, as in etcd.
            let instances: Vec<ObjKey> = self
                .objects
                .keys()
                .filter(|(g, p, _, _)| *g == group && *p == plural)
                .cloned()
                .collect();
            for k in instances {
                if let Some(o) = self.objects.remove(&k) {
                    self.removed_uids.insert(object::uid(&o).to_string());
                    self.record_removal(k, o);
                }
            }
        }
        if res.group == "apiregistration.k8s.io" && res.plural == "apiservices" {
            self.sync_aggregated();
        }
        Some(obj)
    }

    fn record_removal(&mut self, key: ObjKey, obj: Value) {
        let rv = self.rv + 1;
        self.rv = rv;
        self.history.record(Change {
            rv,
            key,
            before: Some(obj),
            after: None,
        });
    }

    /// Re-derives the aggregated groups from the stored APIServices.
    fn sync_aggregated(&mut self) {
        let wanted: Vec<(String, String, Vec<ResourceDef>)> = self
            .objects
            .iter()
            .filter(|((g, p, _, _), o)| {
                g == "apiregistration.k8s.io"
                    && p == "apiservices"
                    && !o["spec"]["service"].is_null()
            })
            .map(|(_, o)| {
                let group = o["spec"]["group"].as_str().unwrap_or_default().to_string();
                let version = o["spec"]["version"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let resources = aggregated_resources(o, &group, &version);
                (group, version, resources)
            })
            .collect();
        let existing: Vec<(String, String)> = self
            .discovery
            .groups
            .iter()
            .filter(|g| g.origin == crate::discovery::Origin::Aggregated)
            .flat_map(|g| {
                g.versions
                    .iter()
                    .map(|v| (g.name.clone(), v.version.clone()))
            })
            .collect();
        for (g, v) in existing {
            if !wanted.iter().any(|(wg, wv, _)| *wg == g && *wv == v) {
                self.discovery.remove_aggregated(&g, &v);
            }
        }
        for (g, v, r) in wanted {
            self.discovery.add_aggregated(&g, &v, r);
        }
    }

    /// Inserts an object as-is (scenario loading): fills uid, resourceVersion and
    /// creationTimestamp when absent, and the defaults the API would have set.
    pub fn insert_raw(&mut self, res: &ResourceDef, mut obj: Value) -> Result<(), String> {
        let rv = self.next_rv();
        let m = meta_mut(&mut obj);
        if m.get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .is_empty()
        {
            return Err(format!("a {} without metadata.name", res.kind));
        }
        m.entry("uid").or_insert_with(|| json!(object::new_uid()));
        m.insert("resourceVersion".into(), json!(rv));
        m.entry("creationTimestamp")
            .or_insert_with(|| json!(format_time(object::now())));
        if is_terminating(&obj) && res.plural != "namespaces" {
            meta_mut(&mut obj)
                .entry("deletionGracePeriodSeconds")
                .or_insert(json!(0));
        }
        self.apply_create_defaults(res, &mut obj);
        obj["apiVersion"] = json!(res.api_version());
        obj["kind"] = json!(res.kind);
        let opted_out = obj["metadata"]["managedFields"]
            .as_array()
            .is_some_and(|a| a.is_empty());
        object::drop_empty(&mut obj);
        if opted_out {
            meta_mut(&mut obj).insert("managedFields".into(), json!([]));
        }
        // `managedFields: []` opts out; otherwise a real cluster's owners are made up.
        let given = meta_mut(&mut obj).remove("managedFields");
        match given {
            Some(Value::Array(a)) if a.is_empty() => {}
            Some(v) if !v.is_null() => {
                meta_mut(&mut obj).insert("managedFields".into(), v);
            }
            _ if self.managed_fields => {
                let custom = self.is_custom(res);
                let entries = managed::realistic(&obj, custom, res.has_subresource("status"));
                managed::set_entries(&mut obj, entries);
            }
            _ => {}
        }
        let ns = meta_str(&obj, "namespace").to_string();
        if res.namespaced {
            if ns.is_empty() {
                return Err(format!(
                    "{} {} has no metadata.namespace",
                    res.kind,
                    object::name(&obj)
                ));
            }
            if !self
                .objects
                .contains_key(&("".into(), "namespaces".into(), "".into(), ns.clone()))
            {
                return Err(format!(
                    "{} {}/{}: namespace {ns} is not defined earlier in the scenario",
                    res.kind,
                    ns,
                    object::name(&obj)
                ));
            }
        }
        let name = object::name(&obj).to_string();
        if self.objects.contains_key(&key(res, &ns, &name)) {
            return Err(format!("{} {ns}/{name} is defined twice", res.kind));
        }
        obj["apiVersion"] = json!(res.api_version());
        obj["kind"] = json!(res.kind);
        self.put(res, obj);
        Ok(())
    }

    fn apply_create_defaults(&self, res: &ResourceDef, obj: &mut Value) {
        if res.group.is_empty() && res.plural == "namespaces" {
            let name = object::name(obj).to_string();
            let m = meta_mut(obj);
            let labels = m.entry("labels").or_insert(json!({}));
            labels["kubernetes.io/metadata.name"] = json!(name);
            // Scenarios may spell out `spec.finalizers` (even empty); otherwise the
            // namespace gets `kubernetes`, as every namespace does on create.
            let mut spec = object::spec_finalizers(obj);
            if obj["spec"]["finalizers"].is_null() {
                spec.push("kubernetes".into());
            }
            obj["spec"] = json!({"finalizers": spec});
            if obj["spec"]["finalizers"]
                .as_array()
                .is_some_and(|a| a.is_empty())
            {
                obj["spec"] = json!({});
            }
            if obj["status"]["phase"].is_null() {
                let phase = if is_terminating(obj) {
                    "Terminating"
                } else {
                    "Active"
                };
                obj["status"] = json!({"phase": phase});
            }
        }
        if res.group == "apiextensions.k8s.io"
            && res.plural == "customresourcedefinitions"
            && obj["status"]["conditions"].is_null()
        {
            let now = format_time(object::now());
            obj["status"] = json!({"conditions": [
                    {"type": "NamesAccepted", "status": "True", "lastTransitionTime": now, "reason": "NoConflicts", "message": "no conflicts found"},
                    {"type": "Established", "status": "True", "lastTransitionTime": now, "reason": "InitialNamesAccepted", "message": "the initial names have been accepted"}
                ], "acceptedNames": obj["spec"]["names"].clone(), "storedVersions": [obj["spec"]["versions"][0]["name"].clone()]});
        }
        if !res.group.is_empty() && obj["metadata"]["generation"].is_null() {
            meta_mut(obj).insert("generation".into(), json!(1));
        }
    }

    // --- reads --------------------------------------------------------------------

    pub fn get(&self, res: &ResourceDef, ns: &str, name: &str, shape: Shape) -> Reply {
        let obj = self
            .get_object(res, ns, name)
            .ok_or_else(|| status::not_found(&gr(res), name))?;
        Ok(match shape {
            Shape::Full => (200, self.served(res, obj)),
            Shape::Metadata => (200, partial(obj)),
            Shape::Table(i) => (200, self.table(res, &[obj], i)),
        })
    }

    /// The objects one list request returns, and its list metadata.
    fn page<'a>(
        &'a self,
        res: &'a ResourceDef,
        ns: Option<&'a str>,
        query: &BTreeMap<String, String>,
    ) -> Result<Page<'a>, ApiError> {
        let labels =
            LabelSelector::parse(query.get("labelSelector").map(String::as_str).unwrap_or(""))?;
        let is_ns = res.group.is_empty() && res.plural == "namespaces";
        let fields = FieldSelector::parse(
            query.get("fieldSelector").map(String::as_str).unwrap_or(""),
            res.namespaced,
            is_ns,
        )?;
        let opts = ListOptions::for_list(query)?;
        let current = self.rv;
        // Every page of a list is read at one revision (§14.1).
        let (read_rv, limit) = match opts.at {
            ReadAt::Latest => (current, opts.limit),
            // The watch cache serves `0` whole, ignoring `limit`.
            ReadAt::Any => (current, 0),
            ReadAt::NotOlderThan(n) if n > current => {
                return Err(listopts::too_large(n, current, true))
            }
            ReadAt::NotOlderThan(_) => (current, opts.limit),
            ReadAt::Exact(n) if n > current => return Err(listopts::too_large(n, current, false)),
            ReadAt::Exact(n) => (n, opts.limit),
            ReadAt::Continue(Some(n)) => (n, opts.limit),
            ReadAt::Continue(None) => (current, opts.limit),
        };
        let overlay = match self.history.overlay(&res.group, &res.plural, read_rv) {
            Some(o) => o,
            None => {
                return Err(match &opts.start {
                    Some(start) => listopts::expired_continue(start),
                    None => listopts::too_old_list(),
                })
            }
        };
        let start = opts.start.clone();
        let selecting = query.contains_key("labelSelector") || query.contains_key("fieldSelector");
        let in_namespace = |n: &str| ns.is_none_or(|want| n == want);
        // The range read below starts and stays where the page may (namespace, continue).
        let in_range = overlay.is_empty();
        let candidates: Box<dyn Iterator<Item = &Value>> = if in_range {
            // Nothing changed since the list's revision (the common case): read
            // the store from where the page starts, not the whole type.
            let (g, p) = (&res.group, &res.plural);
            let key = |a: &str, b: &str, c: &str, d: &str| -> ObjKey {
                (a.to_string(), b.to_string(), c.to_string(), d.to_string())
            };
            let from = match (&start, ns) {
                (Some(s), _) => Bound::Excluded(key(g, p, &s.0, &s.1)),
                (None, Some(n)) => Bound::Included(key(g, p, n, "")),
                (None, None) => Bound::Included(key(g, p, "", "")),
            };
            // Just past the last key that may match (names hold no NUL), so
            // that the range walk compares no keys.
            let end = match ns {
                Some(n) => key(g, p, &format!("{n}\0"), ""),
                None => key(g, &format!("{p}\0"), "", ""),
            };
            let empty = match &from {
                Bound::Included(k) | Bound::Excluded(k) => *k >= end,
                Bound::Unbounded => false,
            };
            if empty {
                Box::new(std::iter::empty())
            } else {
                Box::new(
                    self.objects
                        .range((from, Bound::Excluded(end)))
                        .map(|(_, o)| o),
                )
            }
        } else {
            let mut snapshot: BTreeMap<(&str, &str), &Value> = self
                .entries_of(&res.group, &res.plural)
                .filter(|(k, _)| !overlay.contains_key(*k))
                .map(|((_, _, n, name), o)| ((n.as_str(), name.as_str()), o))
                .collect();
            for then in overlay.values().flatten() {
                snapshot.insert((meta_str(then, "namespace"), object::name(then)), then);
            }
            Box::new(snapshot.into_values())
        };
        let mut matching = candidates
            .filter(|o| in_range || in_namespace(meta_str(o, "namespace")))
            .filter(|o| {
                in_range
                    || start.as_ref().is_none_or(|s| {
                        (meta_str(o, "namespace"), object::name(o)) > (s.0.as_str(), s.1.as_str())
                    })
            })
            .filter(|o| {
                !selecting || (labels.matches(&o["metadata"]["labels"]) && fields.matches(o))
            });
        let mut items: Vec<&Value> = Vec::new();
        let mut next: Option<&Value> = None;
        for o in matching.by_ref() {
            if limit > 0 && items.len() == limit {
                next = Some(o);
                break;
            }
            items.push(o);
        }
        let list_rv = read_rv.to_string();
        let mut list_meta = Map::new();
        list_meta.insert("resourceVersion".into(), json!(list_rv));
        if next.is_some() {
            let last = items.last().expect("a full page has items");
            list_meta.insert(
                "continue".into(),
                json!(listopts::encode_continue(
                    read_rv as i64,
                    meta_str(last, "namespace"),
                    object::name(last)
                )),
            );
            if !selecting {
                let remaining = 1 + matching.count();
                list_meta.insert("remainingItemCount".into(), json!(remaining));
            }
        }
        Ok(Page {
            items,
            meta: list_meta,
        })
    }

    pub fn list(
        &self,
        res: &ResourceDef,
        ns: Option<&str>,
        query: &BTreeMap<String, String>,
        shape: Shape,
    ) -> Reply {
        let Page {
            items,
            meta: list_meta,
        } = self.page(res, ns, query)?;
        let body = match shape {
            Shape::Metadata => json!({
                "kind": "PartialObjectMetadataList",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": Value::Object(list_meta),
                "items": items.iter().map(|o| partial(o)).collect::<Vec<_>>(),
            }),
            Shape::Table(i) => {
                let mut t = self.table(res, &items, i);
                t["metadata"] = Value::Object(list_meta);
                t
            }
            Shape::Full => {
                let custom = self.is_custom(res);
                let rendered: Vec<Value> = items
                    .iter()
                    .map(|o| {
                        let mut v = self.served(res, o);
                        if !custom {
                            // Items of a built-in list carry neither; the rest keeps its order.
                            if let Some(m) = v.as_object_mut() {
                                m.shift_remove("kind");
                                m.shift_remove("apiVersion");
                            }
                        }
                        v
                    })
                    .collect();
                json!({
                    "kind": format!("{}List", res.kind),
                    "apiVersion": res.api_version(),
                    "metadata": Value::Object(list_meta),
                    "items": rendered,
                })
            }
        };
        Ok((200, body))
    }

    /// A list as the bytes of its JSON body: `list`'s answer, with metadata
    /// and full lists written straight from the store (see `wire.rs`).
    pub fn list_bytes(
        &self,
        res: &ResourceDef,
        ns: Option<&str>,
        query: &BTreeMap<String, String>,
        shape: Shape,
    ) -> Result<(u16, Vec<u8>), ApiError> {
        let bytes = match shape {
            Shape::Metadata => {
                let page = self.page(res, ns, query)?;
                wire::list(
                    "PartialObjectMetadataList",
                    "meta.k8s.io/v1",
                    &page.meta,
                    page.items.into_iter(),
                    wire::partial,
                )
            }
            Shape::Full => {
                let page = self.page(res, ns, query)?;
                let custom = self.is_custom(res);
                let api_version = res.api_version();
                wire::list(
                    &format!("{}List", res.kind),
                    &api_version,
                    &page.meta,
                    page.items.into_iter(),
                    |out, o| wire::served_item(out, o, &res.kind, &api_version, custom),
                )
            }
            Shape::Table(_) => {
                let (_, v) = self.list(res, ns, query, shape)?;
                serde_json::to_vec(&v).expect("serializable")
            }
        };
        Ok((200, bytes))
    }

    /// The server-side table kubectl prints (apiserver-semantics.md §6.5).
    fn table(&self, res: &ResourceDef, items: &[&Value], include: Include) -> Value {
        let include = match include {
            Include::None => "None",
            Include::Metadata => "Metadata",
            Include::Object => "Object",
        };
        let mut t = crate::table::render(res, self.is_custom(res), items, include, |o| {
            self.served(res, o)
        });
        t["metadata"] = json!({"resourceVersion": self.current_rv()});
        t
    }

    // --- writes -------------------------------------------------------------------

    /// NamespaceLifecycle admission for creates (§5.3).
    fn admit_create(&self, res: &ResourceDef, ns: &str, name: &str) -> Result<(), ApiError> {
        if !res.namespaced {
            return Ok(());
        }
        let ns_res = self
            .resource_by_gr("", "namespaces")
            .expect("namespaces are served");
        match self.get_object(&ns_res, "", ns) {
            None => Err(status::not_found(&Gr::new("", "namespaces"), ns)),
            Some(n) if is_terminating(n) => {
                let ApiError::Status(code, mut body) = status::forbidden(
                    &gr(res),
                    name,
                    &format!("unable to create new content in namespace {ns} because it is being terminated"),
                ) else {
                    unreachable!("forbidden is a Status")
                };
                body["details"]["causes"] = json!([{"reason": "NamespaceTerminating", "message": format!("namespace {ns} is being terminated"), "field": "metadata.namespace"}]);
                Err(ApiError::Status(code, body))
            }
            Some(_) => Ok(()),
        }
    }

    pub fn create(&mut self, res: &ResourceDef, ns: &str, body: &[u8], dry_run: bool) -> Reply {
        let writer = self.controller(res, None);
        self.create_owned(res, ns, body, dry_run, Some(&writer))
    }

    /// The writer of changes made without a request: the controllers.
    pub fn controller(&self, res: &ResourceDef, sub: Option<&str>) -> Writer {
        Writer {
            manager: "kube-controller-manager".into(),
            api_version: res.api_version(),
            subresource: sub.unwrap_or_default().into(),
        }
    }

    /// POST; `writer` (if any) is recorded in managedFields, else the body's
    /// managedFields are kept as sent.
    pub fn create_owned(
        &mut self,
        res: &ResourceDef,
        ns: &str,
        body: &[u8],
        dry_run: bool,
        writer: Option<&Writer>,
    ) -> Reply {
        let mut obj: Value =
            serde_json::from_slice(body).map_err(|e| status::bad_request(e.to_string()))?;
        if !obj.is_object() {
            return Err(status::bad_request("the body is not an object"));
        }
        let m = meta_mut(&mut obj);
        if m.get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .is_empty()
        {
            match m.get("generateName").and_then(Value::as_str) {
                Some(prefix) => {
                    let n = format!("{prefix}{}", object::random_suffix());
                    m.insert("name".into(), json!(n));
                }
                None => {
                    return Err(status::invalid(
                        &res.group,
                        &res.kind,
                        "",
                        &[FieldError {
                            reason: "FieldValueRequired",
                            field: "metadata.name".into(),
                            body: "Required value: name or generateName is required".into(),
                        }],
                    ))
                }
            }
        }
        if res.namespaced {
            m.insert("namespace".into(), json!(ns));
        } else {
            m.remove("namespace");
        }
        for k in [
            "uid",
            "resourceVersion",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "creationTimestamp",
            "generation",
        ] {
            m.remove(k);
        }
        let name = object::name(&obj).to_string();
        self.admit_create(res, ns, &name)?;
        if let Some(existing) = self.get_object(res, if res.namespaced { ns } else { "" }, &name) {
            return Err(status::already_exists(
                &gr(res),
                &name,
                is_terminating(existing),
            ));
        }
        let m = meta_mut(&mut obj);
        m.insert("uid".into(), json!(object::new_uid()));
        m.insert(
            "creationTimestamp".into(),
            json!(format_time(object::now())),
        );
        if res.group.is_empty() && res.plural == "namespaces" {
            obj["status"] = Value::Null;
            let mut spec = object::spec_finalizers(&obj);
            if !spec.iter().any(|f| f == "kubernetes") {
                spec.push("kubernetes".into());
            }
            obj["spec"] = json!({"finalizers": spec});
        }
        self.apply_create_defaults(res, &mut obj);
        obj["apiVersion"] = json!(res.api_version());
        obj["kind"] = json!(res.kind);
        object::drop_empty(&mut obj);
        if let Some(w) = writer.filter(|_| obj["metadata"]["managedFields"].is_null()) {
            let custom = self.is_custom(res);
            managed::track_update(None, &mut obj, w, custom);
        }
        if !dry_run {
            let rv = self.next_rv();
            meta_mut(&mut obj).insert("resourceVersion".into(), json!(rv));
            self.put(res, obj.clone());
        }
        Ok((201, self.served(res, &obj)))
    }

    /// PUT on the object, its `status` or (namespaces) its `finalize` subresource.
    pub fn update(&mut self, target: &Target, body: &[u8], dry_run: bool) -> Reply {
        let writer = self.controller(target.res, target.sub);
        self.update_by(target, body, dry_run, &writer)
    }

    pub fn update_by(
        &mut self,
        target: &Target,
        body: &[u8],
        dry_run: bool,
        writer: &Writer,
    ) -> Reply {
        let Target { res, ns, name, sub } = *target;
        let new: Value =
            serde_json::from_slice(body).map_err(|e| status::bad_request(e.to_string()))?;
        let body_name = meta_str(&new, "name");
        if !body_name.is_empty() && body_name != name {
            return Err(status::bad_request(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
        let old = self
            .get_object(res, ns, name)
            .cloned()
            .ok_or_else(|| status::not_found(&gr(res), name))?;
        let rv = meta_str(&new, "resourceVersion");
        let unconditional_allowed = res.group.is_empty() || !self.is_custom(res);
        if rv.is_empty() && !unconditional_allowed {
            return Err(status::invalid(
                "",
                &res.group_resource(),
                name,
                &[FieldError {
                    reason: "FieldValueInvalid",
                    field: "metadata.resourceVersion".into(),
                    body: "Invalid value: 0x0: must be specified for an update".into(),
                }],
            ));
        }
        self.commit_owned(res, &old, new, sub, dry_run, Some(writer))
    }

    pub fn patch(
        &mut self,
        target: &Target,
        content_type: &str,
        body: &[u8],
        dry_run: bool,
    ) -> Reply {
        let writer = self.controller(target.res, target.sub);
        self.patch_by(target, content_type, body, dry_run, &writer)
    }

    /// A non-apply PATCH (apply is `Store::apply`).
    pub fn patch_by(
        &mut self,
        target: &Target,
        content_type: &str,
        body: &[u8],
        dry_run: bool,
        writer: &Writer,
    ) -> Reply {
        let Target { res, ns, name, sub } = *target;
        let custom = self.is_custom(res);
        let accepted: &[&str] = if custom {
            &[
                "application/json-patch+json",
                "application/merge-patch+json",
                "application/apply-patch+yaml",
            ]
        } else {
            &[
                "application/json-patch+json",
                "application/merge-patch+json",
                "application/strategic-merge-patch+json",
                "application/apply-patch+yaml",
            ]
        };
        let kind = PatchType::from_content_type(content_type)
            .filter(|_| {
                accepted.contains(&content_type.split(';').next().unwrap_or_default().trim())
            })
            .ok_or_else(|| status::unsupported_media_type(accepted))?;
        let old = self
            .get_object(res, ns, name)
            .cloned()
            .ok_or_else(|| status::not_found(&gr(res), name))?;
        let current = self.served(res, &old);
        let new = match kind {
            PatchType::Json => patch::apply_json_patch(&current, body)?,
            PatchType::Merge => patch::apply_merge_patch(&current, body)?,
            PatchType::Strategic => patch::apply_strategic_patch(&current, body)?,
            PatchType::Apply => {
                let manager = writer.manager.clone();
                return self.apply(target, body, &manager, false, dry_run);
            }
        };
        self.commit_owned(res, &old, new, sub, dry_run, Some(writer))
    }

    /// The generic update path: metadata rules for terminating objects, optimistic
    /// concurrency, no-op detection and deletion when the last finalizer goes (§3).
    pub(crate) fn commit_owned(
        &mut self,
        res: &ResourceDef,
        old: &Value,
        mut new: Value,
        sub: Option<&str>,
        dry_run: bool,
        writer: Option<&Writer>,
    ) -> Reply {
        object::drop_empty(&mut new);
        let name = object::name(old).to_string();
        let old_rv = meta_str(old, "resourceVersion").to_string();
        let new_rv = meta_str(&new, "resourceVersion").to_string();
        if !new_rv.is_empty() && new_rv != old_rv {
            return Err(status::conflict(&gr(res), &name, status::OPTIMISTIC_LOCK));
        }
        // Immutable and server-owned metadata.
        for k in [
            "name",
            "namespace",
            "uid",
            "creationTimestamp",
            "generation",
            "deletionTimestamp",
        ] {
            let m = meta_mut(&mut new);
            match old["metadata"].get(k) {
                Some(v) => m.insert(k.into(), v.clone()),
                None => m.remove(k),
            };
        }
        match (
            &old["metadata"]["deletionGracePeriodSeconds"],
            &new["metadata"]["deletionGracePeriodSeconds"],
        ) {
            (Value::Null, Value::Null) => {}
            (o, Value::Null) => {
                meta_mut(&mut new).insert("deletionGracePeriodSeconds".into(), o.clone());
            }
            (o, n) if o != n => {
                return Err(status::invalid(
                    &res.group,
                    &res.kind,
                    &name,
                    &[FieldError {
                        reason: "FieldValueInvalid",
                        field: "metadata.deletionGracePeriodSeconds".into(),
                        body: format!("Invalid value: {n}: field is immutable"),
                    }],
                ));
            }
            _ => {}
        }
        meta_mut(&mut new).insert("resourceVersion".into(), json!(old_rv));
        if is_terminating(old) {
            let before: BTreeSet<String> = object::finalizers(old).into_iter().collect();
            let added: BTreeSet<String> = object::finalizers(&new)
                .into_iter()
                .filter(|f| !before.contains(f))
                .collect();
            if !added.is_empty() {
                let body = format!(
                    "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers {}",
                    go_string_slice(&added)
                );
                return Err(status::invalid(
                    &res.group,
                    &res.kind,
                    &name,
                    &[FieldError {
                        reason: "FieldValueForbidden",
                        field: "metadata.finalizers".into(),
                        body,
                    }],
                ));
            }
        }
        let is_ns = res.group.is_empty() && res.plural == "namespaces";
        match sub {
            Some("status") => {
                let status = new["status"].clone();
                new = old.clone();
                new["status"] = status;
            }
            Some("finalize") if is_ns => {
                new["status"] = old["status"].clone();
                let spec = object::spec_finalizers(&new);
                for f in &spec {
                    if !f.contains('/') && !["kubernetes", ORPHAN, FOREGROUND].contains(&f.as_str())
                    {
                        return Err(status::invalid("", "Namespace", &name, &[FieldError {
                            reason: "FieldValueInvalid",
                            field: "spec.finalizers".into(),
                            body: format!("Invalid value: {f:?}: name is neither a standard finalizer name nor is it fully qualified"),
                        }]));
                    }
                }
                new["spec"] = if spec.is_empty() {
                    json!({})
                } else {
                    json!({"finalizers": spec})
                };
            }
            Some(other) => {
                if !res.has_subresource(other) {
                    return Err(status::unknown_resource());
                }
            }
            None => {
                if is_ns {
                    new["spec"] = old["spec"].clone();
                    new["status"] = old["status"].clone();
                } else if res.has_subresource("status") {
                    new["status"] = old["status"].clone();
                }
            }
        }
        if let (Some(g), false) = (
            old["metadata"]["generation"].as_i64(),
            sub == Some("status"),
        ) {
            let spec_of = |v: &Value| {
                let mut c = v.clone();
                if let Some(m) = c.as_object_mut() {
                    for k in ["metadata", "status", "kind", "apiVersion"] {
                        m.remove(k);
                    }
                }
                c
            };
            if spec_of(old) != spec_of(&new) {
                meta_mut(&mut new).insert("generation".into(), json!(g + 1));
            }
        }
        new["apiVersion"] = old["apiVersion"].clone();
        new["kind"] = old["kind"].clone();
        if let Some(w) = writer {
            // managedFields sent back unchanged (or left out) are the server's to
            // update; a different list replaces them, an empty one resets them.
            let given = new["metadata"]["managedFields"].clone();
            if given.is_null() || given == old["metadata"]["managedFields"] {
                let custom = self.is_custom(res);
                managed::track_update(Some(old), &mut new, w, custom);
            } else if given.as_array().is_some_and(|a| a.is_empty()) {
                meta_mut(&mut new).remove("managedFields");
            }
        }
        let ns = meta_str(old, "namespace").to_string();

        let grace_done = old["metadata"]["deletionGracePeriodSeconds"]
            .as_i64()
            .unwrap_or(0)
            == 0;
        let ns_spec_done = !is_ns || object::spec_finalizers(&new).is_empty();
        if is_terminating(old) && grace_done && ns_spec_done && object::finalizers(&new).is_empty()
        {
            if !dry_run {
                self.remove(res, &ns, &name);
            }
            return Ok((200, self.served(res, &new)));
        }
        if normalize(new.clone(), true) == normalize(old.clone(), true) {
            return Ok((200, self.served(res, old)));
        }
        if !dry_run {
            let rv = self.next_rv();
            meta_mut(&mut new).insert("resourceVersion".into(), json!(rv));
            self.put(res, new.clone());
        }
        Ok((200, self.served(res, &new)))
    }

    pub fn delete(
        &mut self,
        res: &ResourceDef,
        ns: &str,
        name: &str,
        opts: &DeleteOptions,
    ) -> Reply {
        let old = self
            .get_object(res, ns, name)
            .cloned()
            .ok_or_else(|| status::not_found(&gr(res), name))?;
        let invalid_opts = |field: &str, body: String, reason: &'static str| {
            status::invalid(
                "meta.k8s.io",
                "DeleteOptions",
                "",
                &[FieldError {
                    reason,
                    field: field.into(),
                    body,
                }],
            )
        };
        if let Some(p) = &opts.propagation {
            if opts.orphan_dependents.is_some() {
                return Err(invalid_opts(
                    "propagationPolicy",
                    format!("Invalid value: \"{p}\": orphanDependents and deletionPropagation cannot be both set"),
                    "FieldValueInvalid",
                ));
            }
            if !["Foreground", "Background", "Orphan"].contains(&p.as_str()) {
                return Err(invalid_opts(
                    "propagationPolicy",
                    format!("Unsupported value: \"{p}\": supported values: \"Foreground\", \"Background\", \"Orphan\""),
                    "FieldValueNotSupported",
                ));
            }
        }
        let is_ns = res.group.is_empty() && res.plural == "namespaces";
        if let Some(uid) = &opts.precondition_uid {
            if uid != object::uid(&old) {
                let detail = if is_ns {
                    format!(
                        "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                        object::uid(&old)
                    )
                } else {
                    format!("the UID in the precondition ({uid}) does not match the UID in record ({}). The object might have been deleted and then recreated", object::uid(&old))
                };
                let g = if is_ns {
                    gr(res)
                } else {
                    Gr::new(&res.group, &res.kind)
                };
                return Err(status::conflict(&g, name, &detail));
            }
        }
        if let Some(rv) = &opts.precondition_rv {
            let current = meta_str(&old, "resourceVersion");
            if rv != current {
                let detail = if is_ns {
                    format!("Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {current}")
                } else {
                    format!("the ResourceVersion in the precondition ({rv}) does not match the ResourceVersion in record ({current}). The object might have been modified")
                };
                let g = if is_ns {
                    gr(res)
                } else {
                    Gr::new(&res.group, &res.kind)
                };
                return Err(status::conflict(&g, name, &detail));
            }
        }
        if is_ns {
            if ["default", "kube-system", "kube-public"].contains(&name) {
                return Err(status::forbidden(
                    &gr(res),
                    name,
                    "this namespace may not be deleted",
                ));
            }
            if !is_terminating(&old) {
                let mut new = old.clone();
                meta_mut(&mut new).insert(
                    "deletionTimestamp".into(),
                    json!(format_time(object::now())),
                );
                new["status"]["phase"] = json!("Terminating");
                let gc = gc_finalizers(&object::finalizers(&old), opts);
                object::set_finalizers(&mut new, &gc);
                if !opts.dry_run {
                    let rv = self.next_rv();
                    meta_mut(&mut new).insert("resourceVersion".into(), json!(rv));
                    self.put(res, new.clone());
                }
                return Ok((200, self.served(res, &new)));
            }
            if !object::spec_finalizers(&old).is_empty() {
                return Ok((200, self.served(res, &old)));
            }
        }
        let is_crd =
            res.group == "apiextensions.k8s.io" && res.plural == "customresourcedefinitions";
        if is_crd && !is_terminating(&old) {
            return self.mark_crd_deleting(res, old, opts.dry_run);
        }
        let current = object::finalizers(&old);
        let finalizers = gc_finalizers(&current, opts);
        let explicit_orphan_false = opts.orphan_dependents == Some(false);
        if !finalizers.is_empty() {
            let mut new = old.clone();
            let first = !is_terminating(&old);
            let set_changed = current.iter().collect::<BTreeSet<_>>()
                != finalizers.iter().collect::<BTreeSet<_>>();
            if set_changed {
                object::set_finalizers(&mut new, &finalizers);
            }
            let m = meta_mut(&mut new);
            if first {
                m.insert(
                    "deletionTimestamp".into(),
                    json!(format_time(object::now())),
                );
                m.insert("deletionGracePeriodSeconds".into(), json!(0));
                if let Some(g) = m
                    .get("generation")
                    .and_then(Value::as_i64)
                    .filter(|g| *g > 0)
                {
                    m.insert("generation".into(), json!(g + 1));
                }
            }
            if (first || set_changed) && !opts.dry_run {
                let rv = self.next_rv();
                meta_mut(&mut new).insert("resourceVersion".into(), json!(rv));
                self.put(res, new.clone());
            }
            let code = if explicit_orphan_false { 202 } else { 200 };
            return Ok((code, self.served(res, &new)));
        }
        let mut last = old.clone();
        if !opts.dry_run {
            self.remove(res, ns, name);
        }
        object::set_finalizers(&mut last, &[]);
        if returns_deleted_object(res) {
            Ok((200, self.served(res, &last)))
        } else {
            Ok((
                200,
                status::delete_success(name, &res.group, &res.plural, object::uid(&old)),
            ))
        }
    }
}

impl Store {
    /// DELETE on a collection: every object the selectors match is deleted as
    /// a DELETE of it would be; the answer lists what each delete returned.
    pub fn delete_collection(
        &mut self,
        res: &ResourceDef,
        ns: Option<&str>,
        query: &BTreeMap<String, String>,
        opts: &DeleteOptions,
    ) -> Reply {
        let mut selection = query.clone();
        selection.remove("limit");
        selection.remove("continue");
        let (_, listed) = self.list(res, ns, &selection, Shape::Full)?;
        let mut items = Vec::new();
        for item in listed["items"].as_array().into_iter().flatten() {
            let ns = meta_str(item, "namespace").to_string();
            let name = object::name(item).to_string();
            if let Ok((_, answer)) = self.delete(res, &ns, &name, opts) {
                let deleted = if answer["kind"] == "Status" {
                    item.clone()
                } else {
                    answer
                };
                items.push(deleted);
            }
        }
        Ok((
            200,
            json!({"kind": format!("{}List", res.kind), "apiVersion": res.api_version(), "metadata": {"resourceVersion": self.current_rv()}, "items": items}),
        ))
    }

    /// The first DELETE of a CRD: one update sets `deletionTimestamp`, adds the
    /// cleanup finalizer and the Terminating condition; no grace period, no
    /// propagation policy (apiserver-semantics-2.md §19.3).
    fn mark_crd_deleting(&mut self, res: &ResourceDef, old: Value, dry_run: bool) -> Reply {
        let mut new = old.clone();
        let mut f = object::finalizers(&new);
        if !f.iter().any(|x| x == CRD_CLEANUP) {
            f.push(CRD_CLEANUP.into());
            object::set_finalizers(&mut new, &f);
        }
        meta_mut(&mut new).insert(
            "deletionTimestamp".into(),
            json!(format_time(object::now())),
        );
        set_crd_terminating(
            &mut new,
            "True",
            "InstanceDeletionPending",
            "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon",
        );
        if !dry_run {
            let rv = self.next_rv();
            meta_mut(&mut new).insert("resourceVersion".into(), json!(rv));
            self.put(res, new.clone());
        }
        Ok((200, self.served(res, &new)))
    }
}

/// Sets a CRD's `Terminating` condition (kept in place if present).
pub fn set_crd_terminating(crd: &mut Value, status: &str, reason: &str, message: &str) {
    let condition = json!({"type": "Terminating", "status": status, "lastTransitionTime": format_time(object::now()), "reason": reason, "message": message});
    if !crd["status"]["conditions"].is_array() {
        crd["status"]["conditions"] = json!([]);
    }
    let list = crd["status"]["conditions"]
        .as_array_mut()
        .expect("just made an array");
    match list.iter_mut().find(|c| c["type"] == "Terminating") {
        Some(c) => {
            let since = if c["status"] == status {
                c["lastTransitionTime"].clone()
            } else {
                condition["lastTransitionTime"].clone()
            };
            *c = condition;
            c["lastTransitionTime"] = since;
        }
        None => list.push(condition),
    }
}

/// The finalizer list after the garbage-collection policy of a DELETE (§2.4).
fn gc_finalizers(current: &[String], opts: &DeleteOptions) -> Vec<String> {
    let policy = match (opts.orphan_dependents, opts.propagation.as_deref()) {
        (Some(true), _) => Some("Orphan"),
        (Some(false), _) => Some("Foreground"),
        (None, p) => p,
    };
    let Some(policy) = policy else {
        return current.to_vec();
    };
    let mut out: Vec<String> = current
        .iter()
        .filter(|f| *f != ORPHAN && *f != FOREGROUND)
        .cloned()
        .collect();
    match policy {
        "Orphan" => out.push(ORPHAN.into()),
        "Foreground" => out.push(FOREGROUND.into()),
        _ => {}
    }
    out
}

/// `PartialObjectMetadata` of a stored object.
pub fn partial(obj: &Value) -> Value {
    let meta = normalize(json!({"metadata": obj["metadata"].clone()}), false);
    json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta["metadata"]})
}

/// Resources an aggregated API serves when Available, from the APIService's
/// `testcluster.local/resources` annotation: `plural:Kind:Namespaced|Cluster,…`.
fn aggregated_resources(apiservice: &Value, group: &str, version: &str) -> Vec<ResourceDef> {
    let spec = apiservice["metadata"]["annotations"]["testcluster.local/resources"]
        .as_str()
        .unwrap_or_default();
    spec.split(',')
        .filter_map(|entry| {
            let mut parts = entry.trim().split(':');
            let plural = parts.next()?.to_string();
            let kind = parts.next()?.to_string();
            let namespaced = parts.next() != Some("Cluster");
            Some(ResourceDef {
                group: group.into(),
                version: version.into(),
                singular: kind.to_lowercase(),
                plural,
                kind,
                namespaced,
                verbs: vec!["get".into(), "list".into()],
                short_names: vec![],
                categories: vec![],
                subresources: vec![],
                storage_version_hash: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(reply: &Value) -> Vec<String> {
        reply["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| format!("{}/{}", meta_str(o, "namespace"), object::name(o)))
            .collect()
    }

    /// Pages continue at the first page's revision whatever is written in
    /// between (read through the revision log); otherwise straight from the store.
    #[test]
    fn pages_read_at_one_revision_and_stay_in_their_namespace() {
        let mut store = Store::new();
        let mut yaml = String::new();
        for ns in ["a", "b"] {
            yaml.push_str(&format!(
                "---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n"
            ));
            for i in 1..=3 {
                yaml.push_str(&format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}, namespace: {ns}}}\n"));
            }
        }
        crate::scenario::load(&mut store, &yaml).unwrap();
        let res = store.resource_by_gr("", "configmaps").unwrap();
        let query = |limit: &str, token: Option<&Value>| {
            let mut q = BTreeMap::from([("limit".to_string(), limit.to_string())]);
            if let Some(t) = token.and_then(Value::as_str) {
                q.insert("continue".into(), t.into());
            }
            q
        };
        let list = |store: &Store, ns: Option<&str>, q: &BTreeMap<String, String>| {
            store.list(&res, ns, q, Shape::Metadata).unwrap().1
        };

        let first = list(&store, None, &query("4", None));
        assert_eq!(names(&first), ["a/c1", "a/c2", "a/c3", "b/c1"]);
        assert_eq!(first["metadata"]["remainingItemCount"], 2);
        let token = first["metadata"]["continue"].clone();
        store
            .create(&res, "b", br#"{"metadata":{"name":"c9"}}"#, false)
            .unwrap();
        store.remove(&res, "b", "c3");
        let rest = list(&store, None, &query("4", Some(&token)));
        assert_eq!(names(&rest), ["b/c2", "b/c3"], "as at the first page");
        let now = list(&store, None, &query("0", None));
        assert_eq!(
            names(&now),
            ["a/c1", "a/c2", "a/c3", "b/c1", "b/c2", "b/c9"]
        );

        let in_a = list(&store, Some("a"), &query("2", None));
        assert_eq!(names(&in_a), ["a/c1", "a/c2"]);
        let token = in_a["metadata"]["continue"].clone();
        assert_eq!(
            names(&list(&store, Some("a"), &query("2", Some(&token)))),
            ["a/c3"]
        );
        assert_eq!(
            names(&list(&store, Some("c"), &query("2", None))),
            Vec::<String>::new()
        );
    }
}
