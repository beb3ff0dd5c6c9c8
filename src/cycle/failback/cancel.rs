//! A modernized failback that fails: ASR cancels it, the machines return to
//! Azure as they were before the planned failover, replication back resumes,
//! and the failback is tried again at the next allowed instant
//! (vmware-azure-tutorial-failover-failback-modernized.md, "Cancel planned
//! failover" and "Planned failover - failure").

use super::super::draws::{Purpose, stream, unit};
use super::super::plan::PlanRun;
use super::super::{Direction, Event, Observer, Phase, Shared, SpanKind};
use super::{Resync, failback_start};
use crate::cycle::network::Network;
use crate::engine::{SimDuration, SimTime};

impl Resync {
    /// Whether the failback attempt that just brought every VM up fails (its
    /// VMs or applications do not come up): one draw per attempt.
    pub fn failback_attempt_fails<O: Observer>(&self, sh: &Shared<'_, O>) -> bool {
        let p = sh.scenario.failback.failure_probability;
        p > 0.0 && unit(&mut self.attempt_stream(sh)) < p
    }

    fn attempt_stream<O: Observer>(&self, sh: &Shared<'_, O>) -> rand_pcg::Pcg64 {
        stream(
            sh.seed,
            sh.replication,
            Purpose::FailbackAttempt(self.failback_retries),
        )
    }

    /// The attempt failed: ASR cancels it; the VMs run in Azure again once the
    /// cancellation is done.
    pub fn on_failback_failed<O: Observer>(&mut self, sh: &mut Shared<'_, O>, now: SimTime) {
        let mut rng = self.attempt_stream(sh);
        // The first draw decided the failure (see `failback_attempt_fails`).
        let _ = unit(&mut rng);
        let cancel = SimDuration::from_secs_f64(sh.scenario.failback.cancel_time.sample(&mut rng));
        let attempt = self.failback_retries + 1;
        sh.observer.note(now, Phase::Failback, || {
            format!(
                "failback attempt {attempt} failed (the on-premises VMs did not come up): ASR cancels it, restoring the disks from their snapshots; the VMs run in Azure again in {cancel}"
            )
        });
        sh.queue.schedule(now + cancel, Event::FailbackCancelled);
    }

    /// The cancellation is done: the Azure VMs run and replicate back again,
    /// and the failback is tried again when it next may start.
    pub fn on_failback_cancelled<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        net: &mut Network,
        failback: &mut PlanRun,
        now: SimTime,
    ) {
        let s = sh.scenario;
        let started = sh.at.stage3_start.unwrap_or(now);
        self.failback_retries += 1;
        self.failed_failback_downtime += now.since(started);
        let attempt = self.failback_retries;
        sh.span(
            || format!("failback attempt {attempt}: failed and cancelled (downtime)"),
            SpanKind::Stage,
            Phase::Failback,
            started,
            now,
        );
        sh.at.stage3_start = None;
        for vm in 0..s.vms.len() {
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
        failback.restart();
        self.failback_ready_at = Some(now);
        let retry = failback_start(sh, now);
        sh.observer.note(now, Phase::Failback, || {
            format!(
                "failback cancelled: the VMs run in Azure and replicate back again; attempt {} at {}",
                attempt + 1,
                retry
            )
        });
        sh.queue.schedule(retry, Event::FailbackStart);
    }
}
