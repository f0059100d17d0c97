//! `__complete`, kubectl's plugin completion protocol, against the test cluster:
//! run directly, and through the real kubectl (1.26+) with the shipped
//! `kubectl_complete-finalizers` helper on PATH. Answers are one candidate a
//! line (a tab and a description may follow), then `:<directive>`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{kubectl, run, Env, Run};
use testcluster::{Fault, FaultAction};

/// `kubectl-finalizers __complete WORDS…` with the env's kubeconfig in
/// KUBECONFIG, as kubectl hands it to plugins.
fn complete(env: &Env, words: &[&str]) -> Run {
    run(Command::new(env!("CARGO_BIN_EXE_kubectl-finalizers"))
        .env("KUBECONFIG", &env.kubeconfig)
        .env("HOME", env.dir.path())
        .env("NO_COLOR", "1")
        .arg("__complete")
        .args(words)
        .stdin(Stdio::null()))
}

/// The answer's candidate lines and its directive; the run itself must succeed
/// quietly, whatever the cluster did.
fn answer(r: &Run) -> (Vec<&str>, &str) {
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stderr, "", "{r:?}");
    let mut lines: Vec<&str> = r.stdout.lines().collect();
    let directive = lines.pop().expect("a directive line");
    assert!(directive.starts_with(':'), "{r:?}");
    (lines, directive)
}

#[test]
fn a_namespace_type_completes_to_the_terminating_namespaces() {
    // shop is a live namespace (its spec carries `kubernetes`, like every
    // namespace); logging is Terminating.
    let env = Env::new(&["logging-operator", "pvc-protection"]);
    for ty in ["namespaces", "namespace", "ns"] {
        for sub in ["clear", "explain"] {
            let r = complete(&env, &[sub, &format!("{ty}/")]);
            assert_eq!(
                answer(&r),
                (vec![format!("{ty}/logging\tterminating").as_str()], ":4"),
                "{sub} {ty}/"
            );
        }
    }
    let partial = complete(&env, &["explain", "-n", "shop", "ns/lo"]);
    assert_eq!(answer(&partial), (vec!["ns/logging\tterminating"], ":4"));
    let none = complete(&env, &["clear", "ns/sh"]);
    assert_eq!(answer(&none), (vec![], ":4"));
    // kubectl's other form, TYPE NAME.
    let spaced = complete(&env, &["clear", "--yes", "namespace", ""]);
    assert_eq!(answer(&spaced), (vec!["logging\tterminating"], ":4"));
}

#[test]
fn names_of_other_types_carry_their_state() {
    let env = Env::new(&["logging-operator", "pvc-protection"]);
    let cr = complete(
        &env,
        &[
            "clear",
            "-n",
            "logging",
            "syslogngconfigs.logging.banzaicloud.io/",
        ],
    );
    assert_eq!(
        answer(&cr),
        (
            vec!["syslogngconfigs.logging.banzaicloud.io/cluster-syslog\tterminating"],
            ":4"
        )
    );
    // Cluster-scoped: -n does not matter.
    let cluster_scoped = complete(&env, &["explain", "-n", "shop", "loggings/"]);
    assert_eq!(
        answer(&cluster_scoped),
        (vec!["loggings/cluster-logging\tterminating"], ":4")
    );
    // Live objects with finalizers are offered too, after the terminating ones.
    let services = complete(&env, &["clear", "--namespace=shop", "svc/"]);
    let (lines, _) = answer(&services);
    assert!(
        lines.iter().all(|l| l.ends_with("\tlive")) && !lines.is_empty(),
        "{services:?}"
    );
}

#[test]
fn a_type_is_completed_with_its_slash_and_no_space() {
    let env = Env::new(&["logging-operator"]);
    let r = complete(&env, &["explain", "syslogngconfigs"]);
    assert_eq!(
        answer(&r),
        (vec!["syslogngconfigs.logging.banzaicloud.io/"], ":6")
    );
}

#[test]
fn finalizer_values_are_the_finalizers_in_the_cluster() {
    let env = Env::new(&["logging-operator", "pvc-protection"]);
    let all = complete(&env, &["scan", "--finalizer", ""]);
    assert_eq!(
        answer(&all),
        (
            vec![
                // Holding a terminating object: first, by name.
                "kubernetes\t1 terminating",
                "kubernetes.io/pv-protection\t1 terminating",
                "kubernetes.io/pvc-protection\t1 terminating",
                "logging.logging.banzaicloud.io/finalizer\t1 terminating",
                "syslogngconfig.logging.banzaicloud.io/finalizer\t1 terminating",
                // Only on live objects: last.
                "service.kubernetes.io/load-balancer-cleanup\t1 live",
            ],
            ":4"
        )
    );
    // -n narrows to the namespace's objects and the namespace itself.
    let in_logging = complete(&env, &["clear", "-n", "logging", "--finalizer", ""]);
    assert_eq!(
        answer(&in_logging),
        (
            vec![
                "kubernetes\t1 terminating",
                "syslogngconfig.logging.banzaicloud.io/finalizer\t1 terminating",
            ],
            ":4"
        )
    );
    // A prefix, and the --flag=value form (the shell strips `--finalizer=`).
    for words in [
        &["explain", "--finalizer", "sys"][..],
        &["explain", "--finalizer=sys"][..],
        &["--finalizer", "sys"][..],
    ] {
        let r = complete(&env, words);
        assert_eq!(
            answer(&r),
            (
                vec!["syslogngconfig.logging.banzaicloud.io/finalizer\t1 terminating"],
                ":4"
            ),
            "{words:?}"
        );
    }
    // Never resource types.
    let (lines, _) = answer(&all);
    assert!(!lines.iter().any(|l| l.ends_with('/')), "{all:?}");
}

