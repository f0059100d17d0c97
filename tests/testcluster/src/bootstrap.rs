//! What every test cluster holds before a scenario is loaded: the built-in
//! namespaces, the part of kube-apiserver's RBAC bootstrap policy that clients
//! depend on, and the control-plane objects of the chosen profile
//! (apiserver-semantics-2.md Appendix A).

use crate::object;
use crate::store::Store;
use serde_json::json;

/// How the control plane shows itself to the cluster's users.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ControlPlane {
    /// kubeadm-style: static pods in `kube-system` and leader-election leases
    /// held by the control-plane node.
    #[default]
    SelfHosted,
    /// A provider runs the control plane out of sight (EKS, GKE): no pods; on
    /// EKS the leases stay visible, held by machines that are not Nodes.
    Managed { leases: bool },
}

impl ControlPlane {
    fn has_leases(self) -> bool {
        !matches!(self, ControlPlane::Managed { leases: false })
    }
}

/// The leader-election leases the control plane renews.
const LEASES: &[&str] = &["kube-controller-manager", "kube-scheduler"];

/// Built-in objects as a scenario (multi-document YAML).
pub fn objects(control_plane: ControlPlane) -> String {
    let mut out = String::from(NAMESPACES);
    out.push_str(RBAC_DEFAULTS);
    let holders: [&str; 2] = match control_plane {
        ControlPlane::SelfHosted => [
            "control-plane-1_7c9e1f0a-2b3d-4e5f-8a9b-0c1d2e3f4a5b",
            "control-plane-1_2f6d8b1c-5a4e-4c3b-9d2a-7e1f0c9b8a76",
        ],
        ControlPlane::Managed { .. } => [
            "ip-10-0-57-94.ec2.internal_5d1c7e2a-8f3b-4a6d-b9e0-1c2d3e4f5a6b",
            "ip-10-0-38-14.ec2.internal_a3b4c5d6-e7f8-4a9b-8c0d-1e2f3a4b5c6d",
        ],
    };
    if control_plane.has_leases() {
        for (name, holder) in LEASES.iter().zip(holders) {
            out.push_str(&format!(
                "---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {{name: {name}, namespace: kube-system, annotations: {{testcluster.local/age: 90d, testcluster.local/renewed-ago: 1s}}}}
spec: {{holderIdentity: {holder}, leaseDurationSeconds: 15, leaseTransitions: 2}}
"
            ));
        }
    }
    if control_plane == ControlPlane::SelfHosted {
        for component in [
            "etcd",
            "kube-apiserver",
            "kube-controller-manager",
            "kube-scheduler",
        ] {
            out.push_str(&static_pod(component));
        }
    }
    out
}

