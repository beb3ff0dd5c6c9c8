//! drsim's integration tests: one binary, one module per behaviour.

mod architecture;
mod attribution;
mod charts;
mod closed_form;
mod compare;
mod determinism;
mod fixed_arithmetic;
mod golden;
mod init;
mod invalid_input;
mod memory;
mod outputs;
mod overrides;
mod properties;
mod recovery_physics;
mod replication_physics;
mod scenarios;
mod sensitivity;
mod shards;
mod size;
mod stage_bytes;
mod study_provenance;
mod support;
mod sweep;
mod trace_agreement;
mod verdicts;
