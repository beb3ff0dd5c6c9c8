//! A modernized failback that fails: ASR cancels it, the machines return to
//! Azure as they were before the planned failover, replication back resumes,
//! and the failback is tried again at the next allowed instant
//! (vmware-azure-tutorial-failover-failback-modernized.md, "Cancel planned
//! failover" and "Planned failover - failure").

use super::super::draws::{Purpose, stream, unit};
use super::super::ids::PlanId;
use super::super::plan::PlanRun;
use super::super::{Direction, Event, Observer, Phase, Shared, SpanKind};
use super::{Resync, failback_start};
use crate::cycle::network::Network;
use crate::engine::{SimDuration, SimTime};

impl Resync {
    /// Whether plan `p`'s failback attempt that just brought every VM up
    /// fails (its VMs or applications do not come up): one draw per attempt.
    pub fn failback_attempt_fails<O: Observer>(&self, sh: &Shared<'_, O>, p: usize) -> bool {
        let q = sh.scenario.failback.failure_probability;
        q > 0.0 && unit(&mut self.attempt_stream(sh, p)) < q
    }

    fn attempt_stream<O: Observer>(&self, sh: &Shared<'_, O>, p: usize) -> rand_pcg::Pcg64 {
        let k = self.failback_retries[p];
        // Plan 0's streams are those a single plan always had.
        let purpose = if p == 0 {
            Purpose::FailbackAttempt(k)
        } else {
            Purpose::PlanFailbackAttempt { plan: p, k }
        };
        stream(sh.seed, sh.replication, purpose)
    }

    /// Plan `p`'s attempt failed: ASR cancels it; its VMs run in Azure again
    /// once the cancellation is done.
    pub fn on_failback_failed<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        now: SimTime,
        p: usize,
    ) {
        let mut rng = self.attempt_stream(sh, p);
        // The first draw decided the failure (see `failback_attempt_fails`).
        let _ = unit(&mut rng);
        let cancel = SimDuration::from_secs_f64(sh.scenario.failback.cancel_time.sample(&mut rng));
        let attempt = self.failback_retries[p] + 1;
        let plan = super::plan_prefix(sh.scenario, p);
        sh.observer.note(now, Phase::Failback, || {
            format!(
                "{plan}failback attempt {attempt} failed (the on-premises VMs did not come up): ASR cancels it, restoring the disks from their snapshots; the VMs run in Azure again in {cancel}"
            )
        });
        sh.queue
            .schedule(now + cancel, Event::FailbackCancelled(PlanId::new(p)));
    }

    /// The cancellation is done: plan `p`'s Azure VMs run and replicate back
    /// again, its operator is free, and its failback is tried again when it
    /// next may start.
    pub fn on_failback_cancelled<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        net: &mut Network,
        failback: &mut PlanRun,
        now: SimTime,
        p: usize,
    ) {
        let s = sh.scenario;
        let started = sh.plan_at[p].stage3_start.unwrap_or(now);
        self.failback_retries[p] += 1;
        self.failed_failback_downtime[p] += now.since(started);
        let attempt = self.failback_retries[p];
        let plan = super::plan_prefix(s, p);
        sh.span(
            || format!("{plan}failback attempt {attempt}: failed and cancelled (downtime)"),
            SpanKind::Stage,
            Phase::Failback,
            started,
            now,
        );
        sh.plan_at[p].stage3_start = None;
        for &vm in &s.plans[p].vms {
            self.azure_stopped_at[vm] = None;
            self.failback_rpo[vm] = None;
            self.final_sync_pending[vm] = false;
            let link = s.vms[vm].link;
            let l = net.link_mut(Direction::Reverse, link);
            l.set_input_rate(now, vm, sh.draws.vms[vm].churn);
            l.set_active(now, vm, true);
        }
        for link in 0..s.links.len() {
            net.watch_link(sh, Direction::Reverse, link);
        }
        failback.restart(s, p);
        self.release_failback_operator(sh, now);
        self.failback_ready_at[p] = Some(now);
        let retry = failback_start(sh, p, now);
        sh.observer.note(now, Phase::Failback, || {
            format!(
                "{plan}failback cancelled: the VMs run in Azure and replicate back again; attempt {} at {}",
                attempt + 1,
                retry
            )
        });
        sh.queue
            .schedule(retry, Event::FailbackStart(PlanId::new(p)));
    }
}
