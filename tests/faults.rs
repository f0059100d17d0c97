//! The fault matrix: every kind of failure a control plane or the network in
//! front of it produces, against each command. Each cell asserts the exit code,
//! what is said, what the JSON calls complete, and for `clear` the writes sent
//! and the audit records left.

mod support;

use serde_json::Value;
use support::{Env, Run};
use testcluster::{Fault, FaultAction, RequestKind};

const SYSLOG: &str = "syslogngconfig.logging.banzaicloud.io/cluster-syslog";
const SYSLOG_FINALIZER: &str = "syslogngconfig.logging.banzaicloud.io/finalizer";

/// One kind of failure.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Status500,
    Status503,
    Throttled,
    Hang,
    Reset,
    Truncated,
    HtmlPage,
    Unauthorized,
    Forbidden,
    NotFound,
    ContinueExpired,
    LostResponse,
}

const ALL: [Kind; 12] = [
    Kind::Status500,
    Kind::Status503,
    Kind::Throttled,
    Kind::Hang,
    Kind::Reset,
    Kind::Truncated,
    Kind::HtmlPage,
    Kind::Unauthorized,
    Kind::Forbidden,
    Kind::NotFound,
    Kind::ContinueExpired,
    Kind::LostResponse,
];

fn action(kind: Kind) -> FaultAction {
    match kind {
        Kind::Status500 => FaultAction::Status { code: 500, retry_after: None },
        Kind::Status503 => FaultAction::Status { code: 503, retry_after: None },
        Kind::Throttled => FaultAction::Status { code: 429, retry_after: Some(1) },
        Kind::Hang => FaultAction::Hang,
        Kind::Reset => FaultAction::Reset,
        Kind::Truncated => FaultAction::Truncate,
        Kind::HtmlPage => FaultAction::Body {
            code: 502,
            content_type: "text/html".into(),
            body: "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n".into(),
        },
        Kind::Unauthorized => FaultAction::Status { code: 401, retry_after: None },
        Kind::Forbidden => FaultAction::Status { code: 403, retry_after: None },
        Kind::NotFound => FaultAction::Status { code: 404, retry_after: None },
        Kind::ContinueExpired | Kind::LostResponse => unreachable!("set up separately"),
    }
}

/// A cluster with the uninstalled logging operator, failing as `kind` says on
/// requests whose path contains `path` (and method `method`).
fn failing(kind: Kind, method: &str, path: &str) -> Env {
    let env = Env::new(&["logging-operator"]);
    match kind {
        Kind::ContinueExpired => env.cluster.expire_continue_tokens(1),
        // A write's answer is lost once (its re-read must get through); a read's every time.
        Kind::LostResponse => env.cluster.fault(Fault {
            method: Some(method.into()),
            path_contains: path.into(),
            times: (method == "PATCH").then_some(1),
            action: FaultAction::LoseResponse,
        }),
        // Credentials that expire mid-run: everything after the first requests.
        Kind::Unauthorized => env.cluster.fault_after(
            2,
            Fault {
                method: None,
                path_contains: "/".into(),
                times: None,
                action: action(kind),
            },
        ),
        Kind::NotFound => {
            for p in ["/api/v1/", "/apis/"] {
                env.cluster.fault(Fault {
                    method: Some("GET".into()),
                    path_contains: p.into(),
                    times: None,
                    action: action(kind),
                });
            }
        }
        _ => env.cluster.fault(Fault {
            method: Some(method.into()),
            path_contains: path.into(),
            times: (kind == Kind::Throttled).then_some(1),
            action: action(kind),
        }),
    }
    env
}

fn run(env: &Env, args: &[&str]) -> Run {
    let mut all = args.to_vec();
    all.extend(["--idle-timeout", "1s", "--chunk-size", "1"]);
    env.run(&all)
}

fn doc(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:?}"))
}

