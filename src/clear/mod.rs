//! `clear`: the only code that writes. Plan from what was read (plan.rs), show
//! the diff, confirm, back up and record (record.rs), then patch with a JSON Patch
//! whose `test` operations pin the exact finalizer list and resourceVersion that
//! were shown (apply.rs). Nothing the user did not see is ever sent.

pub mod apply;
pub mod plan;
pub mod record;

use crate::cluster::discovery;
use crate::cluster::{objects, Cluster};
use crate::error::{Error, Outcome};
use crate::explain::catalog::Catalog;
use crate::render::{self, Styling};
use crate::settings::{Clear, WriteMode};
use anyhow::Context;
use apply::PatchResult;
use futures::StreamExt;
use plan::{check_verdicts, plan, wanted, Planned};
use serde_json::json;

/// The confirmation before writes: a prompt on the terminal in production,
/// scripted answers in tests.
pub trait Confirm {
    /// Whether a person can be asked at all.
    fn available(&self) -> bool;
    /// Asks; `false` is a decline.
    fn confirm(&self, objects: usize) -> anyhow::Result<bool>;
}

/// dialoguer's prompt on stderr, when stdin and stderr are terminals.
pub struct TerminalConfirm {
    pub styling: Styling,
}

impl Confirm for TerminalConfirm {
    fn available(&self) -> bool {
        self.styling.stdin_tty && self.styling.stderr_tty
    }

    fn confirm(&self, count: usize) -> anyhow::Result<bool> {
        let prompt = format!("Remove these finalizers from {count} object(s)?");
        dialoguer::Confirm::new()
            .with_prompt(prompt)
            .default(false)
            .interact_on(&dialoguer::console::Term::stderr())
            .or_else(|e| match e {
                dialoguer::Error::IO(io) if io.kind() == std::io::ErrorKind::Interrupted => {
                    Ok(false)
                }
                other => Err(other),
            })
            .context(if self.styling.stdin_tty {
                "reading the confirmation"
            } else {
                "no terminal to confirm on"
            })
    }
}

/// Watches the cleared objects until they are gone (as `kubectl delete --wait`
/// does), at most `concurrency` at once; returns those that are not, and why.
async fn wait_gone(
    cluster: &Cluster,
    planned: &[&Planned],
    timeout: std::time::Duration,
    concurrency: usize,
) -> Vec<(String, String)> {
    let deadline = tokio::time::Instant::now() + timeout;
    let outcomes: Vec<(String, Option<String>)> = futures::stream::iter(planned.iter().copied())
        .map(|p| async move {
            let ns = p.namespace.as_deref();
            let left =
                objects::wait_deleted(&cluster.client, &p.ty, ns, &p.name, &p.uid, deadline).await;
            let why = match left {
                Ok(None) => None,
                Ok(Some(m)) => {
                    let f = m.finalizers.unwrap_or_default();
                    Some(if f.iter().any(|x| x == "foregroundDeletion") {
                        "waiting for its dependents (foregroundDeletion)".to_string()
                    } else if !f.is_empty() {
                        format!("still held by {}", f.join(", "))
                    } else if p.ty.is_namespace() {
                        "the namespace controller has not finished yet".into()
                    } else {
                        "still present (graceful deletion in progress?)".into()
                    })
                }
                Err(e) => Some(e.message()),
            };
            (p.title(), why)
        })
        .buffered(concurrency)
        .collect()
        .await;
    outcomes
        .into_iter()
        .filter_map(|(title, why)| why.map(|w| (title, w)))
        .collect()
}

/// Plans, shows, confirms and applies a `clear`; returns how the run ends.
pub async fn run(
    cluster: &Cluster,
    args: &Clear,
    styling: &Styling,
    catalog: &Catalog,
) -> anyhow::Result<Outcome> {
    run_with(
        cluster,
        args,
        styling,
        catalog,
        &TerminalConfirm { styling: *styling },
    )
    .await
}

