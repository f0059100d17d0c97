//! Fidelity evidence, part 2: watches, list snapshots, server-side apply, empty
//! values, managedFields, admission webhooks and the CRD cleanup finalizer
//! (apiserver-semantics-2.md §13–§19). The real kubectl does what it would do
//! against kube-apiserver; where kubectl cannot show a detail, a bare HTTP
//! request does. Skipped only where kubectl is absent and `CI` is unset.

mod support;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::{kubectl, Env, Run};

fn k(env: &Env, binary: &Path, args: &[&str]) -> Run {
    support::run_kubectl(env, binary, args, None)
}

fn k_stdin(env: &Env, binary: &Path, args: &[&str], input: &str) -> Run {
    support::run_kubectl(env, binary, args, Some(input))
}

/// One request sent by curl (for what kubectl cannot show): status, headers
/// and body.
fn http(
    env: &Env,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let ca = env.dir.path().join("ca.pem");
    std::fs::write(&ca, env.cluster.ca_pem().expect("TLS")).expect("CA written");
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "-i", "--cacert"])
        .arg(&ca)
        .args(["-X", method, "-H"])
        .arg(format!(
            "Authorization: Bearer {}",
            testcluster::ADMIN_TOKEN
        ));
    for (k, v) in headers {
        cmd.arg("-H").arg(format!("{k}: {v}"));
    }
    if !body.is_empty() {
        cmd.args(["--data-binary", body]);
    }
    let out = cmd
        .arg(format!("{}{path}", env.cluster.url()))
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no response: {out:?}"));
    let code = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (code, head.to_string(), body.to_string())
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Starts kubectl with stdout read line by line into a channel.
fn spawn(env: &Env, binary: &Path, args: &[&str]) -> (Child, mpsc::Receiver<String>) {
    let mut child = Command::new(binary)
        .env_remove("KUBECONFIG")
        .env("HOME", env.dir.path())
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubectl starts");
    let out = child.stdout.take().expect("piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    (child, rx)
}

/// Waits for a line starting with `prefix`, collecting every line seen.
fn wait_for(rx: &mpsc::Receiver<String>, prefix: &str, seen: &mut Vec<String>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) => {
                let hit = line.starts_with(prefix);
                seen.push(line);
                if hit {
                    return;
                }
            }
            Err(_) => break,
        }
    }
    panic!("no line starting with {prefix:?}; saw {seen:?}");
}

/// Polls the request log until a request matches.
fn wait_for_request(env: &Env, what: impl Fn(&testcluster::RequestRecord) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if env.cluster.requests().iter().any(&what) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the expected request never came");
}

fn configmap_with_finalizer(env: &Env, binary: &Path, name: &str) {
    let created = k_stdin(
        env,
        binary,
        &["create", "-f", "-"],
        &format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: shop, finalizers: [example.com/hold]}}\ndata: {{a: b}}\n"),
    );
    assert_eq!(created.code, 0, "{created:?}");
}

// --- §13 watch ------------------------------------------------------------------

/// §13.2, §13.3, §13.6: `kubectl get -w` prints each change as it happens, and
/// the removal of the last finalizer as DELETED.
#[test]
fn kubectl_get_watch_prints_modified_and_deleted() {
    let Some(bin) = kubectl() else { return };
    let env = Env::new(&["pvc-protection"]);
    configmap_with_finalizer(&env, &bin, "cfg");
    let (mut child, rx) = spawn(
        &env,
        &bin,
        &[
            "get",
            "configmap",
            "cfg",
            "-n",
            "shop",
            "-w",
            "--output-watch-events",
            "--no-headers",
        ],
    );
    let mut seen = Vec::new();
    wait_for(&rx, "ADDED", &mut seen);
    wait_for_request(&env, |r| r.kind == testcluster::RequestKind::Watch);
    let delete = k(
        &env,
        &bin,
        &["delete", "configmap", "cfg", "-n", "shop", "--wait=false"],
    );
    assert_eq!(delete.code, 0, "{delete:?}");
    wait_for(&rx, "MODIFIED", &mut seen);
    let patch = k(
        &env,
        &bin,
        &[
            "patch",
            "configmap",
            "cfg",
            "-n",
            "shop",
            "--type=json",
            "-p",
            r#"[{"op":"remove","path":"/metadata/finalizers"}]"#,
        ],
    );
    assert_eq!(patch.code, 0, "{patch:?}");
    wait_for(&rx, "DELETED", &mut seen);
    let _ = child.kill();
    let _ = child.wait();
    let events: Vec<&str> = seen
        .iter()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(events, ["ADDED", "MODIFIED", "DELETED"], "{seen:?}");
}

