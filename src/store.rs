//! Results on disk that processes share or come back to: a run's results
//! directory and its manifest, the files a run's or a sweep's shards leave
//! for `drsim merge`, and the directory the shards of a sizing share
//! (claimed slices, published counts, the answer). The formats
//! and the checks that files belong together live here; the commands decide
//! what to run and render what they find.
//!
//! Like [`crate::report`], this is an edge of the program: it reads and
//! writes files (always whole, through [`crate::report::AtomicFile`]), and
//! nothing before it in the pipeline does.

pub mod results_dir;
pub mod run_shards;
pub mod size_search;
pub mod sweep_shards;

use std::path::{Path, PathBuf};

use crate::study::Stop;

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
    /// A signal arrived while waiting on other processes; `context` says
    /// what was under way.
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

    pub(crate) fn refused(flag: &'static str, message: String) -> Self {
        StoreError::Refused { flag, message }
    }
}