/// The candidates' values, descriptions left out.
fn values<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    lines
        .iter()
        .map(|l| l.split('\t').next().unwrap())
        .collect()
}

#[test]
fn flag_values_come_from_the_cli_definition() {
    let env = Env::new(&["logging-operator"]);
    let scan = complete(&env, &["scan", "-o", ""]);
    let (lines, directive) = answer(&scan);
    assert_eq!(
        values(&lines),
        [
            "table",
            "wide",
            "json",
            "yaml",
            "name",
            "summary",
            "openmetrics"
        ]
    );
    assert_eq!(directive, ":4");
    assert!(
        lines.iter().any(|l| l.starts_with("summary\t")),
        "values carry their help: {scan:?}"
    );
    let explain = complete(&env, &["explain", "--output=j"]);
    assert_eq!(values(&answer(&explain).0), ["json"]);
    let color = complete(&env, &["--color", ""]);
    assert_eq!(values(&answer(&color).0), ["auto", "always", "never"]);
    let dry_run = complete(&env, &["clear", "--dry-run=s"]);
    assert_eq!(values(&answer(&dry_run).0), ["server"]);
    let shells = complete(&env, &["completion", "f"]);
    assert_eq!(answer(&shells), (vec!["fish"], ":4"));

    // Paths: the shell completes files.
    for words in [
        &["clear", "-f", ""][..],
        &["--kubeconfig", ""][..],
        &["explain", "--catalog", ""][..],
        &["clear", "--backup-dir", ""][..],
    ] {
        assert_eq!(answer(&complete(&env, words)), (vec![], ":0"), "{words:?}");
    }
    // A selector, a duration, a number: nothing to offer, and no files.
    for words in [
        &["scan", "-l", ""][..],
        &["clear", "--older-than", ""][..],
        &["explain", "--request-timeout", ""][..],
        &["scan", "--concurrency", ""][..],
    ] {
        assert_eq!(answer(&complete(&env, words)), (vec![], ":4"), "{words:?}");
    }
    // --dry-run takes its value only after `=`: the next word is an argument.
    let after_dry_run = complete(&env, &["clear", "--dry-run", "ns/"]);
    assert_eq!(
        answer(&after_dry_run),
        (vec!["ns/logging\tterminating"], ":4")
    );
}

#[test]
fn the_typed_connection_flags_are_used() {
    let env = Env::new(&["logging-operator"]);
    let plugin = |words: &[&str]| {
        run(Command::new(env!("CARGO_BIN_EXE_kubectl-finalizers"))
            .env_remove("KUBECONFIG")
            .env("HOME", env.dir.path())
            .arg("__complete")
            .args(words)
            .stdin(Stdio::null()))
    };
    let kubeconfig = env.kubeconfig.to_str().unwrap();
    let r = plugin(&["--kubeconfig", kubeconfig, "clear", "ns/"]);
    assert_eq!(answer(&r), (vec!["ns/logging\tterminating"], ":4"));

    // No kubeconfig: kubectl's flags name the server, its CA and the token.
    let ca = env.dir.path().join("ca.pem");
    std::fs::write(&ca, env.cluster.ca_pem().expect("an HTTPS cluster")).unwrap();
    let server = env.cluster.url();
    let ca = ca.to_str().unwrap();
    let r = plugin(&[
        "--server",
        &server,
        "--certificate-authority",
        ca,
        "--token",
        testcluster::ADMIN_TOKEN,
        "explain",
        "-n",
        "logging",
        "syslogngconfigs/",
    ]);
    assert_eq!(
        answer(&r),
        (vec!["syslogngconfigs/cluster-syslog\tterminating"], ":4")
    );
    // A value that does not parse does not lose the rest of the line.
    let r = plugin(&[
        "--kubeconfig",
        kubeconfig,
        "--request-timeout",
        "soon",
        "scan",
        "-n",
        "logging",
        "--finalizer",
        "sys",
    ]);
    assert_eq!(
        answer(&r),
        (
            vec!["syslogngconfig.logging.banzaicloud.io/finalizer\t1 terminating"],
            ":4"
        )
    );
}

