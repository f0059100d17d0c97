//! What went wrong talking to the API: one typed failure that callers branch on
//! (not found, conflict, forbidden, throttled, unavailable, timeout, …), the
//! `Problem` records reads leave behind, and the wording of errors — which never
//! repeats a credential.

use super::config;
use crate::model::Problem;

/// A failed API call, by what the caller can do about it. The kube error stays
/// the source, for messages.
#[derive(Debug, thiserror::Error)]
pub enum ApiFailure {
    /// 404: the object or type is not there (any more).
    #[error("not found: {}", message(.0))]
    NotFound(#[source] kube::Error),
    /// 409, or 422 from a failed JSON Patch `test`: something changed since it was read.
    #[error("conflict: {}", message(.0))]
    Conflict(#[source] kube::Error),
    /// 401: the credentials were not accepted.
    #[error("unauthorized: {}", message(.0))]
    Unauthorized(#[source] kube::Error),
    /// 403: RBAC (or an admission plugin) refused.
    #[error("forbidden: {}", message(.0))]
    Forbidden(#[source] kube::Error),
    /// 410: a continue token or resourceVersion expired.
    #[error("expired: {}", message(.0))]
    Expired(#[source] kube::Error),
    /// 429 after the client's own retries.
    #[error("throttled: {}", message(.0))]
    Throttled(#[source] kube::Error),
    /// 5xx: the server, an aggregated API or a proxy failed; a write may or may not have been applied.
    #[error("unavailable: {}", message(.0))]
    Unavailable(#[source] kube::Error),
    /// No answer in time.
    #[error("timeout: {}", message(.0))]
    Timeout(#[source] kube::Error),
    /// The connection failed, broke or the answer could not be read.
    #[error("connection failed: {}", message(.0))]
    Connection(#[source] kube::Error),
    /// Anything else the server refused (400, 405, …).
    #[error("{}", message(.0))]
    Other(#[source] kube::Error),
}

impl From<kube::Error> for ApiFailure {
    fn from(e: kube::Error) -> ApiFailure {
        match &e {
            kube::Error::Api(s) => match s.code {
                404 => ApiFailure::NotFound(e),
                409 | 422 => ApiFailure::Conflict(e),
                401 => ApiFailure::Unauthorized(e),
                403 => ApiFailure::Forbidden(e),
                410 => ApiFailure::Expired(e),
                429 => ApiFailure::Throttled(e),
                c if c >= 500 => ApiFailure::Unavailable(e),
                _ => ApiFailure::Other(e),
            },
            other if is_timeout(other) => ApiFailure::Timeout(e),
            _ => ApiFailure::Connection(e),
        }
    }
}

impl ApiFailure {
    /// The server's message, or the transport error's chain.
    pub fn message(&self) -> String {
        message(self.source_error())
    }

    pub fn source_error(&self) -> &kube::Error {
        match self {
            ApiFailure::NotFound(e)
            | ApiFailure::Conflict(e)
            | ApiFailure::Unauthorized(e)
            | ApiFailure::Forbidden(e)
            | ApiFailure::Expired(e)
            | ApiFailure::Throttled(e)
            | ApiFailure::Unavailable(e)
            | ApiFailure::Timeout(e)
            | ApiFailure::Connection(e)
            | ApiFailure::Other(e) => e,
        }
    }

    /// Whether a write that failed so may nevertheless have been applied: no
    /// answer came, or a 5xx that the server or a proxy may send after applying it.
    pub fn may_have_applied(&self) -> bool {
        matches!(
            self,
            ApiFailure::Unavailable(_) | ApiFailure::Timeout(_) | ApiFailure::Connection(_)
        )
    }
}

/// The server's message for an API error, or the error chain otherwise.
pub fn message(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => s.message.clone(),
        other => error_chain(other),
    }
}

/// Whether `e` is a timeout: an I/O timeout anywhere in its chain (the client's
/// connect, read and write timers all end that way).
fn is_timeout(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(x) = cur {
        if x.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
            || x.is::<tokio::time::error::Elapsed>()
        {
            return true;
        }
        cur = x.source();
    }
    false
}

/// Problems from what the server (or the network) answered.
impl Problem {
    /// From a non-2xx response body: a `Status`, or plain text (aggregator 503s).
    pub fn from_response(scope: &str, code: u16, body: &[u8]) -> Problem {
        match serde_json::from_slice::<kube::core::Status>(body) {
            Ok(s) => Problem::new(scope, Some(code), &s.reason, &s.message),
            Err(_) => Problem::new(
                scope,
                Some(code),
                &reason_for(code),
                &describe_plain(code, body),
            ),
        }
    }

    pub fn from_kube(scope: &str, e: &kube::Error) -> Problem {
        match e {
            kube::Error::Api(s) => {
                let (reason, message) = if s.reason == "Failed to parse error data" {
                    (
                        reason_for(s.code),
                        describe_plain(s.code, s.message.as_bytes()),
                    )
                } else {
                    (s.reason.clone(), s.message.clone())
                };
                Problem::new(scope, Some(s.code), &reason, &message)
            }
            other => {
                let reason = if is_timeout(other) {
                    "Timeout"
                } else {
                    "ConnectionFailed"
                };
                Problem::new(scope, None, reason, &error_chain(other))
            }
        }
    }
}

fn reason_for(code: u16) -> String {
    match code {
        500 => "InternalError",
        502 => "BadGateway",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        429 => "TooManyRequests",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "Unknown",
    }
    .into()
}

/// client-go's wording for a non-Status error response.
fn describe_plain(code: u16, body: &[u8]) -> String {
    match code {
        503 => "the server is currently unable to handle the request".into(),
        429 => {
            "the server has received too many requests and has asked us to try again later".into()
        }
        _ => {
            let text = String::from_utf8_lossy(body).trim().to_string();
            if text.is_empty() {
                format!("the server responded with HTTP {code}")
            } else if text.starts_with('<') {
                // A proxy's or load balancer's error page, not the API server's answer.
                let title = text
                    .split_once("<title>")
                    .and_then(|(_, rest)| rest.split_once("</title>"))
                    .map(|(t, _)| format!(" ({})", t.trim()))
                    .unwrap_or_default();
                format!("the server answered HTTP {code} with an HTML page{title}: a proxy or load balancer in front of the API server?")
            } else {
                text.chars().take(300).collect()
            }
        }
    }
}

/// Replaces runs that look like credentials (16+ token characters) in `text`.
pub fn redact(text: &str) -> String {
    let token = |c: char| c.is_ascii_alphanumeric() || "+/=._-".contains(c);
    let mut out = String::new();
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if token(c) {
            run.push(c);
            continue;
        }
        if run.len() >= 16 {
            out.push_str("[redacted]");
        } else {
            out.push_str(&run);
        }
        run.clear();
        out.push(c);
    }
    out.pop();
    out
}

/// What may be said of a failed exec credential plugin: its command (from the
/// kubeconfig, never its environment), its exit status and the redacted end of
/// its stderr. Its stdout, where credentials are printed, never.
fn exec_failure(e: &kube::client::AuthError) -> Option<String> {
    use kube::client::AuthError;
    let command = config::exec_command().unwrap_or("(exec plugin)");
    let what = match e {
        AuthError::AuthExecRun { out, .. } => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let tail: String = stderr
                .trim()
                .chars()
                .rev()
                .take(200)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let said = if tail.is_empty() {
                String::new()
            } else {
                format!("; its stderr ends: {}", redact(&tail))
            };
            format!("exited with {}{said}", out.status)
        }
        AuthError::AuthExecStart(io) => format!("could not be started: {io}"),
        AuthError::AuthExecParse(_) => "printed something that is not an ExecCredential".into(),
        AuthError::AuthExec(_) | AuthError::AuthExecSerialize(_) => "failed".into(),
        _ => return None,
    };
    Some(format!("the kubeconfig's credential plugin `{command}` {what} (its output is not shown: it may hold credentials)"))
}

/// An error and its sources, joined: `a: b: c`. Credential plugin failures are
/// described without their output.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(x) = cur {
        if let Some(said) = x
            .downcast_ref::<kube::client::AuthError>()
            .and_then(exec_failure)
        {
            return said;
        }
        cur = x.source();
    }
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}
