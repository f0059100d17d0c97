//! Reliability during an incident: signals, lost answers, closed pipes, bad
//! input, secrets, hung connections and throttling — each checked end to end
//! against the test cluster, with the writes and audit records it leaves.

mod support;

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::{Env, Run};
use testcluster::{Fault, FaultAction, RequestKind};

const SYSLOG: &str = "syslogngconfig.logging.banzaicloud.io/cluster-syslog";
const SYSLOG_PATH: &str = "/syslogngconfigs/cluster-syslog";

fn fault(method: &str, path: &str, times: Option<usize>, action: FaultAction) -> Fault {
    Fault {
        method: Some(method.into()),
        path_contains: path.into(),
        times,
        action,
    }
}

fn audit_lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn syslog_present(env: &Env) -> bool {
    env.cluster
        .object(
            "logging.banzaicloud.io",
            "syslogngconfigs",
            "logging",
            "cluster-syslog",
        )
        .is_some()
}

/// Polls `what` until it holds or `limit` passes.
fn eventually(limit: Duration, mut what: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if what() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// A running plugin whose stderr lines arrive on a channel.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(mut cmd: Command) -> Running {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the plugin starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (up to 20 s) for a stderr line containing `text`.
    fn wait_for(&mut self, text: &str) {
        let end = Instant::now() + Duration::from_secs(20);
        while Instant::now() < end {
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(100)) {
                let hit = line.contains(text);
                self.seen.push(line);
                if hit {
                    return;
                }
            }
        }
        panic!("no stderr line with {text:?}: {:#?}", self.seen);
    }

    fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Exit code and stdout, within 20 s.
    fn finish(mut self) -> (Option<i32>, String, Vec<String>) {
        let end = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut out = String::new();
                std::io::Read::read_to_string(&mut self.child.stdout.take().unwrap(), &mut out)
                    .unwrap();
                self.seen.extend(self.lines.try_iter());
                return (status.code(), out, self.seen);
            }
            if Instant::now() > end {
                let _ = self.child.kill();
                panic!("the plugin did not end: {:#?}", self.seen);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn sigterm_stops_new_writes_and_the_audit_log_is_never_behind() {
    let env = Env::new(&["pvc-protection"]);
    let mut yaml = String::new();
    for i in 0..4 {
        yaml.push_str(&format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: held-{i}, namespace: shop, finalizers: [example.com/hold], annotations: {{testcluster.local/terminating-for: 1h}}}}\n"));
    }
    env.cluster.load(&yaml).unwrap();
    env.cluster
        .slow_down("/configmaps/held-", Duration::from_millis(800));
    let audit = env.dir.path().join("audit.jsonl");
    let mut cmd = env.plugin();
    cmd.args([
        "clear",
        "--stuck",
        "-n",
        "shop",
        "--finalizer",
        "example.com/hold",
        "--accept-missing-evidence",
        "--concurrency",
        "1",
        "--yes",
        "--audit-log",
    ])
    .arg(&audit);
    let mut run = Running::start(cmd);
    run.wait_for("Backed up 4 manifest(s)");
    assert!(eventually(Duration::from_secs(10), || !audit_lines(&audit).is_empty()));
    run.signal("-TERM");
    let (code, out, err) = run.finish();
    assert_eq!(code, Some(143), "{out}\n{err:#?}");
    assert!(
        err.iter()
            .any(|l| l.contains("SIGTERM: no new writes will be sent")),
        "{err:#?}"
    );
    assert!(out.contains("not attempted"), "{out}");
    let lines = audit_lines(&audit);
    let intents: Vec<&Value> = lines.iter().filter(|l| l["phase"] == "intent").collect();
    let results: Vec<&Value> = lines.iter().filter(|l| l["phase"] == "result").collect();
    let patched = env.cluster.writes().len();
    assert!((1..4).contains(&patched), "{patched}");
    assert_eq!(intents.len(), patched, "{lines:#?}");
    assert_eq!(results.len(), patched, "{lines:#?}");
    assert!(results.iter().all(|r| r["result"] == "removed"));
}

