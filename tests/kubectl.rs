//! Fidelity evidence: the real kubectl gets, lists, patches and deletes objects on
//! the test cluster and sees what a real cluster would show. Skipped only where
//! kubectl is absent and `CI` is unset.

mod support;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use support::{kubectl, run, Env, Run};
use testcluster::{ControlPlane, Fault, FaultAction, Options};

fn kubectl_at(env: &Env, binary: &std::path::Path, args: &[&str]) -> Run {
    support::run_kubectl(env, binary, args, None)
}

fn kubectl_stdin(env: &Env, binary: &std::path::Path, args: &[&str], input: &str) -> Run {
    support::run_kubectl(env, binary, args, Some(input))
}

#[test]
fn kubectl_sees_terminating_namespaces_and_custom_resources() {
    let Some(k) = kubectl() else { return };
    let env = Env::new(&["logging-operator", "pvc-protection"]);
    let ns = kubectl_at(&env, &k, &["get", "namespaces"]);
    assert_eq!(ns.code, 0, "{ns:?}");
    let logging = ns
        .stdout
        .lines()
        .find(|l| l.starts_with("logging "))
        .expect("logging listed");
    assert!(logging.contains("Terminating"), "{ns:?}");

    let cr = kubectl_at(
        &env,
        &k,
        &[
            "get",
            "syslogngconfigs.logging.banzaicloud.io",
            "-n",
            "logging",
            "cluster-syslog",
            "-o",
            "jsonpath={.metadata.finalizers[0]} {.metadata.deletionTimestamp}",
        ],
    );
    assert_eq!(cr.code, 0, "{cr:?}");
    assert!(
        cr.stdout
            .starts_with("syslogngconfig.logging.banzaicloud.io/finalizer 20"),
        "{cr:?}"
    );

    let cluster_scoped = kubectl_at(&env, &k, &["get", "loggings", "-o", "name"]);
    assert_eq!(
        cluster_scoped.stdout, "logging.logging.banzaicloud.io/cluster-logging\n",
        "{cluster_scoped:?}"
    );

    let resources = kubectl_at(
        &env,
        &k,
        &[
            "api-resources",
            "--api-group",
            "logging.banzaicloud.io",
            "-o",
            "name",
        ],
    );
    assert_eq!(
        resources.stdout,
        "loggings.logging.banzaicloud.io\nsyslogngconfigs.logging.banzaicloud.io\n",
        "{resources:?}"
    );

    let conditions = kubectl_at(
        &env,
        &k,
        &[
            "get",
            "ns",
            "logging",
            "-o",
            "jsonpath={.status.conditions[?(@.type==\"NamespaceFinalizersRemaining\")].message}",
        ],
    );
    assert_eq!(conditions.stdout, "Some content in the namespace has finalizers remaining: syslogngconfig.logging.banzaicloud.io/finalizer in 1 resource instances");

    // The plugin and kubectl agree on what is stuck.
    let plugin = env.run(&["scan", "-o", "name", "-n", "shop"]);
    let by_kubectl = kubectl_at(&env, &k, &["get", "pvc", "-n", "shop", "-o", "name"]);
    assert_eq!(plugin.stdout, by_kubectl.stdout);
}

