//! The rule that comes first: a verdict rests only on evidence that was read.
//! Each test reproduces a way the tool could act on what it did not see —
//! forbidden or failing evidence, a managed control plane, a kind at a
//! non-preferred version, lists that answer 404, a reviewed file gone stale,
//! a name that escapes its URL segment — and checks what it says and writes.

mod support;

use serde_json::Value;
use support::{Env, Run};
use testcluster::{ControlPlane, Deny, Fault, FaultAction, Options};

const PVC: &str = "pvc/data-postgres-0";
const SYSLOG: &str = "syslogngconfig.logging.banzaicloud.io/cluster-syslog";

fn deny_list(env: &Env, group: &str, resource: &str) {
    env.cluster.deny(Deny {
        user: "admin".into(),
        verb: Some("list".into()),
        group: group.into(),
        resource: resource.into(),
        namespace: None,
    });
}

/// Every GET whose path contains `path` answers `code` (a failing list).
fn fail_gets(env: &Env, path: &str, code: u16) {
    env.cluster.fault(Fault {
        method: Some("GET".into()),
        path_contains: path.into(),
        times: None,
        action: FaultAction::Status {
            code,
            retry_after: None,
        },
    });
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:?}"))
}

fn finding<'a>(doc: &'a Value, finalizer: &str) -> &'a Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["finalizer"] == finalizer)
        .unwrap_or_else(|| panic!("no finding for {finalizer}: {doc:#}"))
}

fn missing_resources(f: &Value) -> Vec<String> {
    f["missingEvidence"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let ns = m["namespace"]
                .as_str()
                .map(|n| format!(" in {n}"))
                .unwrap_or_default();
            format!(
                "{} {}{ns}",
                m["state"].as_str().unwrap(),
                m["resource"].as_str().unwrap()
            )
        })
        .collect()
}

fn pvc_exists(env: &Env) -> bool {
    env.cluster
        .object("", "persistentvolumeclaims", "shop", "data-postgres-0")
        .is_some_and(|o| o["metadata"]["finalizers"].is_array())
}

/// Reproduction 1: with pods and leases forbidden, the PVC a running database
/// mounts was reported GONE/UNKNOWN and cleared on `--yes`.
#[test]
fn unreadable_pods_and_leases_never_clear_a_claim_a_pod_may_mount() {
    let env = Env::new(&["pvc-protection"]);
    deny_list(&env, "", "pods");
    deny_list(&env, "coordination.k8s.io", "leases");

    let explain = env.run(&["explain", PVC, "-n", "shop", "-o", "json"]);
    assert_eq!(explain.code, 4, "{explain:?}");
    let doc = json(&explain);
    let f = finding(&doc, "kubernetes.io/pvc-protection");
    assert_eq!(f["state"], "UNKNOWN", "{f:#}");
    assert_eq!(f["objects"][0]["usage"], "unknown", "{f:#}");
    assert_eq!(
        missing_resources(f),
        [
            "forbidden leases.coordination.k8s.io",
            "forbidden pods in shop"
        ]
    );
    assert_eq!(f["recommendation"]["action"], "investigate");
    assert!(
        f["recommendation"]["commands"]
            .as_array()
            .unwrap()
            .contains(&"kubectl auth can-i list pods -n shop".into()),
        "{f:#}"
    );
    let sources = doc["evidenceSources"].as_array().unwrap();
    assert!(sources
        .iter()
        .any(|s| s["resource"] == "deployments.apps" && s["state"] == "read"));

    let text = env.run(&["explain", PVC, "-n", "shop"]);
    assert!(
        text.stdout
            .contains("not read (the verdict cannot rest on it):"),
        "{text:?}"
    );
    assert!(text.stdout.contains("cannot list pods in namespace shop: 403 Forbidden (check: kubectl auth can-i list pods -n shop)"), "{text:?}");

    env.cluster.clear_requests();
    let clear = env.run(&["clear", PVC, "-n", "shop", "--yes"]);
    assert_eq!(clear.code, 1, "{clear:?}");
    assert!(
        clear
            .stderr
            .contains("the evidence is incomplete, so clearing is refused without --force"),
        "{clear:?}"
    );
    assert!(
        clear.stderr.contains("cannot list pods in namespace shop: 403 Forbidden (check: kubectl auth can-i list pods -n shop) — needed to see whether a pod still mounts PersistentVolumeClaim shop/data-postgres-0"),
        "{clear:?}"
    );
    assert!(
        env.cluster.writes().is_empty(),
        "{:?}",
        env.cluster.writes()
    );
    assert!(pvc_exists(&env));
}