#[test]
fn a_second_signal_aborts_a_hung_write_and_records_it_as_unknown() {
    let env = Env::new(&["logging-operator"]);
    env.cluster
        .fault(fault("PATCH", SYSLOG_PATH, None, FaultAction::Hang));
    let audit = env.dir.path().join("audit.jsonl");
    let mut cmd = env.plugin();
    cmd.args(["clear", SYSLOG, "-n", "logging", "--yes", "--audit-log"])
        .arg(&audit);
    let mut run = Running::start(cmd);
    assert!(eventually(Duration::from_secs(10), || !audit_lines(&audit).is_empty()));
    run.signal("-INT");
    run.wait_for("SIGINT: no new writes will be sent");
    run.signal("-INT");
    let (code, out, err) = run.finish();
    assert_eq!(code, Some(130), "{out}\n{err:#?}");
    assert!(out.contains("unknown"), "{out}");
    let lines = audit_lines(&audit);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(lines[1]["result"], "unknown");
    assert!(lines[1]["detail"]
        .as_str()
        .unwrap()
        .contains("aborted while the write was in flight: check with `kubectl get syslogngconfigs.logging.banzaicloud.io/cluster-syslog -n logging -o yaml`"));
}

#[test]
fn a_crash_leaves_the_intent_on_disk() {
    let env = Env::new(&["logging-operator"]);
    env.cluster
        .fault(fault("PATCH", SYSLOG_PATH, None, FaultAction::Hang));
    let audit = env.dir.path().join("audit.jsonl");
    let mut cmd = env.plugin();
    cmd.args(["clear", SYSLOG, "-n", "logging", "--yes", "--audit-log"])
        .arg(&audit);
    let run = Running::start(cmd);
    assert!(eventually(Duration::from_secs(10), || !audit_lines(&audit).is_empty()));
    run.signal("-KILL");
    let (code, ..) = run.finish();
    assert_eq!(code, None, "killed");
    let lines = audit_lines(&audit);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["phase"], "intent");
    assert_eq!(
        lines[0]["finalizersRemoved"][0],
        "syslogngconfig.logging.banzaicloud.io/finalizer"
    );
}

