//! What a request asks to do, in the terms authorization uses: kube-apiserver's
//! `RequestInfoFactory` (`k8s.io/apiserver/pkg/endpoints/request/requestinfo.go`),
//! which reads verb, group, namespace, resource, subresource and name from the
//! URL alone, before anything knows whether the resource exists.

use std::collections::BTreeMap;

/// Authorization attributes of one request (or of a review's `spec`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attributes {
    pub verb: String,
    /// False for discovery documents, `/version`, `/openapi`, `/healthz`, …
    pub resource_request: bool,
    pub group: String,
    pub version: String,
    /// For `namespaces` requests this is the namespace's own name, as upstream.
    pub namespace: String,
    pub resource: String,
    pub subresource: String,
    pub name: String,
    /// The URL path of a non-resource request.
    pub path: String,
}

/// Namespace subresources: `/api/v1/namespaces/<ns>/finalize` is not a resource
/// called `finalize` inside the namespace.
const NAMESPACE_SUBRESOURCES: &[&str] = &["status", "finalize"];

impl Attributes {
    /// Attributes of a resource request, as a review or an impersonation check states them.
    pub fn resource(verb: &str, group: &str, resource: &str, namespace: &str, name: &str) -> Self {
        Attributes {
            verb: verb.into(),
            resource_request: true,
            group: group.into(),
            namespace: namespace.into(),
            resource: resource.into(),
            name: name.into(),
            ..Default::default()
        }
    }

    pub fn non_resource(verb: &str, path: &str) -> Self {
        Attributes {
            verb: verb.into(),
            path: path.into(),
            ..Default::default()
        }
    }

    /// Parses a request as `NewRequestInfo` does.
    pub fn from_request(method: &str, path: &str, query: &BTreeMap<String, String>) -> Self {
        let mut out = Attributes::non_resource(&method.to_ascii_lowercase(), path);
        let parts: Vec<&str> = path
            .trim_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        let rest = match parts.as_slice() {
            ["api", version, rest @ ..] if !rest.is_empty() => {
                out.version = version.to_string();
                rest
            }
            ["apis", group, version, rest @ ..] if !rest.is_empty() => {
                out.group = group.to_string();
                out.version = version.to_string();
                rest
            }
            _ => return out,
        };
        out.resource_request = true;
        out.path.clear();
        let mut rest = rest;
        // The deprecated `/watch/` path prefix is a verb of its own.
        let special = rest.first().copied() == Some("watch") && rest.len() > 1;
        if special {
            out.verb = "watch".into();
            rest = &rest[1..];
        } else {
            out.verb = match method {
                "POST" => "create",
                "GET" | "HEAD" => "get",
                "PUT" => "update",
                "PATCH" => "patch",
                "DELETE" => "delete",
                _ => "",
            }
            .into();
        }
        if rest.first().copied() == Some("namespaces") && rest.len() > 1 {
            out.namespace = rest[1].to_string();
            if rest.len() > 2 && !NAMESPACE_SUBRESOURCES.contains(&rest[2]) {
                rest = &rest[2..];
            }
        }
        out.resource = rest.first().copied().unwrap_or_default().to_string();
        out.name = rest.get(1).copied().unwrap_or_default().to_string();
        out.subresource = rest.get(2).copied().unwrap_or_default().to_string();
        if out.name.is_empty() && out.verb == "get" {
            let watching = query.get("watch").is_some_and(|w| w == "true" || w == "1");
            out.verb = if watching { "watch" } else { "list" }.into();
            // A list or watch of one object by field selector is authorized for that name.
            if let Some(name) = exact_name(query.get("fieldSelector").map(String::as_str)) {
                out.name = name;
            }
        }
        if out.name.is_empty() && out.verb == "delete" {
            out.verb = "deletecollection".into();
        }
        out
    }

    /// `resource` or `resource/subresource`, as RBAC rules name it.
    pub fn combined_resource(&self) -> String {
        if self.subresource.is_empty() {
            self.resource.clone()
        } else {
            format!("{}/{}", self.resource, self.subresource)
        }
    }
}

/// The name a field selector pins with `metadata.name=` (or `==`), if any.
fn exact_name(selector: Option<&str>) -> Option<String> {
    selector?.split(',').find_map(|term| {
        let value = term
            .strip_prefix("metadata.name==")
            .or_else(|| term.strip_prefix("metadata.name="))?;
        let valid =
            !value.is_empty() && value != "." && value != ".." && !value.contains(['/', '%']);
        valid.then(|| value.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(method: &str, path: &str, query: &[(&str, &str)]) -> Attributes {
        let q = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Attributes::from_request(method, path, &q)
    }

    #[test]
    fn discovery_documents_are_non_resource_requests() {
        for path in [
            "/api",
            "/api/v1",
            "/apis",
            "/apis/apps",
            "/apis/apps/v1",
            "/version",
        ] {
            let a = parse("GET", path, &[]);
            assert!(!a.resource_request, "{path}");
            assert_eq!((a.verb.as_str(), a.path.as_str()), ("get", path));
        }
    }

    #[test]
    fn resource_requests_read_like_upstream() {
        let a = parse("GET", "/api/v1/pods", &[]);
        assert_eq!((a.verb.as_str(), a.namespace.as_str()), ("list", ""));
        let a = parse("GET", "/api/v1/namespaces/shop/pods", &[("watch", "true")]);
        assert_eq!((a.verb.as_str(), a.namespace.as_str()), ("watch", "shop"));
        let a = parse(
            "PATCH",
            "/apis/logging.banzaicloud.io/v1beta1/namespaces/logging/syslogngconfigs/s",
            &[],
        );
        assert_eq!(
            (
                a.verb.as_str(),
                a.group.as_str(),
                a.resource.as_str(),
                a.name.as_str()
            ),
            ("patch", "logging.banzaicloud.io", "syslogngconfigs", "s")
        );
        let a = parse("PUT", "/api/v1/namespaces/team-old/finalize", &[]);
        assert_eq!(
            (
                a.namespace.as_str(),
                a.resource.as_str(),
                a.name.as_str(),
                a.combined_resource().as_str()
            ),
            ("team-old", "namespaces", "team-old", "namespaces/finalize")
        );
        let a = parse("GET", "/api/v1/namespaces/team-old", &[]);
        assert_eq!((a.verb.as_str(), a.namespace.as_str()), ("get", "team-old"));
        let a = parse("DELETE", "/api/v1/namespaces/shop/configmaps", &[]);
        assert_eq!(a.verb, "deletecollection");
        let a = parse(
            "GET",
            "/api/v1/namespaces/shop/pods",
            &[("fieldSelector", "metadata.name=web")],
        );
        assert_eq!((a.verb.as_str(), a.name.as_str()), ("list", "web"));
    }
}
