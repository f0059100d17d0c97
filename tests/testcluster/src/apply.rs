//! Server-side apply (`application/apply-patch+yaml`, apiserver-semantics-2.md
//! §15): `fieldManager` validation, create on a missing object, conflicts with
//! other managers (409, or ownership taken with `force`), the merge of the
//! applied configuration and the pruning of what only this manager owned.

use crate::managed::{self, Entry, Path};
use crate::object::{self, format_time};
use crate::status::{self, ApiError, FieldError};
use crate::store::{Reply, Store, Target};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// `PatchOptions` checks that apply needs (`ValidatePatchOptions`).
pub fn check_options(apply: bool, manager: Option<&str>, force: bool) -> Result<(), ApiError> {
    let invalid = |reason: &'static str, field: &str, body: &str| {
        status::invalid(
            "meta.k8s.io",
            "PatchOptions",
            "",
            &[FieldError {
                reason,
                field: field.into(),
                body: body.into(),
            }],
        )
    };
    if !apply {
        if force {
            return Err(invalid(
                "FieldValueForbidden",
                "force",
                "Forbidden: may not be specified for non-apply patch",
            ));
        }
        return Ok(());
    }
    match manager {
        None | Some("") => Err(invalid(
            "FieldValueRequired",
            "fieldManager",
            "Required value: is required for apply patch",
        )),
        Some(m) if m.len() > 128 => Err(invalid(
            "FieldValueTooLong",
            "fieldManager",
            "Too long: may not be more than 128 bytes",
        )),
        Some(_) => Ok(()),
    }
}

/// `.metadata.finalizers[="x"]`: a path as conflicts print it (§15.4).
fn display(path: &Path) -> String {
    let mut s = String::new();
    for step in path {
        if let Some(f) = step.strip_prefix("f:") {
            s.push('.');
            s.push_str(f);
        } else if let Some(v) = step.strip_prefix("v:") {
            s.push_str(&format!("[={v}]"));
        } else if let Some(k) = step.strip_prefix("k:") {
            let keys: Map<String, Value> = serde_json::from_str(k).unwrap_or_default();
            let parts: Vec<String> = keys.iter().map(|(k, v)| format!("{k}={v}")).collect();
            s.push_str(&format!("[{}]", parts.join(",")));
        }
    }
    s
}

/// The 409 of an apply that would change fields other managers own.
fn conflict(conflicts: &[(String, Path)]) -> ApiError {
    let causes: Vec<Value> = conflicts
        .iter()
        .map(|(who, p)| json!({"reason": "FieldManagerConflict", "message": format!("conflict with {who}"), "field": display(p)}))
        .collect();
    let message = if let [(who, p)] = conflicts {
        format!(
            "Apply failed with 1 conflict: conflict with {who}: {}",
            display(p)
        )
    } else {
        let mut by: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (who, p) in conflicts {
            by.entry(who).or_default().push(display(p));
        }
        let parts: Vec<String> = by
            .iter()
            .map(|(who, ps)| format!("conflicts with {who}:\n- {}", ps.join("\n- ")))
            .collect();
        format!(
            "Apply failed with {} conflicts: {}",
            conflicts.len(),
            parts.join("\n")
        )
    };
    ApiError::Status(
        409,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": "Conflict", "details": {"causes": causes}, "code": 409}),
    )
}