#[test]
fn a_lost_answer_is_resolved_by_reading_the_object_again() {
    // The PATCH is applied but its answer never arrives: removed, after a re-read.
    let env = Env::new(&["logging-operator"]);
    env.cluster.fault(fault(
        "PATCH",
        SYSLOG_PATH,
        Some(1),
        FaultAction::LoseResponse,
    ));
    let audit = env.dir.path().join("audit.jsonl");
    let run = env.run(&[
        "clear",
        SYSLOG,
        "-n",
        "logging",
        "--yes",
        "--audit-log",
        audit.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!syslog_present(&env));
    let lines = audit_lines(&audit);
    assert_eq!(lines.last().unwrap()["result"], "removed", "{lines:#?}");

    // The connection breaks before the PATCH is handled: not removed, and said so.
    let env = Env::new(&["logging-operator"]);
    env.cluster
        .fault(fault("PATCH", SYSLOG_PATH, Some(1), FaultAction::Reset));
    let run = env.run(&[
        "clear",
        SYSLOG,
        "-n",
        "logging",
        "--yes",
        "--audit-log",
        audit.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("not removed: "), "{run:?}");
    assert!(
        run.stdout
            .contains("a re-read shows the finalizers unchanged"),
        "{run:?}"
    );
    assert!(syslog_present(&env));
    assert_eq!(audit_lines(&audit).last().unwrap()["result"], "failed");
}

#[test]
fn a_closed_stdout_stops_clear_before_any_write() {
    let env = Env::new(&["logging-operator"]);
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = env.plugin();
    cmd.args(["clear", SYSLOG, "-n", "logging", "--yes"])
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped());
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the plan could not be written to stdout"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    assert!(env.cluster.writes().is_empty());
    assert!(syslog_present(&env));
}

#[test]
fn distinct_outcomes_for_incomplete_selections_and_empty_files() {
    let env = Env::new(&["logging-operator"]);
    env.cluster.fault(fault(
        "GET",
        "/secrets",
        None,
        FaultAction::Status {
            code: 500,
            retry_after: None,
        },
    ));
    let run = env.run(&[
        "clear",
        "--stuck",
        "-n",
        "logging",
        "--dry-run",
        "--finalizer",
        "syslogngconfig.logging.banzaicloud.io/finalizer",
    ]);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(
        run.stdout
            .contains("Plan: remove 1 finalizer(s) from 1 object(s)."),
        "{run:?}"
    );
    let empty = env.dir.path().join("empty.json");
    for (text, why) in [("", "it is empty"), ("{}", "it has no `items`")] {
        std::fs::write(&empty, text).unwrap();
        let run = env.run(&["clear", "-f", empty.to_str().unwrap(), "--yes"]);
        assert_eq!(run.code, 2, "{run:?}");
        assert!(run.stderr.contains(why), "{run:?}");
    }
    std::fs::write(&empty, r#"{"items": []}"#).unwrap();
    let run = env.run(&["clear", "-f", empty.to_str().unwrap(), "--yes"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("Nothing to clear."), "{run:?}");
}

#[test]
fn audit_and_backup_paths_never_follow_symlinks() {
    let env = Env::new(&["logging-operator"]);
    let victim = env.dir.path().join("victim");
    std::fs::write(&victim, "precious").unwrap();
    let link = env.dir.path().join("audit.jsonl");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let run = env.run(&[
        "clear",
        SYSLOG,
        "-n",
        "logging",
        "--yes",
        "--audit-log",
        link.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("is a symbolic link: refusing to write through it"),
        "{run:?}"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(env.cluster.writes().is_empty());
}

#[test]
fn huge_durations_are_usage_errors_not_panics() {
    let env = Env::new(&[]);
    for args in [
        &["scan", "--older-than", "99999999999999999999999999d"][..],
        &["scan", "--request-timeout", "18446744073709551615"],
        &["clear", SYSLOG, "--wait", "--timeout", "200000000000000d"],
        &["scan", "--idle-timeout", "0"],
    ] {
        let run = env.run(args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(!run.stderr.contains("panicked"), "{run:?}");
    }
}

#[test]
fn a_hung_connection_ends_at_the_idle_timeout_even_without_a_request_timeout() {
    let env = Env::new(&["logging-operator"]);
    env.cluster.fault(fault(
        "GET",
        "/apis/apps/v1/deployments",
        None,
        FaultAction::Hang,
    ));
    let started = Instant::now();
    let run = env.run(&["explain", "-o", "json", "--idle-timeout", "1s"]);
    assert!(started.elapsed() < Duration::from_secs(30), "{run:?}");
    assert_eq!(run.code, 4, "{run:?}");
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["finalizer"] == "syslogngconfig.logging.banzaicloud.io/finalizer")
        .unwrap();
    assert_eq!(f["state"], "UNKNOWN", "{f:#}");
    assert!(
        doc["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["scope"] == "deployments" && p["reason"] == "Timeout"),
        "{doc:#}"
    );
}

#[test]
fn throttling_is_retried_after_the_servers_retry_after() {
    let env = Env::new(&["logging-operator"]);
    env.cluster.fault(fault(
        "GET",
        "/api",
        Some(1),
        FaultAction::Status {
            code: 429,
            retry_after: Some(2),
        },
    ));
    env.cluster.fault(fault(
        "PATCH",
        SYSLOG_PATH,
        Some(1),
        FaultAction::Status {
            code: 429,
            retry_after: Some(1),
        },
    ));
    let started = Instant::now();
    let run = env.run(&["clear", SYSLOG, "-n", "logging", "--yes"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "Retry-After honoured: {:?}",
        started.elapsed()
    );
    let patches: Vec<u16> = env
        .cluster
        .requests()
        .iter()
        .filter(|r| r.kind == RequestKind::Patch)
        .map(|r| r.status)
        .collect();
    assert_eq!(patches, [429, 200]);
    assert!(!syslog_present(&env));
}

/// A kubeconfig for `env`'s cluster whose admin user is `user_yaml`, and whose
/// cluster entry is `cluster_yaml` (server and CA filled in when empty).
fn custom_kubeconfig(
    env: &Env,
    server: &str,
    cluster_extra: &str,
    user_yaml: &str,
) -> std::path::PathBuf {
    use base64::Engine;
    let ca = base64::engine::general_purpose::STANDARD.encode(env.cluster.ca_pem().unwrap());
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {server}\n    certificate-authority-data: {ca}\n{cluster_extra}users:\n- name: u\n  user:\n{user_yaml}contexts:\n- name: x\n  context: {{cluster: c, user: u}}\ncurrent-context: x\n"
    );
    let path = env.dir.path().join("custom-kubeconfig");
    std::fs::write(&path, text).unwrap();
    path
}

fn run_with(env: &Env, kubeconfig: &std::path::Path, args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubectl-finalizers"));
    cmd.env_remove("KUBECONFIG")
        .env("HOME", env.dir.path())
        .env("NO_COLOR", "1")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .stdin(Stdio::null());
    support::run(&mut cmd)
}

#[test]
fn a_failing_credential_plugin_never_shows_its_output() {
    let env = Env::new(&[]);
    let plugin = env.dir.path().join("leaky-plugin");
    std::fs::write(
        &plugin,
        "#!/bin/sh\necho '{\"status\": {\"token\": \"LEAKED-EXEC-TOKEN-999\"}}'\necho \"token LEAKED-EXEC-TOKEN-999 rejected\" >&2\nexit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(&plugin, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let user = format!(
        "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: {}\n      args: [--cluster, prod]\n      env: [{{name: PLUGIN_SECRET, value: LEAKED-ENV-SECRET-12345678}}]\n      interactiveMode: Never\n",
        plugin.display()
    );
    let kc = custom_kubeconfig(&env, &env.cluster.url(), "", &user);
    let run = run_with(&env, &kc, &["scan"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(!run.stderr.contains("LEAKED-EXEC-TOKEN-999"), "{run:?}");
    assert!(!run.stderr.contains("LEAKED-ENV-SECRET"), "{run:?}");
    assert!(
        run.stderr.contains(&format!("the kubeconfig's credential plugin `{} --cluster prod` exited with exit status: 1; its stderr ends: token [redacted] rejected", plugin.display())),
        "{run:?}"
    );
}

#[test]
fn credentials_in_the_server_url_are_never_recorded() {
    let env = Env::new(&["logging-operator"]);
    let server = env
        .cluster
        .url()
        .replace("https://", "https://jane:hunter2secret@");
    let kc = custom_kubeconfig(
        &env,
        &server,
        "",
        &format!("    token: {}\n", testcluster::ADMIN_TOKEN),
    );
    let run = run_with(&env, &kc, &["scan", "-o", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["metadata"]["server"], env.cluster.url());
    let audit = env.dir.path().join("audit.jsonl");
    let run = run_with(
        &env,
        &kc,
        &[
            "clear",
            SYSLOG,
            "-n",
            "logging",
            "--yes",
            "--audit-log",
            audit.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let text = std::fs::read_to_string(&audit).unwrap();
    assert!(!text.contains("hunter2secret"), "{text}");
    assert!(text.contains(&env.cluster.url()), "{text}");
}

#[test]
fn insecure_skip_tls_verify_with_a_ca_is_refused_as_kubectl_does() {
    let env = Env::new(&[]);
    let kc = custom_kubeconfig(
        &env,
        &env.cluster.url(),
        "    insecure-skip-tls-verify: true\n",
        &format!("    token: {}\n", testcluster::ADMIN_TOKEN),
    );
    let run = run_with(&env, &kc, &["scan"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("specifying a root certificates file with the insecure flag is not allowed"),
        "{run:?}"
    );
    assert!(env.cluster.requests().is_empty());
}

#[test]
fn the_audit_names_who_authenticated_and_whom_they_impersonated() {
    let env = Env::new(&["logging-operator"]);
    env.cluster
        .load("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: jane-admin}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: User, name: jane, apiGroup: rbac.authorization.k8s.io}]\n")
        .unwrap();
    let audit = env.dir.path().join("audit.jsonl");
    let run = env.run(&[
        "clear",
        SYSLOG,
        "-n",
        "logging",
        "--yes",
        "--as",
        "jane",
        "--as-group",
        "devs",
        "--audit-log",
        audit.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let lines = audit_lines(&audit);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    for line in &lines {
        assert_eq!(line["user"], "admin", "the kubeconfig user");
        assert_eq!(line["authenticatedAs"], "admin", "{line:#}");
        assert_eq!(
            line["impersonating"],
            serde_json::json!({"user": "jane", "groups": ["devs"]})
        );
    }
    let patch = env
        .cluster
        .requests()
        .into_iter()
        .find(|r| r.kind == RequestKind::Patch)
        .unwrap();
    assert_eq!(
        (patch.user.as_str(), patch.authenticated_user.as_str()),
        ("jane", "admin")
    );
}

#[test]
fn qps_and_burst_limit_the_request_rate() {
    let env = Env::new(&["pvc-protection"]);
    let started = Instant::now();
    let run = env.run(&[
        "scan", "-n", "shop", "--qps", "40", "--burst", "5", "-o", "json",
    ]);
    let elapsed = started.elapsed();
    assert_eq!(run.code, 0, "{run:?}");
    let requests = env.cluster.requests().len() as f64;
    // Five at once, then forty a second: the run cannot be faster than that.
    let floor = Duration::from_secs_f64(((requests - 5.0) / 40.0).max(0.0) * 0.9);
    assert!(requests > 20.0, "{requests}");
    assert!(
        elapsed >= floor,
        "{requests} requests in {elapsed:?} (floor {floor:?})"
    );
}

#[test]
fn hostile_input_is_answered_not_crashed_on() {
    use std::os::unix::ffi::OsStrExt;
    let env = Env::new(&["logging-operator"]);
    // Arguments that are not UTF-8.
    let mut cmd = env.plugin();
    cmd.arg("explain")
        .arg(std::ffi::OsStr::from_bytes(b"pod/\xff"));
    let run = support::run(cmd.stdin(Stdio::null()));
    assert_eq!(run.code, 2, "{run:?}");
    assert!(!run.stderr.contains("panicked"), "{run:?}");
    // A stderr that cannot be written to.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = env
        .plugin()
        .args(["scan", "--context", "nope"])
        .stdin(Stdio::null())
        .stderr(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "no panic (101)");
    // A malformed label selector is the request's fault, said once.
    let run = env.run(&["scan", "-l", "!!!"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .starts_with("error: the API server refused the request"),
        "{run:?}"
    );
    // A user the kubeconfig does not have.
    let run = env.run(&["scan", "--user", "nope"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains(r#"user "nope" is not in the kubeconfig"#),
        "{run:?}"
    );
    // An empty --ignore-group would silently drop the core group.
    assert_eq!(env.run(&["scan", "--ignore-group", ""]).code, 2);
    // A mistyped name is not a success.
    let run = env.run(&["clear", "configmap/no-such-thing", "-n", "logging", "--yes"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("not found (check the name and the namespace)"),
        "{run:?}"
    );
    // The same item twice in a file is planned once.
    let scan = env.run(&["scan", "-n", "logging", "-o", "json"]);
    let mut doc: Value = serde_json::from_str(&scan.stdout).unwrap();
    let items = doc["items"].as_array().unwrap().clone();
    doc["items"] = Value::Array(items.iter().chain(items.iter()).cloned().collect());
    let file = env.dir.path().join("twice.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let run = env.run(&[
        "clear",
        "-f",
        file.to_str().unwrap(),
        "--dry-run",
        "--force",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains(&format!("from {} object(s)", items.len())),
        "{run:?}"
    );
}

/// API Priority and Fairness with 2 seats and no queue, 16 types listed at
/// once: the 429s lower the requests in flight to what the server serves, so
/// the scan completes instead of running out of retries.
#[test]
fn fewer_seats_than_requests_still_give_a_complete_scan() {
    let options = testcluster::Options {
        latency: Duration::from_millis(20),
        max_in_flight: Some(testcluster::limiter::Limits { seats: 2, queue: 0 }),
        ..Default::default()
    };
    let env = Env::with_options(&["logging-operator", "pvc-protection"], options);
    let run = env.run(&["scan", "-A", "-o", "json", "--concurrency", "16"]);
    assert_eq!(run.code, 0, "{run:?}");
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(doc["metadata"]["complete"], true, "{doc:#}");
    assert_eq!(doc["problems"], serde_json::json!([]), "{doc:#}");
    let statuses: Vec<u16> = env.cluster.requests().iter().map(|r| r.status).collect();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert!(
        throttled > 0,
        "the limiter never refused: the test shows nothing"
    );
}

/// The signal handlers stay installed through `--wait`: a signal ends the wait
/// at once (exit 128 + signal), rather than when `--timeout` runs out.
#[test]
fn a_signal_ends_the_wait_for_cleared_objects() {
    let env = Env::new(&["pvc-protection"]);
    env.cluster
        .load("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, namespace: shop, finalizers: [example.com/hold, example.com/keep], annotations: {testcluster.local/terminating-for: 1h}}\n")
        .unwrap();
    let audit = env.dir.path().join("audit.jsonl");
    let mut cmd = env.plugin();
    cmd.args([
        "clear",
        "configmap/held",
        "-n",
        "shop",
        "--finalizer",
        "example.com/hold",
        "--accept-missing-evidence",
        "--yes",
        "--wait",
        "--timeout",
        "60s",
        "--audit-log",
    ])
    .arg(&audit);
    let mut run = Running::start(cmd);
    run.wait_for("Audit records appended");
    let signalled = Instant::now();
    run.signal("-INT");
    let (code, out, err) = run.finish();
    assert_eq!(code, Some(130), "{out}\n{err:#?}");
    assert!(
        signalled.elapsed() < Duration::from_secs(10),
        "{:?}",
        signalled.elapsed()
    );
    assert!(
        err.iter().any(|l| l.contains("Interrupted while waiting")),
        "{err:#?}"
    );
    assert_eq!(env.cluster.writes().len(), 1);
}
