//! Everything that leaves the program: CSV files, the terminal table, the
//! scenario description and the narrated trace.
//!
//! Renderers turn results into bytes or text and touch nothing else, so they are
//! tested without files. Files are written only through [`output`]: under a
//! temporary name in the target directory, renamed into place once complete
//! (a run's files together, in an [`OutputSet`]), so a reader never sees a
//! half-written file and a failed or interrupted run leaves old results intact.

pub mod capacity;
pub mod chart;
pub mod compare;
pub mod csv;
pub mod describe;
pub mod diff;
pub mod html;
pub mod json;
pub mod lesson;
pub mod manifest;
pub mod output;
pub mod progress;
pub mod run;
pub mod size;
pub mod sweep;
pub mod table;
pub mod trace;
pub mod year;

pub use output::{
    AtomicFile, OutputSet, Written, remove_stale_temporaries, sha256_hex, write_atomically,
};
