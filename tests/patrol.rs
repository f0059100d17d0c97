//! Patrol mode: scans from cron and CI that a permanently broken API does not fail,
//! counts for a human, OpenMetrics for a monitoring system, and the shipped
//! CronJob's RBAC being exactly enough for a complete scan.

mod support;

use support::Env;

#[test]
fn an_ignored_group_is_neither_listed_nor_unreadable() {
    let env = Env::new(&["metrics-apiservice", "logging-operator"]);
    let broken = env.run(&["scan", "--exit-code"]);
    assert_eq!(broken.code, 4, "the metrics API is down: {broken:?}");
    let patrol = env.run(&["scan", "--exit-code", "--ignore-group", "metrics.k8s.io"]);
    assert_eq!(patrol.code, 5, "complete, and something stuck: {patrol:?}");
    assert!(!patrol.stderr.contains("metrics.k8s.io"), "{patrol:?}");
    let quiet = env.run(&[
        "scan",
        "--ignore-group",
        "metrics.k8s.io",
        "--ignore-type",
        "syslogngconfigs.logging.banzaicloud.io",
        "-o",
        "name",
    ]);
    assert!(!quiet.stdout.contains("cluster-syslog"), "{quiet:?}");
    assert!(quiet.stdout.contains("cluster-logging"), "{quiet:?}");
}

#[test]
fn summary_counts_by_finalizer_with_its_owner_and_by_namespace() {
    let env = Env::new(&["logging-operator", "pvc-protection"]);
    let run = env.run(&["scan", "-o", "summary"]);
    assert_eq!(run.code, 0, "{run:?}");
    let rows = support::rows(&run.stdout);
    assert!(
        rows.iter().any(
            |r| r[0] == "syslogngconfig.logging.banzaicloud.io/finalizer"
                && r[1] == "logging-operator"
                && r[2] == "1"
        ),
        "{run:?}"
    );
    assert!(run.stdout.contains("NAMESPACE"), "{run:?}");
    assert!(
        run.stdout.contains("stuck object(s); scan complete"),
        "{run:?}"
    );
}

#[test]
fn openmetrics_for_a_textfile_collector_or_pushgateway() {
    let env = Env::new(&["metrics-apiservice", "logging-operator"]);
    let run = env.run(&["scan", "-o", "openmetrics"]);
    assert_eq!(run.code, 4, "{run:?}");
    let text = run.stdout;
    assert!(
        text.contains("# TYPE kubectl_finalizers_stuck_objects gauge\n"),
        "{text}"
    );
    assert!(text.contains("kubectl_finalizers_stuck_objects{context=\"testcluster\",namespace=\"logging\",finalizer=\"syslogngconfig.logging.banzaicloud.io/finalizer\",age=\"1h_1d\"} 1\n"), "{text}");
    assert!(
        text.contains("kubectl_finalizers_scan_complete 0\n"),
        "{text}"
    );
    assert!(text.ends_with("# EOF\n"), "{text}");
}

#[test]
fn the_shipped_patrol_rbac_is_enough_for_a_complete_scan_and_no_more() {
    let env = Env::new(&["logging-operator"]);
    let manifest = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/patrol-cronjob.yaml"
    ))
    .unwrap();
    env.cluster
        .load(&manifest)
        .expect("the manifest loads as a scenario");
    let role = env
        .cluster
        .object(
            "rbac.authorization.k8s.io",
            "clusterroles",
            "",
            "kubectl-finalizers-patrol",
        )
        .unwrap();
    for rule in role["rules"].as_array().unwrap() {
        for verb in rule["verbs"].as_array().unwrap() {
            assert!(
                ["list", "get", "watch"].contains(&verb.as_str().unwrap()),
                "read-only: {rule}"
            );
        }
    }
    let sa = "system:serviceaccount:finalizer-patrol:kubectl-finalizers";
    let run = env.run(&["scan", "--as", sa, "-o", "openmetrics"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("kubectl_finalizers_scan_complete 1\n"),
        "{run:?}"
    );
    // And it cannot write.
    let write = env.run(&[
        "clear",
        "syslogngconfig.logging.banzaicloud.io/cluster-syslog",
        "-n",
        "logging",
        "--as",
        sa,
        "--yes",
        "--force",
    ]);
    assert_ne!(write.code, 0, "{write:?}");
    assert!(
        env.cluster
            .writes()
            .iter()
            .all(|w| w.status >= 400 || w.user != sa),
        "{:?}",
        env.cluster.writes()
    );
}
