//! The krew manifest passes krew's validation rules (krew
//! `internal/index/validation/validate.go`), both as committed and as the release
//! script renders it for every platform; and the release workflow
//! (`.github/workflows/release.yml`) builds the six platforms and, run step by
//! step on dummy binaries, packages, checksums and renders a valid manifest.

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

#[test]
fn the_release_script_refuses_an_incomplete_release() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path()
            .join("kubectl-finalizers_v9.8.7_linux_amd64.tar.gz"),
        "one archive",
    )
    .unwrap();
    let render = |args: &[&str]| {
        Command::new("bash")
            .arg(root().join("scripts/release.sh"))
            .args(args)
            .arg(dist.path())
            .output()
            .unwrap()
    };
    let partial = render(&["--render", "v9.8.7"]);
    assert!(partial.status.success());
    let m: Value = serde_yaml::from_slice(&partial.stdout).unwrap();
    assert_eq!(m["spec"]["platforms"].as_sequence().unwrap().len(), 1);
    let all = render(&["--render", "--all", "v9.8.7"]);
    assert!(!all.status.success());
    let stderr = String::from_utf8_lossy(&all.stderr);
    assert!(
        stderr.contains("kubectl-finalizers_v9.8.7_windows_arm64.zip")
            && !stderr.contains("linux_amd64"),
        "{stderr}"
    );
    let bad_version = render(&["--render", "9.8.7"]);
    assert_eq!(bad_version.status.code(), Some(2));
}

/// The six targets the release builds, as krew names their platforms.
const TARGETS: [(&str, &str, &str); 6] = [
    ("x86_64-unknown-linux-musl", "linux", "amd64"),
    ("aarch64-unknown-linux-musl", "linux", "arm64"),
    ("x86_64-apple-darwin", "darwin", "amd64"),
    ("aarch64-apple-darwin", "darwin", "arm64"),
    ("x86_64-pc-windows-msvc", "windows", "amd64"),
    ("aarch64-pc-windows-msvc", "windows", "arm64"),
];

const WORKFLOW: &str = ".github/workflows/release.yml";

fn workflow() -> Value {
    load(&root().join(WORKFLOW))
}

fn steps<'a>(workflow: &'a Value, job: &str) -> &'a [Value] {
    workflow["jobs"][job]["steps"]
        .as_sequence()
        .unwrap_or_else(|| panic!("job {job} has steps"))
}

fn step<'a>(workflow: &'a Value, job: &str, name: &str) -> &'a Value {
    steps(workflow, job)
        .iter()
        .find(|s| s["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("job {job} has a step {name:?}"))
}

/// The step of `job` that uses `action` (`owner/repo`).
fn action<'a>(workflow: &'a Value, job: &str, action: &str) -> &'a Value {
    steps(workflow, job)
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with(&format!("{action}@")))
        })
        .unwrap_or_else(|| panic!("job {job} uses {action}"))
}

fn run_text(step: &Value) -> &str {
    step["run"].as_str().unwrap_or_default()
}

/// `${{ matrix.KEY }}` replaced by the matrix entry's values; any other
/// expression left in text that would run is a failure.
fn expand(text: &str, matrix: &Value) -> String {
    let mut out = text.to_string();
    if let Some(m) = matrix.as_mapping() {
        for (k, v) in m {
            let value = match v {
                Value::String(s) => s.clone(),
                other => serde_yaml::to_string(other).unwrap().trim().to_string(),
            };
            out = out.replace(
                &format!("${{{{ matrix.{} }}}}", k.as_str().unwrap()),
                &value,
            );
        }
    }
    assert!(!out.contains("${{"), "unexpanded expression in {out:?}");
    out
}

