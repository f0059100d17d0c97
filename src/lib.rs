//! kubectl-finalizers: finalizer triage for Kubernetes.
//!
//! `run` takes the parsed command line and returns how the process should end;
//! `main.rs` only prints the error, if any, and exits.

/// `eprintln!` that never panics: a closed or full stderr must not crash a run
/// (least of all in the middle of `clear`).
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod clear;
pub mod cli;
pub mod cluster;
pub mod complete;
pub mod duration;
pub mod error;
pub mod explain;
pub mod glob;
pub mod model;
pub mod preflight;
pub mod render;
pub mod scan;
pub mod settings;

use cli::{ClearArgs, Cli, Command, ExplainArgs, ScanArgs};
use cluster::Cluster;
use error::Outcome;
use render::Styling;
use settings::{Connection, Selection};

pub async fn run(cli: Cli) -> anyhow::Result<Outcome> {
    // Resolved once: the connection and the terminal.
    let connection = Connection::from(&cli.kube);
    let styling = Styling::detect(cli.color);
    match cli.command {
        Command::Scan(args) => run_scan(&connection, &cli.kube.context, &styling, args).await,
        Command::Explain(args) => {
            one_context(&cli.kube.context)?;
            run_explain(&connection, &styling, args).await
        }
        Command::Clear(args) => {
            one_context(&cli.kube.context)?;
            run_clear(&connection, &styling, args).await
        }
        Command::Preflight(args) => {
            one_context(&cli.kube.context)?;
            run_preflight(&connection, &styling, args).await
        }
        Command::Completion { shell } => {
            render::emit(&complete::script(shell))?;
            Ok(Outcome::Done)
        }
    }
}

async fn run_clear(
    connection: &Connection,
    styling: &Styling,
    args: ClearArgs,
) -> anyhow::Result<Outcome> {
    let settings = settings::Clear::try_from(&args)?;
    if let settings::Source::Targets(targets) = &settings.source {
        cluster::resolve::check_names(targets)?;
    }
    let catalog = explain::catalog::Catalog::load(&args.catalogs)?;
    let cluster = Cluster::connect(connection).await?;
    clear::run(&cluster, &settings, styling, &catalog).await
}

async fn run_explain(
    connection: &Connection,
    styling: &Styling,
    args: ExplainArgs,
) -> anyhow::Result<Outcome> {
    cluster::resolve::check_names(&args.targets)?;
    let selection = Selection::from(&args.selection);
    let catalog = explain::catalog::Catalog::load(&args.catalogs)?;
    if let Some(path) = &args.filename {
        // Offline: the verdicts the captured evidence supports, no cluster at all.
        let (report, identity) = explain::offline(path, &catalog, &selection)?;
        return finish_explain(&report, &identity, args.output, styling);
    }
    let cluster = Cluster::connect(connection).await?;
    let progress = render::progress(styling, "gathering evidence");
    let request = explain::Request {
        targets: &args.targets,
        selection: &selection,
        catalog: &catalog,
    };
    let report = explain::explain(&cluster, &request, &progress).await;
    progress.finish_and_clear();
    let report = report?;
    finish_explain(&report, &cluster.identity, args.output, styling)
}

fn finish_explain(
    report: &explain::ExplainReport,
    identity: &model::Identity,
    format: cli::ReportFormat,
    styling: &Styling,
) -> anyhow::Result<Outcome> {
    let text = render::explain::render(report, identity, format, styling.color)?;
    render::emit(&text)?;
    render::warn_problems(&report.problems);
    if !report.problems.is_empty() {
        crate::say!(
            "warning: some evidence could not be read; the verdicts above may be less certain"
        );
        return Ok(Outcome::Incomplete);
    }
    Ok(Outcome::Done)
}

