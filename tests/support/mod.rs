//! Shared by the black-box suites: a test cluster loaded with scenarios, a
//! kubeconfig in a temporary HOME, and the built binary run against it.
#![allow(dead_code)] // each suite uses a different part

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use testcluster::{Options, TestCluster};

pub struct Env {
    pub cluster: TestCluster,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

pub fn scenario_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios")
        .join(format!("{name}.yaml"))
}

impl Env {
    /// A cluster loaded with `tests/scenarios/<name>.yaml` for each name.
    pub fn new(scenarios: &[&str]) -> Env {
        Env::with_options(scenarios, Options::default())
    }

    pub fn with_options(scenarios: &[&str], options: Options) -> Env {
        let cluster = TestCluster::start_with(options).expect("test cluster starts");
        for s in scenarios {
            cluster.load_file(scenario_path(s)).expect("scenario loads");
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let kubeconfig = dir.path().join("kubeconfig");
        let env = Env {
            cluster,
            dir,
            kubeconfig,
        };
        env.write_kubeconfig();
        env
    }

    /// Rewrites the kubeconfig (after adding users).
    pub fn write_kubeconfig(&self) {
        std::fs::write(&self.kubeconfig, self.cluster.kubeconfig()).expect("kubeconfig written");
    }

    /// The plugin with a clean environment: no KUBECONFIG, HOME in the temp dir, NO_COLOR.
    pub fn plugin(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubectl-finalizers"));
        cmd.env_remove("KUBECONFIG")
            .env("HOME", self.dir.path())
            .env("NO_COLOR", "1")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig);
        cmd
    }

    /// Runs the plugin with no terminal: stdin is /dev/null.
    pub fn run(&self, args: &[&str]) -> Run {
        run(self.plugin().args(args).stdin(Stdio::null()))
    }
}

pub fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("the command runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The rows of a table output: whitespace-separated cells, header dropped.
pub fn rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().map(String::from).collect())
        .collect()
}

/// The kubectl on PATH (resolved through links), or the one `KUBECTL` names
/// (a path or a name on PATH, e.g. `KUBECTL=kubectl.1.27`), so that the
/// fidelity suites can be run against every kubectl minor version. Absent:
/// None outside CI, a failure in CI, where the fidelity tests must run.
pub fn kubectl() -> Option<PathBuf> {
    let name = std::env::var_os("KUBECTL").unwrap_or_else(|| "kubectl".into());
    let path = std::env::var_os("PATH")?;
    let found = if Path::new(&name).components().count() > 1 {
        Some(PathBuf::from(&name)).filter(|p| p.is_file())
    } else {
        std::env::split_paths(&path)
            .map(|d| d.join(&name))
            .find(|p| p.is_file())
    };
    if found.is_none() && std::env::var_os("KUBECTL").is_some() {
        panic!("KUBECTL={name:?} is not an executable file or on PATH");
    }
    match found {
        Some(p) => Some(std::fs::canonicalize(&p).unwrap_or(p)),
        None if std::env::var_os("CI").is_some() => panic!("kubectl is required in CI"),
        None => {
            eprintln!("kubectl not found: skipping");
            None
        }
    }
}

/// Runs a kubectl binary against the env's cluster, with `input` on stdin.
pub fn run_kubectl(env: &Env, binary: &Path, args: &[&str], input: Option<&str>) -> Run {
    use std::io::Write;
    let mut child = Command::new(binary)
        .env_remove("KUBECONFIG")
        .env("HOME", env.dir.path())
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubectl runs");
    if let Some(text) = input {
        child
            .stdin
            .take()
            .expect("piped stdin")
            .write_all(text.as_bytes())
            .expect("stdin written");
    }
    let out = child.wait_with_output().expect("kubectl finishes");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
