//! From stuck objects and the evidence snapshot to findings: for each finalizer,
//! its owner (attribution.rs), whether the owner is alive (liveness.rs), whether
//! the finalizer is still doing its job (checks.rs) and what to do
//! (recommend.rs). Pure: no I/O.

use super::attribution;
use super::catalog::Catalog;
use super::checks;
use super::evidence::{Snapshot, SourceRead};
use super::liveness;
use super::recommend::{self, RecommendInput};
use super::report::{
    evidence, Action, Finding, ObjectRef, Recommendation, Source, Strength, Usage,
};
use crate::cluster::ApiType;
use crate::model::StuckObject;
use std::collections::BTreeMap;

/// Dependents that block an owner's foreground deletion: owner uid → dependents.
pub type Dependents = BTreeMap<String, Vec<String>>;

/// Where a PersistentVolume is bound: PV name → (claim namespace, claim name, claim exists).
pub type PvClaims = BTreeMap<String, (String, String, bool)>;

pub struct Inputs<'a> {
    pub items: &'a [StuckObject],
    pub types: &'a [ApiType],
    pub catalog: &'a Catalog,
    pub snapshot: &'a Snapshot,
    pub dependents: &'a Dependents,
    /// How listing each type for dependents went (empty when nothing waits on dependents).
    pub dependent_reads: &'a [SourceRead],
    pub pv_claims: &'a PvClaims,
    pub now: jiff::Timestamp,
}

/// Analyses one finalizer on the objects of one type (group, resource).
fn finding(
    inputs: &Inputs,
    finalizer: &str,
    group: &str,
    resource: &str,
    objects: &[&StuckObject],
) -> Finding {
    let entry = inputs.catalog.lookup(finalizer);
    let who = attribution::attribute(inputs, finalizer, entry, group, resource);
    let life = liveness::liveness(inputs, entry, &who, group, resource);
    let mut ev = who.evidence.clone();
    ev.extend(life.evidence);
    let mut missing = life.missing;
    let mut refs: Vec<ObjectRef> = objects.iter().map(|o| ObjectRef::of(o)).collect();
    let waiting_on = checks::usage(inputs, entry, objects, &mut refs, &mut missing);
    let blockers = checks::blocking_webhooks(inputs.snapshot, group, resource);
    ev.extend(
        blockers
            .iter()
            .map(|b| evidence(Source::Webhook, Strength::Strong, b.clone())),
    );
    let longest = objects
        .iter()
        .filter_map(|o| o.terminating_seconds)
        .max()
        .unwrap_or(0);
    let unknown_usage: Vec<String> = refs
        .iter()
        .filter(|r| r.usage == Usage::Unknown)
        .map(|r| format!("{}: {}", r.display(), r.notes.join("; ")))
        .collect();
    let recommendation = recommend::recommend(&RecommendInput {
        finalizer,
        entry,
        state: life.state,
        blockers: &blockers,
        waiting_on: &waiting_on,
        unknown_usage: &unknown_usage,
        missing: &missing,
        cands: &who.candidates,
        objects: &refs,
        longest,
        owner: &who.owner,
    });
    Finding {
        finalizer: finalizer.into(),
        owner: who.owner,
        project: entry.and_then(|e| e.project.clone()),
        attributed_by: who.attributed_by,
        state: life.state,
        evidence: ev,
        cleanup: entry.map(|e| e.cleanup.clone()),
        skipped_if_cleared: entry.map(|e| e.skipped.clone()),
        risk: entry.map(|e| e.risk),
        blockers,
        missing_evidence: missing,
        recommendation,
        objects: refs,
    }
}

/// A finding about a finalizer nothing carries (`explain --finalizer NAME`).
pub fn finding_without_objects(inputs: &Inputs, finalizer: &str) -> Finding {
    let mut f = finding(inputs, finalizer, "", "", &[]);
    if f.recommendation.action != Action::FixBlockerFirst {
        f.recommendation = Recommendation {
            action: Action::Wait,
            summary: "No object carries this finalizer: nothing is blocked by it.".into(),
            commands: Vec::new(),
        };
    }
    f
}

/// All findings, one per (finalizer, resource type), ordered by state then owner.
pub fn findings(inputs: &Inputs) -> Vec<Finding> {
    let mut groups: BTreeMap<(String, String, String), Vec<&StuckObject>> = BTreeMap::new();
    for o in inputs.items {
        for f in &o.finalizers {
            groups
                .entry((f.clone(), o.group.clone(), o.resource.clone()))
                .or_default()
                .push(o);
        }
    }
    let mut out: Vec<Finding> = groups
        .iter()
        .map(|((f, g, r), objs)| finding(inputs, f, g, r, objs))
        .collect();
    out.sort_by(|a, b| (a.state, &a.owner, &a.finalizer).cmp(&(b.state, &b.owner, &b.finalizer)));
    out
}