/// Merges an applied configuration into the live object: maps field by
/// field, `finalizers` as a set, `ownerReferences` by uid, other lists whole.
fn merge(live: &mut Value, applied: &Value, name: &str) {
    match (live, applied) {
        (Value::Object(l), Value::Object(a)) => {
            for (k, v) in a {
                if v.is_null() {
                    continue;
                }
                match l.get_mut(k) {
                    Some(existing) => merge(existing, v, k),
                    None => {
                        l.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (Value::Array(l), Value::Array(a)) if name == "finalizers" => {
            for item in a {
                if !l.contains(item) {
                    l.push(item.clone());
                }
            }
        }
        (Value::Array(l), Value::Array(a)) if name == "ownerReferences" => {
            for item in a {
                match l.iter_mut().find(|x| x["uid"] == item["uid"]) {
                    Some(existing) => merge(existing, item, ""),
                    None => l.push(item.clone()),
                }
            }
        }
        (l, a) => *l = a.clone(),
    }
}

/// Removes the field or set element at `path`, if it is one this module can name.
fn prune(obj: &mut Value, path: &Path) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = obj;
    for step in parents {
        let Some(f) = step.strip_prefix("f:") else {
            return;
        };
        node = match node.get_mut(f) {
            Some(n) => n,
            None => return,
        };
    }
    if let Some(f) = last.strip_prefix("f:") {
        if let Some(m) = node.as_object_mut() {
            m.remove(f);
        }
    } else if let Some(v) = last.strip_prefix("v:") {
        let Ok(value) = serde_json::from_str::<Value>(v) else {
            return;
        };
        if let Some(items) = node.as_array_mut() {
            items.retain(|x| *x != value);
        }
    }
}

impl Store {
    /// PATCH with `application/apply-patch+yaml`.
    pub fn apply(
        &mut self,
        target: &Target,
        body: &[u8],
        manager: &str,
        force: bool,
        dry_run: bool,
    ) -> Reply {
        let Target { res, ns, name, sub } = *target;
        let applied: Value = serde_yaml::from_slice(body)
            .map_err(|e| status::bad_request(format!("error decoding patch: {e}")))?;
        if !applied.is_object() {
            return Err(status::bad_request(
                "error decoding patch: the applied configuration is not an object",
            ));
        }
        let custom = self.is_custom(res);
        let applied_fields = managed::fields_of(&applied, custom);
        let applied_paths: BTreeSet<Path> = applied_fields.keys().cloned().collect();
        let now = format_time(object::now());
        let mine =
            |e: &Entry| e.manager == manager && e.apply && e.subresource == sub.unwrap_or("");
        let Some(old) = self.get_object(res, ns, name).cloned() else {
            // Apply creates what is missing (§15.2).
            if sub.is_some() {
                return Err(status::not_found(
                    &crate::status::Gr::new(&res.group, &res.plural),
                    name,
                ));
            }
            let mut obj = applied.clone();
            let m = object::meta_mut(&mut obj);
            m.insert("name".into(), json!(name));
            m.remove("managedFields");
            let entry = Entry {
                manager: manager.into(),
                apply: true,
                api_version: res.api_version(),
                time: now,
                subresource: String::new(),
                fields: applied_paths,
            };
            managed::set_entries(&mut obj, vec![entry]);
            let body = serde_json::to_vec(&obj).expect("serializable");
            return self.create_owned(res, ns, &body, dry_run, None);
        };
        let live = self.served(res, &old);
        let live_fields = managed::fields_of(&live, custom);
        let mut entries = managed::entries(&old);
        // A field this apply adds or changes, owned by another manager, conflicts.
        let mut conflicts: Vec<(String, Path)> = Vec::new();
        for (p, v) in &applied_fields {
            if live_fields.get(p) == Some(v) {
                continue;
            }
            for e in entries.iter().filter(|e| !mine(e)) {
                if e.fields.contains(p) {
                    conflicts.push((e.describe(), p.clone()));
                }
            }
        }
        if !conflicts.is_empty() {
            if !force {
                return Err(conflict(&conflicts));
            }
            let taken: BTreeSet<&Path> = conflicts.iter().map(|(_, p)| p).collect();
            for e in entries.iter_mut().filter(|e| !mine(e)) {
                e.fields.retain(|p| !taken.contains(p));
            }
        }
        let mut new = live.clone();
        merge(&mut new, &applied, "");
        // What this manager applied before, omits now, and nobody else owns goes.
        let before: BTreeSet<Path> = entries
            .iter()
            .filter(|e| mine(e))
            .flat_map(|e| e.fields.iter().cloned())
            .collect();
        let others: BTreeSet<&Path> = entries
            .iter()
            .filter(|e| !mine(e))
            .flat_map(|e| e.fields.iter())
            .collect();
        let mut dropped: Vec<&Path> = before
            .iter()
            // A node stays while anything under it is owned (by others or applied now).
            .filter(|p| {
                !others.iter().any(|o| o.starts_with(p))
                    && !applied_paths.iter().any(|a| a.starts_with(p))
            })
            .collect();
        dropped.sort_by_key(|p| std::cmp::Reverse(p.len()));
        for p in dropped {
            prune(&mut new, p);
        }
        let without_owners = |v: &Value| {
            let mut v = v.clone();
            object::meta_mut(&mut v).remove("managedFields");
            v
        };
        let changed = without_owners(&new) != without_owners(&live);
        match entries.iter_mut().find(|e| mine(e)) {
            Some(e) => {
                if changed || e.fields != applied_paths {
                    e.time = now;
                }
                e.fields = applied_paths;
            }
            None => entries.push(Entry {
                manager: manager.into(),
                apply: true,
                api_version: res.api_version(),
                time: now,
                subresource: sub.unwrap_or_default().into(),
                fields: applied_paths,
            }),
        }
        managed::set_entries(&mut new, entries);
        self.commit_owned(res, &old, new, sub, dry_run, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_print_as_structured_merge_diff_prints_them() {
        let p: Path = vec![
            "f:metadata".into(),
            "f:finalizers".into(),
            "v:\"example.com/a\"".into(),
        ];
        assert_eq!(display(&p), ".metadata.finalizers[=\"example.com/a\"]");
    }

    #[test]
    fn finalizers_merge_as_a_set() {
        let mut live = json!({"metadata": {"finalizers": ["a", "b"]}});
        merge(
            &mut live,
            &json!({"metadata": {"finalizers": ["c", "a"]}}),
            "",
        );
        assert_eq!(live["metadata"]["finalizers"], json!(["a", "b", "c"]));
    }
}
