//! The report's vocabulary: verdicts (state, action), evidence and where it comes
//! from, what was not read, per-object usage, findings and namespace chains — the
//! stable content of `explain -o json|yaml`. Pure types.

use super::catalog::Risk;
use super::evidence::{ReadState, SourceRead};
use crate::model::StuckObject;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum State {
    Alive,
    Degraded,
    Gone,
    Unknown,
}

impl State {
    pub fn label(self) -> &'static str {
        match self {
            State::Alive => "ALIVE",
            State::Degraded => "DEGRADED",
            State::Gone => "GONE",
            State::Unknown => "UNKNOWN",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Wait,
    Investigate,
    SafeToClear,
    ClearWithCare,
    FixBlockerFirst,
}

impl Action {
    pub fn label(self) -> &'static str {
        match self {
            Action::Wait => "WAIT",
            Action::Investigate => "INVESTIGATE",
            Action::SafeToClear => "SAFE TO CLEAR",
            Action::ClearWithCare => "CLEAR WITH CARE",
            Action::FixBlockerFirst => "FIX THE BLOCKER FIRST",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strength {
    Strong,
    Medium,
    Weak,
}

/// Where a piece of evidence comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The finalizer catalogue.
    Catalogue,
    /// The API group the finalizer is named after.
    ApiGroup,
    /// The CustomResourceDefinition of the object's type.
    Crd,
    /// A workload named like the group.
    Name,
    /// A workload's service account may update the resource.
    Rbac,
    /// Deployments, StatefulSets, DaemonSets.
    Workload,
    Pods,
    Lease,
    /// kube-apiserver itself.
    Apiserver,
    /// An admission webhook.
    Webhook,
    /// Helm release and application labels.
    Helm,
    /// Labels or container images.
    Labels,
    /// The finalizer's domain in the catalogue.
    Domain,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Source::Catalogue => "catalogue",
            Source::ApiGroup => "api-group",
            Source::Crd => "crd",
            Source::Name => "name",
            Source::Rbac => "rbac",
            Source::Workload => "workload",
            Source::Pods => "pods",
            Source::Lease => "lease",
            Source::Apiserver => "apiserver",
            Source::Webhook => "webhook",
            Source::Helm => "helm",
            Source::Labels => "labels",
            Source::Domain => "domain",
        }
    }
}

/// How the owner's name was found, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttributedBy {
    /// The finalizer is catalogued.
    Catalogue,
    /// A workload installed by the same Helm release (or part of the same
    /// application) as the objects' CRD.
    Helm,
    /// A workload whose service account may update the resource's finalizers or
    /// the resource itself (in a custom API group).
    Rbac,
    /// A workload whose labels or image name the finalizer's domain.
    Labels,
    /// The finalizer's domain belongs to a catalogued project.
    Domain,
    /// Only the API group the finalizer is named after.
    ApiGroup,
    /// A workload named like the finalizer's group.
    Name,
    Unknown,
}

/// One observation, and how strongly it points at the owner or its state.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Evidence {
    pub source: Source,
    pub strength: Strength,
    pub detail: String,
}

pub(crate) fn evidence(source: Source, strength: Strength, detail: String) -> Evidence {
    Evidence {
        source,
        strength,
        detail,
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Recommendation {
    pub action: Action,
    pub summary: String,
    #[serde(default)]
    pub commands: Vec<String>,
}

/// An object a finding covers, with what the per-object checks found.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    pub kind: String,
    pub group: String,
    pub resource: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub terminating_seconds: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// What the finalizer's usage check found (absent: it has none).
    #[serde(default, skip_serializing_if = "Usage::is_not_checked")]
    pub usage: Usage,
}

/// Whether the finalizer is still doing its job on an object (a pod mounts the
/// claim, the volume is bound, dependents remain), as far as was read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Usage {
    /// The finalizer has no usage check.
    #[default]
    NotChecked,
    /// Checked: nothing uses the object any more.
    Unused,
    /// Checked: the finalizer is protecting something in use.
    InUse,
    /// The check's evidence could not be read: not "unused".
    Unknown,
}

impl Usage {
    pub fn is_not_checked(&self) -> bool {
        *self == Usage::NotChecked
    }
}

/// Evidence a verdict needed that was not read, and why it matters.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MissingEvidence {
    /// `plural.group` of the list, or what could not be seen.
    pub resource: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// forbidden | failed | not-read | not-visible
    pub state: Gap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    /// What the server said, or what was looked for.
    pub message: String,
    /// What the verdict needed it for.
    pub needed_for: String,
    /// A command that shows more.
    pub check: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Gap {
    Forbidden,
    Failed,
    NotRead,
    /// Read, but what was looked for is not there to see (a managed control plane's Lease).
    NotVisible,
}

impl MissingEvidence {
    pub(crate) fn unread(read: &SourceRead, needed_for: &str) -> MissingEvidence {
        MissingEvidence {
            resource: read.resource.clone(),
            namespace: read.namespace.clone(),
            state: match read.state {
                ReadState::Forbidden => Gap::Forbidden,
                ReadState::Failed => Gap::Failed,
                _ => Gap::NotRead,
            },
            code: read.code,
            message: read.describe(),
            needed_for: needed_for.into(),
            check: read.check_command(),
        }
    }

    /// One line: what is missing and what it was needed for.
    pub fn describe(&self) -> String {
        format!("{} — needed {}", self.message, self.needed_for)
    }
}

impl ObjectRef {
    pub(crate) fn of(o: &StuckObject) -> ObjectRef {
        ObjectRef {
            kind: o.kind.clone(),
            group: o.group.clone(),
            resource: o.resource.clone(),
            namespace: o.namespace.clone(),
            name: o.name.clone(),
            terminating_seconds: o.terminating_seconds,
            notes: Vec::new(),
            usage: Usage::NotChecked,
        }
    }

    /// Whether this is the object `(resource, namespace, name)`.
    pub fn is(&self, resource: &str, namespace: Option<&str>, name: &str) -> bool {
        self.resource == resource && self.namespace.as_deref() == namespace && self.name == name
    }

    /// `kind.group/name`, what `clear` and kubectl accept.
    pub fn kubectl_name(&self) -> String {
        crate::model::kubectl_name(&self.kind, &self.group, &self.name)
    }

    pub fn display(&self) -> String {
        crate::model::object_title(
            &self.kind,
            &self.group,
            self.namespace.as_deref(),
            &self.name,
        )
    }
}

/// One finalizer on the objects of one resource type.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub finalizer: String,
    pub owner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Where the owner's name comes from: catalogue, rbac, api-group, name or unknown.
    pub attributed_by: AttributedBy,
    pub state: State,
    pub evidence: Vec<Evidence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleanup: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped_if_cleared: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<Risk>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blockers: Vec<String>,
    /// Evidence this verdict needed that could not be read: while any is listed,
    /// the state is never GONE and `clear` refuses without an explicit acknowledgement.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_evidence: Vec<MissingEvidence>,
    pub recommendation: Recommendation,
    pub objects: Vec<ObjectRef>,
}

/// A namespace stuck in Terminating and the chain that holds it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceReport {
    pub name: String,
    pub terminating_seconds: Option<u64>,
    pub conditions: Vec<crate::model::NamespaceCondition>,
    /// Objects still in the namespace, held by finalizers.
    pub blocking_objects: Vec<ObjectRef>,
    /// `name (reason: message)` of each APIService that is not Available.
    pub unavailable_api_services: Vec<String>,
    /// Resource types the namespace controller reports as remaining that the scan did not find.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unexplained: Vec<String>,
    pub recommendation: Recommendation,
}