/// The PV side of reproduction 1: whether a volume is still bound rests on the
/// PV and PVC lists; forbidden (403) or failing (500), the PV's usage is
/// unknown, `clear --yes` writes nothing, and `--force` still acts.
#[test]
fn an_unread_claim_list_never_clears_a_bound_volume() {
    const PV: &str = "pv/pvc-5b0e7c4e-8f0a-4d8e-9f5e-1c2d3e4f5a6b";
    for failing in [false, true] {
        let env = Env::new(&["pvc-protection"]);
        if failing {
            fail_gets(&env, "/api/v1/persistentvolumeclaims", 500);
        } else {
            deny_list(&env, "", "persistentvolumeclaims");
        }
        let explain = env.run(&["explain", PV, "-o", "json"]);
        assert_eq!(explain.code, 4, "{failing}: {explain:?}");
        let doc = json(&explain);
        let f = finding(&doc, "kubernetes.io/pv-protection");
        assert_eq!(f["objects"][0]["usage"], "unknown", "{failing}: {f:#}");
        let state = if failing { "failed" } else { "forbidden" };
        assert_eq!(
            missing_resources(f),
            [format!("{state} persistentvolumeclaims")],
            "{f:#}"
        );

        let clear = env.run(&["clear", PV, "--yes"]);
        assert_eq!(clear.code, 1, "{failing}: {clear:?}");
        assert!(
            clear.stderr.contains("refused without --force"),
            "{failing}: {clear:?}"
        );
        assert!(
            env.cluster.writes().is_empty(),
            "{:?}",
            env.cluster.writes()
        );
        let forced = env.run(&["clear", PV, "--yes", "--force"]);
        assert_eq!(forced.code, 0, "{failing}: {forced:?}");
        assert_eq!(env.cluster.writes().len(), 1);
    }
}

/// Foreground deletion rests on the lists of every type a dependent may be:
/// with replicasets forbidden (403) or failing (503), the Deployment's
/// dependents are unknown — never "none remain" — and `clear --yes` writes nothing.
#[test]
fn unlisted_dependents_are_unknown_not_gone() {
    const WEB: &str = "deployment/web";
    for failing in [false, true] {
        let env = Env::new(&["foreground-deletion"]);
        if failing {
            fail_gets(&env, "/apis/apps/v1/replicasets", 503);
        } else {
            deny_list(&env, "apps", "replicasets");
        }
        let explain = env.run(&["explain", WEB, "-n", "shop", "-o", "json"]);
        assert_eq!(explain.code, 4, "{failing}: {explain:?}");
        let doc = json(&explain);
        let f = finding(&doc, "foregroundDeletion");
        assert_eq!(f["objects"][0]["usage"], "unknown", "{failing}: {f:#}");
        assert!(
            missing_resources(f)
                .iter()
                .any(|m| m.ends_with(" replicasets.apps")),
            "{failing}: {f:#}"
        );

        let clear = env.run(&["clear", WEB, "-n", "shop", "--yes"]);
        assert_eq!(clear.code, 1, "{failing}: {clear:?}");
        assert!(
            clear.stderr.contains("refused without --force"),
            "{failing}: {clear:?}"
        );
        assert!(
            env.cluster.writes().is_empty(),
            "{:?}",
            env.cluster.writes()
        );
    }
}

