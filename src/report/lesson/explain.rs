//! Plain-language sentences for the lesson: what each traced step is, in the
//! words of ASR's tutorial on the four stages, for someone who has never run
//! a failover.
//!
//! The trace's text stays the record (its numbers are the run's); these
//! sentences only say what it means. They are found by what the text says,
//! most specific first; a step no rule names gets its stage's sentence.

use crate::cycle::Phase;

/// `(words the trace's text contains, what the step means)`, most specific first.
const RULES: &[(&[&str], &str)] = &[
    (
        &["OUTAGE"],
        "Disaster: the on-premises site stops. This instant is t0: the RTO clock starts, and every write not yet in Azure is at risk.",
    ),
    (
        &["ransomware"],
        "Ransomware: the newest recovery points may hold encrypted data, so the team looks back for the newest clean one. Every write after it is lost.",
    ),
    (
        &["clean recovery point chosen"],
        "A clean recovery point is found: the failover can start from it.",
    ),
    (
        &["recovery point ("],
        "At the outage, the newest recovery point of this VM that a failover can use: a copy of its disks at one instant, in Azure. A failover restores it and loses everything written after it; its age is this VM's RPO.",
    ),
    (
        &["churn now"],
        "The VM writes at a new rate. The faster it writes, the more data waits to cross the link.",
    ),
    (
        &["replication healthy for"],
        "Before the disaster: every VM replicates its writes to Azure continuously, and Site Recovery turns them into recovery points every few minutes.",
    ),
    (
        &["link `", "down"],
        "The replication link is cut: writes pile up on-premises and the replica in Azure falls behind.",
    ),
    (
        &["resynchronisation"],
        "A resynchronisation: the replica fell too far behind, so Site Recovery compares the disks and re-sends what changed; no new recovery point until it finishes.",
    ),
    (
        &["outage detected"],
        "Someone (or monitoring) notices the outage. Nothing has failed over yet: time to detect counts in the RTO.",
    ),
    (
        &["reassessment"],
        "The team looks again at how long the site will be down, and decides whether to keep waiting or fail over.",
    ),
    (
        &["no failover"],
        "The site came back before anyone declared a disaster: no failover, no data lost. The service was down for the whole outage.",
    ),
    (
        &["service restored without failover"],
        "The site is back and the service with it: the outage was ridden out, without a failover.",
    ),
    (
        &["disaster declared"],
        "Someone declares a disaster and starts the recovery plan in the Azure portal: an unplanned failover. Time to decide counts in the RTO too.",
    ),
    (
        &["failover started"],
        "This recovery plan starts its failover.",
    ),
    (
        &["latent fault"],
        "A fault no test failover (drill) had found shows up now, during the real failover, and costs a retry.",
    ),
    (
        &["step `"],
        "A manual action or script of the recovery plan (a step between groups).",
    ),
    (
        &["disks prepared"],
        "Site Recovery turns the replicated data of the chosen recovery point into managed disks for this VM in Azure.",
    ),
    (
        &["waiting for capacity"],
        "Azure creates only so many VMs at once: this one waits its turn.",
    ),
    (
        &["not created"],
        "The region has no room left (vCPU quota) for this VM: it cannot fail over, and its recovery plan cannot complete.",
    ),
    (
        &["booting in Azure"],
        "The VM is created in Azure and boots. Recovery plan groups start in order: a group waits until the one before it runs.",
    ),
    (&["running in Azure"], "This VM runs in Azure."),
    (
        &["to be committed"],
        "After checking the VMs in Azure, the team will commit the failover. Until the commit another recovery point may still be chosen; after it the others are gone, and only then can reprotect start.",
    ),
    (
        &["complete: its service restored"],
        "This recovery plan is done: its VMs run in Azure.",
    ),
    (
        &["service restored in"],
        "Service is restored in Azure. The RTO is measured from t0 to here.",
    ),
    (
        &["primary site usable again"],
        "The on-premises site is back. Where a failover has started, the VMs stay in Azure: to go home they must first be protected in the other direction.",
    ),
    (
        &["reprotect started", "re-enabled"],
        "Stage 4, reprotect again: replication from on-premises to Azure is switched back on. Until it is healthy, the VMs on-premises have no replica.",
    ),
    (
        &["reprotect started"],
        "Stage 2, reprotect: Site Recovery starts replicating the Azure VMs back to on-premises. Until it finishes, nothing protects the VMs running in Azure.",
    ),
    (
        &["checksum done"],
        "Reprotect compares both copies of each disk block by block (checksum) and queues only the blocks that differ: the delta.",
    ),
    (
        &["full copy"],
        "The other side's disks were lost or cannot be compared: the whole disk must be copied.",
    ),
    (
        &["delta transferred"],
        "The differing blocks have crossed the link; Site Recovery processes them into the first recovery point on the other side.",
    ),
    (
        &["replication healthy"],
        "This VM's replica is healthy again: it is protected.",
    ),
    (
        &["protected to on-premises"],
        "Every VM in Azure is protected to on-premises. Failback can now be planned.",
    ),
    (
        &["cycle closed"],
        "Every VM on-premises is protected to Azure again: the cycle is closed, as before the disaster.",
    ),
    (
        &["failback attempt"],
        "This failback attempt failed: ASR cancels it, and the VMs run in Azure again until the next attempt.",
    ),
    (
        &["failback cancelled"],
        "The failed failback is cancelled: the VMs run in Azure and replicate back again, and failback is tried again later.",
    ),
    (
        &["failback complete"],
        "Failback is done: the service runs on-premises again. Its downtime was the stage-3 downtime, planned and announced.",
    ),
    (
        &["failback waits"],
        "Only so many plans fail back at once: this one waits for the team.",
    ),
    (
        &["failback"],
        "Stage 3, failback: a planned failover back to on-premises. The Azure VMs shut down first, so nothing is lost, but the service is down until they run on-premises.",
    ),
    (
        &["final sync"],
        "The VM is stopped in Azure and its last changes are copied to on-premises (the final sync).",
    ),
    (
        &["booting on-premises"],
        "The VM boots in its own datacenter, from the disks the failback synchronised.",
    ),
    (
        &["group `", "complete"],
        "Every VM of this group runs; the recovery plan starts the next group.",
    ),
    (
        &["on-premises"],
        "On-premises again: the VM runs in its own datacenter.",
    ),
];

