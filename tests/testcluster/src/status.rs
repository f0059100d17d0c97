//! kube-apiserver's error responses: `Status` bodies built exactly as the
//! constructors in apimachinery's `errors.go` build them, and the plain-text
//! bodies some filters write (apiserver-semantics.md §1.2, §1.3, §5).

use serde_json::{json, Map, Value};

/// An HTTP answer that is not a success object: a `Status` or a plain-text body.
#[derive(Clone, Debug)]
pub enum ApiError {
    Status(u16, Value),
    PlainText(u16, String),
}

impl ApiError {
    pub fn code(&self) -> u16 {
        match self {
            ApiError::Status(c, _) | ApiError::PlainText(c, _) => *c,
        }
    }
}

/// The qualified resource of an error: `resource` or `resource.group`.
#[derive(Clone, Debug, Default)]
pub struct Gr {
    pub group: String,
    pub resource: String,
}

impl Gr {
    pub fn new(group: &str, resource: &str) -> Gr {
        Gr {
            group: group.into(),
            resource: resource.into(),
        }
    }

    fn text(&self) -> String {
        if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }
}

fn details(name: &str, group: &str, kind: &str, causes: Option<Value>) -> Value {
    let mut m = Map::new();
    if !name.is_empty() {
        m.insert("name".into(), json!(name));
    }
    if !group.is_empty() {
        m.insert("group".into(), json!(group));
    }
    if !kind.is_empty() {
        m.insert("kind".into(), json!(kind));
    }
    if let Some(c) = causes {
        m.insert("causes".into(), c);
    }
    Value::Object(m)
}

fn failure(code: u16, message: String, reason: &str, details: Option<Value>) -> ApiError {
    let mut m = Map::new();
    m.insert("kind".into(), json!("Status"));
    m.insert("apiVersion".into(), json!("v1"));
    m.insert("metadata".into(), json!({}));
    m.insert("status".into(), json!("Failure"));
    m.insert("message".into(), json!(message));
    m.insert("reason".into(), json!(reason));
    if let Some(d) = details {
        m.insert("details".into(), d);
    }
    m.insert("code".into(), json!(code));
    ApiError::Status(code, Value::Object(m))
}

pub fn not_found(gr: &Gr, name: &str) -> ApiError {
    failure(
        404,
        format!("{} \"{name}\" not found", gr.text()),
        "NotFound",
        Some(details(name, &gr.group, &gr.resource, None)),
    )
}

/// A group/version/resource the server does not serve.
pub fn unknown_resource() -> ApiError {
    failure(
        404,
        "the server could not find the requested resource".into(),
        "NotFound",
        Some(json!({})),
    )
}

pub fn already_exists(gr: &Gr, name: &str, terminating: bool) -> ApiError {
    let prefix = if terminating {
        "object is being deleted: "
    } else {
        ""
    };
    failure(
        409,
        format!("{prefix}{} \"{name}\" already exists", gr.text()),
        "AlreadyExists",
        Some(details(name, &gr.group, &gr.resource, None)),
    )
}

pub fn conflict(gr: &Gr, name: &str, detail: &str) -> ApiError {
    failure(
        409,
        format!(
            "Operation cannot be fulfilled on {} \"{name}\": {detail}",
            gr.text()
        ),
        "Conflict",
        Some(details(name, &gr.group, &gr.resource, None)),
    )
}

pub const OPTIMISTIC_LOCK: &str =
    "the object has been modified; please apply your changes to the latest version and try again";

pub fn forbidden(gr: &Gr, name: &str, detail: &str) -> ApiError {
    let message = match (gr.resource.is_empty(), name.is_empty()) {
        (true, _) => format!("forbidden: {detail}"),
        (false, true) => format!("{} is forbidden: {detail}", gr.text()),
        (false, false) => format!("{} \"{name}\" is forbidden: {detail}", gr.text()),
    };
    failure(
        403,
        message,
        "Forbidden",
        Some(details(name, &gr.group, &gr.resource, None)),
    )
}

