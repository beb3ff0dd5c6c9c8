//! The studies drsim answers questions with, as a library: what a command
//! asks (typed inputs) and what it gets back (typed results that
//! [`crate::report`] renders). A command parses its flags, calls a study and
//! renders the result.
//!
//! - [`size`]: the value of one key at which a target is met at a percentile.

pub mod size;
