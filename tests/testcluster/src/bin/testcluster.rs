//! `testcluster`: runs the test cluster in the foreground for the demo, the
//! benchmarks and manual exploration with kubectl.

use clap::Parser;
use std::path::PathBuf;
use std::time::Duration;
use testcluster::{ControlPlane, Options, TestCluster};

/// Start a loopback Kubernetes API server loaded with scenario files.
#[derive(Parser)]
#[command(name = "testcluster")]
struct Args {
    /// Scenario file (multi-document YAML); repeatable, loaded in order.
    #[arg(long = "scenario", value_name = "FILE")]
    scenarios: Vec<PathBuf>,
    /// Write a kubeconfig for the cluster here.
    #[arg(long, value_name = "PATH")]
    kubeconfig: PathBuf,
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Delay added to every response, in milliseconds (models a real round trip).
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Serve plain HTTP instead of HTTPS.
    #[arg(long)]
    http: bool,
    /// Also create this many namespaces of generated bulk objects (benchmarks).
    #[arg(long, default_value_t = 0)]
    bulk_namespaces: usize,
    /// What the control plane shows: static pods and leases (self-hosted), only
    /// leases held by hidden machines (managed), or nothing (managed-no-leases).
    #[arg(long, value_enum, default_value_t = Profile::SelfHosted)]
    control_plane: Profile,
    /// Load objects without the managedFields a real cluster shows (to measure their cost).
    #[arg(long)]
    no_managed_fields: bool,
    /// Also generate a large, realistic cluster: `key=value,…` with keys types,
    /// objects, stuck, namespaces, decoys, graceful, finalizer, seed
    /// (e.g. `types=1000,objects=100k,stuck=100`).
    #[arg(long, value_name = "SPEC")]
    generate: Option<testcluster::generate::Spec>,
    /// Serve at most N requests at once and answer the rest 429 with
    /// `Retry-After: 1`, as API Priority and Fairness does (0: no limit).
    #[arg(long, value_name = "N", default_value_t = 0)]
    max_requests_inflight: usize,
    /// With --max-requests-inflight: how many more requests may wait for a
    /// seat (up to 15 s) before the rest are rejected.
    #[arg(long, value_name = "N", default_value_t = 0)]
    inflight_queue: usize,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Profile {
    SelfHosted,
    Managed,
    ManagedNoLeases,
}

impl From<Profile> for ControlPlane {
    fn from(p: Profile) -> Self {
        match p {
            Profile::SelfHosted => ControlPlane::SelfHosted,
            Profile::Managed => ControlPlane::Managed { leases: true },
            Profile::ManagedNoLeases => ControlPlane::Managed { leases: false },
        }
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let cluster = TestCluster::start_with(Options {
        tls: !args.http,
        latency: Duration::from_millis(args.latency_ms),
        port: args.port,
        control_plane: args.control_plane.into(),
        managed_fields: !args.no_managed_fields,
        max_in_flight: (args.max_requests_inflight > 0).then_some(testcluster::limiter::Limits {
            seats: args.max_requests_inflight,
            queue: args.inflight_queue,
        }),
        ..Default::default()
    })?;
    for s in &args.scenarios {
        cluster.load_file(s)?;
    }
    if args.bulk_namespaces > 0 {
        cluster.load(&testcluster::scenario::bulk(args.bulk_namespaces))?;
    }
    if let Some(spec) = &args.generate {
        let started = std::time::Instant::now();
        let s = cluster.generate(spec)?;
        eprintln!(
            "testcluster: generated {} types ({} built-in, {} CRDs in {} groups), {} objects in {} namespaces: {} stuck, {} live with finalizers, {} terminating gracefully ({:.1} s)",
            s.builtin_types + s.crds,
            s.builtin_types,
            s.crds,
            s.groups,
            s.objects,
            s.namespaces,
            s.stuck,
            s.decoys,
            s.graceful,
            started.elapsed().as_secs_f64()
        );
    }
    std::fs::write(&args.kubeconfig, cluster.kubeconfig())?;
    eprintln!(
        "testcluster: serving {} (kubeconfig: {}); Ctrl-C to stop",
        cluster.url(),
        args.kubeconfig.display()
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term.recv() => {},
        }
        anyhow::Ok(())
    })?;
    Ok(())
}
