//! Shell completion: `completion SHELL` prints a script generated from the CLI
//! definition; the hidden `__complete` answers kubectl's plugin completion
//! (kubectl ≥ 1.26 runs `kubectl_complete-finalizers`) in cobra's format: one
//! candidate a line (a tab, then a description, may follow), then `:<directive>`.
//!
//! Completion never fails: whatever cannot be read within [`BUDGET`] (no
//! kubeconfig, an unreachable or slow cluster, a forbidden list) yields no
//! candidates, and the shell still gets its directive.

use crate::cli::Cli;
use crate::cluster::{discovery, list, ApiType, Cluster};
use crate::model::{NoProgress, StuckObject};
use crate::scan::{self, Filter};
use crate::settings::{Connection, Selection};
use clap::CommandFactory;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// cobra's ShellCompDirectiveNoFileComp, ShellCompDirectiveNoSpace, and the
/// default (files allowed, a space after a single match).
const NO_FILES: u8 = 4;
const NO_SPACE: u8 = 2;
const FILES: u8 = 0;

/// How long an answer may take: a shell is waiting, and a late answer is worth
/// less than none.
const BUDGET: Duration = Duration::from_secs(5);

/// Resource types listed at the same time when gathering finalizers (scan's default).
const CONCURRENCY: usize = 8;
const CHUNK: u32 = 500;

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
        request_timeout: BUDGET,
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
    list::all_metadata::<k8s_openapi::api::core::v1::Namespace>(&c.client)
        .await
        .map(|items| items.into_iter().filter_map(|m| m.name).collect())
        .unwrap_or_default()
}

