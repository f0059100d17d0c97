//! kubectl's resource syntax: `TYPE/NAME`, `TYPE NAME…`, with TYPE a plural,
//! singular, short name or kind, optionally qualified `.group`.

use super::names::validate_name;
use super::ApiType;
use crate::error::Error;

/// An object the user named.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub ty: ApiType,
    pub name: String,
}

fn names_of(t: &ApiType) -> impl Iterator<Item = String> + '_ {
    [t.plural.clone(), t.singular.clone(), t.kind.to_lowercase()]
        .into_iter()
        .chain(t.short_names.iter().cloned())
        .filter(|n| !n.is_empty())
}

/// The type `spec` names: exact on the whole spec first, then `name.group`.
/// Ties go to the first in discovery order (core, then group priority), as kubectl does.
pub fn resolve_type<'a>(types: &'a [ApiType], spec: &str) -> Result<&'a ApiType, Error> {
    let spec = spec.to_lowercase();
    let unqualified = types.iter().find(|t| names_of(t).any(|n| n == spec));
    if let Some(t) = unqualified {
        return Ok(t);
    }
    if let Some((name, group)) = spec.split_once('.') {
        if let Some(t) = types
            .iter()
            .find(|t| t.group == group && names_of(t).any(|n| n == name))
        {
            return Ok(t);
        }
    }
    Err(Error::Usage(format!(
        "the server doesn't have a resource type {spec:?} (see `kubectl api-resources`)"
    )))
}

/// Checks the names in `TYPE/NAME …` or `TYPE NAME …` without resolving types,
/// so that a bad name is refused before any request is sent.
pub fn check_names(args: &[String]) -> Result<(), Error> {
    let mut type_seen = false;
    for arg in args {
        match arg.split_once('/') {
            Some((_, name)) => validate_name(name)?,
            None if type_seen => validate_name(arg)?,
            None => type_seen = true,
        }
    }
    Ok(())
}

/// Parses `TYPE/NAME …` or `TYPE NAME …` into targets.
pub fn parse_targets(types: &[ApiType], args: &[String]) -> Result<Vec<Target>, Error> {
    let mut out = Vec::new();
    let mut pending: Option<&ApiType> = None;
    for arg in args {
        if let Some((ty, name)) = arg.split_once('/') {
            if name.is_empty() || name.contains('/') {
                return Err(Error::Usage(format!("{arg:?} is not TYPE/NAME")));
            }
            validate_name(name)?;
            out.push(Target {
                ty: resolve_type(types, ty)?.clone(),
                name: name.to_string(),
            });
            pending = None;
        } else if let Some(ty) = pending {
            validate_name(arg)?;
            out.push(Target {
                ty: ty.clone(),
                name: arg.clone(),
            });
        } else if out.is_empty() {
            pending = Some(resolve_type(types, arg)?);
        } else {
            return Err(Error::Usage(format!(
                "{arg:?}: mix TYPE/NAME arguments or give TYPE once followed by names"
            )));
        }
    }
    if let (Some(ty), true) = (pending, out.is_empty()) {
        return Err(Error::Usage(format!(
            "no name given for {}: use TYPE/NAME or TYPE NAME",
            ty.plural
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(group: &str, plural: &str, singular: &str, kind: &str, short: &[&str]) -> ApiType {
        ApiType {
            group: group.into(),
            version: "v1".into(),
            plural: plural.into(),
            singular: singular.into(),
            kind: kind.into(),
            namespaced: true,
            verbs: vec![],
            short_names: short.iter().map(|s| s.to_string()).collect(),
            subresources: vec![],
        }
    }

    #[test]
    fn kubectl_resource_syntax() {
        let types = vec![
            ty(
                "",
                "persistentvolumeclaims",
                "persistentvolumeclaim",
                "PersistentVolumeClaim",
                &["pvc"],
            ),
            ty("", "events", "event", "Event", &["ev"]),
            ty("events.k8s.io", "events", "event", "Event", &["ev"]),
            ty(
                "logging.banzaicloud.io",
                "syslogngconfigs",
                "syslogngconfig",
                "SyslogNGConfig",
                &[],
            ),
        ];
        for spec in [
            "pvc",
            "PersistentVolumeClaim",
            "persistentvolumeclaims",
            "persistentvolumeclaim",
        ] {
            assert_eq!(
                resolve_type(&types, spec).unwrap().plural,
                "persistentvolumeclaims"
            );
        }
        assert_eq!(resolve_type(&types, "events").unwrap().group, "");
        assert_eq!(
            resolve_type(&types, "events.events.k8s.io").unwrap().group,
            "events.k8s.io"
        );
        assert_eq!(
            resolve_type(&types, "syslogngconfig.logging.banzaicloud.io")
                .unwrap()
                .kind,
            "SyslogNGConfig"
        );
        assert!(resolve_type(&types, "widgets").is_err());

        let args: Vec<String> = ["pvc", "a", "b"].iter().map(|s| s.to_string()).collect();
        let t = parse_targets(&types, &args).unwrap();
        assert_eq!(
            t.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        let args = vec!["pvc/a".to_string(), "syslogngconfig/s".to_string()];
        assert_eq!(
            parse_targets(&types, &args).unwrap()[1].ty.kind,
            "SyslogNGConfig"
        );
        assert!(parse_targets(&types, &["pvc".to_string()]).is_err());
        assert!(parse_targets(&types, &["pvc/".to_string()]).is_err());
        assert!(check_names(&["pvc".into(), "a".into(), "b/c".into()]).is_ok());
        assert!(check_names(&["pvc".into(), "a b".into()]).is_err());
        assert!(parse_targets(&types, &["pvc/a?dryRun=All".to_string()]).is_err());
        assert!(parse_targets(&types, &["pvc".to_string(), "..".to_string()]).is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_arguments_resolve_or_are_refused_without_panicking(
            args in proptest::collection::vec("\\PC{0,30}", 0..4)
        ) {
            let types = vec![ty("", "configmaps", "configmap", "ConfigMap", &["cm"])];
            let checked = check_names(&args);
            if let Ok(targets) = parse_targets(&types, &args) {
                proptest::prop_assert!(checked.is_ok());
                for t in targets {
                    proptest::prop_assert!(crate::cluster::names::validate_name(&t.name).is_ok());
                }
            }
        }
    }
}
