//! Injected failures of the network and of the server: error answers, answers
//! that never come, connections that break before, during or after the answer.
//! Rules match after authentication and authorization, before the request is
//! handled; the first matching rule wins.

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use serde_json::{json, Map, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::Notify;

/// A rule: which requests fail, how often, and how.
#[derive(Clone, Debug)]
pub struct Fault {
    /// `GET`, `PATCH`, …; `None` matches every method.
    pub method: Option<String>,
    /// Text the URL path (without the query) must contain.
    pub path_contains: String,
    /// How many more matches fail; `None` means every one.
    pub times: Option<usize>,
    pub action: FaultAction,
}

/// What happens to a matching request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultAction {
    /// A kube-style `Status` with this code (`Retry-After` and
    /// `details.retryAfterSeconds` when given).
    Status { code: u16, retry_after: Option<u32> },
    /// Exactly this answer, as a proxy or load balancer in front of the server might give.
    Body {
        code: u16,
        content_type: String,
        body: String,
    },
    /// No answer, until the client gives up or the cluster stops.
    Hang,
    /// The connection closes without an answer; the request is not handled.
    Reset,
    /// The request is handled; its headers (with the full `Content-Length`) and
    /// half its body are sent, then the connection closes.
    Truncate,
    /// The request is handled (a write is applied), then the connection closes
    /// without the answer: a network that dropped the response.
    LoseResponse,
}

impl FaultAction {
    /// How the request log names the fault.
    pub fn label(&self) -> String {
        match self {
            FaultAction::Status { code, .. } => format!("status {code}"),
            FaultAction::Body { code, .. } => format!("body {code}"),
            FaultAction::Hang => "hang".into(),
            FaultAction::Reset => "reset".into(),
            FaultAction::Truncate => "truncate".into(),
            FaultAction::LoseResponse => "lose-response".into(),
        }
    }

    /// Whether the server handles the request before the fault shows.
    pub fn handles_request(&self) -> bool {
        matches!(self, FaultAction::Truncate | FaultAction::LoseResponse)
    }
}

/// The action of the first rule matching the request, counting the match.
pub fn take(rules: &mut [Fault], method: &str, path: &str) -> Option<FaultAction> {
    let rule = rules.iter_mut().find(|f| {
        f.times != Some(0)
            && f.method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && path.contains(f.path_contains.as_str())
    })?;
    if let Some(n) = rule.times.as_mut() {
        *n -= 1;
    }
    Some(rule.action.clone())
}

/// The `Status` an injected code is answered with, as the constructors in
/// apimachinery's `errors.go` write it.
pub fn status(code: u16, retry_after: Option<u32>) -> Value {
    const INJECTED: &str = "injected fault";
    let retry = retry_after.filter(|s| *s > 0);
    let (reason, message, details) = match code {
        400 => ("BadRequest", INJECTED.to_string(), None),
        401 => ("Unauthorized", "Unauthorized".into(), None),
        403 => (
            "Forbidden",
            format!("forbidden: {INJECTED}"),
            Some(json!({})),
        ),
        404 => (
            "NotFound",
            "the server could not find the requested resource".into(),
            Some(json!({})),
        ),
        405 => (
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource".into(),
            Some(json!({})),
        ),
        409 => ("Conflict", INJECTED.into(), None),
        410 => ("Gone", INJECTED.into(), None),
        422 => (
            "Invalid",
            "the server rejected our request due to an error in our request".into(),
            Some(json!({})),
        ),
        429 => (
            "TooManyRequests",
            INJECTED.into(),
            Some(retry_details(retry)),
        ),
        500 => (
            "InternalError",
            format!("Internal error occurred: {INJECTED}"),
            Some(json!({"causes": [{"message": INJECTED}]})),
        ),
        503 => ("ServiceUnavailable", INJECTED.into(), None),
        504 => (
            "Timeout",
            format!("Timeout: {INJECTED}"),
            Some(retry_details(retry)),
        ),
        // Codes without a constructor: `NewGenericServerResponse` leaves the reason unknown.
        _ => ("", INJECTED.into(), None),
    };
    let details = match (details, retry) {
        (None, Some(s)) => Some(json!({"retryAfterSeconds": s})),
        (d, _) => d,
    };
    let mut m = Map::new();
    m.insert("kind".into(), json!("Status"));
    m.insert("apiVersion".into(), json!("v1"));
    m.insert("metadata".into(), json!({}));
    m.insert("status".into(), json!("Failure"));
    m.insert("message".into(), json!(message));
    if !reason.is_empty() {
        m.insert("reason".into(), json!(reason));
    }
    if let Some(d) = details {
        m.insert("details".into(), d);
    }
    m.insert("code".into(), json!(code));
    Value::Object(m)
}

fn retry_details(retry: Option<u32>) -> Value {
    match retry {
        Some(s) => json!({"retryAfterSeconds": s}),
        None => json!({}),
    }
}

/// Time given to the half body to reach the socket before the connection is cut.
const FLUSH_GRACE: Duration = Duration::from_millis(100);

