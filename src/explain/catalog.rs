//! The finalizer catalogue: the built-in data file plus user files, later
//! entries overriding earlier ones.

use crate::glob;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const BUILTIN: &str = include_str!("../../catalog/finalizers.yaml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    Low,
    Medium,
    High,
}

/// A check the analysis runs for the objects a finalizer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    PvcInUse,
    PvBound,
    Dependents,
    NamespaceContent,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub finalizer: String,
    pub owner: String,
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub builtin: bool,
    #[serde(default)]
    pub workloads: Vec<String>,
    #[serde(default)]
    pub namespaces: Vec<String>,
    #[serde(default)]
    pub leases: Vec<String>,
    pub cleanup: String,
    pub skipped: String,
    pub risk: Risk,
    #[serde(default)]
    pub check: Option<Check>,
    /// Where the finalizer string is defined: `owner/repo/path[@commit]`.
    #[serde(default)]
    pub source: Option<String>,
}

/// The catalogue's projects for a finalizer's domain.
pub struct DomainMatch<'c> {
    /// The shared domain, e.g. `argoproj.io`.
    pub suffix: String,
    pub projects: Vec<&'c str>,
    /// Their entries: the workload names, namespaces and leases to look for.
    pub entries: Vec<&'c Entry>,
}

#[derive(Debug, Clone)]
pub struct Catalog {
    entries: Vec<Entry>,
}

fn parse(text: &str, origin: &str) -> anyhow::Result<Vec<Entry>> {
    crate::render::yaml::parse(text)
        .map_err(|e| anyhow::anyhow!("reading the finalizer catalogue {origin}: {e}"))
}

/// `$XDG_CONFIG_HOME/kubectl-finalizers/catalog.yaml`, else `~/.config/…`.
pub fn default_user_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")))?;
    Some(base.join("kubectl-finalizers/catalog.yaml"))
}

impl Catalog {
    pub fn builtin() -> Catalog {
        Catalog {
            entries: parse(BUILTIN, "(built in)").expect("the built-in catalogue parses"),
        }
    }

    /// The built-in entries, then the default user file if present, then `extra` files.
    pub fn load(extra: &[PathBuf]) -> anyhow::Result<Catalog> {
        let mut catalog = Catalog::builtin();
        let files = default_user_file()
            .filter(|p| p.is_file())
            .into_iter()
            .chain(extra.iter().cloned());
        for path in files {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading the finalizer catalogue {}", path.display()))?;
            catalog
                .entries
                .extend(parse(&text, &path.display().to_string())?);
        }
        Ok(catalog)
    }

