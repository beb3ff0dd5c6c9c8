//! `churn` of a [[vm]]: a rate distribution or a churn process table.

use toml::Value;

use super::*;

const CHURN_PROCESSES: [&str; 5] = ["constant", "piecewise", "on-off", "daily", "bursts"];

impl Checker<'_> {
    /// A churn value: a rate distribution (constant per replication), or a table
    /// with `process` naming a churn process.
    pub(super) fn churn(&mut self, path: &KeyPath, value: &Value) -> Option<Churn> {
        let table = match value {
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
