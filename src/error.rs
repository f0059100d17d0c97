//! Exit codes and the errors callers branch on. Nothing here prints.

use std::process::ExitCode;

/// How the process ends; the numbers are documented in `--help` and README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Declined at the prompt; nothing changed.
    Declined,
    /// Some resource types could not be read.
    Incomplete,
    /// `--exit-code` and something stuck was found.
    Found,
    /// Some writes failed; each was reported.
    Failed,
    /// Stopped by a signal (exit 128 + its number: 130 for Ctrl-C, 143 for
    /// SIGTERM, 129 for SIGHUP); what was and was not done was reported.
    Interrupted(u8),
}

pub const EXIT_FAILURE: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> ExitCode {
        ExitCode::from(match o {
            Outcome::Done => 0,
            Outcome::Declined => 3,
            Outcome::Incomplete => 4,
            Outcome::Found => 5,
            Outcome::Failed => 1,
            Outcome::Interrupted(code) => code,
        })
    }
}

/// Errors that end the run with a specific exit code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line asks for something impossible (exit 2).
    #[error("{0}")]
    Usage(String),
    /// stdout was closed before what must be shown was shown (exit 1).
    #[error("{0}")]
    OutputClosed(String),
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => EXIT_USAGE,
            Error::OutputClosed(_) => EXIT_FAILURE,
        }
    }
}
