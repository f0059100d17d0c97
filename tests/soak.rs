//! Soak: several `clear` runs at once against objects that another writer keeps
//! changing (finalizers added and removed, labels changed, objects deleted and
//! recreated). A checker then compares every run's plan and audit log with the
//! server's own write log: no finalizer may have been removed that was not shown
//! in a plan and announced in an audit intent. Zero violations are tolerated.
//!
//! `SOAK_WAVES=N` runs a longer form (default 3 waves of 4 concurrent runs).

mod support;

use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use support::Env;
use testcluster::store::Target;
use testcluster::RequestKind;

const OBJECTS: usize = 12;
const RUNS: usize = 4;
const SELECTED: &str = "example.com/a";

fn object(i: usize) -> Value {
    json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {
            "name": format!("soak-{i}"), "namespace": "shop",
            "finalizers": [SELECTED, "example.com/b"],
            "deletionTimestamp": "2026-01-01T00:00:00Z",
            "deletionGracePeriodSeconds": 0
        }
    })
}

/// A small deterministic generator, so a failing run can be replayed.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

/// One random change to one object, as another controller or person would make it.
fn mutate(env: &Env, rng: &mut Lcg) {
    let i = rng.next(OBJECTS);
    let name = format!("soak-{i}");
    let choice = rng.next(5);
    env.cluster.with_store(|store| {
        let res = store.resource_by_gr("", "configmaps").expect("configmaps");
        let Some(current) = store.get_object(&res, "shop", &name).cloned() else {
            let _ = store.insert_raw(&res, object(i));
            return;
        };
        let finalizers: Vec<String> =
            serde_json::from_value(current["metadata"]["finalizers"].clone()).unwrap_or_default();
        let target = Target::new(&res, "shop", &name, None);
        let json_patch = |list: Vec<String>| {
            json!([{"op": "replace", "path": "/metadata/finalizers", "value": list}]).to_string()
        };
        match choice {
            0 => {
                let mut list = finalizers.clone();
                list.push(format!("example.com/late-{}", rng.next(1000)));
                let _ = store.patch(
                    &target,
                    "application/json-patch+json",
                    json_patch(list).as_bytes(),
                    false,
                );
            }
            1 if finalizers.len() > 1 => {
                let list: Vec<String> = finalizers
                    .iter()
                    .filter(|f| *f != "example.com/b")
                    .cloned()
                    .collect();
                let _ = store.patch(
                    &target,
                    "application/json-patch+json",
                    json_patch(list).as_bytes(),
                    false,
                );
            }
            2 => {
                let body = json!({"metadata": {"labels": {"touched": rng.next(1000).to_string()}}});
                let _ = store.patch(
                    &target,
                    "application/merge-patch+json",
                    body.to_string().as_bytes(),
                    false,
                );
            }
            3 => {
                store.remove(&res, "shop", &name);
                let _ = store.insert_raw(&res, object(i));
            }
            _ if !finalizers.iter().any(|f| f == SELECTED) => {
                let mut list = finalizers.clone();
                list.insert(0, SELECTED.into());
                let _ = store.patch(
                    &target,
                    "application/json-patch+json",
                    json_patch(list).as_bytes(),
                    false,
                );
            }
            _ => {}
        }
    });
}

struct Outcome {
    user: String,
    stdout: String,
    audit: Vec<Value>,
}

