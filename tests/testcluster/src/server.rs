//! HTTP(S) front of the test cluster: the filter chain (authentication,
//! impersonation, authorization, injected faults), routing of discovery and
//! resource paths, request accounting, and the wire form of every response
//! (compact JSON plus `\n`, kube-apiserver's headers).

use crate::admission;
use crate::apply;
use crate::attributes::Attributes;
use crate::auth::{self, User};
use crate::bootstrap::{self, ControlPlane};
use crate::controllers;
use crate::discovery::ResourceDef;
use crate::fault::{self, Fault, FaultAction, TruncatedBody};
use crate::limiter::Limiter;
use crate::managed::{self, Writer};
use crate::object;
use crate::openapi;
use crate::protobuf;
use crate::rbac::{self, Deny};
use crate::status::{self, ApiError};
use crate::store::{DeleteOptions, Include, Shape, Store, Target};
use crate::watch::{self, WatchPlan};
use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// What a request was, for the request counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RequestKind {
    Discovery,
    List,
    Get,
    Watch,
    Create,
    Update,
    Patch,
    Delete,
    Review,
    Other,
}

impl RequestKind {
    /// Whether the request could change state (a dry-run one cannot, but still counts here).
    pub fn is_write(self) -> bool {
        matches!(
            self,
            RequestKind::Create | RequestKind::Update | RequestKind::Patch | RequestKind::Delete
        )
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug, Serialize)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub query: String,
    /// The user the request ran as (the impersonated one, if any).
    pub user: String,
    /// The user whose token the request carried.
    pub authenticated_user: String,
    pub kind: RequestKind,
    pub status: u16,
    /// Response body size.
    pub bytes: usize,
    pub dry_run: bool,
    /// The request body, for writes.
    pub body: String,
    pub content_type: String,
    pub accept: String,
    /// The injected fault that hit the request (`FaultAction::label`), if any.
    pub fault: Option<String>,
}

/// A one-shot change to the store made just before a matching request is handled,
/// to reproduce a concurrent writer (apiserver-semantics.md §4.6).
pub struct Hook {
    pub method: String,
    pub path_suffix: String,
    pub action: Box<dyn FnOnce(&mut Store) + Send>,
}

/// Everything behind the lock.
pub struct Inner {
    pub store: Store,
    /// Bearer token → the user it authenticates.
    pub tokens: BTreeMap<String, User>,
    pub denies: Vec<Deny>,
    pub faults: Vec<Fault>,
    /// Rules that start to apply after this many more requests (credentials that
    /// expire mid-run, a control plane that fails halfway).
    pub delayed_faults: Vec<(usize, Fault)>,
    pub control_plane: ControlPlane,
    pub log: Vec<RequestRecord>,
    pub hooks: Vec<Hook>,
    /// Added before every response, to model the network round trip of a real cluster.
    pub latency: Duration,
    /// Extra delay for requests whose path contains the given text (timeouts).
    pub slow_paths: Vec<(String, Duration)>,
    /// Answer discovery in the legacy form only, as servers before 1.26 do.
    pub legacy_discovery_only: bool,
    /// Requests whose path contains the text get API Priority and Fairness'
    /// plain-text 429, this many more times.
    pub throttles: Vec<(String, usize)>,
    /// The next this-many list requests carrying a continue token get 410 Expired.
    pub expire_continues: usize,
    /// Requests in flight beyond its limits are rejected with 429.
    pub limiter: Option<Arc<Limiter>>,
}

pub type Shared = Arc<Mutex<Inner>>;

type ResBody = BoxBody<Bytes, Infallible>;