/// §13.8: `kubectl delete` waits on a watch and returns as soon as the
/// object is gone, not at its timeout.
#[test]
fn kubectl_delete_wait_returns_when_the_object_goes() {
    let Some(bin) = kubectl() else { return };
    let env = Env::new(&["pvc-protection"]);
    configmap_with_finalizer(&env, &bin, "cfg");
    env.cluster.clear_requests();
    let child = Command::new(&bin)
        .env_remove("KUBECONFIG")
        .env("HOME", env.dir.path())
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(["delete", "configmap", "cfg", "-n", "shop", "--timeout=60s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubectl starts");
    wait_for_request(&env, |r| {
        r.kind == testcluster::RequestKind::Watch
            && r.query.contains("fieldSelector=metadata.name%3Dcfg")
    });
    let removed = Instant::now();
    env.cluster.with_store(|s| {
        let res = s.resource_by_gr("", "configmaps").unwrap();
        let target = testcluster::store::Target::new(&res, "shop", "cfg", None);
        s.patch(
            &target,
            "application/json-patch+json",
            br#"[{"op":"remove","path":"/metadata/finalizers"}]"#,
            false,
        )
        .unwrap();
    });
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "configmap \"cfg\" deleted\n"
    );
    assert!(
        removed.elapsed() < Duration::from_secs(10),
        "took {:?}",
        removed.elapsed()
    );
}

