//! Object names and namespaces as Kubernetes validates them, checked before any
//! request is built, and the escaping every URL path segment gets regardless.

use crate::error::Error;

/// A namespace name: an RFC 1123 label (`[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most
/// 63 characters), as kube-apiserver's `ValidateNamespaceName` requires.
pub fn validate_namespace(ns: &str) -> Result<(), Error> {
    let ok = !ns.is_empty()
        && ns.len() <= 63
        && ns
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !ns.starts_with('-')
        && !ns.ends_with('-');
    if ok {
        Ok(())
    } else if ns.is_empty() {
        Err(Error::Usage(
            "a namespace must not be empty (omit -n to use the context's namespace)".into(),
        ))
    } else {
        Err(Error::Usage(format!(
            "{ns:?} is not a valid namespace name: it must be lower-case letters, digits and '-', start and end with a letter or digit, at most 63 characters"
        )))
    }
}

/// clap's value parser for `-n/--namespace`.
pub fn parse_namespace(ns: &str) -> Result<String, String> {
    validate_namespace(ns)
        .map(|()| ns.to_string())
        .map_err(|e| e.to_string())
}

/// An object name: what every resource type accepts as one URL path segment
/// (kube-apiserver's `ValidatePathSegmentName`: not `.` or `..`, no `/` or `%`),
/// and nothing that would end the path (`?`, `#`), white space or control
/// characters, at most 253 characters (the longest DNS-1123 subdomain).
pub fn validate_name(name: &str) -> Result<(), Error> {
    let why = if name.is_empty() {
        Some("it is empty")
    } else if name == "." || name == ".." {
        Some("it may not be '.' or '..'")
    } else if name.len() > 253 {
        Some("it is longer than 253 characters")
    } else if name.contains(['/', '%', '?', '#']) {
        Some("it may not contain '/', '%', '?' or '#'")
    } else if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some("it may not contain spaces or control characters")
    } else {
        None
    };
    match why {
        None => Ok(()),
        Some(why) => Err(Error::Usage(format!(
            "{name:?} is not a valid object name: {why}"
        ))),
    }
}

/// Percent-encodes what may not stand in a URL path segment (RFC 3986 `pchar`).
/// Valid names pass unchanged; anything else cannot leave its segment.
pub fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_are_dns_labels() {
        for ok in ["shop", "kube-system", "a", "a1-b2"] {
            assert!(validate_namespace(ok).is_ok(), "{ok}");
        }
        for bad in ["", "Shop", "-a", "a-", "a_b", "a/b", "a?x", &"a".repeat(64)] {
            assert!(validate_namespace(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_cannot_leave_their_path_segment() {
        for ok in [
            "cfg",
            "system:controller:x",
            "data-postgres-0",
            "a.b.c",
            "v1.apps",
        ] {
            assert!(validate_name(ok).is_ok(), "{ok}");
            assert_eq!(segment(ok), ok);
        }
        for bad in [
            "",
            ".",
            "..",
            "cfg?dryRun=All&x=",
            "a/b",
            "a%2F",
            "a#b",
            "a b",
            "a\nb",
            &"a".repeat(254),
        ] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(segment("cfg?dryRun=All&x="), "cfg%3FdryRun=All&x=");
        assert_eq!(segment("a/b#c d%"), "a%2Fb%23c%20d%25");
    }
}
