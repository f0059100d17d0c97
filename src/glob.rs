//! Shell-style globs (`*` any run, `?` one character) for `--finalizer`.

/// Whether `text` matches `pattern` in whole.
pub fn matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn globs() {
        assert!(matches("*", "anything"));
        assert!(matches(
            "kubernetes.io/pvc-protection",
            "kubernetes.io/pvc-protection"
        ));
        assert!(matches(
            "*.banzaicloud.io/*",
            "syslogngconfig.logging.banzaicloud.io/finalizer"
        ));
        assert!(matches(
            "kubernetes.io/p?c-*",
            "kubernetes.io/pvc-protection"
        ));
        assert!(!matches("kubernetes.io/*", "example.com/kubernetes.io/x"));
        assert!(!matches("orphan", "orphans"));
    }
}
