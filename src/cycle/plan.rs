//! `PlanRun`: a recovery plan executed group by group, as ASR runs it.
//!
//! Every VM first gets ready (disk preparation at failover, final sync at
//! failback), all in parallel. Group 1's VMs boot as soon as each is ready; group
//! N+1's VMs start booting only once every VM of group N has booted. The plan is
//! complete when the last VM of the last group is up.

use crate::engine::SimTime;
use crate::scenario::Group;

/// What the caller must do after telling the plan something happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanStep {
    Wait,
    /// Every VM has booted: the plan is done.
    Complete,
}

#[derive(Debug, Clone)]
pub struct PlanRun {
    current_group: usize,
    ready: Vec<bool>,
    booting: Vec<bool>,
    up_at: Vec<Option<SimTime>>,
    booted_in_current: usize,
    group_done_at: Vec<Option<SimTime>>,
}

impl PlanRun {
    pub fn new(vms: usize, groups: usize) -> Self {
        PlanRun {
            current_group: 0,
            ready: vec![false; vms],
            booting: vec![false; vms],
            up_at: vec![None; vms],
            booted_in_current: 0,
            group_done_at: vec![None; groups],
        }
    }

    /// The group whose VMs may boot now.
    pub fn current_group(&self) -> usize {
        self.current_group
    }

    pub fn up_at(&self, vm: usize) -> Option<SimTime> {
        self.up_at[vm]
    }

    pub fn group_done_at(&self, group: usize) -> Option<SimTime> {
        self.group_done_at[group]
    }

    /// A VM is ready to boot; `start_boot(vm)` is called if its group's turn has come.
    pub fn on_ready(&mut self, vm: usize, vm_group: usize, mut start_boot: impl FnMut(usize)) {
        self.ready[vm] = true;
        if vm_group == self.current_group && !self.booting[vm] {
            self.booting[vm] = true;
            start_boot(vm);
        }
    }

    /// A VM finished booting at `now`; when that completes its group, the ready VMs
    /// of the next group are started through `start_boot`.
    pub fn on_booted(
        &mut self,
        vm: usize,
        now: SimTime,
        groups: &[Group],
        mut start_boot: impl FnMut(usize),
    ) -> PlanStep {
        self.up_at[vm] = Some(now);
        self.booted_in_current += 1;
        while self.booted_in_current == groups[self.current_group].vms.len() {
            self.group_done_at[self.current_group] = Some(now);
            self.current_group += 1;
            self.booted_in_current = 0;
            let Some(next) = groups.get(self.current_group) else {
                return PlanStep::Complete;
            };
            for &v in &next.vms {
                if self.ready[v] && !self.booting[v] {
                    self.booting[v] = true;
                    start_boot(v);
                }
            }
        }
        PlanStep::Wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_group_waits_for_the_whole_previous_group() {
        let groups = vec![
            Group {
                id: "db".into(),
                vms: vec![0, 1],
            },
            Group {
                id: "web".into(),
                vms: vec![2],
            },
        ];
        let mut plan = PlanRun::new(3, 2);
        let mut started = Vec::new();
        plan.on_ready(2, 1, |v| started.push(v));
        plan.on_ready(0, 0, |v| started.push(v));
        plan.on_ready(1, 0, |v| started.push(v));
        assert_eq!(started, [0, 1]);
        let step = plan.on_booted(0, SimTime::from_millis(5), &groups, |v| started.push(v));
        assert_eq!((step, started.len()), (PlanStep::Wait, 2));
        let step = plan.on_booted(1, SimTime::from_millis(9), &groups, |v| started.push(v));
        assert_eq!((step, &started[..]), (PlanStep::Wait, &[0, 1, 2][..]));
        assert_eq!(plan.group_done_at(0), Some(SimTime::from_millis(9)));
        let step = plan.on_booted(2, SimTime::from_millis(20), &groups, |_| {});
        assert_eq!(step, PlanStep::Complete);
    }
}