    /// The project(s) a finalizer's domain belongs to, from the catalogue's own
    /// entries: `workflows.argoproj.io/new-thing` → argo-workflows. The most
    /// specific dotted suffix (two labels at least) that catalogued finalizers
    /// share wins; Kubernetes' shared domains name no project.
    pub fn by_domain(&self, finalizer: &str) -> Option<DomainMatch<'_>> {
        const SHARED: [&str; 3] = ["kubernetes.io", "k8s.io", "x-k8s.io"];
        let domain = |f: &str| -> String {
            f.split('/')
                .next()
                .unwrap_or_default()
                .trim_matches(['*', '.', '?'])
                .to_string()
        };
        let wanted = domain(finalizer);
        let labels: Vec<&str> = wanted.split('.').collect();
        for i in 0..labels.len().saturating_sub(1) {
            let suffix = labels[i..].join(".");
            if SHARED.contains(&suffix.as_str()) {
                return None;
            }
            let ends = |d: &str| d == suffix || d.ends_with(&format!(".{suffix}"));
            let entries: Vec<&Entry> = self
                .entries
                .iter()
                .filter(|e| !e.builtin && ends(&domain(&e.finalizer)))
                .collect();
            if !entries.is_empty() {
                let mut projects: Vec<&str> = entries
                    .iter()
                    .map(|e| e.project.as_deref().unwrap_or(e.owner.as_str()))
                    .collect();
                projects.sort_unstable();
                projects.dedup();
                return Some(DomainMatch {
                    suffix,
                    projects,
                    entries,
                });
            }
        }
        None
    }

    /// Every entry, built-in first.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry for `finalizer`: an exact name beats a glob; later entries win.
    pub fn lookup(&self, finalizer: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.finalizer == finalizer)
            .or_else(|| {
                self.entries
                    .iter()
                    .rev()
                    .find(|e| glob::matches(&e.finalizer, finalizer))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> &'static Catalog {
        static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
        CATALOG.get_or_init(Catalog::builtin)
    }

    /// The data file's own rules: big enough to name most real owners, every
    /// entry sourced and complete, no entry that can never be found.
    #[test]
    fn the_builtin_catalogue_is_sourced_and_has_no_dead_entries() {
        let entries = &builtin().entries;
        assert!(entries.len() >= 250, "{} entries", entries.len());
        let mut seen = std::collections::BTreeSet::new();
        for e in entries {
            let where_ = &e.finalizer;
            assert!(seen.insert(e.finalizer.clone()), "{where_} is listed twice");
            let source = e.source.as_deref().unwrap_or_default();
            let parts: Vec<&str> = source.splitn(3, '/').collect();
            assert!(
                parts.len() == 3 && parts.iter().all(|p| !p.is_empty()) && !source.contains(' '),
                "{where_}: source {source:?} is not owner/repo/path"
            );
            for (field, value) in [
                ("owner", &e.owner),
                ("cleanup", &e.cleanup),
                ("skipped", &e.skipped),
            ] {
                assert!(!value.trim().is_empty(), "{where_}: empty {field}");
            }
            if e.builtin {
                assert!(
                    e.workloads.is_empty(),
                    "{where_}: built-in controllers are not workloads"
                );
            }
        }
        // A glob hides an earlier glob whose pattern it matches (later entries win
        // among globs; exact names always beat globs, so they cannot be hidden).
        let globs: Vec<&Entry> = entries
            .iter()
            .filter(|e| e.finalizer.contains(['*', '?']))
            .collect();
        for (i, a) in globs.iter().enumerate() {
            for b in &globs[i + 1..] {
                assert!(
                    !glob::matches(&b.finalizer, &a.finalizer),
                    "{} is hidden by the later {}",
                    a.finalizer,
                    b.finalizer
                );
            }
        }
    }

    #[test]
    fn builtin_covers_kubernetes_and_operators() {
        let c = builtin();
        for f in [
            "kubernetes",
            "foregroundDeletion",
            "orphan",
            "kubernetes.io/pvc-protection",
            "kubernetes.io/pv-protection",
            "service.kubernetes.io/load-balancer-cleanup",
            "batch.kubernetes.io/job-tracking",
            "customresourcecleanup.apiextensions.k8s.io",
            "external-attacher/pd-csi-storage-gke-io",
            "snapshot.storage.kubernetes.io/volumesnapshot-bound-protection",
            "finalizer.acme.cert-manager.io",
            "resources-finalizer.argocd.argoproj.io",
            "finalizers.fluxcd.io",
            "finalizer.managedresource.crossplane.io",
            "cluster.cluster.x-k8s.io",
            "karpenter.sh/termination",
            "service.k8s.aws/resources",
            "istio-finalizer.install.istio.io",
            "cephcluster.ceph.rook.io",
            "longhorn.io",
            "syslogngconfig.logging.banzaicloud.io/finalizer",
            "finalizer.keda.sh",
        ] {
            assert!(c.lookup(f).is_some(), "{f} is not catalogued");
        }
        assert!(c.lookup("example.com/unknown").is_none());
        assert_eq!(
            c.lookup("finalizer.acme.cert-manager.io").unwrap().risk,
            Risk::Medium
        );
    }

    #[test]
    fn user_entries_override_builtin_ones() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mine.yaml");
        std::fs::write(&file, "- finalizer: longhorn.io\n  owner: our longhorn fork\n  cleanup: c\n  skipped: s\n  risk: low\n").unwrap();
        let c = Catalog::load(&[file]).unwrap();
        assert_eq!(c.lookup("longhorn.io").unwrap().owner, "our longhorn fork");
        let bad = dir.path().join("bad.yaml");
        std::fs::write(&bad, "- finalizer: x\n  owner: y\n  risk: extreme\n").unwrap();
        let err = Catalog::load(&[bad]).unwrap_err();
        assert!(format!("{err:#}").contains("bad.yaml"));
    }

    proptest::proptest! {
        #[test]
        fn any_catalogue_text_parses_or_is_refused_without_panicking(text in "\\PC{0,200}") {
            let _ = parse(&text, "f");
        }

        #[test]
        fn any_finalizer_name_is_looked_up_without_panicking(name in "\\PC{0,80}") {
            let _ = builtin().lookup(&name);
        }
    }
}
