//! The command line: every flag, its help and its conflicts. No I/O, no cluster.

use crate::duration::{parse_age, parse_positive, parse_request_timeout};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

const EXIT_CODES: &str = "\
Examples:
  # kubectl's connection flags, with or without a kubeconfig
  kubectl finalizers scan --server https://203.0.113.10:6443 --token \"$TOKEN\" --certificate-authority ca.crt
  kubectl finalizers scan --context prod --tls-server-name api.prod.internal

  # As someone else, gently: at most 50 requests a second, a burst of 100
  kubectl finalizers explain --as jane --as-group devs --qps 50 --burst 100

Exit codes:
  0  done (for scan: nothing stuck, or --exit-code not given)
  1  runtime failure (cannot connect, unauthorized, a patch failed), or clear
     refused an object for safety (owner not GONE, evidence not read, in use)
  2  usage error (bad flags; clear without a terminal and without --yes)
  3  declined at the confirmation prompt; nothing changed
  4  incomplete: some resource types could not be read (403, 503, timeout)
  5  --exit-code given and something stuck (scan) or would be stranded (preflight)
  130 clear stopped by Ctrl-C (143: SIGTERM, 129: SIGHUP); what was, was not and
      may have been patched is reported and in the audit log";

/// Finalizer triage: find what is stuck in Terminating, explain why, clear it safely.
#[derive(Parser, Debug)]
#[command(
    name = "kubectl-finalizers",
    bin_name = "kubectl finalizers",
    version,
    after_help = EXIT_CODES,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub kube: KubeFlags,

    /// When to colour the output (NO_COLOR is honoured in auto mode)
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

/// kubectl's connection flags (kubectl does not pass its own flags to plugins).
#[derive(Args, Debug, Clone, Default)]
pub struct KubeFlags {
    /// Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,

    /// The name of the kubeconfig context to use (scan: repeatable, one scan per context)
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Vec<String>,

    /// The name of the kubeconfig cluster to use
    #[arg(long, global = true, value_name = "NAME")]
    pub cluster: Option<String>,

    /// The name of the kubeconfig user to use
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<String>,

    /// The address and port of the Kubernetes API server
    #[arg(short = 's', long, global = true, value_name = "URL")]
    pub server: Option<String>,

    /// Bearer token for authentication to the API server
    #[arg(long, global = true, value_name = "TOKEN")]
    pub token: Option<String>,

    /// Path to a cert file for the certificate authority
    #[arg(long, global = true, value_name = "PATH")]
    pub certificate_authority: Option<PathBuf>,

    /// Path to a client certificate file for TLS
    #[arg(long, global = true, value_name = "PATH")]
    pub client_certificate: Option<PathBuf>,

    /// Path to a client key file for TLS
    #[arg(long, global = true, value_name = "PATH")]
    pub client_key: Option<PathBuf>,

    /// If true, the server's certificate will not be checked for validity (insecure)
    #[arg(long, global = true)]
    pub insecure_skip_tls_verify: bool,

    /// Server name to use for server certificate validation (default: the server's host)
    #[arg(long, global = true, value_name = "NAME")]
    pub tls_server_name: Option<String>,

    /// Username for basic authentication to the API server
    #[arg(long, global = true, value_name = "NAME")]
    pub username: Option<String>,

    /// Password for basic authentication to the API server
    #[arg(long, global = true, value_name = "PASSWORD")]
    pub password: Option<String>,

    /// Username to impersonate for the operation
    #[arg(long = "as", global = true, value_name = "USER")]
    pub as_user: Option<String>,

    /// Group to impersonate for the operation (repeatable)
    #[arg(long = "as-group", global = true, value_name = "GROUP")]
    pub as_group: Vec<String>,

