//! Shell completion: `completion SHELL` prints a script generated from the CLI
//! definition; the hidden `__complete` answers kubectl's plugin completion
//! (kubectl ≥ 1.26 runs `kubectl_complete-finalizers`) in cobra's format: one
//! candidate a line (a tab, then a description, may follow), then `:<directive>`.
//!
//! Completion never fails: whatever cannot be read within [`BUDGET`] (no
//! kubeconfig, an unreachable or slow cluster, a forbidden list) yields no
//! candidates, and the shell still gets its directive.

use crate::cli::{self, Cli};
use crate::cluster::{discovery, list, ApiType, Cluster};
use crate::model::{NoProgress, StuckObject};
use crate::scan::{self, Filter};
use crate::settings::{Connection, FinalizerFilter, Selection};
use clap::{Args, CommandFactory, FromArgMatches, ValueHint};
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

/// scan's defaults, for a line whose flags could not be read.
const CONCURRENCY: usize = 8;
const CHUNK: u32 = 500;

pub fn script(shell: clap_complete::Shell) -> String {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "kubectl-finalizers", &mut out);
    String::from_utf8(out).expect("completion scripts are UTF-8")
}

/// The CLI definition, built so that global flags, value hints and possible
/// values can be looked at from every subcommand.
fn definition() -> clap::Command {
    let mut cmd = Cli::command();
    cmd.build();
    cmd
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

/// Whether `sub` takes the selection flags (reading them from a subcommand
/// that does not would be a definition mismatch).
fn selects(sub: &clap::Command) -> bool {
    let selection = cli::Selection::augment_args(clap::Command::new("selection"));
    let all = selection
        .get_arguments()
        .all(|a| sub.get_arguments().any(|b| b.get_id() == a.get_id()));
    all
}

/// What the words already typed ask for, read as the commands read them
/// (kubectl's connection flags, -n, -l, --ignore-…): clap parses the unfinished
/// line leniently. Where a value does not parse, the few flags that matter most
/// are read by hand.
struct Typed {
    connection: Connection,
    /// The objects to offer: the typed selection with every finalizer, live
    /// objects included.
    selection: Selection,
}

impl Typed {
    fn read(before: &[String]) -> Typed {
        let argv = std::iter::once("kubectl-finalizers").chain(before.iter().map(String::as_str));
        let matches = Cli::command()
            .ignore_errors(true)
            .try_get_matches_from(argv)
            .ok();
        let mut connection = matches
            .as_ref()
            .and_then(|m| cli::KubeFlags::from_arg_matches(m).ok())
            .map(|k| Connection::from(&k))
            .unwrap_or_else(|| Connection {
                kubeconfig: flag_value(before, &["--kubeconfig"]).map(Into::into),
                context: flag_value(before, &["--context"]),
                ..Default::default()
            });
        connection.request_timeout = BUDGET;
        let cmd = Cli::command();
        let mut selection = matches
            .as_ref()
            .and_then(|m| m.subcommand())
            .filter(|(name, _)| cmd.find_subcommand(name).is_some_and(selects))
            .and_then(|(_, m)| cli::Selection::from_arg_matches(m).ok())
            .map(|s| Selection::from(&s))
            .unwrap_or_else(|| Selection {
                namespace: flag_value(before, &["-n", "--namespace"]),
                selector: flag_value(before, &["-l", "--selector"]),
                concurrency: CONCURRENCY,
                chunk_size: CHUNK,
                ..Default::default()
            });
        selection.finalizers = FinalizerFilter::default();
        selection.older_than = None;
        selection.include_live = true;
        Typed {
            connection,
            selection,
        }
    }

    async fn connect(&self) -> Option<Cluster> {
        Cluster::connect(&self.connection).await.ok()
    }
}

fn contexts(typed: &Typed) -> Vec<String> {
    let kc = match &typed.connection.kubeconfig {
        Some(p) => kube::config::Kubeconfig::read_from(p).ok(),
        None => kube::config::Kubeconfig::read().ok(),
    };
    kc.map(|k| k.contexts.into_iter().map(|c| c.name).collect())
        .unwrap_or_default()
}

async fn namespaces(typed: &Typed) -> Vec<String> {
    let Some(c) = typed.connect().await else {
        return Vec::new();
    };
    list::all_metadata::<k8s_openapi::api::core::v1::Namespace>(&c.client)
        .await
        .map(|items| items.into_iter().filter_map(|m| m.name).collect())
        .unwrap_or_default()
}

/// Every listable resource type, as `TYPE/` (the user goes on with a name).
async fn types(typed: &Typed) -> Vec<String> {
    let Some(c) = typed.connect().await else {
        return Vec::new();
    };
    let Ok(api) = discovery::discover(&c.client, typed.selection.concurrency).await else {
        return Vec::new();
    };
    let mut out: Vec<String> = api
        .types
        .iter()
        .filter(|t| t.can("list") && !typed.selection.ignores(t))
        .map(|t| format!("{}/", t.qualified_resource()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The objects of type `spec` that carry finalizers (`-l` honoured), as
/// `{prefix}NAME` with `terminating` or `live` as the description, terminating
/// ones first. Namespaces are read in full: their `spec.finalizers` are not metadata.
async fn objects(typed: &Typed, spec: &str, prefix: &str) -> Vec<String> {
    let Some(c) = typed.connect().await else {
        return Vec::new();
    };
    let Ok(api) = discovery::discover(&c.client, typed.selection.concurrency).await else {
        return Vec::new();
    };
    let Ok(ty) = crate::cluster::resolve::resolve_type(&api.types, spec) else {
        return Vec::new();
    };
    let found = carrying_finalizers(&c, ty, &typed.selection).await;
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

/// The objects of `ty` (in the namespace of `TYPE/NAME` arguments when it is
/// namespaced) that scan's rule selects, live objects included: the ones worth
/// naming to `clear` and `explain`.
async fn carrying_finalizers(c: &Cluster, ty: &ApiType, selection: &Selection) -> Vec<StuckObject> {
    let filter = Filter::from(selection);
    let namespace = selection.target_namespace(&c.default_namespace);
    let selector = selection.selector.as_deref();
    let namespace = ty.namespaced.then_some(namespace);
    // An unreadable list leaves whatever pages arrived before it failed.
    let (found, _) = scan::list_type(
        &c.client,
        ty,
        namespace,
        selector,
        selection.chunk_size,
        &filter,
        jiff::Timestamp::now(),
    )
    .await;
    found
}

/// The distinct finalizers objects carry (in `-n`'s namespace if given, else
/// the whole cluster; `-l` and `--ignore-…` honoured), those holding a
/// terminating object first, each described by how many terminating and live
/// objects carry it.
async fn finalizers(typed: &Typed) -> Vec<String> {
    let Some(c) = typed.connect().await else {
        return Vec::new();
    };
    let Ok(report) = scan::scan(&c, &typed.selection, &NoProgress).await else {
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

/// The shape of the line: which flag awaits a value, the positional arguments
/// so far, the subcommand, and the word being completed.
#[derive(Debug, Default, PartialEq)]
struct Line {
    /// The flag whose value is being completed (`-n <TAB>`, `--namespace=<TAB>`).
    flag: Option<String>,
    /// The part of the word (or of the flag's value) typed so far.
    partial: String,
    /// Positional arguments before the one being completed.
    positionals: Vec<String>,
    /// The subcommand, if one was typed.
    sub: Option<String>,
}

/// The flags that take their value from the next word, of the plugin and of
/// every subcommand (`-n` typed before the subcommand still means a namespace).
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

fn read_line(cmd: &clap::Command, words: &[String]) -> Line {
    let partial = words.last().cloned().unwrap_or_default();
    let before = &words[..words.len().saturating_sub(1)];
    let mut line = Line::default();
    let takes_value = value_flags(cmd);
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
        } else if line.sub.is_none() && cmd.find_subcommand(w).is_some() {
            line.sub = Some(w.clone());
        } else {
            line.positionals.push(w.clone());
        }
    }
    match (awaiting, partial.split_once('=')) {
        (Some(flag), _) => {
            line.flag = Some(flag.to_string());
            line.partial = partial;
        }
        (None, Some((flag, value))) if flag.starts_with('-') && !dashdash => {
            line.flag = Some(flag.to_string());
            line.partial = value.to_string();
        }
        _ => line.partial = partial,
    }
    line
}

/// The definition of `flag`: the subcommand's first, then the plugin's, then
/// any subcommand's (a flag typed before its subcommand).
fn flag_arg<'a>(cmd: &'a clap::Command, sub: Option<&str>, flag: &str) -> Option<&'a clap::Arg> {
    let is = |a: &&clap::Arg| match flag.strip_prefix("--") {
        Some(long) => a.get_long() == Some(long),
        None => {
            let mut short = flag.strip_prefix('-').unwrap_or_default().chars();
            let c = short.next();
            c.is_some() && short.next().is_none() && a.get_short() == c
        }
    };
    sub.and_then(|s| cmd.find_subcommand(s))
        .into_iter()
        .chain(std::iter::once(cmd))
        .chain(cmd.get_subcommands())
        .find_map(|c| c.get_arguments().find(is))
}

/// Every flag of the subcommand (or of the plugin), with its help.
fn flags(cmd: &clap::Command, sub: Option<&str>) -> Vec<String> {
    let target = sub.and_then(|s| cmd.find_subcommand(s)).unwrap_or(cmd);
    let mut flags: Vec<String> = target
        .get_arguments()
        .filter(|a| !a.is_hide_set() && !a.is_positional())
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

/// A flag's value: what the cluster holds for the flags that name something
/// in it, the flag's possible values, files for paths, else nothing to offer.
async fn flag_values(
    cmd: &clap::Command,
    line: &Line,
    flag: &str,
    typed: &Typed,
) -> (Vec<String>, u8) {
    match flag {
        "-n" | "--namespace" => return (namespaces(typed).await, NO_FILES),
        "--context" => return (contexts(typed), NO_FILES),
        "--finalizer" => return (finalizers(typed).await, NO_FILES),
        _ => {}
    }
    let Some(arg) = flag_arg(cmd, line.sub.as_deref(), flag) else {
        return (Vec::new(), NO_FILES);
    };
    let possible: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| match v.get_help() {
            Some(help) => format!("{}\t{help}", v.get_name()),
            None => v.get_name().to_string(),
        })
        .collect();
    if !possible.is_empty() {
        return (possible, NO_FILES);
    }
    match arg.get_value_hint() {
        ValueHint::AnyPath | ValueHint::FilePath | ValueHint::DirPath => (Vec::new(), FILES),
        // A selector, a duration, a number: the user's to type.
        _ => (Vec::new(), NO_FILES),
    }
}

/// `TYPE/NAME` arguments of `explain` and `clear`: types, then the names of a
/// type's objects carrying finalizers (after `TYPE/`, or as `TYPE NAME…`).
async fn targets(line: &Line, typed: &Typed) -> (Vec<String>, u8) {
    if let Some((ty, _)) = line.partial.split_once('/') {
        return (objects(typed, ty, &format!("{ty}/")).await, NO_FILES);
    }
    match line.positionals.first() {
        Some(ty) if !ty.contains('/') => (objects(typed, ty, "").await, NO_FILES),
        // `TYPE/` is followed by a name: no space after it.
        _ => (types(typed).await, NO_FILES | NO_SPACE),
    }
}

/// Candidates for the last word of `words` (the words after `kubectl finalizers`).
pub async fn candidates(words: &[String]) -> (Vec<String>, u8) {
    let cmd = definition();
    let line = read_line(&cmd, words);
    let typed = Typed::read(&words[..words.len().saturating_sub(1)]);
    let sub = line.sub.as_deref();
    let (list, directive): (Vec<String>, u8) = match line.flag.as_deref() {
        Some(flag) => flag_values(&cmd, &line, flag, &typed).await,
        None if line.partial.starts_with('-') => (flags(&cmd, sub), NO_FILES),
        None => match sub.and_then(|s| cmd.find_subcommand(s)) {
            None => (
                cmd.get_subcommands()
                    .filter(|s| !s.is_hide_set() && s.get_name() != "help")
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
            Some(s) if matches!(s.get_name(), "explain" | "clear") => targets(&line, &typed).await,
            // Other subcommands' positionals: their possible values (shells).
            Some(s) => (
                s.get_arguments()
                    .filter(|a| a.is_positional())
                    .nth(line.positionals.len())
                    .map(|a| {
                        a.get_possible_values()
                            .iter()
                            .map(|v| v.get_name().to_string())
                            .collect()
                    })
                    .unwrap_or_default(),
                NO_FILES,
            ),
        },
    };
    let matching = list
        .into_iter()
        .filter(|c| c.starts_with(&line.partial))
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

    fn words(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    fn typed(w: &[&str]) -> Line {
        read_line(&definition(), &words(w))
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

    #[test]
    fn reads_the_settings_as_the_commands_do() {
        let t = Typed::read(&words(&[
            "--server",
            "https://10.0.0.1:6443",
            "--as-group",
            "a",
            "--as-group",
            "b",
            "clear",
            "-n",
            "logging",
            "-l",
            "app=x",
            "--finalizer",
            "a.io/f",
            "--older-than",
            "1h",
            "--ignore-group",
            "metrics.k8s.io",
        ]));
        assert_eq!(
            t.connection.overrides.server.as_deref(),
            Some("https://10.0.0.1:6443")
        );
        assert_eq!(t.connection.as_groups, ["a", "b"]);
        assert_eq!(t.connection.request_timeout, BUDGET);
        assert_eq!(t.selection.namespace.as_deref(), Some("logging"));
        assert_eq!(t.selection.selector.as_deref(), Some("app=x"));
        assert_eq!(t.selection.ignore_groups, ["metrics.k8s.io"]);
        // Every finalizer, live objects too, whatever the line filters on.
        assert!(t.selection.finalizers.is_empty());
        assert_eq!(t.selection.older_than, None);
        assert!(t.selection.include_live);

        // A value that does not parse: the essentials are read by hand.
        let t = Typed::read(&words(&[
            "--request-timeout",
            "soon",
            "--context",
            "prod",
            "scan",
            "-n",
            "shop",
        ]));
        assert_eq!(t.connection.context.as_deref(), Some("prod"));
        assert_eq!(t.selection.namespace.as_deref(), Some("shop"));
        assert_eq!(t.selection.concurrency, CONCURRENCY);
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
