//! Fleet scans: several kubeconfig contexts at once, one unreachable cluster not
//! failing the others, items carrying their context and server — and `clear -f`
//! refusing a file written against another cluster.

mod support;

use serde_json::Value;
use support::Env;
use testcluster::TestCluster;

/// A kubeconfig with contexts `a` (the env's cluster), `b` (another cluster) and
/// `down` (nothing listens there).
fn fleet_kubeconfig(env: &Env, b: &TestCluster) -> std::path::PathBuf {
    use base64::Engine;
    let ca =
        |c: &TestCluster| base64::engine::general_purpose::STANDARD.encode(c.ca_pem().unwrap());
    let cluster = |name: &str, url: &str, ca: &str| {
        format!(
            "- name: {name}\n  cluster:\n    server: {url}\n    certificate-authority-data: {ca}\n"
        )
    };
    let mut text = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
    text.push_str(&cluster("a", &env.cluster.url(), &ca(&env.cluster)));
    text.push_str(&cluster("b", &b.url(), &ca(b)));
    text.push_str(&cluster("down", "https://127.0.0.1:9", &ca(b)));
    text.push_str(&format!(
        "users:\n- name: admin\n  user:\n    token: {}\n",
        testcluster::ADMIN_TOKEN
    ));
    text.push_str("contexts:\n");
    for c in ["a", "b", "down"] {
        text.push_str(&format!(
            "- name: {c}\n  context: {{cluster: {c}, user: admin}}\n"
        ));
    }
    text.push_str("current-context: a\n");
    let path = env.dir.path().join("fleet-kubeconfig");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn several_contexts_are_scanned_at_once_and_one_down_does_not_fail_the_others() {
    let env = Env::new(&["logging-operator"]);
    let b = TestCluster::start().unwrap();
    b.load_file(support::scenario_path("pvc-protection"))
        .unwrap();
    let kc = fleet_kubeconfig(&env, &b);
    let kc = kc.to_str().unwrap();

    let run = env.run(&[
        "scan",
        "--kubeconfig",
        kc,
        "--context",
        "a",
        "--context",
        "b",
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["metadata"]["contexts"], serde_json::json!(["a", "b"]));
    let item = |name: &str| {
        doc["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == name)
            .unwrap_or_else(|| panic!("{name}: {doc:#}"))
            .clone()
    };
    assert_eq!(item("cluster-syslog")["context"], "a");
    assert_eq!(item("cluster-syslog")["server"], env.cluster.url());
    assert_eq!(item("data-postgres-0")["context"], "b");
    assert_eq!(item("data-postgres-0")["server"], b.url());

    let table = env.run(&["scan", "--kubeconfig", kc, "--all-contexts"]);
    assert_eq!(table.code, 4, "one context is unreachable: {table:?}");
    assert!(table.stdout.starts_with("CONTEXT"), "{table:?}");
    assert!(table.stdout.contains("\na "), "{table:?}");
    assert!(table.stdout.contains("\nb "), "{table:?}");
    assert!(
        table
            .stderr
            .contains("warning: context down: not scanned (ConnectionFailed):"),
        "{table:?}"
    );
}

#[test]
fn clear_refuses_a_file_from_another_cluster_unless_told() {
    let env = Env::new(&["logging-operator"]);
    let b = TestCluster::start().unwrap();
    b.load_file(support::scenario_path("logging-operator"))
        .unwrap();
    let kc = fleet_kubeconfig(&env, &b);
    let kc = kc.to_str().unwrap();
    let scan = env.run(&[
        "scan",
        "--kubeconfig",
        kc,
        "--context",
        "a",
        "-n",
        "logging",
        "-o",
        "json",
    ]);
    assert_eq!(scan.code, 0, "{scan:?}");
    let file = env.dir.path().join("from-a.json");
    std::fs::write(&file, &scan.stdout).unwrap();
    let file = file.to_str().unwrap();

    let refused = env.run(&[
        "clear",
        "--kubeconfig",
        kc,
        "--context",
        "b",
        "-f",
        file,
        "--yes",
        "--dry-run",
    ]);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(
        refused.stderr.contains("was found in context a"),
        "{refused:?}"
    );
    assert!(
        refused
            .stderr
            .contains("but this run is connected to context b"),
        "{refused:?}"
    );
    assert!(b.writes().is_empty());

    // Told that it is the same cluster, the reviewed state still has to match (uids differ here).
    let told = env.run(&[
        "clear",
        "--kubeconfig",
        kc,
        "--context",
        "b",
        "-f",
        file,
        "--yes",
        "--allow-other-context",
    ]);
    assert!(
        told.stderr
            .contains("was deleted and recreated since it was listed"),
        "{told:?}"
    );
    assert!(b.writes().is_empty());

    let two = env.run(&[
        "explain",
        "--kubeconfig",
        kc,
        "--context",
        "a",
        "--context",
        "b",
    ]);
    assert_eq!(two.code, 2, "{two:?}");
    assert!(two.stderr.contains("only scan takes several"), "{two:?}");
}
