//! The lesson's HTML: a fixed page (styles and script in `lesson.css` and
//! `lesson.js`, inlined) and the lesson's data as JSON, which the script draws.

use serde::Serialize;

use super::Lesson;
use crate::report::html::escape;

const STYLE: &str = include_str!("lesson.css");
const SCRIPT: &str = include_str!("lesson.js");

/// The what-if panel of `drsim serve`: the controls the page shows and the
/// bounds of a request.
#[derive(Debug, Clone, Serialize)]
pub struct WhatIf {
    pub controls: Vec<Control>,
    /// Replications a run takes unless the class changes it.
    pub replications: u64,
    /// The most a request may ask for.
    pub max_replications: u64,
}

/// One control: a scenario key as `--set` takes it, and its value in the file.
#[derive(Debug, Clone, Serialize)]
pub struct Control {
    pub key: String,
    pub label: String,
    pub value: String,
    pub hint: String,
}

/// JSON inside a `<script>` element: `</` cannot end it early.
fn inline_json(value: &impl Serialize) -> String {
    serde_json::to_string(value)
        .expect("the lesson's data serialises")
        .replace("</", "<\\/")
}

/// The glossary: term, then what it means (and where drsim and the portal differ).
const GLOSSARY: [(&str, &str); 12] = [
    (
        "RPO (recovery point objective)",
        "How much data a failover loses, as time: from the recovery point a VM fails over to until the outage. drsim reports the RPO each failover actually had (the age of the point used). The RPO Site Recovery logs and the portal shows is a live figure: the time since the newest changes that reached Azure, now. The latest recovery point available for failover is older, because it must be processed first. So at the outage, drsim's RPO is at least the RPO the portal showed then.",
    ),
    (
        "RTO (recovery time objective)",
        "How long the service is down: from the outage (t0) until the last VM of the recovery plan runs in Azure. It includes noticing the outage and deciding to fail over, not only the failover itself.",
    ),
    (
        "Recovery point",
        "A copy of a VM's disks at one instant, kept in Azure. Site Recovery makes one every few minutes (crash-consistent) and, less often, app-consistent ones; it keeps them for the retention period.",
    ),
    (
        "Crash-consistent",
        "A recovery point as if the power had been cut: what was on disk at that instant. Applications recover as after a crash (databases replay their logs).",
    ),
    (
        "App-consistent",
        "A recovery point taken after asking the applications (through VSS on Windows) to flush their writes: they start cleanly from it, but such points are rarer, so they are older.",
    ),
    (
        "Failover",
        "Starting the VMs in Azure from their recovery points. Unplanned after a disaster (the on-premises VMs are gone: data after the point is lost); planned when both sides run (the source shuts down first: nothing is lost).",
    ),
    (
        "Commit",
        "Confirming a failover once the VMs in Azure are checked. Until then another recovery point can be chosen; afterwards the others are deleted. Reprotect waits for it.",
    ),
    (
        "Reprotect",
        "Turning replication around after a failover so the running VMs have a replica again: from Azure to on-premises (stage 2), and from on-premises to Azure after failback (stage 4). It compares the disks and sends only what differs; until it finishes nothing protects the VMs.",
    ),
    (
        "Failback",
        "Going home: a planned failover from Azure back to on-premises (stage 3). The Azure VMs stop, their last changes are copied, and the VMs start on-premises: planned downtime, no data lost.",
    ),
    (
        "Planned failover",
        "A failover while both sides run: the source VMs shut down first and their last changes are synchronised, so nothing is lost; the service is down from the shutdown until the VMs run on the other side. Failback (stage 3) is one.",
    ),
    (
        "Cancel",
        "If a planned failover (a failback) fails, Site Recovery cancels it: the machines in Azure return to their state just before it, run and replicate back again, and (modernized architecture) the failback can be run again later. The classic architecture cannot cancel and retry a failback.",
    ),
    (
        "Test failover",
        "A drill: starting copies of the VMs in an isolated Azure network while replication goes on. Production is untouched; it finds the faults a real failover would meet.",
    ),
];

