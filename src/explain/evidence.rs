//! The evidence snapshot: a fixed set of cluster-wide lists (metadata-only where
//! that is enough), read once per run, plus pods and EndpointSlices for the few
//! namespaces the candidates live in. The number of requests does not depend on
//! how many objects are stuck. Every list is recorded as read, forbidden or
//! failed, so that no verdict can rest on a list that was never read.

use crate::cluster::{list, Problem};
use futures::{stream, StreamExt};
use k8s_openapi::api::admissionregistration::v1::{
    MutatingWebhookConfiguration, ValidatingWebhookConfiguration,
};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject,
};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1::APIService;
use kube::api::ObjectMeta;
use kube::Client;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A controller candidate: one Deployment, StatefulSet or DaemonSet.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Workload {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub service_account: String,
    pub selector: BTreeMap<String, String>,
    pub desired: i32,
    pub ready: i32,
    /// The workload's own labels and annotations (Helm release, part-of, …).
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// Container images of its pod template.
    pub images: Vec<String>,
}

impl Workload {
    fn new(
        kind: &'static str,
        meta: ObjectMeta,
        template: k8s_openapi::api::core::v1::PodTemplateSpec,
        selector: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector,
        desired: i32,
        ready: i32,
    ) -> Workload {
        let images = template
            .spec
            .as_ref()
            .map(|p| {
                p.containers
                    .iter()
                    .filter_map(|c| c.image.clone())
                    .collect()
            })
            .unwrap_or_default();
        Workload {
            kind: kind.to_string(),
            namespace: meta.namespace.unwrap_or_default(),
            name: meta.name.unwrap_or_default(),
            service_account: template
                .spec
                .and_then(|p| p.service_account_name)
                .unwrap_or_else(|| "default".into()),
            selector: labels(selector.match_labels.as_ref()),
            desired,
            ready,
            labels: labels(meta.labels.as_ref()),
            annotations: labels(meta.annotations.as_ref()),
            images,
        }
    }

    pub fn reference(&self) -> String {
        format!("{}/{}", self.kind.to_lowercase(), self.name)
    }

    /// The Helm release that installed it (annotation, else the instance label).
    pub fn helm_release(&self) -> Option<&str> {
        self.annotations
            .get("meta.helm.sh/release-name")
            .or_else(|| self.labels.get("app.kubernetes.io/instance"))
            .map(String::as_str)
    }
}

/// A Role or ClusterRole's rules (namespace None for cluster roles).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RbacRole {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub rules: Vec<PolicyRule>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RbacBinding {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub role_kind: String,
    pub role_name: String,
    pub subjects: Vec<Subject>,
}

/// One webhook of a (Validating|Mutating)WebhookConfiguration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Webhook {
    pub configuration_kind: String,
    pub configuration: String,
    pub name: String,
    /// (apiGroups, resources, operations) of each rule.
    pub rules: Vec<(Vec<String>, Vec<String>, Vec<String>)>,
    pub service: Option<(String, String)>,
    pub fails_closed: bool,
}

impl Webhook {
    fn new(
        configuration_kind: &'static str,
        configuration: &str,
        name: String,
        rules: Option<Vec<k8s_openapi::api::admissionregistration::v1::RuleWithOperations>>,
        client: k8s_openapi::api::admissionregistration::v1::WebhookClientConfig,
        failure_policy: Option<&str>,
    ) -> Webhook {
        Webhook {
            configuration_kind: configuration_kind.to_string(),
            configuration: configuration.to_string(),
            name,
            rules: rules
                .unwrap_or_default()
                .into_iter()
                .map(|r| {
                    (
                        r.api_groups.unwrap_or_default(),
                        r.resources.unwrap_or_default(),
                        r.operations.unwrap_or_default(),
                    )
                })
                .collect(),
            service: client.service.map(|s| (s.namespace, s.name)),
            // failurePolicy defaults to Fail.
            fails_closed: failure_policy != Some("Ignore"),
        }
    }
}