/// Reproduction 1, the owner side: workload lists that fail (403, 500) never make
/// an owner GONE, and `clear --yes` refuses; `--force` still works.
#[test]
fn failing_workload_lists_make_the_owner_unknown_not_gone() {
    let env = Env::new(&["logging-operator"]);
    deny_list(&env, "apps", "deployments");
    fail_gets(&env, "/apis/apps/v1/statefulsets", 500);
    let doc = json(&env.run(&["explain", "-o", "json"]));
    let f = finding(&doc, "syslogngconfig.logging.banzaicloud.io/finalizer");
    assert_eq!(f["state"], "UNKNOWN", "{f:#}");
    assert_eq!(
        missing_resources(f),
        ["forbidden deployments.apps", "failed statefulsets.apps"]
    );
    assert!(
        f["recommendation"]["summary"]
            .as_str()
            .unwrap()
            .contains("--accept-missing-evidence"),
        "{f:#}"
    );

    let refused = env.run(&["clear", SYSLOG, "-n", "logging", "--yes"]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("whether its owner (logging-operator) is running is UNKNOWN: cannot list deployments.apps cluster-wide: 403 Forbidden"), "{refused:?}");
    assert!(
        refused.stderr.contains(
            "--finalizer syslogngconfig.logging.banzaicloud.io/finalizer --accept-missing-evidence"
        ),
        "{refused:?}"
    );
    assert!(env.cluster.writes().is_empty());

    // A glob does not name the finalizer: the acknowledgement needs the exact name.
    let glob = env.run(&[
        "clear",
        SYSLOG,
        "-n",
        "logging",
        "--yes",
        "--accept-missing-evidence",
        "--finalizer",
        "syslogngconfig.logging.banzaicloud.io/*",
    ]);
    assert_eq!(glob.code, 1, "{glob:?}");
    assert!(env.cluster.writes().is_empty());

    let acknowledged = env.run(&[
        "clear",
        SYSLOG,
        "-n",
        "logging",
        "--yes",
        "--accept-missing-evidence",
        "--finalizer",
        "syslogngconfig.logging.banzaicloud.io/finalizer",
        "--dry-run",
    ]);
    assert_eq!(acknowledged.code, 0, "{acknowledged:?}");
    assert!(
        acknowledged
            .stdout
            .contains("Evidence that was NOT read (acknowledged with --accept-missing-evidence):"),
        "{acknowledged:?}"
    );
    assert!(
        acknowledged
            .stdout
            .contains("cannot list statefulsets.apps cluster-wide: HTTP 500"),
        "{acknowledged:?}"
    );

    let forced = env.run(&["clear", SYSLOG, "-n", "logging", "--yes", "--force"]);
    assert_eq!(forced.code, 0, "{forced:?}");
    assert_eq!(env.cluster.writes().len(), 1);
}

/// Reproduction 2: on a managed control plane the controller-manager's Lease is
/// not visible. That is UNKNOWN, never a go-ahead, and a mounted claim stays.
#[test]
fn a_missing_lease_is_not_a_go_ahead() {
    let managed = |leases| Options {
        control_plane: ControlPlane::Managed { leases },
        ..Default::default()
    };
    let env = Env::with_options(&["pvc-protection"], managed(false));
    let doc = json(&env.run(&["explain", PVC, "-n", "shop", "-o", "json"]));
    let f = finding(&doc, "kubernetes.io/pvc-protection");
    assert_eq!(f["state"], "UNKNOWN", "{f:#}");
    assert_eq!(
        missing_resources(f),
        ["not-visible leases.coordination.k8s.io"]
    );
    assert_eq!(f["objects"][0]["usage"], "in-use");
    assert_eq!(f["recommendation"]["action"], "wait");
    let clear = env.run(&["clear", PVC, "-n", "shop", "--yes"]);
    assert_eq!(clear.code, 1, "{clear:?}");
    assert!(
        clear.stderr.contains("refused without --force:"),
        "{clear:?}"
    );
    assert!(
        clear
            .stderr
            .contains("the finalizer is doing its job: mounted by pod shop/postgres-0 (Running)"),
        "{clear:?}"
    );
    // Acknowledging missing evidence does not override a claim in use.
    let ack = env.run(&[
        "clear",
        PVC,
        "-n",
        "shop",
        "--yes",
        "--accept-missing-evidence",
        "--finalizer",
        "kubernetes.io/pvc-protection",
    ]);
    assert_eq!(ack.code, 1, "{ack:?}");
    assert!(env.cluster.writes().is_empty());
    assert!(pvc_exists(&env));

    // The pod goes: only the unseen controller is left, and it must be acknowledged.
    env.cluster.with_store(|s| {
        s.objects
            .retain(|(_, p, _, n), _| !(p == "pods" && n == "postgres-0"))
    });
    let unknown = env.run(&["clear", PVC, "-n", "shop", "--yes"]);
    assert_eq!(unknown.code, 1, "{unknown:?}");
    assert!(
        unknown
            .stderr
            .contains("no lease kube-system/kube-controller-manager is visible"),
        "{unknown:?}"
    );
    assert!(env.cluster.writes().is_empty());
    let ack = env.run(&[
        "clear",
        PVC,
        "-n",
        "shop",
        "--yes",
        "--accept-missing-evidence",
        "--finalizer",
        "kubernetes.io/pvc-protection",
    ]);
    assert_eq!(ack.code, 0, "{ack:?}");
    assert!(ack.stdout.contains("clearing although"), "{ack:?}");
    assert!(!pvc_exists(&env));

    // Managed, with the Lease visible: the controller is seen ALIVE.
    let env = Env::with_options(&["pvc-protection"], managed(true));
    let doc = json(&env.run(&["explain", PVC, "-n", "shop", "-o", "json"]));
    let f = finding(&doc, "kubernetes.io/pvc-protection");
    assert_eq!(f["state"], "ALIVE", "{f:#}");
    assert!(f.get("missingEvidence").is_none(), "{f:#}");
}

