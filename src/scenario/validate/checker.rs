//! The checker: where problems are recorded by key path, and the primitive
//! checks (quantities, distributions, names, references, ids, probabilities)
//! that every section's validator uses.

use std::collections::BTreeSet;

use toml::Value;

use super::*;
use crate::scenario::replay::ReplayFile;

/// Collects errors and warnings by key path while the sections are checked.
pub(super) struct Checker<'a> {
    pub source: &'a str,
    pub locator: &'a Locator<'a>,
    pub errors: Vec<(KeyPath, String)>,
    pub warnings: Vec<(KeyPath, String)>,
    /// Replay files read so far (by path), so VMs sharing one read it once.
    pub replay_files: Vec<(
        std::path::PathBuf,
        Result<std::sync::Arc<ReplayFile>, String>,
    )>,
}

/// The highest chance an attempt fails that drsim retries (100 attempts on average).
pub(super) const MAX_FAILURE_PROBABILITY: f64 = 0.99;

impl Checker<'_> {
    pub(super) fn error(&mut self, path: KeyPath, message: impl Into<String>) {
        self.errors.push((path, message.into()));
    }

    pub(super) fn warn(&mut self, path: KeyPath, message: impl Into<String>) {
        self.warnings.push((path, message.into()));
    }

    pub(super) fn diagnostics(&self, items: &[(KeyPath, String)]) -> Vec<Diagnostic> {
        items
            .iter()
            .map(|(path, message)| {
                let (line, column) = self.locator.position(path);
                Diagnostic {
                    file: self.source.to_string(),
                    line,
                    column,
                    key: path.to_string(),
                    message: message.clone(),
                    excerpt: self.locator.excerpt(path),
                }
            })
            .collect()
    }

    /// A distribution of `kind`, or `None` after recording why not.
    pub(super) fn dist(
        &mut self,
        path: &KeyPath,
        value: &Value,
        kind: QuantityKind,
    ) -> Option<Distribution> {
        match Distribution::from_value(value, kind) {
            Ok(d) => Some(d),
            Err(e) => {
                let at = match &e.parameter {
                    Some(p) => path.key(p),
                    None => path.clone(),
                };
                self.error(at, e.message);
                None
            }
        }
    }

    pub(super) fn dist_or(
        &mut self,
        path: &KeyPath,
        value: Option<&Value>,
        kind: QuantityKind,
        default: f64,
    ) -> Option<Distribution> {
        match value {
            Some(v) => self.dist(path, v, kind),
            None => Some(Distribution::fixed(kind, default)),
        }
    }

    /// A distribution that can never produce zero (bandwidths, throughputs).
    pub(super) fn positive_dist(
        &mut self,
        path: &KeyPath,
        value: &Value,
        kind: QuantityKind,
    ) -> Option<Distribution> {
        let d = self.dist(path, value, kind)?;
        if d.can_reach_zero() {
            self.error(
                path.clone(),
                format!(
                    "must stay above zero; use a fixed value, or a uniform, triangular, lognormal or empirical distribution with a positive minimum (got {d})"
                ),
            );
            return None;
        }
        Some(d)
    }

    /// A single fixed quantity (no distribution), e.g. a policy interval.
    pub(super) fn fixed(
        &mut self,
        path: &KeyPath,
        value: &Value,
        kind: QuantityKind,
    ) -> Option<f64> {
        match value {
            Value::String(text) => match kind.parse(text) {
                Ok(v) => Some(v),
                Err(m) => {
                    self.error(path.clone(), m.to_string());
                    None
                }
            },
            _ => {
                self.error(
                    path.clone(),
                    format!(
                        "must be a single {kind} written as a string, such as {}",
                        kind.example()
                    ),
                );
                None
            }
        }
    }

    pub(super) fn fixed_duration_or(
        &mut self,
        path: &KeyPath,
        value: Option<&Value>,
        default_s: i64,
    ) -> Option<SimDuration> {
        match value {
            None => Some(SimDuration::from_secs(default_s)),
            Some(v) => self
                .fixed(path, v, Duration)
                .map(SimDuration::from_secs_f64),
        }
    }

    pub(super) fn one_of<'s>(
        &mut self,
        path: &KeyPath,
        value: &str,
        valid: &[&'s str],
        what: &str,
    ) -> Option<&'s str> {
        if let Some(v) = valid.iter().find(|v| **v == value) {
            return Some(v);
        }
        let hint = suggest(value, valid.iter().copied())
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        self.error(
            path.clone(),
            format!(
                "unknown {what} `{value}`{hint}; valid: {}",
                valid.join(", ")
            ),
        );
        None
    }

    /// Resolves a reference by id, with a suggestion when it is a typo.
    pub(super) fn reference(
        &mut self,
        path: &KeyPath,
        id: &str,
        ids: &[String],
        what: &str,
    ) -> Option<usize> {
        if let Some(i) = ids.iter().position(|x| x == id) {
            return Some(i);
        }
        let hint = suggest(id, ids.iter().map(String::as_str))
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        self.error(
            path.clone(),
            format!("no {what} has id `{id}`{hint}; defined: {}", ids.join(", ")),
        );
        None
    }

    /// A price per VM-hour: 0 to [`MAX_PRICE`], so that a year of every VM
    /// stays a finite number in the CSVs.
    pub(super) fn price(&mut self, path: KeyPath, price: f64) {
        if !(0.0..=MAX_PRICE).contains(&price) {
            self.error(
                path,
                format!("a price per VM-hour is 0 to {MAX_PRICE}, got {price}"),
            );
        }
    }

    /// An id, name or label that outputs print: at most [`MAX_ID_CHARS`].
    pub(super) fn short_name(&mut self, path: KeyPath, name: &str) {
        if name.chars().count() > MAX_ID_CHARS {
            self.error(path, too_long(name));
        }
    }

    pub(super) fn unique_ids<'i>(&mut self, section: &str, ids: impl Iterator<Item = &'i str>) {
        let mut seen = BTreeSet::new();
        for (i, id) in ids.enumerate() {
            let path = KeyPath::root().key(section).index(i).key("id");
            if id.trim().is_empty() {
                self.error(path, "an id must not be empty");
            } else if id.chars().count() > MAX_ID_CHARS {
                self.error(path, too_long(id));
            } else if !seen.insert(id) {
                self.error(
                    path,
                    format!("duplicate id `{id}`: every [[{section}]] needs its own"),
                );
            }
        }
    }

    /// Weekly windows such as `"Sun 02:00-06:00"` (a range past midnight
    /// runs into the next day) or `"Sat 20:00-Sun 06:00"` (across days).
    pub(super) fn weekly_windows(&mut self, path: &KeyPath, texts: &[String]) -> Vec<WeeklyWindow> {
        let mut windows = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            match parse_weekly_window(text) {
                Ok(w) => windows.push(w),
                Err(why) => self.error(path.index(i), why),
            }
        }
        windows
    }

    /// A probability of failure per attempt: below 1, or retries would never end.
    pub(super) fn probability_below_one(&mut self, path: &KeyPath, value: Option<f64>) -> f64 {
        let p = value.unwrap_or(0.0);
        // Failed attempts are retried until one succeeds: 0.99 already means
        // 100 attempts on average; above it a run would spend its time retrying
        // (a step that nearly always fails is an outage, not a retry).
        if !(0.0..=MAX_FAILURE_PROBABILITY).contains(&p) {
            self.error(
                path.clone(),
                format!("must be at least 0 and below 1 (at most {MAX_FAILURE_PROBABILITY}: failed attempts are retried, and {MAX_FAILURE_PROBABILITY} already means 100 attempts on average), got {p}"),
            );
            return 0.0;
        }
        p
    }

    pub(super) fn probability(&mut self, path: &KeyPath, value: Option<f64>, default: f64) -> f64 {
        let p = value.unwrap_or(default);
        if !(0.0..=1.0).contains(&p) {
            self.error(
                path.clone(),
                format!("must be a probability between 0 and 1, got {p}"),
            );
            return default;
        }
        p
    }
}

/// The longest id or name drsim accepts, in characters: they head table
/// columns, CSV columns and chart legends (Azure's own resource names stop
/// at 64 to 80 characters).
pub(super) const MAX_ID_CHARS: usize = 128;

fn too_long(id: &str) -> String {
    let start: String = id.chars().take(24).collect();
    format!(
        "the id `{start}...` has {} characters; ids are at most {MAX_ID_CHARS}",
        id.chars().count()
    )
}

/// The highest price per VM-hour drsim accepts: a million (in the scenario's
/// currency), thousands of times Azure's costliest VM.
pub(super) const MAX_PRICE: f64 = 1e6;
