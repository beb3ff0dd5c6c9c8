//! What `drsim size` prints: its answer as sentences, and as JSON for scripts
//! (docs/metrics.md, "JSON").

use std::fmt::Write as _;

use serde::Serialize;

use crate::scenario::units::format_share;
use crate::study::size::{Answer, Effect, Probe, Sizing};

/// The version of the `size` JSON document's schema (its `schema` key).
pub const SIZE_SCHEMA: u32 = 2;

/// The sizing as sentences.
pub fn size_text(s: &Sizing) -> String {
    let (lo, hi, unit) = (s.range.lo, s.range.hi, s.range.unit.as_str());
    let what = s.target.metric_label();
    let range = if s.range.default {
        format!(
            "between {lo} and {hi} {unit} (the default range: its value in the scenario / 100 to x 100)"
        )
    } else {
        format!("between {lo} and {hi} {unit}")
    };
    let finding = match s.effect {
        Effect::HigherValuesMeet => "higher values meet it".to_string(),
        Effect::LowerValuesMeet => "lower values meet it".to_string(),
        Effect::None => format!(
            "the met share is the same at both ends and midway, so {} shows no effect on the {what} within the range",
            s.vary
        ),
    };
    let mut text = format!(
        "sizing {} for {} ({} of the {} of its population), {range}: {finding}\n",
        s.vary,
        s.target.bound_text(),
        format_share(s.target.fraction),
        if matches!(s.target.metric, crate::study::size::SizedMetric::Target(_)) {
            "outages"
        } else {
            "simulated horizons"
        },
    );
    let side = |end: f64| if end == lo { "lower" } else { "upper" };
    for a in &s.answers {
        let label = &a.label;
        let _ = match a.answer {
            Answer::Found(v) => writeln!(text, "  to meet it in {label}: {v} {unit}"),
            Answer::AlreadyMet { end, share } => writeln!(
                text,
                "  to meet it in {label}: {} {end} {unit}, outside the range: the {} end already meets it (in {} there); widen --between to find the value",
                if end == lo { "below" } else { "above" },
                side(end),
                format_share(share)
            ),
            Answer::NotReached { end, share } => writeln!(
                text,
                "  to meet it in {label}: not within {lo}..{hi} {unit}: even the {} end meets it in only {}",
                side(end),
                format_share(share)
            ),
            Answer::Unaffected { share, meets } => writeln!(
                text,
                "  to meet it in {label}: {} in the range (met in {} at every probe)",
                if meets {
                    "met everywhere"
                } else {
                    "met nowhere"
                },
                format_share(share)
            ),
        };
    }
    let judged_over = format!(
        "{} {}",
        s.probes.first().map_or(0, |p| p.total),
        if matches!(s.target.metric, crate::study::size::SizedMetric::Target(_)) {
            "outages of the population"
        } else {
            "simulated horizons"
        }
    );
    if s.effect == Effect::None {
        let _ = writeln!(
            text,
            "  {} probes on common random numbers, each judged over {judged_over}, gave the same counts; size another key, or widen the range if the effect lies beyond it",
            s.probes.len()
        );
        return text;
    }
    let required = format_share(s.target.fraction);
    let _ = match s.interval {
        Some((a, b)) => writeln!(
            text,
            "  sampling error leaves {a} to {b} {unit} for {required} (95% interval)"
        ),
        None => writeln!(text, "  the 95% interval does not settle within the range"),
    };
    let _ = if s.monotone {
        writeln!(
            text,
            "  {} probes on common random numbers, each judged over {judged_over}; the met share moved one way at every probe",
            s.probes.len(),
        )
    } else {
        writeln!(
            text,
            "  warning: the met share did not move one way with {} across the {} probes: the answers above may not be the only crossing (sampling noise, or a population that changes with the value, e.g. more outages ridden out, can do this)",
            s.vary,
            s.probes.len()
        )
    };
    text
}

/// The `size` JSON document (keys in alphabetical order, as documented).
#[derive(Debug, Serialize)]
struct SizeDocument<'a> {
    answers: Vec<AnswerDocument>,
    between: [f64; 2],
    between_default: bool,
    ci95_range: Option<[f64; 2]>,
    drsim: &'static str,
    effect: Effect,
    higher_values_meet: bool,
    metric: &'static str,
    monotone: bool,
    probes: &'a [Probe],
    required_fraction: f64,
    schema: u32,
    /// `null` for an availability target (its bound is `availability`).
    threshold_s: Option<f64>,
    /// The availability bound (a share of the horizon), for
    /// `availability>=...`; `null` otherwise.
    availability: Option<f64>,
    unit: &'a str,
    vary: &'a str,
}

#[derive(Debug, Serialize)]
struct AnswerDocument {
    /// The range's end that already meets it, or that does not reach it.
    end: Option<f64>,
    fraction: f64,
    /// The met share at `end` (or everywhere, for a key without effect).
    share: Option<f64>,
    status: &'static str,
    value: Option<f64>,
}

/// The sizing as one JSON document.
pub fn size_json(s: &Sizing) -> String {
    let answers = s
        .answers
        .iter()
        .map(|a| {
            let (end, share) = match a.answer {
                Answer::Found(_) => (None, None),
                Answer::AlreadyMet { end, share } | Answer::NotReached { end, share } => {
                    (Some(end), Some(share))
                }
                Answer::Unaffected { share, .. } => (None, Some(share)),
            };
            AnswerDocument {
                end,
                fraction: a.fraction,
                share,
                status: a.answer.status(),
                value: a.answer.value(),
            }
        })
        .collect();
    let doc = SizeDocument {
        answers,
        between: [s.range.lo, s.range.hi],
        between_default: s.range.default,
        ci95_range: s.interval.map(|(a, b)| [a, b]),
        drsim: env!("CARGO_PKG_VERSION"),
        effect: s.effect,
        higher_values_meet: s.effect == Effect::HigherValuesMeet,
        metric: s.target.metric_label(),
        monotone: s.monotone,
        probes: &s.probes,
        required_fraction: s.target.fraction,
        schema: SIZE_SCHEMA,
        threshold_s: match s.target.metric {
            crate::study::size::SizedMetric::Availability(_) => None,
            _ => Some(s.target.threshold_s),
        },
        availability: match s.target.metric {
            crate::study::size::SizedMetric::Availability(a) => Some(a),
            _ => None,
        },
        unit: &s.range.unit,
        vary: &s.vary,
    };
    super::json::pretty(&doc)
}
