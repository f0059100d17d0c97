//! Shell completion: `completion SHELL` prints a script generated from the CLI
//! definition; the hidden `__complete` answers kubectl's plugin completion
//! (kubectl ≥ 1.26 runs `kubectl_complete-finalizers`) in cobra's format: one
//! candidate a line, then `:<directive>`.

use crate::cli::Cli;
use crate::cluster::{discovery, Cluster};
use crate::settings::Connection;
use clap::CommandFactory;
use std::time::Duration;

/// cobra's ShellCompDirectiveNoFileComp, and the default (files allowed).
const NO_FILES: u8 = 4;
const FILES: u8 = 0;

pub fn script(shell: clap_complete::Shell) -> String {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "kubectl-finalizers", &mut out);
    String::from_utf8(out).expect("completion scripts are UTF-8")
}

/// The value of `--flag VALUE` or `--flag=VALUE` among the words already typed.
fn flag_value(words: &[String], names: &[&str]) -> Option<String> {
    let mut it = words.iter().peekable();
    while let Some(w) = it.next() {
        for n in names {
            if w == n {
                return it.peek().map(|v| v.to_string());
            }
            if let Some(v) = w.strip_prefix(&format!("{n}=")) {
                return Some(v.to_string());
            }
        }
    }
    None
}

/// The connection the words already typed ask for: kubectl's flags, as the
/// commands themselves read them.
async fn connect(words: &[String]) -> Option<Cluster> {
    let connection = Connection {
        kubeconfig: flag_value(words, &["--kubeconfig"]).map(Into::into),
        context: flag_value(words, &["--context"]),
        cluster: flag_value(words, &["--cluster"]),
        user: flag_value(words, &["--user"]),
        as_user: flag_value(words, &["--as"]),
        as_groups: flag_value(words, &["--as-group"]).into_iter().collect(),
        request_timeout: Duration::from_secs(5),
        ..Default::default()
    };
    Cluster::connect(&connection).await.ok()
}

fn contexts(words: &[String]) -> Vec<String> {
    let kc = match flag_value(words, &["--kubeconfig"]) {
        Some(p) => kube::config::Kubeconfig::read_from(p).ok(),
        None => kube::config::Kubeconfig::read().ok(),
    };
    kc.map(|k| k.contexts.into_iter().map(|c| c.name).collect())
        .unwrap_or_default()
}

async fn namespaces(words: &[String]) -> Vec<String> {
    let Some(c) = connect(words).await else {
        return Vec::new();
    };
    crate::cluster::list::all_metadata::<k8s_openapi::api::core::v1::Namespace>(&c.client)
        .await
        .map(|items| items.into_iter().filter_map(|m| m.name).collect())
        .unwrap_or_default()
}

/// Resource types, or for `TYPE/…` the names of that type's objects carrying finalizers.
async fn resources(words: &[String], partial: &str) -> Vec<String> {
    let Some(c) = connect(words).await else {
        return Vec::new();
    };
    let Ok(api) = discovery::discover(&c.client, 4).await else {
        return Vec::new();
    };
    let Some((ty, _)) = partial.split_once('/') else {
        let mut out: Vec<String> = api
            .types
            .iter()
            .filter(|t| t.can("list"))
            .map(|t| format!("{}/", t.qualified_resource()))
            .collect();
        out.sort();
        out.dedup();
        return out;
    };
    let Ok(t) = crate::cluster::resolve::resolve_type(&api.types, ty) else {
        return Vec::new();
    };
    let selection = crate::settings::Selection {
        namespace: flag_value(words, &["-n", "--namespace"]),
        ..Default::default()
    };
    let ns = selection.target_namespace(&c.default_namespace).to_string();
    let mut out = Vec::new();
    let _ = crate::cluster::list::metadata_pages(&c.client, t, Some(&ns), None, 500, |page| {
        for m in page {
            if m.finalizers.as_ref().is_some_and(|f| !f.is_empty()) {
                let state = if m.deletion_timestamp.is_some() {
                    "terminating"
                } else {
                    "live"
                };
                out.push(format!("{ty}/{}\t{state}", m.name.unwrap_or_default()));
            }
        }
    })
    .await;
    out
}

/// Candidates for the last word of `words` (the words after `kubectl finalizers`).
pub async fn candidates(words: &[String]) -> (Vec<String>, u8) {
    let partial = words.last().cloned().unwrap_or_default();
    let before = &words[..words.len().saturating_sub(1)];
    let cmd = Cli::command();
    let sub = before
        .iter()
        .find_map(|w| cmd.get_subcommands().find(|s| s.get_name() == w));
    let previous = before.last().map(String::as_str).unwrap_or_default();
    let (list, directive): (Vec<String>, u8) = match previous {
        "-n" | "--namespace" => (namespaces(words).await, NO_FILES),
        "--context" => (contexts(words), NO_FILES),
        "-o" | "--output" => {
            let formats = if sub.is_some_and(|s| s.get_name() == "scan") {
                vec!["table", "wide", "json", "yaml", "name"]
            } else {
                vec!["text", "json", "yaml"]
            };
            (formats.into_iter().map(String::from).collect(), NO_FILES)
        }
        "--color" => (
            ["auto", "always", "never"].map(String::from).to_vec(),
            NO_FILES,
        ),
        "-f" | "--filename" | "--kubeconfig" | "--catalog" | "--backup-dir" | "--audit-log" => {
            (Vec::new(), FILES)
        }
        _ if partial.starts_with('-') => {
            let target = sub.unwrap_or(&cmd);
            let mut flags: Vec<String> = target
                .get_arguments()
                .chain(cmd.get_arguments())
                .filter(|a| !a.is_hide_set())
                .flat_map(|a| {
                    let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
                    let long = a.get_long().map(|l| format!("--{l}\t{help}"));
                    let short = a.get_short().map(|s| format!("-{s}\t{help}"));
                    long.into_iter().chain(short)
                })
                .collect();
            flags.sort();
            flags.dedup();
            (flags, NO_FILES)
        }
        _ => match sub.map(|s| s.get_name()) {
            None => (
                cmd.get_subcommands()
                    .filter(|s| !s.is_hide_set())
                    .map(|s| {
                        format!(
                            "{}\t{}",
                            s.get_name(),
                            s.get_about().map(|a| a.to_string()).unwrap_or_default()
                        )
                    })
                    .collect(),
                NO_FILES,
            ),
            Some("explain") | Some("clear") => (resources(words, &partial).await, NO_FILES),
            Some("completion") => (
                ["bash", "zsh", "fish", "powershell", "elvish"]
                    .map(String::from)
                    .to_vec(),
                NO_FILES,
            ),
            _ => (Vec::new(), NO_FILES),
        },
    };
    let matching = list
        .into_iter()
        .filter(|c| c.starts_with(&partial))
        .collect();
    (matching, directive)
}

pub async fn run(words: &[String]) -> String {
    let (list, directive) = candidates(words).await;
    let mut out: String = list.iter().map(|c| format!("{c}\n")).collect();
    out.push_str(&format!(":{directive}\n"));
    out
}