fn problem_reasons(doc: &Value) -> Vec<String> {
    doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p["scope"].as_str().unwrap(),
                p["reason"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn scan_under_every_fault() {
    const LIST: &str = "/apis/logging.banzaicloud.io/v1beta1/syslogngconfigs";
    for kind in ALL {
        let env = failing(kind, "GET", LIST);
        let run = run(&env, &["scan", "-o", "json"]);
        assert!(!run.stderr.contains("panicked"), "{kind:?}: {run:?}");
        let doc = doc(&run);
        let found = doc["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["name"] == "cluster-syslog");
        let reasons = problem_reasons(&doc);
        let expected_reason = match kind {
            // Recovered: retried after Retry-After, or the list restarted once.
            Kind::Throttled | Kind::ContinueExpired => None,
            Kind::Status500 => Some("InternalError"),
            Kind::Status503 => Some("ServiceUnavailable"),
            Kind::Hang => Some("Timeout"),
            Kind::Reset | Kind::Truncated | Kind::LostResponse => Some("ConnectionFailed"),
            Kind::HtmlPage => Some("BadGateway"),
            Kind::Unauthorized => Some("Unauthorized"),
            Kind::Forbidden => Some("Forbidden"),
            Kind::NotFound => Some("NotFound"),
        };
        match expected_reason {
            None => {
                assert_eq!(run.code, 0, "{kind:?}: {run:?}");
                assert_eq!(doc["metadata"]["complete"], true, "{kind:?}");
                assert!(found, "{kind:?}: {run:?}");
                assert_eq!(
                    doc["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|i| i["name"] == "cluster-syslog")
                        .count(),
                    1,
                    "{kind:?}: no duplicates"
                );
            }
            Some(reason) => {
                assert_eq!(run.code, 4, "{kind:?}: {run:?}");
                assert_eq!(doc["metadata"]["complete"], false, "{kind:?}");
                assert!(!found, "{kind:?}: not listed, so not reported");
                assert!(
                    reasons.contains(&format!("syslogngconfigs.logging.banzaicloud.io {reason}")),
                    "{kind:?}: {reasons:?}"
                );
                assert!(
                    run.stderr.contains("warning: the scan is incomplete"),
                    "{kind:?}: {run:?}"
                );
            }
        }
        if kind == Kind::HtmlPage {
            assert!(
                run.stderr.contains(
                    "HTTP 502 with an HTML page (502 Bad Gateway): a proxy or load balancer"
                ),
                "{run:?}"
            );
        }
    }
}

#[test]
fn explain_under_every_fault() {
    const EVIDENCE: &str = "/apis/apps/v1/deployments";
    for kind in ALL {
        let env = failing(kind, "GET", EVIDENCE);
        let run = run(&env, &["explain", "-o", "json"]);
        assert!(!run.stderr.contains("panicked"), "{kind:?}: {run:?}");
        if kind == Kind::Unauthorized || kind == Kind::NotFound {
            // Nothing could be listed: there is nothing to explain, and it says so.
            assert_eq!(run.code, 4, "{kind:?}: {run:?}");
            assert_eq!(doc(&run)["metadata"]["complete"], false, "{kind:?}");
            continue;
        }
        let doc = doc(&run);
        let f = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["finalizer"] == SYSLOG_FINALIZER)
            .unwrap_or_else(|| panic!("{kind:?}: {doc:#}"));
        match kind {
            Kind::Throttled | Kind::ContinueExpired => {
                assert_eq!(run.code, 0, "{kind:?}: {run:?}");
                assert_eq!(f["state"], "GONE", "{kind:?}");
                assert_eq!(doc["metadata"]["complete"], true);
            }
            _ => {
                assert_eq!(run.code, 4, "{kind:?}: {run:?}");
                assert_eq!(f["state"], "UNKNOWN", "{kind:?}: {f:#}");
                let gap = &f["missingEvidence"][0];
                assert_eq!(gap["resource"], "deployments.apps", "{kind:?}");
                let state = if kind == Kind::Forbidden {
                    "forbidden"
                } else {
                    "failed"
                };
                assert_eq!(gap["state"], state, "{kind:?}: {gap:#}");
                assert_eq!(doc["metadata"]["complete"], false);
            }
        }
    }
}

fn audit_results(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|l| {
            format!(
                "{} {}",
                l["phase"].as_str().unwrap(),
                l["result"].as_str().unwrap_or("")
            )
            .trim()
            .to_string()
        })
        .collect()
}

#[test]
fn clear_under_every_fault() {
    for kind in ALL {
        let env = failing(kind, "PATCH", "/syslogngconfigs/cluster-syslog");
        let audit = env.dir.path().join("audit.jsonl");
        let audit_arg = audit.to_str().unwrap();
        let stuck = matches!(kind, Kind::NotFound | Kind::ContinueExpired);
        let run = if stuck {
            // These faults hit lists: clear what a scan selects.
            run(
                &env,
                &[
                    "clear",
                    "--stuck",
                    "-n",
                    "logging",
                    "--finalizer",
                    SYSLOG_FINALIZER,
                    "--yes",
                    "--audit-log",
                    audit_arg,
                ],
            )
        } else {
            run(
                &env,
                &[
                    "clear",
                    SYSLOG,
                    "-n",
                    "logging",
                    "--yes",
                    "--audit-log",
                    audit_arg,
                ],
            )
        };
        assert!(!run.stderr.contains("panicked"), "{kind:?}: {run:?}");
        let patches: Vec<u16> = env
            .cluster
            .requests()
            .iter()
            .filter(|r| r.kind == RequestKind::Patch)
            .map(|r| r.status)
            .collect();
        let present = env
            .cluster
            .object(
                "logging.banzaicloud.io",
                "syslogngconfigs",
                "logging",
                "cluster-syslog",
            )
            .is_some();
        let results = audit_results(&audit);
        let expected_patches: &[u16] = match kind {
            Kind::Throttled => &[429, 200],
            Kind::NotFound | Kind::Unauthorized => &[],
            Kind::Status500 => &[500],
            Kind::Status503 => &[503],
            Kind::Forbidden => &[403],
            Kind::HtmlPage => &[502],
            // Answered by the server (and logged) but the client never saw it, or
            // never answered at all.
            Kind::Truncated | Kind::LostResponse | Kind::ContinueExpired => &[200],
            Kind::Hang | Kind::Reset => &[0],
        };
        assert_eq!(
            patches, expected_patches,
            "{kind:?}: the PATCHes the server saw"
        );
        match kind {
            // Retried, recovered, or the lost answer confirmed by a re-read.
            Kind::Throttled | Kind::ContinueExpired | Kind::LostResponse | Kind::Truncated => {
                assert_eq!(run.code, 0, "{kind:?}: {run:?}");
                assert!(!present, "{kind:?}");
                assert_eq!(results, ["intent", "result removed"], "{kind:?}");
                if kind == Kind::Throttled {
                    assert_eq!(patches, [429, 200]);
                }
            }
            // Lists answer 404: nothing could be selected, and that is not "done".
            Kind::NotFound => {
                assert_eq!(run.code, 4, "{kind:?}: {run:?}");
                assert!(patches.is_empty());
                assert!(results.is_empty());
                assert!(present);
            }
            // Credentials expired before the plan could be made: nothing written.
            Kind::Unauthorized => {
                assert_eq!(run.code, 1, "{kind:?}: {run:?}");
                assert!(run.stderr.contains("Unauthorized"), "{kind:?}: {run:?}");
                assert!(patches.is_empty(), "{kind:?}");
                assert!(present);
            }
            Kind::Forbidden => {
                assert_eq!(run.code, 1, "{kind:?}: {run:?}");
                assert!(run.stdout.contains("forbidden"), "{run:?}");
                assert!(run.stdout.contains("(check: kubectl auth can-i patch syslogngconfigs.logging.banzaicloud.io -n logging)"), "{run:?}");
                assert_eq!(results, ["intent", "result forbidden"], "{kind:?}");
                assert!(present);
            }
            // No trustworthy answer: re-read, and the finalizer is still there.
            Kind::Status500 | Kind::Status503 | Kind::Hang | Kind::Reset | Kind::HtmlPage => {
                assert_eq!(run.code, 1, "{kind:?}: {run:?}");
                assert!(
                    run.stdout
                        .contains("a re-read shows the finalizers unchanged"),
                    "{kind:?}: {run:?}"
                );
                assert_eq!(results, ["intent", "result failed"], "{kind:?}");
                assert!(present, "{kind:?}");
            }
        }
    }
}
