//! Watch streams (apiserver-semantics-2.md §13): where a stream starts
//! (synthetic ADDED events for the current state, or the changes after a
//! revision), the events each revision yields for a watcher's selectors,
//! bookmarks, `Expired` ERROR events for compacted revisions, and the body
//! that carries one JSON event per line until the timeout or the client goes.

use crate::discovery::ResourceDef;
use crate::history::Change;
use crate::listopts;
use crate::selector::{FieldSelector, LabelSelector};
use crate::server::Shared;
use crate::status::ApiError;
use crate::store::{Shape, Store};
use bytes::Bytes;
use hyper::body::{Body, Frame};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Instant;

/// `--min-request-timeout`'s default: a watch without `timeoutSeconds` lasts
/// this long (a real server picks between one and two times it).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);
/// The watch cache sends a bookmark about once a minute…
const BOOKMARK_EVERY: Duration = Duration::from_secs(60);
/// …and one this long before the watch's deadline.
const BOOKMARK_BEFORE_DEADLINE: Duration = Duration::from_secs(2);

/// What one watch request asked for.
pub struct WatchPlan {
    pub res: ResourceDef,
    pub ns: Option<String>,
    /// A watch on an object's URL (legacy) or `fieldSelector=metadata.name=X`.
    pub name: Option<String>,
    pub labels: LabelSelector,
    pub fields: FieldSelector,
    pub shape: Shape,
    /// `None`: start with the current state as ADDED events.
    pub from: Option<u64>,
    pub bookmarks: bool,
    pub timeout: Duration,
}

impl WatchPlan {
    /// Validates a watch request's options (§13.1).
    pub fn new(
        res: &ResourceDef,
        ns: Option<&str>,
        name: Option<&str>,
        query: &BTreeMap<String, String>,
        shape: Shape,
    ) -> Result<WatchPlan, ApiError> {
        listopts::check_watch(query)?;
        let labels =
            LabelSelector::parse(query.get("labelSelector").map(String::as_str).unwrap_or(""))?;
        let is_ns = res.group.is_empty() && res.plural == "namespaces";
        let fields = FieldSelector::parse(
            query.get("fieldSelector").map(String::as_str).unwrap_or(""),
            res.namespaced,
            is_ns,
        )?;
        let from = match query.get("resourceVersion").map(String::as_str) {
            None | Some("") | Some("0") => None,
            Some(rv) => Some(rv.parse::<u64>().map_err(|_| {
                internal_error(format!(
                    "resourceVersion: Invalid value: {rv:?}: strconv.ParseUint: parsing {rv:?}: invalid syntax"
                ))
            })?),
        };
        let timeout = query
            .get("timeoutSeconds")
            .and_then(|t| t.parse::<u64>().ok())
            .filter(|t| *t > 0)
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_TIMEOUT);
        Ok(WatchPlan {
            res: res.clone(),
            ns: ns.map(String::from),
            name: name.map(String::from),
            labels,
            fields,
            shape,
            from,
            bookmarks: listopts::query_bool(query, "allowWatchBookmarks"),
            timeout,
        })
    }

    fn matches(&self, obj: &Value) -> bool {
        let m = &obj["metadata"];
        self.ns
            .as_deref()
            .is_none_or(|ns| m["namespace"].as_str().unwrap_or_default() == ns)
            && self
                .name
                .as_deref()
                .is_none_or(|n| m["name"].as_str().unwrap_or_default() == n)
            && self.labels.matches(&m["labels"])
            && self.fields.matches(obj)
    }

    fn is_mine(&self, change: &Change) -> bool {
        change.key.0 == self.res.group && change.key.1 == self.res.plural
    }
}

/// A 500 without a reason, as `ErrorToAPIStatus` makes of an unknown error.
fn internal_error(message: String) -> ApiError {
    ApiError::Status(
        500,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "code": 500}),
    )
}

/// One line of the stream.
fn frame(kind: &str, object: Value) -> Bytes {
    let mut text =
        serde_json::to_vec(&json!({"type": kind, "object": object})).expect("serializable");
    text.push(b'\n');
    Bytes::from(text)
}

/// The ERROR event for a revision older than the history kept (§13.5).
fn expired(requested: u64, oldest: u64) -> Bytes {
    frame(
        "ERROR",
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": format!("too old resource version: {requested} ({oldest})"),
            "reason": "Expired", "code": 410}),
    )
}

/// Renders events for one watcher; a Table watch sends its column
/// definitions with the first event only, as kube-apiserver does.
struct Renderer {
    headers_sent: bool,
}

impl Renderer {
    fn event(&mut self, store: &Store, plan: &WatchPlan, kind: &str, obj: &Value) -> Bytes {
        let mut object = store.render(&plan.res, obj, plan.shape);
        if matches!(plan.shape, Shape::Table(_)) {
            if self.headers_sent {
                object["columnDefinitions"] = Value::Null;
            }
            self.headers_sent = true;
        }
        frame(kind, object)
    }

