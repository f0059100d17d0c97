//! HTTP(S) front of the test cluster: authentication, authorization, routing of
//! discovery and resource paths, request accounting, and the wire form of every
//! response (compact JSON plus `\n`, kube-apiserver's headers).

use crate::controllers;
use crate::discovery::ResourceDef;
use crate::object;
use crate::status::{self, ApiError, Gr};
use crate::store::{DeleteOptions, Shape, Store, Target};
use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::{Body, Frame, Incoming};
use hyper::{Request, Response};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

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
    pub user: String,
    pub kind: RequestKind,
    pub status: u16,
    /// Response body size.
    pub bytes: usize,
    pub dry_run: bool,
    /// The request body, for writes.
    pub body: String,
    pub content_type: String,
    pub accept: String,
}

/// Refuses `verb` on `resource` (may include `/subresource`) in `group` for `user`,
/// in `namespace` or everywhere, as RBAC would by not granting it.
#[derive(Clone, Debug)]
pub struct Deny {
    pub user: String,
    pub verb: Option<String>,
    pub group: String,
    pub resource: String,
    pub namespace: Option<String>,
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
    pub tokens: BTreeMap<String, String>,
    pub denies: Vec<Deny>,
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
}

pub type Shared = Arc<Mutex<Inner>>;

type ResBody = BoxBody<Bytes, Infallible>;

