//! The revision log behind watches and list snapshots: what every revision
//! changed (the object before and after), the oldest revision still known
//! (older ones are "compacted", as etcd compacts), and the signal that wakes
//! watchers when a revision is written (apiserver-semantics-2.md §13, §14.1).

use crate::store::ObjKey;
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};

/// How many changes are kept before the oldest are compacted away; a real
/// watch cache keeps a bounded window too.
const KEEP: usize = 20_000;

/// One write at one revision.
#[derive(Clone, Debug)]
pub struct Change {
    pub rv: u64,
    pub key: ObjKey,
    /// The stored object before the write (`None`: it was created).
    pub before: Option<Value>,
    /// The stored object after the write (`None`: it was deleted).
    pub after: Option<Value>,
}

pub struct History {
    changes: VecDeque<Change>,
    /// Revisions up to and including this one can no longer be reconstructed.
    compacted: u64,
    /// The newest revision written; watchers wait on it.
    signal: tokio::sync::watch::Sender<u64>,
}

impl History {
    pub fn new(rv: u64) -> History {
        History {
            changes: VecDeque::new(),
            compacted: rv,
            signal: tokio::sync::watch::Sender::new(rv),
        }
    }

    pub fn record(&mut self, change: Change) {
        let rv = change.rv;
        self.changes.push_back(change);
        while self.changes.len() > KEEP {
            if let Some(old) = self.changes.pop_front() {
                self.compacted = old.rv;
            }
        }
        self.signal.send_replace(rv);
    }

    /// Forgets every change up to `rv`, as etcd's compaction does.
    pub fn compact(&mut self, rv: u64) {
        while self.changes.front().is_some_and(|c| c.rv <= rv) {
            self.changes.pop_front();
        }
        self.compacted = self.compacted.max(rv);
    }

    /// The oldest revision whose state can still be read or watched from.
    pub fn oldest(&self) -> u64 {
        self.compacted
    }

    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.signal.subscribe()
    }

    /// Changes after `rv`, oldest first; `None` if `rv` was compacted away.
    pub fn since(&self, rv: u64) -> Option<impl Iterator<Item = &Change>> {
        if rv < self.compacted {
            return None;
        }
        Some(self.changes.iter().filter(move |c| c.rv > rv))
    }

    /// How the objects of one resource looked at revision `rv`: for each key
    /// changed since, its state then (`None`: it did not exist). Keys not in
    /// the map are as they are now. `None` if `rv` was compacted away.
    pub fn overlay(
        &self,
        group: &str,
        plural: &str,
        rv: u64,
    ) -> Option<BTreeMap<ObjKey, Option<&Value>>> {
        let mut out = BTreeMap::new();
        for c in self.since(rv)? {
            if c.key.0 == group && c.key.1 == plural {
                out.entry(c.key.clone()).or_insert(c.before.as_ref());
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(name: &str) -> ObjKey {
        ("".into(), "configmaps".into(), "ns".into(), name.into())
    }

    #[test]
    fn the_overlay_restores_the_state_at_a_revision() {
        let mut h = History::new(10);
        h.record(Change {
            rv: 11,
            key: key("a"),
            before: None,
            after: Some(json!(1)),
        });
        h.record(Change {
            rv: 12,
            key: key("a"),
            before: Some(json!(1)),
            after: None,
        });
        let at_11 = h.overlay("", "configmaps", 11).unwrap();
        assert_eq!(at_11[&key("a")], Some(&json!(1)));
        let at_10 = h.overlay("", "configmaps", 10).unwrap();
        assert_eq!(at_10[&key("a")], None);
        h.compact(11);
        assert!(h.overlay("", "configmaps", 10).is_none());
        assert!(h.overlay("", "configmaps", 11).is_some());
    }
}
