//! SIGINT and SIGTERM during a simulation.
//!
//! The handler only records the signal; the run looks at it between
//! replications (at most one parallel chunk later, under a second for the
//! reference scenario), drops its staged outputs, which removes every
//! temporary file, says what happened and exits 130 (SIGINT) or 143
//! (SIGTERM), as a shell reports a process killed by them. A second signal
//! while the first is being handled ends the process at once with the same
//! status (temporaries may then remain; they carry the pid in their name).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::flag;

use super::shared::CliError;
use crate::study::{Stop, StudyError, Watch};

/// The last signal received, 0 for none.
static RECEIVED: AtomicUsize = AtomicUsize::new(0);
/// Set by the first signal: a second one exits at once.
static STOPPING: AtomicBool = AtomicBool::new(false);

/// Installs the handlers (once per process; later calls do nothing).
pub(crate) fn install() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    for signal in [SIGINT, SIGTERM] {
        // Order matters: the shutdown is checked before the first signal arms it.
        let registered = flag::register_conditional_shutdown(signal, 128 + signal, &STOPPING)
            .and_then(|_| flag::register_usize(signal, &RECEIVED, signal as usize))
            .and_then(|_| flag::register(signal, &STOPPING));
        if let Err(e) = registered {
            // Without the handler the signal keeps its default action: the
            // process ends, and only the temporaries' cleanup is lost.
            eprintln!("warning: cannot handle signal {signal}: {e}");
        }
    }
}

/// The signal received, if one was.
pub(crate) fn received() -> Option<Stop> {
    let signal = RECEIVED.load(Ordering::SeqCst);
    if signal == 0 {
        return None;
    }
    let (name, code) = match signal as i32 {
        SIGINT => ("SIGINT", 130),
        SIGTERM => ("SIGTERM", 143),
        _ => ("a signal", 128 + signal as u8),
    };
    Some(Stop { signal: name, code })
}

/// A study's watch on the terminal: a progress bar on stderr (hidden when
/// quiet or not a terminal) and the signals received.
#[derive(Debug)]
pub(crate) struct Terminal {
    pub bar: indicatif::ProgressBar,
}

impl Terminal {
    pub fn new(quiet: bool) -> Terminal {
        Terminal {
            bar: crate::report::progress::progress_bar(0, quiet),
        }
    }

    /// A study's failure as the command's, with `what` saying what stopped
    /// (for an interruption); the bar is cleared either way.
    pub fn failed(&self, e: StudyError, what: impl FnOnce() -> String) -> CliError {
        self.bar.finish_and_clear();
        match e {
            StudyError::Scenario(e) => CliError::Scenario(e),
            StudyError::MonteCarlo(e) => CliError::MonteCarlo(e),
            StudyError::Stopped(stop) => CliError::Interrupted {
                signal: stop.signal,
                code: stop.code,
                context: what(),
            },
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

impl Watch for Terminal {
    fn grow(&self, replications: u64) {
        self.bar.inc_length(replications);
    }

    fn advance(&self) {
        self.bar.inc(1);
    }

    fn label(&self, text: &str) {
        self.bar.set_message(text.to_string());
    }

    fn stop(&self) -> Option<Stop> {
        received()
    }
}
