//! `kubectl finalizers scan` against the test cluster, end to end.

mod support;

use serde_json::Value;
use std::time::Duration;
use support::{rows, Env};
use testcluster::{Deny, Options, RequestKind};

fn scan_json(env: &Env, args: &[&str]) -> (Value, support::Run) {
    let mut all = vec!["scan", "-o", "json"];
    all.extend_from_slice(args);
    let run = env.run(&all);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:?}"));
    (doc, run)
}

fn names(doc: &Value) -> Vec<String> {
    doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{}/{}",
                i["kind"].as_str().unwrap(),
                i["name"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn finds_custom_cluster_scoped_and_namespace_objects_of_an_uninstalled_operator() {
    let env = Env::new(&["logging-operator"]);
    let run = env.run(&["scan"]);
    assert_eq!(run.code, 0, "{run:?}");
    let table = rows(&run.stdout);
    assert!(run.stdout.starts_with("NAMESPACE   KIND"), "{run:?}");
    assert_eq!(table.len(), 3, "{run:?}");
    // Cluster-scoped first, then by namespace.
    assert_eq!(
        table[0][..5],
        ["-", "Namespace", "logging", "3h", "kubernetes"]
    );
    assert_eq!(table[0][5], "SomeResourcesRemain,SomeFinalizersRemain");
    assert_eq!(
        table[1][..5],
        [
            "-",
            "Logging.logging.banzaicloud.io",
            "cluster-logging",
            "3h",
            "logging.logging.banzaicloud.io/finalizer"
        ]
    );
    assert_eq!(
        table[2][..5],
        [
            "logging",
            "SyslogNGConfig.logging.banzaicloud.io",
            "cluster-syslog",
            "3h",
            "syslogngconfig.logging.banzaicloud.io/finalizer"
        ]
    );
}

#[test]
fn json_output_is_the_documented_list() {
    let env = Env::new(&["logging-operator", "pvc-protection"]);
    let (doc, run) = scan_json(&env, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(doc["apiVersion"], "kubectl-finalizers/v1");
    assert_eq!(doc["kind"], "StuckObjectList");
    assert_eq!(doc["metadata"]["complete"], true);
    assert_eq!(doc["metadata"]["context"], "testcluster");
    let pvc = doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "PersistentVolumeClaim")
        .unwrap();
    assert_eq!(pvc["apiVersion"], "v1");
    assert_eq!(pvc["group"], "");
    assert_eq!(pvc["resource"], "persistentvolumeclaims");
    assert_eq!(pvc["namespace"], "shop");
    assert_eq!(
        pvc["finalizers"],
        serde_json::json!(["kubernetes.io/pvc-protection"])
    );
    let secs = pvc["terminatingSeconds"].as_u64().unwrap();
    assert!((2390..2500).contains(&secs), "40 minutes, got {secs}");
    let stored = env
        .cluster
        .object("", "persistentvolumeclaims", "shop", "data-postgres-0")
        .unwrap();
    assert_eq!(pvc["uid"], stored["metadata"]["uid"]);
    assert_eq!(
        pvc["resourceVersion"],
        stored["metadata"]["resourceVersion"]
    );
    let ns = doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "Namespace")
        .unwrap();
    assert_eq!(ns["specFinalizers"], serde_json::json!(["kubernetes"]));
    assert_eq!(ns["conditions"][0]["type"], "NamespaceContentRemaining");

    let yaml = env.run(&["scan", "-o", "yaml"]);
    let from_yaml: Value = serde_yaml::from_str(&yaml.stdout).unwrap();
    // Two runs may straddle a second: ages aside, the documents are the same.
    let without_ages = |items: &Value| -> Vec<Value> {
        items
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                let mut i = i.clone();
                i.as_object_mut().unwrap().remove("terminatingSeconds");
                i
            })
            .collect()
    };
    assert_eq!(
        without_ages(&from_yaml["items"]),
        without_ages(&doc["items"])
    );
}

