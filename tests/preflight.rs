//! `preflight`: before an operator is uninstalled, what carries its finalizers
//! anywhere in the cluster (built-in kinds included), and the order that avoids
//! stranding it; `--exit-code` for a Helm pre-delete hook or a CI gate.

mod support;

use serde_json::Value;
use support::Env;
use testcluster::Deny;

fn names(doc: &Value) -> Vec<String> {
    let mut n: Vec<String> = doc["items"]
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
        .collect();
    n.sort();
    n
}

#[test]
fn a_workload_or_its_helm_release_names_what_would_be_stranded() {
    let env = Env::new(&["preflight"]);
    let expected = [
        "ConfigMap/fluentd-config",
        "Logging/cluster-logging",
        "SyslogNGConfig/apps-syslog",
    ];
    for who in [
        &["deploy/logging-operator", "-n", "logging-system"][..],
        &["--helm-release", "logging-operator", "-n", "logging-system"],
        &["--group", "logging.banzaicloud.io"],
    ] {
        let mut args = vec!["preflight", "-o", "json"];
        args.extend(who);
        let run = env.run(&args);
        assert_eq!(run.code, 0, "{who:?}: {run:?}");
        let doc: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(names(&doc), expected, "{who:?}: {doc:#}");
        let steps = doc["steps"].as_array().unwrap();
        assert!(
            steps.iter().any(|s| s
                == "kubectl delete syslogngconfigs.logging.banzaicloud.io --all -n apps --wait"),
            "{steps:?}"
        );
        assert!(
            steps
                .iter()
                .any(|s| s == "kubectl delete configmap/fluentd-config -n apps --wait"),
            "{steps:?}"
        );
        assert!(
            steps
                .last()
                .unwrap()
                .as_str()
                .unwrap()
                .starts_with("then uninstall"),
            "{steps:?}"
        );
    }
    let text = env.run(&[
        "preflight",
        "--helm-release",
        "logging-operator",
        "-n",
        "logging-system",
        "--exit-code",
    ]);
    assert_eq!(text.code, 5, "{text:?}");
    assert!(
        text.stdout.contains("3 object(s) carry its finalizers"),
        "{text:?}"
    );
    assert!(text.stdout.contains("CRD syslogngconfigs.logging.banzaicloud.io was installed by Helm release logging-operator"), "{text:?}");
    assert!(text.stdout.contains("1. kubectl delete"), "{text:?}");
    assert!(!text.stdout.contains("unrelated"), "{text:?}");
    assert!(env.cluster.writes().is_empty(), "preflight only reads");
}

#[test]
fn nothing_to_strand_passes_the_gate_and_bad_input_is_a_usage_error() {
    let env = Env::new(&["preflight"]);
    let run = env.run(&["preflight", "--group", "acme.example.com", "--exit-code"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("uninstalling it strands nothing"),
        "{run:?}"
    );
    // The all-clear rests on every list: with one forbidden, it is not given.
    let env_denied = Env::new(&["preflight"]);
    env_denied.cluster.deny(Deny {
        user: "admin".into(),
        verb: Some("list".into()),
        group: String::new(),
        resource: "configmaps".into(),
        namespace: None,
    });
    let partial = env_denied.run(&["preflight", "--group", "acme.example.com", "--exit-code"]);
    assert_eq!(partial.code, 4, "{partial:?}");
    assert!(
        !partial.stdout.contains("strands nothing")
            && partial.stdout.contains("this is not an all-clear"),
        "{partial:?}"
    );
    assert!(partial.stderr.contains("configmaps"), "{partial:?}");
    for args in [
        &["preflight"][..],
        &["preflight", "pod/x"],
        &["preflight", "deploy/x", "--group", "g"],
    ] {
        let run = env.run(args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
    }
    let missing = env.run(&["preflight", "deploy/nope", "-n", "logging-system"]);
    assert_eq!(missing.code, 1, "{missing:?}");
    assert!(
        missing
            .stderr
            .contains("Deployment logging-system/nope was not found"),
        "{missing:?}"
    );
}
