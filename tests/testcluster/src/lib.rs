//! The test cluster: a loopback HTTPS server that reproduces kube-apiserver's
//! wire behaviour for everything kubectl-finalizers (and kubectl) touch, as
//! specified in the project's `apiserver-semantics.md` and
//! `apiserver-semantics-2.md`. Requests are authorized by RBAC over the stored
//! roles and bindings, as on a real cluster; `admin` is in `system:masters`.
//!
//! ```no_run
//! let cluster = testcluster::TestCluster::start().unwrap();
//! cluster.load_file("tests/scenarios/logging-operator.yaml").unwrap();
//! std::fs::write("kubeconfig", cluster.kubeconfig()).unwrap();
//! ```

mod admission;
mod apply;
mod attributes;
mod auth;
mod bootstrap;
mod controllers;
pub mod discovery;
mod fault;
pub mod generate;
mod history;
pub mod limiter;
mod listopts;
mod managed;
pub mod object;
mod openapi;
mod patch;
mod protobuf;
mod rbac;
pub mod scenario;
mod selector;
mod server;
pub mod status;
pub mod store;
mod table;
#[cfg(test)]
mod testing;
mod tls;
mod watch;
mod wire;

pub use bootstrap::ControlPlane;
pub use fault::{Fault, FaultAction};
pub use rbac::Deny;
pub use server::{RequestKind, RequestRecord};
pub use store::Store;

use anyhow::Context;
use auth::User;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::Value;
use server::{Hook, Inner, Shared};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The bearer token of the `admin` user every cluster starts with; `admin` is
/// in `system:masters`, so it may do anything.
pub const ADMIN_TOKEN: &str = "admin-token";

#[derive(Clone, Debug)]
pub struct Options {
    /// Serve HTTPS with a generated CA (the default), or plain HTTP.
    pub tls: bool,
    /// Delay added to every response, to model a real cluster's round trip.
    pub latency: Duration,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Serve only legacy discovery (no `apidiscovery.k8s.io/v2`).
    pub legacy_discovery_only: bool,
    /// Which control-plane pods and leases are visible.
    pub control_plane: ControlPlane,
    /// Give scenario objects the managedFields a real cluster would show
    /// (on by default; off only to measure what they cost).
    pub managed_fields: bool,
    /// Limit requests in flight as API Priority and Fairness does (see `limiter.rs`).
    pub max_in_flight: Option<limiter::Limits>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            tls: true,
            latency: Duration::ZERO,
            port: 0,
            legacy_discovery_only: false,
            control_plane: ControlPlane::SelfHosted,
            managed_fields: true,
            max_in_flight: None,
        }
    }
}

/// Count and response bytes of one kind of request.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct Tally {
    pub count: usize,
    pub bytes: usize,
    /// Answered 429 Too Many Requests (the limiter, or an injected throttle).
    pub throttled: usize,
}

/// Count and bytes per kind of request in `log`.
pub fn tally(log: &[RequestRecord]) -> BTreeMap<RequestKind, Tally> {
    let mut out: BTreeMap<RequestKind, Tally> = BTreeMap::new();
    for r in log {
        let t = out.entry(r.kind).or_default();
        t.count += 1;
        t.bytes += r.bytes;
        t.throttled += usize::from(r.status == 429);
    }
    out
}