enum Answer {
    Json(u16, Value, Vec<(&'static str, String)>),
    /// A JSON body already written (large lists, see `wire.rs`).
    JsonBytes(u16, Vec<u8>),
    Text(u16, String),
    /// Status, content type and body exactly as given (an injected fault).
    Raw(u16, String, String),
    NotModified,
    /// A binary body with its content type.
    Binary(u16, &'static str, Vec<u8>),
    /// 301 to the given location, as Go's `http.Redirect` writes it.
    Redirect(String),
    Watch(Box<WatchPlan>),
    /// No answer at all (an injected hang or reset).
    Nothing,
}

fn parse_query(q: &str) -> BTreeMap<String, String> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&s[i + 1..i + 3], 16) {
                Ok(b) => {
                    out.push(b);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn header<'a>(req: &'a hyper::http::request::Parts, name: &str) -> &'a str {
    req.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

pub async fn handle(
    shared: Shared,
    cut: Arc<Notify>,
    req: Request<Incoming>,
) -> Result<Response<ResBody>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let (latency, limiter) = {
        let inner = shared.lock().expect("state lock");
        let path = parts.uri.path();
        let latency = inner.latency
            + inner
                .slow_paths
                .iter()
                .filter(|(p, _)| path.contains(p.as_str()))
                .map(|(_, d)| *d)
                .sum::<Duration>();
        let limited = path != "/testcluster/stats";
        (latency, inner.limiter.clone().filter(|_| limited))
    };
    // Held until the answer is built (a watch's, until its headers are out).
    let _seat = match limiter {
        Some(limiter) => match limiter.admit().await {
            Some(seat) => Some(seat),
            None => {
                // The rejection still travels the round trip, without a seat.
                tokio::time::sleep(latency).await;
                return Ok(reject(&shared, &parts));
            }
        },
        None => None,
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let (answer, mut record, fault) = {
        let mut inner = shared.lock().expect("state lock");
        respond(&mut inner, &parts, &body)
    };
    let log = |record: RequestRecord| {
        if record.path != "/testcluster/stats" {
            shared.lock().expect("state lock").log.push(record);
        }
    };
    let (code, bytes, content_type, extra) = match answer {
        Answer::Nothing => {
            log(record);
            if fault == Some(FaultAction::Reset) {
                cut.notify_one();
            }
            return never_answer().await;
        }
        Answer::Watch(plan) => {
            record.status = 200;
            log(record);
            if fault.as_ref().is_some_and(FaultAction::handles_request) {
                cut.notify_one();
                return never_answer().await;
            }
            // Headers go out at once, before any event (§13.2).
            let resp = Response::builder()
                .status(200)
                .header("Audit-Id", object::new_uid())
                .header("Cache-Control", "no-cache, private")
                .header("Content-Type", "application/json")
                .body(BoxBody::new(watch::serve(shared.clone(), *plan)))
                .expect("valid response");
            return Ok(resp);
        }
        Answer::NotModified => (304, Bytes::new(), String::new(), vec![]),
        Answer::Binary(code, content_type, bytes) => {
            (code, Bytes::from(bytes), content_type.to_string(), vec![])
        }
        Answer::Redirect(location) => (
            301,
            Bytes::from(format!("<a href=\"{location}\">Moved Permanently</a>.\n\n")),
            "text/html; charset=utf-8".to_string(),
            vec![("Location", location)],
        ),
        Answer::Text(code, text) => (
            code,
            Bytes::from(text),
            "text/plain; charset=utf-8".to_string(),
            vec![],
        ),
        Answer::Raw(code, content_type, text) => (code, Bytes::from(text), content_type, vec![]),
        Answer::JsonBytes(code, mut text) => {
            text.push(b'\n');
            (
                code,
                Bytes::from(text),
                "application/json".to_string(),
                vec![],
            )
        }
        Answer::Json(code, v, mut extra) => {
            // ErrorNegotiated: a Status asking the client to wait says so in a header too.
            if let Some(secs) = v["details"]["retryAfterSeconds"]
                .as_u64()
                .filter(|s| *s > 0)
            {
                extra.push(("Retry-After", secs.to_string()));
            }
            let mut text = serde_json::to_vec(&v).expect("serializable");
            text.push(b'\n');
            (
                code,
                Bytes::from(text),
                "application/json".to_string(),
                extra,
            )
        }
    };
    record.bytes = bytes.len();
    record.status = code;
    if fault == Some(FaultAction::LoseResponse) {
        log(record);
        cut.notify_one();
        return never_answer().await;
    }
    let mut builder = Response::builder()
        .status(code)
        .header("Audit-Id", object::new_uid())
        .header("X-Content-Type-Options", "nosniff");
    let mut content_type = content_type;
    let mut cache_control = "no-cache, private".to_string();
    let mut retry_after = false;
    for (k, v) in extra {
        if k == "Content-Type" {
            content_type = v;
        } else if k == "Cache-Control" {
            cache_control = v;
        } else {
            retry_after |= k == "Retry-After";
            builder = builder.header(k, v);
        }
    }
    builder = builder.header("Cache-Control", cache_control);
    if code != 304 {
        builder = builder.header("Content-Type", content_type);
    }
    if code == 429 && !retry_after {
        // max-in-flight and APF answer with Retry-After: 1 (apiserver-semantics.md §5.5).
        builder = builder.header("Retry-After", "1");
    }
    log(record);
    let body = if fault == Some(FaultAction::Truncate) {
        builder = builder.header("Content-Length", bytes.len());
        BoxBody::new(TruncatedBody::new(bytes, cut))
    } else {
        Full::new(bytes).boxed()
    };
    Ok(builder.body(body).expect("valid response"))
}

/// The limiter's answer to a request it has no seat or queue place for:
/// API Priority and Fairness' plain-text 429 with `Retry-After: 1`.
fn reject(shared: &Shared, parts: &hyper::http::request::Parts) -> Response<ResBody> {
    const TEXT: &str = "Too many requests, please try again later.\n";
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or_default().to_string();
    let attributes = Attributes::from_request(parts.method.as_str(), &path, &parse_query(&query));
    let record = RequestRecord {
        method: parts.method.as_str().to_string(),
        path,
        query,
        user: String::new(),
        authenticated_user: String::new(),
        kind: provisional_kind(&attributes),
        status: 429,
        bytes: TEXT.len(),
        dry_run: false,
        body: String::new(),
        content_type: header(parts, "content-type").to_string(),
        accept: header(parts, "accept").to_string(),
        fault: None,
    };
    shared.lock().expect("state lock").log.push(record);
    Response::builder()
        .status(429)
        .header("Audit-Id", object::new_uid())
        .header("Cache-Control", "no-cache, private")
        .header("Content-Type", "text/plain; charset=utf-8")
        .header("Retry-After", "1")
        .header("X-Content-Type-Options", "nosniff")
        .body(Full::new(Bytes::from_static(TEXT.as_bytes())).boxed())
        .expect("valid response")
}

/// Waits for ever: the connection is cut under the request, the client gives
/// up, or the cluster stops and drops the task.
async fn never_answer() -> Result<Response<ResBody>, Infallible> {
    let never: Infallible = std::future::pending().await;
    match never {}
}

fn error_answer(e: ApiError) -> Answer {
    match e {
        ApiError::Status(code, v) => Answer::Json(code, v, vec![]),
        ApiError::PlainText(code, text) => Answer::Text(code, text),
    }
}

/// What the request counters call a request, before routing refines it.
fn provisional_kind(a: &Attributes) -> RequestKind {
    if !a.resource_request {
        let discovery = ["/api", "/apis", "/version", "/openapi"]
            .iter()
            .any(|p| a.path == *p || a.path.starts_with(&format!("{p}/")));
        return if discovery {
            RequestKind::Discovery
        } else {
            RequestKind::Other
        };
    }
    match a.verb.as_str() {
        "list" => RequestKind::List,
        "get" => RequestKind::Get,
        "watch" => RequestKind::Watch,
        "create" if a.resource.ends_with("accessreviews") => RequestKind::Review,
        "create" => RequestKind::Create,
        "update" => RequestKind::Update,
        "patch" => RequestKind::Patch,
        "delete" | "deletecollection" => RequestKind::Delete,
        _ => RequestKind::Other,
    }
}

/// Handles one request under the lock; returns the answer, its record and the
/// fault that hit it.
fn respond(
    inner: &mut Inner,
    parts: &hyper::http::request::Parts,
    body: &[u8],
) -> (Answer, RequestRecord, Option<FaultAction>) {
    let path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().unwrap_or_default().to_string();
    let query = parse_query(&raw_query);
    let method = parts.method.as_str().to_string();
    let mut record = RequestRecord {
        method: method.clone(),
        path: path.clone(),
        query: raw_query,
        user: String::new(),
        authenticated_user: String::new(),
        kind: RequestKind::Other,
        status: 0,
        bytes: 0,
        dry_run: query.get("dryRun").is_some_and(|v| v == "All"),
        body: if method == "GET" {
            String::new()
        } else {
            String::from_utf8_lossy(body).into_owned()
        },
        content_type: header(parts, "content-type").to_string(),
        accept: header(parts, "accept").to_string(),
        fault: None,
    };
    let token = header(parts, "authorization")
        .strip_prefix("Bearer ")
        .unwrap_or_default();
    let Some(requester) = inner.tokens.get(token).cloned() else {
        return (error_answer(status::unauthorized()), record, None);
    };
    record.authenticated_user = requester.name.clone();
    record.user = requester.name.clone();
    let attributes = Attributes::from_request(&method, &path, &query);
    record.kind = provisional_kind(&attributes);
    let user = match auth::impersonate(&inner.store, &inner.denies, &requester, &parts.headers) {
        Ok(u) => u,
        Err(e) => return (error_answer(e), record, None),
    };
    record.user = user.name.clone();
    bootstrap::renew_leases(&mut inner.store, inner.control_plane);

    if path == "/testcluster/stats" {
        // Request counters for scripts (benchmarks); not itself counted or authorized.
        record.kind = RequestKind::Other;
        let answer = if parts.method == hyper::Method::DELETE {
            inner.log.clear();
            Answer::Json(200, json!({}), vec![])
        } else {
            Answer::Json(200, json!(crate::tally(&inner.log)), vec![])
        };
        return (answer, record, None);
    }
    let decision = rbac::check(&inner.store, &inner.denies, &user, &attributes);
    if !decision.allowed {
        let e = rbac::forbidden(&attributes, &user.name, &decision.reason);
        return (error_answer(e), record, None);
    }
    for (left, rule) in std::mem::take(&mut inner.delayed_faults) {
        if left == 0 {
            inner.faults.push(rule);
        } else {
            inner.delayed_faults.push((left - 1, rule));
        }
    }
    let fault = fault::take(&mut inner.faults, &method, &path);
    if let Some(f) = &fault {
        record.fault = Some(f.label());
        let answer = match f {
            FaultAction::Status { code, retry_after } => Some(Answer::Json(
                *code,
                fault::status(*code, *retry_after),
                vec![],
            )),
            FaultAction::Body {
                code,
                content_type,
                body,
            } => Some(Answer::Raw(*code, content_type.clone(), body.clone())),
            FaultAction::Hang | FaultAction::Reset => Some(Answer::Nothing),
            FaultAction::Truncate | FaultAction::LoseResponse => None,
        };
        if let Some(answer) = answer {
            return (answer, record, fault);
        }
    }

    let hooks = std::mem::take(&mut inner.hooks);
    for hook in hooks {
        if hook.method == method && path.ends_with(&hook.path_suffix) {
            (hook.action)(&mut inner.store);
        } else {
            inner.hooks.push(hook);
        }
    }
    if let Some(t) = inner
        .throttles
        .iter_mut()
        .find(|(p, n)| *n > 0 && path.contains(p.as_str()))
    {
        t.1 -= 1;
        return (
            Answer::Text(429, "Too many requests, please try again later.\n".into()),
            record,
            fault,
        );
    }
    if inner.expire_continues > 0
        && parts.method == hyper::Method::GET
        && query.contains_key("continue")
    {
        inner.expire_continues -= 1;
        record.kind = RequestKind::List;
        let answer = match crate::listopts::decode_continue(&query["continue"]) {
            Ok((_, start)) => error_answer(crate::listopts::expired_continue(&start)),
            Err(_) => Answer::Json(
                410,
                json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.", "reason": "Expired", "code": 410}),
                vec![],
            ),
        };
        return (answer, record, fault);
    }
    let answer = match route(inner, parts, &path, &query, body, &user, &mut record) {
        Ok(a) => a,
        Err(e) => error_answer(e),
    };
    if record.kind.is_write() && !record.dry_run {
        controllers::reconcile(&mut inner.store);
    }
    (answer, record, fault)
}

/// Answers a discovery root (`/api`, `/apis`): aggregated in the version the
/// client asked for first (v2, or the deprecated v2beta1 of kubectl ≤ 1.29), else legacy.
fn discovery_answer(
    inner: &Inner,
    parts: &hyper::http::request::Parts,
    aggregated: impl FnOnce() -> Value,
    legacy: impl FnOnce() -> Value,
) -> Answer {
    let version = header(parts, "accept")
        .split(',')
        .take_while(|entry| entry.contains("as=APIGroupDiscoveryList"))
        .find_map(|entry| {
            entry
                .split(';')
                .map(str::trim)
                .find_map(|p| p.strip_prefix("v="))
                .filter(|v| *v == "v2" || *v == "v2beta1")
        })
        .filter(|_| !inner.legacy_discovery_only);
    let Some(version) = version else {
        return Answer::Json(200, legacy(), vec![]);
    };
    let mut doc = aggregated();
    doc["apiVersion"] = json!(format!("apidiscovery.k8s.io/{version}"));
    let text = serde_json::to_vec(&doc).expect("serializable");
    let digest = ring::digest::digest(&ring::digest::SHA512, &text);
    let etag: String = digest.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    let etag = format!("\"{etag}\"");
    if header(parts, "if-none-match") == etag {
        return Answer::NotModified;
    }
    Answer::Json(
        200,
        doc,
        vec![
            (
                "Content-Type",
                format!(
                    "application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList"
                ),
            ),
            ("ETag", etag),
            ("Vary", "Accept".into()),
        ],
    )
}

/// `/openapi/v3` and its group-version documents (apiserver-semantics-2.md
/// §20): a `hash` that is not the document's is redirected to the one that
/// is; the matching hash makes the answer cacheable for ever.
fn openapi_v3_answer(
    inner: &Inner,
    parts: &hyper::http::request::Parts,
    key: &str,
    query: &BTreeMap<String, String>,
) -> Result<Answer, ApiError> {
    let d = &inner.store.discovery;
    let stale = inner.store.unavailable_group_versions();
    if key.is_empty() {
        return Ok(Answer::Json(200, openapi::v3_index(d, &stale), vec![]));
    }
    let doc = openapi::v3_group_version(d, &stale, key)
        .ok_or_else(|| ApiError::PlainText(404, "404 page not found\n".into()))?;
    let accept = header(parts, "accept");
    let json = accept.is_empty()
        || accept.split(',').any(|a| {
            let a = a.trim();
            a.starts_with("application/json")
                || a.starts_with("*/*")
                || a.starts_with("application/*")
        });
    if !json {
        // The protobuf form of v3 is not served (README: simplifications).
        return Ok(Answer::Text(406, String::new()));
    }
    let hash = openapi::hash(&doc);
    let mut headers = vec![("Etag", format!("\"{hash}\"")), ("Vary", "Accept".into())];
    match query.get("hash") {
        Some(asked) if *asked != hash => {
            return Ok(Answer::Redirect(format!("/openapi/v3/{key}?hash={hash}")))
        }
        Some(_) => {
            headers.push(("Cache-Control", "public, immutable".into()));
            // A year ahead, in the HTTP date format (RFC 9110).
            let expires = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(365 * 24);
            let printer = jiff::fmt::rfc2822::DateTimePrinter::new();
            if let Ok(text) = printer.timestamp_to_rfc9110_string(&expires) {
                headers.push(("Expires", text));
            }
        }
        None => {}
    }
    Ok(Answer::Json(200, doc, headers))
}

/// What kube-openapi answers with; client-go asks for the deprecated `@v1.0`
/// spelling, which is not a valid media type to send back.
const OPENAPI_V2_PROTOBUF: &str = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

/// `/openapi/v2` as JSON, or as protobuf for client-go (kubectl ≤ 1.28 asks
/// it whether PATCH takes `fieldValidation`); any other format is 406, as
/// kube-openapi's negotiation answers.
fn openapi_v2_answer(inner: &Inner, parts: &hyper::http::request::Parts) -> Answer {
    let accept = header(parts, "accept");
    let json = accept.is_empty()
        || accept
            .split(',')
            .any(|a| a.contains("json") || a.trim().starts_with("*/*"));
    let stale = inner.store.unavailable_group_versions();
    let doc = openapi::v2(&inner.store.discovery, &stale);
    if json {
        return Answer::Json(200, doc, vec![]);
    }
    if accept.contains("com.github.proto-openapi.spec.v2") {
        return Answer::Binary(200, OPENAPI_V2_PROTOBUF, openapi::v2_protobuf(&doc));
    }
    Answer::Text(406, String::new())
}

fn shape(
    parts: &hyper::http::request::Parts,
    query: &BTreeMap<String, String>,
    list: bool,
) -> Result<Shape, ApiError> {
    let accept = header(parts, "accept");
    let first = accept.split(',').next().unwrap_or_default();
    if first.contains("as=Table") {
        // `ValidateTableOptions` (§6.5).
        let include = match query.get("includeObject").map(String::as_str) {
            None | Some("") | Some("Metadata") => Include::Metadata,
            Some("None") => Include::None,
            Some("Object") => Include::Object,
            Some(other) => {
                return Err(status::bad_request(format!(
                    "includeObject: Invalid value: {other:?}: must be 'Metadata', 'Object', 'None', or empty"
                )))
            }
        };
        return Ok(Shape::Table(include));
    }
    if first.contains("as=PartialObjectMetadataList") {
        if !list {
            return Err(status::not_acceptable(
                "you requested PartialObjectMetadataList, but the requested object is not a list (*unstructured.Unstructured)".into(),
            ));
        }
        return Ok(Shape::Metadata);
    }
    if first.contains("as=PartialObjectMetadata") {
        if list {
            return Err(status::not_acceptable(
                "you requested PartialObjectMetadata, but the requested object is a list (*unstructured.UnstructuredList)".into(),
            ));
        }
        return Ok(Shape::Metadata);
    }
    Ok(Shape::Full)
}

fn route(
    inner: &mut Inner,
    parts: &hyper::http::request::Parts,
    path: &str,
    query: &BTreeMap<String, String>,
    body: &[u8],
    user: &User,
    record: &mut RequestRecord,
) -> Result<Answer, ApiError> {
    let segments: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let store = &inner.store;
    let get = parts.method == hyper::Method::GET;
    // Discovery documents.
    match segments.as_slice() {
        ["version"] => {
            record.kind = RequestKind::Discovery;
            return Ok(Answer::Json(
                200,
                json!({"major": "1", "minor": "31", "gitVersion": "v1.31.0", "gitCommit": "testcluster", "gitTreeState": "clean", "buildDate": "2024-08-13T00:00:00Z", "goVersion": "go1.22.5", "compiler": "gc", "platform": "linux/amd64"}),
                vec![],
            ));
        }
        ["api"] if get => {
            record.kind = RequestKind::Discovery;
            let d = &store.discovery;
            return Ok(discovery_answer(
                inner,
                parts,
                || d.aggregated_core(),
                || d.legacy_api_versions(),
            ));
        }
        ["apis"] if get => {
            record.kind = RequestKind::Discovery;
            let d = &store.discovery;
            let stale = store.unavailable_group_versions();
            return Ok(discovery_answer(
                inner,
                parts,
                || d.aggregated_apis(&stale),
                || d.legacy_group_list(),
            ));
        }
        ["openapi", "v2"] if get => {
            record.kind = RequestKind::Discovery;
            return Ok(openapi_v2_answer(inner, parts));
        }
        ["openapi", "v3", rest @ ..] if get => {
            record.kind = RequestKind::Discovery;
            return openapi_v3_answer(inner, parts, &rest.join("/"), query);
        }
        ["api", "v1"] if get => {
            record.kind = RequestKind::Discovery;
            return Ok(Answer::Json(200, store.discovery.legacy_core_v1(), vec![]));
        }
        ["apis", group] if get => {
            record.kind = RequestKind::Discovery;
            let doc = store
                .discovery
                .legacy_group(group)
                .ok_or_else(status::unknown_resource)?;
            return Ok(Answer::Json(200, doc, vec![]));
        }
        _ => {}
    }
    let (group, version, rest): (&str, &str, &[&str]) = match segments.as_slice() {
        ["api", "v1", rest @ ..] => ("", "v1", rest),
        ["apis", g, v, rest @ ..] => (g, v, rest),
        _ => return Err(ApiError::PlainText(404, "404 page not found\n".into())),
    };
    if store
        .unavailable_group_versions()
        .contains(&(group.to_string(), version.to_string()))
    {
        record.kind = if get {
            RequestKind::List
        } else {
            RequestKind::Other
        };
        return Err(status::service_unavailable());
    }
    if rest.is_empty() {
        record.kind = RequestKind::Discovery;
        let doc = store
            .discovery
            .legacy_group_version(group, version)
            .ok_or_else(status::unknown_resource)?;
        return Ok(Answer::Json(200, doc, vec![]));
    }
    // Resource paths: [namespaces/<ns>/]<plural>[/<name>[/<sub>]]
    let (ns, rest) = match rest {
        ["namespaces", ns, plural, tail @ ..]
            if store
                .discovery
                .resource(group, version, plural)
                .is_some_and(|r| r.namespaced) =>
        {
            (Some(ns.to_string()), {
                let mut v = vec![*plural];
                v.extend_from_slice(tail);
                v
            })
        }
        other => (None, other.to_vec()),
    };
    let res: ResourceDef = store
        .discovery
        .resource(group, version, rest[0])
        .cloned()
        .ok_or_else(status::unknown_resource)?;
    if rest.len() > 3 || (ns.is_some() && !res.namespaced) {
        return Err(status::unknown_resource());
    }
    let name = rest.get(1).copied();
    let sub = rest.get(2).copied();
    if let Some(s) = sub {
        if !res.has_subresource(s) {
            return Err(status::unknown_resource());
        }
    }
    let watching = query.get("watch").is_some_and(|w| w == "true" || w == "1");
    let (verb, kind) = match (parts.method.as_str(), name) {
        ("GET", _) if watching => ("watch", RequestKind::Watch),
        ("GET", None) => ("list", RequestKind::List),
        ("GET", Some(_)) => ("get", RequestKind::Get),
        ("POST", None) => ("create", RequestKind::Create),
        ("PUT", Some(_)) => ("update", RequestKind::Update),
        ("PATCH", Some(_)) => ("patch", RequestKind::Patch),
        ("DELETE", Some(_)) => ("delete", RequestKind::Delete),
        ("DELETE", None) => ("deletecollection", RequestKind::Delete),
        _ => return Err(status::method_not_allowed()),
    };
    record.kind = kind;
    // kubectl ≥ 1.32 writes built-ins as protobuf (§21): decoded to JSON for
    // the kinds it writes in tests, else refused as a format without a decoder.
    let decoded: Vec<u8>;
    let body = if matches!(verb, "create" | "update")
        && header(parts, "content-type").starts_with(protobuf::CONTENT_TYPE)
    {
        let object = protobuf::to_json(body).map_err(|_| {
            status::unsupported_media_type(&["application/json", "application/yaml"])
        })?;
        decoded = serde_json::to_vec(&object).expect("serializable");
        record.body = String::from_utf8_lossy(&decoded).into_owned();
        &decoded[..]
    } else {
        body
    };
    let verbs = match sub {
        Some(s) => res
            .subresources
            .iter()
            .find(|x| x.name == s)
            .map(|x| x.verbs.clone())
            .unwrap_or_default(),
        None => res.verbs.clone(),
    };
    let allowed = verbs
        .iter()
        .any(|v| v == verb || (verb == "watch" && v == "list"));
    if !allowed {
        return Err(status::method_not_allowed());
    }
    // Self-reviews answer with the same authorizer the request went through.
    if res.group == "authorization.k8s.io" && res.plural == "selfsubjectaccessreviews" {
        record.kind = RequestKind::Review;
        let mut review: Value =
            serde_json::from_slice(body).map_err(|e| status::bad_request(e.to_string()))?;
        let attributes = review_attributes(&review["spec"]);
        let decision = rbac::check(&inner.store, &inner.denies, user, &attributes);
        let mut verdict = serde_json::Map::new();
        verdict.insert("allowed".into(), json!(decision.allowed));
        if !decision.reason.is_empty() {
            verdict.insert("reason".into(), json!(decision.reason));
        }
        review["metadata"] = json!({"creationTimestamp": null});
        review["status"] = Value::Object(verdict);
        return Ok(Answer::Json(201, object::normalize(review, false), vec![]));
    }
    // SelfSubjectReview: who the request runs as, after impersonation
    // (apiserver-semantics-2.md §17.3).
    if res.group == "authentication.k8s.io" && res.plural == "selfsubjectreviews" {
        record.kind = RequestKind::Review;
        let mut info = serde_json::Map::new();
        info.insert("username".into(), json!(user.name));
        if !user.groups.is_empty() {
            info.insert("groups".into(), json!(user.groups));
        }
        let review = json!({
            "kind": "SelfSubjectReview",
            "apiVersion": format!("authentication.k8s.io/{}", res.version),
            "metadata": {"creationTimestamp": object::format_time(object::now())},
            "status": {"userInfo": info},
        });
        return Ok(Answer::Json(201, review, vec![]));
    }
    let dry_run = match query.get("dryRun") {
        None => false,
        Some(v) if v == "All" => true,
        Some(v) => {
            let options = match verb {
                "create" => "CreateOptions",
                "update" => "UpdateOptions",
                "patch" => "PatchOptions",
                _ => "DeleteOptions",
            };
            return Err(status::invalid(
                "meta.k8s.io",
                options,
                "",
                &[status::FieldError {
                    reason: "FieldValueNotSupported",
                    field: "dryRun".into(),
                    body: format!(
                        "Unsupported value: []string{{{v:?}}}: supported values: \"All\""
                    ),
                }],
            ));
        }
    };
    let ns_str = ns.clone().unwrap_or_default();
    let target = Target::new(&res, &ns_str, name.unwrap_or_default(), sub);
    let writer = Writer {
        manager: managed::manager_name(
            query.get("fieldManager").map(String::as_str),
            header(parts, "user-agent"),
        ),
        api_version: res.api_version(),
        subresource: sub.unwrap_or_default().into(),
    };
    let store = &mut inner.store;
    if let Some(operation) = admission_operation(store, &target, verb, parts) {
        let body_labels = || -> Value {
            let parsed: Option<Value> = serde_yaml::from_slice(body).ok();
            parsed
                .map(|v| v["metadata"]["labels"].clone())
                .unwrap_or(Value::Null)
        };
        let old_labels = store
            .get_object(&res, &ns_str, target.name)
            .map(|o| o["metadata"]["labels"].clone())
            .unwrap_or(Value::Null);
        let new_labels = match operation {
            "DELETE" => Value::Null,
            "UPDATE" if !body_labels().is_object() => old_labels.clone(),
            _ => body_labels(),
        };
        admission::admit(
            store,
            &admission::Request {
                operation,
                group: &res.group,
                version: &res.version,
                resource: &res.plural,
                subresource: sub.unwrap_or_default(),
                namespace: &ns_str,
                namespaced: res.namespaced,
                old_labels,
                new_labels,
                dry_run,
            },
        )?;
    }
    let reply = match verb {
        "watch" => {
            let shape = match shape(parts, query, true) {
                Ok(s) => s,
                // A metadata watch asks for single objects.
                Err(_) => Shape::Metadata,
            };
            let plan = WatchPlan::new(&res, ns.as_deref(), name, query, shape)?;
            return Ok(Answer::Watch(Box::new(plan)));
        }
        "list" => {
            let shape = shape(parts, query, true)?;
            let (code, bytes) = store.list_bytes(&res, ns.as_deref(), query, shape)?;
            return Ok(Answer::JsonBytes(code, bytes));
        }
        "get" => store.get(
            &res,
            &ns_str,
            name.unwrap_or_default(),
            shape(parts, query, false)?,
        ),
        "create" => store.create_owned(&res, &ns_str, body, dry_run, Some(&writer)),
        "update" => store.update_by(&target, body, dry_run, &writer),
        "patch" => {
            let content_type = header(parts, "content-type");
            let is_apply = content_type.starts_with("application/apply-patch+yaml");
            let manager = query.get("fieldManager").map(String::as_str);
            let force = crate::listopts::query_bool(query, "force");
            apply::check_options(is_apply, manager, force)?;
            if is_apply {
                store.apply(&target, body, manager.unwrap_or_default(), force, dry_run)
            } else {
                store.patch_by(&target, content_type, body, dry_run, &writer)
            }
        }
        "delete" => {
            let opts = delete_options(body, query, dry_run)?;
            store.delete(&res, &ns_str, name.unwrap_or_default(), &opts)
        }
        "deletecollection" => {
            let opts = delete_options(body, query, dry_run)?;
            store.delete_collection(&res, ns.as_deref(), query, &opts)
        }
        _ => return Err(status::method_not_allowed()),
    };
    let (code, v) = reply?;
    Ok(Answer::Json(code, v, vec![]))
}

/// The admission operation of a write (§18.1), or `None` where the request
/// fails before admission (the object is missing) or is not a write.
fn admission_operation(
    store: &Store,
    target: &Target,
    verb: &str,
    parts: &hyper::http::request::Parts,
) -> Option<&'static str> {
    let exists = store
        .get_object(target.res, target.ns, target.name)
        .is_some();
    match verb {
        "create" => Some("CREATE"),
        "update" | "patch" if exists => Some("UPDATE"),
        "patch" if header(parts, "content-type").starts_with("application/apply-patch+yaml") => {
            Some("CREATE")
        }
        "delete" if exists => Some("DELETE"),
        _ => None,
    }
}

fn delete_options(
    body: &[u8],
    query: &BTreeMap<String, String>,
    dry_run: bool,
) -> Result<DeleteOptions, ApiError> {
    let mut opts = DeleteOptions {
        dry_run,
        ..Default::default()
    };
    if !body.iter().all(u8::is_ascii_whitespace) {
        let v: Value =
            serde_json::from_slice(body).map_err(|e| status::bad_request(e.to_string()))?;
        opts.propagation = v["propagationPolicy"].as_str().map(String::from);
        opts.orphan_dependents = v["orphanDependents"].as_bool();
        opts.precondition_uid = v["preconditions"]["uid"].as_str().map(String::from);
        opts.precondition_rv = v["preconditions"]["resourceVersion"]
            .as_str()
            .map(String::from);
        if v["dryRun"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == "All"))
        {
            opts.dry_run = true;
        }
    } else {
        opts.propagation = query.get("propagationPolicy").cloned();
        opts.orphan_dependents = match query.get("orphanDependents").map(String::as_str) {
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(other) => {
                return Err(status::bad_request(format!(
                    "invalid orphanDependents {other:?}"
                )))
            }
            None => None,
        };
    }
    Ok(opts)
}

/// The attributes a SelfSubjectAccessReview's `spec` asks about.
fn review_attributes(spec: &Value) -> Attributes {
    let s = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
    let r = &spec["resourceAttributes"];
    if !r.is_object() {
        let n = &spec["nonResourceAttributes"];
        return Attributes::non_resource(&s(n, "verb"), &s(n, "path"));
    }
    Attributes {
        verb: s(r, "verb"),
        resource_request: true,
        group: s(r, "group"),
        version: s(r, "version"),
        namespace: s(r, "namespace"),
        resource: s(r, "resource"),
        subresource: s(r, "subresource"),
        name: s(r, "name"),
        path: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{plain_cluster, request};
    use serde_json::json;

    const JANE: (&str, &str) = ("Authorization", "Bearer jane-token");

    const READ_PODS_IN_SHOP: &str = "
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: viewers, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}
subjects: [{kind: User, name: jane}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pod-reader}
rules: [{apiGroups: [''], resources: [pods], verbs: [get, list, watch]}]
";

    #[test]
    fn an_unbound_user_may_discover_and_nothing_more() {
        let cluster = plain_cluster();
        cluster.add_user("jane", "jane-token");
        assert_eq!(request(&cluster, "GET", "/apis", &[JANE], "").status(), 200);
        let pods = request(&cluster, "GET", "/api/v1/pods", &[JANE], "");
        assert_eq!(
            String::from_utf8(pods.body).unwrap(),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"pods is forbidden: User \\\"jane\\\" cannot list resource \\\"pods\\\" in API group \\\"\\\" at the cluster scope\",\"reason\":\"Forbidden\",\"details\":{\"kind\":\"pods\"},\"code\":403}\n"
        );
        let metrics = request(&cluster, "GET", "/metrics", &[JANE], "");
        assert_eq!(
            metrics.json()["message"],
            "forbidden: User \"jane\" cannot get path \"/metrics\""
        );
        // Authorization comes before routing: what does not exist is forbidden too.
        let unknown = "/apis/example.com/v1/namespaces/shop/widgets/w1";
        assert_eq!(request(&cluster, "GET", unknown, &[], "").status(), 404);
        let refused = request(&cluster, "GET", unknown, &[JANE], "");
        assert_eq!(
            (refused.status(), refused.json()["details"].clone()),
            (
                403,
                json!({"name": "w1", "group": "example.com", "kind": "widgets"})
            )
        );
    }

    #[test]
    fn a_role_binding_grants_in_its_namespace_only() {
        let cluster = plain_cluster();
        cluster.add_user("jane", "jane-token");
        cluster.load(READ_PODS_IN_SHOP).unwrap();
        assert_eq!(
            request(&cluster, "GET", "/api/v1/namespaces/shop/pods", &[JANE], "").status(),
            200
        );
        let everywhere = request(&cluster, "GET", "/api/v1/pods", &[JANE], "");
        assert_eq!(everywhere.status(), 403);
        let other = request(
            &cluster,
            "GET",
            "/api/v1/namespaces/default/pods/p",
            &[JANE],
            "",
        );
        assert_eq!(
            other.json()["message"],
            "pods \"p\" is forbidden: User \"jane\" cannot get resource \"pods\" in API group \"\" in the namespace \"default\""
        );
    }

    fn review(
        cluster: &crate::TestCluster,
        who: (&str, &str),
        attributes: serde_json::Value,
    ) -> serde_json::Value {
        let body = json!({"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1", "spec": {"resourceAttributes": attributes}});
        let answer = request(
            cluster,
            "POST",
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            &[who, ("Content-Type", "application/json")],
            &body.to_string(),
        );
        assert_eq!(answer.status(), 201);
        answer.json()["status"].clone()
    }

    #[test]
    fn self_reviews_answer_as_the_authorizer_would() {
        let cluster = plain_cluster();
        cluster.add_user("jane", "jane-token");
        cluster.load(READ_PODS_IN_SHOP).unwrap();
        assert_eq!(
            review(
                &cluster,
                JANE,
                json!({"namespace": "shop", "verb": "list", "resource": "pods"})
            ),
            json!({"allowed": true, "reason": "RBAC: allowed by RoleBinding \"viewers/shop\" of ClusterRole \"pod-reader\" to User \"jane\""})
        );
        assert_eq!(
            review(&cluster, JANE, json!({"verb": "list", "resource": "pods"})),
            json!({"allowed": false})
        );
        // system:masters is allowed before RBAC is asked, so no reason is given.
        let admin = ("Authorization", "Bearer admin-token");
        assert_eq!(
            review(
                &cluster,
                admin,
                json!({"verb": "delete", "resource": "nodes", "name": "n1"})
            ),
            json!({"allowed": true})
        );
        cluster.deny(crate::Deny {
            user: "admin".into(),
            verb: Some("delete".into()),
            group: "".into(),
            resource: "nodes".into(),
            namespace: None,
        });
        assert_eq!(
            review(
                &cluster,
                admin,
                json!({"verb": "delete", "resource": "nodes", "name": "n1"})
            ),
            json!({"allowed": false})
        );
    }

    #[test]
    fn impersonation_runs_the_request_as_the_impersonated_user() {
        let cluster = plain_cluster();
        cluster.add_user("jane", "jane-token");
        cluster.load(READ_PODS_IN_SHOP).unwrap();
        let as_jane = [("Impersonate-User", "jane"), ("Impersonate-Group", "devs")];
        let ok = request(
            &cluster,
            "GET",
            "/api/v1/namespaces/shop/pods",
            &as_jane,
            "",
        );
        assert_eq!(ok.status(), 200);
        let r = cluster.requests().pop().unwrap();
        assert_eq!(
            (r.user.as_str(), r.authenticated_user.as_str()),
            ("jane", "admin")
        );
        let refused = request(&cluster, "GET", "/api/v1/pods", &as_jane, "");
        assert_eq!(refused.json()["message"], "pods is forbidden: User \"jane\" cannot list resource \"pods\" in API group \"\" at the cluster scope");

        let no_right = request(
            &cluster,
            "GET",
            "/api/v1/pods",
            &[JANE, ("Impersonate-User", "someone")],
            "",
        );
        assert_eq!(
            no_right.json(),
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "users \"someone\" is forbidden: User \"jane\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope", "reason": "Forbidden", "details": {"name": "someone", "kind": "users"}, "code": 403})
        );
        let groups_only = request(
            &cluster,
            "GET",
            "/api/v1/pods",
            &[("Impersonate-Group", "system:masters")],
            "",
        );
        assert_eq!(
            groups_only.json(),
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "requested [{Group  system:masters    }] without impersonating a user", "reason": "BadRequest", "code": 400})
        );
    }

    #[test]
    fn beyond_the_limit_requests_get_429_with_retry_after() {
        let cluster = crate::TestCluster::start_with(crate::Options {
            tls: false,
            latency: std::time::Duration::from_millis(300),
            max_in_flight: Some(crate::limiter::Limits { seats: 1, queue: 0 }),
            ..Default::default()
        })
        .unwrap();
        let answers: Vec<(u16, Option<String>)> = std::thread::scope(|s| {
            let calls: Vec<_> = (0..3)
                .map(|_| {
                    s.spawn(|| {
                        let r = request(&cluster, "GET", "/api/v1/namespaces", &[], "");
                        (r.status(), r.header("Retry-After").map(String::from))
                    })
                })
                .collect();
            calls.into_iter().map(|c| c.join().unwrap()).collect()
        });
        let throttled: Vec<_> = answers.iter().filter(|a| a.0 == 429).collect();
        assert_eq!(throttled.len(), 2, "{answers:?}");
        assert!(throttled.iter().all(|a| a.1.as_deref() == Some("1")));
        let stats = cluster.stats();
        let lists = stats[&crate::RequestKind::List];
        assert_eq!((lists.count, lists.throttled), (3, 2));
    }
}