/// §13.3–§13.5, §13.1: a watch from a revision replays what changed after it;
/// bookmarks come only when asked for; a compacted revision is an `Expired`
/// ERROR event; `sendInitialEvents` is refused on a server without WatchList.
#[test]
fn watch_resumes_bookmarks_and_expires() {
    let Some(bin) = kubectl() else { return };
    let env = Env::new(&["pvc-protection"]);
    let before = k(
        &env,
        &bin,
        &["get", "--raw", "/api/v1/namespaces/shop/configmaps"],
    );
    let rv = json_of(&before.stdout)["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    configmap_with_finalizer(&env, &bin, "cfg");
    let from =
        format!("/api/v1/namespaces/shop/configmaps?watch=1&resourceVersion={rv}&timeoutSeconds=1");
    let replay = k(&env, &bin, &["get", "--raw", &from]);
    assert_eq!(replay.code, 0, "{replay:?}");
    let events: Vec<Value> = replay.stdout.lines().map(json_of).collect();
    assert_eq!(events.len(), 1, "{replay:?}");
    assert_eq!(events[0]["type"], "ADDED");
    assert_eq!(events[0]["object"]["kind"], "ConfigMap");
    assert_eq!(events[0]["object"]["metadata"]["name"], "cfg");

    // timeoutSeconds=3: the watch cache's bookmark 2 s before the deadline.
    let with_bookmarks = format!("/api/v1/namespaces/shop/configmaps?watch=1&resourceVersion={rv}&timeoutSeconds=3&allowWatchBookmarks=true");
    let marked = k(&env, &bin, &["get", "--raw", &with_bookmarks]);
    let last = json_of(marked.stdout.lines().last().unwrap());
    let current = env.cluster.with_store(|s| s.current_rv());
    assert_eq!(
        last,
        json!({"type": "BOOKMARK", "object": {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"resourceVersion": current, "creationTimestamp": null}}})
    );

    env.cluster.compact();
    let expired = k(&env, &bin, &["get", "--raw", &from]);
    assert_eq!(
        json_of(expired.stdout.trim()),
        json!({"type": "ERROR", "object": {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": format!("too old resource version: {rv} ({current})"), "reason": "Expired", "code": 410}})
    );

    let watch_list = k(
        &env,
        &bin,
        &["get", "--raw", "/api/v1/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"],
    );
    assert_eq!(
        watch_list.stderr,
        "The ListOptions \"\" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled\n"
    );
}

// --- §14 lists --------------------------------------------------------------------

/// §14.1–§14.4: every page comes from the first page's revision; impossible
/// combinations and revisions are refused as kube-apiserver refuses them.
#[test]
fn lists_page_over_one_snapshot() {
    let Some(bin) = kubectl() else { return };
    let env = Env::new(&["pvc-protection"]);
    for i in 0..5 {
        let created = k(
            &env,
            &bin,
            &["create", "configmap", &format!("cm-{i}"), "-n", "shop"],
        );
        assert_eq!(created.code, 0, "{created:?}");
    }
    let first = json_of(
        &k(
            &env,
            &bin,
            &["get", "--raw", "/api/v1/namespaces/shop/configmaps?limit=2"],
        )
        .stdout,
    );
    let token = first["metadata"]["continue"].as_str().unwrap().to_string();
    assert_eq!(first["metadata"]["remainingItemCount"], 3);
    let deleted = k(&env, &bin, &["delete", "configmap", "cm-2", "-n", "shop"]);
    assert_eq!(deleted.code, 0, "{deleted:?}");
    let next = format!("/api/v1/namespaces/shop/configmaps?limit=2&continue={token}");
    let second = json_of(&k(&env, &bin, &["get", "--raw", &next]).stdout);
    let names: Vec<&str> = second["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["cm-2", "cm-3"],
        "cm-2 was there when the list began"
    );
    assert_eq!(
        second["metadata"]["resourceVersion"],
        first["metadata"]["resourceVersion"]
    );

    let refused = |query: &str| {
        let (code, _, body) = http(
            &env,
            "GET",
            &format!("/api/v1/namespaces/shop/configmaps?{query}"),
            &[],
            "",
        );
        (
            code,
            json_of(&body)["message"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    };
    assert_eq!(
        refused(&format!("limit=2&continue={token}&resourceVersion=5")),
        (
            400,
            "specifying resource version is not allowed when using continue".to_string()
        )
    );
    assert_eq!(
        refused("resourceVersionMatch=NotOlderThan"),
        (422, "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided".to_string())
    );
    let current: u64 = env.cluster.with_store(|s| s.current_rv()).parse().unwrap();
    let (code, head, body) = http(
        &env,
        "GET",
        &format!(
            "/api/v1/namespaces/shop/configmaps?resourceVersion={}",
            current + 100
        ),
        &[],
        "",
    );
    assert_eq!(code, 504, "{body}");
    assert!(
        head.to_ascii_lowercase().contains("retry-after: 1"),
        "{head}"
    );
    assert_eq!(
        json_of(&body),
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": format!("Timeout: Too large resource version: {}, current: {current}", current + 100), "reason": "Timeout", "details": {"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}], "retryAfterSeconds": 1}, "code": 504})
    );
    let too_new = k(
        &env,
        &bin,
        &[
            "get",
            "--raw",
            &format!(
                "/api/v1/namespaces/shop/configmaps?resourceVersion={}",
                current + 100
            ),
        ],
    );
    assert!(
        too_new
            .stderr
            .starts_with("Error from server (Timeout): Timeout: Too large resource version"),
        "{too_new:?}"
    );

    // After compaction the token is too old: 410 with a fresh token at the latest revision.
    env.cluster.compact();
    let (code, _, body) = http(&env, "GET", &next, &[], "");
    assert_eq!(code, 410);
    let fresh = json_of(&body)["metadata"]["continue"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(fresh, token);
    let rest = json_of(
        &k(
            &env,
            &bin,
            &[
                "get",
                "--raw",
                &format!("/api/v1/namespaces/shop/configmaps?limit=10&continue={fresh}"),
            ],
        )
        .stdout,
    );
    let names: Vec<&str> = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["cm-3", "cm-4"], "the rest, now without cm-2");

    // kubectl's own paging agrees with an unpaged list.
    let paged = k(
        &env,
        &bin,
        &[
            "get",
            "configmaps",
            "-n",
            "shop",
            "--chunk-size=1",
            "-o",
            "name",
        ],
    );
    let whole = k(
        &env,
        &bin,
        &[
            "get",
            "configmaps",
            "-n",
            "shop",
            "--chunk-size=0",
            "-o",
            "name",
        ],
    );
    assert_eq!(paged.stdout, whole.stdout);
    assert!(paged.stdout.contains("configmap/cm-4\n") && !paged.stdout.contains("cm-2"));
}

// --- §15 server-side apply --------------------------------------------------------

