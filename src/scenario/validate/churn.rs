//! `churn` of a [[vm]]: a rate distribution, a churn process table, or a
//! measured profile replayed (`replay`).

use std::sync::Arc;

use toml::Value;

use super::*;
use crate::scenario::replay::{self, GapPolicy, ProfileOptions, ReplayFile};

const REPLAY_KEYS: [&str; 5] = ["replay", "series", "gaps", "max_gap", "block"];

const CHURN_PROCESSES: [&str; 5] = ["constant", "piecewise", "on-off", "daily", "bursts"];

impl Checker<'_> {
    /// A churn value: a rate distribution (constant per replication), or a table
    /// with `process` naming a churn process.
    pub(super) fn churn(&mut self, path: &KeyPath, value: &Value, vm_id: &str) -> Option<Churn> {
        let table = match value {
            Value::Table(t) if t.contains_key("replay") => return self.replay(path, t, vm_id),
            Value::Table(t) if t.contains_key("process") => t,
            _ => return self.dist(path, value, WriteRate).map(Churn::Constant),
        };
        let Some(Value::String(name)) = table.get("process") else {
            self.error(path.key("process"), "`process` must be a string");
            return None;
        };
        let name = self.one_of(
            &path.key("process"),
            name,
            &CHURN_PROCESSES,
            "churn process",
        )?;
        let allowed: &[&str] = match name {
            "constant" => &["rate"],
            "piecewise" => &["rate", "every"],
            "on-off" => &["on_rate", "off_rate", "on_time", "off_time"],
            "daily" => &["profile"],
            _ => &["per_hour", "size"],
        };
        let mut ok = true;
        for key in table.keys().filter(|k| *k != "process") {
            if !allowed.contains(&key.as_str()) {
                let hint = suggest(key, allowed.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                self.error(
                    path.key(key),
                    format!(
                        "a `{name}` churn process does not take `{key}`{hint}; it takes: {}",
                        allowed.join(", ")
                    ),
                );
                ok = false;
            }
        }
        for key in allowed {
            if !table.contains_key(*key) {
                self.error(
                    path.clone(),
                    format!(
                        "a `{name}` churn process needs `{key}` (it takes: {})",
                        allowed.join(", ")
                    ),
                );
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        let rate = |c: &mut Self, key: &str| c.dist(&path.key(key), &table[key], WriteRate);
        // Holding times may come close to zero (exponential holds are the textbook
        // Markov-modulated model); the simulation lengthens them to at least 1 s.
        let hold = |c: &mut Self, key: &str| c.dist(&path.key(key), &table[key], Duration);
        match name {
            "constant" => rate(self, "rate").map(Churn::Constant),
            "piecewise" => {
                let r = rate(self, "rate");
                let every = hold(self, "every");
                Some(Churn::Piecewise {
                    rate: r?,
                    every: every?,
                })
            }
            "on-off" => {
                let on_rate = rate(self, "on_rate");
                let off_rate = rate(self, "off_rate");
                let on_time = hold(self, "on_time");
                let off_time = hold(self, "off_time");
                Some(Churn::OnOff {
                    on_rate: on_rate?,
                    off_rate: off_rate?,
                    on_time: on_time?,
                    off_time: off_time?,
                })
            }
            "daily" => {
                let bad = |c: &mut Self| {
                    c.error(
                        path.key("profile"),
                        format!(
                            "`profile` must list 24 rates, one per hour from 00:00, such as {}",
                            WriteRate.example()
                        ),
                    );
                    None
                };
                let Value::Array(items) = &table["profile"] else {
                    return bad(self);
                };
                if items.len() != 24 {
                    return bad(self);
                }
                let mut profile = Vec::with_capacity(24);
                for (h, item) in items.iter().enumerate() {
                    profile.push(self.fixed(&path.key("profile").index(h), item, WriteRate)?);
                }
                Some(Churn::Daily { profile })
            }
            _ => {
                let per_hour = match &table["per_hour"] {
                    Value::Integer(n) => *n as f64,
                    Value::Float(x) => *x,
                    _ => f64::NAN,
                };
                if !(per_hour > 0.0 && per_hour <= 3_600_000.0) {
                    self.error(path.key("per_hour"), "`per_hour` must be a number of bursts per hour, above 0 and at most 3600000");
                    return None;
                }
                let size = self.dist(&path.key("size"), &table["size"], Size)?;
                Some(Churn::Bursts { per_hour, size })
            }
        }
    }
}

impl Checker<'_> {
    /// `churn = { replay = "file.csv", ... }`: the VM's series of the file
    /// (relative to the scenario) as a profile.
    fn replay(&mut self, path: &KeyPath, table: &toml::value::Table, vm_id: &str) -> Option<Churn> {
        let mut ok = true;
        for key in table.keys() {
            if !REPLAY_KEYS.contains(&key.as_str()) {
                let hint = suggest(key, REPLAY_KEYS.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                self.error(
                    path.key(key),
                    format!(
                        "replayed churn does not take `{key}`{hint}; it takes: {}",
                        REPLAY_KEYS.join(", ")
                    ),
                );
                ok = false;
            }
        }
        let text = |c: &mut Self, key: &str| match table.get(key) {
            None => Some(None),
            Some(Value::String(s)) => Some(Some(s.clone())),
            Some(_) => {
                c.error(path.key(key), format!("`{key}` must be a string"));
                None
            }
        };
        let file = text(self, "replay")?.unwrap_or_default();
        let series = text(self, "series")?;
        let gaps = match text(self, "gaps")? {
            None => GapPolicy::Refuse,
            Some(name) => {
                let name =
                    self.one_of(&path.key("gaps"), &name, &GapPolicy::NAMES, "gap policy")?;
                GapPolicy::from_name(name).expect("one of the names")
            }
        };
        let duration = |c: &mut Self, key: &str| match table.get(key) {
            None => Some(None),
            Some(v) => {
                let s = c.fixed(&path.key(key), v, Duration)?;
                if s < 1.0 {
                    c.error(path.key(key), format!("`{key}` must be at least 1s"));
                    return None;
                }
                Some(Some((s * 1000.0).round() as i64))
            }
        };
        let max_gap_ms = duration(self, "max_gap")?;
        let block_ms = duration(self, "block")?.unwrap_or(86_400_000);
        if !ok {
            return None;
        }
        let contents = self.replay_file(&path.key("replay"), &file)?;
        let wanted = series.as_deref().unwrap_or(vm_id);
        let Some((name, samples)) = contents.series_for(wanted) else {
            let key = if series.is_some() { "series" } else { "replay" };
            self.error(
                path.key(key),
                format!(
                    "{file} ({}) has no series `{wanted}`{}; it has: {} (name one with `series`)",
                    contents.format,
                    if series.is_some() {
                        ""
                    } else {
                        " (the VM's id)"
                    },
                    contents.series_names()
                ),
            );
            return None;
        };
        let options = ProfileOptions {
            gaps,
            max_gap_ms,
            block_ms,
        };
        // A file of one unnamed series is the VM's.
        let name = if name.is_empty() {
            vm_id
        } else {
            name.as_str()
        };
        match replay::profile(&file, name, samples, contents.utc_offset_ms, options) {
            Ok(mut p) => {
                p.sha256 = contents.sha256.clone();
                Some(Churn::Replay(Arc::new(p)))
            }
            Err(e) => {
                self.error(path.key("replay"), e);
                None
            }
        }
    }

    /// The replay file `file` names (relative to the scenario's folder), read
    /// once per run of validation.
    fn replay_file(&mut self, path: &KeyPath, file: &str) -> Option<Arc<ReplayFile>> {
        let base = std::path::Path::new(self.source)
            .parent()
            .unwrap_or(std::path::Path::new(""));
        let full = base.join(file);
        let cached = self.replay_files.iter().find(|(p, _)| *p == full);
        let read = match cached {
            Some((_, r)) => r.clone(),
            None => {
                let read = match read_replay_text(&full) {
                    Ok(text) => replay::read_file(&text, file).map(|mut f| {
                        f.sha256 = crate::scenario::sha256_hex(text.as_bytes());
                        Arc::new(f)
                    }),
                    Err(e) => Err(format!(
                        "cannot read the churn profile {} (relative to the scenario's folder): {e}",
                        full.display()
                    )),
                };
                self.replay_files.push((full, read.clone()));
                read
            }
        };
        match read {
            Ok(f) => Some(f),
            Err(e) => {
                self.error(path.clone(), e);
                None
            }
        }
    }
}