/// Everything read as evidence; serializable, so that `scan --with-evidence` can
/// carry it to an offline `explain -f`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub crds: Vec<ObjectMeta>,
    pub workloads: Vec<Workload>,
    pub roles: Vec<RbacRole>,
    pub bindings: Vec<RbacBinding>,
    pub leases: Vec<Lease>,
    pub webhooks: Vec<Webhook>,
    pub apiservices: Vec<APIService>,
    pub pods: BTreeMap<String, Vec<Pod>>,
    /// Services (namespace, name) that have at least one ready endpoint.
    pub ready_services: BTreeSet<(String, String)>,
    /// Namespaces whose EndpointSlices were read.
    pub endpoint_namespaces: BTreeSet<String>,
    /// Every evidence list attempted, and how it went.
    pub reads: Vec<SourceRead>,
    pub problems: Vec<Problem>,
}

/// The evidence lists, by resource (`plural.group`).
pub const DEPLOYMENTS: &str = "deployments.apps";
pub const STATEFULSETS: &str = "statefulsets.apps";
pub const DAEMONSETS: &str = "daemonsets.apps";
pub const CLUSTER_ROLES: &str = "clusterroles.rbac.authorization.k8s.io";
pub const CLUSTER_ROLE_BINDINGS: &str = "clusterrolebindings.rbac.authorization.k8s.io";
pub const ROLES: &str = "roles.rbac.authorization.k8s.io";
pub const ROLE_BINDINGS: &str = "rolebindings.rbac.authorization.k8s.io";
pub const LEASES: &str = "leases.coordination.k8s.io";
pub const PODS: &str = "pods";
pub const PERSISTENT_VOLUMES: &str = "persistentvolumes";
pub const PERSISTENT_VOLUME_CLAIMS: &str = "persistentvolumeclaims";

/// What a GONE verdict rests on: no workload may exist that could be the owner,
/// and none may be allowed to update the resource.
pub const OWNER_SEARCH: [&str; 7] = [
    DEPLOYMENTS,
    STATEFULSETS,
    DAEMONSETS,
    CLUSTER_ROLES,
    CLUSTER_ROLE_BINDINGS,
    ROLES,
    ROLE_BINDINGS,
];

/// How reading one evidence list went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadState {
    Read,
    /// 401/403: the user may not read it.
    Forbidden,
    /// Any other error: 5xx, timeout, connection, unreadable answer.
    Failed,
    /// Not attempted (nothing asked for it before the verdict needed it).
    NotRead,
}

/// One evidence list: what, where, and how reading it went.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SourceRead {
    /// `plural.group`, or `plural` for the core group.
    pub resource: String,
    /// Absent: read across the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub state: ReadState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

impl SourceRead {
    pub fn of(resource: &str, namespace: Option<&str>, result: Result<(), &Problem>) -> SourceRead {
        let (state, code, message) = match result {
            Ok(()) => (ReadState::Read, None, String::new()),
            Err(p) if matches!(p.code, Some(401) | Some(403)) => {
                (ReadState::Forbidden, p.code, p.message.clone())
            }
            Err(p) => (ReadState::Failed, p.code, p.message.clone()),
        };
        SourceRead {
            resource: resource.into(),
            namespace: namespace.map(String::from),
            state,
            code,
            message,
        }
    }

    pub fn is_read(&self) -> bool {
        self.state == ReadState::Read
    }

    /// `kubectl auth can-i list <resource> -A|-n NS`: whether the user may read it.
    pub fn check_command(&self) -> String {
        let scope = match &self.namespace {
            Some(ns) => format!("-n {ns}"),
            None => "-A".into(),
        };
        format!("kubectl auth can-i list {} {scope}", self.resource)
    }

    /// `cannot list pods in namespace shop: 403 Forbidden — check: kubectl auth can-i …`
    pub fn describe(&self) -> String {
        let scope = match &self.namespace {
            Some(ns) => format!("in namespace {ns}"),
            None => "cluster-wide".into(),
        };
        let why = match (self.state, self.code) {
            (ReadState::Read, _) => return format!("{} {scope} was read", self.resource),
            (ReadState::NotRead, _) => "it was not read".to_string(),
            (ReadState::Forbidden, Some(c)) => format!("{c} Forbidden"),
            (ReadState::Forbidden, None) => "forbidden".to_string(),
            (ReadState::Failed, Some(c)) => format!("HTTP {c}: {}", self.message),
            (ReadState::Failed, None) => self.message.clone(),
        };
        format!(
            "cannot list {} {scope}: {why} (check: {})",
            self.resource,
            self.check_command()
        )
    }
}