/// Reproduction 3: a kind served only at a non-preferred version of its group
/// (AlertmanagerConfig at monitoring.coreos.com/v1alpha1) is scanned, explained
/// and cleared like any other.
#[test]
fn a_kind_at_a_non_preferred_version_is_not_missed() {
    let env = Env::new(&["prometheus-operator"]);
    let scan = env.run(&["scan", "-A", "-o", "json"]);
    assert_eq!(scan.code, 0, "{scan:?}");
    let doc = json(&scan);
    let found: Vec<(String, String)> = doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["apiVersion"].as_str().unwrap().to_string(),
                i["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        found.contains(&(
            "monitoring.coreos.com/v1alpha1".into(),
            "AlertmanagerConfig".into()
        )),
        "{found:?}"
    );
    assert_eq!(doc["metadata"]["complete"], true);
    let explain = env.run(&[
        "explain",
        "alertmanagerconfig",
        "-n",
        "monitoring",
        "-o",
        "json",
    ]);
    // `explain TYPE` without a name is a usage error; the type itself resolves.
    assert_eq!(explain.code, 2, "{explain:?}");
    assert!(
        explain
            .stderr
            .contains("no name given for alertmanagerconfigs"),
        "{explain:?}"
    );
    let clear = env.run(&["clear", "--stuck", "-A", "--dry-run"]);
    assert_eq!(clear.code, 0, "{clear:?}");
    assert!(
        clear
            .stdout
            .contains("AlertmanagerConfig.monitoring.coreos.com"),
        "{clear:?}"
    );
    // Servers before aggregated discovery: the per-group documents are walked too.
    let legacy = Env::with_options(
        &["prometheus-operator"],
        Options {
            legacy_discovery_only: true,
            ..Default::default()
        },
    );
    let doc = json(&legacy.run(&["scan", "-A", "-o", "json"]));
    assert!(
        doc["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["apiVersion"] == "monitoring.coreos.com/v1alpha1"),
        "{doc:#}"
    );
    assert!(legacy
        .cluster
        .requests()
        .iter()
        .any(|r| r.path == "/apis/monitoring.coreos.com/v1alpha1"));
}

/// Reproduction 4: when every list answers 404 (a proxy, a wrong server path),
/// the scan is incomplete, not "nothing stuck".
#[test]
fn lists_that_answer_404_are_problems_unless_the_type_is_gone() {
    let env = Env::new(&["logging-operator"]);
    for path in ["/api/v1/", "/apis/"] {
        fail_gets(&env, path, 404);
    }
    let run = env.run(&["scan", "-o", "json", "--exit-code"]);
    assert_eq!(run.code, 4, "{run:?}");
    let doc = json(&run);
    assert_eq!(doc["metadata"]["complete"], false);
    let problems = doc["problems"].as_array().unwrap();
    assert!(problems.len() > 40, "{}", problems.len());
    assert!(problems
        .iter()
        .any(|p| p["scope"] == "syslogngconfigs.logging.banzaicloud.io"
            && p["message"]
                .as_str()
                .unwrap()
                .contains("discovery still serves the type")));
    let table = env.run(&["scan"]);
    assert_eq!(table.code, 4, "{table:?}");
    assert!(
        table.stderr.contains("warning: the scan is incomplete"),
        "{table:?}"
    );
}

