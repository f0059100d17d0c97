//! Resolved settings. The command line is parsed once without I/O (`cli.rs`) and
//! resolved once here — the connection, what to select, the one meaning of
//! `--finalizer`, what `clear` may do — then passed down. Domain code never sees
//! clap's structs.

use crate::cli;
use crate::error::Error;
use crate::glob;
use std::path::PathBuf;
use std::time::Duration;

/// kubectl's connection flags.
#[derive(Debug, Clone, Default)]
pub struct Connection {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub cluster: Option<String>,
    pub user: Option<String>,
    /// Overrides of the kubeconfig's cluster and user, as kubectl's flags.
    pub overrides: Overrides,
    pub as_user: Option<String>,
    pub as_groups: Vec<String>,
    /// Zero: no overall limit.
    pub request_timeout: Duration,
    /// Zero: the default.
    pub idle_timeout: Duration,
    /// Average requests per second (0: no limit), and the burst allowed before it applies.
    pub qps: u32,
    pub burst: u32,
}

/// `--server`, `--token`, `--certificate-authority`, … : they win over the
/// kubeconfig, as in kubectl.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub server: Option<String>,
    pub token: Option<String>,
    pub certificate_authority: Option<PathBuf>,
    pub client_certificate: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub insecure_skip_tls_verify: bool,
    pub tls_server_name: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
}

impl Overrides {
    /// Whether any cluster or user setting comes from the command line.
    pub fn any(&self) -> bool {
        self.server.is_some()
            || self.token.is_some()
            || self.certificate_authority.is_some()
            || self.client_certificate.is_some()
            || self.client_key.is_some()
            || self.insecure_skip_tls_verify
            || self.tls_server_name.is_some()
            || self.username.is_some()
            || self.password.is_some()
    }
}

impl From<&cli::KubeFlags> for Connection {
    fn from(f: &cli::KubeFlags) -> Connection {
        Connection {
            kubeconfig: f.kubeconfig.clone(),
            context: f.context.first().cloned(),
            cluster: f.cluster.clone(),
            user: f.user.clone(),
            overrides: Overrides {
                server: f.server.clone(),
                token: f.token.clone(),
                certificate_authority: f.certificate_authority.clone(),
                client_certificate: f.client_certificate.clone(),
                client_key: f.client_key.clone(),
                insecure_skip_tls_verify: f.insecure_skip_tls_verify,
                tls_server_name: f.tls_server_name.clone(),
                username: f.username.clone(),
                password: f.password.clone(),
            },
            as_user: f.as_user.clone(),
            as_groups: f.as_group.clone(),
            request_timeout: f.request_timeout,
            idle_timeout: f.idle_timeout,
            qps: f.qps,
            burst: f.burst,
        }
    }
}

/// `--finalizer`, with one meaning everywhere: it selects finalizers. The objects
/// a command works on are those that carry a selected one; `clear` removes only
/// selected entries; `explain` explains only selected ones. No globs: everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FinalizerFilter {
    globs: Vec<String>,
}

impl FinalizerFilter {
    pub fn new(globs: Vec<String>) -> FinalizerFilter {
        FinalizerFilter { globs }
    }

    /// Nothing given: every finalizer is selected.
    pub fn is_empty(&self) -> bool {
        self.globs.is_empty()
    }

    pub fn selects(&self, finalizer: &str) -> bool {
        self.globs.is_empty() || self.globs.iter().any(|g| glob::matches(g, finalizer))
    }

    /// Whether `finalizer` was named exactly (not through a glob): what
    /// `--accept-missing-evidence` requires.
    pub fn names(&self, finalizer: &str) -> bool {
        self.globs
            .iter()
            .any(|g| g == finalizer && !g.contains(['*', '?']))
    }

    /// The exact names given (globs left out).
    pub fn exact_names(&self) -> impl Iterator<Item = &String> {
        self.globs.iter().filter(|g| !g.contains(['*', '?']))
    }
}

/// Which objects to look at: shared by scan, explain and clear.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `-n`; `None`: the whole cluster.
    pub namespace: Option<String>,
    pub selector: Option<String>,
    pub finalizers: FinalizerFilter,
    pub older_than: Option<Duration>,
    pub include_live: bool,
    pub concurrency: usize,
    pub chunk_size: u32,
    /// API groups and resource types left out of the scan entirely.
    pub ignore_groups: Vec<String>,
    pub ignore_types: Vec<String>,
}

impl From<&cli::Selection> for Selection {
    fn from(s: &cli::Selection) -> Selection {
        Selection {
            namespace: s.namespace.clone(),
            selector: s.selector.clone(),
            finalizers: FinalizerFilter::new(s.finalizers.clone()),
            older_than: s.older_than,
            include_live: s.include_live,
            concurrency: usize::from(s.concurrency),
            chunk_size: s.chunk_size,
            ignore_groups: s.ignore_groups.clone(),
            ignore_types: s.ignore_types.clone(),
        }
    }
}

impl Selection {
    /// The namespace of `TYPE/NAME` arguments: `-n`, else the context's, as kubectl does.
    pub fn target_namespace<'a>(&'a self, context_default: &'a str) -> &'a str {
        self.namespace.as_deref().unwrap_or(context_default)
    }