/// Records how reading `resource` went; a failure also becomes a problem.
fn record<T>(
    reads: &mut Vec<SourceRead>,
    problems: &mut Vec<Problem>,
    resource: &str,
    namespace: Option<&str>,
    r: Result<Vec<T>, Problem>,
) -> Option<Vec<T>> {
    reads.push(SourceRead::of(resource, namespace, r.as_ref().map(|_| ())));
    match r {
        Ok(items) => Some(items),
        Err(p) => {
            problems.push(p);
            None
        }
    }
}

fn labels(m: Option<&BTreeMap<String, String>>) -> BTreeMap<String, String> {
    m.cloned().unwrap_or_default()
}

impl Snapshot {
    /// Reads the fixed cluster-wide lists (concurrently). Failures become problems.
    pub async fn load(client: &Client) -> Snapshot {
        let crds = list::all_metadata::<CustomResourceDefinition>(client);
        let (
            crds,
            deployments,
            statefulsets,
            daemonsets,
            cluster_roles,
            cluster_bindings,
            roles,
            bindings,
            leases,
            validating,
            mutating,
            apiservices,
        ) = futures::join!(
            crds,
            list::all::<Deployment>(client),
            list::all::<StatefulSet>(client),
            list::all::<DaemonSet>(client),
            list::all::<ClusterRole>(client),
            list::all::<ClusterRoleBinding>(client),
            list::all::<Role>(client),
            list::all::<RoleBinding>(client),
            list::all::<Lease>(client),
            list::all::<ValidatingWebhookConfiguration>(client),
            list::all::<MutatingWebhookConfiguration>(client),
            list::all::<APIService>(client),
        );
        let mut s = Snapshot::default();
        s.crds = s.keep("customresourcedefinitions.apiextensions.k8s.io", None, crds);
        // Deployments and StatefulSets: desired and ready replicas, same field names.
        macro_rules! replicated {
            ($kind:literal, $items:expr) => {
                for d in $items {
                    let (spec, status) = (d.spec.unwrap_or_default(), d.status.unwrap_or_default());
                    s.workloads.push(Workload::new(
                        $kind,
                        d.metadata,
                        spec.template,
                        &spec.selector,
                        spec.replicas.unwrap_or(1),
                        status.ready_replicas.unwrap_or(0),
                    ));
                }
            };
        }
        replicated!("Deployment", s.keep(DEPLOYMENTS, None, deployments));
        replicated!("StatefulSet", s.keep(STATEFULSETS, None, statefulsets));
        for d in s.keep(DAEMONSETS, None, daemonsets) {
            let (spec, status) = (d.spec.unwrap_or_default(), d.status.unwrap_or_default());
            let (desired, ready) = (status.desired_number_scheduled, status.number_ready);
            s.workloads.push(Workload::new(
                "DaemonSet",
                d.metadata,
                spec.template,
                &spec.selector,
                desired,
                ready,
            ));
        }
        for r in s.keep(CLUSTER_ROLES, None, cluster_roles) {
            s.roles.push(RbacRole {
                kind: "ClusterRole".into(),
                namespace: None,
                name: r.metadata.name.unwrap_or_default(),
                rules: r.rules.unwrap_or_default(),
            });
        }
        for r in s.keep(ROLES, None, roles) {
            s.roles.push(RbacRole {
                kind: "Role".into(),
                namespace: r.metadata.namespace,
                name: r.metadata.name.unwrap_or_default(),
                rules: r.rules.unwrap_or_default(),
            });
        }
        for b in s.keep(CLUSTER_ROLE_BINDINGS, None, cluster_bindings) {
            s.bindings.push(RbacBinding {
                kind: "ClusterRoleBinding".into(),
                namespace: None,
                name: b.metadata.name.unwrap_or_default(),
                role_kind: b.role_ref.kind,
                role_name: b.role_ref.name,
                subjects: b.subjects.unwrap_or_default(),
            });
        }
        for b in s.keep(ROLE_BINDINGS, None, bindings) {
            s.bindings.push(RbacBinding {
                kind: "RoleBinding".into(),
                namespace: b.metadata.namespace,
                name: b.metadata.name.unwrap_or_default(),
                role_kind: b.role_ref.kind,
                role_name: b.role_ref.name,
                subjects: b.subjects.unwrap_or_default(),
            });
        }
        s.leases = s.keep(LEASES, None, leases);
        for c in s.keep(
            "validatingwebhookconfigurations.admissionregistration.k8s.io",
            None,
            validating,
        ) {
            let name = c.metadata.name.unwrap_or_default();
            for w in c.webhooks.unwrap_or_default() {
                let policy = w.failure_policy.as_deref();
                s.webhooks.push(Webhook::new(
                    "ValidatingWebhookConfiguration",
                    &name,
                    w.name,
                    w.rules,
                    w.client_config,
                    policy,
                ));
            }
        }
        for c in s.keep(
            "mutatingwebhookconfigurations.admissionregistration.k8s.io",
            None,
            mutating,
        ) {
            let name = c.metadata.name.unwrap_or_default();
            for w in c.webhooks.unwrap_or_default() {
                let policy = w.failure_policy.as_deref();
                s.webhooks.push(Webhook::new(
                    "MutatingWebhookConfiguration",
                    &name,
                    w.name,
                    w.rules,
                    w.client_config,
                    policy,
                ));
            }
        }
        s.apiservices = s.keep("apiservices.apiregistration.k8s.io", None, apiservices);
        s
    }

