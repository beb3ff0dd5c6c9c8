//! Results on disk that processes share or come back to: a run's results
//! directory written as its replications are simulated, and its manifest
//! ([`run_results`], [`results_dir`]); the files a run's or a sweep's shards
//! leave for `drsim merge`; the directory the shards of a sizing share
//! (claimed slices, published counts, the answer); a sweep's and a
//! comparison's files and manifest ([`study_files`]). The formats and the
//! checks that files belong together live here; the commands decide what to
//! run and render what they find.
//!
//! Like [`crate::report`], this is an edge of the program: it reads and
//! writes files (always whole, through [`crate::report::AtomicFile`]), and
//! nothing before it in the pipeline does.

pub mod results_dir;
pub mod run_results;
pub mod run_shards;
pub mod shards;
pub mod size_search;
pub mod study_files;
pub mod sweep_shards;
pub mod verify;

use std::path::{Path, PathBuf};

use crate::study::{Stop, StudyError};

/// Why a stored study could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Writing (or reading back) failed: exit code 1.
    #[error("cannot write {}: {source}", path.display())]
    Output {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A directory (or file in it) that cannot be used as asked; `flag`
    /// names the command-line flag that pointed at it (exit code 2).
    #[error("{flag}: {message}")]
    Refused { flag: &'static str, message: String },
    /// A scenario a manifest names cannot be read again.
    #[error(transparent)]
    Scenario(#[from] crate::scenario::ScenarioError),
    /// Files are not what a manifest says, or shards do not belong
    /// together after all (exit code 1).
    #[error("{0}")]
    Mismatch(String),
    /// Shards that do not make one whole (exit code 2, nothing written).
    #[error("cannot merge: {0}")]
    Merge(String),
    /// A chart could not be drawn: nothing of the run is written.
    #[error(transparent)]
    Chart(#[from] crate::report::chart::ChartError),
    #[error(transparent)]
    MonteCarlo(#[from] crate::montecarlo::MonteCarloError),
    /// A signal arrived (while running, or waiting on other processes);
    /// `context` says what was under way.
    #[error("interrupted by {}: {context}", stop.signal)]
    Stopped { stop: Stop, context: String },
}

impl StoreError {
    pub(crate) fn output(
        path: &Path,
        e: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        StoreError::Output {
            path: path.to_path_buf(),
            source: e.into(),
        }
    }

    /// A stop, said with what was under way (`context`); other errors as
    /// they are.
    pub(crate) fn stopped_while(self, context: impl FnOnce() -> String) -> Self {
        match self {
            StoreError::Stopped { stop, .. } => StoreError::Stopped {
                stop,
                context: context(),
            },
            other => other,
        }
    }

    pub(crate) fn refused(flag: &'static str, message: String) -> Self {
        StoreError::Refused { flag, message }
    }
}

impl From<StudyError> for StoreError {
    fn from(e: StudyError) -> StoreError {
        match e {
            StudyError::Scenario(e) => StoreError::Scenario(e),
            StudyError::MonteCarlo(e) => StoreError::MonteCarlo(e),
            StudyError::Stopped(stop) => StoreError::Stopped {
                stop,
                context: String::new(),
            },
        }
    }
}