#[test]
fn completion_never_fails() {
    // No kubeconfig at all.
    let home = tempfile::tempdir().unwrap();
    let r = run(Command::new(env!("CARGO_BIN_EXE_kubectl-finalizers"))
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("HOME", home.path())
        .args(["__complete", "scan", "--finalizer", ""])
        .stdin(Stdio::null()));
    assert_eq!(answer(&r), (vec![], ":4"));

    // Nothing listening.
    let env = Env::new(&[]);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let config = std::fs::read_to_string(&env.kubeconfig).unwrap();
    let server = env.cluster.url();
    std::fs::write(
        &env.kubeconfig,
        config.replace(&server, &format!("https://127.0.0.1:{port}")),
    )
    .unwrap();
    for (words, directive) in [
        (&["clear", "ns/"][..], ":4"),
        (&["scan", "--finalizer", ""][..], ":4"),
        (&["-n", ""][..], ":4"),
        // Types would be followed by a name: no space.
        (&["explain", ""][..], ":6"),
    ] {
        assert_eq!(
            answer(&complete(&env, words)),
            (vec![], directive),
            "{words:?}"
        );
    }

    // A server that never answers: the shell gets its answer within the budget.
    let env = Env::new(&["logging-operator"]);
    env.cluster.fault(Fault {
        method: None,
        path_contains: "/".into(),
        times: None,
        action: FaultAction::Hang,
    });
    let started = Instant::now();
    let r = complete(&env, &["scan", "--finalizer", ""]);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert_eq!(answer(&r), (vec![], ":4"));
    assert!(
        !env.cluster.requests().is_empty(),
        "the server was asked, and hung"
    );
}

/// kubectl's minor version, if it is 1.x.
fn kubectl_minor(k: &Path) -> Option<u32> {
    let out = Command::new(k)
        .args(["version", "--client", "-o", "json"])
        .output()
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let minor = v["clientVersion"]["minor"].as_str()?;
    (v["clientVersion"]["major"].as_str()? == "1")
        .then(|| minor.trim_end_matches(|c: char| !c.is_ascii_digit()))
        .and_then(|m| m.parse().ok())
}

/// A PATH with only the plugin, its completion helper, kubectl and the system tools.
fn plugin_path(env: &Env, kubectl: &Path) -> std::ffi::OsString {
    let bin = env.dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(
        env!("CARGO_BIN_EXE_kubectl-finalizers"),
        bin.join("kubectl-finalizers"),
    )
    .unwrap();
    let helper =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/kubectl_complete-finalizers");
    std::fs::copy(helper, bin.join("kubectl_complete-finalizers")).unwrap();
    std::env::join_paths([
        bin.as_path(),
        kubectl.parent().unwrap(),
        Path::new("/usr/bin"),
        Path::new("/bin"),
    ])
    .unwrap()
}

/// `kubectl __complete finalizers WORDS…`.
fn kubectl_complete(env: &Env, k: &PathBuf, path: &std::ffi::OsString, words: &[&str]) -> Run {
    run(Command::new(k)
        .env("PATH", path)
        .env("KUBECONFIG", &env.kubeconfig)
        .env("HOME", env.dir.path())
        .env("NO_COLOR", "1")
        .args(["__complete", "finalizers"])
        .args(words)
        .stdin(Stdio::null()))
}

#[test]
fn kubectl_completes_namespaces_and_finalizers_through_the_helper() {
    let Some(k) = kubectl() else { return };
    match kubectl_minor(&k) {
        Some(minor) if minor >= 26 => {}
        other => {
            eprintln!("kubectl 1.{other:?} has no plugin completion: skipping");
            return;
        }
    }
    let env = Env::new(&["logging-operator", "pvc-protection"]);
    let path = plugin_path(&env, &k);
    // kubectl prints its own debug lines on stderr; stdout is the plugin's answer.
    let stdout = |words: &[&str]| {
        let r = kubectl_complete(&env, &k, &path, words);
        assert_eq!(r.code, 0, "{words:?}: {r:?}");
        r.stdout
    };
    assert_eq!(stdout(&["clear", "ns/"]), "ns/logging\tterminating\n:4\n");
    assert_eq!(
        stdout(&["explain", "namespaces/"]),
        "namespaces/logging\tterminating\n:4\n"
    );
    assert_eq!(
        stdout(&["clear", "-n", "logging", "--finalizer", ""]),
        "kubernetes\t1 terminating\nsyslogngconfig.logging.banzaicloud.io/finalizer\t1 terminating\n:4\n"
    );
    assert_eq!(
        stdout(&["scan", "--finalizer=logging."]),
        "logging.logging.banzaicloud.io/finalizer\t1 terminating\n:4\n"
    );
}