/// A body that announces its full length, yields half of it, then has the
/// connection closed under it.
pub struct TruncatedBody {
    half: Option<Bytes>,
    full_len: u64,
    grace: Option<Pin<Box<tokio::time::Sleep>>>,
    cut: Arc<Notify>,
}

impl TruncatedBody {
    pub fn new(full: Bytes, cut: Arc<Notify>) -> TruncatedBody {
        let full_len = full.len() as u64;
        TruncatedBody {
            half: Some(full.slice(..full.len() / 2)),
            full_len,
            grace: None,
            cut,
        }
    }
}

impl Body for TruncatedBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Some(half) = self.half.take() {
            if !half.is_empty() {
                return Poll::Ready(Some(Ok(Frame::data(half))));
            }
        }
        let grace = self
            .grace
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(FLUSH_GRACE)));
        if grace.as_mut().poll(cx).is_ready() {
            self.cut.notify_one();
        }
        Poll::Pending
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.full_len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_in_order_and_count_down() {
        let mut rules = vec![
            Fault {
                method: Some("PATCH".into()),
                path_contains: "/configmaps/".into(),
                times: Some(1),
                action: FaultAction::LoseResponse,
            },
            Fault {
                method: None,
                path_contains: "/configmaps".into(),
                times: None,
                action: FaultAction::Hang,
            },
        ];
        assert_eq!(take(&mut rules, "GET", "/api/v1/pods"), None);
        assert_eq!(
            take(&mut rules, "PATCH", "/api/v1/namespaces/a/configmaps/c"),
            Some(FaultAction::LoseResponse)
        );
        assert_eq!(
            take(&mut rules, "PATCH", "/api/v1/namespaces/a/configmaps/c"),
            Some(FaultAction::Hang)
        );
        assert_eq!(rules[0].times, Some(0));
    }

    #[test]
    fn injected_statuses_read_like_the_api_server_s() {
        let text = |v: Value| serde_json::to_string(&v).unwrap();
        assert_eq!(
            text(status(500, None)),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Internal error occurred: injected fault","reason":"InternalError","details":{"causes":[{"message":"injected fault"}]},"code":500}"#
        );
        assert_eq!(
            text(status(404, None)),
            include_str!("../fixtures/observed/status-404-unknown-resource.json").trim_end()
        );
        assert_eq!(
            text(status(429, Some(3))),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"injected fault","reason":"TooManyRequests","details":{"retryAfterSeconds":3},"code":429}"#
        );
        assert_eq!(status(504, None)["message"], "Timeout: injected fault");
        assert_eq!(status(503, None)["reason"], "ServiceUnavailable");
        assert!(status(502, None).get("reason").is_none());
    }

    use crate::testing::{plain_cluster, request, send, End};
    use crate::TestCluster;

    const CONFIG: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: default}\ndata: {mode: fast, note: a value long enough to be cut in two}\n";
    const CM: &str = "/api/v1/namespaces/default/configmaps/settings";

    fn rule(method: Option<&str>, path: &str, action: FaultAction) -> Fault {
        Fault {
            method: method.map(String::from),
            path_contains: path.into(),
            times: Some(1),
            action,
        }
    }

    fn last_fault(cluster: &TestCluster) -> (Option<String>, u16, crate::RequestKind) {
        let log = cluster.requests();
        let r = log.last().expect("a request was logged");
        (r.fault.clone(), r.status, r.kind)
    }

    #[test]
    fn status_faults_answer_a_kube_status_once() {
        let cluster = plain_cluster();
        cluster.fault(rule(
            None,
            "/namespaces",
            FaultAction::Status {
                code: 500,
                retry_after: None,
            },
        ));
        let hit = request(&cluster, "GET", "/api/v1/namespaces", &[], "");
        assert_eq!(hit.status(), 500);
        assert_eq!(
            hit.body,
            serde_json::to_vec(&status(500, None))
                .map(|mut b| {
                    b.push(b'\n');
                    b
                })
                .unwrap()
        );
        assert_eq!(
            last_fault(&cluster),
            (Some("status 500".into()), 500, crate::RequestKind::List)
        );
        assert_eq!(
            request(&cluster, "GET", "/api/v1/namespaces", &[], "").status(),
            200
        );

        cluster.fault(Fault {
            times: None,
            ..rule(
                Some("GET"),
                "/pods",
                FaultAction::Status {
                    code: 429,
                    retry_after: Some(3),
                },
            )
        });
        for _ in 0..2 {
            let throttled = request(&cluster, "GET", "/api/v1/pods", &[], "");
            assert_eq!(
                (throttled.status(), throttled.header("retry-after")),
                (429, Some("3"))
            );
            assert_eq!(throttled.json()["reason"], "TooManyRequests");
        }
    }

    #[test]
    fn body_faults_answer_exactly_what_is_given() {
        let cluster = plain_cluster();
        let page = "<html><body><h1>502 Bad Gateway</h1></body></html>\n";
        cluster.fault(rule(
            None,
            "/api/v1",
            FaultAction::Body {
                code: 502,
                content_type: "text/html".into(),
                body: page.into(),
            },
        ));
        let hit = request(&cluster, "GET", "/api/v1/namespaces", &[], "");
        assert_eq!(
            (hit.status(), hit.header("content-type")),
            (502, Some("text/html"))
        );
        assert_eq!(hit.body, page.as_bytes());
        assert_eq!(last_fault(&cluster).0.as_deref(), Some("body 502"));
    }

    #[test]
    fn faults_come_after_authentication_and_authorization() {
        let cluster = plain_cluster();
        cluster.add_user("jane", "jane-token");
        cluster.fault(Fault {
            times: None,
            ..rule(None, "/", FaultAction::Reset)
        });
        let anonymous = request(
            &cluster,
            "GET",
            "/api/v1/pods",
            &[("Authorization", "Bearer nope")],
            "",
        );
        assert_eq!(anonymous.status(), 401);
        let jane = request(
            &cluster,
            "GET",
            "/api/v1/pods",
            &[("Authorization", "Bearer jane-token")],
            "",
        );
        assert_eq!(jane.status(), 403);
        assert!(cluster.requests().iter().all(|r| r.fault.is_none()));
    }

    #[test]
    fn a_hang_never_answers_and_does_not_hold_the_cluster_up() {
        let cluster = plain_cluster();
        cluster.fault(rule(None, "/api/v1/namespaces", FaultAction::Hang));
        let hung = send(
            &cluster,
            "GET",
            "/api/v1/namespaces",
            &[],
            "",
            Duration::from_millis(500),
        );
        assert_eq!((hung.end, hung.head.as_str()), (End::Silent, ""));
        assert_eq!(
            last_fault(&cluster),
            (Some("hang".into()), 0, crate::RequestKind::List)
        );

        // One more hangs while the cluster is dropped: it stops at once all the same.
        cluster.fault(rule(None, "/api/v1/namespaces", FaultAction::Hang));
        let addr = cluster.url().trim_start_matches("http://").to_string();
        let mut open = std::net::TcpStream::connect(addr).unwrap();
        use std::io::{Read, Write};
        open.write_all(b"GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer admin-token\r\n\r\n")
            .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while cluster.requests().len() < 2 {
            assert!(
                std::time::Instant::now() < deadline,
                "the second request arrives"
            );
            std::thread::yield_now();
        }
        let started = std::time::Instant::now();
        drop(cluster);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        open.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut rest = Vec::new();
        let _ = open.read_to_end(&mut rest);
        assert!(rest.is_empty());
    }

    #[test]
    fn a_reset_closes_the_connection_without_handling_the_request() {
        let cluster = plain_cluster();
        cluster.load(CONFIG).unwrap();
        cluster.fault(rule(Some("PATCH"), "/configmaps/", FaultAction::Reset));
        let patch = r#"{"metadata":{"labels":{"touched":"yes"}}}"#;
        let cut = request(
            &cluster,
            "PATCH",
            CM,
            &[("Content-Type", "application/merge-patch+json")],
            patch,
        );
        assert_eq!((cut.end, cut.head.as_str()), (End::Closed, ""));
        assert_eq!(
            last_fault(&cluster),
            (Some("reset".into()), 0, crate::RequestKind::Patch)
        );
        let stored = cluster
            .object("", "configmaps", "default", "settings")
            .unwrap();
        assert!(stored["metadata"]["labels"].is_null());
    }

    #[test]
    fn a_truncated_answer_announces_the_full_length_and_sends_half() {
        let cluster = plain_cluster();
        cluster.load(CONFIG).unwrap();
        let whole = request(&cluster, "GET", CM, &[], "");
        cluster.fault(rule(
            Some("GET"),
            "/configmaps/settings",
            FaultAction::Truncate,
        ));
        let cut = request(&cluster, "GET", CM, &[], "");
        assert_eq!(cut.status(), 200);
        let announced: usize = cut.header("content-length").unwrap().parse().unwrap();
        assert_eq!(announced, whole.body.len());
        assert_eq!(cut.body, whole.body[..announced / 2]);
        assert_eq!(cut.end, End::Closed);
        assert_eq!(
            last_fault(&cluster),
            (Some("truncate".into()), 200, crate::RequestKind::Get)
        );
    }

    #[test]
    fn a_lost_response_still_applies_the_write() {
        let cluster = plain_cluster();
        cluster.load(CONFIG).unwrap();
        cluster.fault(rule(
            Some("PATCH"),
            "/configmaps/settings",
            FaultAction::LoseResponse,
        ));
        let patch = r#"{"metadata":{"labels":{"touched":"yes"}}}"#;
        let lost = request(
            &cluster,
            "PATCH",
            CM,
            &[("Content-Type", "application/merge-patch+json")],
            patch,
        );
        assert_eq!((lost.end, lost.head.as_str()), (End::Closed, ""));
        let stored = cluster
            .object("", "configmaps", "default", "settings")
            .unwrap();
        assert_eq!(stored["metadata"]["labels"]["touched"], "yes");
        let writes = cluster.writes();
        let w = writes.last().unwrap();
        assert_eq!(
            (w.kind, w.status, w.fault.as_deref()),
            (crate::RequestKind::Patch, 200, Some("lose-response"))
        );
        assert!(w.bytes > 0);
    }
}