/// §15.1, §15.2, §15.4–§15.6: apply creates, never drops a finalizer another
/// manager owns, and reports conflicts with their managers.
#[test]
fn server_side_apply_tracks_finalizer_ownership() {
    let Some(bin) = kubectl() else { return };
    let env = Env::new(&["pvc-protection"]);
    let mine = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: shop, finalizers: [example.com/mine]}\ndata: {a: b}\n";
    let created = k_stdin(
        &env,
        &bin,
        &[
            "apply",
            "--server-side",
            "--field-manager=plugin",
            "-f",
            "-",
        ],
        mine,
    );
    assert_eq!(
        created.stdout, "configmap/cfg serverside-applied\n",
        "{created:?}"
    );
    let create = env
        .cluster
        .requests()
        .into_iter()
        .rfind(|r| r.method == "PATCH")
        .unwrap();
    assert_eq!(create.status, 201, "apply to a missing object creates it");

    // A controller adds its finalizer with a merge patch.
    let added = k(
        &env,
        &bin,
        &[
            "patch",
            "configmap",
            "cfg",
            "-n",
            "shop",
            "--type=merge",
            "--field-manager=widget-controller",
            "-p",
            r#"{"metadata":{"finalizers":["example.com/mine","example.com/theirs"]}}"#,
        ],
    );
    assert_eq!(added.code, 0, "{added:?}");
    // Applying the same configuration again leaves the controller's finalizer alone.
    let again = k_stdin(
        &env,
        &bin,
        &[
            "apply",
            "--server-side",
            "--field-manager=plugin",
            "-f",
            "-",
        ],
        mine,
    );
    assert_eq!(again.code, 0, "{again:?}");
    let shown = k(
        &env,
        &bin,
        &[
            "get",
            "configmap",
            "cfg",
            "-n",
            "shop",
            "-o",
            "json",
            "--show-managed-fields",
        ],
    );
    let obj = json_of(&shown.stdout);
    assert_eq!(
        obj["metadata"]["finalizers"],
        json!(["example.com/mine", "example.com/theirs"])
    );
    let managers: Vec<(String, String)> = obj["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["manager"].as_str().unwrap().to_string(),
                e["operation"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        managers,
        [
            ("plugin".to_string(), "Apply".to_string()),
            ("widget-controller".to_string(), "Update".to_string())
        ]
    );
    assert_eq!(
        obj["metadata"]["managedFields"][1]["fieldsV1"],
        json!({"f:metadata": {"f:finalizers": {"v:\"example.com/theirs\"": {}}}})
    );

    // Omitting its own finalizer drops only what the applier alone owned.
    let without =
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: shop}\ndata: {a: b}\n";
    let dropped = k_stdin(
        &env,
        &bin,
        &[
            "apply",
            "--server-side",
            "--field-manager=plugin",
            "-f",
            "-",
        ],
        without,
    );
    assert_eq!(dropped.code, 0, "{dropped:?}");
    let cm = env.cluster.object("", "configmaps", "shop", "cfg").unwrap();
    assert_eq!(cm["metadata"]["finalizers"], json!(["example.com/theirs"]));

    // A value another manager set is a conflict; --force-conflicts takes it over.
    let conflicting = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: shop}\ndata: {a: changed}\n";
    let other = k_stdin(
        &env,
        &bin,
        &[
            "apply",
            "--server-side",
            "--field-manager=someone-else",
            "-f",
            "-",
        ],
        conflicting,
    );
    assert_eq!(other.code, 1);
    assert!(
        other
            .stderr
            .contains(r#"Apply failed with 1 conflict: conflict with "plugin": .data.a"#),
        "{other:?}"
    );
    let forced = k_stdin(
        &env,
        &bin,
        &[
            "apply",
            "--server-side",
            "--field-manager=someone-else",
            "--force-conflicts",
            "-f",
            "-",
        ],
        conflicting,
    );
    assert_eq!(forced.code, 0, "{forced:?}");
    assert_eq!(
        env.cluster.object("", "configmaps", "shop", "cfg").unwrap()["data"]["a"],
        "changed"
    );

    // Without a field manager: 422 (kubectl always sends one, so a bare request).
    let (code, _, body) = http(
        &env,
        "PATCH",
        "/api/v1/namespaces/shop/configmaps/cfg",
        &[("Content-Type", "application/apply-patch+yaml")],
        without,
    );
    assert_eq!((code, json_of(&body)["message"].clone()), (422, json!("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch")));
    let (code, _, body) = http(
        &env,
        "PATCH",
        "/api/v1/namespaces/shop/configmaps/cfg?force=true",
        &[("Content-Type", "application/merge-patch+json")],
        "{}",
    );
    assert_eq!((code, json_of(&body)["message"].clone()), (422, json!("PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch")));
}

// --- §16 empty values ---------------------------------------------------------------