    /// Whether `--ignore-group`/`--ignore-type` leave this type out.
    pub fn ignores(&self, ty: &crate::cluster::ApiType) -> bool {
        self.ignore_groups.contains(&ty.group)
            || self.ignore_types.iter().any(|t| {
                let t = t.to_lowercase();
                t == ty.qualified_resource()
                    || (ty.group.is_empty() && t == ty.plural)
                    || t == ty.kind.to_lowercase()
            })
    }

    /// Whether a problem's scope (`group/version` or `resource.group`) is left out.
    pub fn ignores_scope(&self, scope: &str) -> bool {
        let group = match scope.split_once('/') {
            Some((g, _)) => g,
            None => scope.split_once('.').map_or("", |(_, g)| g),
        };
        self.ignore_groups.iter().any(|g| g == group)
            || self
                .ignore_types
                .iter()
                .any(|t| t.eq_ignore_ascii_case(scope))
    }

    /// The same selection narrowed to one namespace.
    pub fn in_namespace(&self, namespace: &str) -> Selection {
        Selection {
            namespace: Some(namespace.to_string()),
            ..self.clone()
        }
    }
}

/// Where `clear` takes its objects from: exactly one of these.
#[derive(Debug, Clone)]
pub enum Source {
    /// `TYPE/NAME` or `TYPE NAME…` arguments.
    Targets(Vec<String>),
    /// `-f FILE` (`-` for stdin): a reviewed `scan`/`explain` document.
    File(PathBuf),
    /// `--stuck`: whatever the selection finds.
    Stuck,
}

/// Whether `clear` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    Apply,
    /// Show the plan; send nothing.
    ClientDryRun,
    /// Send every write with `dryRun=All`.
    ServerDryRun,
}

/// What `clear` may do.
#[derive(Debug, Clone)]
pub struct Clear {
    pub source: Source,
    pub selection: Selection,
    pub mode: WriteMode,
    pub yes: bool,
    pub force: bool,
    pub accept_missing_evidence: bool,
    /// `-f` items from another context or server are accepted.
    pub allow_other_context: bool,
    pub backup_dir: Option<PathBuf>,
    pub audit_log: Option<PathBuf>,
    /// `--wait` and how long.
    pub wait: Option<Duration>,
}

impl TryFrom<&cli::ClearArgs> for Clear {
    type Error = Error;

    fn try_from(a: &cli::ClearArgs) -> Result<Clear, Error> {
        let source = match (!a.targets.is_empty(), &a.filename, a.stuck) {
            (true, None, false) => Source::Targets(a.targets.clone()),
            (false, Some(path), false) => Source::File(path.clone()),
            (false, None, true) => Source::Stuck,
            _ => return Err(Error::Usage(
                "say what to clear with exactly one of: TYPE/NAME arguments, -f FILE, or --stuck"
                    .into(),
            )),
        };
        Ok(Clear {
            source,
            selection: Selection::from(&a.selection),
            mode: match a.dry_run {
                cli::DryRun::None => WriteMode::Apply,
                cli::DryRun::Client => WriteMode::ClientDryRun,
                cli::DryRun::Server => WriteMode::ServerDryRun,
            },
            yes: a.yes,
            force: a.force,
            accept_missing_evidence: a.accept_missing_evidence,
            allow_other_context: a.allow_other_context,
            backup_dir: a.backup_dir.clone(),
            audit_log: a.audit_log.clone(),
            wait: a.wait.then_some(a.timeout),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn clear(args: &[&str]) -> Result<Clear, Error> {
        let mut all = vec!["kubectl-finalizers", "clear"];
        all.extend(args);
        let cli = cli::Cli::try_parse_from(all).expect("parses");
        let cli::Command::Clear(a) = cli.command else {
            panic!("clear")
        };
        Clear::try_from(&a)
    }

    #[test]
    fn clear_takes_exactly_one_source() {
        assert!(matches!(
            clear(&["pvc/x"]).unwrap().source,
            Source::Targets(_)
        ));
        assert!(matches!(
            clear(&["-f", "-"]).unwrap().source,
            Source::File(_)
        ));
        assert!(matches!(clear(&["--stuck"]).unwrap().source, Source::Stuck));
        assert!(clear(&[]).is_err());
        assert!(clear(&["pvc/x", "--stuck"]).is_err());
        let c = clear(&["pvc/x", "--dry-run=server", "--wait", "--timeout", "5s"]).unwrap();
        assert_eq!(c.mode, WriteMode::ServerDryRun);
        assert_eq!(c.wait, Some(Duration::from_secs(5)));
        assert_eq!(
            clear(&["pvc/x", "--dry-run"]).unwrap().mode,
            WriteMode::ClientDryRun
        );
    }

    #[test]
    fn finalizer_filter_has_one_meaning() {
        let none = FinalizerFilter::default();
        assert!(none.selects("anything") && !none.names("anything"));
        let f = FinalizerFilter::new(vec!["*.cert-manager.io".into(), "kubernetes".into()]);
        assert!(f.selects("finalizer.acme.cert-manager.io"));
        assert!(!f.selects("kubernetes.io/pvc-protection"));
        assert!(f.names("kubernetes"));
        assert!(
            !f.names("finalizer.acme.cert-manager.io"),
            "a glob does not name it"
        );
        assert_eq!(f.exact_names().collect::<Vec<_>>(), ["kubernetes"]);
    }
}