    /// A bookmark: the watched kind, empty but for its revision (§13.3).
    fn bookmark(&self, store: &Store, plan: &WatchPlan) -> Bytes {
        let res = &plan.res;
        let rv = store.current_rv();
        let object = if store.is_custom(res) {
            json!({"apiVersion": res.api_version(), "kind": res.kind, "metadata": {"resourceVersion": rv}})
        } else {
            json!({"kind": res.kind, "apiVersion": res.api_version(), "metadata": {"resourceVersion": rv, "creationTimestamp": null}})
        };
        frame("BOOKMARK", object)
    }

    /// The events one change yields for this watcher: an object that starts
    /// matching the selectors is ADDED, one that stops matching is DELETED.
    fn change(&mut self, store: &Store, plan: &WatchPlan, c: &Change) -> Option<Bytes> {
        let was = c.before.as_ref().filter(|o| plan.matches(o));
        let is = c.after.as_ref().filter(|o| plan.matches(o));
        match (was, is) {
            (None, None) => None,
            (None, Some(now)) => Some(self.event(store, plan, "ADDED", now)),
            (Some(_), Some(now)) => Some(self.event(store, plan, "MODIFIED", now)),
            (Some(then), None) => {
                // The last stored state, at the revision of the delete (§13.6).
                let mut last = then.clone();
                last["metadata"]["resourceVersion"] = json!(c.rv.to_string());
                Some(self.event(store, plan, "DELETED", &last))
            }
        }
    }
}

/// When the next bookmark is due, if any (`nextBookmarkTime` of the watch cache).
fn next_bookmark(now: Instant, deadline: Instant) -> Option<Instant> {
    let heartbeat = (now + BOOKMARK_EVERY).min(deadline.checked_sub(BOOKMARK_BEFORE_DEADLINE)?);
    (heartbeat >= now).then_some(heartbeat)
}

/// The body of a watch response: the events a task sends, until it ends.
pub struct WatchBody(tokio::sync::mpsc::Receiver<Bytes>);

impl Body for WatchBody {
    type Data = Bytes;
    type Error = Infallible;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0.poll_recv(cx).map(|b| b.map(|b| Ok(Frame::data(b))))
    }
}

/// Starts the stream: its body, and the task that feeds it.
pub fn serve(shared: Shared, plan: WatchPlan) -> WatchBody {
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(feed(shared, plan, tx));
    WatchBody(rx)
}

async fn feed(shared: Shared, plan: WatchPlan, tx: tokio::sync::mpsc::Sender<Bytes>) {
    let start = Instant::now();
    let deadline = start + plan.timeout;
    let mut renderer = Renderer {
        headers_sent: false,
    };
    let (mut signal, mut position, first) = {
        let inner = shared.lock().expect("state lock");
        let store = &inner.store;
        let signal = store.history.subscribe();
        let mut frames = Vec::new();
        let position = match plan.from {
            None => {
                for obj in store.objects_of(&plan.res) {
                    if plan.matches(obj) {
                        frames.push(renderer.event(store, &plan, "ADDED", obj));
                    }
                }
                Some(store.current_rv_number())
            }
            Some(rv) if store.history.since(rv).is_none() => {
                frames.push(expired(rv, store.history.oldest()));
                None
            }
            Some(rv) => Some(rv),
        };
        (signal, position, frames)
    };
    for f in first {
        if tx.send(f).await.is_err() {
            return;
        }
    }
    let mut bookmark = if plan.bookmarks {
        next_bookmark(start, deadline)
    } else {
        None
    };
    // The first pass sends what was written before the watcher subscribed.
    let mut catching_up = true;
    while let Some(pos) = position {
        let due = bookmark;
        let bookmark_due = async move {
            match due {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let mut send_bookmark = false;
        if !catching_up {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => return,
                _ = tx.closed() => return,
                changed = signal.changed() => if changed.is_err() { return },
                _ = bookmark_due => send_bookmark = true,
            }
        }
        catching_up = false;
        let frames = {
            let inner = shared.lock().expect("state lock");
            let store = &inner.store;
            let mut frames = Vec::new();
            match store.history.since(pos) {
                None => {
                    frames.push(expired(pos, store.history.oldest()));
                    position = None;
                }
                Some(changes) => {
                    let mut last = pos;
                    for c in changes {
                        last = c.rv;
                        if plan.is_mine(c) {
                            frames.extend(renderer.change(store, &plan, c));
                        }
                    }
                    position = Some(last);
                }
            }
            if send_bookmark && position.is_some() {
                frames.push(renderer.bookmark(store, &plan));
                bookmark = next_bookmark(Instant::now(), deadline);
            }
            frames
        };
        for f in frames {
            if tx.send(f).await.is_err() {
                return;
            }
        }
    }
}
