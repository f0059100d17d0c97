//! Who is asking: bearer tokens to users and groups, and impersonation through
//! the `Impersonate-*` headers, checked as kube-apiserver's `WithImpersonation`
//! filter checks them (apiserver-semantics-2.md §17.2).

use crate::attributes::Attributes;
use crate::rbac::{self, Deny};
use crate::status::{self, ApiError};
use crate::store::Store;
use hyper::http::HeaderMap;

const AUTHENTICATED: &str = "system:authenticated";
const UNAUTHENTICATED: &str = "system:unauthenticated";

/// A user as the authorizer sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub groups: Vec<String>,
}

impl User {
    /// A user as a token authenticates it: service accounts get their fixed
    /// groups, everyone `system:authenticated`.
    pub fn new(name: &str, mut groups: Vec<String>) -> User {
        if let Some((ns, _)) = service_account(name) {
            for g in [
                "system:serviceaccounts".to_string(),
                format!("system:serviceaccounts:{ns}"),
            ] {
                if !groups.contains(&g) {
                    groups.push(g);
                }
            }
        }
        if !groups.iter().any(|g| g == AUTHENTICATED) {
            groups.push(AUTHENTICATED.into());
        }
        User {
            name: name.into(),
            groups,
        }
    }
}

/// `system:serviceaccount:<ns>:<name>` split into namespace and name.
fn service_account(user: &str) -> Option<(&str, &str)> {
    let rest = user.strip_prefix("system:serviceaccount:")?;
    let (ns, name) = rest.split_once(':')?;
    (!ns.is_empty() && !name.is_empty() && !name.contains(':')).then_some((ns, name))
}

/// One thing a request asks to act as, as `buildImpersonationRequests` lists them.
struct Request {
    kind: &'static str,
    namespace: String,
    name: String,
    api_version: &'static str,
    field_path: String,
}

impl Request {
    fn new(kind: &'static str, name: &str) -> Request {
        Request {
            kind,
            namespace: String::new(),
            name: name.into(),
            api_version: "",
            field_path: String::new(),
        }
    }

    /// Go's `%v` of a `v1.ObjectReference`: every field, space-separated.
    fn go_value(&self) -> String {
        format!(
            "{{{} {} {}  {}  {}}}",
            self.kind, self.namespace, self.name, self.api_version, self.field_path
        )
    }
}

/// Applies the impersonation headers: the user the request runs as, or the
/// 400/403 it is refused with. Without headers the requester runs as itself.
pub fn impersonate(
    store: &Store,
    denies: &[Deny],
    requester: &User,
    headers: &HeaderMap,
) -> Result<User, ApiError> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(String::from)
            .collect()
    };
    let user = values("impersonate-user")
        .into_iter()
        .next()
        .unwrap_or_default();
    let groups = values("impersonate-group");
    let uid = values("impersonate-uid")
        .into_iter()
        .next()
        .unwrap_or_default();
    let mut requests = Vec::new();
    if !user.is_empty() {
        requests.push(match service_account(&user) {
            Some((ns, name)) => Request {
                namespace: ns.into(),
                ..Request::new("ServiceAccount", name)
            },
            None => Request::new("User", &user),
        });
    }
    for g in &groups {
        requests.push(Request::new("Group", g));
    }
    for (name, value) in headers {
        let Some(key) = name.as_str().strip_prefix("impersonate-extra-") else {
            continue;
        };
        requests.push(Request {
            api_version: "authentication.k8s.io/v1",
            field_path: percent_unescape(key),
            ..Request::new("UserExtra", value.to_str().unwrap_or_default())
        });
    }
    if !uid.is_empty() {
        requests.push(Request {
            api_version: "authentication.k8s.io/v1",
            ..Request::new("UID", &uid)
        });
    }
    if requests.is_empty() {
        return Ok(requester.clone());
    }
    if user.is_empty() {
        let listed: Vec<String> = requests.iter().map(Request::go_value).collect();
        return Err(status::bad_request(format!(
            "requested [{}] without impersonating a user",
            listed.join(" ")
        )));
    }
    let mut effective_groups: Vec<String> = Vec::new();
    for r in &requests {
        let (group, resource, subresource) = match r.kind {
            "ServiceAccount" => ("", "serviceaccounts", ""),
            "User" => ("", "users", ""),
            "Group" => ("", "groups", ""),
            "UserExtra" => ("authentication.k8s.io", "userextras", r.field_path.as_str()),
            _ => ("authentication.k8s.io", "uids", ""),
        };
        let mut a = Attributes::resource("impersonate", group, resource, &r.namespace, &r.name);
        a.subresource = subresource.into();
        let decision = rbac::check(store, denies, requester, &a);
        if !decision.allowed {
            return Err(rbac::forbidden(&a, &requester.name, &decision.reason));
        }
        if r.kind == "Group" {
            effective_groups.push(r.name.clone());
        }
    }
    // A service account impersonated without groups gets its fixed ones.
    if groups.is_empty() {
        if let Some((ns, _)) = service_account(&user) {
            effective_groups = vec![
                "system:serviceaccounts".into(),
                format!("system:serviceaccounts:{ns}"),
            ];
        }
    }
    if !effective_groups
        .iter()
        .any(|g| g == AUTHENTICATED || g == UNAUTHENTICATED)
    {
        effective_groups.push(AUTHENTICATED.into());
    }
    Ok(User {
        name: user,
        groups: effective_groups,
    })
}