#[test]
fn the_release_workflow_builds_the_six_targets_on_a_version_tag() {
    let w = workflow();
    // Only a pushed v* tag.
    let on = w["on"].as_mapping().unwrap();
    assert_eq!(on.len(), 1, "{on:?}");
    assert_eq!(w["on"]["push"].as_mapping().unwrap().len(), 1);
    assert_eq!(
        w["on"]["push"]["tags"],
        serde_yaml::from_str::<Value>("[v*]").unwrap()
    );
    // Bash everywhere (Windows included), the release alone may write.
    assert_eq!(w["defaults"]["run"]["shell"], "bash");
    assert_eq!(w["permissions"]["contents"], "read");
    assert_eq!(w["jobs"]["release"]["permissions"]["contents"], "write");

    // Every action is pinned to a commit, its version in a comment.
    let text = std::fs::read_to_string(root().join(WORKFLOW)).unwrap();
    let uses: Vec<&str> = text
        .lines()
        .filter_map(|l| {
            l.trim_start()
                .trim_start_matches("- ")
                .strip_prefix("uses: ")
        })
        .collect();
    assert!(uses.len() >= 5, "{uses:?}");
    for u in &uses {
        let (reference, comment) = u.split_once(" # ").unwrap_or((u, ""));
        let sha = reference
            .split_once('@')
            .map(|(_, r)| r)
            .unwrap_or_default();
        assert!(
            sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
            "{u} is not pinned to a commit"
        );
        assert!(
            is_semver(comment.trim()),
            "{u}: the comment names the version"
        );
    }

    // The matrix: six targets, each on a runner of its OS (Linux arm64 natively).
    let build = &w["jobs"]["build"];
    let include = build["strategy"]["matrix"]["include"]
        .as_sequence()
        .unwrap();
    let mut seen = BTreeSet::new();
    for entry in include {
        let target = entry["target"].as_str().unwrap();
        let runner = entry["runner"].as_str().unwrap();
        let (_, os, arch) = TARGETS
            .iter()
            .find(|(t, _, _)| *t == target)
            .unwrap_or_else(|| panic!("unexpected target {target}"));
        let runner_os = match *os {
            "linux" => "ubuntu-",
            "darwin" => "macos-",
            _ => "windows-",
        };
        assert!(runner.starts_with(runner_os), "{target} on {runner}");
        if *os == "linux" {
            assert!(target.ends_with("-musl"), "{target}: static Linux binaries");
            assert_eq!(
                runner.ends_with("-arm"),
                *arch == "arm64",
                "{target} on {runner}"
            );
        }
        assert!(seen.insert(target), "{target} twice");
    }
    assert_eq!(seen.len(), 6);
    assert_eq!(build["runs-on"], "${{ matrix.runner }}");
    assert_eq!(build["env"]["TARGET"], "${{ matrix.target }}");

    // Each job builds its target, packages binary and LICENSE with the script,
    // and uploads the archive.
    let toolchain = run_text(step(&w, "build", "install the toolchain"));
    assert!(toolchain.contains("--target \"$TARGET\""), "{toolchain}");
    let musl = step(&w, "build", "install musl-gcc");
    assert!(run_text(musl).contains("musl-tools"));
    assert_eq!(musl["if"], "contains(matrix.target, 'musl')");
    assert!(run_text(step(&w, "build", "build"))
        .contains("cargo build --release --locked --target \"$TARGET\" --bin kubectl-finalizers"));
    let package = run_text(step(&w, "build", "package"));
    assert!(
        package.contains("scripts/release.sh --package \"$GITHUB_REF_NAME\" \"$TARGET\" dist"),
        "{package}"
    );
    let script = std::fs::read_to_string(root().join("scripts/release.sh")).unwrap();
    let copy = script
        .lines()
        .find(|l| l.trim_start().starts_with("cp \"$built\""))
        .expect("the script copies the built binary");
    assert!(
        copy.contains("LICENSE") && copy.contains("completions/kubectl_complete-finalizers"),
        "{copy}"
    );
    let upload = action(&w, "build", "actions/upload-artifact");
    assert_eq!(upload["with"]["path"], "dist/kubectl-finalizers_*");
    assert_eq!(upload["with"]["if-no-files-found"], "error");

    // The release: after every build, checksums, the manifest from all six
    // archives, everything attached.
    let release = &w["jobs"]["release"];
    assert_eq!(release["needs"], "build");
    let download = action(&w, "release", "actions/download-artifact");
    assert_eq!(download["with"]["path"], "dist");
    assert_eq!(download["with"]["merge-multiple"], true);
    assert!(run_text(step(&w, "release", "checksums")).contains("sha256sum"));
    assert!(
        run_text(step(&w, "release", "render the krew manifest")).contains(
            "scripts/release.sh --render --all \"$GITHUB_REF_NAME\" dist > dist/krew-manifest.yaml"
        )
    );
    let publish = action(&w, "release", "softprops/action-gh-release");
    let files: Vec<&str> = publish["with"]["files"].as_str().unwrap().lines().collect();
    for f in [
        "dist/kubectl-finalizers_v1.2.3_linux_amd64.tar.gz",
        "dist/kubectl-finalizers_v1.2.3_windows_arm64.zip",
        "dist/SHA256SUMS",
        "dist/krew-manifest.yaml",
    ] {
        assert!(
            files
                .iter()
                .any(|p| kubectl_finalizers::glob::matches(p.trim(), f)),
            "{f} is not attached: {files:?}"
        );
    }
    assert_eq!(publish["with"]["fail_on_unmatched_files"], true);
    // The tag must be the crate's version.
    assert_eq!(w["jobs"]["build"]["needs"], "version");
}

/// The files of the repository the release steps read, in a fresh directory.
fn checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "scripts/release.sh",
        "packaging/krew-manifest.tmpl.yaml",
        "LICENSE",
        "README.md",
        "completions/kubectl_complete-finalizers",
    ] {
        let to = dir.path().join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(root().join(f), to).unwrap();
    }
    dir
}

