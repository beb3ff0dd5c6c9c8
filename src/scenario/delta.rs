//! The changed-block model: how many bytes of a disk differ after a VM has
//! written some (rewrites of hot blocks count once), for reprotect deltas,
//! resyncs and the data a failover loses.

use super::Vm;

/// The size of a reprotect delta: the blocks that differ between the copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeltaModel {
    /// Writes land on a working set `W` of the disk, uniformly: after `w` bytes
    /// written, `W (1 - exp(-w / W))` distinct bytes have changed (hot blocks
    /// rewritten count once).
    ChangedBlocks,
    /// Every byte written is a changed byte (capped at the disk): the
    /// pessimistic bound, drsim's behaviour before the changed-block model.
    BytesWritten,
}

impl DeltaModel {
    pub const NAMES: [&'static str; 2] = ["changed-blocks", "bytes-written"];

    pub fn from_name(name: &str) -> Option<DeltaModel> {
        match name {
            "changed-blocks" => Some(DeltaModel::ChangedBlocks),
            "bytes-written" => Some(DeltaModel::BytesWritten),
            _ => None,
        }
    }

    /// Changed bytes after `written` bytes on a disk of `disk` bytes whose
    /// writes land on `working_set` bytes of it.
    pub fn changed(self, written: f64, working_set: f64, disk: f64) -> f64 {
        let written = written.max(0.0);
        match self {
            DeltaModel::ChangedBlocks if working_set > 0.0 => {
                (working_set * -(-written / working_set).exp_m1()).min(disk)
            }
            _ => written.min(disk),
        }
    }
}

impl Vm {
    /// The blocks `written` bytes of this VM's writes change: rewrites of hot
    /// blocks count once (the working-set model, `W (1 - exp(-w / W))`,
    /// never more than the disk or than the bytes written). What a resync
    /// moves, and what a failover to an older point loses.
    pub fn changed_by(&self, written: f64) -> f64 {
        DeltaModel::ChangedBlocks
            .changed(written, self.working_set_bytes, self.disk_bytes)
            .min(written.max(0.0))
    }
}