fn percent_unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::http::HeaderValue;

    fn store() -> Store {
        let mut s = Store::new();
        crate::scenario::load(&mut s, &crate::bootstrap::objects(Default::default())).unwrap();
        crate::scenario::load(
            &mut s,
            "
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: impersonate-readers}
rules:
- {apiGroups: [''], resources: [users], resourceNames: [auditor], verbs: [impersonate]}
- {apiGroups: [''], resources: [groups], resourceNames: [readers], verbs: [impersonate]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: jane-impersonates}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonate-readers}
subjects: [{kind: User, name: jane}]
",
        )
        .unwrap();
        s
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    fn message(e: ApiError) -> (u16, String) {
        match e {
            ApiError::Status(code, v) => (code, v["message"].as_str().unwrap().to_string()),
            ApiError::PlainText(code, t) => (code, t),
        }
    }

    #[test]
    fn impersonated_users_get_the_given_groups_and_authenticated() {
        let s = store();
        let jane = User::new("jane", vec![]);
        let as_auditor = impersonate(
            &s,
            &[],
            &jane,
            &headers(&[
                ("impersonate-user", "auditor"),
                ("impersonate-group", "readers"),
            ]),
        )
        .unwrap();
        assert_eq!(
            as_auditor,
            User {
                name: "auditor".into(),
                groups: vec!["readers".into(), AUTHENTICATED.into()]
            }
        );
        assert_eq!(
            impersonate(&s, &[], &jane, &HeaderMap::new()).unwrap(),
            jane
        );
        let admin = User::new("admin", vec![rbac::MASTERS.into()]);
        let sa = impersonate(
            &s,
            &[],
            &admin,
            &headers(&[("impersonate-user", "system:serviceaccount:shop:builder")]),
        )
        .unwrap();
        assert_eq!(
            sa.groups,
            [
                "system:serviceaccounts",
                "system:serviceaccounts:shop",
                AUTHENTICATED
            ]
        );
    }

    #[test]
    fn refusals_name_the_requester_and_the_impersonated() {
        let s = store();
        let jane = User::new("jane", vec![]);
        let err =
            impersonate(&s, &[], &jane, &headers(&[("impersonate-user", "someone")])).unwrap_err();
        assert_eq!(
            message(err),
            (403, "users \"someone\" is forbidden: User \"jane\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope".into())
        );
        let err = impersonate(
            &s,
            &[],
            &jane,
            &headers(&[
                ("impersonate-user", "auditor"),
                ("impersonate-group", "system:masters"),
            ]),
        )
        .unwrap_err();
        assert_eq!(
            message(err),
            (403, "groups \"system:masters\" is forbidden: User \"jane\" cannot impersonate resource \"groups\" in API group \"\" at the cluster scope".into())
        );
        let err = impersonate(
            &s,
            &[],
            &jane,
            &headers(&[("impersonate-user", "system:serviceaccount:shop:builder")]),
        )
        .unwrap_err();
        assert_eq!(
            message(err),
            (403, "serviceaccounts \"builder\" is forbidden: User \"jane\" cannot impersonate resource \"serviceaccounts\" in API group \"\" in the namespace \"shop\"".into())
        );
        let err = impersonate(
            &s,
            &[],
            &jane,
            &headers(&[("impersonate-group", "system:masters")]),
        )
        .unwrap_err();
        assert_eq!(
            message(err),
            (
                400,
                "requested [{Group  system:masters    }] without impersonating a user".into()
            )
        );
    }
}
