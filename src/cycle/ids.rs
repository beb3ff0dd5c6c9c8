//! The identities a replication's events carry: which VM, link, fault,
//! group or step an event is about, each its own type so that one cannot
//! be passed for another (`HealthCheck(link, vm, epoch)` cannot take its
//! two ids the wrong way round). Each is an index into the scenario's list
//! of that kind, in file order (a VM of `count = N` expands to N).
//!
//! They are 32-bit: validation bounds every list far below 2^32 (VMs at
//! `MAX_DRAWN_VMS`, 2^22), and smaller events make the queue faster.

macro_rules! id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u32);

        impl $name {
            /// The id of the `index`-th (0-based) in the scenario's list.
            pub fn new(index: usize) -> Self {
                $name(u32::try_from(index).expect(concat!("validation bounds the ", $what, " far below 2^32")))
            }

            /// Its position in the scenario's list.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id!(
    /// A protected VM (`Scenario::vms`).
    VmId,
    "VMs"
);
id!(
    /// A replication link (`Scenario::links`).
    LinkId,
    "links"
);
id!(
    /// A link fault (`Scenario::faults`).
    FaultId,
    "faults"
);
id!(
    /// A recovery plan (`Scenario::plans`).
    PlanId,
    "plans"
);
id!(
    /// A recovery-plan group (`Scenario::groups`).
    GroupId,
    "groups"
);
id!(
    /// A step among a group's pre- or post-steps.
    StepId,
    "steps"
);
