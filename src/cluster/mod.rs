//! Every read from the cluster: connection, discovery, paged metadata lists.
//! Reports what could not be read instead of aborting; never decides or formats.

pub mod config;
pub mod discovery;
pub mod list;
pub mod names;
pub mod resolve;

pub use config::Identity;
pub use discovery::{ApiCatalog, ApiType};

use crate::cli::KubeFlags;
use anyhow::Context;
use kube::api::{Api, DynamicObject};
use kube::Client;
use serde::{Deserialize, Serialize};

/// A connected client and who it is.
#[derive(Clone)]
pub struct Cluster {
    pub client: Client,
    pub identity: Identity,
    /// The context's namespace (`default` when unset), for TYPE/NAME arguments.
    pub default_namespace: String,
}

impl Cluster {
    pub async fn connect(flags: &KubeFlags) -> anyhow::Result<Cluster> {
        let (config, identity) = config::load(flags).await?;
        let default_namespace = config.default_namespace.clone();
        let client = Client::try_from(config)
            .with_context(|| format!("creating a client for {}", identity.server))?;
        Ok(Cluster {
            client,
            identity,
            default_namespace,
        })
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

/// Something that could not be read: a group/version or a resource type.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// `group/version`, or `resource.group` for a list that failed.
    pub scope: String,
    pub code: Option<u16>,
    pub reason: String,
    pub message: String,
}

impl Problem {
    pub fn new(scope: &str, code: Option<u16>, reason: &str, message: &str) -> Problem {
        Problem {
            scope: scope.into(),
            code,
            reason: reason.into(),
            message: message.into(),
        }
    }

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
            } else {
                text
            }
        }
    }
}

/// An error and its sources, joined: `a: b: c`.
pub fn error_chain(e: &dyn std::error::Error) -> String {
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