/// §16.1–§16.3: `finalizers: []` and `status: null` are never stored, so a
/// JSON patch `test` for `[]` fails as it would on kube-apiserver.
#[test]
fn empty_finalizers_and_null_status_are_not_stored() {
    let Some(bin) = kubectl() else { return };
    let env = Env::new(&["logging-operator", "pvc-protection"]);
    configmap_with_finalizer(&env, &bin, "cfg");
    let emptied = k(
        &env,
        &bin,
        &[
            "patch",
            "configmap",
            "cfg",
            "-n",
            "shop",
            "--type=merge",
            "-p",
            r#"{"metadata":{"finalizers":[]}}"#,
        ],
    );
    assert_eq!(emptied.code, 0, "{emptied:?}");
    let test = k(
        &env,
        &bin,
        &[
            "patch",
            "configmap",
            "cfg",
            "-n",
            "shop",
            "--type=json",
            "-p",
            r#"[{"op":"test","path":"/metadata/finalizers","value":[]}]"#,
        ],
    );
    assert_eq!(test.code, 1, "{test:?}");
    assert_eq!(
        test.stderr,
        "The request is invalid: the server rejected our request due to an error in our request\n"
    );
    let cm = env.cluster.object("", "configmaps", "shop", "cfg").unwrap();
    assert!(cm["metadata"].get("finalizers").is_none(), "{cm}");

    let cr = "apiVersion: logging.banzaicloud.io/v1beta1\nkind: Logging\nmetadata: {name: spare}\nspec: {controlNamespace: logging}\nstatus: null\n";
    let created = k_stdin(&env, &bin, &["create", "-f", "-", "-o", "json"], cr);
    assert_eq!(created.code, 0, "{created:?}");
    assert!(
        json_of(&created.stdout).get("status").is_none(),
        "{created:?}"
    );
}

// --- §15.3, §6.4 managedFields --------------------------------------------------------

