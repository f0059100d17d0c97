//! Authorization: kube-apiserver's chain of the `system:masters` superuser
//! authorizer and the RBAC authorizer over the stored Roles, ClusterRoles and
//! their bindings (`plugin/pkg/auth/authorizer/rbac/rbac.go`,
//! `pkg/apis/rbac/v1/evaluation_helpers.go`), then the test's own deny rules;
//! and the 403 a denial is answered with (apiserver-semantics-2.md §17.1).

use crate::attributes::Attributes;
use crate::auth::User;
use crate::status::{self, ApiError, Gr};
use crate::store::Store;
use serde_json::Value;

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
/// Members are allowed everything before RBAC is asked (`authorizerfactory.NewPrivilegedGroups`).
pub const MASTERS: &str = "system:masters";

/// Refuses `verb` on `resource` (may include `/subresource`) in `group` for `user`,
/// in `namespace` or everywhere, as RBAC would by not granting it. Applied after
/// RBAC, to everyone, so that a test can take one permission away.
#[derive(Clone, Debug)]
pub struct Deny {
    pub user: String,
    pub verb: Option<String>,
    pub group: String,
    pub resource: String,
    pub namespace: Option<String>,
}

impl Deny {
    fn matches(&self, user: &str, a: &Attributes) -> bool {
        a.resource_request
            && self.user == user
            && self.verb.as_deref().is_none_or(|v| v == a.verb)
            && self.group == a.group
            && self.resource == a.combined_resource()
            && self.namespace.as_deref().is_none_or(|n| n == a.namespace)
    }
}

/// An authorizer's answer. RBAC never denies outright: a refusal is "no
/// opinion", with a reason only when resolving bindings failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub reason: String,
}

/// The whole chain: superuser group, RBAC, then the deny overlay.
pub fn check(store: &Store, denies: &[Deny], user: &User, a: &Attributes) -> Decision {
    let decision = if user.groups.iter().any(|g| g == MASTERS) {
        Decision {
            allowed: true,
            reason: String::new(),
        }
    } else {
        authorize(store, user, a)
    };
    if decision.allowed && denies.iter().any(|d| d.matches(&user.name, a)) {
        return Decision {
            allowed: false,
            reason: String::new(),
        };
    }
    decision
}

/// The 403 of `responsewriters.Forbidden` for a refused request.
pub fn forbidden(a: &Attributes, user: &str, reason: &str) -> ApiError {
    let mut msg = if !a.resource_request {
        format!("User {user:?} cannot {} path {:?}", a.verb, a.path)
    } else if a.namespace.is_empty() {
        format!(
            "User {user:?} cannot {} resource {:?} in API group {:?} at the cluster scope",
            a.verb,
            a.combined_resource(),
            a.group
        )
    } else {
        format!(
            "User {user:?} cannot {} resource {:?} in API group {:?} in the namespace {:?}",
            a.verb,
            a.combined_resource(),
            a.group,
            a.namespace
        )
    };
    msg = msg
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    if !reason.is_empty() {
        msg = format!("{msg}: {reason}");
    }
    status::forbidden(&Gr::new(&a.group, &a.resource), &a.name, &msg)
}

/// The RBAC authorizer: the first rule that allows wins and names its binding.
pub fn authorize(store: &Store, user: &User, a: &Attributes) -> Decision {
    let mut errors = Vec::new();
    for binding in objects(store, "clusterrolebindings", "") {
        let Some(subject) = applies_to(binding, user, "") else {
            continue;
        };
        match role_rules(store, binding, "") {
            Ok(rules) if rules.iter().any(|r| rule_allows(r, a)) => {
                return allowed(binding, subject, "");
            }
            Ok(_) => {}
            Err(e) => errors.push(e),
        }
    }
    if !a.namespace.is_empty() {
        for binding in objects(store, "rolebindings", &a.namespace) {
            let Some(subject) = applies_to(binding, user, &a.namespace) else {
                continue;
            };
            match role_rules(store, binding, &a.namespace) {
                Ok(rules) if rules.iter().any(|r| rule_allows(r, a)) => {
                    return allowed(binding, subject, &a.namespace);
                }
                Ok(_) => {}
                Err(e) => errors.push(e),
            }
        }
    }
    // utilerrors.NewAggregate: one error verbatim, several as `[a, b]`.
    let reason = match errors.len() {
        0 => String::new(),
        1 => format!("RBAC: {}", errors[0]),
        _ => format!("RBAC: [{}]", errors.join(", ")),
    };
    Decision {
        allowed: false,
        reason,
    }
}

