//! Every call to the API: connection, discovery, paged lists, single objects.
//! Reports what could not be read instead of aborting; never decides or formats.

pub mod config;
pub mod discovery;
pub mod failure;
pub mod inflight;
pub mod list;
pub mod names;
pub mod objects;
pub mod resolve;
pub mod retry;

pub use crate::model::{Identity, Problem};
pub use discovery::{ApiCatalog, ApiType};
pub use failure::{error_chain, ApiFailure};

use crate::settings::Connection;
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
    pub async fn connect(flags: &Connection) -> anyhow::Result<Cluster> {
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
        // retry can clone the service); every attempt waits for a seat of the
        // adaptive in-flight limit, which 429s lower.
        let client = kube::client::ClientBuilder::try_from(config)
            .map_err(|e| {
                anyhow::anyhow!(
                    "creating a client for {}: {}",
                    identity.server,
                    error_chain(&e)
                )
            })?
            .with_layer(&rate_limit(flags))
            .with_layer(&tower::buffer::BufferLayer::new(256))
            .with_layer(&inflight::AdaptiveLimitLayer::default())
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

/// `--qps`/`--burst`: at most BURST requests in any BURST/QPS seconds, for every
/// request of the run (the limit sits behind the one buffer all requests share).
fn rate_limit(
    flags: &Connection,
) -> tower::util::Either<tower::limit::RateLimitLayer, tower::layer::util::Identity> {
    if flags.qps == 0 {
        return tower::util::Either::Right(tower::layer::util::Identity::new());
    }
    let burst = u64::from(flags.burst.max(1));
    let period = std::time::Duration::from_secs_f64(burst as f64 / f64::from(flags.qps));
    tower::util::Either::Left(tower::limit::RateLimitLayer::new(burst, period))
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
