//! `kubectl finalizers explain` against the test cluster: owner, state and
//! recommendation for each case of the triage story.

mod support;

use serde_json::Value;
use support::Env;
use testcluster::RequestKind;

fn explain_json(env: &Env, args: &[&str]) -> Value {
    let mut all = vec!["explain", "-o", "json"];
    all.extend_from_slice(args);
    let run = env.run(&all);
    assert!(run.code == 0 || run.code == 4, "{run:?}");
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

fn details(f: &Value) -> String {
    f["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["detail"].as_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

const LOGGING: &str = "syslogngconfig.logging.banzaicloud.io/finalizer";

/// The logging operator, installed: a Deployment, its pod, its leader lease.
fn logging_operator(ready: bool, restarts: u32, renewed_ago: &str) -> String {
    let waiting = if ready {
        String::new()
    } else {
        ", state: {waiting: {reason: CrashLoopBackOff}}".to_string()
    };
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
  selector: {{matchLabels: {{app.kubernetes.io/name: logging-operator}}}}
  template:
    metadata: {{labels: {{app.kubernetes.io/name: logging-operator}}}}
    spec: {{serviceAccountName: logging-operator, containers: [{{name: manager, image: 'ghcr.io/kube-logging/logging-operator:4.10.0'}}]}}
status: {{replicas: 1, readyReplicas: {}}}
---
apiVersion: v1
kind: Pod
metadata: {{name: logging-operator-5c9b7d6f4-qm2xz, namespace: logging-system, labels: {{app.kubernetes.io/name: logging-operator}}}}
spec: {{containers: [{{name: manager, image: 'ghcr.io/kube-logging/logging-operator:4.10.0'}}]}}
status:
  phase: Running
  conditions: [{{type: Ready, status: '{}'}}]
  containerStatuses: [{{name: manager, ready: {ready}, restartCount: {restarts}, image: x, imageID: ''{waiting}}}]
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {{name: logging-operator.logging.banzaicloud.io, namespace: logging-system, annotations: {{testcluster.local/renewed-ago: {renewed_ago}}}}}
spec: {{holderIdentity: logging-operator-5c9b7d6f4-qm2xz_5f0c1a2b, leaseDurationSeconds: 15}}
",
        u8::from(ready),
        if ready { "True" } else { "False" },
    )
}

#[test]
fn uninstalled_operator_is_gone_and_its_low_risk_finalizer_safe_to_clear() {
    let env = Env::new(&["logging-operator"]);
    let doc = explain_json(&env, &[]);
    let f = finding(&doc, LOGGING);
    assert_eq!(f["owner"], "logging-operator");
    assert_eq!(f["attributedBy"], "catalogue");
    assert_eq!(f["state"], "GONE");
    assert_eq!(f["risk"], "low");
    assert_eq!(f["recommendation"]["action"], "safe-to-clear");
    assert_eq!(
        f["recommendation"]["commands"][0],
        "kubectl finalizers clear syslogngconfig.logging.banzaicloud.io/cluster-syslog -n logging --finalizer syslogngconfig.logging.banzaicloud.io/finalizer"
    );
    assert!(details(f)
        .contains("no Deployment, StatefulSet or DaemonSet matching *logging-operator* exists"));
    // The namespace chain: namespace → object → finalizer.
    let ns = &doc["namespaces"][0];
    assert_eq!(ns["name"], "logging");
    assert_eq!(ns["blockingObjects"][0]["name"], "cluster-syslog");
    assert_eq!(ns["blockingObjects"][0]["notes"][0], LOGGING);
    // It follows its worst blocker: a GONE owner never acts, so waiting is wrong.
    assert_eq!(ns["recommendation"]["action"], "fix-blocker-first");
    assert!(ns["recommendation"]["summary"]
        .as_str()
        .unwrap()
        .contains("SyslogNGConfig.logging.banzaicloud.io logging/cluster-syslog will not go by itself: syslogngconfig.logging.banzaicloud.io/finalizer is owned by logging-operator, which is GONE"));
    assert_eq!(
        ns["recommendation"]["commands"],
        f["recommendation"]["commands"]
    );
    // The namespace's own finalizer is a finding like every other one.
    let own = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["finalizer"] == "kubernetes")
        .expect("the namespace's kubernetes finalizer");
    assert_eq!(
        own["owner"],
        "namespace controller (kube-controller-manager)"
    );
    assert_eq!(own["state"], "ALIVE");
    assert_eq!(own["objects"][0]["usage"], "in-use");
    assert_eq!(own["recommendation"], ns["recommendation"]);

    let text = env.run(&["explain"]);
    assert!(
        text.stdout.contains(&format!(
            "1 object blocked by {LOGGING}, owned by logging-operator, which is GONE"
        )),
        "{text:?}"
    );
    assert!(text.stdout.contains("→ SAFE TO CLEAR"), "{text:?}");
    assert!(
        text.stdout.contains("By owner:\n  GONE      logging-operator: 2 object(s), logging.logging.banzaicloud.io/finalizer, syslogngconfig.logging.banzaicloud.io/finalizer → SAFE TO CLEAR\n"),
        "{text:?}"
    );
}

#[test]
fn a_working_operator_is_alive_and_the_advice_is_to_wait() {
    let env = Env::new(&[]);
    env.cluster.load(&logging_operator(true, 0, "3s")).unwrap();
    let recent = std::fs::read_to_string(support::scenario_path("logging-operator"))
        .unwrap()
        .replace("terminating-for: 3h", "terminating-for: 2m");
    env.cluster.load(&recent).unwrap();
    let doc = explain_json(&env, &[]);
    let f = finding(&doc, LOGGING);
    assert_eq!(f["state"], "ALIVE", "{f:#}");
    assert_eq!(f["recommendation"]["action"], "wait");
    let d = details(f);
    assert!(
        d.contains("Deployment logging-system/logging-operator: 1/1 replicas ready"),
        "{d}"
    );
    assert!(d.contains("lease logging-system/logging-operator.logging.banzaicloud.io held by logging-operator-5c9b7d6f4-qm2xz_5f0c1a2b, renewed 3s ago"), "{d}");
}

#[test]
fn an_alive_operator_that_does_not_finish_is_investigated_with_its_logs() {
    let env = Env::new(&["logging-operator"]);
    env.cluster.load(&logging_operator(true, 0, "2s")).unwrap();
    let f = finding(&explain_json(&env, &[]), LOGGING).clone();
    assert_eq!(f["state"], "ALIVE");
    assert_eq!(f["recommendation"]["action"], "investigate");
    assert_eq!(
        f["recommendation"]["commands"][0],
        "kubectl logs -n logging-system deployment/logging-operator --since=1h --all-containers"
    );
}

#[test]
fn crash_looping_or_stale_lease_is_degraded() {
    let env = Env::new(&["logging-operator"]);
    env.cluster
        .load(&logging_operator(false, 14, "2s"))
        .unwrap();
    let f = finding(&explain_json(&env, &[]), LOGGING).clone();
    assert_eq!(f["state"], "DEGRADED");
    assert!(
        details(&f).contains("container manager is CrashLoopBackOff (14 restarts)"),
        "{f:#}"
    );
    assert_eq!(f["recommendation"]["action"], "investigate");

    let env = Env::new(&["logging-operator"]);
    env.cluster.load(&logging_operator(true, 0, "20m")).unwrap();
    let f = finding(&explain_json(&env, &[]), LOGGING).clone();
    assert_eq!(f["state"], "DEGRADED");
    assert!(
        details(&f).contains("renewed 20m ago: the leader has stopped working"),
        "{f:#}"
    );
}

#[test]
fn an_uncatalogued_operator_is_found_through_rbac_alone() {
    let env = Env::new(&["rbac-only-operator"]);
    let doc = explain_json(&env, &["widget/blue", "-n", "team-a"]);
    let f = finding(&doc, "widgets.acme.example.com/cleanup");
    assert_eq!(f["owner"], "Deployment acme-system/widget-controller");
    assert_eq!(f["attributedBy"], "rbac");
    assert_eq!(f["state"], "ALIVE");
    assert!(f.get("risk").is_none());
    let d = details(f);
    assert!(d.contains("runs as service account widget-controller, which may update widgets.acme.example.com (ClusterRoleBinding widget-controller → ClusterRole widget-controller)"), "{d}");
    assert!(
        !d.contains("cluster-admin"),
        "wildcard roles say nothing about ownership: {d}"
    );
    assert_eq!(f["recommendation"]["action"], "investigate");
}

#[test]
fn a_webhook_without_endpoints_is_the_blocker_to_fix_first() {
    let env = Env::new(&["rbac-only-operator"]);
    env.cluster.load("
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: widget-validation}
webhooks:
- name: validate.widgets.acme.example.com
  clientConfig: {service: {namespace: acme-system, name: widget-webhook, path: /validate}}
  rules: [{apiGroups: [acme.example.com], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [widgets]}]
  failurePolicy: Fail
  sideEffects: None
  admissionReviewVersions: [v1]
").unwrap();
    let doc = explain_json(&env, &[]);
    let f = finding(&doc, "widgets.acme.example.com/cleanup");
    assert_eq!(f["recommendation"]["action"], "fix-blocker-first");
    assert!(f["blockers"][0].as_str().unwrap().starts_with(
        "ValidatingWebhookConfiguration widget-validation (webhook validate.widgets.acme.example.com) intercepts UPDATE of widgets and its service acme-system/widget-webhook has no ready endpoints"
    ), "{f:#}");

    // With a ready endpoint the webhook no longer blocks.
    env.cluster.load("
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: widget-webhook-abcde, namespace: acme-system, labels: {kubernetes.io/service-name: widget-webhook}}
addressType: IPv4
endpoints: [{addresses: [10.0.0.7], conditions: {ready: true}}]
ports: [{port: 9443}]
").unwrap();
    let f = finding(&explain_json(&env, &[]), "widgets.acme.example.com/cleanup").clone();
    assert_ne!(f["recommendation"]["action"], "fix-blocker-first");
}

#[test]
fn a_pvc_mounted_by_a_running_pod_is_left_to_its_finalizer() {
    let env = Env::new(&["pvc-protection"]);
    let doc = explain_json(&env, &["pvc/data-postgres-0", "-n", "shop"]);
    let f = finding(&doc, "kubernetes.io/pvc-protection");
    assert_eq!(
        f["state"], "ALIVE",
        "the test cluster renews kube-controller-manager's lease: {f:#}"
    );
    assert_eq!(f["risk"], "high");
    assert_eq!(
        f["objects"][0]["notes"][0],
        "mounted by pod shop/postgres-0 (Running)"
    );
    assert_eq!(f["recommendation"]["action"], "wait");
    assert!(f["recommendation"]["summary"]
        .as_str()
        .unwrap()
        .contains("mounted by pod shop/postgres-0"));
}

#[test]
fn a_namespace_behind_an_unavailable_metrics_api_names_the_apiservice() {
    let env = Env::new(&["metrics-apiservice"]);
    let doc = explain_json(&env, &["ns/team-old"]);
    let ns = &doc["namespaces"][0];
    assert_eq!(ns["name"], "team-old");
    assert_eq!(ns["blockingObjects"], serde_json::json!([]));
    assert_eq!(
        ns["unavailableApiServices"][0],
        "v1beta1.metrics.k8s.io (MissingEndpoints: endpointslices for service/metrics-server in \"kube-system\" have no addresses with port name \"https\")"
    );
    assert_eq!(ns["recommendation"]["action"], "fix-blocker-first");
    assert_eq!(
        ns["recommendation"]["commands"][0],
        "kubectl get apiservice v1beta1.metrics.k8s.io -o yaml"
    );
}

#[test]
fn a_namespace_held_by_custom_resources_of_a_gone_controller_shows_the_chain() {
    let env = Env::new(&["logging-operator"]);
    let run = env.run(&["explain", "ns/logging"]);
    assert_eq!(run.code, 0, "{run:?}");
    let out = &run.stdout;
    let ns_at = out
        .find("NAMESPACE logging — terminating 3h")
        .expect("namespace section");
    let held = out.find("SyslogNGConfig.logging.banzaicloud.io logging/cluster-syslog  ← syslogngconfig.logging.banzaicloud.io/finalizer").expect("held by");
    let owner = out
        .find("owned by logging-operator, which is GONE")
        .expect("owner and state");
    assert!(ns_at < held && held < owner, "reads top-down: {out}");
    assert!(
        !out.contains("Logging.logging.banzaicloud.io cluster-logging"),
        "only the namespace's content: {out}"
    );
}

#[test]
fn foreground_deletion_shows_the_dependents_it_waits_for() {
    let env = Env::new(&["foreground-deletion"]);
    let doc = explain_json(&env, &["deployment/web", "-n", "shop"]);
    let f = finding(&doc, "foregroundDeletion");
    assert_eq!(f["owner"], "garbage collector (kube-controller-manager)");
    assert_eq!(f["objects"][0]["notes"][0], "waits for dependent ReplicaSet.apps shop/web-7d9c8b6f5 (terminating, held by audit.example.com/retain)");
    assert_eq!(f["recommendation"]["action"], "wait");
}

#[test]
fn explain_about_one_finalizer_includes_live_objects_and_works_with_none() {
    let env = Env::new(&["pvc-protection"]);
    let doc = explain_json(
        &env,
        &["--finalizer", "service.kubernetes.io/load-balancer-cleanup"],
    );
    let f = finding(&doc, "service.kubernetes.io/load-balancer-cleanup");
    assert_eq!(f["objects"][0]["name"], "storefront");
    assert!(f["objects"][0]["terminatingSeconds"].is_null());
    assert_eq!(
        f["recommendation"]["action"], "wait",
        "a live object is not stuck: {f:#}"
    );
    assert!(f["recommendation"]["summary"]
        .as_str()
        .unwrap()
        .starts_with("Nothing is being deleted"));
    let doc = explain_json(&env, &["--finalizer", "finalizer.acme.cert-manager.io"]);
    let f = finding(&doc, "finalizer.acme.cert-manager.io");
    assert_eq!(f["owner"], "cert-manager");
    assert_eq!(f["objects"], serde_json::json!([]));
}

#[test]
fn evidence_costs_a_fixed_number_of_requests() {
    let count = |stuck: usize| {
        let env = Env::new(&["rbac-only-operator"]);
        let mut yaml = String::new();
        for i in 0..stuck {
            yaml.push_str(&format!("---\napiVersion: acme.example.com/v1\nkind: Widget\nmetadata: {{name: w-{i}, namespace: team-a, finalizers: [widgets.acme.example.com/cleanup], annotations: {{testcluster.local/terminating-for: 1h}}}}\n"));
        }
        env.cluster.load(&yaml).unwrap();
        env.cluster.clear_requests();
        let doc = explain_json(&env, &[]);
        assert_eq!(
            finding(&doc, "widgets.acme.example.com/cleanup")["objects"]
                .as_array()
                .unwrap()
                .len(),
            stuck + 1
        );
        let requests = env.cluster.requests();
        assert!(
            requests.iter().all(|r| !r.kind.is_write()),
            "explain never writes"
        );
        assert!(
            requests.iter().all(|r| r.kind != RequestKind::Get),
            "no per-object GET"
        );
        requests.len()
    };
    let (few, many) = (count(1), count(60));
    assert_eq!(few, many, "requests must not grow with stuck objects");
}

#[test]
fn finalizer_selects_finalizers_for_named_objects_too() {
    let env = Env::new(&["pvc-protection"]);
    // One meaning everywhere: a named object that carries no selected finalizer is skipped.
    let run = env.run(&[
        "explain",
        "pvc/data-postgres-0",
        "-n",
        "shop",
        "--finalizer",
        "nothing/*",
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("carries no finalizer that --finalizer selects"),
        "{run:?}"
    );
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["findings"], serde_json::json!([]));
    // A finalizer nothing carries is explained without a made-up object.
    let run = env.run(&["explain", "--finalizer", "foo.example.com/x"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stdout.contains("update ;"), "{run:?}");
    assert!(
        run.stdout.contains("No object carries this finalizer"),
        "{run:?}"
    );
}

#[test]
fn foreground_deletion_follows_a_dependent_held_by_a_gone_controller() {
    let env = Env::new(&["foreground-gone-lb"]);
    let doc = explain_json(&env, &["deployment/gateway-proxy", "-n", "edge"]);
    let f = finding(&doc, "foregroundDeletion");
    assert_eq!(f["recommendation"]["action"], "fix-blocker-first", "{f:#}");
    let summary = f["recommendation"]["summary"].as_str().unwrap();
    assert!(summary.contains("it waits for its dependent Service edge/gateway-proxy, held by service.k8s.aws/resources whose owner AWS Load Balancer Controller is GONE"), "{summary}");
    // The dependent is explained too: the chain ends at its owner.
    let lb = finding(&doc, "service.k8s.aws/resources");
    assert_eq!(lb["state"], "GONE");
    assert_eq!(
        f["recommendation"]["commands"],
        lb["recommendation"]["commands"]
    );
}

#[test]
fn a_crd_in_deletion_is_not_answered_with_reinstall() {
    let env = Env::new(&["cert-manager-crd-deleted"]);
    let doc = explain_json(&env, &[]);
    let f = finding(&doc, "finalizer.acme.cert-manager.io");
    assert_eq!(f["state"], "GONE", "{f:#}");
    assert_eq!(f["recommendation"]["action"], "clear-with-care");
    let summary = f["recommendation"]["summary"].as_str().unwrap();
    assert!(summary.contains("the objects' CRD is itself being deleted: reinstalling the operator would not run a clean teardown"), "{summary}");
    assert!(
        !summary.contains("reinstalling it would run its cleanup"),
        "{summary}"
    );
    assert!(
        details(f).contains("the CRD challenges.acme.cert-manager.io is itself being deleted"),
        "{}",
        details(f)
    );
}

#[test]
fn an_uncatalogued_operator_is_found_through_its_helm_release_not_a_broad_grant() {
    let env = Env::new(&["helm-operator"]);
    let doc = explain_json(&env, &[]);
    let f = finding(&doc, "tools.example.net/finalizer");
    assert_eq!(
        f["owner"], "Deployment gizmo-system/controller-manager",
        "{f:#}"
    );
    assert_eq!(f["attributedBy"], "helm");
    assert_eq!(f["state"], "ALIVE");
    let d = details(f);
    assert!(
        d.contains("was installed by Helm release gizmo, like the CRD gizmos.tools.example.net"),
        "{d}"
    );
    assert!(
        d.contains("Deployment monitoring/metrics-agent may update gizmos.tools.example.net"),
        "{d}"
    );
    assert!(d.contains("not enough to name it the owner"), "{d}");
}

#[test]
fn a_core_type_finalizer_is_not_pinned_on_a_workload_with_broad_rights() {
    let env = Env::new(&["core-type-finalizers"]);
    let doc = explain_json(&env, &[]);
    let f = finding(&doc, "artifacts.pipelines.example.org/upload");
    assert_eq!(f["owner"], "unknown", "{f:#}");
    assert_eq!(f["attributedBy"], "unknown");
    assert_eq!(f["state"], "UNKNOWN");
    assert!(
        details(f).contains("Deployment local-path-storage/local-path-provisioner may update pods"),
        "{}",
        details(f)
    );
    assert!(details(f).contains("not enough to name it the owner"));
    // The domain alone names the project, and its known workloads are looked for.
    let f = finding(&doc, "workflows.argoproj.io/pod-cleanup");
    assert_eq!(
        f["owner"], "argo-workflows (by the finalizer's domain workflows.argoproj.io)",
        "{f:#}"
    );
    assert_eq!(f["attributedBy"], "domain");
    assert_eq!(f["state"], "GONE");
}

#[test]
fn a_namespace_is_explained_from_what_its_controller_says_remains() {
    let env = Env::new(&["logging-operator"]);
    env.cluster.clear_requests();
    let run = env.run(&["explain", "ns/logging", "-o", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        doc["namespaces"][0]["blockingObjects"][0]["name"],
        "cluster-syslog"
    );
    // Only the type the namespace controller names is listed in the namespace.
    let listed: Vec<String> = env
        .cluster
        .requests()
        .into_iter()
        .filter(|r| r.kind == RequestKind::List && r.path.contains("/namespaces/logging/"))
        .map(|r| r.path)
        .collect();
    assert_eq!(
        listed,
        ["/apis/logging.banzaicloud.io/v1beta1/namespaces/logging/syslogngconfigs"],
        "no full scan when the conditions account for everything"
    );
    // When they do not (no conditions reported), every type is listed.
    env.cluster.with_store(|s| {
        let o = s
            .objects
            .get_mut(&("".into(), "namespaces".into(), "".into(), "logging".into()))
            .unwrap();
        o["status"] = serde_json::json!({"phase": "Terminating"});
    });
    env.cluster.clear_requests();
    let run = env.run(&["explain", "ns/logging", "-o", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let lists = env
        .cluster
        .requests()
        .into_iter()
        .filter(|r| r.kind == RequestKind::List && r.path.contains("/namespaces/logging/"))
        .count();
    assert!(lists > 20, "{lists}");
}