/// Stored objects of one RBAC resource, in one namespace ("" for cluster-scoped), by name.
fn objects<'s>(store: &'s Store, plural: &str, ns: &str) -> impl Iterator<Item = &'s Value> {
    let start = (
        RBAC_GROUP.to_string(),
        plural.to_string(),
        ns.to_string(),
        String::new(),
    );
    let (plural, ns) = (plural.to_string(), ns.to_string());
    store
        .objects
        .range(start..)
        .take_while(move |((g, p, n, _), _)| g == RBAC_GROUP && *p == plural && *n == ns)
        .map(|(_, v)| v)
}

fn str_of<'v>(v: &'v Value, key: &str) -> &'v str {
    v[key].as_str().unwrap_or_default()
}

fn strings(v: &Value) -> impl Iterator<Item = &str> {
    v.as_array().into_iter().flatten().filter_map(Value::as_str)
}

/// The first subject of `binding` that is `user` (`appliesTo`).
fn applies_to<'b>(binding: &'b Value, user: &User, ns: &str) -> Option<&'b Value> {
    binding["subjects"].as_array()?.iter().find(|s| {
        let name = str_of(s, "name");
        match str_of(s, "kind") {
            "User" => user.name == name,
            "Group" => user.groups.iter().any(|g| g == name),
            "ServiceAccount" => {
                // An unqualified subject of a RoleBinding means the binding's namespace.
                let sa_ns = match str_of(s, "namespace") {
                    "" => ns,
                    n => n,
                };
                !sa_ns.is_empty() && user.name == format!("system:serviceaccount:{sa_ns}:{name}")
            }
            _ => false,
        }
    })
}

/// The rules of the role a binding refers to (`GetRoleReferenceRules`).
fn role_rules<'s>(store: &'s Store, binding: &Value, ns: &str) -> Result<&'s [Value], String> {
    let role_ref = &binding["roleRef"];
    let name = str_of(role_ref, "name");
    let (plural, role_ns, singular) = match str_of(role_ref, "kind") {
        "ClusterRole" => ("clusterroles", "", "clusterrole"),
        "Role" => ("roles", ns, "role"),
        other => return Err(format!("unsupported role reference kind: {other:?}")),
    };
    let key = (
        RBAC_GROUP.to_string(),
        plural.to_string(),
        role_ns.to_string(),
        name.to_string(),
    );
    // Listers name the resource in the singular in their NotFound errors.
    let role = store
        .objects
        .get(&key)
        .ok_or_else(|| format!("{singular}.{RBAC_GROUP} {name:?} not found"))?;
    Ok(role["rules"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default())
}

/// `RuleAllows`.
fn rule_allows(rule: &Value, a: &Attributes) -> bool {
    let verb = strings(&rule["verbs"]).any(|v| v == "*" || v == a.verb);
    if !a.resource_request {
        return verb
            && strings(&rule["nonResourceURLs"]).any(|u| {
                u == "*"
                    || u == a.path
                    || u.strip_suffix('*').is_some_and(|p| a.path.starts_with(p))
            });
    }
    let combined = a.combined_resource();
    let group = strings(&rule["apiGroups"]).any(|g| g == "*" || g == a.group);
    let resource = strings(&rule["resources"]).any(|r| {
        r == "*"
            || r == combined
            || (!a.subresource.is_empty()
                && r.strip_prefix("*/").is_some_and(|s| s == a.subresource))
    });
    let names: Vec<&str> = strings(&rule["resourceNames"]).collect();
    let name = names.is_empty() || names.contains(&a.name.as_str());
    verb && group && resource && name
}

