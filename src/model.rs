//! The shared vocabulary: what was found (stuck objects), what could not be
//! read (problems), who is asking (identity) and how objects are named. Pure
//! data, used by every layer; no I/O.

use serde::{Deserialize, Serialize};

/// kubectl's `-o name` form: `kind.group/name`, lower-case kind.
pub fn kubectl_name(kind: &str, group: &str, name: &str) -> String {
    format!("{}/{}", qualify(&kind.to_lowercase(), group), name)
}

/// `Kind.group ns/name`, or `Kind.group name` when cluster-scoped: how objects are named in messages.
pub fn object_title(kind: &str, group: &str, namespace: Option<&str>, name: &str) -> String {
    let kind = qualify(kind, group);
    match namespace {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    }
}

/// kubectl's ` -n NAMESPACE` for a command line, or nothing for cluster-scoped objects.
pub fn ns_flag(namespace: Option<&str>) -> String {
    namespace.map(|n| format!(" -n {n}")).unwrap_or_default()
}

pub fn qualify(name: &str, group: &str) -> String {
    if group.is_empty() {
        name.to_string()
    } else {
        format!("{name}.{group}")
    }
}

/// Who and where we talk to, for messages and audit records.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    pub context: String,
    /// The kubeconfig user (its name, not its credentials).
    pub user: String,
    pub server: String,
    /// `--as` and `--as-group`, when impersonating.
    pub impersonate: Option<(String, Vec<String>)>,
}

/// Something that could not be read: a group/version or a resource type.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// `group/version`, or `resource.group` for a list that failed.
    pub scope: String,
    pub code: Option<u16>,
    pub reason: String,
    pub message: String,
    /// In a fleet scan: the context it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
}

impl Problem {
    pub fn new(scope: &str, code: Option<u16>, reason: &str, message: &str) -> Problem {
        Problem {
            scope: scope.into(),
            code,
            reason: reason.into(),
            message: message.into(),
            context: None,
        }
    }
}

/// A namespace condition that reports a failure (`status: "True"`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceCondition {
    #[serde(rename = "type")]
    pub type_: String,
    pub reason: String,
    pub message: String,
}

/// An object held by finalizers: the stable item of `scan -o json|yaml`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StuckObject {
    pub api_version: String,
    pub kind: String,
    pub group: String,
    pub resource: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub uid: String,
    #[serde(default)]
    pub resource_version: String,
    #[serde(default)]
    pub creation_timestamp: Option<String>,
    /// Absent for live objects (`--include-live`).
    #[serde(default)]
    pub deletion_timestamp: Option<String>,
    #[serde(default)]
    pub terminating_seconds: Option<u64>,
    /// `metadata.finalizers`.
    #[serde(default)]
    pub finalizers: Vec<String>,
    /// Namespaces only: `spec.finalizers` (`kubernetes`), removed through `/finalize`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spec_finalizers: Vec<String>,
    /// Namespaces only: the failure conditions the namespace controller reports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<NamespaceCondition>,
    /// With `--finalizer`: the entries that matched it. `clear -f` removes only
    /// these (absent: every entry in `finalizers` and `specFinalizers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_finalizers: Option<Vec<String>>,
    /// The kubeconfig context and API server it was found in: `clear -f` refuses
    /// an item from another cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
}

impl StuckObject {
    pub fn is_terminating(&self) -> bool {
        self.deletion_timestamp.is_some()
    }

    pub fn qualified_kind(&self) -> String {
        qualify(&self.kind, &self.group)
    }

    /// kubectl's `-o name` form: `kind.group/name`, lower-case kind.
    pub fn kubectl_name(&self) -> String {
        kubectl_name(&self.kind, &self.group, &self.name)
    }

    /// Every finalizer entry, metadata first.
    pub fn all_finalizers(&self) -> impl Iterator<Item = &String> {
        self.finalizers.iter().chain(self.spec_finalizers.iter())
    }
}

/// Progress through a long read, reported by domain code and drawn by render.
pub trait Progress: Sync {
    /// How many steps there are.
    fn set_length(&self, steps: u64);
    /// One more step is done.
    fn advance(&self);
}

/// No progress to show (tests, non-terminals handled by render).
pub struct NoProgress;

impl Progress for NoProgress {
    fn set_length(&self, _: u64) {}
    fn advance(&self) {}
}