    /// Time to wait for a single server request (0: no limit; 30 or 30s, 1m, 500ms)
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_request_timeout, default_value = "0")]
    pub request_timeout: Duration,

    /// Give up on a request when the server sends nothing for this long, whatever
    /// --request-timeout says (connecting is always limited to 30s)
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_positive, default_value = "60s")]
    pub idle_timeout: Duration,

    /// Requests per second at most, on average (0: no limit)
    #[arg(long, global = true, value_name = "N", default_value_t = 300)]
    pub qps: u32,

    /// Requests at most in a burst, before --qps applies
    #[arg(long, global = true, value_name = "N", default_value_t = 600, value_parser = clap::value_parser!(u32).range(1..))]
    pub burst: u32,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List every object stuck in Terminating, across all resource types
    #[command(after_help = SCAN_EXAMPLES)]
    Scan(ScanArgs),

    /// For each finalizer: who owns it, is it alive, what clearing skips, what to do
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain(ExplainArgs),

    /// Remove finalizers safely: plan and diff, confirm, guarded patch, backup and audit
    #[command(after_help = CLEAR_EXAMPLES)]
    Clear(ClearArgs),

    /// Before uninstalling an operator: what carries its finalizers, and the order
    /// that avoids stranding it
    #[command(after_help = PREFLIGHT_EXAMPLES)]
    Preflight(PreflightArgs),

    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    #[command(after_help = COMPLETION_EXAMPLES)]
    Completion {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

const PREFLIGHT_EXAMPLES: &str = "\
Examples:
  # Before `helm uninstall logging-operator -n logging-system`
  kubectl finalizers preflight --helm-release logging-operator -n logging-system

  # An operator installed some other way: name its workload
  kubectl finalizers preflight deploy/logging-operator -n logging-system

  # By the API groups it serves
  kubectl finalizers preflight --group logging.banzaicloud.io

  # As a Helm pre-delete hook or a CI gate: exit 5 while anything would be stranded
  kubectl finalizers preflight --helm-release logging-operator -n logging-system --exit-code";

#[derive(Args, Debug)]
pub struct PreflightArgs {
    /// The operator's workload: deploy/NAME, statefulset/NAME or daemonset/NAME (in -n)
    #[arg(value_name = "TYPE/NAME")]
    pub workload: Option<String>,

    /// The operator's Helm release (in -n): its workloads and the CRDs it installed
    #[arg(long, value_name = "NAME")]
    pub helm_release: Option<String>,

    /// An API group the operator serves (repeatable)
    #[arg(long = "group", value_name = "GROUP")]
    pub groups: Vec<String>,

    #[command(flatten)]
    pub selection: Selection,

    /// Output format
    #[arg(short = 'o', long, value_enum, default_value_t = ReportFormat::Text)]
    pub output: ReportFormat,

    /// Exit with 5 while any object would be stranded (Helm pre-delete hook, CI gate)
    #[arg(long)]
    pub exit_code: bool,
}

const COMPLETION_EXAMPLES: &str = "\
Examples:
  # bash, for the kubectl-finalizers binary
  source <(kubectl-finalizers completion bash)

  # `kubectl finalizers <TAB>` through kubectl (1.26+): put the shipped
  # completions/kubectl_complete-finalizers script on PATH next to the binary";

const CLEAR_EXAMPLES: &str = "\
Examples:
  # See exactly what would change; nothing is sent
  kubectl finalizers clear syslogngconfig.logging.banzaicloud.io/cluster-syslog -n logging --dry-run

  # Let the API server check RBAC and admission webhooks without persisting anything
  kubectl finalizers clear syslogngconfig/cluster-syslog -n logging --dry-run=server

  # Remove one finalizer entry only, after a confirmation prompt
  kubectl finalizers clear logging.logging.banzaicloud.io/cluster-logging \\
      --finalizer logging.logging.banzaicloud.io/finalizer

  # Review, then clear, what a scan found (runbook style)
  kubectl finalizers scan -n logging -o json > stuck.json
  kubectl finalizers clear -f stuck.json --yes --wait

  # Everything stuck behind one uninstalled operator, older than an hour
  kubectl finalizers clear --stuck --finalizer '*.logging.banzaicloud.io/finalizer' --older-than 1h

  # The owner's liveness cannot be read (managed control plane, limited RBAC): name the
  # finalizer and acknowledge what was not read; the plan lists it before the prompt
  kubectl finalizers clear pvc/scratch -n ci --finalizer kubernetes.io/pvc-protection \\
      --accept-missing-evidence";

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DryRun {
    /// Send the patches for real
    None,
    /// Show the plan; send nothing that could change state
    Client,
    /// Send every patch with dryRun=All: RBAC and webhooks run, nothing persists
    Server,
}

#[derive(Args, Debug)]
pub struct ClearArgs {
    /// Objects to clear: TYPE/NAME, or TYPE NAME…
    #[arg(value_name = "TYPE/NAME")]
    pub targets: Vec<String>,

    /// Objects from `scan -o json|yaml` or `explain -o json|yaml` output ('-' for stdin)
    #[arg(
        short = 'f',
        long = "filename",
        value_name = "FILE",
        conflicts_with = "stuck"
    )]
    pub filename: Option<PathBuf>,

    /// Every stuck object the scan selection finds (-n, -A, -l, --finalizer, --older-than)
    #[arg(long)]
    pub stuck: bool,

    #[command(flatten)]
    pub selection: Selection,

    /// Plan only (client, the default when given bare), or let the server check it (server)
    #[arg(long, value_enum, value_name = "MODE", default_value_t = DryRun::None, num_args = 0..=1, default_missing_value = "client", require_equals = true)]
    pub dry_run: DryRun,

    /// Do not ask for confirmation (required without a terminal)
    #[arg(short = 'y', long)]
    pub yes: bool,

    /// Clear whatever the evidence says: owners ALIVE, DEGRADED or UNKNOWN, objects
    /// still in use, evidence that could not be read (their cleanup will not run)
    #[arg(long)]
    pub force: bool,

    /// With -f: accept items a scan of another context (or API server) wrote
    #[arg(long, requires = "filename")]
    pub allow_other_context: bool,

    /// Clear finalizers named exactly with --finalizer although some evidence could
    /// not be read (UNKNOWN owner, unread usage checks); the plan lists what was not read
    #[arg(long)]
    pub accept_missing_evidence: bool,

    /// Where to save each object's manifest before the first write
    /// (default: $XDG_STATE_HOME or ~/.local/state, kubectl-finalizers/backups/<time>)
    #[arg(long, value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,

    /// JSON-lines audit log: an intent record on disk before each patch, a result after
    /// (default: $XDG_STATE_HOME or ~/.local/state, kubectl-finalizers/audit.jsonl)
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,

    /// After clearing, wait until the objects are really gone
    #[arg(long)]
    pub wait: bool,

    /// How long --wait waits
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_age)]
    pub timeout: Duration,

    /// Extra finalizer catalogue (YAML; repeatable)
    #[arg(long = "catalog", value_name = "FILE")]
    pub catalogs: Vec<PathBuf>,
}