/// Scenario objects carry the managedFields a real cluster shows, metadata-only
/// lists included; `testcluster.local/managed-fields: none` opts out.
#[test]
fn scenario_objects_carry_realistic_managed_fields() {
    let Some(bin) = kubectl() else { return };
    let env = Env::new(&["pvc-protection"]);
    let pvc = k(
        &env,
        &bin,
        &[
            "get",
            "pvc",
            "data-postgres-0",
            "-n",
            "shop",
            "-o",
            "json",
            "--show-managed-fields",
        ],
    );
    let obj = json_of(&pvc.stdout);
    let finalizer_owner = obj["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["fieldsV1"]["f:metadata"]["f:finalizers"].is_object())
        .expect("someone owns the finalizer");
    assert_eq!(finalizer_owner["manager"], "kube-controller-manager");
    assert_eq!(finalizer_owner["operation"], "Update");
    assert!(finalizer_owner["fieldsV1"]["f:metadata"]["f:finalizers"]
        ["v:\"kubernetes.io/pvc-protection\""]
        .is_object());

    let (code, _, body) = http(
        &env,
        "GET",
        "/api/v1/namespaces/shop/persistentvolumeclaims",
        &[(
            "Accept",
            "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
        )],
        "",
    );
    assert_eq!(code, 200);
    let list = json_of(&body);
    assert!(
        list["items"][0]["metadata"]["managedFields"].is_array(),
        "{body}"
    );

    env.cluster
        .load("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bare, namespace: shop, annotations: {testcluster.local/managed-fields: none}}\n")
        .unwrap();
    let bare = env
        .cluster
        .object("", "configmaps", "shop", "bare")
        .unwrap();
    assert!(bare["metadata"].get("managedFields").is_none(), "{bare}");
    assert!(bare["metadata"].get("annotations").is_none(), "{bare}");
}

// --- §18 admission webhooks -------------------------------------------------------------

/// §18.2, §18.4, §18.5: a webhook whose service has no endpoints fails every
/// update it intercepts — the finalizer patch included — with kube-apiserver's
/// 500; `failurePolicy: Ignore` lets writes through; dry-run reaches only
/// webhooks without side effects.
#[test]
fn a_webhook_without_endpoints_blocks_the_finalizer_patch() {
    let Some(bin) = kubectl() else { return };
    let env = Env::new(&["rbac-only-operator", "webhook-down"]);
    let expected = "Error from server (InternalError): Internal error occurred: failed calling webhook \"validate.widgets.acme.example.com\": failed to call webhook: Post \"https://widget-webhook.acme-system.svc:443/validate?timeout=10s\": no endpoints available for service \"widget-webhook\"\n";
    let remove = r#"[{"op":"remove","path":"/metadata/finalizers"}]"#;
    let patch = k(
        &env,
        &bin,
        &[
            "patch",
            "widgets.acme.example.com",
            "blue",
            "-n",
            "team-a",
            "--type=json",
            "-p",
            remove,
        ],
    );
    assert_eq!((patch.code, patch.stderr.as_str()), (1, expected));

    // The plugin's clear meets the same refusal and says so; nothing changes.
    let clear = env.run(&[
        "clear",
        "widgets.acme.example.com/blue",
        "-n",
        "team-a",
        "--yes",
        "--force",
    ]);
    assert_ne!(clear.code, 0, "{clear:?}");
    let all = format!("{}{}", clear.stdout, clear.stderr);
    assert!(
        all.contains("failed calling webhook \"validate.widgets.acme.example.com\""),
        "{clear:?}"
    );
    let blue = env
        .cluster
        .object("acme.example.com", "widgets", "team-a", "blue")
        .unwrap();
    assert_eq!(
        blue["metadata"]["finalizers"],
        json!(["widgets.acme.example.com/cleanup"])
    );

    // Reads and deletes are not intercepted; a webhook that side-effects blocks dry-run with 400.
    let vwc = env
        .cluster
        .object(
            "admissionregistration.k8s.io",
            "validatingwebhookconfigurations",
            "",
            "widget-validation",
        )
        .unwrap();
    let mut some = vwc.clone();
    some["webhooks"][0]["sideEffects"] = json!("Some");
    some["metadata"] = json!({"name": "widget-validation"});
    let replaced = k_stdin(&env, &bin, &["replace", "-f", "-"], &some.to_string());
    assert_eq!(replaced.code, 0, "{replaced:?}");
    let dry = k(
        &env,
        &bin,
        &[
            "patch",
            "widgets.acme.example.com",
            "blue",
            "-n",
            "team-a",
            "--type=json",
            "-p",
            remove,
            "--dry-run=server",
        ],
    );
    assert_eq!(dry.stderr, "Error from server (BadRequest): admission webhook \"validate.widgets.acme.example.com\" does not support dry run\n");

    let mut ignore = some.clone();
    ignore["webhooks"][0]["failurePolicy"] = json!("Ignore");
    ignore["webhooks"][0]["sideEffects"] = json!("None");
    let replaced = k_stdin(&env, &bin, &["replace", "-f", "-"], &ignore.to_string());
    assert_eq!(replaced.code, 0, "{replaced:?}");
    let through = k(
        &env,
        &bin,
        &[
            "patch",
            "widgets.acme.example.com",
            "blue",
            "-n",
            "team-a",
            "--type=json",
            "-p",
            remove,
        ],
    );
    assert_eq!(through.code, 0, "{through:?}");
    assert!(
        env.cluster
            .object("acme.example.com", "widgets", "team-a", "blue")
            .is_none(),
        "the last finalizer went, so did the object"
    );
}

// --- §19.3 the CRD cleanup finalizer -------------------------------------------------

/// §19.3: live CRDs carry no finalizer; the first DELETE adds
/// `customresourcecleanup.apiextensions.k8s.io`, which holds the CRD while an
/// instance's own finalizer holds the instance.
#[test]
fn the_crd_cleanup_finalizer_comes_with_the_first_delete() {
    let Some(bin) = kubectl() else { return };
    let env = Env::new(&["rbac-only-operator"]);
    let crd = "widgets.acme.example.com";
    let live = k(
        &env,
        &bin,
        &["get", "crd", crd, "-o", "jsonpath={.metadata.finalizers}"],
    );
    assert_eq!((live.code, live.stdout.as_str()), (0, ""), "{live:?}");
    let scan = env.run(&["scan", "--include-live", "-o", "name"]);
    assert!(
        !scan.stdout.contains("customresourcedefinition"),
        "{scan:?}"
    );

    let deleted = k(&env, &bin, &["delete", "crd", crd, "--wait=false"]);
    assert_eq!(deleted.code, 0, "{deleted:?}");
    let held = k(
        &env,
        &bin,
        &["get", "crd", crd, "-o", "jsonpath={.metadata.finalizers} {.metadata.deletionGracePeriodSeconds} {.status.conditions[?(@.type==\"Terminating\")].reason}"],
    );
    assert_eq!(
        held.stdout, "[\"customresourcecleanup.apiextensions.k8s.io\"]  InstanceDeletionInProgress",
        "{held:?}"
    );
}

// --- smaller differences -----------------------------------------------------------------

/// §4.4: strategic-merge directives are applied, never stored; ownerReferences
/// merge by uid. Also: scenario files that share a namespace combine, and a
/// DELETE on a collection is served.
#[test]
fn strategic_merge_directives_owner_references_and_deletecollection() {
    let Some(bin) = kubectl() else { return };
    let env = Env::new(&["foreground-deletion", "pvc-protection"]);
    configmap_with_finalizer(&env, &bin, "cfg");
    let refs = r#"{"metadata":{"ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"a","uid":"11111111-1111-1111-1111-111111111111"}]}}"#;
    assert_eq!(
        k(
            &env,
            &bin,
            &["patch", "configmap", "cfg", "-n", "shop", "-p", refs]
        )
        .code,
        0
    );
    let more = r#"{"metadata":{"$setElementOrder/finalizers":["example.com/first","example.com/hold"],"finalizers":["example.com/first"],"ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"b","uid":"22222222-2222-2222-2222-222222222222"}]}}"#;
    let patched = k(
        &env,
        &bin,
        &["patch", "configmap", "cfg", "-n", "shop", "-p", more],
    );
    assert_eq!(patched.code, 0, "{patched:?}");
    let cm = env.cluster.object("", "configmaps", "shop", "cfg").unwrap();
    assert_eq!(
        cm["metadata"]["finalizers"],
        json!(["example.com/first", "example.com/hold"])
    );
    let owners: Vec<&str> = cm["metadata"]["ownerReferences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(owners, ["a", "b"]);
    assert!(
        !cm["metadata"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.starts_with('$')),
        "{cm}"
    );

    let (code, _, body) = http(
        &env,
        "DELETE",
        "/api/v1/namespaces/shop/configmaps?labelSelector=none%3Dmatches",
        &[],
        "",
    );
    assert_eq!(code, 200, "{body}");
    assert_eq!(json_of(&body)["kind"], "ConfigMapList");
    let (code, _, body) = http(
        &env,
        "DELETE",
        "/api/v1/namespaces/shop/configmaps",
        &[],
        "",
    );
    assert_eq!(code, 200, "{body}");
    let gone: Vec<&str> = json_of(&body)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap().to_string().leak() as &str)
        .collect();
    assert!(gone.contains(&"cfg"), "{body}");
    let cfg = env.cluster.object("", "configmaps", "shop", "cfg").unwrap();
    assert!(
        cfg["metadata"]["deletionTimestamp"].is_string(),
        "held by its finalizer"
    );
}

/// §6.5: `kubectl get` prints the columns kube-apiserver's printers give
/// built-in types, Name/Age for custom resources, and `includeObject` is honoured.
#[test]
fn tables_have_kubectl_s_columns() {
    let Some(bin) = kubectl() else { return };
    let env = Env::new(&["pvc-protection", "logging-operator"]);
    let header = |args: &[&str]| {
        let run = k(&env, &bin, args);
        assert_eq!(run.code, 0, "{run:?}");
        run.stdout
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        header(&["get", "pvc", "-n", "shop"]),
        "NAME STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS VOLUMEATTRIBUTESCLASS AGE"
    );
    assert_eq!(
        header(&["get", "pods", "-n", "shop"]),
        "NAME READY STATUS RESTARTS AGE"
    );
    assert_eq!(
        header(&["get", "syslogngconfigs", "-n", "logging"]),
        "NAME AGE"
    );
    let (code, _, body) = http(
        &env,
        "GET",
        "/api/v1/namespaces/shop/persistentvolumeclaims?includeObject=None",
        &[("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")],
        "",
    );
    assert_eq!(code, 200);
    assert!(json_of(&body)["rows"][0].get("object").is_none(), "{body}");
}

/// §20: kubectl validates on the server because the OpenAPI documents say the
/// PATCH of each kind takes `fieldValidation` — kubectl ≤ 1.28 reads that
/// from `/openapi/v2` (protobuf), later ones from `/openapi/v3` — so `apply -f`
/// works without `--validate=false`, for built-ins and custom resources.
#[test]
fn kubectl_validates_on_the_server_by_the_openapi_documents() {
    let Some(bin) = kubectl() else { return };
    let env = Env::new(&["logging-operator"]);
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\n  namespace: default\n  finalizers: [example.com/keep]\ndata:\n  a: b\n---\napiVersion: logging.banzaicloud.io/v1beta1\nkind: SyslogNGConfig\nmetadata:\n  name: probe\n  namespace: default\nspec: {}\n";
    let run = k_stdin(&env, &bin, &["apply", "-f", "-"], manifest);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("configmap/probe created"), "{run:?}");
    assert!(
        run.stdout
            .contains("syslogngconfig.logging.banzaicloud.io/probe created"),
        "{run:?}"
    );
    let requests = env.cluster.requests();
    let creates: Vec<_> = requests.iter().filter(|r| r.method == "POST").collect();
    assert_eq!(creates.len(), 2, "{creates:?}");
    assert!(
        creates
            .iter()
            .all(|r| r.query.contains("fieldValidation=Strict")),
        "kubectl validated on the client instead: {creates:?}"
    );
    assert!(
        requests
            .iter()
            .any(|r| r.path.starts_with("/openapi/") && r.status == 200),
        "no OpenAPI document was read"
    );
    let run = k(&env, &bin, &["explain", "configmap.metadata.finalizers"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("FIELD: finalizers <[]string>"),
        "{run:?}"
    );

    // What kubectl cannot show: the index, the hash redirect and caching.
    let (code, _, body) = http(&env, "GET", "/openapi/v3", &[], "");
    assert_eq!(code, 200);
    let index = json_of(&body);
    let url = index["paths"]["apis/logging.banzaicloud.io/v1beta1"]["serverRelativeURL"]
        .as_str()
        .unwrap_or_else(|| panic!("the CRD's group-version is not listed: {body}"))
        .to_string();
    let (code, head, body) = http(&env, "GET", &url, &[("Accept", "application/json")], "");
    assert_eq!(code, 200, "{head}");
    assert!(
        head.to_lowercase()
            .contains("cache-control: public, immutable"),
        "{head}"
    );
    let doc = json_of(&body);
    let patch = &doc["paths"]
        ["/apis/logging.banzaicloud.io/v1beta1/namespaces/{namespace}/syslogngconfigs/{name}"]
        ["patch"];
    assert_eq!(
        patch["x-kubernetes-group-version-kind"]["kind"], "SyslogNGConfig",
        "{body}"
    );
    let stale = url.replace("hash=", "hash=0");
    let (code, head, _) = http(&env, "GET", &stale, &[], "");
    assert_eq!(code, 301, "{head}");
    assert!(
        head.to_lowercase()
            .contains(&format!("location: {}", url.to_lowercase())),
        "{head}"
    );
    let (code, _, _) = http(
        &env,
        "GET",
        "/openapi/v3/apis/nothing.example.com/v1",
        &[],
        "",
    );
    assert_eq!(code, 404);
    let (code, head, _) = http(
        &env,
        "GET",
        "/openapi/v2",
        &[(
            "Accept",
            "application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
        )],
        "",
    );
    assert_eq!(code, 200, "{head}");
    assert!(
        head.to_lowercase()
            .contains("content-type: application/com.github.proto-openapi.spec.v2.v1.0+protobuf"),
        "{head}"
    );
}

/// §21: kubectl ≥ 1.32 writes built-ins from its typed clients as protobuf;
/// the test cluster reads them as kube-apiserver does. Run with the newest
/// kubectl beside the one on PATH (the one on PATH may be older).
#[test]
fn kubectl_writes_built_ins_as_protobuf_and_they_are_read() {
    let Some(bin) = kubectl() else { return };
    let Some(newest) = ["kubectl.1.33", "kubectl.1.32"]
        .iter()
        .map(|name| bin.with_file_name(name))
        .find(|p| p.is_file())
    else {
        eprintln!(
            "no kubectl 1.32 or newer beside {}: skipping",
            bin.display()
        );
        return;
    };
    let env = Env::new(&["logging-operator"]);
    let run = k(&env, &newest, &["create", "namespace", "probe"]);
    assert_eq!(run.code, 0, "{run:?}");
    let run = k(
        &env,
        &newest,
        &[
            "create",
            "secret",
            "generic",
            "token",
            "-n",
            "probe",
            "--from-literal=key=value",
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let run = k(
        &env,
        &newest,
        &["auth", "can-i", "delete", "secrets", "-n", "probe"],
    );
    assert_eq!((run.code, run.stdout.as_str()), (0, "yes\n"), "{run:?}");
    let run = k(
        &env,
        &newest,
        &[
            "auth",
            "whoami",
            "-o",
            "jsonpath={.status.userInfo.username}",
        ],
    );
    assert_eq!((run.code, run.stdout.as_str()), (0, "admin"), "{run:?}");
    let protobuf: Vec<String> = env
        .cluster
        .requests()
        .iter()
        .filter(|r| {
            r.content_type
                .starts_with("application/vnd.kubernetes.protobuf")
        })
        .map(|r| format!("{} {}", r.status, r.path))
        .collect();
    assert_eq!(
        protobuf,
        [
            "201 /api/v1/namespaces",
            "201 /api/v1/namespaces/probe/secrets",
            "201 /apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            "201 /apis/authentication.k8s.io/v1/selfsubjectreviews",
        ]
    );
    // What was stored is what was sent: the value base64-encoded, as in JSON.
    let run = k(
        &env,
        &bin,
        &[
            "get",
            "secret",
            "token",
            "-n",
            "probe",
            "-o",
            "jsonpath={.data.key}",
        ],
    );
    assert_eq!(run.stdout, "dmFsdWU=", "{run:?}");
}