/// One field error of an Invalid status.
pub struct FieldError {
    pub reason: &'static str,
    pub field: String,
    pub body: String,
}

/// `NewInvalid`: `<Kind>[.<group>] "<name>" is invalid: <field>: <body>`.
pub fn invalid(group: &str, kind: &str, name: &str, errors: &[FieldError]) -> ApiError {
    let qualified = if group.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}.{group}")
    };
    let parts: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.body))
        .collect();
    let joined = if parts.len() == 1 {
        parts[0].clone()
    } else {
        format!("[{}]", parts.join(", "))
    };
    let causes: Vec<Value> = errors
        .iter()
        .map(|e| json!({"reason": e.reason, "message": e.body, "field": e.field}))
        .collect();
    failure(
        422,
        format!("{qualified} \"{name}\" is invalid: {joined}"),
        "Invalid",
        Some(details(name, group, kind, Some(Value::Array(causes)))),
    )
}

/// What a failed JSON patch (including a failed `test`) returns: the error text is dropped.
pub fn generic_unprocessable() -> ApiError {
    failure(
        422,
        "the server rejected our request due to an error in our request".into(),
        "Invalid",
        Some(json!({})),
    )
}

pub fn bad_request(message: impl Into<String>) -> ApiError {
    failure(400, message.into(), "BadRequest", None)
}

pub fn method_not_allowed() -> ApiError {
    failure(
        405,
        "the server does not allow this method on the requested resource".into(),
        "MethodNotAllowed",
        Some(json!({})),
    )
}

pub fn unsupported_media_type(accepted: &[&str]) -> ApiError {
    failure(
        415,
        format!(
            "the body of the request was in an unknown format - accepted media types include: {}",
            accepted.join(", ")
        ),
        "UnsupportedMediaType",
        None,
    )
}

pub fn not_acceptable(message: String) -> ApiError {
    failure(406, message, "NotAcceptable", None)
}

pub fn unauthorized() -> ApiError {
    failure(401, "Unauthorized".into(), "Unauthorized", None)
}

/// The aggregator's answer for an APIService that is not Available (plain text).
pub fn service_unavailable() -> ApiError {
    ApiError::PlainText(503, "service unavailable\n".into())
}

/// The Success status a DELETE returns when the store does not return the deleted object.
pub fn delete_success(name: &str, group: &str, resource: &str, uid: &str) -> Value {
    let mut d = Map::new();
    d.insert("name".into(), json!(name));
    if !group.is_empty() {
        d.insert("group".into(), json!(group));
    }
    d.insert("kind".into(), json!(resource));
    d.insert("uid".into(), json!(uid));
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": Value::Object(d)})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(e: ApiError) -> String {
        match e {
            ApiError::Status(_, v) => format!("{}\n", serde_json::to_string(&v).unwrap()),
            ApiError::PlainText(_, t) => t,
        }
    }

    #[test]
    fn matches_observed_bodies() {
        let observed_404 = include_str!("../fixtures/observed/status-404-notfound.json");
        let ours = body(not_found(
            &Gr::new("rbac.authorization.k8s.io", "roles"),
            "sql-gp-36-ha-role",
        ));
        assert_eq!(ours, observed_404);

        let observed_unknown =
            include_str!("../fixtures/observed/status-404-unknown-resource.json");
        assert_eq!(body(unknown_resource()), observed_unknown);

        let observed_401 = include_str!("../fixtures/observed/status-401-unauthorized.json");
        assert_eq!(body(unauthorized()), observed_401);
    }

    #[test]
    fn forbidden_matches_observed_namespaced_body() {
        let observed = include_str!("../fixtures/observed/status-403-forbidden-namespaced.json");
        let theirs: Value = serde_json::from_str(observed).unwrap();
        let name = theirs["details"]["name"].as_str().unwrap();
        let message = theirs["message"].as_str().unwrap();
        let detail = message.split_once(" is forbidden: ").unwrap().1;
        let ours = body(forbidden(&Gr::new("", "pods"), name, detail));
        assert_eq!(ours, observed);
    }
}
