//! The generic discrete-event core: simulation time and a deterministic event queue.
//!
//! The engine knows nothing about disaster recovery. It stores typed events (any
//! `E`, usually a small `Copy` enum) and hands them back in `(time, insertion
//! sequence)` order, so simultaneous events come out first-in first-out and a run
//! is a pure function of what was scheduled. The DR logic lives in [`crate::cycle`].

mod event_queue;
mod time;

pub use event_queue::EventQueue;
pub use time::{SimDuration, SimTime};