/// `run`, with the confirmation prompt injected (scripted answers in tests).
pub async fn run_with(
    cluster: &Cluster,
    args: &Clear,
    styling: &Styling,
    catalog: &Catalog,
    confirm: &dyn Confirm,
) -> anyhow::Result<Outcome> {
    let concurrency = args.selection.concurrency;
    let progress = render::progress(styling, "reading objects");
    let api = discovery::discover(&cluster.client, concurrency).await?;
    let selected = wanted(cluster, &api, args, &progress).await;
    progress.finish_and_clear();
    let (wanted, problems) = selected?;
    render::warn_problems(&problems);
    let (planned, mut refused) = plan(cluster, wanted, &args.selection).await?;
    let (planned, summary, acknowledged) = if planned.is_empty() {
        (planned, Vec::new(), Vec::new())
    } else {
        check_verdicts(cluster, &api, planned, catalog, args, &mut refused).await
    };
    for r in &refused {
        crate::say!("skipping {}: {}", r.object, r.reason);
    }
    // Safety refusals end the run non-zero, whatever else succeeds; a selection
    // (--stuck) that could not be read in full ends it "incomplete".
    let incomplete = !problems.is_empty();
    let settle = |outcome: Outcome| match outcome {
        Outcome::Done if refused.iter().any(|r| r.safety) => Outcome::Failed,
        Outcome::Done if incomplete => Outcome::Incomplete,
        other => other,
    };
    if planned.is_empty() {
        if incomplete {
            crate::say!("Nothing to clear among the objects that could be read; the selection is incomplete (see the warnings).");
        } else {
            crate::say!("Nothing to clear.");
        }
        return Ok(settle(Outcome::Done));
    }
    // The plan: exactly what will be sent.
    let out = render::clear::plan(
        &planned,
        &summary,
        &acknowledged,
        args.selection.finalizers.is_empty(),
        styling.color,
    );
    // Nothing is written unless the plan was shown in full.
    render::emit(&out).map_err(|e| {
        Error::OutputClosed(format!(
            "the plan could not be written to stdout ({e}): nothing was changed"
        ))
    })?;

    if args.mode == WriteMode::ClientDryRun {
        crate::say!("Dry run (client): nothing was sent to the cluster.");
        return Ok(settle(Outcome::Done));
    }
    if args.mode == WriteMode::Apply && !args.yes {
        if !confirm.available() {
            return Err(Error::Usage("refusing to patch without confirmation: no terminal. Review the plan above, then re-run with --yes (or use --dry-run)".into()).into());
        }
        if !confirm.confirm(planned.len())? {
            crate::say!("Declined: nothing was changed.");
            return Ok(Outcome::Declined);
        }
    }
    let dry = args.mode == WriteMode::ServerDryRun;
    if !dry {
        let dir = match (&args.backup_dir, record::state_dir()) {
            (Some(d), _) => d.clone(),
            (None, Some(s)) => s.join("backups").join(
                jiff::Timestamp::now()
                    .strftime("%Y%m%dT%H%M%SZ")
                    .to_string(),
            ),
            (None, None) => {
                anyhow::bail!("no HOME or XDG_STATE_HOME for backups: pass --backup-dir")
            }
        };
        let saved = record::backup(
            &dir,
            planned.iter().map(|p| {
                let stem = format!(
                    "{}_{}_{}",
                    p.ty.qualified_resource(),
                    p.namespace.clone().unwrap_or_else(|| "_cluster".into()),
                    p.name
                );
                (stem, &p.manifest)
            }),
        )?;
        crate::say!("Backed up {saved} manifest(s) to {}", dir.display());
    }
    let audit_path = args
        .audit_log
        .clone()
        .or_else(|| record::state_dir().map(|s| s.join("audit.jsonl")));
    let audit = audit_path
        .as_deref()
        .map(record::AuditLog::open)
        .transpose()?;
    // Who acts: the kubeconfig user, who the server says that is, and whom it impersonates.
    let mut who = json!({
        "context": cluster.identity.context,
        "user": cluster.identity.user,
        "server": cluster.identity.server,
    });
    if audit.is_some() {
        match cluster.authenticated_user().await {
            Ok(name) => who["authenticatedAs"] = json!(name),
            Err(why) => who["authenticatedAsUnknown"] = json!(why),
        }
        if let Some((user, groups)) = &cluster.identity.impersonate {
            who["impersonating"] = json!({"user": user, "groups": groups});
        }
    }
    let signals = apply::Signals::install().context("installing signal handlers")?;
    let results = apply::apply_all(
        cluster,
        &planned,
        dry,
        concurrency,
        audit.as_ref(),
        &who,
        &signals,
    )
    .await;
    let table = render::clear::results(&planned, &results, dry);
    // The writes are done: a closed stdout loses the table, not the truth (the
    // audit log has it), and the run must not look successful.
    let shown = render::emit(&format!("\n{table}"));
    if let Some(log) = &audit {
        crate::say!("Audit records appended to {}", log.path().display());
    }
    if let Err(e) = shown {
        return Err(Error::OutputClosed(format!(
            "the result table could not be written ({e}); what was done is in the audit log"
        ))
        .into());
    }
    if signals.received() > 0 {
        let attempted = results
            .iter()
            .filter(|r| **r != PatchResult::NotAttempted)
            .count();
        crate::say!(
            "Interrupted: {attempted} object(s) were processed, {} were not attempted (see the table).",
            results.len() - attempted
        );
        let code = signals.first.load(std::sync::atomic::Ordering::SeqCst);
        return Ok(Outcome::Interrupted(u8::try_from(code).unwrap_or(130)));
    }
    let results: Vec<(usize, PatchResult)> = results.into_iter().enumerate().collect();
    if let (Some(timeout), false) = (args.wait, dry) {
        let expected: Vec<&Planned> = results
            .iter()
            // Terminating objects should now go; those that do not are reported
            // with what still holds them (a kept finalizer, dependents).
            .filter(|(i, r)| *r == PatchResult::Removed && planned[*i].terminating)
            .map(|(i, _)| &planned[*i])
            .collect();
        // The signal handlers stay installed, so a signal must end the wait
        // too: the writes are done, only the confirmation is given up.
        let left = tokio::select! {
            left = wait_gone(cluster, &expected, timeout, concurrency) => left,
            () = signals.reached(1) => {
                crate::say!(
                    "Interrupted while waiting: the writes are done (see the table); whether the {} object(s) are gone was not confirmed.",
                    expected.len()
                );
                let code = signals.first.load(std::sync::atomic::Ordering::SeqCst);
                return Ok(Outcome::Interrupted(u8::try_from(code).unwrap_or(130)));
            }
        };
        for (what, why) in &left {
            crate::say!(
                "still there after {}: {what}: {why}",
                crate::duration::human(timeout)
            );
        }
        if left.is_empty() {
            crate::say!("All {} cleared object(s) are gone.", expected.len());
        } else {
            return Ok(Outcome::Failed);
        }
    }
    if results.iter().all(|(_, r)| r.ok()) {
        Ok(settle(Outcome::Done))
    } else {
        Ok(Outcome::Failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{Connection, Selection, Source};
    use std::cell::Cell;

    /// Answers the prompt as scripted, and counts how often it was asked.
    struct Scripted {
        available: bool,
        answer: bool,
        asked: Cell<usize>,
    }

    impl Confirm for Scripted {
        fn available(&self) -> bool {
            self.available
        }
        fn confirm(&self, _: usize) -> anyhow::Result<bool> {
            self.asked.set(self.asked.get() + 1);
            Ok(self.answer)
        }
    }

    async fn cluster_with_syslog() -> (testcluster::TestCluster, tempfile::TempDir, Cluster) {
        let server = testcluster::TestCluster::start().unwrap();
        server
            .load_file(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/scenarios/logging-operator.yaml"
            ))
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(&kubeconfig, server.kubeconfig()).unwrap();
        let connection = Connection {
            kubeconfig: Some(kubeconfig),
            ..Default::default()
        };
        let cluster = Cluster::connect(&connection).await.unwrap();
        (server, dir, cluster)
    }

    fn settings(dir: &tempfile::TempDir) -> Clear {
        Clear {
            source: Source::Targets(vec![
                "syslogngconfig.logging.banzaicloud.io/cluster-syslog".into()
            ]),
            selection: Selection {
                namespace: Some("logging".into()),
                concurrency: 4,
                chunk_size: 500,
                ..Default::default()
            },
            mode: WriteMode::Apply,
            yes: false,
            force: false,
            accept_missing_evidence: false,
            allow_other_context: false,
            backup_dir: Some(dir.path().join("backups")),
            audit_log: Some(dir.path().join("audit.jsonl")),
            wait: None,
        }
    }

    #[tokio::test]
    async fn the_prompt_decides_and_nothing_is_written_without_a_yes() {
        let (server, dir, cluster) = cluster_with_syslog().await;
        let styling = Styling {
            color: false,
            stderr_tty: false,
            stdin_tty: false,
        };
        let catalog = Catalog::builtin();
        let args = settings(&dir);
        let no = Scripted {
            available: true,
            answer: false,
            asked: Cell::new(0),
        };
        let outcome = run_with(&cluster, &args, &styling, &catalog, &no)
            .await
            .unwrap();
        assert_eq!((outcome, no.asked.get()), (Outcome::Declined, 1));
        assert!(server.writes().is_empty());

        let nobody = Scripted {
            available: false,
            answer: true,
            asked: Cell::new(0),
        };
        let err = run_with(&cluster, &args, &styling, &catalog, &nobody)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("no terminal"), "{err:#}");
        assert_eq!(nobody.asked.get(), 0);
        assert!(server.writes().is_empty());

        let yes = Scripted {
            available: true,
            answer: true,
            asked: Cell::new(0),
        };
        let outcome = run_with(&cluster, &args, &styling, &catalog, &yes)
            .await
            .unwrap();
        assert_eq!((outcome, yes.asked.get()), (Outcome::Done, 1));
        assert_eq!(server.writes().len(), 1);
    }
}
