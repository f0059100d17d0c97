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
    evidence, Action, Finding, ObjectRef, Recommendation, Source, State, Strength, Usage,
};
use crate::cluster::ApiType;
use crate::model::StuckObject;
use std::collections::BTreeMap;

/// A dependent that blocks its owner's foreground deletion.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Dependent {
    pub uid: String,
    /// `Kind ns/name (terminating, held by …)`.
    pub text: String,
}

/// Dependents that block an owner's foreground deletion: owner uid → dependents.
pub type Dependents = BTreeMap<String, Vec<Dependent>>;

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
        crd_deleting: who.crd_deleting,
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

/// All findings, one per (finalizer, resource type) — and one per namespace for
/// a namespace's own `kubernetes` entry, whose verdict is that namespace's chain —
/// ordered by state then owner.
pub fn findings(inputs: &Inputs) -> Vec<Finding> {
    type Key = (String, String, String, String);
    let mut groups: BTreeMap<Key, Vec<&StuckObject>> = BTreeMap::new();
    for o in inputs.items {
        let per_namespace = o.kind == "Namespace" && o.group.is_empty();
        for f in o.all_finalizers() {
            let which = if per_namespace {
                o.name.clone()
            } else {
                String::new()
            };
            groups
                .entry((f.clone(), o.group.clone(), o.resource.clone(), which))
                .or_default()
                .push(o);
        }
    }
    let mut out: Vec<Finding> = groups
        .iter()
        .map(|((f, g, r, _), objs)| finding(inputs, f, g, r, objs))
        .collect();
    out.sort_by(|a, b| (a.state, &a.owner, &a.finalizer).cmp(&(b.state, &b.owner, &b.finalizer)));
    out
}

/// Rank of a state as a blocker: what will never resolve by itself first.
pub fn blocker_rank(state: State) -> u8 {
    match state {
        State::Gone => 0,
        State::Degraded => 1,
        State::Unknown => 2,
        State::Alive => 3,
    }
}

/// The findings that hold `object` (by resource, namespace, name), worst first.
pub fn holding<'f>(findings: &'f [Finding], object: &ObjectRef) -> Vec<&'f Finding> {
    let mut out: Vec<&Finding> = findings
        .iter()
        .filter(|f| {
            f.objects
                .iter()
                .any(|o| o.is(&object.resource, object.namespace.as_deref(), &object.name))
        })
        .collect();
    out.sort_by_key(|f| blocker_rank(f.state));
    out
}

/// An object in foreground deletion waits for its dependents: when one of them
/// is held by an owner that will not act (GONE, DEGRADED), the object's advice is
/// that dependent's; otherwise it names the dependent, its owner and state.
pub fn follow_dependents(findings: &mut [Finding], inputs: &Inputs) {
    let snapshot: Vec<Finding> = findings.to_vec();
    for f in findings
        .iter_mut()
        .filter(|f| f.finalizer == "foregroundDeletion")
    {
        let mut worst: Option<(&Finding, &StuckObject)> = None;
        for o in &f.objects {
            let Some(owner) = inputs.items.iter().find(|i| {
                i.resource == o.resource && i.namespace == o.namespace && i.name == o.name
            }) else {
                continue;
            };
            let blocking = inputs.dependents.get(&owner.uid);
            for d in inputs
                .items
                .iter()
                .filter(|d| blocking.is_some_and(|ds| ds.iter().any(|x| x.uid == d.uid)))
            {
                let dref = ObjectRef::of(d);
                for h in holding(&snapshot, &dref) {
                    if h.finalizer == "foregroundDeletion" {
                        continue;
                    }
                    if worst.is_none_or(|(w, _)| blocker_rank(h.state) < blocker_rank(w.state)) {
                        worst = Some((h, d));
                    }
                }
            }
        }
        let Some((h, d)) = worst else { continue };
        let title = crate::model::object_title(&d.kind, &d.group, d.namespace.as_deref(), &d.name);
        let chain = format!(
            "it waits for its dependent {title}, held by {} whose owner {} is {}",
            h.finalizer,
            h.owner,
            h.state.label()
        );
        f.recommendation = if matches!(h.state, State::Gone | State::Degraded) {
            Recommendation {
                action: Action::FixBlockerFirst,
                summary: format!(
                    "The deletion will not finish by itself: {chain}. Deal with that finalizer first — {}",
                    h.recommendation.summary
                ),
                commands: h.recommendation.commands.clone(),
            }
        } else {
            Recommendation {
                summary: format!(
                    "{} ({chain}).",
                    f.recommendation.summary.trim_end_matches('.')
                ),
                ..f.recommendation.clone()
            }
        };
    }
}