/// Runs a step's script as the runner would: bash, in the checkout, with the
/// job's environment and the tag.
fn run_step(dir: &Path, script: &str, env: &[(String, String)], tag: &str) -> std::process::Output {
    let out = Command::new("bash")
        .args(["-eo", "pipefail", "-c", script])
        .current_dir(dir)
        .env_remove("CARGO_TARGET_DIR")
        .env("GITHUB_REF_NAME", tag)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The names in an archive.
fn entries(archive: &Path) -> BTreeSet<String> {
    let listing = if archive.extension().is_some_and(|e| e == "zip") {
        Command::new("unzip").arg("-Z1").arg(archive).output()
    } else {
        Command::new("tar").arg("-tzf").arg(archive).output()
    }
    .unwrap();
    assert!(listing.status.success());
    String::from_utf8_lossy(&listing.stdout)
        .lines()
        .map(|l| l.trim_start_matches("./").to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn the_release_workflow_steps_render_a_valid_six_platform_manifest() {
    let w = workflow();
    let tag = "v9.8.7";
    let build = &w["jobs"]["build"];
    let package = run_text(step(&w, "build", "package"));
    let upload = action(&w, "build", "actions/upload-artifact");
    let uploaded = upload["with"]["path"].as_str().unwrap();

    // Each build job, on a dummy binary where cargo would have put it.
    let release = checkout();
    let dist = release.path().join("dist");
    std::fs::create_dir(&dist).unwrap();
    for entry in build["strategy"]["matrix"]["include"]
        .as_sequence()
        .unwrap()
    {
        let target = entry["target"].as_str().unwrap();
        let job = checkout();
        let bin = if target.contains("windows") {
            "kubectl-finalizers.exe"
        } else {
            "kubectl-finalizers"
        };
        let built = job.path().join("target").join(target).join("release");
        std::fs::create_dir_all(&built).unwrap();
        std::fs::write(built.join(bin), format!("binary for {target}")).unwrap();
        let env: Vec<(String, String)> = build["env"]
            .as_mapping()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().unwrap().to_string(),
                    expand(v.as_str().unwrap(), entry),
                )
            })
            .collect();
        run_step(job.path(), &expand(package, entry), &env, tag);
        // upload-artifact, then download-artifact with merge-multiple: the
        // matching files of every job side by side in the release's dist/.
        let mut archives = 0;
        for f in std::fs::read_dir(job.path().join("dist")).unwrap() {
            let f = f.unwrap();
            let name = f.file_name().into_string().unwrap();
            if kubectl_finalizers::glob::matches(uploaded, &format!("dist/{name}")) {
                let have = entries(&f.path());
                for want in [bin, "LICENSE", "kubectl_complete-finalizers"] {
                    assert!(have.contains(want), "{name} lacks {want}: {have:?}");
                }
                std::fs::copy(f.path(), dist.join(&name)).unwrap();
                archives += 1;
            }
        }
        assert_eq!(archives, 1, "{target} uploads one archive");
    }

    // The release job's own steps.
    for s in steps(&w, "release") {
        if let Some(script) = s["run"].as_str() {
            run_step(release.path(), &expand(script, &Value::Null), &[], tag);
        }
    }
    let sums = Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(&dist)
        .output()
        .unwrap();
    assert!(sums.status.success(), "{sums:?}");
    assert_eq!(String::from_utf8_lossy(&sums.stdout).lines().count(), 6);

    let m = load(&dist.join("krew-manifest.yaml"));
    assert_eq!(validate(&m, "finalizers"), Vec::<String>::new());
    assert_eq!(m["spec"]["version"], tag);
    let platforms = m["spec"]["platforms"].as_sequence().unwrap();
    assert_eq!(platforms.len(), 6);
    for (_, os, arch) in TARGETS {
        let p = platforms
            .iter()
            .find(|p| {
                p["selector"]["matchLabels"]["os"] == os
                    && p["selector"]["matchLabels"]["arch"] == arch
            })
            .unwrap_or_else(|| panic!("no {os}/{arch}"));
        // The archive the uri names was attached, with that checksum, and holds
        // everything the manifest installs from it.
        let uri = p["uri"].as_str().unwrap();
        assert!(
            uri.ends_with(&format!(
                "/releases/download/{tag}/kubectl-finalizers_{tag}_{os}_{arch}.{}",
                if os == "windows" { "zip" } else { "tar.gz" }
            )),
            "{uri}"
        );
        let archive = dist.join(uri.rsplit('/').next().unwrap());
        let sha = Command::new("sha256sum").arg(&archive).output().unwrap();
        assert_eq!(
            p["sha256"].as_str().unwrap(),
            String::from_utf8_lossy(&sha.stdout)
                .split_whitespace()
                .next()
                .unwrap()
        );
        let have = entries(&archive);
        for f in p["files"].as_sequence().unwrap() {
            let from = f["from"].as_str().unwrap();
            assert!(have.contains(from), "{uri}: {from} is not in the archive");
        }
    }
}

#[test]
fn the_release_workflow_refuses_a_tag_that_is_not_the_crate_version() {
    let w = workflow();
    let check = run_text(step(&w, "version", "check the version"));
    let run = |tag: &str| {
        Command::new("bash")
            .args(["-eo", "pipefail", "-c", check])
            .current_dir(root())
            .env("GITHUB_REF_NAME", tag)
            .output()
            .unwrap()
    };
    let right = run(&format!("v{}", env!("CARGO_PKG_VERSION")));
    assert!(right.status.success(), "{right:?}");
    let wrong = run("v0.0.0-not-this");
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stdout).contains("::error::tag v0.0.0-not-this"));
}