#[test]
fn kubectl_delete_and_patch_follow_the_finalizer_rules() {
    let Some(k) = kubectl() else { return };
    let env = Env::new(&["pvc-protection"]);
    let create = kubectl_at(
        &env,
        &k,
        &[
            "create",
            "configmap",
            "cfg",
            "-n",
            "shop",
            "--from-literal=a=b",
        ],
    );
    assert_eq!(create.code, 0, "{create:?}");
    let add = kubectl_at(
        &env,
        &k,
        &[
            "patch",
            "configmap",
            "cfg",
            "-n",
            "shop",
            "-p",
            r#"{"metadata":{"finalizers":["example.com/hold"]}}"#,
        ],
    );
    assert_eq!(add.stdout, "configmap/cfg patched\n", "{add:?}");

    // DELETE with a finalizer only marks the object.
    let delete = kubectl_at(
        &env,
        &k,
        &["delete", "configmap", "cfg", "-n", "shop", "--wait=false"],
    );
    assert_eq!(delete.code, 0, "{delete:?}");
    let marked = kubectl_at(
        &env,
        &k,
        &[
            "get",
            "configmap",
            "cfg",
            "-n",
            "shop",
            "-o",
            "jsonpath={.metadata.deletionTimestamp}|{.metadata.deletionGracePeriodSeconds}",
        ],
    );
    assert!(marked.stdout.ends_with("Z|0"), "{marked:?}");

    // No new finalizers on a terminating object: the API server's exact refusal.
    let refused = kubectl_at(
        &env,
        &k,
        &[
            "patch",
            "configmap",
            "cfg",
            "-n",
            "shop",
            "--type=merge",
            "-p",
            r#"{"metadata":{"finalizers":["example.com/hold","example.com/new"]}}"#,
        ],
    );
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains(r#"metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/new"}"#), "{refused:?}");

    // A guarded JSON patch whose test fails changes nothing.
    let stale = kubectl_at(
        &env,
        &k,
        &[
            "patch",
            "configmap",
            "cfg",
            "-n",
            "shop",
            "--type=json",
            "-p",
            r#"[{"op":"test","path":"/metadata/finalizers/0","value":"example.com/other"},{"op":"remove","path":"/metadata/finalizers/0"}]"#,
        ],
    );
    assert_eq!(stale.code, 1);
    assert!(
        stale
            .stderr
            .contains("the server rejected our request due to an error in our request"),
        "{stale:?}"
    );

    // Removing the last finalizer deletes the object.
    let remove = kubectl_at(
        &env,
        &k,
        &[
            "patch",
            "configmap",
            "cfg",
            "-n",
            "shop",
            "--type=json",
            "-p",
            r#"[{"op":"test","path":"/metadata/finalizers/0","value":"example.com/hold"},{"op":"remove","path":"/metadata/finalizers/0"}]"#,
        ],
    );
    assert_eq!(remove.code, 0, "{remove:?}");
    let gone = kubectl_at(&env, &k, &["get", "configmap", "cfg", "-n", "shop"]);
    assert_eq!(
        gone.stderr,
        "Error from server (NotFound): configmaps \"cfg\" not found\n"
    );

    // Strategic merge (kubectl's default for built-ins) merges finalizer lists.
    kubectl_at(&env, &k, &["create", "configmap", "cfg2", "-n", "shop"]);
    kubectl_at(
        &env,
        &k,
        &[
            "patch",
            "configmap",
            "cfg2",
            "-n",
            "shop",
            "-p",
            r#"{"metadata":{"finalizers":["a.example.com/x"]}}"#,
        ],
    );
    kubectl_at(
        &env,
        &k,
        &[
            "patch",
            "configmap",
            "cfg2",
            "-n",
            "shop",
            "-p",
            r#"{"metadata":{"finalizers":["b.example.com/y"]}}"#,
        ],
    );
    let merged = kubectl_at(
        &env,
        &k,
        &[
            "get",
            "configmap",
            "cfg2",
            "-n",
            "shop",
            "-o",
            "jsonpath={.metadata.finalizers}",
        ],
    );
    assert_eq!(merged.stdout, r#"["a.example.com/x","b.example.com/y"]"#);

    // A PVC deletion without --wait returns at once; the PVC stays, protected.
    let pvc = kubectl_at(
        &env,
        &k,
        &[
            "delete",
            "pvc",
            "data-postgres-0",
            "-n",
            "shop",
            "--wait=false",
        ],
    );
    assert_eq!(pvc.code, 0, "{pvc:?}");
    assert!(env
        .cluster
        .object("", "persistentvolumeclaims", "shop", "data-postgres-0")
        .is_some());
}

#[test]
fn kubectl_sees_namespace_lifecycle_and_the_finalize_subresource() {
    let Some(k) = kubectl() else { return };
    let env = Env::new(&["logging-operator"]);
    let refused = kubectl_at(&env, &k, &["create", "configmap", "x", "-n", "logging"]);
    assert!(refused.stderr.contains("configmaps \"x\" is forbidden: unable to create new content in namespace logging because it is being terminated"), "{refused:?}");
    let protected = kubectl_at(&env, &k, &["delete", "namespace", "kube-system"]);
    assert!(
        protected
            .stderr
            .contains("namespaces \"kube-system\" is forbidden: this namespace may not be deleted"),
        "{protected:?}"
    );

    // The blog-post fix, through kubectl: PUT /finalize with spec.finalizers emptied.
    let body = r#"{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"logging"},"spec":{"finalizers":[]}}"#;
    let finalize = kubectl_stdin(
        &env,
        &k,
        &[
            "replace",
            "--raw",
            "/api/v1/namespaces/logging/finalize",
            "-f",
            "-",
        ],
        body,
    );
    assert_eq!(finalize.code, 0, "{finalize:?}");
    // The namespace still holds a custom resource with a finalizer, so the API
    // removed it only because spec.finalizers was emptied; the CR is orphaned.
    let gone = kubectl_at(&env, &k, &["get", "namespace", "logging"]);
    assert_eq!(
        gone.stderr, "Error from server (NotFound): namespaces \"logging\" not found\n",
        "{gone:?}"
    );

    // A new namespace deleted with content is finalized by the namespace controller.
    kubectl_at(&env, &k, &["create", "namespace", "scratch"]);
    kubectl_at(&env, &k, &["create", "configmap", "c", "-n", "scratch"]);
    let delete = kubectl_at(
        &env,
        &k,
        &["delete", "namespace", "scratch", "--wait=false"],
    );
    assert_eq!(delete.code, 0, "{delete:?}");
    let after = kubectl_at(&env, &k, &["get", "namespace", "scratch"]);
    assert!(after.stderr.contains("not found"), "{after:?}");
}

#[test]
fn kubectl_reports_the_unavailable_aggregated_api() {
    let Some(k) = kubectl() else { return };
    let env = Env::new(&["metrics-apiservice"]);
    let raw = kubectl_at(&env, &k, &["get", "--raw", "/apis/metrics.k8s.io/v1beta1"]);
    assert_eq!(raw.code, 1);
    assert!(
        raw.stderr
            .contains("the server is currently unable to handle the request"),
        "{raw:?}"
    );
    let cond = kubectl_at(
        &env,
        &k,
        &[
            "get",
            "apiservice",
            "v1beta1.metrics.k8s.io",
            "-o",
            "jsonpath={.status.conditions[0].reason}",
        ],
    );
    assert_eq!(cond.stdout, "MissingEndpoints");
    let ns = kubectl_at(
        &env,
        &k,
        &[
            "get",
            "ns",
            "team-old",
            "-o",
            "jsonpath={.status.conditions[0].message}",
        ],
    );
    assert_eq!(ns.stdout, "Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1");
}

#[test]
fn older_kubectl_minors_agree() {
    let Some(k) = kubectl() else { return };
    let env = Env::new(&["pvc-protection"]);
    let dir = k.parent().unwrap().to_path_buf();
    let mut tried = 0;
    for minor in 27..=33 {
        let old = dir.join(format!("kubectl.1.{minor}"));
        if !old.is_file() {
            continue;
        }
        tried += 1;
        let got = kubectl_at(
            &env,
            &old,
            &[
                "get",
                "pvc",
                "-n",
                "shop",
                "-o",
                "jsonpath={.items[0].metadata.finalizers[0]}",
            ],
        );
        assert_eq!(
            got.stdout, "kubernetes.io/pvc-protection",
            "kubectl 1.{minor}: {got:?}"
        );
        let listed = kubectl_at(&env, &old, &["get", "pv"]);
        assert!(
            listed.stdout.contains("pvc-5b0e7c4e"),
            "kubectl 1.{minor}: {listed:?}"
        );
    }
    eprintln!("checked {tried} older kubectl minor versions");
}

/// A PATH with only the plugin, its completion helper and kubectl's own directory.
fn plugin_path(env: &Env, kubectl: &std::path::Path) -> std::ffi::OsString {
    let bin = env.dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(
        env!("CARGO_BIN_EXE_kubectl-finalizers"),
        bin.join("kubectl-finalizers"),
    )
    .unwrap();
    let helper = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("completions/kubectl_complete-finalizers");
    std::fs::copy(helper, bin.join("kubectl_complete-finalizers")).unwrap();
    std::env::join_paths([
        bin.as_path(),
        kubectl.parent().unwrap(),
        std::path::Path::new("/usr/bin"),
        std::path::Path::new("/bin"),
    ])
    .unwrap()
}

fn kubectl_with_plugin(env: &Env, k: &PathBuf, path: &std::ffi::OsString, args: &[&str]) -> Run {
    run(Command::new(k)
        .env("PATH", path)
        .env("KUBECONFIG", &env.kubeconfig)
        .env("HOME", env.dir.path())
        .env("NO_COLOR", "1")
        .args(args)
        .stdin(Stdio::null()))
}

#[test]
fn kubectl_finds_runs_and_completes_the_plugin() {
    let Some(k) = kubectl() else { return };
    let env = Env::new(&["logging-operator"]);
    let path = plugin_path(&env, &k);

    let list = kubectl_with_plugin(&env, &k, &path, &["plugin", "list"]);
    assert_eq!(list.code, 0, "{list:?}");
    assert!(list.stdout.contains("/bin/kubectl-finalizers"), "{list:?}");
    assert!(!list.stderr.contains("warning"), "{list:?}");

    let scan = kubectl_with_plugin(&env, &k, &path, &["finalizers", "scan", "-o", "name"]);
    assert_eq!(scan.code, 0, "{scan:?}");
    assert_eq!(scan.stdout, "namespace/logging\nlogging.logging.banzaicloud.io/cluster-logging\nsyslogngconfig.logging.banzaicloud.io/cluster-syslog\n");

    let commands = kubectl_with_plugin(&env, &k, &path, &["__complete", "finalizers", ""]);
    let lines: Vec<&str> = commands.stdout.lines().collect();
    assert!(
        lines.iter().any(|l| l.starts_with("scan\t"))
            && lines.iter().any(|l| l.starts_with("clear\t")),
        "{commands:?}"
    );
    assert_eq!(lines.last(), Some(&":4"), "{commands:?}");

    let namespaces = kubectl_with_plugin(
        &env,
        &k,
        &path,
        &["__complete", "finalizers", "scan", "-n", "lo"],
    );
    assert_eq!(
        namespaces.stdout.lines().next(),
        Some("logging"),
        "{namespaces:?}"
    );

    let types = kubectl_with_plugin(
        &env,
        &k,
        &path,
        &["__complete", "finalizers", "explain", "syslogngconfigs"],
    );
    assert!(
        types
            .stdout
            .starts_with("syslogngconfigs.logging.banzaicloud.io/\n"),
        "{types:?}"
    );

    let names = kubectl_with_plugin(
        &env,
        &k,
        &path,
        &[
            "__complete",
            "finalizers",
            "clear",
            "-n",
            "logging",
            "syslogngconfigs.logging.banzaicloud.io/",
        ],
    );
    assert!(
        names
            .stdout
            .starts_with("syslogngconfigs.logging.banzaicloud.io/cluster-syslog\tterminating\n"),
        "{names:?}"
    );
}

/// A RoleBinding of the built-in-like `pod-reader` ClusterRole for `user` in `ns`.
fn pod_reader(user: &str, ns: &str) -> String {
    format!(
        "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: pod-reader-{user}}}
rules: [{{apiGroups: [''], resources: [pods], verbs: [get, list, watch]}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: {user}-reads-pods, namespace: {ns}}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader-{user}}}
subjects: [{{kind: User, name: {user}}}]
"
    )
}

#[test]
fn kubectl_is_refused_exactly_as_rbac_refuses() {
    let Some(k) = kubectl() else { return };
    let env = Env::new(&["pvc-protection"]);
    env.cluster.add_user("jane", "jane-token");
    env.cluster.add_user("bob", "bob-token");
    env.cluster.load(&pod_reader("bob", "shop")).unwrap();
    env.write_kubeconfig();

    let unbound = kubectl_at(
        &env,
        &k,
        &["get", "pods", "-A", "--context", "testcluster-jane"],
    );
    assert_eq!(unbound.code, 1, "{unbound:?}");
    assert_eq!(
        unbound.stderr,
        "Error from server (Forbidden): pods is forbidden: User \"jane\" cannot list resource \"pods\" in API group \"\" at the cluster scope\n"
    );

    let in_shop = kubectl_at(
        &env,
        &k,
        &[
            "get",
            "pods",
            "-n",
            "shop",
            "-o",
            "name",
            "--context",
            "testcluster-bob",
        ],
    );
    assert_eq!(in_shop.stdout, "pod/postgres-0\n", "{in_shop:?}");
    let everywhere = kubectl_at(
        &env,
        &k,
        &["get", "pods", "-A", "--context", "testcluster-bob"],
    );
    assert_eq!(
        everywhere.stderr,
        "Error from server (Forbidden): pods is forbidden: User \"bob\" cannot list resource \"pods\" in API group \"\" at the cluster scope\n"
    );
    let elsewhere = kubectl_at(
        &env,
        &k,
        &[
            "get",
            "pod",
            "x",
            "-n",
            "default",
            "--context",
            "testcluster-bob",
        ],
    );
    assert_eq!(
        elsewhere.stderr,
        "Error from server (Forbidden): pods \"x\" is forbidden: User \"bob\" cannot get resource \"pods\" in API group \"\" in the namespace \"default\"\n"
    );
}

#[test]
fn kubectl_impersonates_and_asks_can_i() {
    let Some(k) = kubectl() else { return };
    let env = Env::new(&["pvc-protection"]);
    env.cluster.add_user("jane", "jane-token");
    env.write_kubeconfig();

    // admin (system:masters) may impersonate; jane's answers are jane's rights.
    let can_i = |args: &[&str]| {
        let mut all = vec!["auth", "can-i"];
        all.extend_from_slice(args);
        kubectl_at(&env, &k, &all)
    };
    let no = can_i(&["list", "pods", "--as", "jane"]);
    assert_eq!((no.code, no.stdout.as_str()), (1, "no\n"), "{no:?}");
    env.cluster.load(&pod_reader("jane", "default")).unwrap();
    let yes = can_i(&["list", "pods", "--as", "jane"]);
    assert_eq!((yes.code, yes.stdout.as_str()), (0, "yes\n"), "{yes:?}");
    let not_everywhere = can_i(&["list", "pods", "-A", "--as", "jane"]);
    assert_eq!(not_everywhere.stdout, "no\n", "{not_everywhere:?}");
    let review = env
        .cluster
        .requests()
        .into_iter()
        .rfind(|r| r.path.ends_with("/selfsubjectaccessreviews"))
        .expect("kubectl asked the API");
    assert_eq!(
        (review.user.as_str(), review.authenticated_user.as_str()),
        ("jane", "admin")
    );

    // jane may not impersonate anyone: every request is refused, discovery first.
    let refused = kubectl_at(
        &env,
        &k,
        &[
            "get",
            "pods",
            "--as",
            "someone",
            "--context",
            "testcluster-jane",
        ],
    );
    assert_eq!(refused.code, 1, "{refused:?}");
    assert_eq!(
        refused.stderr,
        "Error from server (Forbidden): users \"someone\" is forbidden: User \"jane\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope\n"
    );
}

#[test]
fn kubectl_finds_a_type_served_only_at_an_older_version() {
    let Some(k) = kubectl() else { return };
    let env = Env::new(&["prometheus-operator"]);
    let old = k.with_file_name("kubectl.1.28");
    // kubectl 1.28 asks for aggregated discovery in its v2beta1 form.
    let binaries: Vec<&std::path::Path> = [k.as_path(), old.as_path()]
        .into_iter()
        .filter(|b| b.is_file())
        .collect();
    for b in binaries {
        let resources = kubectl_at(
            &env,
            b,
            &["api-resources", "--api-group", "monitoring.coreos.com"],
        );
        let lines: Vec<Vec<&str>> = resources
            .stdout
            .lines()
            .map(|l| l.split_whitespace().collect())
            .collect();
        assert_eq!(
            lines,
            [
                vec!["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"],
                vec![
                    "alertmanagerconfigs",
                    "amcfg",
                    "monitoring.coreos.com/v1alpha1",
                    "true",
                    "AlertmanagerConfig"
                ],
                vec![
                    "alertmanagers",
                    "am",
                    "monitoring.coreos.com/v1",
                    "true",
                    "Alertmanager"
                ],
                vec![
                    "prometheuses",
                    "prom",
                    "monitoring.coreos.com/v1",
                    "true",
                    "Prometheus"
                ],
            ],
            "{}: {resources:?}",
            b.display()
        );
        let stuck = kubectl_at(&env, b, &["get", "alertmanagerconfigs", "-A", "-o", "custom-columns=NS:.metadata.namespace,NAME:.metadata.name,FINALIZERS:.metadata.finalizers[*],DELETING:.metadata.deletionTimestamp"]);
        let rows = support::rows(&stuck.stdout);
        assert_eq!(rows.len(), 1, "{}: {stuck:?}", b.display());
        assert_eq!(
            rows[0][..3],
            [
                "monitoring",
                "team-alerts",
                "monitoring.coreos.com/status-cleanup"
            ],
            "{stuck:?}"
        );
        assert!(rows[0][3].ends_with('Z'), "{stuck:?}");
    }
}

#[test]
fn kubectl_sees_the_control_plane_its_provider_shows() {
    let Some(k) = kubectl() else { return };
    let own = Env::new(&[]);
    let pods = kubectl_at(
        &own,
        &k,
        &[
            "get",
            "pods",
            "-n",
            "kube-system",
            "-l",
            "tier=control-plane",
            "-o",
            "name",
        ],
    );
    assert_eq!(
        pods.stdout,
        "pod/etcd-control-plane-1\npod/kube-apiserver-control-plane-1\npod/kube-controller-manager-control-plane-1\npod/kube-scheduler-control-plane-1\n",
        "{pods:?}"
    );

    let eks = Env::with_options(
        &[],
        Options {
            control_plane: ControlPlane::Managed { leases: true },
            ..Default::default()
        },
    );
    let none = kubectl_at(&eks, &k, &["get", "pods", "-n", "kube-system"]);
    assert_eq!(
        none.stderr, "No resources found in kube-system namespace.\n",
        "{none:?}"
    );
    let holders = kubectl_at(
        &eks,
        &k,
        &[
            "get",
            "leases",
            "-n",
            "kube-system",
            "-o",
            "jsonpath={range .items[*]}{.metadata.name}={.spec.holderIdentity}{\"\\n\"}{end}",
        ],
    );
    let lines: Vec<&str> = holders.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{holders:?}");
    assert!(
        lines[0].starts_with("kube-controller-manager=ip-10-0-57-94.ec2.internal_"),
        "{holders:?}"
    );
    assert!(
        lines[1].starts_with("kube-scheduler=ip-10-0-38-14.ec2.internal_"),
        "{holders:?}"
    );
}

#[test]
fn kubectl_reports_injected_faults_as_it_would_a_real_server_s() {
    let Some(k) = kubectl() else { return };
    let env = Env::new(&["pvc-protection"]);
    let once = |method: &str, path: &str, action: FaultAction| Fault {
        method: Some(method.into()),
        path_contains: path.into(),
        times: Some(1),
        action,
    };
    env.cluster.fault(once(
        "GET",
        "/persistentvolumeclaims",
        FaultAction::Status {
            code: 500,
            retry_after: None,
        },
    ));
    let failed = kubectl_at(&env, &k, &["get", "pvc", "-n", "shop"]);
    assert_eq!(
        failed.stderr,
        "Error from server (InternalError): Internal error occurred: injected fault\n"
    );

    // A proxy's HTML page is not a Status: client-go wraps it.
    let page = "<html><body><h1>502 Bad Gateway</h1></body></html>\n";
    env.cluster.fault(once(
        "GET",
        "/persistentvolumeclaims",
        FaultAction::Body {
            code: 502,
            content_type: "text/html".into(),
            body: page.into(),
        },
    ));
    let proxy = kubectl_at(&env, &k, &["get", "pvc", "-n", "shop"]);
    assert_eq!(
        proxy.stderr,
        "Error from server (InternalError): an error on the server (\"<html><body><h1>502 Bad Gateway</h1></body></html>\") has prevented the request from succeeding (get persistentvolumeclaims)\n"
    );

    // The PATCH was applied; only its answer was lost.
    kubectl_at(&env, &k, &["create", "configmap", "cfg", "-n", "shop"]);
    env.cluster
        .fault(once("PATCH", "/configmaps/cfg", FaultAction::LoseResponse));
    let lost = kubectl_at(
        &env,
        &k,
        &["label", "configmap", "cfg", "-n", "shop", "touched=yes"],
    );
    assert_eq!(
        (lost.code, lost.stderr.as_str()),
        (1, "Unable to connect to the server: unexpected EOF\n")
    );
    let cm = env.cluster.object("", "configmaps", "shop", "cfg").unwrap();
    assert_eq!(cm["metadata"]["labels"]["touched"], "yes");

    env.cluster.fault(once(
        "GET",
        "/persistentvolumeclaims",
        FaultAction::Truncate,
    ));
    let cut = kubectl_at(&env, &k, &["get", "pvc", "-n", "shop", "-o", "name"]);
    assert_eq!(cut.code, 1, "{cut:?}");
    assert!(cut.stderr.ends_with("error: unexpected error when reading response body. Please retry. Original error: unexpected EOF\n"), "{cut:?}");

    // Go retries an idempotent request whose connection closed before any answer.
    env.cluster.clear_requests();
    env.cluster
        .fault(once("GET", "/persistentvolumeclaims", FaultAction::Reset));
    let reset = kubectl_at(&env, &k, &["get", "pvc", "-n", "shop", "-o", "name"]);
    assert_eq!(
        reset.stdout, "persistentvolumeclaim/data-postgres-0\n",
        "{reset:?}"
    );
    let tries: Vec<_> = env
        .cluster
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/persistentvolumeclaims"))
        .map(|r| (r.fault, r.status))
        .collect();
    assert_eq!(tries, [(Some("reset".to_string()), 0), (None, 200)]);

    env.cluster
        .fault(once("GET", "/persistentvolumeclaims", FaultAction::Hang));
    let hang = kubectl_at(
        &env,
        &k,
        &["get", "pvc", "-n", "shop", "--request-timeout", "1s"],
    );
    // Which of Go's timers fires first, and how net/http words it, varies by
    // version and load; each says the client gave up waiting.
    assert_eq!(hang.code, 1, "{hang:?}");
    assert!(
        hang.stderr.starts_with("Unable to connect to the server: ")
            && (hang.stderr.contains("context deadline exceeded")
                || hang.stderr.contains("Client.Timeout exceeded")),
        "{hang:?}"
    );
}

/// `kubectl auth whoami` reads SelfSubjectReview (apiserver-semantics-2.md §17.3),
/// which the plugin's audit records use too.
#[test]
fn kubectl_auth_whoami_names_the_user_after_impersonation() {
    let Some(kubectl) = support::kubectl() else {
        return;
    };
    let env = Env::new(&[]);
    let me = support::run_kubectl(&env, &kubectl, &["auth", "whoami", "-o", "json"], None);
    assert_eq!(me.code, 0, "{me:?}");
    let doc: serde_json::Value = serde_json::from_str(&me.stdout).unwrap();
    assert_eq!(doc["kind"], "SelfSubjectReview");
    assert_eq!(doc["status"]["userInfo"]["username"], "admin");
    assert!(doc["status"]["userInfo"]["groups"]
        .as_array()
        .unwrap()
        .contains(&"system:masters".into()));
    let as_jane = support::run_kubectl(
        &env,
        &kubectl,
        &["auth", "whoami", "--as", "jane", "--as-group", "devs"],
        None,
    );
    assert_eq!(as_jane.code, 0, "{as_jane:?}");
    let rows: Vec<String> = as_jane
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert!(rows.contains(&"Username jane".to_string()), "{as_jane:?}");
    assert!(
        as_jane.stdout.contains("[devs system:authenticated]"),
        "{as_jane:?}"
    );
}
