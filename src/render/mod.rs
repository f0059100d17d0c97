//! Every byte on stdout, and the progress, warnings and prompts on stderr.
//! Decides colour and terminal behaviour once; makes no API calls.

pub mod clear;
pub mod diff;
pub mod explain;
pub mod patrol;
pub mod preflight;
pub mod scan;
pub mod table;
pub mod yaml;

use crate::cli::ColorChoice;
use crate::model::Problem;
use std::io::{IsTerminal, Write};

/// Terminal facts, decided once per run.
#[derive(Debug, Clone, Copy)]
pub struct Styling {
    pub color: bool,
    pub stderr_tty: bool,
    pub stdin_tty: bool,
}

impl Styling {
    /// Colour on stdout only when it is a terminal, `NO_COLOR` is unset or empty
    /// and `TERM` is not `dumb` — unless `--color` says otherwise.
    pub fn detect(choice: ColorChoice) -> Styling {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => std::io::stdout().is_terminal() && !no_color && !dumb,
        };
        Styling {
            color,
            stderr_tty: std::io::stderr().is_terminal() && !dumb,
            stdin_tty: std::io::stdin().is_terminal(),
        }
    }
}

/// A progress bar on stderr when it is a terminal; hidden otherwise.
pub fn progress(styling: &Styling, what: &str) -> indicatif::ProgressBar {
    if !styling.stderr_tty {
        return indicatif::ProgressBar::hidden();
    }
    let bar =
        indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::stderr());
    let template = format!("{{spinner}} {what} {{pos}}/{{len}} {{wide_bar}} {{elapsed}}");
    if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

impl crate::model::Progress for indicatif::ProgressBar {
    fn set_length(&self, steps: u64) {
        indicatif::ProgressBar::set_length(self, steps);
    }

    fn advance(&self) {
        self.inc(1);
    }
}

/// The largest `-f` document read: far above any real scan, far below what would
/// exhaust memory (a stream that never ends is refused, not read forever).
pub const MAX_DOCUMENT: u64 = 512 * 1024 * 1024;

/// Reads a `-f` document (`-` for stdin), at most [`MAX_DOCUMENT`] bytes.
pub fn read_document(path: &std::path::Path) -> anyhow::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    let read = if path == std::path::Path::new("-") {
        std::io::stdin()
            .take(MAX_DOCUMENT + 1)
            .read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_DOCUMENT + 1).read_to_string(&mut text))
    };
    read.map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
    if text.len() as u64 > MAX_DOCUMENT {
        return Err(crate::error::Error::Usage(format!(
            "{} is larger than {} MiB: not a scan or explain document",
            path.display(),
            MAX_DOCUMENT / 1024 / 1024
        ))
        .into());
    }
    Ok(text)
}

/// Writes the result to stdout (the only thing that goes there).
pub fn emit(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Warnings about what could not be read, grouped per API group, on stderr.
pub fn warn_problems(problems: &[Problem]) {
    use std::collections::BTreeMap;
    type Cause = (Option<String>, String, Option<u16>, String);
    let mut by_cause: BTreeMap<Cause, (Vec<String>, String)> = BTreeMap::new();
    for p in problems {
        // A fleet scan's cluster that could not be scanned at all.
        if let Some(context) = p
            .context
            .as_ref()
            .filter(|c| p.scope == format!("context {c}"))
        {
            crate::say!(
                "warning: context {context}: not scanned ({}): {}",
                p.reason,
                p.message
            );
            continue;
        }
        // `resource.group` (list failures) or `group/version` (discovery failures).
        let (group, what) = match p.scope.split_once('/') {
            Some((g, _)) => (g.to_string(), p.scope.clone()),
            None => match p.scope.split_once('.') {
                Some((r, g)) => (g.to_string(), r.to_string()),
                None => ("core".to_string(), p.scope.clone()),
            },
        };
        let entry = by_cause
            .entry((p.context.clone(), group, p.code, p.reason.clone()))
            .or_insert_with(|| (Vec::new(), p.message.clone()));
        entry.0.push(what);
    }
    for ((context, group, code, reason), (what, message)) in &by_cause {
        let code = code.map(|c| format!("{c} ")).unwrap_or_default();
        let context = context
            .as_ref()
            .map(|c| format!("context {c}: "))
            .unwrap_or_default();
        crate::say!(
            "warning: {context}{group}: could not read {} ({code}{reason}): {message}",
            what.join(", ")
        );
    }
}