fn allowed(binding: &Value, subject: &Value, ns: &str) -> Decision {
    let role_ref = &binding["roleRef"];
    let subject_name = match (str_of(subject, "kind"), str_of(subject, "namespace")) {
        ("ServiceAccount", "") => format!("{}/{ns}", str_of(subject, "name")),
        ("ServiceAccount", sa_ns) => format!("{}/{sa_ns}", str_of(subject, "name")),
        _ => str_of(subject, "name").to_string(),
    };
    let name = crate::object::name(binding);
    let source = if ns.is_empty() {
        format!("ClusterRoleBinding {name:?}")
    } else {
        format!("RoleBinding {:?}", format!("{name}/{ns}"))
    };
    Decision {
        allowed: true,
        reason: format!(
            "RBAC: allowed by {source} of {} {:?} to {} {subject_name:?}",
            str_of(role_ref, "kind"),
            str_of(role_ref, "name"),
            str_of(subject, "kind"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario;

    fn user(name: &str, groups: &[&str]) -> User {
        User::new(name, groups.iter().map(|g| g.to_string()).collect())
    }

    fn store(yaml: &str) -> Store {
        let mut s = Store::new();
        scenario::load(&mut s, &crate::bootstrap::objects(Default::default())).unwrap();
        scenario::load(&mut s, yaml).unwrap();
        s
    }

    const POLICY: &str = "
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: shop}
rules: [{apiGroups: [''], resources: [pods, pods/log], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read-pods, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
subjects: [{kind: User, name: jane}, {kind: ServiceAccount, name: builder}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: one-config}
rules:
- {apiGroups: [''], resources: [configmaps], resourceNames: [settings], verbs: ['*']}
- {apiGroups: ['*'], resources: ['*/status'], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: one-config}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: one-config}
subjects: [{kind: Group, name: devs}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: dangling}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: test-role}
subjects: [{kind: User, name: vickey}]
";

    #[test]
    fn role_bindings_grant_only_in_their_namespace() {
        let s = store(POLICY);
        let jane = user("jane", &["system:authenticated"]);
        let in_shop = Attributes::resource("list", "", "pods", "shop", "");
        let d = authorize(&s, &jane, &in_shop);
        assert_eq!(
            d.reason,
            "RBAC: allowed by RoleBinding \"read-pods/shop\" of Role \"pod-reader\" to User \"jane\""
        );
        assert!(!authorize(&s, &jane, &Attributes::resource("list", "", "pods", "", "")).allowed);
        assert!(
            !authorize(
                &s,
                &jane,
                &Attributes::resource("list", "", "pods", "default", "")
            )
            .allowed
        );
        assert!(
            !authorize(
                &s,
                &jane,
                &Attributes::resource("delete", "", "pods", "shop", "p")
            )
            .allowed
        );
        let mut log = Attributes::resource("get", "", "pods", "shop", "p");
        log.subresource = "log".into();
        assert!(authorize(&s, &jane, &log).allowed);
    }

    #[test]
    fn an_unqualified_service_account_is_the_binding_namespace_s() {
        let s = store(POLICY);
        let sa = User::new("system:serviceaccount:shop:builder", vec![]);
        let d = authorize(
            &s,
            &sa,
            &Attributes::resource("get", "", "pods", "shop", "p"),
        );
        assert_eq!(
            d.reason,
            "RBAC: allowed by RoleBinding \"read-pods/shop\" of Role \"pod-reader\" to ServiceAccount \"builder/shop\""
        );
        assert!(sa
            .groups
            .contains(&"system:serviceaccounts:shop".to_string()));
        let other = User::new("system:serviceaccount:default:builder", vec![]);
        assert!(
            !authorize(
                &s,
                &other,
                &Attributes::resource("get", "", "pods", "shop", "p")
            )
            .allowed
        );
    }

    #[test]
    fn resource_names_never_match_a_request_without_a_name() {
        let s = store(POLICY);
        let dev = user("kim", &["devs"]);
        let get = Attributes::resource("get", "", "configmaps", "shop", "settings");
        assert_eq!(
            authorize(&s, &dev, &get).reason,
            "RBAC: allowed by ClusterRoleBinding \"one-config\" of ClusterRole \"one-config\" to Group \"devs\""
        );
        for verb in ["list", "watch", "create", "deletecollection"] {
            let a = Attributes::resource(verb, "", "configmaps", "shop", "");
            assert!(!authorize(&s, &dev, &a).allowed, "{verb}");
        }
        assert!(
            !authorize(
                &s,
                &dev,
                &Attributes::resource("get", "", "configmaps", "shop", "other")
            )
            .allowed
        );
        let mut status = Attributes::resource("get", "apps", "deployments", "shop", "web");
        status.subresource = "status".into();
        assert!(authorize(&s, &dev, &status).allowed);
        status.subresource = "scale".into();
        assert!(!authorize(&s, &dev, &status).allowed);
    }

    #[test]
    fn a_missing_role_is_the_reason_of_the_refusal() {
        let s = store(POLICY);
        let vickey = user("vickey", &["system:authenticated"]);
        let a = Attributes::resource("list", "", "pods", "default", "");
        let d = authorize(&s, &vickey, &a);
        assert_eq!(
            d,
            Decision {
                allowed: false,
                reason: "RBAC: clusterrole.rbac.authorization.k8s.io \"test-role\" not found"
                    .into()
            }
        );
        let ApiError::Status(403, body) = forbidden(&a, "vickey", &d.reason) else {
            panic!("a 403 Status")
        };
        // Observed on a real cluster (apiserver-semantics-2.md §17.1).
        assert_eq!(body["message"], "pods is forbidden: User \"vickey\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\": RBAC: clusterrole.rbac.authorization.k8s.io \"test-role\" not found");
    }

    #[test]
    fn bootstrap_policy_lets_every_user_discover_and_review_itself() {
        let s = store(POLICY);
        let nobody = user("nobody", &["system:authenticated"]);
        for path in ["/api", "/apis/apps/v1", "/version", "/openapi/v3"] {
            let d = authorize(&s, &nobody, &Attributes::non_resource("get", path));
            assert_eq!(
                d.reason,
                "RBAC: allowed by ClusterRoleBinding \"system:discovery\" of ClusterRole \"system:discovery\" to Group \"system:authenticated\"",
                "{path}"
            );
        }
        assert!(!authorize(&s, &nobody, &Attributes::non_resource("get", "/metrics")).allowed);
        assert!(!authorize(&s, &nobody, &Attributes::non_resource("post", "/api")).allowed);
        let review = Attributes::resource(
            "create",
            "authorization.k8s.io",
            "selfsubjectaccessreviews",
            "",
            "",
        );
        assert!(authorize(&s, &nobody, &review).allowed);
        let masters = user("root", &[MASTERS, "system:authenticated"]);
        let any = Attributes::resource("delete", "", "nodes", "", "n1");
        assert_eq!(
            authorize(&s, &masters, &any).reason,
            "RBAC: allowed by ClusterRoleBinding \"cluster-admin\" of ClusterRole \"cluster-admin\" to Group \"system:masters\""
        );
        // The superuser authorizer answers first, without a reason.
        assert_eq!(
            check(&s, &[], &masters, &any),
            Decision {
                allowed: true,
                reason: String::new()
            }
        );
    }

    #[test]
    fn deny_rules_take_away_what_rbac_granted() {
        let s = store(POLICY);
        let jane = user("jane", &["system:authenticated"]);
        let a = Attributes::resource("list", "", "pods", "shop", "");
        let deny = Deny {
            user: "jane".into(),
            verb: Some("list".into()),
            group: "".into(),
            resource: "pods".into(),
            namespace: None,
        };
        assert!(check(&s, &[], &jane, &a).allowed);
        assert!(!check(&s, std::slice::from_ref(&deny), &jane, &a).allowed);
    }

    fn body(e: ApiError) -> String {
        match e {
            ApiError::Status(_, v) => format!("{}\n", serde_json::to_string(&v).unwrap()),
            ApiError::PlainText(_, t) => t,
        }
    }

    #[test]
    fn denials_match_the_observed_bodies() {
        let observed = include_str!("../fixtures/observed/status-403-forbidden-nonresource.json");
        let a = Attributes::non_resource("get", "/nice ports,/Trinity.txt.bak");
        assert_eq!(body(forbidden(&a, "system:anonymous", "")), observed);

        let observed = include_str!("../fixtures/observed/status-403-forbidden-namespaced.json");
        let mut a = Attributes::resource("get", "", "pods", "default", "logger-6f7fb76c9f-4jk77");
        a.subresource = "log".into();
        assert_eq!(
            body(forbidden(
                &a,
                "system:serviceaccount:default:logshipper-sa",
                ""
            )),
            observed
        );

        let a = Attributes::resource("list", "", "pods", "", "");
        assert_eq!(
            body(forbidden(&a, "u", "")),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"pods is forbidden: User \\\"u\\\" cannot list resource \\\"pods\\\" in API group \\\"\\\" at the cluster scope\",\"reason\":\"Forbidden\",\"details\":{\"kind\":\"pods\"},\"code\":403}\n"
        );
    }
}