/// A kubeadm static pod as its mirror pod appears through the API.
fn static_pod(component: &str) -> String {
    let image = match component {
        "etcd" => "registry.k8s.io/etcd:3.5.15-0".to_string(),
        c => format!("registry.k8s.io/{c}:v1.31.0"),
    };
    let started = object::format_time(object::now() - jiff::SignedDuration::from_hours(90 * 24));
    // The config hash is the static manifest's; any stable hex string looks right.
    let fnv = component.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let hash = format!("{fnv:016x}{:016x}", fnv.rotate_left(17));
    format!(
        "---
apiVersion: v1
kind: Pod
metadata:
  name: {component}-control-plane-1
  namespace: kube-system
  labels: {{component: {component}, tier: control-plane}}
  annotations:
    testcluster.local/age: 90d
    kubernetes.io/config.hash: {hash}
    kubernetes.io/config.mirror: {hash}
    kubernetes.io/config.seen: \"{started}\"
    kubernetes.io/config.source: file
spec:
  nodeName: control-plane-1
  hostNetwork: true
  priorityClassName: system-node-critical
  priority: 2000001000
  containers: [{{name: {component}, image: \"{image}\", command: [{component}]}}]
status:
  phase: Running
  hostIP: 10.0.0.10
  podIP: 10.0.0.10
  conditions: [{{type: Initialized, status: \"True\"}}, {{type: Ready, status: \"True\"}}, {{type: ContainersReady, status: \"True\"}}, {{type: PodScheduled, status: \"True\"}}]
  containerStatuses: [{{name: {component}, ready: true, started: true, restartCount: 0, image: \"{image}\", imageID: \"\", state: {{running: {{startedAt: \"{started}\"}}}}}}]
"
    )
}

/// Renews the profile's leases, as a running kube-controller-manager and
/// kube-scheduler do every couple of seconds.
pub fn renew_leases(store: &mut Store, control_plane: ControlPlane) {
    if !control_plane.has_leases() {
        return;
    }
    let now = json!(object::format_micro_time(object::now()));
    for name in LEASES {
        let key = (
            "coordination.k8s.io".to_string(),
            "leases".to_string(),
            "kube-system".to_string(),
            name.to_string(),
        );
        if let Some(lease) = store.objects.get_mut(&key) {
            lease["spec"]["renewTime"] = now.clone();
        }
    }
}

/// Marks the bootstrap policy; a scenario that defines one of these objects replaces it.
pub const BOOTSTRAPPING_LABEL: &str = "kubernetes.io/bootstrapping";

const NAMESPACES: &str = "
apiVersion: v1
kind: Namespace
metadata: {name: default, annotations: {testcluster.local/age: 90d}}
---
apiVersion: v1
kind: Namespace
metadata: {name: kube-system, annotations: {testcluster.local/age: 90d}}
---
apiVersion: v1
kind: Namespace
metadata: {name: kube-public, annotations: {testcluster.local/age: 90d}}
---
apiVersion: v1
kind: Namespace
metadata: {name: kube-node-lease, annotations: {testcluster.local/age: 90d}}
";

/// From `plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go`: full power
/// for `system:masters`, discovery and self-reviews for every authenticated user.
const RBAC_DEFAULTS: &str = "---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: cluster-admin
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
  annotations: {rbac.authorization.kubernetes.io/autoupdate: \"true\", testcluster.local/age: 90d}
rules:
- {apiGroups: [\"*\"], resources: [\"*\"], verbs: [\"*\"]}
- {nonResourceURLs: [\"*\"], verbs: [\"*\"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: cluster-admin
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
  annotations: {rbac.authorization.kubernetes.io/autoupdate: \"true\", testcluster.local/age: 90d}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: \"system:masters\"}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:discovery
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
  annotations: {rbac.authorization.kubernetes.io/autoupdate: \"true\", testcluster.local/age: 90d}
rules:
- nonResourceURLs: [/api, /api/*, /apis, /apis/*, /healthz, /livez, /openapi, /openapi/*, /readyz, /version, /version/]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: system:discovery
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
  annotations: {rbac.authorization.kubernetes.io/autoupdate: \"true\", testcluster.local/age: 90d}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: \"system:discovery\"}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: \"system:authenticated\"}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:basic-user
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
  annotations: {rbac.authorization.kubernetes.io/autoupdate: \"true\", testcluster.local/age: 90d}
rules:
- {apiGroups: [authorization.k8s.io], resources: [selfsubjectaccessreviews, selfsubjectrulesreviews], verbs: [create]}
- {apiGroups: [authentication.k8s.io], resources: [selfsubjectreviews], verbs: [create]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: system:basic-user
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
  annotations: {rbac.authorization.kubernetes.io/autoupdate: \"true\", testcluster.local/age: 90d}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: \"system:basic-user\"}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: \"system:authenticated\"}]
";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario;

    fn store(cp: ControlPlane) -> Store {
        let mut s = Store::new();
        scenario::load(&mut s, &objects(cp)).unwrap();
        s
    }

    fn names(s: &Store, plural: &str) -> Vec<String> {
        s.objects
            .keys()
            .filter(|(_, p, ns, _)| p == plural && ns == "kube-system")
            .map(|(_, _, _, n)| n.clone())
            .collect()
    }

    #[test]
    fn profiles_show_what_their_provider_shows() {
        let own = store(ControlPlane::SelfHosted);
        assert_eq!(names(&own, "leases"), LEASES);
        assert_eq!(
            names(&own, "pods"),
            [
                "etcd-control-plane-1",
                "kube-apiserver-control-plane-1",
                "kube-controller-manager-control-plane-1",
                "kube-scheduler-control-plane-1"
            ]
        );
        let pod = &own.objects[&(
            String::new(),
            "pods".to_string(),
            "kube-system".to_string(),
            "kube-scheduler-control-plane-1".to_string(),
        )];
        assert_eq!(pod["metadata"]["labels"]["tier"], "control-plane");
        assert_eq!(pod["status"]["containerStatuses"][0]["ready"], true);

        let eks = store(ControlPlane::Managed { leases: true });
        assert!(names(&eks, "pods").is_empty());
        assert_eq!(names(&eks, "leases"), LEASES);
        let lease = &eks.objects[&(
            "coordination.k8s.io".to_string(),
            "leases".to_string(),
            "kube-system".to_string(),
            "kube-controller-manager".to_string(),
        )];
        assert!(lease["spec"]["holderIdentity"]
            .as_str()
            .unwrap()
            .starts_with("ip-10-0-57-94.ec2.internal_"));

        let hidden = store(ControlPlane::Managed { leases: false });
        assert!(names(&hidden, "pods").is_empty() && names(&hidden, "leases").is_empty());
    }
}