#[test]
fn concurrent_clears_against_a_changing_cluster_remove_only_what_was_shown() {
    let waves: usize = std::env::var("SOAK_WAVES")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(3);
    let env = Env::new(&["pvc-protection"]);
    env.cluster.with_store(|store| {
        let res = store.resource_by_gr("", "configmaps").unwrap();
        for i in 0..OBJECTS {
            store.insert_raw(&res, object(i)).unwrap();
        }
    });
    for k in 0..RUNS {
        env.cluster.add_user_in_groups(
            &format!("soak-{k}"),
            &format!("soak-token-{k}"),
            &["system:masters"],
        );
    }
    env.write_kubeconfig();
    let env = Arc::new(env);
    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut mutations = 0;
    for wave in 0..waves {
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (env, stop) = (env.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut rng = Lcg(wave as u64 + 7);
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) && n < 2000 {
                    mutate(&env, &mut rng);
                    n += 1;
                    // Paced, so that some plans survive to their patch and some do not.
                    std::thread::sleep(std::time::Duration::from_millis(3));
                }
                n
            })
        };
        let children: Vec<_> = (0..RUNS)
            .map(|k| {
                let audit = env.dir.path().join(format!("audit-{wave}-{k}.jsonl"));
                let child = env
                    .plugin()
                    .args([
                        "clear",
                        "--stuck",
                        "-n",
                        "shop",
                        "--finalizer",
                        SELECTED,
                        "--accept-missing-evidence",
                        "--yes",
                        "--context",
                    ])
                    .arg(format!("testcluster-soak-{k}"))
                    .arg("--audit-log")
                    .arg(&audit)
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap();
                (k, audit, child)
            })
            .collect();
        for (k, audit, child) in children {
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!stderr.contains("panicked"), "{stderr}");
            assert!(
                [0, 1].contains(&out.status.code().unwrap_or(-1)),
                "{stderr}"
            );
            outcomes.push(Outcome {
                user: format!("soak-{k}"),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                audit: std::fs::read_to_string(&audit)
                    .unwrap_or_default()
                    .lines()
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect(),
            });
        }
        stop.store(true, Ordering::SeqCst);
        mutations += writer.join().unwrap();
    }

    // The checker: every write the server applied, against what was shown and announced.
    let mut violations: Vec<String> = Vec::new();
    let mut applied = 0;
    let mut refused_by_guard = 0;
    let writes: Vec<_> = env
        .cluster
        .requests()
        .into_iter()
        .filter(|r| r.kind == RequestKind::Patch && r.user.starts_with("soak-"))
        .collect();
    for w in &writes {
        if w.status == 422 || w.status == 409 {
            refused_by_guard += 1;
            continue;
        }
        if w.status != 200 || w.dry_run {
            continue;
        }
        applied += 1;
        let name = w.path.rsplit('/').next().unwrap();
        let ops: Vec<Value> = serde_json::from_str(&w.body).unwrap();
        let rv = ops[0]["value"].as_str().unwrap_or_default();
        let before: BTreeSet<String> = serde_json::from_value(ops[1]["value"].clone()).unwrap();
        let after: BTreeSet<String> = serde_json::from_value(ops[2]["value"].clone()).unwrap();
        let removed: BTreeSet<String> = before.difference(&after).cloned().collect();
        if ops[0]["path"] != "/metadata/resourceVersion" || ops[1]["op"] != "test" {
            violations.push(format!("unguarded write to {name}: {}", w.body));
        }
        if removed.iter().any(|f| f != SELECTED) || !after.is_subset(&before) {
            violations.push(format!("{name}: removed {removed:?}, not only {SELECTED}"));
        }
        let run = outcomes.iter().filter(|o| o.user == w.user);
        let shown = run.clone().any(|o| {
            o.stdout.contains(&format!(
                "--- ConfigMap shop/{name} (resourceVersion {rv}) (as read)"
            ))
        });
        if !shown {
            violations.push(format!(
                "{name} at resourceVersion {rv}: patched by {} without being shown",
                w.user
            ));
        }
        let announced = run.clone().flat_map(|o| &o.audit).any(|l| {
            l["phase"] == "intent"
                && l["object"]["name"] == name
                && l["resourceVersion"] == rv
                && l["finalizersRemoved"] == json!(removed)
        });
        if !announced {
            violations.push(format!(
                "{name} at resourceVersion {rv}: no audit intent before the write by {}",
                w.user
            ));
        }
    }
    // And the other way: every "removed" in an audit log is a write the server applied.
    for o in &outcomes {
        for l in o
            .audit
            .iter()
            .filter(|l| l["phase"] == "result" && l["result"] == "removed")
        {
            let name = l["object"]["name"].as_str().unwrap();
            let rv = l["resourceVersion"].as_str().unwrap();
            let applied_here = writes.iter().any(|w| {
                w.user == o.user
                    && w.status == 200
                    && w.path.ends_with(&format!("/{name}"))
                    && w.body.contains(&format!("\"value\":\"{rv}\""))
            });
            if !applied_here {
                violations.push(format!(
                    "{name}: audited as removed by {} but no such write was applied",
                    o.user
                ));
            }
        }
    }
    eprintln!(
        "soak: {waves} wave(s) × {RUNS} runs, {mutations} concurrent changes, {applied} guarded patches applied, {refused_by_guard} refused by their guard"
    );
    assert!(
        violations.is_empty(),
        "{} violation(s):\n{}",
        violations.len(),
        violations.join("\n")
    );
    assert!(applied > 0, "the soak cleared nothing: it tested nothing");
}
