//! The krew manifest passes krew's validation rules (krew
//! `internal/index/validation/validate.go`), both as committed and as the release
//! script renders it for every platform.

use serde_yaml::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn is_semver(v: &str) -> bool {
    let Some(rest) = v.strip_prefix('v') else {
        return false;
    };
    let core = rest.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// Every rule krew applies to a plugin manifest, plus: bin is shipped by `files`.
fn validate(m: &Value, file_name: &str) -> Vec<String> {
    let mut errors = Vec::new();
    let mut fail = |e: String| errors.push(e);
    if m["apiVersion"].as_str() != Some("krew.googlecontainertools.github.com/v1alpha2") {
        fail("apiVersion".into());
    }
    if m["kind"].as_str() != Some("Plugin") {
        fail("kind".into());
    }
    let name = m["metadata"]["name"].as_str().unwrap_or_default();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        fail(format!("metadata.name {name:?} is not a safe plugin name"));
    }
    if name != file_name {
        fail(format!(
            "metadata.name {name:?} differs from the plugin name {file_name:?}"
        ));
    }
    let spec = &m["spec"];
    if !spec["version"].as_str().is_some_and(is_semver) {
        fail(format!(
            "spec.version {:?} is not a semantic version with a v prefix",
            spec["version"]
        ));
    }
    for field in ["shortDescription", "homepage", "description"] {
        if spec[field].as_str().is_none_or(|s| s.trim().is_empty()) {
            fail(format!("spec.{field} is empty"));
        }
    }
    if spec["shortDescription"]
        .as_str()
        .is_some_and(|s| s.contains('\n'))
    {
        fail("spec.shortDescription is not one line".into());
    }
    let platforms = spec["platforms"].as_sequence().cloned().unwrap_or_default();
    if platforms.is_empty() {
        fail("spec.platforms is empty".into());
    }
    let mut selectors = BTreeSet::new();
    for p in &platforms {
        let labels = p["selector"]["matchLabels"]
            .as_mapping()
            .cloned()
            .unwrap_or_default();
        if labels.is_empty() {
            fail("a platform has an empty selector".into());
        }
        for k in labels.keys() {
            if !matches!(k.as_str(), Some("os") | Some("arch")) {
                fail(format!("selector key {k:?} is not os or arch"));
            }
        }
        let key = format!("{:?}", labels);
        if !selectors.insert(key.clone()) {
            fail(format!("selector {key} is not unique"));
        }
        let uri = p["uri"].as_str().unwrap_or_default();
        if !(uri.ends_with(".tar.gz") || uri.ends_with(".zip")) || !uri.starts_with("https://") {
            fail(format!("uri {uri:?}"));
        }
        let sha = p["sha256"].as_str().unwrap_or_default();
        if sha.len() != 64
            || !sha
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        {
            fail(format!("sha256 {sha:?} is not 64 lower-case hex digits"));
        }
        let bin = p["bin"].as_str().unwrap_or_default();
        let windows = labels.get("os").and_then(Value::as_str) == Some("windows");
        if bin.is_empty() || (windows && !bin.ends_with(".exe")) {
            fail(format!("bin {bin:?}"));
        }
        let files = p["files"].as_sequence().cloned().unwrap_or_default();
        if files.is_empty() {
            fail("files is empty".into());
        }
        for f in &files {
            if f["from"].as_str().is_none_or(str::is_empty)
                || f["to"].as_str().is_none_or(str::is_empty)
            {
                fail("a file operation lacks from or to".into());
            }
        }
        if !files
            .iter()
            .any(|f| f["from"].as_str() == Some(bin) || f["from"].as_str() == Some("*"))
        {
            fail(format!("bin {bin} is not shipped by files"));
        }
        if !files.iter().any(|f| f["from"].as_str() == Some("LICENSE")) {
            fail("LICENSE is not shipped".into());
        }
    }
    errors
}

fn load(path: &Path) -> Value {
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_committed_manifest_is_valid() {
    let m = load(&root().join("krew-manifest.yaml"));
    assert_eq!(validate(&m, "finalizers"), Vec::<String>::new());
    // The validator itself rejects what krew rejects.
    let mut broken = m.clone();
    broken["spec"]["version"] = "0.1".into();
    broken["spec"]["platforms"][0]["sha256"] = "ABC".into();
    assert_eq!(validate(&broken, "finalizers").len(), 2);
}

#[test]
fn the_release_script_renders_all_six_platforms_from_the_archives() {
    let dist = tempfile::tempdir().unwrap();
    for (os, arch) in [
        ("linux", "amd64"),
        ("linux", "arm64"),
        ("darwin", "amd64"),
        ("darwin", "arm64"),
        ("windows", "amd64"),
        ("windows", "arm64"),
    ] {
        let ext = if os == "windows" { "zip" } else { "tar.gz" };
        std::fs::write(
            dist.path()
                .join(format!("kubectl-finalizers_v9.8.7_{os}_{arch}.{ext}")),
            format!("archive for {os}/{arch}"),
        )
        .unwrap();
    }
    let out = Command::new("bash")
        .arg(root().join("scripts/release.sh"))
        .args(["--render", "v9.8.7"])
        .arg(dist.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m: Value = serde_yaml::from_slice(&out.stdout).unwrap();
    assert_eq!(validate(&m, "finalizers"), Vec::<String>::new());
    let platforms = m["spec"]["platforms"].as_sequence().unwrap();
    assert_eq!(platforms.len(), 6);
    let windows = platforms
        .iter()
        .find(|p| {
            p["selector"]["matchLabels"]["os"] == "windows"
                && p["selector"]["matchLabels"]["arch"] == "arm64"
        })
        .unwrap();
    assert_eq!(windows["bin"], "kubectl-finalizers.exe");
    // sha256 of the archive itself.
    let sha = Command::new("sha256sum")
        .arg(
            dist.path()
                .join("kubectl-finalizers_v9.8.7_windows_arm64.zip"),
        )
        .output()
        .unwrap();
    assert_eq!(
        windows["sha256"].as_str().unwrap(),
        String::from_utf8_lossy(&sha.stdout)
            .split_whitespace()
            .next()
            .unwrap()
    );
    assert!(m["spec"]["caveats"]
        .as_str()
        .unwrap()
        .contains("store/finalizers/v9.8.7/kubectl_complete-finalizers"));
}