/// A sentence that explains the traced step `text` of stage `phase`.
pub fn explain(phase: Phase, text: &str) -> String {
    RULES
        .iter()
        .find(|(words, _)| words.iter().all(|w| text.contains(w)))
        .map_or_else(|| of_stage(phase), |(_, sentence)| (*sentence).to_string())
}

/// What a stage is, for a step no rule names.
fn of_stage(phase: Phase) -> String {
    match phase {
        Phase::Replicating => "Before the disaster: the VMs replicate to Azure.",
        Phase::Failover => "Stage 1, failover: the VMs start in Azure from their recovery points.",
        Phase::Reprotect => "Stage 2, reprotect: the VMs in Azure replicate back to on-premises.",
        Phase::Failback => "Stage 3, failback: the VMs move back on-premises (planned failover).",
        Phase::ReprotectBack => "Stage 4, reprotect: the on-premises VMs replicate to Azure again.",
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_specific_rule_wins() {
        assert!(
            explain(
                Phase::ReprotectBack,
                "reprotect started: replication `dc1` -> `azure` re-enabled"
            )
            .starts_with("Stage 4")
        );
        assert!(
            explain(
                Phase::Reprotect,
                "reprotect started: replication `azure` -> `dc1`"
            )
            .starts_with("Stage 2")
        );
        assert!(explain(Phase::Failback, "app1: final sync done").contains("final sync"));
        assert!(
            explain(
                Phase::Failback,
                "failback started (planned failover): shutting down Azure VMs"
            )
            .starts_with("Stage 3")
        );
    }

    #[test]
    fn an_unknown_step_gets_its_stage() {
        assert!(explain(Phase::Reprotect, "something new").starts_with("Stage 2"));
    }
}
