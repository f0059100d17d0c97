//! kubectl-finalizers: finalizer triage for Kubernetes.
//!
//! `run` takes the parsed command line and returns how the process should end;
//! `main.rs` only prints the error, if any, and exits.

pub mod clear;
pub mod cli;
pub mod cluster;
pub mod complete;
pub mod duration;
pub mod error;
pub mod explain;
pub mod glob;
pub mod model;
pub mod render;
pub mod scan;

use cli::{ClearArgs, Cli, Command, ExplainArgs, ScanArgs};
use cluster::Cluster;
use error::Outcome;
use render::Styling;

pub async fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Scan(args) => run_scan(&cli.kube, args).await,
        Command::Explain(args) => run_explain(&cli.kube, args).await,
        Command::Clear(args) => run_clear(&cli.kube, args).await,
        Command::Completion { shell } => {
            render::emit(&complete::script(shell))?;
            Ok(Outcome::Done)
        }
    }
}

async fn run_clear(kube: &cli::KubeFlags, args: ClearArgs) -> anyhow::Result<Outcome> {
    let styling = Styling::detect(args.color);
    cluster::resolve::check_names(&args.targets)?;
    let catalog = explain::catalog::Catalog::load(&args.catalogs)?;
    let cluster = Cluster::connect(kube).await?;
    clear::run(&cluster, &args, &styling, &catalog).await
}

async fn run_explain(kube: &cli::KubeFlags, args: ExplainArgs) -> anyhow::Result<Outcome> {
    let styling = Styling::detect(args.color);
    cluster::resolve::check_names(&args.targets)?;
    let catalog = explain::catalog::Catalog::load(&args.catalogs)?;
    let cluster = Cluster::connect(kube).await?;
    let progress = render::progress(&styling, "gathering evidence");
    let request = explain::Request {
        targets: &args.targets,
        selection: &args.selection,
        catalog: &catalog,
    };
    let report = explain::explain(&cluster, &request, &progress).await;
    progress.finish_and_clear();
    let report = report?;
    let text = render::explain::render(&report, &cluster.identity, args.output, styling.color)?;
    render::emit(&text)?;
    render::warn_problems(&report.problems);
    if !report.problems.is_empty() {
        eprintln!(
            "warning: some evidence could not be read; the verdicts above may be less certain"
        );
        return Ok(Outcome::Incomplete);
    }
    Ok(Outcome::Done)
}

async fn run_scan(kube: &cli::KubeFlags, args: ScanArgs) -> anyhow::Result<Outcome> {
    let styling = Styling::detect(args.output.color);
    let cluster = Cluster::connect(kube).await?;
    let progress = render::progress(&styling, "scanning resource types");
    let report = scan::scan(&cluster, &args.selection, &progress).await;
    progress.finish_and_clear();
    let report = report?;
    let text = render::scan::render(
        &report,
        &cluster.identity,
        args.output.output,
        args.output.no_headers,
    )?;
    render::emit(&text)?;
    if report.items.is_empty()
        && matches!(
            args.output.output,
            cli::OutputFormat::Table | cli::OutputFormat::Wide
        )
    {
        match &args.selection.namespace {
            Some(ns) => eprintln!("No stuck objects found in namespace {ns}."),
            None => eprintln!("No stuck objects found."),
        }
    }
    render::warn_problems(&report.problems);
    if !report.complete() {
        eprintln!(
            "warning: the scan is incomplete: {} resource type(s) or group(s) could not be read; objects stuck there are not listed",
            report.problems.len()
        );
        return Ok(Outcome::Incomplete);
    }
    if args.exit_code && !report.items.is_empty() {
        return Ok(Outcome::Found);
    }
    Ok(Outcome::Done)
}