const EXPLAIN_EXAMPLES: &str = "\
Examples:
  # Why is everything stuck, and what is safe to do? (reads only)
  kubectl finalizers explain

  # Why is this namespace stuck in Terminating? (its content, owners, blockers)
  kubectl finalizers explain ns/logging

  # One object, kubectl resource syntax
  kubectl finalizers explain pvc/data-postgres-0 -n shop
  kubectl finalizers explain syslogngconfig.logging.banzaicloud.io cluster-syslog -n logging

  # Everything about one finalizer, live objects included (before an uninstall)
  kubectl finalizers explain --finalizer finalizer.acme.cert-manager.io

  # For a runbook or a ticket
  kubectl finalizers explain -o json > triage.json

  # Hand the incident to someone without access: capture, then explain offline
  kubectl finalizers scan --with-evidence -o json > snapshot.json
  kubectl finalizers explain -f snapshot.json";

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// Objects to explain: TYPE/NAME, or TYPE NAME… (default: everything stuck)
    #[arg(value_name = "TYPE/NAME")]
    pub targets: Vec<String>,

    /// Explain offline, from `scan --with-evidence -o json|yaml` output ('-' for stdin)
    #[arg(
        short = 'f',
        long = "filename",
        value_name = "FILE",
        conflicts_with = "targets"
    )]
    pub filename: Option<PathBuf>,

    #[command(flatten)]
    pub selection: Selection,

    /// Output format
    #[arg(short = 'o', long, value_enum, default_value_t = ReportFormat::Text)]
    pub output: ReportFormat,

    /// Extra finalizer catalogue (YAML, same format as the built-in one; repeatable)
    #[arg(long = "catalog", value_name = "FILE")]
    pub catalogs: Vec<PathBuf>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Text,
    Json,
    Yaml,
}

const SCAN_EXAMPLES: &str = "\
Examples:
  # Everything stuck in Terminating, cluster-wide
  kubectl finalizers scan

  # Why is this namespace stuck? (its content, and the namespace's own reason)
  kubectl finalizers scan -n logging -o wide

  # Objects held by one operator's finalizers for more than an hour
  kubectl finalizers scan --finalizer '*.logging.banzaicloud.io/*' --older-than 1h

  # Before uninstalling an operator: what still carries its finalizers?
  kubectl finalizers scan --include-live --finalizer '*.cert-manager.io*'

  # In a script: fail when something is stuck, keep the list for review
  kubectl finalizers scan -o json --exit-code > stuck.json

  # Patrol from cron: metrics for a Pushgateway, a known-broken API left out
  kubectl finalizers scan -o openmetrics --ignore-group metrics.k8s.io \\
    | curl --data-binary @- http://pushgateway:9091/metrics/job/kubectl-finalizers

  # Every context of the kubeconfig, one table
  kubectl finalizers scan --all-contexts -o summary";

