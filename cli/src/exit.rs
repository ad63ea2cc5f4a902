//! Exit codes a script can act on, and errors printed on stderr.

use std::process::ExitCode;

use user_provisioner::Error;

/// What the process exits with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done.
    Success = 0,
    /// Anything not below (a provider's 5xx, a network failure, a bad configuration).
    Other = 1,
    /// The command line itself was wrong (clap uses 2 too).
    Usage = 2,
    /// The input was refused before anything was sent.
    InvalidInput = 3,
    /// The user (or the resource) does not exist.
    NotFound = 4,
    /// The name or email is taken, or the change conflicts.
    Conflict = 5,
    /// A create's outcome is unknown: look the user up before trying again.
    OutcomeUnknown = 6,
}

impl Exit {
    /// The exit code for a library error.
    pub fn of(error: &Error) -> Self {
        match error {
            Error::InvalidInput { .. } | Error::Unsupported { .. } | Error::Refused { .. } => {
                Exit::InvalidInput
            }
            Error::NotFound(_) => Exit::NotFound,
            Error::Conflict(_) | Error::IdempotencyKeyReused(_) => Exit::Conflict,
            error if error.is_outcome_unknown() => Exit::OutcomeUnknown,
            _ => Exit::Other,
        }
    }

    /// As a process exit code.
    pub fn code(self) -> ExitCode {
        ExitCode::from(self as u8)
    }
}

/// An error to print on stderr, with the exit code it ends the process with.
#[derive(Debug)]
pub struct CliError {
    pub exit: Exit,
    pub message: String,
}

impl CliError {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }

    pub fn other(message: impl Into<String>) -> Self {
        Self::new(Exit::Other, message)
    }

    /// Prints the message on stderr and returns the exit code.
    pub fn report(self) -> ExitCode {
        eprintln!("error: {}", self.message);
        self.exit.code()
    }
}

impl From<Error> for CliError {
    fn from(error: Error) -> Self {
        // The crate's errors carry no credential.
        Self::new(Exit::of(&error), error.to_string())
    }
}