/// The lesson page; with `what_if`, the served page's what-if panel too.
pub fn render(lesson: &Lesson, what_if: Option<&WhatIf>) -> String {
    let mut glossary = String::new();
    for (term, meaning) in GLOSSARY {
        glossary.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>\n",
            escape(term),
            escape(meaning)
        ));
    }
    let what_if_section = match what_if {
        Some(w) => format!(
            "<section id=\"whatif\">\n<h2>What if?</h2>\n<p>Change a value and press Run (or Enter): {} replications of the scenario as changed run on this machine, and the distributions below redraw. The faded marks are the previous run, for comparison.</p>\n<form id=\"controls\"></form>\n<p id=\"status\" role=\"status\"></p>\n<div id=\"distributions\"></div>\n<ul id=\"verdicts\"></ul>\n</section>\n<script type=\"application/json\" id=\"whatif-data\">{}</script>\n",
            w.replications,
            inline_json(w)
        ),
        None => String::new(),
    };
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}: the four stages of Azure Site Recovery</title>
<style>{STYLE}</style>
</head>
<body>
<h1>The four stages of Azure Site Recovery: <span id="scenario-name">{title}</span></h1>
<p class="lead">{description} One replication of the simulation (replication {replication}, seed {seed}); t0, the outage, falls on {t0}. Step through it with the buttons, the slider or the keys (&larr;/&rarr; or p/n: previous/next step; 0 to 4: jump to a stage; Home/End).</p>
<ol id="stages">
<li data-stage="0">Replicating to Azure</li>
<li data-stage="1">1. Fail over from on-premises</li>
<li data-stage="2">2. Reprotect Azure VMs</li>
<li data-stage="3">3. Fail over from Azure (failback)</li>
<li data-stage="4">4. Reprotect on-premises machines</li>
</ol>
<div id="stage-view">
<svg id="diagram" viewBox="0 0 760 210" role="img" aria-label="where the service runs and which way replication flows"></svg>
<div id="now">
<p id="event-when"><span id="event-at"></span> <span id="event-clock"></span> <span id="event-stage"></span></p>
<p id="event-explain"></p>
<p id="event-text"></p>
<p id="controls-bar"><button id="prev" type="button">&larr; Previous</button> <span id="position"></span> <button id="next" type="button">Next &rarr;</button></p>
</div>
</div>
<input id="slider" type="range" min="0" max="1000" value="0" aria-label="time">
<svg id="lanes" viewBox="0 0 1000 150" role="img" aria-label="service, replication and protection over time"></svg>
<p class="note">Time runs left to right; each stretch between two changes of state gets the same width, so the minutes of stage 1 and the days of stage 2 both show (the ticks give the times).</p>
<h2>Every step</h2>
<ol id="events"></ol>
<h2>Before the outage: replication lag and recovery points</h2>
<p>Each VM's replication lag (how far the copy in Azure was behind), its recovery points (ticks) and the point it fails over to (the red mark): the distance from that mark to the outage is the VM's RPO.</p>
<table id="vms"><thead><tr><th>VM</th><th>group</th><th>lag and recovery points before t0</th><th>RPO</th><th>data lost</th><th>RTO</th></tr></thead><tbody></tbody></table>
<h2>This cycle's figures</h2>
<table id="figures"><thead><tr><th>metric</th><th>value</th><th>read as</th></tr></thead><tbody></tbody></table>
{what_if_section}<h2>Glossary</h2>
<dl id="glossary">
{glossary}</dl>
<script type="application/json" id="lesson-data">{data}</script>
<script>{SCRIPT}</script>
</body>
</html>
"#,
        title = escape(&lesson.scenario),
        description = escape(&lesson.description),
        replication = lesson.replication,
        seed = lesson.seed,
        t0 = escape(&lesson.t0),
        data = inline_json(lesson),
    )
}