    /// Reads pods and EndpointSlices of the namespaces the analysis needs.
    pub async fn load_namespaces(
        &mut self,
        client: &Client,
        pod_namespaces: BTreeSet<String>,
        endpoint_namespaces: BTreeSet<String>,
        concurrency: usize,
    ) {
        let pods: Vec<(String, Result<Vec<Pod>, Problem>)> = stream::iter(pod_namespaces)
            .map(|ns| async move {
                let r = list::in_namespace::<Pod>(client, &ns).await;
                (ns, r)
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        for (ns, r) in pods {
            // Only a list that was read says which pods exist; a failed one says nothing.
            if let Some(list) = record(&mut self.reads, &mut self.problems, PODS, Some(&ns), r) {
                self.pods.insert(ns, list);
            }
        }
        let slices: Vec<(String, Result<Vec<EndpointSlice>, Problem>)> =
            stream::iter(endpoint_namespaces)
                .map(|ns| async move {
                    let r = list::in_namespace::<EndpointSlice>(client, &ns).await;
                    (ns, r)
                })
                .buffer_unordered(concurrency)
                .collect()
                .await;
        for (ns, r) in slices {
            let ok = r.is_ok();
            let slices = self.keep("endpointslices.discovery.k8s.io", Some(&ns), r);
            for slice in slices {
                let service = slice
                    .metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get("kubernetes.io/service-name"))
                    .cloned();
                let ready = slice
                    .endpoints
                    .iter()
                    .any(|e| e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true));
                if let (Some(service), true) = (service, ready) {
                    self.ready_services.insert((ns.clone(), service));
                }
            }
            if ok {
                self.endpoint_namespaces.insert(ns);
            }
        }
    }

    /// Records how reading `resource` went; the items, or none if it failed.
    pub fn keep<T>(
        &mut self,
        resource: &str,
        namespace: Option<&str>,
        r: Result<Vec<T>, Problem>,
    ) -> Vec<T> {
        record(&mut self.reads, &mut self.problems, resource, namespace, r).unwrap_or_default()
    }

    /// How reading `resource` (in `namespace`, or cluster-wide) went; `NotRead`
    /// when it was never attempted.
    pub fn read_of(&self, resource: &str, namespace: Option<&str>) -> SourceRead {
        self.reads
            .iter()
            .find(|r| r.resource == resource && r.namespace.as_deref() == namespace)
            .cloned()
            .unwrap_or_else(|| SourceRead {
                resource: resource.into(),
                namespace: namespace.map(String::from),
                state: ReadState::NotRead,
                code: None,
                message: String::new(),
            })
    }

    /// Those of `resources` (in `namespace`) that were not read.
    pub fn unread(&self, resources: &[&str], namespace: Option<&str>) -> Vec<SourceRead> {
        resources
            .iter()
            .map(|r| self.read_of(r, namespace))
            .filter(|r| !r.is_read())
            .collect()
    }

    /// Pods of `workload`, by its selector's labels.
    pub fn pods_of(&self, w: &Workload) -> Vec<&Pod> {
        self.pods
            .get(&w.namespace)
            .into_iter()
            .flatten()
            .filter(|p| {
                !w.selector.is_empty()
                    && w.selector
                        .iter()
                        .all(|(k, v)| p.metadata.labels.as_ref().and_then(|l| l.get(k)) == Some(v))
            })
            .collect()
    }
}
