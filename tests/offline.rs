//! Offline explain: `scan --with-evidence` captures what explain needs (and no
//! secrets), and `explain -f` reaches the same verdicts with no cluster at all.

mod support;

use serde_json::Value;
use std::process::{Command, Stdio};
use support::{Env, Run};

/// `explain -f FILE -o json` as someone without access: no kubeconfig, nothing
/// to connect to.
fn explain_offline(env: &Env, file: &std::path::Path) -> Run {
    let home = env.dir.path().join("elsewhere");
    std::fs::create_dir_all(&home).unwrap();
    support::run(
        Command::new(env!("CARGO_BIN_EXE_kubectl-finalizers"))
            .env_remove("KUBECONFIG")
            .env("HOME", &home)
            .env("NO_COLOR", "1")
            .args(["explain", "-f", file.to_str().unwrap(), "-o", "json"])
            .stdin(Stdio::null()),
    )
}

/// What a verdict is, without the wording that depends on the minute it is read.
fn verdicts(doc: &Value) -> Vec<String> {
    let mut out: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let objects: Vec<String> = f["objects"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| format!("{}:{}", o["name"], o["usage"]))
                .collect();
            format!(
                "{} | {} | {} | {} | {} | {}",
                f["finalizer"],
                f["owner"],
                f["attributedBy"],
                f["state"],
                f["recommendation"]["action"],
                objects.join(",")
            )
        })
        .collect();
    out.extend(
        doc["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| format!("ns {} | {}", n["name"], n["recommendation"]["action"])),
    );
    out.sort();
    out
}

#[test]
fn explain_from_a_snapshot_reaches_the_same_verdicts_with_no_cluster() {
    let env = Env::new(&[
        "logging-operator",
        "pvc-protection",
        "rbac-only-operator",
        "foreground-gone-lb",
    ]);
    env.cluster
        .load("apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\ntype: Opaque\nstringData: {password: TOPSECRET-VALUE}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: app, namespace: shop, labels: {app: postgres}}\nspec: {containers: [{name: app, image: app, env: [{name: PASSWORD, value: pod-env-secret}]}], volumes: [{name: data, persistentVolumeClaim: {claimName: data-postgres-0}}]}\nstatus: {phase: Running}\n")
        .unwrap();
    let online = env.run(&["explain", "-o", "json"]);
    assert!(online.code == 0 || online.code == 4, "{online:?}");
    let online_doc: Value = serde_json::from_str(&online.stdout).unwrap();

    let snapshot = env.run(&["scan", "--with-evidence", "-o", "json"]);
    assert_eq!(snapshot.code, 0, "{snapshot:?}");
    assert!(
        !snapshot.stdout.contains("TOPSECRET-VALUE"),
        "no Secret data"
    );
    assert!(!snapshot.stdout.contains("pod-env-secret"), "no pod specs");
    assert!(
        !snapshot.stdout.contains(testcluster::ADMIN_TOKEN),
        "no credentials"
    );
    let file = env.dir.path().join("snapshot.json");
    std::fs::write(&file, &snapshot.stdout).unwrap();

    // Someone without access: no kubeconfig, nothing to connect to.
    let offline = explain_offline(&env, &file);
    assert_eq!(offline.code, online.code, "{offline:?}");
    let offline_doc: Value = serde_json::from_str(&offline.stdout).unwrap();
    assert_eq!(verdicts(&offline_doc), verdicts(&online_doc));
    assert!(
        verdicts(&offline_doc).len() >= 6,
        "{:#?}",
        verdicts(&offline_doc)
    );
    assert_eq!(offline_doc["metadata"]["server"], env.cluster.url());

    // A plain scan document has no evidence: said, not guessed.
    let plain = env.run(&["scan", "-o", "json"]);
    std::fs::write(&file, &plain.stdout).unwrap();
    let refused = env.run(&["explain", "-f", file.to_str().unwrap()]);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(
        refused.stderr.contains(
            "has no evidence: write it with `kubectl finalizers scan --with-evidence -o json`"
        ),
        "{refused:?}"
    );
}

/// Evidence that could not be read when the snapshot was taken stays unread
/// offline: the verdict is UNKNOWN with the missing read named, and the run
/// ends incomplete (exit 4), as it would online.
#[test]
fn evidence_unread_at_capture_is_unknown_offline() {
    let env = Env::new(&["logging-operator"]);
    env.cluster.deny(testcluster::Deny {
        user: "admin".into(),
        verb: Some("list".into()),
        group: "apps".into(),
        resource: "deployments".into(),
        namespace: None,
    });
    let snapshot = env.run(&["scan", "--with-evidence", "-o", "json"]);
    assert_eq!(snapshot.code, 4, "{snapshot:?}");
    let file = env.dir.path().join("snapshot.json");
    std::fs::write(&file, &snapshot.stdout).unwrap();

    let offline = explain_offline(&env, &file);
    assert_eq!(offline.code, 4, "{offline:?}");
    let doc: Value = serde_json::from_str(&offline.stdout).unwrap();
    let finding = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["finalizer"] == "syslogngconfig.logging.banzaicloud.io/finalizer")
        .unwrap_or_else(|| panic!("{doc:#}"));
    assert_eq!(finding["state"], "UNKNOWN", "{finding:#}");
    let missing: Vec<String> = finding["missingEvidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{} {}",
                m["state"].as_str().unwrap(),
                m["resource"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        missing.contains(&"forbidden deployments.apps".to_string()),
        "{missing:?}"
    );
}