/// Reproduction 5: `clear -f` removes only what the file shows, and only while
/// the object still holds what was reviewed.
#[test]
fn clear_from_a_file_removes_only_what_was_reviewed() {
    let env = Env::new(&["pvc-protection"]);
    env.cluster
        .load("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: shop, finalizers: [a.example.com/one, b.example.com/two], annotations: {testcluster.local/terminating-for: 10m}}\n")
        .unwrap();
    let reviewed = env.dir.path().join("reviewed.json");
    let scan = env.run(&[
        "scan",
        "-n",
        "shop",
        "-o",
        "json",
        "--finalizer",
        "a.example.com/one",
    ]);
    assert_eq!(scan.code, 0, "{scan:?}");
    let doc = json(&scan);
    assert_eq!(
        doc["items"][0]["matchedFinalizers"],
        serde_json::json!(["a.example.com/one"])
    );
    std::fs::write(&reviewed, &scan.stdout).unwrap();

    // A label change (new resourceVersion, same finalizers) still matches the review.
    env.cluster.with_store(|s| {
        let o = s
            .objects
            .get_mut(&("".into(), "configmaps".into(), "shop".into(), "cfg".into()))
            .unwrap();
        o["metadata"]["labels"] = serde_json::json!({"touched": "yes"});
        o["metadata"]["resourceVersion"] = "5000".into();
    });
    let file = reviewed.to_str().unwrap();
    let run = env.run(&["clear", "-f", file, "--yes", "--force"]);
    assert_eq!(run.code, 0, "{run:?}");
    let after = env.cluster.object("", "configmaps", "shop", "cfg").unwrap();
    assert_eq!(
        after["metadata"]["finalizers"],
        serde_json::json!(["b.example.com/two"]),
        "only the finalizer the file selected is removed"
    );

    // A finalizer added after the review: nothing is planned, the new state is shown.
    env.cluster
        .load("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg2, namespace: shop, finalizers: [a.example.com/one], annotations: {testcluster.local/terminating-for: 10m}}\n")
        .unwrap();
    let scan = env.run(&[
        "scan",
        "-n",
        "shop",
        "-o",
        "json",
        "--finalizer",
        "a.example.com/one",
    ]);
    assert_eq!(
        json(&scan)["items"].as_array().unwrap().len(),
        1,
        "{scan:?}"
    );
    std::fs::write(&reviewed, &scan.stdout).unwrap();
    env.cluster.with_store(|s| {
        let o = s
            .objects
            .get_mut(&("".into(), "configmaps".into(), "shop".into(), "cfg2".into()))
            .unwrap();
        o["metadata"]["finalizers"] =
            serde_json::json!(["a.example.com/one", "c.example.com/late"]);
        o["metadata"]["resourceVersion"] = "6000".into();
    });
    env.cluster.clear_requests();
    let run = env.run(&[
        "clear",
        "-f",
        file,
        "--yes",
        "--force",
        "--finalizer",
        "*.example.com/*",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains(r#"ConfigMap shop/cfg2: changed since it was reviewed (resourceVersion "#),
        "{run:?}"
    );
    assert!(run.stderr.contains(r#"→ 6000): finalizers ["a.example.com/one"] → ["a.example.com/one", "c.example.com/late"]; nothing is planned for it"#), "{run:?}");
    assert!(
        env.cluster.writes().is_empty(),
        "{:?}",
        env.cluster.writes()
    );
}

/// Reproduction 6: names are validated before any request; nothing reaches a URL
/// it could escape from.
#[test]
fn bad_names_and_namespaces_are_refused_before_any_request() {
    let env = Env::new(&["pvc-protection"]);
    env.cluster
        .load("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: shop, finalizers: [a.example.com/one], annotations: {testcluster.local/terminating-for: 10m}}\n")
        .unwrap();
    env.cluster.clear_requests();
    for args in [
        &[
            "clear",
            "configmap/cfg?dryRun=All&x=",
            "-n",
            "shop",
            "--yes",
        ][..],
        &["clear", "configmap", "cfg#x", "-n", "shop", "--yes"],
        &["explain", "configmap/../secrets", "-n", "shop"],
        &["clear", "configmap/cfg", "-n", "", "--yes"],
        &["scan", "-n", "Shop"],
        &["explain", "-n", "a/b"],
    ] {
        let run = env.run(args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(
            run.stderr.starts_with("error: ") || run.stderr.contains("error: invalid value"),
            "{run:?}"
        );
        assert!(!run.stderr.contains("panicked"), "{run:?}");
    }
    let run = env.run(&[
        "clear",
        "configmap/cfg?dryRun=All&x=",
        "-n",
        "shop",
        "--yes",
    ]);
    assert!(run.stderr.contains(r#"error: "cfg?dryRun=All&x=" is not a valid object name: it may not contain '/', '%', '?' or '#'"#), "{run:?}");
    assert!(
        env.cluster.requests().is_empty(),
        "{:?}",
        env.cluster.requests()
    );

    // -f items are checked too: a namespaced item without a namespace.
    let item = serde_json::json!({"items": [{"apiVersion": "v1", "kind": "ConfigMap", "group": "", "resource": "configmaps", "name": "cfg", "uid": "x", "finalizers": ["a.example.com/one"]}]});
    let path = env.dir.path().join("item.json");
    std::fs::write(&path, item.to_string()).unwrap();
    let run = env.run(&["clear", "-f", path.to_str().unwrap(), "--yes", "--force"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains(
            "error: item configmaps/cfg: configmaps is namespaced but the item has no namespace"
        ),
        "{run:?}"
    );
    assert!(env.cluster.writes().is_empty());
}

/// A user whose RBAC reaches only one namespace: kube-system's Leases and the
/// cluster-wide workload lists are forbidden by the real authorizer, which is
/// what managed platforms and tenant teams live with. Nothing unseen is assumed.
#[test]
fn a_namespace_scoped_user_gets_unknown_never_a_go_ahead() {
    let env = Env::new(&["pvc-protection"]);
    env.cluster.add_user("dev", "dev-token");
    env.cluster
        .load(
            "apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: storage-triage, namespace: shop}
rules:
- {apiGroups: [''], resources: [persistentvolumeclaims], verbs: [get, list, patch]}
- {apiGroups: [''], resources: [pods], verbs: [list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dev-storage-triage, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: storage-triage}
subjects: [{kind: User, name: dev, apiGroup: rbac.authorization.k8s.io}]
",
        )
        .unwrap();
    env.write_kubeconfig();
    let as_dev = ["--context", "testcluster-dev"];
    let mut args = vec!["explain", PVC, "-n", "shop", "-o", "json"];
    args.extend(as_dev);
    let doc = json(&env.run(&args));
    let f = finding(&doc, "kubernetes.io/pvc-protection");
    assert_eq!(f["state"], "UNKNOWN", "{f:#}");
    assert_eq!(
        f["objects"][0]["usage"], "in-use",
        "pods in shop are readable: {f:#}"
    );
    assert_eq!(
        missing_resources(f),
        ["forbidden leases.coordination.k8s.io"]
    );

    let mut args = vec!["clear", PVC, "-n", "shop", "--yes"];
    args.extend(as_dev);
    let clear = env.run(&args);
    assert_eq!(clear.code, 1, "{clear:?}");
    assert!(
        clear.stderr.contains("the finalizer is doing its job"),
        "{clear:?}"
    );
    assert!(env.cluster.writes().is_empty());

    // Impersonating the same user from admin reaches the same verdict.
    let doc = json(&env.run(&["explain", PVC, "-n", "shop", "-o", "json", "--as", "dev"]));
    assert_eq!(
        finding(&doc, "kubernetes.io/pvc-protection")["state"],
        "UNKNOWN"
    );

    // Without the right to list pods, the usage check itself is unknown.
    env.cluster.deny(Deny {
        user: "dev".into(),
        verb: Some("list".into()),
        group: "".into(),
        resource: "pods".into(),
        namespace: None,
    });
    let mut args = vec!["clear", PVC, "-n", "shop", "--yes"];
    args.extend(as_dev);
    let clear = env.run(&args);
    assert_eq!(clear.code, 1, "{clear:?}");
    assert!(
        clear
            .stderr
            .contains(r#"cannot list pods in namespace shop: 403 Forbidden"#),
        "{clear:?}"
    );
    assert!(env.cluster.writes().is_empty());
    assert!(pvc_exists(&env));
}

/// ALIVE and DEGRADED owners are refused with the reason and the commands that
/// show more (the controller's logs, its description).
#[test]
fn alive_and_degraded_owners_are_refused_with_what_to_look_at() {
    let operator = |ready: bool| {
        format!(
            "apiVersion: v1
kind: Namespace
metadata: {{name: logging-system}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: logging-operator, namespace: logging-system}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: logging-operator}}}}
  template:
    metadata: {{labels: {{app: logging-operator}}}}
    spec: {{containers: [{{name: manager, image: operator}}]}}
status: {{replicas: 1, readyReplicas: {}}}
---
apiVersion: v1
kind: Pod
metadata: {{name: logging-operator-0, namespace: logging-system, labels: {{app: logging-operator}}}}
spec: {{containers: [{{name: manager, image: operator}}]}}
status:
  phase: Running
  conditions: [{{type: Ready, status: '{}'}}]
  containerStatuses: [{{name: manager, ready: {ready}, restartCount: {}, image: x, imageID: ''}}]
",
            u8::from(ready),
            if ready { "True" } else { "False" },
            if ready { 0 } else { 9 },
        )
    };
    for (ready, state, command) in [
        (true, "is ALIVE (use --force", "see: kubectl logs -n logging-system deployment/logging-operator --since=1h --all-containers"),
        (false, "is DEGRADED: bring it back", "see: kubectl describe -n logging-system deployment/logging-operator"),
    ] {
        let env = Env::new(&["logging-operator"]);
        env.cluster.load(&operator(ready)).unwrap();
        let run = env.run(&["clear", SYSLOG, "-n", "logging", "--yes"]);
        assert_eq!(run.code, 1, "{run:?}");
        assert!(run.stderr.contains(state), "{run:?}");
        assert!(run.stderr.contains(command), "{run:?}");
        assert!(env.cluster.writes().is_empty());
    }
}

/// The last two reads of the matrix, failing with a 500 instead of a 403: the
/// RBAC binding list an owner's GONE verdict rests on, and the pod list a
/// claim's "unused" rests on. Either makes the verdict UNKNOWN, and `clear
/// --yes` writes nothing.
#[test]
fn failing_binding_and_pod_lists_are_unknown_not_gone() {
    let env = Env::new(&["logging-operator"]);
    fail_gets(
        &env,
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        500,
    );
    let doc = json(&env.run(&["explain", "-o", "json"]));
    let f = finding(&doc, "syslogngconfig.logging.banzaicloud.io/finalizer");
    assert_eq!(f["state"], "UNKNOWN", "{f:#}");
    assert_eq!(
        missing_resources(f),
        ["failed clusterrolebindings.rbac.authorization.k8s.io"],
        "{f:#}"
    );
    let refused = env.run(&["clear", SYSLOG, "-n", "logging", "--yes"]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        env.cluster.writes().is_empty(),
        "{:?}",
        env.cluster.writes()
    );

    let env = Env::new(&["pvc-protection"]);
    fail_gets(&env, "/api/v1/namespaces/shop/pods", 500);
    let explain = env.run(&["explain", PVC, "-n", "shop", "-o", "json"]);
    assert_eq!(explain.code, 4, "{explain:?}");
    let doc = json(&explain);
    let f = finding(&doc, "kubernetes.io/pvc-protection");
    assert_eq!(f["objects"][0]["usage"], "unknown", "{f:#}");
    assert!(
        missing_resources(f).contains(&"failed pods in shop".to_string()),
        "{f:#}"
    );
    let refused = env.run(&["clear", PVC, "-n", "shop", "--yes"]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        env.cluster.writes().is_empty(),
        "{:?}",
        env.cluster.writes()
    );
    assert!(pvc_exists(&env));
}
