//! Process edge: parse flags, run, print the error once, exit with its code.

use clap::Parser;
use kubectl_finalizers::cli::Cli;
use kubectl_finalizers::error::{Error, EXIT_FAILURE};
use std::process::ExitCode;

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

fn main() -> ExitCode {
    // kubectl's plugin completion: the words are not ours to parse as flags.
    // Arguments need not be UTF-8: clap reports such a flag value; completion
    // words are taken as they read.
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if args.get(1).map(String::as_str) == Some("__complete") {
        let out = match runtime() {
            Ok(rt) => rt.block_on(kubectl_finalizers::complete::run(&args[2..])),
            Err(_) => ":4\n".to_string(),
        };
        let _ = kubectl_finalizers::render::emit(&out);
        return ExitCode::SUCCESS;
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            kubectl_finalizers::say!("error: starting the async runtime: {e}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    match runtime.block_on(kubectl_finalizers::run(cli)) {
        Ok(outcome) => outcome.into(),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            kubectl_finalizers::say!("error: {e:#}");
            let code = e
                .downcast_ref::<Error>()
                .map_or(EXIT_FAILURE, Error::exit_code);
            ExitCode::from(code)
        }
    }
}
