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
    if let Some(rto) = population("rto_over", &raw.rto_over) {
        targets.rto_over = rto;
    }
    targets
}
