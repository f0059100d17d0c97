//! `kubectl finalizers clear` against the test cluster: nothing changes that was
//! not shown and confirmed; guards, backups, audit, and the prompt on a real pty.

mod support;

use rexpect::process::WaitStatus;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use support::Env;
use testcluster::{Deny, RequestKind};

const SYSLOG: &str = "syslogngconfig.logging.banzaicloud.io/cluster-syslog";

fn syslog_cr(env: &Env) -> Option<Value> {
    env.cluster.object(
        "logging.banzaicloud.io",
        "syslogngconfigs",
        "logging",
        "cluster-syslog",
    )
}

/// Adds a live ConfigMap with two finalizers in `shop`.
fn two_finalizers(env: &Env, terminating: bool) {
    let ann = if terminating {
        ", annotations: {testcluster.local/terminating-for: 10m}"
    } else {
        ""
    };
    env.cluster
        .load(&format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cfg, namespace: shop, finalizers: [a.example.com/one, b.example.com/two]{ann}}}\n"))
        .unwrap();
}

#[test]
fn client_dry_run_shows_the_diff_and_sends_nothing_that_writes() {
    let env = Env::new(&["logging-operator"]);
    env.cluster.clear_requests();
    let run = env.run(&["clear", SYSLOG, "-n", "logging", "--dry-run"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.starts_with(
            "--- SyslogNGConfig.logging.banzaicloud.io logging/cluster-syslog (resourceVersion "
        ),
        "{run:?}"
    );
    assert!(
        run.stdout
            .contains("\n-  - syslogngconfig.logging.banzaicloud.io/finalizer\n"),
        "{run:?}"
    );
    assert!(
        run.stdout.contains("owner logging-operator is GONE"),
        "{run:?}"
    );
    assert!(run
        .stderr
        .contains("Dry run (client): nothing was sent to the cluster."));
    assert!(
        env.cluster.writes().is_empty(),
        "{:?}",
        env.cluster.writes()
    );
    assert!(syslog_cr(&env).is_some());
    assert!(
        !env.dir
            .path()
            .join(".local/state/kubectl-finalizers")
            .exists(),
        "no backup or audit for a client dry run"
    );
}

#[test]
fn server_dry_run_sends_only_dry_run_patches() {
    let env = Env::new(&["logging-operator"]);
    env.cluster.clear_requests();
    let run = env.run(&["clear", SYSLOG, "-n", "logging", "--dry-run=server"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("ok (server dry run)"), "{run:?}");
    assert!(run.stdout.contains(
        "Dry run (server): every patch was sent with dryRun=All; nothing was persisted."
    ));
    let writes = env.cluster.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert!(
        writes[0].dry_run && writes[0].query.contains("dryRun=All"),
        "{writes:?}"
    );
    assert_eq!(writes[0].content_type, "application/json-patch+json");
    assert!(syslog_cr(&env).unwrap()["metadata"]["finalizers"].is_array());
}

#[test]
fn the_patch_is_guarded_and_removes_exactly_the_named_entry() {
    let env = Env::new(&["pvc-protection"]);
    two_finalizers(&env, true);
    let rv = env.cluster.object("", "configmaps", "shop", "cfg").unwrap()["metadata"]
        ["resourceVersion"]
        .clone();
    env.cluster.clear_requests();
    let run = env.run(&[
        "clear",
        "configmap/cfg",
        "-n",
        "shop",
        "--finalizer",
        "a.example.com/one",
        // No controller owns it: the owner is UNKNOWN, so it is named and acknowledged.
        "--accept-missing-evidence",
        "--yes",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let after = env.cluster.object("", "configmaps", "shop", "cfg").unwrap();
    assert_eq!(
        after["metadata"]["finalizers"],
        serde_json::json!(["b.example.com/two"])
    );
    let patch = env
        .cluster
        .writes()
        .into_iter()
        .find(|w| w.kind == RequestKind::Patch)
        .unwrap();
    let sent: Value = serde_json::from_str(&patch.body).unwrap();
    assert_eq!(
        sent,
        serde_json::json!([
            {"op": "test", "path": "/metadata/resourceVersion", "value": rv},
            {"op": "test", "path": "/metadata/finalizers", "value": ["a.example.com/one", "b.example.com/two"]},
            {"op": "replace", "path": "/metadata/finalizers", "value": ["b.example.com/two"]}
        ])
    );
}

#[test]
fn the_last_finalizer_going_deletes_the_object_and_kubectl_no_longer_finds_it() {
    let env = Env::new(&["logging-operator"]);
    let run = env.run(&[
        "clear",
        SYSLOG,
        "-n",
        "logging",
        "--yes",
        "--wait",
        "--timeout",
        "10s",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("removed"), "{run:?}");
    assert!(
        run.stderr.contains("All 1 cleared object(s) are gone."),
        "{run:?}"
    );
    assert!(syslog_cr(&env).is_none());
    // The namespace it held is finalized by the namespace controller in turn.
    assert!(env
        .cluster
        .object("", "namespaces", "", "logging")
        .is_none());
    if let Some(kubectl) = support::kubectl() {
        let got = support::run(
            std::process::Command::new(kubectl)
                .env("HOME", env.dir.path())
                .arg("--kubeconfig")
                .arg(&env.kubeconfig)
                .args(["get", "syslogngconfigs", "-A", "-o", "name"]),
        );
        assert_eq!((got.code, got.stdout.as_str()), (0, ""), "{got:?}");
    }
}

#[test]
fn a_finalizer_added_between_plan_and_apply_is_not_removed() {
    let env = Env::new(&["pvc-protection"]);
    two_finalizers(&env, false);
    env.cluster
        .before_next("PATCH", "/configmaps/cfg", |store| {
            let key = (
                "".to_string(),
                "configmaps".to_string(),
                "shop".to_string(),
                "cfg".to_string(),
            );
            let obj = store.objects.get_mut(&key).unwrap();
            obj["metadata"]["finalizers"]
                .as_array_mut()
                .unwrap()
                .push("c.example.com/late".into());
            obj["metadata"]["resourceVersion"] = "99999".into();
        });
    let run = env.run(&[
        "clear",
        "configmap/cfg",
        "-n",
        "shop",
        "--include-live",
        "--force",
        "--yes",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("conflict"), "{run:?}");
    assert!(run.stdout.contains(r#"finalizers changed since the plan: ["a.example.com/one", "b.example.com/two"] → ["a.example.com/one", "b.example.com/two", "c.example.com/late"]; nothing was patched"#), "{run:?}");
    let after = env.cluster.object("", "configmaps", "shop", "cfg").unwrap();
    assert_eq!(
        after["metadata"]["finalizers"],
        serde_json::json!([
            "a.example.com/one",
            "b.example.com/two",
            "c.example.com/late"
        ])
    );
}

#[test]
fn live_objects_and_alive_owners_are_refused_without_the_flags() {
    let env = Env::new(&["pvc-protection"]);
    two_finalizers(&env, false);
    let live = env.run(&["clear", "configmap/cfg", "-n", "shop", "--yes"]);
    assert!(
        live.stderr
            .contains("is not being deleted (no deletionTimestamp)"),
        "{live:?}"
    );
    let alive = env.run(&["clear", "pvc/data-postgres-0", "-n", "shop", "--yes"]);
    assert_eq!(alive.code, 1, "{alive:?}");
    assert!(
        alive.stderr.contains(
            "kubernetes.io/pvc-protection: the finalizer is doing its job: mounted by pod shop/postgres-0 (Running)"
        ),
        "{alive:?}"
    );
    assert!(
        alive
            .stderr
            .contains("is ALIVE (use --force to clear anyway; its cleanup will not run)"),
        "{alive:?}"
    );
    assert!(env.cluster.writes().is_empty());
    let forced = env.run(&[
        "clear",
        "pvc/data-postgres-0",
        "-n",
        "shop",
        "--yes",
        "--force",
    ]);
    assert_eq!(forced.code, 0, "{forced:?}");
    assert!(env
        .cluster
        .object("", "persistentvolumeclaims", "shop", "data-postgres-0")
        .is_none());
}

#[test]
fn a_stuck_namespace_is_finalized_through_the_finalize_subresource() {
    let env = Env::new(&["metrics-apiservice"]);
    env.cluster.clear_requests();
    let run = env.run(&["clear", "ns/team-old", "--yes"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("(resourceVersion ") && run.stdout.contains(", via /finalize) (planned)\n@@ -1,3 +1 @@\n spec:\n-  finalizers:\n-  - kubernetes\n"), "{run:?}");
    let writes = env.cluster.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(
        (writes[0].method.as_str(), writes[0].path.as_str()),
        ("PUT", "/api/v1/namespaces/team-old/finalize")
    );
    let body: Value = serde_json::from_str(&writes[0].body).unwrap();
    assert!(
        body["metadata"]["resourceVersion"].is_string(),
        "guarded by resourceVersion"
    );
    assert_eq!(body["spec"]["finalizers"], serde_json::json!([]));
    assert!(env
        .cluster
        .object("", "namespaces", "", "team-old")
        .is_none());
}

#[test]
fn a_namespace_with_content_is_not_finalized_without_force() {
    let env = Env::new(&["logging-operator"]);
    let run = env.run(&["clear", "ns/logging", "--yes"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("the namespace controller reports content still in it (Some resources are remaining: syslogngconfigs.logging.banzaicloud.io has 1 resource instances); removing `kubernetes` would orphan it in etcd"), "{run:?}");
    assert!(env.cluster.writes().is_empty());
}

#[test]
fn forbidden_names_the_permission_and_gone_counts_as_done() {
    let env = Env::new(&["logging-operator"]);
    env.cluster.add_user("jane", "jane-token");
    // RBAC makes jane an admin; the deny rule then takes patching away.
    env.cluster
        .load("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: jane-admin}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: User, name: jane}]\n")
        .unwrap();
    env.cluster.deny(Deny {
        user: "jane".into(),
        verb: Some("patch".into()),
        group: "logging.banzaicloud.io".into(),
        resource: "syslogngconfigs".into(),
        namespace: None,
    });
    env.write_kubeconfig();
    let run = env.run(&[
        "clear",
        SYSLOG,
        "-n",
        "logging",
        "--yes",
        "--context",
        "testcluster-jane",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("forbidden"), "{run:?}");
    assert!(run.stdout.contains(r#"User "jane" cannot patch resource "syslogngconfigs" in API group "logging.banzaicloud.io" in the namespace "logging" (check: kubectl auth can-i patch syslogngconfigs.logging.banzaicloud.io -n logging)"#), "{run:?}");

    // Someone else removes it between plan and apply: already gone is success.
    env.cluster
        .before_next("PATCH", "/syslogngconfigs/cluster-syslog", |store| {
            store
                .objects
                .retain(|(_, p, _, n), _| !(p == "syslogngconfigs" && n == "cluster-syslog"));
        });
    let gone = env.run(&["clear", SYSLOG, "-n", "logging", "--yes"]);
    assert_eq!(gone.code, 0, "{gone:?}");
    assert!(gone.stdout.contains("already gone"), "{gone:?}");
}

#[test]
fn backups_and_audit_records_are_written_privately() {
    let env = Env::new(&["logging-operator"]);
    let backups = env.dir.path().join("backups");
    let audit = env.dir.path().join("audit/log.jsonl");
    let run = env.run(&[
        "clear",
        SYSLOG,
        "-n",
        "logging",
        "--yes",
        "--backup-dir",
        backups.to_str().unwrap(),
        "--audit-log",
        audit.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let file = backups.join("syslogngconfigs.logging.banzaicloud.io_logging_cluster-syslog.yaml");
    let saved: Value = serde_yaml::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(saved["kind"], "SyslogNGConfig");
    assert_eq!(
        saved["metadata"]["finalizers"][0],
        "syslogngconfig.logging.banzaicloud.io/finalizer"
    );
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(&backups).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let lines: Vec<Value> = std::fs::read_to_string(&audit)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Write-ahead: the intent is on disk before the PATCH, the result after it.
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["phase"], "intent");
    assert!(lines[0].get("result").is_none());
    assert_eq!(lines[1]["phase"], "result");
    for line in &lines {
        assert_eq!(line["context"], "testcluster");
        assert_eq!(line["user"], "admin");
        assert_eq!(line["object"]["name"], "cluster-syslog");
        assert_eq!(line["uid"], saved["metadata"]["uid"]);
        assert_eq!(
            line["finalizersRemoved"],
            serde_json::json!(["syslogngconfig.logging.banzaicloud.io/finalizer"])
        );
    }
    assert_eq!(lines[1]["result"], "removed");
    assert_eq!(
        std::fs::metadata(&audit).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn scan_json_round_trips_into_clear() {
    let env = Env::new(&["logging-operator"]);
    let scan = env.run(&[
        "scan",
        "-o",
        "json",
        "--finalizer",
        "*.logging.banzaicloud.io/finalizer",
    ]);
    let file = env.dir.path().join("stuck.json");
    std::fs::write(&file, &scan.stdout).unwrap();
    let run = env.run(&["clear", "-f", file.to_str().unwrap(), "--yes"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.matches("removed").count(), 2, "{run:?}");
    assert!(syslog_cr(&env).is_none());
    assert!(env
        .cluster
        .object("logging.banzaicloud.io", "loggings", "", "cluster-logging")
        .is_none());

    // explain's JSON is accepted too: runbooks go scan → explain → review → clear.
    let env2 = Env::new(&["logging-operator"]);
    let explained = env2.run(&["explain", "-o", "json", "-n", "logging"]);
    let file2 = env2.dir.path().join("explained.json");
    std::fs::write(&file2, &explained.stdout).unwrap();
    let planned = env2.run(&["clear", "-f", file2.to_str().unwrap(), "--dry-run"]);
    assert_eq!(
        planned.code, 1,
        "the namespace is refused while content remains: {planned:?}"
    );
    assert!(
        planned
            .stdout
            .contains("SyslogNGConfig.logging.banzaicloud.io logging/cluster-syslog"),
        "{planned:?}"
    );
    assert!(
        planned.stderr.contains("skipping Namespace logging"),
        "{planned:?}"
    );
    assert!(env2.cluster.writes().is_empty());

    // YAML from stdin, and a stale uid is refused.
    let env = Env::new(&["logging-operator"]);
    let yaml = env
        .run(&["scan", "-o", "yaml", "-n", "logging"])
        .stdout
        .replace("uid: ", "uid: stale-");
    let mut child = env
        .plugin()
        .args(["clear", "-f", "-", "--yes"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), yaml.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("was deleted and recreated since it was listed"),
        "{stderr}"
    );
    assert!(env.cluster.writes().is_empty());
}

#[test]
fn without_a_terminal_and_without_yes_nothing_is_patched() {
    let env = Env::new(&["logging-operator"]);
    let run = env.run(&["clear", SYSLOG, "-n", "logging"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("refusing to patch without confirmation: no terminal"),
        "{run:?}"
    );
    assert!(env.cluster.writes().is_empty());
    assert!(syslog_cr(&env).is_some());
}

fn pty_clear(env: &Env) -> rexpect::session::PtySession {
    let mut cmd = env.plugin();
    cmd.args(["clear", SYSLOG, "-n", "logging"]);
    rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawned on a pty")
}

/// Waits for the prompt, and for the terminal to be switched to raw mode
/// (the cursor is hidden just before), so that a key press is not discarded.
fn at_prompt(p: &mut rexpect::session::PtySession) {
    p.exp_string("Remove these finalizers from 1 object(s)? [y/N]")
        .unwrap();
    p.exp_string("\u{1b}[?25l").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
}

fn exit_code(p: &mut rexpect::session::PtySession) -> i32 {
    match p.process_mut().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("did not exit normally: {other:?}"),
    }
}

#[test]
fn on_a_terminal_y_patches() {
    let env = Env::new(&["logging-operator"]);
    let mut p = pty_clear(&env);
    at_prompt(&mut p);
    p.send("y").unwrap();
    p.flush().unwrap();
    p.exp_string("removed").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&mut p), 0);
    assert!(syslog_cr(&env).is_none());
}

#[test]
fn on_a_terminal_n_does_not_patch() {
    let env = Env::new(&["logging-operator"]);
    let mut p = pty_clear(&env);
    at_prompt(&mut p);
    p.send("n").unwrap();
    p.flush().unwrap();
    p.exp_string("Declined: nothing was changed.").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&mut p), 3);
    assert!(env.cluster.writes().is_empty());
    assert!(syslog_cr(&env).is_some());
}

#[test]
fn on_a_terminal_ctrl_c_does_not_patch() {
    let env = Env::new(&["logging-operator"]);
    let mut p = pty_clear(&env);
    at_prompt(&mut p);
    p.send_control('c').unwrap();
    p.exp_eof().unwrap();
    let status = p.process_mut().wait().unwrap();
    assert!(
        matches!(
            status,
            WaitStatus::Exited(_, 3) | WaitStatus::Signaled(_, _, _)
        ),
        "{status:?}"
    );
    assert!(env.cluster.writes().is_empty());
    assert!(syslog_cr(&env).is_some());
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let env = Env::new(&["logging-operator"]);
    let plain = env.run(&["clear", SYSLOG, "-n", "logging", "--dry-run"]);
    assert!(
        !plain.stdout.contains('\x1b') && !plain.stderr.contains('\x1b'),
        "{plain:?}"
    );
    let coloured = env.run(&[
        "clear",
        SYSLOG,
        "-n",
        "logging",
        "--dry-run",
        "--color",
        "always",
    ]);
    assert!(
        coloured
            .stdout
            .contains("\x1b[31m-  - syslogngconfig.logging.banzaicloud.io/finalizer\x1b[0m"),
        "{coloured:?}"
    );
    let explain = env.run(&["explain", "--color", "always"]);
    assert!(
        explain.stdout.contains("which is \x1b[31mGONE\x1b[0m"),
        "{explain:?}"
    );
    // NO_COLOR wins in auto mode even on a terminal.
    let mut cmd = env.plugin();
    cmd.args(["explain"]);
    let mut p = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    let out = p.exp_eof().unwrap();
    assert!(out.contains("which is GONE"), "{out}");
}

#[test]
fn wait_reports_what_still_holds_an_object() {
    let env = Env::new(&["pvc-protection"]);
    two_finalizers(&env, true);
    let run = env.run(&[
        "clear",
        "configmap/cfg",
        "-n",
        "shop",
        "--finalizer",
        "a.example.com/one",
        "--accept-missing-evidence",
        "--yes",
        "--wait",
        "--timeout",
        "1s",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("still there after 1s: ConfigMap shop/cfg: still held by b.example.com/two"),
        "{run:?}"
    );
}

#[test]
fn ctrl_c_stops_issuing_patches_and_reports_what_was_done() {
    let env = Env::new(&["pvc-protection"]);
    let mut yaml = String::new();
    for i in 0..4 {
        yaml.push_str(&format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: held-{i}, namespace: shop, finalizers: [example.com/hold], annotations: {{testcluster.local/terminating-for: 1h}}}}\n"));
    }
    env.cluster.load(&yaml).unwrap();
    env.cluster
        .slow_down("/configmaps/held-", std::time::Duration::from_millis(1500));
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
    ]);
    let mut p = rexpect::session::spawn_command(cmd, Some(30_000)).unwrap();
    p.exp_string("Backed up 4 manifest(s)").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    p.send_control('c').unwrap();
    let out = p.exp_eof().unwrap();
    assert_eq!(exit_code(&mut p), 130, "{out}");
    assert!(out.contains("not attempted"), "{out}");
    assert!(out.contains("Interrupted:"), "{out}");
    let patched = env.cluster.writes().len();
    assert!(
        (1..4).contains(&patched),
        "some but not all were patched: {patched}\n{out}"
    );
}

#[test]
fn the_plan_names_only_the_owners_of_what_it_will_clear() {
    let env = Env::new(&["logging-operator", "pvc-protection"]);
    let run = env.run(&["clear", "--stuck", "-A", "--dry-run"]);
    // The mounted claim is refused; the summary speaks only of what is planned.
    assert!(
        run.stderr
            .contains("skipping PersistentVolumeClaim shop/data-postgres-0"),
        "{run:?}"
    );
    assert!(
        run.stdout.contains(
            "syslogngconfig.logging.banzaicloud.io/finalizer — owner logging-operator is GONE"
        ),
        "{run:?}"
    );
    assert!(
        !run.stdout.contains("kubernetes.io/pvc-protection —"),
        "{run:?}"
    );
}

#[test]
fn wait_watches_the_object_until_it_goes() {
    let env = Env::new(&["pvc-protection"]);
    two_finalizers(&env, true);
    let mut cmd = env.plugin();
    cmd.args([
        "clear",
        "configmap/cfg",
        "-n",
        "shop",
        "--finalizer",
        "a.example.com/one",
        "--accept-missing-evidence",
        "--yes",
        "--wait",
        "--timeout",
        "30s",
    ])
    .stdin(std::process::Stdio::null())
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    // The other finalizer's controller finishes once the plugin is watching.
    let end = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while !env
        .cluster
        .requests()
        .iter()
        .any(|r| r.kind == RequestKind::Watch)
    {
        assert!(std::time::Instant::now() < end, "no watch was opened");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    env.cluster.with_store(|store| {
        let res = store.resource_by_gr("", "configmaps").unwrap();
        let target = testcluster::store::Target::new(&res, "shop", "cfg", None);
        store
            .patch(
                &target,
                "application/merge-patch+json",
                br#"{"metadata":{"finalizers":null}}"#,
                false,
            )
            .unwrap();
    });
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("All 1 cleared object(s) are gone."),
        "{stderr}"
    );
    assert!(env
        .cluster
        .object("", "configmaps", "shop", "cfg")
        .is_none());
}