/// A running test cluster; it stops when dropped.
pub struct TestCluster {
    addr: SocketAddr,
    shared: Shared,
    ca_pem: Option<String>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestCluster {
    /// Starts an HTTPS cluster with no objects but the built-in ones: namespaces,
    /// the bootstrap RBAC policy and a self-hosted control plane.
    pub fn start() -> anyhow::Result<TestCluster> {
        TestCluster::start_with(Options::default())
    }

    pub fn start_with(options: Options) -> anyhow::Result<TestCluster> {
        let tls = if options.tls {
            Some(tls::generate()?)
        } else {
            None
        };
        let mut store = Store::new();
        store.managed_fields = options.managed_fields;
        scenario::load(&mut store, &bootstrap::objects(options.control_plane))
            .context("loading the built-in objects")?;
        let admin = User::new("admin", vec![rbac::MASTERS.to_string()]);
        let shared: Shared = Arc::new(Mutex::new(Inner {
            store,
            tokens: BTreeMap::from([(ADMIN_TOKEN.to_string(), admin)]),
            denies: Vec::new(),
            faults: Vec::new(),
            delayed_faults: Vec::new(),
            control_plane: options.control_plane,
            log: Vec::new(),
            hooks: Vec::new(),
            latency: options.latency,
            slow_paths: Vec::new(),
            throttles: Vec::new(),
            expire_continues: 0,
            legacy_discovery_only: options.legacy_discovery_only,
            limiter: options
                .max_in_flight
                .map(|l| Arc::new(limiter::Limiter::new(l))),
        }));
        let listener = std::net::TcpListener::bind(("127.0.0.1", options.port))
            .with_context(|| format!("binding 127.0.0.1:{}", options.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let acceptor = tls
            .as_ref()
            .map(|t| tokio_rustls::TlsAcceptor::from(t.config.clone()));
        let state = shared.clone();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                loop {
                    tokio::select! {
                        _ = &mut rx => break,
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            let _ = stream.set_nodelay(true);
                            let state = state.clone();
                            let acceptor = acceptor.clone();
                            tokio::spawn(async move {
                                // An injected fault cuts the connection by dropping it.
                                let cut = Arc::new(tokio::sync::Notify::new());
                                let cut_here = cut.clone();
                                let service = hyper::service::service_fn(move |req| server::handle(state.clone(), cut.clone(), req));
                                let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                                match acceptor {
                                    Some(a) => {
                                        if let Ok(tls) = a.accept(stream).await {
                                            tokio::select! {
                                                _ = builder.serve_connection(TokioIo::new(tls), service) => {}
                                                _ = cut_here.notified() => {}
                                            }
                                        }
                                    }
                                    None => {
                                        tokio::select! {
                                            _ = builder.serve_connection(TokioIo::new(stream), service) => {}
                                            _ = cut_here.notified() => {}
                                        }
                                    }
                                }
                            });
                        }
                    }
                }
            });
        });
        Ok(TestCluster {
            addr,
            shared,
            ca_pem: tls.map(|t| t.ca_pem),
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    pub fn url(&self) -> String {
        let scheme = if self.ca_pem.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.shared.lock().expect("state lock")
    }

    /// Loads a scenario (multi-document YAML); returns how many objects it held.
    pub fn load(&self, yaml: &str) -> anyhow::Result<usize> {
        scenario::load(&mut self.lock().store, yaml)
    }

    /// Fills the cluster with a generated one (benchmarks; see `generate.rs`).
    pub fn generate(&self, spec: &generate::Spec) -> anyhow::Result<generate::Summary> {
        generate::generate(&mut self.lock().store, spec)
    }

    pub fn load_file(&self, path: impl AsRef<std::path::Path>) -> anyhow::Result<usize> {
        let path = path.as_ref();
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        self.load(&text)
            .with_context(|| format!("loading {}", path.display()))
    }

    /// Adds a user who authenticates with `token`. Like any authenticated user
    /// it may only discover and review itself until a binding grants more.
    pub fn add_user(&self, user: &str, token: &str) {
        self.add_user_in_groups(user, token, &[]);
    }

    /// Adds a user in `groups` (besides `system:authenticated`, and the service
    /// account groups for `system:serviceaccount:<ns>:<name>`).
    pub fn add_user_in_groups(&self, user: &str, token: &str, groups: &[&str]) {
        let groups = groups.iter().map(|g| g.to_string()).collect();
        self.lock()
            .tokens
            .insert(token.into(), User::new(user, groups));
    }

    /// Delays requests whose path contains `path_part` by `delay`.
    pub fn slow_down(&self, path_part: &str, delay: Duration) {
        self.lock().slow_paths.push((path_part.into(), delay));
    }

    /// Answers the next `times` requests whose path contains `path_part` with the
    /// plain-text 429 of API Priority and Fairness.
    pub fn throttle(&self, path_part: &str, times: usize) {
        self.lock().throttles.push((path_part.into(), times));
    }

    /// Makes the next `times` continue tokens presented to a list expire (410).
    pub fn expire_continue_tokens(&self, times: usize) {
        self.lock().expire_continues += times;
    }

    /// Compacts the revision history up to now, as etcd does every few
    /// minutes: lists continued and watches started at an older revision get
    /// 410 Expired.
    pub fn compact(&self) {
        let mut inner = self.lock();
        let rv = inner.store.current_rv_number();
        inner.store.history.compact(rv);
    }

    /// Takes one permission away from a user, whatever RBAC grants.
    pub fn deny(&self, rule: Deny) {
        self.lock().denies.push(rule);
    }

    /// Makes matching requests fail as the rule says (rules are tried in the order added).
    pub fn fault(&self, rule: Fault) {
        self.lock().faults.push(rule);
    }

    /// Installs `rule` once `requests` more requests have been answered.
    pub fn fault_after(&self, requests: usize, rule: Fault) {
        self.lock().delayed_faults.push((requests, rule));
    }

    /// Runs `action` on the store just before the next `method` request whose path
    /// ends with `path_suffix` is handled.
    pub fn before_next(
        &self,
        method: &str,
        path_suffix: &str,
        action: impl FnOnce(&mut Store) + Send + 'static,
    ) {
        self.lock().hooks.push(Hook {
            method: method.into(),
            path_suffix: path_suffix.into(),
            action: Box::new(action),
        });
    }

    /// Direct access to the store (for assertions and set-up).
    pub fn with_store<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(&mut self.lock().store)
    }

    /// A stored object by group, plural resource, namespace ("" if cluster-scoped) and name.
    pub fn object(&self, group: &str, plural: &str, namespace: &str, name: &str) -> Option<Value> {
        let key = (
            group.to_string(),
            plural.to_string(),
            namespace.to_string(),
            name.to_string(),
        );
        self.lock().store.objects.get(&key).cloned()
    }

    pub fn requests(&self) -> Vec<RequestRecord> {
        self.lock().log.clone()
    }

    pub fn clear_requests(&self) {
        self.lock().log.clear();
    }

    /// Requests that could change state (dry-run ones included, flagged).
    pub fn writes(&self) -> Vec<RequestRecord> {
        self.requests()
            .into_iter()
            .filter(|r| r.kind.is_write())
            .collect()
    }

    /// Count and bytes per kind of request since the last `clear_requests`.
    pub fn stats(&self) -> BTreeMap<RequestKind, Tally> {
        tally(&self.lock().log)
    }

    /// A kubeconfig with a context per user (`testcluster` for admin,
    /// `testcluster-<user>` for the others); current context: admin.
    pub fn kubeconfig(&self) -> String {
        use base64::Engine;
        let tokens = self.lock().tokens.clone();
        let mut cluster = format!("    server: {}\n", self.url());
        if let Some(ca) = &self.ca_pem {
            let data = base64::engine::general_purpose::STANDARD.encode(ca);
            cluster.push_str(&format!("    certificate-authority-data: {data}\n"));
        }
        let mut users = String::new();
        let mut contexts = String::new();
        for (token, user) in &tokens {
            let user = &user.name;
            let context = if user == "admin" {
                "testcluster".to_string()
            } else {
                format!("testcluster-{user}")
            };
            users.push_str(&format!("- name: {user}\n  user:\n    token: {token}\n"));
            contexts.push_str(&format!(
                "- name: {context}\n  context:\n    cluster: testcluster\n    user: {user}\n"
            ));
        }
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: testcluster\n  cluster:\n{cluster}users:\n{users}contexts:\n{contexts}current-context: testcluster\n"
        )
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