#[test]
fn lists_metadata_only_in_pages() {
    let env = Env::new(&[]);
    let mut yaml = String::from("apiVersion: v1\nkind: Namespace\nmetadata: {name: big}\n");
    for i in 0..250 {
        let fin = if i % 50 == 0 {
            "finalizers: [example.com/hold], annotations: {testcluster.local/terminating-for: 1h}, "
        } else {
            ""
        };
        yaml.push_str(&format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm-{i:03}, namespace: big, {fin}labels: {{n: \"{i}\"}}}}\ndata: {{blob: \"{}\"}}\n", "z".repeat(2000)));
    }
    env.cluster.load(&yaml).unwrap();
    env.cluster.clear_requests();
    let (doc, run) = scan_json(&env, &["--chunk-size", "100"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        names(&doc),
        [
            "ConfigMap/cm-000",
            "ConfigMap/cm-050",
            "ConfigMap/cm-100",
            "ConfigMap/cm-150",
            "ConfigMap/cm-200"
        ]
    );
    let requests = env.cluster.requests();
    let cm_lists: Vec<_> = requests
        .iter()
        .filter(|r| r.path == "/api/v1/configmaps")
        .collect();
    assert_eq!(cm_lists.len(), 3, "250 objects in pages of 100");
    assert!(cm_lists[0].query.contains("limit=100") && !cm_lists[0].query.contains("continue="));
    assert!(cm_lists[1].query.contains("continue=") && cm_lists[2].query.contains("continue="));
    for r in requests
        .iter()
        .filter(|r| r.kind == RequestKind::List && r.path != "/api/v1/namespaces")
    {
        assert!(
            r.accept
                .starts_with("application/json;as=PartialObjectMetadataList"),
            "{} asked for {}",
            r.path,
            r.accept
        );
    }
    // Metadata-only: far fewer bytes than the 250 × 2000-byte data fields
    // (metadata itself, managedFields included, is a few hundred bytes each).
    assert!(
        cm_lists.iter().map(|r| r.bytes).sum::<usize>() < 250 * 2000,
        "config data must not be transferred"
    );
    // Only reads.
    assert!(env.cluster.writes().is_empty());
}

#[test]
fn an_unavailable_aggregated_api_makes_the_scan_incomplete_not_silent() {
    let env = Env::new(&["metrics-apiservice", "pvc-protection"]);
    let run = env.run(&["scan"]);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(run.stderr.contains("warning: metrics.k8s.io: could not read metrics.k8s.io/v1beta1 (503 ServiceUnavailable)"), "{run:?}");
    assert!(run.stderr.contains("the scan is incomplete"), "{run:?}");
    // Everything else is still reported, including the namespace the outage blocks.
    let table = rows(&run.stdout);
    let team_old = table
        .iter()
        .find(|r| r[2] == "team-old")
        .expect("team-old listed");
    assert_eq!(team_old[5], "DiscoveryFailed");
    assert!(table.iter().any(|r| r[2] == "data-postgres-0"));

    let (doc, _) = scan_json(&env, &[]);
    assert_eq!(doc["metadata"]["complete"], false);
    assert_eq!(doc["problems"][0]["scope"], "metrics.k8s.io/v1beta1");
    assert_eq!(doc["problems"][0]["code"], 503);
}

#[test]
fn legacy_discovery_reports_the_503_group_too() {
    let env = Env::with_options(
        &["metrics-apiservice", "logging-operator"],
        Options {
            legacy_discovery_only: true,
            ..Default::default()
        },
    );
    let (doc, run) = scan_json(&env, &[]);
    assert_eq!(run.code, 4, "{run:?}");
    assert_eq!(doc["problems"][0]["scope"], "metrics.k8s.io/v1beta1");
    assert_eq!(
        doc["problems"][0]["message"],
        "the server is currently unable to handle the request"
    );
    assert!(
        names(&doc).contains(&"SyslogNGConfig/cluster-syslog".to_string()),
        "{run:?}"
    );
    assert!(env
        .cluster
        .requests()
        .iter()
        .any(|r| r.path == "/apis/logging.banzaicloud.io/v1beta1"));
}

#[test]
fn forbidden_types_are_warned_per_group_and_the_rest_is_scanned() {
    let env = Env::new(&["logging-operator", "pvc-protection"]);
    env.cluster.add_user("jane", "jane-token");
    // RBAC makes jane an admin; the deny rules then take two types away.
    env.cluster
        .load("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: jane-admin}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: User, name: jane}]\n")
        .unwrap();
    for resource in ["persistentvolumeclaims", "secrets"] {
        env.cluster.deny(Deny {
            user: "jane".into(),
            verb: Some("list".into()),
            group: "".into(),
            resource: resource.into(),
            namespace: None,
        });
    }
    env.write_kubeconfig();
    let run = env.run(&["scan", "--context", "testcluster-jane"]);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(
        run.stderr.contains("warning: core: could not read persistentvolumeclaims, secrets (403 Forbidden): persistentvolumeclaims is forbidden: User \"jane\" cannot list resource \"persistentvolumeclaims\" in API group \"\" at the cluster scope"),
        "{run:?}"
    );
    assert!(!run.stdout.contains("data-postgres-0"));
    assert!(run.stdout.contains("cluster-syslog"));
}

#[test]
fn a_slow_type_times_out_alone() {
    let env = Env::new(&["pvc-protection"]);
    env.cluster
        .slow_down("/persistentvolumeclaims", Duration::from_secs(5));
    let (doc, run) = scan_json(&env, &["--request-timeout", "1s"]);
    assert_eq!(run.code, 4, "{run:?}");
    assert_eq!(doc["problems"][0]["scope"], "persistentvolumeclaims");
    assert_eq!(doc["problems"][0]["reason"], "Timeout");
    assert!(names(&doc)
        .contains(&"PersistentVolume/pvc-5b0e7c4e-8f0a-4d8e-9f5e-1c2d3e4f5a6b".to_string()));
}

#[test]
fn filters_narrow_the_selection() {
    let env = Env::new(&["logging-operator", "pvc-protection"]);
    let pick = |args: &[&str]| names(&scan_json(&env, args).0);
    assert_eq!(
        pick(&["--finalizer", "kubernetes.io/*"]),
        [
            "PersistentVolume/pvc-5b0e7c4e-8f0a-4d8e-9f5e-1c2d3e4f5a6b",
            "PersistentVolumeClaim/data-postgres-0"
        ]
    );
    assert_eq!(
        pick(&["--older-than", "2h"]),
        [
            "Namespace/logging",
            "Logging/cluster-logging",
            "SyslogNGConfig/cluster-syslog"
        ]
    );
    assert_eq!(
        pick(&["-n", "shop"]),
        ["PersistentVolumeClaim/data-postgres-0"]
    );
    assert_eq!(
        pick(&["-n", "logging"]),
        ["Namespace/logging", "SyslogNGConfig/cluster-syslog"]
    );
    assert_eq!(
        pick(&["-l", "app=postgres"]),
        ["PersistentVolumeClaim/data-postgres-0"]
    );
    let live = pick(&["--include-live", "-n", "shop"]);
    assert_eq!(
        live,
        [
            "PersistentVolumeClaim/data-postgres-0",
            "Service/storefront"
        ]
    );
    let (doc, _) = scan_json(&env, &["--include-live", "-n", "shop"]);
    assert!(doc["items"][1]["deletionTimestamp"].is_null());
}

#[test]
fn name_output_no_headers_and_exit_code() {
    let env = Env::new(&["pvc-protection"]);
    let run = env.run(&["scan", "-o", "name"]);
    assert_eq!(run.stdout, "persistentvolume/pvc-5b0e7c4e-8f0a-4d8e-9f5e-1c2d3e4f5a6b\npersistentvolumeclaim/data-postgres-0\n");
    let run = env.run(&["scan", "--no-headers"]);
    assert!(!run.stdout.contains("NAMESPACE"), "{run:?}");
    assert_eq!(
        run.stdout
            .lines()
            .next()
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()[..3],
        [
            "-",
            "PersistentVolume",
            "pvc-5b0e7c4e-8f0a-4d8e-9f5e-1c2d3e4f5a6b"
        ]
    );
    assert_eq!(env.run(&["scan", "--exit-code"]).code, 5);
    let none = env.run(&["scan", "--exit-code", "-n", "default"]);
    assert_eq!(none.code, 0, "{none:?}");
    assert_eq!(none.stdout, "");
    assert!(none
        .stderr
        .contains("No stuck objects found in namespace default."));
}

#[test]
fn clear_errors_for_bad_input_and_unreachable_clusters() {
    let env = Env::new(&[]);
    let run = env.run(&["scan", "--older-than", "soon"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("invalid duration \"soon\""), "{run:?}");

    let missing = support::run(
        std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-finalizers"))
            .env_remove("KUBECONFIG")
            .env("HOME", env.dir.path())
            .args(["--kubeconfig", "/nonexistent/kubeconfig", "scan"]),
    );
    assert_eq!(missing.code, 1, "{missing:?}");
    assert!(
        missing
            .stderr
            .starts_with("error: reading kubeconfig /nonexistent/kubeconfig"),
        "{missing:?}"
    );
    assert!(!missing.stderr.contains("backtrace") && !missing.stderr.contains("panicked"));

    let no_context = env.run(&["scan", "--context", "prod"]);
    assert_eq!(no_context.code, 1);
    assert!(
        no_context
            .stderr
            .contains("context \"prod\" is not in the kubeconfig (known: testcluster)"),
        "{no_context:?}"
    );

    std::fs::write(
        &env.kubeconfig,
        env.cluster
            .kubeconfig()
            .replace("admin-token", "wrong-token"),
    )
    .unwrap();
    let unauthorized = env.run(&["scan"]);
    assert_eq!(unauthorized.code, 1, "{unauthorized:?}");
    assert!(
        unauthorized.stderr.contains("Unauthorized"),
        "{unauthorized:?}"
    );

    let url = env.cluster.url();
    drop(env.cluster);
    let gone = support::run(
        std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-finalizers"))
            .env_remove("KUBECONFIG")
            .env("HOME", env.dir.path())
            .arg("--kubeconfig")
            .arg(&env.kubeconfig)
            .arg("scan"),
    );
    assert_eq!(gone.code, 1, "{gone:?}");
    assert!(
        gone.stderr.starts_with("error: discovering the API (/api)"),
        "{gone:?} {url}"
    );
}

#[test]
fn throttling_and_expired_continue_tokens_are_survived() {
    let env = Env::new(&["pvc-protection"]);
    let mut yaml = String::new();
    for i in 0..120 {
        let fin = if i % 40 == 0 {
            "finalizers: [example.com/hold], annotations: {testcluster.local/terminating-for: 1h}, "
        } else {
            ""
        };
        yaml.push_str(&format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm-{i:03}, namespace: shop, {fin}labels: {{n: \"{i}\"}}}}\n"));
    }
    env.cluster.load(&yaml).unwrap();
    env.cluster.throttle("/api/v1/configmaps", 2);
    env.cluster.expire_continue_tokens(1);
    env.cluster.clear_requests();
    let (doc, run) = scan_json(&env, &["--chunk-size", "50", "--concurrency", "1"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(doc["metadata"]["complete"], true);
    let found: Vec<String> = names(&doc)
        .into_iter()
        .filter(|n| n.starts_with("ConfigMap/"))
        .collect();
    assert_eq!(
        found,
        ["ConfigMap/cm-000", "ConfigMap/cm-040", "ConfigMap/cm-080"],
        "each once"
    );
    let cm: Vec<_> = env
        .cluster
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v1/configmaps")
        .collect();
    assert_eq!(cm.iter().filter(|r| r.status == 429).count(), 2);
    assert_eq!(cm.iter().filter(|r| r.status == 410).count(), 1);
}

#[test]
fn impersonation_is_sent_as_kubectl_sends_it() {
    let env = Env::new(&["pvc-protection"]);
    // admin may impersonate anyone (system:masters); the group readers may read everything.
    env.cluster
        .load("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: read-all}\nrules: [{apiGroups: ['*'], resources: ['*'], verbs: [get, list, watch]}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: readers}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: read-all}\nsubjects: [{kind: Group, name: readers}]\n")
        .unwrap();
    env.cluster.deny(Deny {
        user: "auditor".into(),
        verb: Some("list".into()),
        group: "".into(),
        resource: "secrets".into(),
        namespace: None,
    });
    let run = env.run(&["scan", "--as", "auditor", "--as-group", "readers", "-A"]);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(
        run.stderr
            .contains(r#"User "auditor" cannot list resource "secrets""#),
        "{run:?}"
    );
    assert!(env.cluster.requests().iter().all(|r| r.user == "auditor"));
}

#[test]
fn a_type_removed_between_discovery_and_list_is_not_a_failure() {
    let env = Env::new(&["rbac-only-operator", "pvc-protection"]);
    env.cluster.before_next("GET", "/widgets", |store| {
        let crds = store
            .resource_by_gr("apiextensions.k8s.io", "customresourcedefinitions")
            .unwrap();
        store.remove(&crds, "", "widgets.acme.example.com");
    });
    let (doc, run) = scan_json(&env, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(doc["metadata"]["complete"], true);
    assert!(env
        .cluster
        .requests()
        .iter()
        .any(|r| r.path.ends_with("/widgets") && r.status == 404));
    assert!(names(&doc).contains(&"PersistentVolumeClaim/data-postgres-0".to_string()));
}

#[test]
fn progress_only_on_a_terminal() {
    let env = Env::new(&["pvc-protection"]);
    let piped = env.run(&["scan"]);
    assert!(
        !piped.stderr.contains("scanning resource types"),
        "{piped:?}"
    );
    let mut cmd = env.plugin();
    cmd.arg("scan");
    let mut p = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    p.exp_string("scanning resource types").unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(rest.contains("data-postgres-0"), "{rest}");
}