/// Every listable resource type, as `TYPE/` (the user goes on with a name).
async fn types(words: &[String]) -> Vec<String> {
    let Some(c) = connect(words).await else {
        return Vec::new();
    };
    let Ok(api) = discovery::discover(&c.client, CONCURRENCY).await else {
        return Vec::new();
    };
    let mut out: Vec<String> = api
        .types
        .iter()
        .filter(|t| t.can("list"))
        .map(|t| format!("{}/", t.qualified_resource()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The objects of type `spec` that carry finalizers (`-l` honoured), as `{prefix}NAME` with
/// `terminating` or `live` as the description, terminating ones first.
/// Namespaces are read in full: their `spec.finalizers` are not metadata.
async fn objects(words: &[String], spec: &str, prefix: &str) -> Vec<String> {
    let Some(c) = connect(words).await else {
        return Vec::new();
    };
    let Ok(api) = discovery::discover(&c.client, CONCURRENCY).await else {
        return Vec::new();
    };
    let Ok(ty) = crate::cluster::resolve::resolve_type(&api.types, spec) else {
        return Vec::new();
    };
    let selection = Selection {
        namespace: flag_value(words, &["-n", "--namespace"]),
        ..Default::default()
    };
    let namespace = selection.target_namespace(&c.default_namespace).to_string();
    let selector = flag_value(words, &["-l", "--selector"]);
    let found = carrying_finalizers(&c, ty, &namespace, selector.as_deref()).await;
    let mut named: Vec<(bool, String)> = found
        .into_iter()
        .map(|o| (!o.is_terminating(), o.name))
        .collect();
    named.sort();
    named.dedup();
    named
        .into_iter()
        .map(|(live, name)| {
            let state = if live { "live" } else { "terminating" };
            format!("{prefix}{name}\t{state}")
        })
        .collect()
}

/// The objects of `ty` (in `namespace` when it is namespaced) that scan's rule
/// selects with live objects included: the ones worth naming to `clear`/`explain`.
async fn carrying_finalizers(
    c: &Cluster,
    ty: &ApiType,
    namespace: &str,
    selector: Option<&str>,
) -> Vec<StuckObject> {
    let filter = Filter {
        include_live: true,
        ..Default::default()
    };
    let now = jiff::Timestamp::now();
    let mut found = Vec::new();
    // An unreadable list leaves whatever pages arrived before it failed.
    let _ = if ty.is_namespace() {
        list::namespace_pages(&c.client, None, selector, CHUNK, |page| {
            found.extend(
                page.into_iter()
                    .filter_map(|ns| scan::select_namespace(ty, ns, &filter, now)),
            );
        })
        .await
    } else {
        list::metadata_pages(&c.client, ty, Some(namespace), selector, CHUNK, |page| {
            found.extend(
                page.into_iter()
                    .filter_map(|m| scan::select(ty, m, Vec::new(), Vec::new(), &filter, now)),
            );
        })
        .await
    };
    found
}

/// The distinct finalizers objects carry (in `-n`'s namespace if given, else
/// the whole cluster; `-l` honoured), those holding a terminating object first,
/// each described by how many terminating and live objects carry it.
async fn finalizers(words: &[String]) -> Vec<String> {
    let Some(c) = connect(words).await else {
        return Vec::new();
    };
    let selection = Selection {
        namespace: flag_value(words, &["-n", "--namespace"]),
        selector: flag_value(words, &["-l", "--selector"]),
        include_live: true,
        concurrency: CONCURRENCY,
        chunk_size: CHUNK,
        ..Default::default()
    };
    let Ok(report) = scan::scan(&c, &selection, &NoProgress).await else {
        return Vec::new();
    };
    finalizer_candidates(&report.items)
}

fn finalizer_candidates(items: &[StuckObject]) -> Vec<String> {
    // finalizer -> (terminating objects, live objects)
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for o in items {
        let distinct: BTreeSet<&str> = o.all_finalizers().map(String::as_str).collect();
        for f in distinct {
            let (terminating, live) = counts.entry(f).or_default();
            if o.is_terminating() {
                *terminating += 1;
            } else {
                *live += 1;
            }
        }
    }
    let mut ordered: Vec<(&str, usize, usize)> =
        counts.into_iter().map(|(f, (t, l))| (f, t, l)).collect();
    ordered.sort_by_key(|&(f, t, _)| (t == 0, f));
    ordered
        .into_iter()
        .map(|(f, t, l)| {
            let description = match (t, l) {
                (0, l) => format!("{l} live"),
                (t, 0) => format!("{t} terminating"),
                (t, l) => format!("{t} terminating, {l} live"),
            };
            format!("{f}\t{description}")
        })
        .collect()
}

/// The words already typed after the subcommand, read as clap would: which flag
/// awaits a value, and the positional arguments so far.
#[derive(Debug, Default, PartialEq)]
struct Typed {
    /// The flag whose value is being completed (`-n <TAB>`, `--namespace=<TAB>`).
    flag: Option<String>,
    /// The part of the value typed so far.
    partial: String,
    /// Positional arguments before the one being completed.
    positionals: Vec<String>,
    /// The subcommand, if one was typed.
    sub: Option<String>,
}

/// Flags that take their value from the next word, of the plugin and of every
/// subcommand (`-n` typed before the subcommand still means a namespace).
fn value_flags(cmd: &clap::Command) -> BTreeSet<String> {
    cmd.get_arguments()
        .chain(cmd.get_subcommands().flat_map(|s| s.get_arguments()))
        .filter(|a| a.get_action().takes_values() && !a.is_positional())
        .filter(|a| !a.is_require_equals_set())
        .flat_map(|a| {
            let long = a.get_long().map(|l| format!("--{l}"));
            let short = a.get_short().map(|s| format!("-{s}"));
            long.into_iter().chain(short)
        })
        .collect()
}

fn read_words(words: &[String]) -> Typed {
    let cmd = Cli::command();
    let partial = words.last().cloned().unwrap_or_default();
    let before = &words[..words.len().saturating_sub(1)];
    let mut typed = Typed::default();
    let takes_value = value_flags(&cmd);
    let mut awaiting: Option<&str> = None;
    let mut dashdash = false;
    for w in before {
        if awaiting.take().is_some() {
            continue;
        }
        if !dashdash && w == "--" {
            dashdash = true;
        } else if !dashdash && w.starts_with('-') && w.len() > 1 {
            if !w.contains('=') && takes_value.contains(w.as_str()) {
                awaiting = Some(w);
            }
        } else if typed.sub.is_none() {
            if cmd.get_subcommands().any(|s| s.get_name() == w) {
                typed.sub = Some(w.clone());
            } else {
                typed.positionals.push(w.clone());
            }
        } else {
            typed.positionals.push(w.clone());
        }
    }
    match (awaiting, partial.split_once('=')) {
        (Some(flag), _) => {
            typed.flag = Some(flag.to_string());
            typed.partial = partial;
        }
        (None, Some((flag, value))) if flag.starts_with('-') && !dashdash => {
            typed.flag = Some(flag.to_string());
            typed.partial = value.to_string();
        }
        _ => typed.partial = partial,
    }
    typed
}

/// Every flag of the subcommand (or of the plugin), with its help.
fn flags(sub: Option<&str>) -> Vec<String> {
    let cmd = Cli::command();
    let target = sub.and_then(|s| cmd.find_subcommand(s)).unwrap_or(&cmd);
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
    flags
}

/// `TYPE/NAME` arguments of `explain` and `clear`: types, then the names of a
/// type's objects carrying finalizers (after `TYPE/`, or as `TYPE NAME…`).
async fn targets(words: &[String], typed: &Typed) -> (Vec<String>, u8) {
    if let Some((ty, _)) = typed.partial.split_once('/') {
        return (objects(words, ty, &format!("{ty}/")).await, NO_FILES);
    }
    match typed.positionals.first() {
        Some(ty) if !ty.contains('/') => (objects(words, ty, "").await, NO_FILES),
        // `TYPE/` is followed by a name: no space after it.
        _ => (types(words).await, NO_FILES | NO_SPACE),
    }
}

/// Candidates for the last word of `words` (the words after `kubectl finalizers`).
pub async fn candidates(words: &[String]) -> (Vec<String>, u8) {
    let typed = read_words(words);
    let sub = typed.sub.as_deref();
    let (list, directive): (Vec<String>, u8) = match typed.flag.as_deref() {
        Some("-n" | "--namespace") => (namespaces(words).await, NO_FILES),
        Some("--context") => (contexts(words), NO_FILES),
        Some("--finalizer") => (finalizers(words).await, NO_FILES),
        Some("-o" | "--output") => {
            let formats = if sub == Some("scan") {
                vec!["table", "wide", "json", "yaml", "name"]
            } else {
                vec!["text", "json", "yaml"]
            };
            (formats.into_iter().map(String::from).collect(), NO_FILES)
        }
        Some("--color") => (
            ["auto", "always", "never"].map(String::from).to_vec(),
            NO_FILES,
        ),
        Some("--dry-run") => (
            ["none", "server", "client"].map(String::from).to_vec(),
            NO_FILES,
        ),
        Some(
            "-f"
            | "--filename"
            | "--kubeconfig"
            | "--catalog"
            | "--backup-dir"
            | "--audit-log"
            | "--certificate-authority"
            | "--client-certificate"
            | "--client-key",
        ) => (Vec::new(), FILES),
        // Any other value (a selector, a duration, a number) is the user's to type.
        Some(_) => (Vec::new(), NO_FILES),
        None if typed.partial.starts_with('-') => (flags(sub), NO_FILES),
        None => match sub {
            None => (
                Cli::command()
                    .get_subcommands()
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
            Some("explain" | "clear") => targets(words, &typed).await,
            Some("completion") if typed.positionals.is_empty() => (
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
        .filter(|c| c.starts_with(&typed.partial))
        .collect();
    (matching, directive)
}

/// The answer to `__complete WORDS…`: candidates, then the directive. Anything
/// not done within [`BUDGET`] is dropped.
pub async fn run(words: &[String]) -> String {
    let (list, directive) = tokio::time::timeout(BUDGET, candidates(words))
        .await
        .unwrap_or((Vec::new(), NO_FILES));
    let mut out: String = list.iter().map(|c| format!("{c}\n")).collect();
    out.push_str(&format!(":{directive}\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(words: &[&str]) -> Typed {
        read_words(&words.iter().map(|w| w.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn reads_the_flag_being_completed() {
        let t = typed(&["scan", "--finalizer", "sys"]);
        assert_eq!(t.flag.as_deref(), Some("--finalizer"));
        assert_eq!(t.partial, "sys");
        let t = typed(&["clear", "--finalizer=sys"]);
        assert_eq!(t.flag.as_deref(), Some("--finalizer"));
        assert_eq!(t.partial, "sys");
        let t = typed(&["-n", ""]);
        assert_eq!(t.flag.as_deref(), Some("-n"));
        // A boolean flag takes no value: what follows is an argument.
        let t = typed(&["clear", "--yes", "ns/"]);
        assert_eq!((t.flag, t.partial.as_str()), (None, "ns/"));
        // --dry-run's value must be attached.
        let t = typed(&["clear", "--dry-run", ""]);
        assert_eq!(t.flag, None);
        assert_eq!(
            typed(&["clear", "--dry-run="]).flag.as_deref(),
            Some("--dry-run")
        );
    }

    #[test]
    fn reads_positionals_past_flag_values() {
        let t = typed(&["clear", "-n", "logging", "namespace", "lo"]);
        assert_eq!(t.sub.as_deref(), Some("clear"));
        assert_eq!(t.positionals, ["namespace"]);
        assert_eq!(t.partial, "lo");
        let t = typed(&["--context", "prod", "explain", "--finalizer", "a", ""]);
        assert_eq!(t.sub.as_deref(), Some("explain"));
        assert!(t.positionals.is_empty());
        // A flag value that is also a subcommand's name is a value.
        let t = typed(&["--context", "clear", "explain", "x"]);
        assert_eq!(t.sub.as_deref(), Some("explain"));
    }

    fn object(finalizers: &[&str], spec: &[&str], terminating: bool) -> StuckObject {
        serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "Thing", "group": "", "resource": "things",
            "name": "x", "uid": "u",
            "deletionTimestamp": terminating.then_some("2024-01-01T00:00:00Z"),
            "finalizers": finalizers,
            "specFinalizers": spec,
        }))
        .unwrap()
    }

    #[test]
    fn finalizers_holding_terminating_objects_come_first() {
        let items = [
            object(&["a.io/live"], &[], false),
            object(&["z.io/stuck", "a.io/live"], &[], true),
            object(&["z.io/stuck", "z.io/stuck"], &[], true),
            object(&[], &["kubernetes"], true),
            object(&["b.io/only-live"], &[], false),
        ];
        assert_eq!(
            finalizer_candidates(&items),
            [
                "a.io/live\t1 terminating, 1 live",
                "kubernetes\t1 terminating",
                "z.io/stuck\t2 terminating",
                "b.io/only-live\t1 live",
            ]
        );
    }
}
