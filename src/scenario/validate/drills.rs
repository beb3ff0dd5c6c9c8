//! `[drills]`: test failovers on a schedule, which fix latent faults.

use super::*;

/// `Some(None)` without a `[drills]` table; `None` when it had an error
/// (recorded).
pub(super) fn check_drills(
    c: &mut Checker<'_>,
    raw: Option<&RawDrills>,
    plans: &[RawPlan],
) -> Option<Option<Drills>> {
    let Some(raw) = raw else {
        return Some(None);
    };
    let p = KeyPath::root().key("drills");
    // `every = "never"`: no drills, so a comparison can switch them off
    // (`compare s.toml s.toml --set-b drills.every=never`).
    if raw.every.as_str() == Some("never") {
        return Some(None);
    }
    let every = c.dist(&p.key("every"), &raw.every, Duration);
    let every = every.filter(|d| {
        // At least an hour apart on average: more often is not a drill
        // schedule (and the draw of the last drill walks about 20 intervals).
        let ok = d.mean() >= 3600.0;
        if !ok {
            c.error(
                p.key("every"),
                "drills must be at least an hour apart (\"30d\", \"13w\", or a distribution of the time between drills)",
            );
        }
        ok
    });
    let duration = match &raw.duration {
        Some(v) => c.dist(&p.key("duration"), v, Duration),
        None => Some(Distribution::fixed(Duration, DRILL_DURATION_S)),
    };
    let ids: Vec<String> = plans.iter().map(|p| p.id.clone()).collect();
    let mut named = Vec::new();
    let mut ok = true;
    for (i, id) in raw.plans.iter().flatten().enumerate() {
        let at = p.key("plans").index(i);
        if ids.is_empty() {
            c.error(
                at,
                "`plans` names [[plan]] ids; this scenario has one implicit plan, which the drills cover: leave `plans` out",
            );
            ok = false;
        } else if c.reference(&at, id, &ids, "[[plan]]").is_some() {
            named.push(id.clone());
        } else {
            ok = false;
        }
    }
    let drills = Drills {
        every: every?,
        plans: named,
        duration: duration?,
    };
    ok.then_some(Some(drills))
}

/// A drill's test VMs run this long by default: an estimate (ASR publishes
/// none): the plan's failover, about an hour of checks, and the cleanup.
pub const DRILL_DURATION_S: f64 = 4.0 * 3600.0;
