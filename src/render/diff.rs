//! The unified diff of a finalizer list, as the clear plan shows it.

use similar::TextDiff;

fn as_yaml(field: &str, list: &[String]) -> String {
    let mut out = String::new();
    let (parent, key) = field.split_once('.').unwrap_or(("metadata", field));
    out.push_str(&format!("{parent}:\n"));
    if list.is_empty() {
        return out;
    }
    out.push_str(&format!("  {key}:\n"));
    for f in list {
        out.push_str(&format!("  - {f}\n"));
    }
    out
}

/// `--- <title> (as read)` / `+++ <title> (planned)` and the hunk for `field`.
pub fn finalizer_diff(
    title: &str,
    field: &str,
    before: &[String],
    after: &[String],
    color: bool,
) -> String {
    let (old, new) = (as_yaml(field, before), as_yaml(field, after));
    let diff = TextDiff::from_lines(&old, &new);
    let text = diff
        .unified_diff()
        .context_radius(10)
        .header(&format!("{title} (as read)"), &format!("{title} (planned)"))
        .to_string();
    if !color {
        return text;
    }
    text.lines()
        .map(|l| {
            let code = match l.as_bytes().first() {
                _ if l.starts_with("---") || l.starts_with("+++") => "1",
                Some(b'-') => "31",
                Some(b'+') => "32",
                Some(b'@') => "36",
                _ => "",
            };
            if code.is_empty() {
                format!("{l}\n")
            } else {
                format!("\x1b[{code}m{l}\x1b[0m\n")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_removed_entries_only() {
        let before = vec!["a.example.com/x".to_string(), "b.example.com/y".to_string()];
        let after = vec!["b.example.com/y".to_string()];
        let d = finalizer_diff(
            "Widget demo/w1",
            "metadata.finalizers",
            &before,
            &after,
            false,
        );
        assert_eq!(
            d,
            "--- Widget demo/w1 (as read)\n+++ Widget demo/w1 (planned)\n@@ -1,4 +1,3 @@\n metadata:\n   finalizers:\n-  - a.example.com/x\n   - b.example.com/y\n"
        );
    }
}