async fn run_preflight(
    connection: &Connection,
    styling: &Styling,
    args: cli::PreflightArgs,
) -> anyhow::Result<Outcome> {
    let selection = Selection::from(&args.selection);
    let catalog = explain::catalog::Catalog::load(&[])?;
    let cluster = Cluster::connect(connection).await?;
    let namespace = selection
        .target_namespace(&cluster.default_namespace)
        .to_string();
    let owner = match (&args.workload, &args.helm_release, args.groups.is_empty()) {
        (Some(w), None, true) => {
            let (ty, name) = w.split_once('/').ok_or_else(|| {
                error::Error::Usage(format!(
                    "{w:?} is not TYPE/NAME (deploy/NAME, statefulset/NAME, daemonset/NAME)"
                ))
            })?;
            cluster::names::validate_name(name)?;
            // The type is resolved against discovery, as every TYPE argument is.
            preflight::Owner::Workload {
                type_spec: ty.into(),
                namespace,
                name: name.into(),
            }
        }
        (None, Some(release), true) => preflight::Owner::HelmRelease { namespace, name: release.clone() },
        (None, None, false) => preflight::Owner::Groups(args.groups.clone()),
        _ => {
            return Err(error::Error::Usage(
                "name the operator with exactly one of: TYPE/NAME of its workload, --helm-release NAME, or --group GROUP".into(),
            )
            .into())
        }
    };
    let progress = render::progress(styling, "scanning resource types");
    let report = preflight::preflight(&cluster, &owner, &catalog, &selection, &progress).await;
    progress.finish_and_clear();
    let report = report?;
    render::emit(&render::preflight::render(&report, args.output)?)?;
    render::warn_problems(&report.problems);
    if !report.problems.is_empty() {
        crate::say!("warning: some types or evidence could not be read: objects there that carry its finalizers are not listed");
        return Ok(Outcome::Incomplete);
    }
    if args.exit_code && !report.items.is_empty() {
        return Ok(Outcome::Found);
    }
    Ok(Outcome::Done)
}

/// Only `scan` works on several contexts at once.
fn one_context(contexts: &[String]) -> Result<(), error::Error> {
    if contexts.len() > 1 {
        return Err(error::Error::Usage(format!(
            "--context is given {} times: only scan takes several (explain and clear work on one cluster)",
            contexts.len()
        )));
    }
    Ok(())
}

async fn run_scan(
    connection: &Connection,
    cli_contexts: &[String],
    styling: &Styling,
    args: ScanArgs,
) -> anyhow::Result<Outcome> {
    let selection = Selection::from(&args.selection);
    if args.with_evidence
        && !matches!(
            args.output.output,
            cli::OutputFormat::Json | cli::OutputFormat::Yaml
        )
    {
        return Err(
            error::Error::Usage("--with-evidence goes with -o json or -o yaml".into()).into(),
        );
    }
    let mut evidence = None;
    // The built-in catalogue: owners in the table, attribution for --with-evidence.
    let catalog = explain::catalog::Catalog::load(&[])?;
    let mut cli_contexts: Vec<String> = cli_contexts.to_vec();
    cli_contexts.dedup();
    let cli_contexts = &cli_contexts[..];
    let contexts = if args.all_contexts {
        if !cli_contexts.is_empty() {
            return Err(error::Error::Usage(
                "--all-contexts and --context: give one or the other".into(),
            )
            .into());
        }
        cluster::config::context_names(connection)?
    } else {
        cli_contexts.to_vec()
    };
    let (report, identity) = if contexts.len() > 1 {
        let report = scan::scan_fleet(&contexts, connection, &selection).await;
        let identity = model::Identity {
            context: contexts.join(","),
            ..Default::default()
        };
        (report, identity)
    } else {
        let connection = Connection {
            context: contexts.first().cloned().or(connection.context.clone()),
            ..connection.clone()
        };
        let cluster = Cluster::connect(&connection).await?;
        let progress = render::progress(styling, "scanning resource types");
        let scanned = scan::scan_discovered(&cluster, &selection, &progress).await;
        progress.finish_and_clear();
        let (mut report, api) = scanned?;
        for o in &mut report.items {
            o.context = Some(cluster.identity.context.clone());
            o.server = Some(cluster.identity.server.clone());
        }
        if args.with_evidence {
            let bundle =
                explain::gather(&cluster, &api, report.items.clone(), &catalog, &selection).await;
            report
                .problems
                .extend(bundle.snapshot.problems.iter().cloned());
            evidence = Some(bundle);
        }
        (report, cluster.identity)
    };
    // Every list refused as a bad request: the request is wrong (a malformed -l),
    // not the cluster.
    if !report.problems.is_empty() && report.problems.iter().all(|p| p.code == Some(400)) {
        return Err(error::Error::Usage(format!(
            "the API server refused the request: {}",
            report.problems[0].message
        ))
        .into());
    }
    let owner = |f: &str| catalog.lookup(f).map(|e| e.owner.clone());
    let text = render::scan::render(
        &report,
        &identity,
        args.output.output,
        args.output.no_headers,
        &owner,
        evidence,
    )?;
    render::emit(&text)?;
    if report.items.is_empty()
        && matches!(
            args.output.output,
            cli::OutputFormat::Table | cli::OutputFormat::Wide
        )
    {
        match &selection.namespace {
            Some(ns) => crate::say!("No stuck objects found in namespace {ns}."),
            None => crate::say!("No stuck objects found."),
        }
    }
    render::warn_problems(&report.problems);
    if !report.complete() {
        crate::say!(
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