enum Answer {
    Json(u16, Value, Vec<(&'static str, String)>),
    Text(u16, String),
    NotModified,
    Watch(Duration),
}

/// An empty watch stream that stays open until its timeout: nothing changes.
struct IdleWatch(Pin<Box<tokio::time::Sleep>>);

impl Body for IdleWatch {
    type Data = Bytes;
    type Error = Infallible;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.0.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
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
    req: Request<Incoming>,
) -> Result<Response<ResBody>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let latency = {
        let inner = shared.lock().expect("state lock");
        let path = parts.uri.path();
        inner.latency
            + inner
                .slow_paths
                .iter()
                .filter(|(p, _)| path.contains(p.as_str()))
                .map(|(_, d)| *d)
                .sum::<Duration>()
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let (answer, record) = {
        let mut inner = shared.lock().expect("state lock");
        respond(&mut inner, &parts, &body)
    };
    let (code, bytes, content_type, extra) = match answer {
        Answer::Watch(d) => {
            let resp = Response::builder()
                .status(200)
                .header("Content-Type", "application/json")
                .header("Cache-Control", "no-cache, private")
                .body(BoxBody::new(IdleWatch(Box::pin(tokio::time::sleep(d)))))
                .expect("valid response");
            return Ok(resp);
        }
        Answer::NotModified => (304, Bytes::new(), String::new(), vec![]),
        Answer::Text(code, text) => (
            code,
            Bytes::from(text),
            "text/plain; charset=utf-8".to_string(),
            vec![],
        ),
        Answer::Json(code, v, extra) => {
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
    let mut record = record;
    record.bytes = bytes.len();
    record.status = code;
    let mut builder = Response::builder()
        .status(code)
        .header("Audit-Id", object::new_uid())
        .header("Cache-Control", "no-cache, private")
        .header("X-Content-Type-Options", "nosniff");
    let mut content_type = content_type;
    for (k, v) in extra {
        if k == "Content-Type" {
            content_type = v;
        } else {
            builder = builder.header(k, v);
        }
    }
    if code != 304 {
        builder = builder.header("Content-Type", content_type);
    }
    if code == 429 {
        // max-in-flight and APF answer with Retry-After: 1 (apiserver-semantics.md §5.5).
        builder = builder.header("Retry-After", "1");
    }
    if record.path != "/testcluster/stats" {
        shared.lock().expect("state lock").log.push(record);
    }
    Ok(builder
        .body(Full::new(bytes).boxed())
        .expect("valid response"))
}

fn error_answer(e: ApiError) -> Answer {
    match e {
        ApiError::Status(code, v) => Answer::Json(code, v, vec![]),
        ApiError::PlainText(code, text) => Answer::Text(code, text),
    }
}

/// Handles one request under the lock; returns the answer and its record.
fn respond(
    inner: &mut Inner,
    parts: &hyper::http::request::Parts,
    body: &[u8],
) -> (Answer, RequestRecord) {
    let path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().unwrap_or_default().to_string();
    let query = parse_query(&raw_query);
    let method = parts.method.as_str().to_string();
    let mut record = RequestRecord {
        method: method.clone(),
        path: path.clone(),
        query: raw_query,
        user: String::new(),
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
    };
    let token = header(parts, "authorization")
        .strip_prefix("Bearer ")
        .unwrap_or_default();
    let Some(user) = inner.tokens.get(token).cloned() else {
        return (error_answer(status::unauthorized()), record);
    };
    let impersonated = header(parts, "impersonate-user");
    record.user = if impersonated.is_empty() {
        user
    } else {
        impersonated.to_string()
    };

    keep_control_plane_lease_fresh(&mut inner.store);
    let hooks = std::mem::take(&mut inner.hooks);
    for hook in hooks {
        if hook.method == method && path.ends_with(&hook.path_suffix) {
            (hook.action)(&mut inner.store);
        } else {
            inner.hooks.push(hook);
        }
    }

    if path == "/testcluster/stats" {
        // Request counters for scripts (benchmarks); not itself counted.
        record.kind = RequestKind::Other;
        let answer = if parts.method == hyper::Method::DELETE {
            inner.log.clear();
            Answer::Json(200, json!({}), vec![])
        } else {
            Answer::Json(200, json!(crate::tally(&inner.log)), vec![])
        };
        return (answer, record);
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
        );
    }
    if inner.expire_continues > 0
        && parts.method == hyper::Method::GET
        && query.contains_key("continue")
    {
        inner.expire_continues -= 1;
        record.kind = RequestKind::List;
        let message = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";
        let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {"continue": query["continue"]}, "status": "Failure", "message": message, "reason": "Expired", "code": 410});
        return (Answer::Json(410, body, vec![]), record);
    }
    let answer = match route(inner, parts, &path, &query, body, &mut record) {
        Ok(a) => a,
        Err(e) => error_answer(e),
    };
    if record.kind.is_write() && !record.dry_run {
        controllers::reconcile(&mut inner.store);
    }
    (answer, record)
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

fn shape(parts: &hyper::http::request::Parts, list: bool) -> Result<Shape, ApiError> {
    let accept = header(parts, "accept");
    let first = accept.split(',').next().unwrap_or_default();
    if first.contains("as=Table") {
        return Ok(Shape::Table);
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
    let resource_path = match sub {
        Some(s) => format!("{}/{s}", res.plural),
        None => res.plural.clone(),
    };
    let ns_scope = if res.namespaced { ns.clone() } else { None };
    if let Some(msg) = denied(
        inner,
        &record.user,
        verb,
        &res.group,
        &resource_path,
        ns_scope.as_deref(),
    ) {
        return Err(status::forbidden(
            &Gr::new(&res.group, &res.plural),
            name.unwrap_or(""),
            &msg,
        ));
    }
    // Self-reviews answer with what the deny rules say.
    if res.group == "authorization.k8s.io" && res.plural == "selfsubjectaccessreviews" {
        record.kind = RequestKind::Review;
        let mut review: Value =
            serde_json::from_slice(body).map_err(|e| status::bad_request(e.to_string()))?;
        let a = review["spec"]["resourceAttributes"].clone();
        let s = |k: &str| a[k].as_str().unwrap_or_default().to_string();
        let resource = if s("subresource").is_empty() {
            s("resource")
        } else {
            format!("{}/{}", s("resource"), s("subresource"))
        };
        let ns = Some(s("namespace")).filter(|n| !n.is_empty());
        let allowed = denied(
            inner,
            &record.user,
            &s("verb"),
            &s("group"),
            &resource,
            ns.as_deref(),
        )
        .is_none();
        review["metadata"] = json!({"creationTimestamp": null});
        review["status"] = if allowed {
            json!({"allowed": true, "reason": "RBAC: allowed by ClusterRoleBinding \"testcluster-admin\" of ClusterRole \"cluster-admin\" to User \"admin\""})
        } else {
            json!({"allowed": false})
        };
        return Ok(Answer::Json(201, object::normalize(review, false), vec![]));
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
    let store = &mut inner.store;
    let reply = match verb {
        "watch" => {
            let secs = query
                .get("timeoutSeconds")
                .and_then(|t| t.parse().ok())
                .unwrap_or(60u64)
                .min(300);
            return Ok(Answer::Watch(Duration::from_secs(secs)));
        }
        "list" => store.list(&res, ns.as_deref(), query, shape(parts, true)?),
        "get" => store.get(
            &res,
            &ns_str,
            name.unwrap_or_default(),
            shape(parts, false)?,
        ),
        "create" => store.create(&res, &ns_str, body, dry_run),
        "update" => store.update(
            &Target::new(&res, &ns_str, name.unwrap_or_default(), sub),
            body,
            dry_run,
        ),
        "patch" => store.patch(
            &Target::new(&res, &ns_str, name.unwrap_or_default(), sub),
            header(parts, "content-type"),
            body,
            dry_run,
        ),
        "delete" => {
            let opts = delete_options(body, query, dry_run)?;
            store.delete(&res, &ns_str, name.unwrap_or_default(), &opts)
        }
        _ => return Err(status::method_not_allowed()),
    };
    let (code, v) = reply?;
    Ok(Answer::Json(code, v, vec![]))
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

/// The RBAC-style denial message for a request, if a deny rule matches.
fn denied(
    inner: &Inner,
    user: &str,
    verb: &str,
    group: &str,
    resource: &str,
    ns: Option<&str>,
) -> Option<String> {
    let hit = inner.denies.iter().any(|d| {
        d.user == user
            && d.verb.as_deref().is_none_or(|v| v == verb)
            && d.group == group
            && d.resource == resource
            && d.namespace.as_deref().is_none_or(|n| Some(n) == ns)
    });
    hit.then(|| match ns {
        Some(n) => format!("User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"{group}\" in the namespace \"{n}\""),
        None => format!("User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"{group}\" at the cluster scope"),
    })
}

/// The test cluster runs the controllers kube-controller-manager would (namespace,
/// garbage collector), so its leader-election lease is renewed as a live one is.
fn keep_control_plane_lease_fresh(store: &mut Store) {
    let key = (
        "coordination.k8s.io".to_string(),
        "leases".to_string(),
        "kube-system".to_string(),
        "kube-controller-manager".to_string(),
    );
    if let Some(lease) = store.objects.get_mut(&key) {
        lease["spec"]["renewTime"] = json!(object::format_micro_time(object::now()));
    }
}