/// Which objects to look at: shared by scan, explain and clear.
#[derive(Args, Debug, Clone, Default)]
pub struct Selection {
    /// Only this namespace (and the namespace object itself); default: the whole cluster
    #[arg(
        short = 'n',
        long,
        value_name = "NAMESPACE",
        conflicts_with = "all_namespaces",
        value_parser = crate::cluster::names::parse_namespace
    )]
    pub namespace: Option<String>,

    /// The whole cluster: every namespace and cluster-scoped resources (the default)
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// Label selector, as in kubectl (e.g. -l app=web,tier!=db)
    #[arg(short = 'l', long = "selector", value_name = "SELECTOR")]
    pub selector: Option<String>,

    /// Only objects held by a finalizer matching this glob (* and ?; repeatable)
    #[arg(long = "finalizer", value_name = "GLOB")]
    pub finalizers: Vec<String>,

    /// Only objects terminating for longer than this (e.g. 30m, 2h, 3d)
    #[arg(long, value_name = "DURATION", value_parser = parse_age)]
    pub older_than: Option<Duration>,

    /// Also objects that carry finalizers but are not being deleted (pre-uninstall audit)
    #[arg(long)]
    pub include_live: bool,

    /// Leave out an API group: neither listed nor counted as unreadable (repeatable;
    /// e.g. metrics.k8s.io behind a broken APIService)
    #[arg(long = "ignore-group", value_name = "GROUP", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub ignore_groups: Vec<String>,

    /// Leave out a resource type: plural, plural.group or kind (repeatable)
    #[arg(long = "ignore-type", value_name = "TYPE", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub ignore_types: Vec<String>,

    /// Resource types listed at the same time (throttling by the server lowers
    /// the requests in flight below this)
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,

    /// Objects per list request (as kubectl's --chunk-size)
    #[arg(long, value_name = "N", default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..))]
    pub chunk_size: u32,
}

#[derive(Args, Debug, Clone)]
pub struct OutputFlags {
    /// Output format
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,

    /// Do not print the table header
    #[arg(long)]
    pub no_headers: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Table,
    Wide,
    Json,
    Yaml,
    Name,
    /// Counts by finalizer (with its catalogued owner) and by namespace
    Summary,
    /// OpenMetrics text for a textfile collector or a Pushgateway
    Openmetrics,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    #[command(flatten)]
    pub selection: Selection,

    #[command(flatten)]
    pub output: OutputFlags,

    /// Exit with 5 when something stuck is found (for scripts and CI checks)
    #[arg(long)]
    pub exit_code: bool,

    /// Scan every context of the kubeconfig (concurrently; a CONTEXT column)
    #[arg(long)]
    pub all_contexts: bool,

    /// With -o json|yaml: also capture the evidence explain needs (no Secret data,
    /// no pod specs), for `explain -f` without access to the cluster
    #[arg(long)]
    pub with_evidence: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_kubectl_style_flags() {
        let cli = Cli::try_parse_from([
            "kubectl-finalizers",
            "scan",
            "-n",
            "logging",
            "--context",
            "prod",
            "--request-timeout",
            "30",
            "--as",
            "jane",
            "--as-group",
            "ops",
            "-o",
            "wide",
        ])
        .unwrap();
        assert_eq!(cli.kube.context, ["prod"]);
        assert_eq!(cli.kube.request_timeout, Duration::from_secs(30));
        assert_eq!(cli.kube.as_group, ["ops"]);
        let Command::Scan(scan) = cli.command else {
            panic!("scan expected")
        };
        assert_eq!(scan.selection.namespace.as_deref(), Some("logging"));
        assert_eq!(scan.output.output, OutputFormat::Wide);
    }

    #[test]
    fn rejects_conflicts_and_bad_values() {
        for args in [
            &["kubectl-finalizers", "scan", "-n", "a", "-A"][..],
            &["kubectl-finalizers", "scan", "--older-than", "soon"],
            &["kubectl-finalizers", "scan", "-o", "xml"],
            &["kubectl-finalizers", "scan", "--concurrency", "0"],
            &["kubectl-finalizers", "scan", "--request-timeout", "-1s"],
        ] {
            assert!(
                Cli::try_parse_from(args).is_err(),
                "{args:?} should be rejected"
            );
        }
    }
}
