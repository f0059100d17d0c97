//! Server-side tables (`Accept: …;as=Table`, apiserver-semantics.md §6.5): the
//! columns kube-apiserver's printers give the built-in types the scenarios use,
//! Name/Age for custom resources (a CRD's default printer column), the default
//! Name/Created At for everything else, and `includeObject`.

use crate::discovery::ResourceDef;
use crate::object;
use serde_json::{json, Value};

/// `duration.HumanDuration`, as kubectl's AGE column prints it.
pub fn human_duration(secs: i64) -> String {
    if secs < -1 {
        return "<invalid>".into();
    }
    let secs = secs.max(0);
    if secs < 120 {
        return format!("{secs}s");
    }
    let minutes = secs / 60;
    if minutes < 10 {
        return match secs % 60 {
            0 => format!("{minutes}m"),
            s => format!("{minutes}m{s}s"),
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        return match minutes % 60 {
            0 => format!("{hours}h"),
            m => format!("{hours}h{m}m"),
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        return match hours % 24 {
            0 => format!("{}d", hours / 24),
            h => format!("{}d{h}h", hours / 24),
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        return match (hours / 24) % 365 {
            0 => format!("{}y", hours / 24 / 365),
            d => format!("{}y{d}d", hours / 24 / 365),
        };
    }
    format!("{}y", hours / 24 / 365)
}

fn age(obj: &Value) -> String {
    let created = object::meta_str(obj, "creationTimestamp");
    match created.parse::<jiff::Timestamp>() {
        Ok(ts) => human_duration(object::now().duration_since(ts).as_secs()),
        Err(_) => "<unknown>".into(),
    }
}

fn column(name: &str, kind: &str, format: &str, priority: u8) -> Value {
    json!({"name": name, "type": kind, "format": format, "description": "", "priority": priority})
}

fn count(v: &Value) -> usize {
    v.as_object().map(|m| m.len()).unwrap_or(0)
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or("<none>").to_string()
}

fn access_modes(v: &Value) -> String {
    let short: Vec<&str> = v
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|m| match m {
            "ReadWriteOnce" => "RWO",
            "ReadOnlyMany" => "ROX",
            "ReadWriteMany" => "RWX",
            "ReadWriteOncePod" => "RWOP",
            other => other,
        })
        .collect();
    short.join(",")
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// Columns and, per object, cells of one resource's table.
fn layout(res: &ResourceDef, custom: bool) -> Option<Vec<Value>> {
    let name = column("Name", "string", "name", 0);
    let age = column("Age", "string", "", 0);
    let s = |n: &str| column(n, "string", "", 0);
    let cols = match (res.group.as_str(), res.plural.as_str()) {
        _ if custom => vec![name, age],
        ("", "namespaces") => vec![name, s("Status"), age],
        ("", "configmaps") => vec![name, column("Data", "integer", "", 0), age],
        ("", "secrets") => vec![name, s("Type"), column("Data", "string", "", 0), age],
        ("", "pods") => vec![
            name,
            s("Ready"),
            s("Status"),
            column("Restarts", "string", "", 0),
            age,
            column("IP", "string", "", 1),
            column("Node", "string", "", 1),
        ],
        ("", "persistentvolumeclaims") => vec![
            name,
            s("Status"),
            s("Volume"),
            s("Capacity"),
            s("Access Modes"),
            s("StorageClass"),
            s("VolumeAttributesClass"),
            age,
        ],
        ("", "persistentvolumes") => vec![
            name,
            s("Capacity"),
            s("Access Modes"),
            s("Reclaim Policy"),
            s("Status"),
            s("Claim"),
            s("StorageClass"),
            s("VolumeAttributesClass"),
            s("Reason"),
            age,
        ],
        ("", "services") => vec![
            name,
            s("Type"),
            s("Cluster-IP"),
            s("External-IP"),
            s("Port(s)"),
            age,
        ],
        ("apps", "deployments") => vec![
            name,
            s("Ready"),
            column("Up-to-date", "integer", "", 0),
            column("Available", "integer", "", 0),
            age,
        ],
        ("apps", "replicasets") => vec![
            name,
            column("Desired", "integer", "", 0),
            column("Current", "integer", "", 0),
            column("Ready", "integer", "", 0),
            age,
        ],
        ("coordination.k8s.io", "leases") => vec![name, s("Holder"), age],
        _ => return None,
    };
    Some(cols)
}

fn cells(res: &ResourceDef, custom: bool, o: &Value) -> Vec<Value> {
    let n = json!(object::name(o));
    let a = json!(age(o));
    let st = &o["status"];
    let sp = &o["spec"];
    match (res.group.as_str(), res.plural.as_str()) {
        _ if custom => vec![n, a],
        ("", "namespaces") => vec![n, st["phase"].clone(), a],
        ("", "configmaps") => vec![n, json!(count(&o["data"]) + count(&o["binaryData"])), a],
        ("", "secrets") => vec![n, json!(text(&o["type"])), json!(count(&o["data"])), a],
        ("", "pods") => {
            let statuses = st["containerStatuses"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let total = sp["containers"].as_array().map(Vec::len).unwrap_or(0);
            let ready = statuses.iter().filter(|c| c["ready"] == true).count();
            let restarts: i64 = statuses.iter().map(|c| int(&c["restartCount"])).sum();
            let phase = if object::is_terminating(o) {
                "Terminating".to_string()
            } else {
                text(&st["phase"])
            };
            vec![
                n,
                json!(format!("{ready}/{total}")),
                json!(phase),
                json!(restarts.to_string()),
                a,
                json!(text(&st["podIP"])),
                json!(text(&sp["nodeName"])),
            ]
        }
        ("", "persistentvolumeclaims") => vec![
            n,
            json!(text(&st["phase"])),
            json!(sp["volumeName"].as_str().unwrap_or_default()),
            json!(st["capacity"]["storage"].as_str().unwrap_or_default()),
            json!(access_modes(&st["accessModes"])),
            json!(text(&sp["storageClassName"])),
            json!(text(&sp["volumeAttributesClassName"])),
            a,
        ],
        ("", "persistentvolumes") => {
            let claim = &sp["claimRef"];
            let claim = if claim.is_object() {
                format!(
                    "{}/{}",
                    claim["namespace"].as_str().unwrap_or_default(),
                    claim["name"].as_str().unwrap_or_default()
                )
            } else {
                String::new()
            };
            vec![
                n,
                json!(sp["capacity"]["storage"].as_str().unwrap_or_default()),
                json!(access_modes(&sp["accessModes"])),
                json!(sp["persistentVolumeReclaimPolicy"]
                    .as_str()
                    .unwrap_or_default()),
                json!(st["phase"].as_str().unwrap_or_default()),
                json!(claim),
                json!(sp["storageClassName"].as_str().unwrap_or_default()),
                json!(text(&sp["volumeAttributesClassName"])),
                json!(st["reason"].as_str().unwrap_or_default()),
                a,
            ]
        }
        ("", "services") => {
            let ports: Vec<String> = sp["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    format!(
                        "{}/{}",
                        int(&p["port"]),
                        p["protocol"].as_str().unwrap_or("TCP")
                    )
                })
                .collect();
            let ports = if ports.is_empty() {
                "<none>".to_string()
            } else {
                ports.join(",")
            };
            vec![
                n,
                json!(sp["type"].as_str().unwrap_or("ClusterIP")),
                json!(sp["clusterIP"].as_str().unwrap_or("<none>")),
                json!("<none>"),
                json!(ports),
                a,
            ]
        }
        ("apps", "deployments") => vec![
            n,
            json!(format!(
                "{}/{}",
                int(&st["readyReplicas"]),
                int(&sp["replicas"])
            )),
            json!(int(&st["updatedReplicas"])),
            json!(int(&st["availableReplicas"])),
            a,
        ],
        ("apps", "replicasets") => vec![
            n,
            json!(int(&sp["replicas"])),
            json!(int(&st["replicas"])),
            json!(int(&st["readyReplicas"])),
            a,
        ],
        ("coordination.k8s.io", "leases") => {
            vec![n, json!(text(&sp["holderIdentity"])), a]
        }
        _ => vec![n, json!(object::meta_str(o, "creationTimestamp"))],
    }
}

/// The Table of `items`; `include` is the request's `includeObject`.
pub fn render(
    res: &ResourceDef,
    custom: bool,
    items: &[&Value],
    include: &str,
    full: impl Fn(&Value) -> Value,
) -> Value {
    let columns = layout(res, custom).unwrap_or_else(|| {
        vec![
            json!({"name": "Name", "type": "string", "format": "name", "description": "Name must be unique within a namespace.", "priority": 0}),
            json!({"name": "Created At", "type": "date", "format": "", "description": "CreationTimestamp is a timestamp representing the server time when this object was created.", "priority": 0}),
        ]
    });
    let rows: Vec<Value> = items
        .iter()
        .map(|o| {
            let mut row = json!({"cells": cells(res, custom, o)});
            match include {
                "None" => {}
                "Object" => row["object"] = full(o),
                _ => row["object"] = crate::store::partial(o),
            }
            row
        })
        .collect();
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {}, "columnDefinitions": columns, "rows": rows})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_print_as_kubectl_prints_them() {
        assert_eq!(human_duration(59), "59s");
        assert_eq!(human_duration(330), "5m30s");
        assert_eq!(human_duration(3 * 3600 + 5 * 60), "3h5m");
        assert_eq!(human_duration(45 * 86400), "45d");
        assert_eq!(human_duration(3 * 86400 + 7200), "3d2h");
    }
}
