//! clear's outputs: the plan (a unified diff per object, the owners and what
//! clearing skips, the evidence acknowledged as not read) and the result table.

use crate::clear::apply::PatchResult;
use crate::clear::plan::Planned;
use std::fmt::Write;

/// Exactly what will be sent, before anything is.
pub fn plan(
    planned: &[Planned],
    owners: &[String],
    acknowledged: &[String],
    every_finalizer: bool,
    color: bool,
) -> String {
    let mut out = String::new();
    for p in planned {
        if p.finalizers != p.keep {
            out.push_str(&super::diff::finalizer_diff(
                &format!("{} (resourceVersion {})", p.title(), p.resource_version),
                "metadata.finalizers",
                &p.finalizers,
                &p.keep,
                color,
            ));
        }
        if p.spec_finalizers != p.spec_keep {
            out.push_str(&super::diff::finalizer_diff(
                &format!(
                    "{} (resourceVersion {}, via /finalize)",
                    p.title(),
                    p.resource_version
                ),
                "spec.finalizers",
                &p.spec_finalizers,
                &p.spec_keep,
                color,
            ));
        }
    }
    let removed: usize = planned.iter().map(|p| p.removed().len()).sum();
    let _ = writeln!(
        out,
        "\nPlan: remove {removed} finalizer(s) from {} object(s).",
        planned.len()
    );
    if every_finalizer {
        out.push_str(
            "No --finalizer given: every finalizer of each object is planned for removal.\n",
        );
    }
    for line in owners {
        let _ = writeln!(out, "  {line}");
    }
    if !acknowledged.is_empty() {
        out.push_str("Evidence that was NOT read (acknowledged with --accept-missing-evidence):\n");
        for line in acknowledged {
            let _ = writeln!(out, "  {line}");
        }
    }
    out
}

/// One row per object: what was removed and what happened.
pub fn results(planned: &[Planned], results: &[PatchResult], server_dry_run: bool) -> String {
    let rows: Vec<Vec<String>> = results
        .iter()
        .zip(planned)
        .map(|(r, p)| {
            vec![
                p.title(),
                p.removed().join(","),
                r.word().to_string(),
                r.detail().to_string(),
            ]
        })
        .collect();
    let mut table =
        super::table::kubectl_table(&["OBJECT", "FINALIZERS", "RESULT", "DETAIL"], &rows, false);
    if server_dry_run {
        table.push_str(
            "Dry run (server): every patch was sent with dryRun=All; nothing was persisted.\n",
        );
    }
    table
}
