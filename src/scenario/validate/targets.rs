//! `[targets]`: the RPO and RTO the plan must meet, and how often.

use super::*;

pub(super) fn check_targets(c: &mut Checker<'_>, raw: Option<&RawTargets>) -> Targets {
    let p = KeyPath::root().key("targets");
    let mut targets = Targets::default();
    let Some(raw) = raw else {
        return targets;
    };
    for (key, value, slot) in [
        ("rpo", &raw.rpo, &mut targets.rpo),
        ("rto", &raw.rto, &mut targets.rto),
    ] {
        if let Some(v) = value
            && let Some(seconds) = c.fixed(&p.key(key), v, Duration)
        {
            if seconds <= 0.0 {
                c.error(p.key(key), "a target must be above zero");
            } else {
                *slot = Some(SimDuration::from_secs_f64(seconds));
            }
        }
    }
    if let Some(f) = raw.required_fraction {
        if f > 0.0 && f <= 1.0 {
            targets.required_fraction = f;
        } else {
            c.error(
                p.key("required_fraction"),
                format!("must be above 0 and at most 1, got {f}"),
            );
        }
    }
    // `over` sets both populations; `rpo_over` / `rto_over` set one each.
    let mut population = |key: &str, value: &Option<String>| {
        value.as_deref().and_then(|name| {
            c.one_of(&p.key(key), name, &Population::NAMES, "population")
                .and_then(Population::from_name)
        })
    };
    if let Some(both) = population("over", &raw.over) {
        targets.rpo_over = both;
        targets.rto_over = both;
    }
    if let Some(rpo) = population("rpo_over", &raw.rpo_over) {
        targets.rpo_over = rpo;
    }
    let rto_over = population("rto_over", &raw.rto_over);
    if let Some(rto) = rto_over {
        targets.rto_over = rto;
    }
    if let Some(name) = raw.rto_from.as_deref()
        && let Some(clock) = c
            .one_of(&p.key("rto_from"), name, &RtoClock::NAMES, "RTO clock")
            .and_then(RtoClock::from_name)
    {
        targets.rto_from = clock;
    }
    // A ridden-out outage has no failover, so no failover start to count from.
    if targets.rto_from == RtoClock::FailoverStart {
        let set_all = if rto_over == Some(Population::All) {
            Some("rto_over")
        } else if rto_over.is_none() && targets.rto_over == Population::All && raw.over.is_some() {
            Some("over")
        } else {
            None
        };
        match set_all {
            Some(key) => c.error(
                p.key(key),
                "rto_from = \"failover-start\" counts from the failover, which only a declared disaster has: judge the RTO over \"declared\" (or count it from the outage)",
            ),
            None => targets.rto_over = Population::Declared,
        }
    }
    targets
}
