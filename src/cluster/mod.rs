//! Every read from the cluster: connection, discovery, paged metadata lists.
//! Reports what could not be read instead of aborting; never decides or formats.

pub mod config;
pub mod discovery;
pub mod list;
pub mod names;
pub mod resolve;
pub mod retry;

pub use crate::model::{Identity, Problem};
pub use discovery::{ApiCatalog, ApiType};

use crate::cli::KubeFlags;
use kube::api::{Api, DynamicObject};
use kube::Client;

/// A connected client and who it is.
#[derive(Clone)]
pub struct Cluster {
    pub client: Client,
    pub identity: Identity,
    /// The context's namespace (`default` when unset), for TYPE/NAME arguments.
    pub default_namespace: String,
    /// With `--as`: a client without impersonation, to ask who really authenticates.
    own: Option<Client>,
}

impl Cluster {
    pub async fn connect(flags: &KubeFlags) -> anyhow::Result<Cluster> {
        let (config, identity) = config::load(flags).await?;
        let default_namespace = config.default_namespace.clone();
        let own = match &identity.impersonate {
            Some(_) => {
                let mut plain = config.clone();
                plain.auth_info.impersonate = None;
                plain.auth_info.impersonate_groups = None;
                Client::try_from(plain).ok()
            }
            None => None,
        };
        // Throttled requests are retried outside kube's stack (buffered, so the
        // retry can clone the service).
        let client = kube::client::ClientBuilder::try_from(config)
            .map_err(|e| {
                anyhow::anyhow!(
                    "creating a client for {}: {}",
                    identity.server,
                    error_chain(&e)
                )
            })?
            .with_layer(&tower::buffer::BufferLayer::new(256))
            .with_layer(&tower::retry::RetryLayer::new(retry::Throttled::default()))
            .build();
        Ok(Cluster {
            client,
            identity,
            default_namespace,
            own,
        })
    }

    /// Who the server says the credentials belong to (SelfSubjectReview, served
    /// since Kubernetes 1.28), ignoring `--as`; an explanation when it cannot say.
    pub async fn authenticated_user(&self) -> Result<String, String> {
        let client = self.own.as_ref().unwrap_or(&self.client);
        let request = http::Request::post("/apis/authentication.k8s.io/v1/selfsubjectreviews")
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(
                br#"{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}"#.to_vec(),
            )
            .map_err(|e| e.to_string())?;
        let review: serde_json::Value = client.request(request).await.map_err(|e| {
            format!(
                "SelfSubjectReview: {}",
                Problem::from_kube("selfsubjectreviews", &e).message
            )
        })?;
        review["status"]["userInfo"]["username"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| "SelfSubjectReview named no user".into())
    }
}

/// The API of `ty`, in `namespace` when the type is namespaced and one is given,
/// else across the cluster. The namespace is escaped as a path segment; callers
/// escape object names with [`names::segment`].
pub fn api_for(client: &Client, ty: &ApiType, namespace: Option<&str>) -> Api<DynamicObject> {
    let ar = ty.api_resource();
    match namespace {
        Some(ns) if ty.namespaced => Api::namespaced_with(client.clone(), &names::segment(ns), &ar),
        _ => Api::all_with(client.clone(), &ar),
    }
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
                let text = error_chain(other).to_lowercase();
                let reason = if text.contains("timed out")
                    || text.contains("timeout")
                    || text.contains("elapsed")
                {
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
