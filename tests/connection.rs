//! kubectl's connection flags, with kubectl's precedence: `--server`, `--token`,
//! `--certificate-authority`, `--client-certificate`/`--client-key`,
//! `--insecure-skip-tls-verify`, `--tls-server-name`, `--username`/`--password`
//! win over the kubeconfig, and work without one.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use support::{Env, Run};

/// The plugin with no kubeconfig at all (HOME is empty), only `args`.
fn bare(env: &Env, args: &[&str]) -> Run {
    let home = env.dir.path().join("empty-home");
    std::fs::create_dir_all(&home).unwrap();
    support::run(
        Command::new(env!("CARGO_BIN_EXE_kubectl-finalizers"))
            .env_remove("KUBECONFIG")
            .env("HOME", &home)
            .env("NO_COLOR", "1")
            .args(args)
            .stdin(Stdio::null()),
    )
}

fn ca_file(env: &Env) -> PathBuf {
    let path = env.dir.path().join("ca.pem");
    std::fs::write(&path, env.cluster.ca_pem().unwrap()).unwrap();
    path
}

fn found_syslog(run: &Run) -> bool {
    let doc: Value = serde_json::from_str(&run.stdout).unwrap_or_default();
    doc["items"]
        .as_array()
        .is_some_and(|items| items.iter().any(|i| i["name"] == "cluster-syslog"))
}

#[test]
fn server_token_and_ca_flags_need_no_kubeconfig() {
    let env = Env::new(&["logging-operator"]);
    let url = env.cluster.url();
    let ca = ca_file(&env);
    let ca = ca.to_str().unwrap();
    let run = bare(
        &env,
        &[
            "scan",
            "-o",
            "json",
            "--server",
            &url,
            "--token",
            testcluster::ADMIN_TOKEN,
            "--certificate-authority",
            ca,
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(found_syslog(&run), "{run:?}");
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["metadata"]["server"], url);

    // Without the CA the certificate is not trusted, unless told not to check it.
    let untrusted = bare(
        &env,
        &["scan", "-s", &url, "--token", testcluster::ADMIN_TOKEN],
    );
    assert_eq!(untrusted.code, 1, "{untrusted:?}");
    let insecure = bare(
        &env,
        &[
            "scan",
            "-o",
            "json",
            "-s",
            &url,
            "--token",
            testcluster::ADMIN_TOKEN,
            "--insecure-skip-tls-verify",
        ],
    );
    assert_eq!(insecure.code, 0, "{insecure:?}");
    assert!(found_syslog(&insecure));
    let both = bare(
        &env,
        &[
            "scan",
            "-s",
            &url,
            "--insecure-skip-tls-verify",
            "--certificate-authority",
            ca,
        ],
    );
    assert_eq!(both.code, 1, "{both:?}");
    assert!(
        both.stderr
            .contains("specifying a root certificates file with the insecure flag is not allowed"),
        "{both:?}"
    );
}

#[test]
fn flags_win_over_the_kubeconfig() {
    let env = Env::new(&["logging-operator"]);
    // A kubeconfig whose server is wrong: --server fixes it.
    let wrong = env
        .cluster
        .kubeconfig()
        .replace(&env.cluster.url(), "https://127.0.0.1:9");
    let kc = env.dir.path().join("wrong-server");
    std::fs::write(&kc, wrong).unwrap();
    let kc = kc.to_str().unwrap();
    let run = env.run(&[
        "scan",
        "-o",
        "json",
        "--kubeconfig",
        kc,
        "--server",
        &env.cluster.url(),
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(found_syslog(&run));

    // --token replaces the kubeconfig user's token: a wrong one is refused...
    let refused = env.run(&["scan", "--token", "not-a-token"]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("Unauthorized"), "{refused:?}");
    assert!(!refused.stderr.contains("not-a-token"), "{refused:?}");
    // ...and the right one makes jane's context act as admin.
    env.cluster.add_user("jane", "jane-token");
    env.write_kubeconfig();
    env.cluster.clear_requests();
    let admin = env.run(&[
        "scan",
        "--context",
        "testcluster-jane",
        "--token",
        testcluster::ADMIN_TOKEN,
    ]);
    assert_eq!(admin.code, 0, "{admin:?}");
    assert!(env.cluster.requests().iter().all(|r| r.user == "admin"));

    // --insecure-skip-tls-verify drops the kubeconfig's CA rather than conflicting with it.
    let run = env.run(&["scan", "--insecure-skip-tls-verify"]);
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn tls_server_name_is_what_the_certificate_is_checked_against() {
    let env = Env::new(&["logging-operator"]);
    let named = env.run(&["scan", "--tls-server-name", "localhost"]);
    assert_eq!(named.code, 0, "{named:?}");
    let wrong = env.run(&["scan", "--tls-server-name", "api.elsewhere.example"]);
    assert_eq!(wrong.code, 1, "{wrong:?}");
    assert!(
        wrong.stderr.to_lowercase().contains("certificate"),
        "{wrong:?}"
    );
}

fn openssl_pair(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("client.crt"), dir.join("client.key"));
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=jane/O=devs",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(status.success());
    (cert, key)
}

#[test]
fn client_certificate_flags_are_loaded_and_bad_paths_are_named() {
    let env = Env::new(&["logging-operator"]);
    let missing = env.run(&[
        "scan",
        "--client-certificate",
        "/nonexistent/client.crt",
        "--client-key",
        "/nonexistent/client.key",
    ]);
    assert_eq!(missing.code, 1, "{missing:?}");
    assert!(
        missing.stderr.contains("/nonexistent/client.crt")
            || missing.stderr.contains("/nonexistent/client.key"),
        "{missing:?}"
    );
    assert!(!missing.stderr.contains("panicked"));
    // A valid pair is presented; the server (bearer tokens only) still authenticates by token.
    let (cert, key) = openssl_pair(env.dir.path());
    let run = env.run(&[
        "scan",
        "-o",
        "json",
        "--client-certificate",
        cert.to_str().unwrap(),
        "--client-key",
        key.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(found_syslog(&run));
}

#[test]
fn basic_auth_flags_are_sent_and_never_printed() {
    let env = Env::new(&["logging-operator"]);
    let url = env.cluster.url();
    let ca = ca_file(&env);
    let run = bare(
        &env,
        &[
            "scan",
            "-s",
            &url,
            "--certificate-authority",
            ca.to_str().unwrap(),
            "--username",
            "ops",
            "--password",
            "s3cret-basic-pw",
        ],
    );
    // The test cluster accepts bearer tokens only: basic credentials are refused as a real server without them would.
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("Unauthorized"), "{run:?}");
    assert!(!run.stderr.contains("s3cret-basic-pw"), "{run:?}");
    assert!(
        !env.cluster.requests().is_empty(),
        "the request reached the server"
    );
}
