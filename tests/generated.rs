//! Files generated from the CLI definition must not drift from it:
//! completion scripts and man pages. `UPDATE_GENERATED=1 cargo test --test generated`
//! rewrites them.

use clap::CommandFactory;
use kubectl_finalizers::cli::Cli;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn check(path: &Path, want: &[u8], stale: &mut Vec<String>) {
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, want).unwrap();
        return;
    }
    match std::fs::read(path) {
        Ok(have) if have == want => {}
        _ => stale.push(path.strip_prefix(root()).unwrap().display().to_string()),
    }
}

#[test]
fn completions_and_man_pages_match_the_cli() {
    let mut stale = Vec::new();
    for (shell, file) in [
        (clap_complete::Shell::Bash, "kubectl-finalizers.bash"),
        (clap_complete::Shell::Zsh, "_kubectl-finalizers"),
        (clap_complete::Shell::Fish, "kubectl-finalizers.fish"),
        (clap_complete::Shell::PowerShell, "kubectl-finalizers.ps1"),
    ] {
        let script = kubectl_finalizers::complete::script(shell);
        check(
            &root().join("completions").join(file),
            script.as_bytes(),
            &mut stale,
        );
    }
    let cmd = Cli::command();
    let mut pages = vec![(cmd.clone(), "kubectl-finalizers.1".to_string())];
    for sub in cmd.get_subcommands() {
        let name: &'static str =
            Box::leak(format!("kubectl-finalizers-{}", sub.get_name()).into_boxed_str());
        pages.push((sub.clone().name(name), format!("{name}.1")));
    }
    for (page, file) in pages {
        let mut out = Vec::new();
        clap_mangen::Man::new(page).render(&mut out).unwrap();
        check(&root().join("docs/man").join(file), &out, &mut stale);
    }
    assert!(
        stale.is_empty(),
        "generated files are stale: {stale:?}; run UPDATE_GENERATED=1 cargo test --test generated"
    );
}

#[test]
fn every_subcommand_help_has_examples() {
    let cmd = Cli::command();
    for sub in cmd.get_subcommands() {
        let after = sub
            .get_after_help()
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert!(
            after.contains("Examples:\n  #"),
            "{} --help has no examples",
            sub.get_name()
        );
        assert!(
            after.contains("kubectl"),
            "{}: examples use the kubectl plugin form",
            sub.get_name()
        );
    }
}
