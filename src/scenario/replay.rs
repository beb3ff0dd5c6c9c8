//! Churn replayed from measurements: a file of write rates over time, read
//! into a step function that the simulation follows (docs/model.md,
//! "Measured churn").
//!
//! Two formats are read: a generic CSV `time,vm,write_rate` (RFC 3339 times,
//! rates as quantities or plain bytes/s) and Windows Performance Monitor's
//! PDH-CSV (as `relog -f csv` writes it). Samples may be irregular; a spacing
//! longer than `max_gap` is a gap, refused, held or interpolated as the
//! scenario says. Times before or after the measured span are filled by a
//! block bootstrap: whole blocks (a day by default) drawn from the profile,
//! so the daily pattern survives. This module only reads and looks up: the
//! files are opened by validation, the blocks drawn by the simulation.

use std::collections::BTreeMap;

use super::units::{QuantityKind, format_duration_s};
use super::{Churn, Scenario};

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;
const WEEK_MS: i64 = 7 * DAY_MS;

/// What to do with a spacing between samples longer than `max_gap`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapPolicy {
    /// Refuse the profile, naming the gap's lines.
    Refuse,
    /// The rate before the gap holds through it.
    Hold,
    /// The rate moves linearly from the sample before the gap to the one
    /// after, in steps of the median spacing.
    Interpolate,
}

impl GapPolicy {
    pub const NAMES: [&'static str; 3] = ["refuse", "hold", "interpolate"];

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "refuse" => Some(GapPolicy::Refuse),
            "hold" => Some(GapPolicy::Hold),
            "interpolate" => Some(GapPolicy::Interpolate),
            _ => None,
        }
    }
}

/// One VM's measured write rates as a step function of absolute time.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayProfile {
    /// The file as the scenario names it, and the series within it.
    pub file: String,
    pub series: String,
    /// The first step's start, UTC milliseconds since 1970.
    pub start_ms: i64,
    /// The measurement's offset from UTC (its wall clock: daily patterns are
    /// local), milliseconds.
    pub utc_offset_ms: i64,
    /// Each step's start, from `start_ms` (the first is 0), increasing.
    pub steps: Vec<i64>,
    /// Each step's rate, bytes/s, held until the next step (the last until `span_ms`).
    pub rates: Vec<f64>,
    pub span_ms: i64,
    /// SHA-256 (hex) of the file's text: what the run's manifest records.
    pub sha256: String,
    /// The bootstrap's block length (whole blocks of the profile fill the
    /// times it does not cover).
    pub block_ms: i64,
}

impl ReplayProfile {
    /// Time-weighted mean rate, bytes/s.
    pub fn mean_rate(&self) -> f64 {
        let mut bytes = 0.0;
        for (i, &rate) in self.rates.iter().enumerate() {
            let end = self.steps.get(i + 1).copied().unwrap_or(self.span_ms);
            bytes += rate * (end - self.steps[i]) as f64 / 1000.0;
        }
        bytes / (self.span_ms as f64 / 1000.0)
    }

    /// The highest rate measured, bytes/s.
    pub fn peak_rate(&self) -> f64 {
        self.rates.iter().copied().fold(0.0, f64::max)
    }

    /// Rate changes a second (one per step), for the event budget.
    pub fn steps_per_second(&self) -> f64 {
        self.steps.len() as f64 / (self.span_ms as f64 / 1000.0)
    }

    /// Whole bootstrap blocks in the profile (at least 1: validation refuses less).
    pub fn blocks(&self) -> i64 {
        (self.span_ms / self.block_ms).max(1)
    }

    /// The step holding at `rel` (ms from the start, within the span).
    fn step_at(&self, rel: i64) -> usize {
        self.steps.partition_point(|&t| t <= rel).saturating_sub(1)
    }

    /// The rate at UTC instant `x` and the instant it next changes (after
    /// `x`). Outside the measured span, `source(j)` names the profile's block
    /// that fills block `j` of the timeline (blocks counted from the start).
    pub fn rate_at(&self, x: i64, source: impl Fn(i64) -> i64) -> (f64, i64) {
        let rel = x - self.start_ms;
        if (0..self.span_ms).contains(&rel) {
            let i = self.step_at(rel);
            let next = self.steps.get(i + 1).copied().unwrap_or(self.span_ms);
            return (self.rates[i], self.start_ms + next);
        }
        let j = rel.div_euclid(self.block_ms);
        let within = rel - j * self.block_ms;
        let from = source(j).clamp(0, self.blocks() - 1) * self.block_ms;
        let y = from + within;
        let i = self.step_at(y);
        let next =
            (self.steps.get(i + 1).copied().unwrap_or(self.span_ms)).min(from + self.block_ms);
        (self.rates[i], x + (next - y).max(1))
    }

    /// Where in the profile (ms from its start) an outage at time of week
    /// `week_ms` can fall, for a draw `u` in [0, 1): uniformly among the
    /// instants with that time of week (a profile of a week or more), that
    /// time of day (a day or more), else anywhere.
    pub fn position_at(&self, week_ms: i64, u: f64) -> i64 {
        let period = if self.span_ms >= WEEK_MS {
            WEEK_MS
        } else if self.span_ms >= DAY_MS {
            DAY_MS
        } else {
            return (u * self.span_ms as f64) as i64;
        };
        let first = (week_ms - self.week_time(self.start_ms)).rem_euclid(period);
        let count = (self.span_ms - first + period - 1) / period;
        first + ((u * count as f64) as i64).min(count - 1) * period
    }

    /// The time of week (from Monday 00:00, on the measurement's wall clock)
    /// of UTC instant `x`.
    pub fn week_time(&self, x: i64) -> i64 {
        // 1970-01-01 was a Thursday: three days after a Monday.
        (x + self.utc_offset_ms + 3 * DAY_MS).rem_euclid(WEEK_MS)
    }
}

impl Scenario {
    /// The churn profiles replayed (`churn = { replay = ... }`): each file
    /// once, as the scenario names it, with the SHA-256 of its text.
    pub fn churn_profiles(&self) -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = Vec::new();
        for vm in &self.vms {
            if let Churn::Replay(p) = &vm.churn
                && !files.iter().any(|(f, _)| *f == p.file)
            {
                files.push((p.file.clone(), p.sha256.clone()));
            }
        }
        files
    }
}

/// A replay file's series, read once however many VMs replay it.
#[derive(Debug, Clone)]
pub struct ReplayFile {
    pub format: &'static str,
    /// SHA-256 (hex) of its text (set where it is read).
    pub sha256: String,
    pub utc_offset_ms: i64,
    /// Per series (a VM's name, or a PDH host), its samples.
    pub series: BTreeMap<String, Series>,
}

/// The samples of one series in file order: each its line, UTC time (ms)
/// and rate (`None`: the sample is missing, a gap).
#[derive(Debug, Clone, Default)]
pub struct Series {
    pub samples: Vec<(usize, i64, Option<f64>)>,
    /// PDH-CSV: a sample is the mean over the interval that ends at its time.
    pub ends_interval: bool,
}

/// How a series becomes a profile.
#[derive(Debug, Clone, Copy)]
pub struct ProfileOptions {
    pub gaps: GapPolicy,
    /// A spacing longer than this is a gap; `None`: three times the median.
    pub max_gap_ms: Option<i64>,
    pub block_ms: i64,
}

/// Reads a replay file's text (`file` names it in errors, with the line).
pub fn read_file(text: &str, file: &str) -> Result<ReplayFile, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = super::inventory::csv_rows(text, file).map_err(|e| e.join("; "))?;
    // Lines starting with `#` are comments (a file says where it came from).
    rows.retain(|(_, cells)| !cells.first().is_some_and(|c| c.starts_with('#')));
    let Some((header_line, header)) = rows.first() else {
        return Err(format!("{file}: the file is empty"));
    };
    if header.first().is_some_and(|c| c.starts_with("(PDH-CSV")) {
        read_pdh(&rows, file)
    } else {
        read_generic(&rows, *header_line, header, file)
    }
}

fn read_generic(
    rows: &[(usize, Vec<String>)],
    header_line: usize,
    header: &[String],
    file: &str,
) -> Result<ReplayFile, String> {
    let find = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.contains(&h.to_ascii_lowercase().as_str()))
    };
    let (Some(time), Some(rate)) = (
        find(&["time", "timestamp"]),
        find(&["write_rate", "write rate", "writerate"]),
    ) else {
        return Err(format!(
            "{file}:{header_line}: the header must name a `time` and a `write_rate` column (and `vm` for a file of several VMs), or be Performance Monitor's PDH-CSV; it has: {}",
            header.join(", ")
        ));
    };
    let vm = find(&["vm", "vm_name", "name"]);
    let mut series: BTreeMap<String, Series> = BTreeMap::new();
    let mut offset = None;
    for (line, cells) in &rows[1..] {
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        let cell = |i: usize| cells.get(i).map_or("", String::as_str);
        let (t, off) = parse_rfc3339(cell(time))
            .map_err(|e| format!("{file}:{line}: time `{}`: {e}", cell(time)))?;
        offset.get_or_insert(off);
        let text = cell(rate);
        let value = if text.is_empty() {
            None
        } else {
            Some(parse_write_rate(text).map_err(|e| format!("{file}:{line}: write_rate {e}"))?)
        };
        let name = vm.map_or(String::new(), |i| cell(i).to_string());
        series
            .entry(name)
            .or_default()
            .samples
            .push((*line, t, value));
    }
    Ok(ReplayFile {
        sha256: String::new(),
        format: "generic CSV",
        utc_offset_ms: offset.unwrap_or(0),
        series,
    })
}

/// A rate as a quantity (`"4 MB/s"`) or a plain number of bytes/s.
fn parse_write_rate(text: &str) -> Result<f64, String> {
    let value = match text.parse::<f64>() {
        Ok(v) => v,
        Err(_) => QuantityKind::WriteRate
            .parse(text)
            .map_err(|e| e.to_string())?,
    };
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(format!(
            "`{text}` must be a rate of at least 0 such as {} or a number of bytes/s",
            QuantityKind::WriteRate.example()
        ))
    }
}

/// Performance Monitor's PDH-CSV: a header `"(PDH-CSV 4.0) (<zone>)(<bias>)"`
/// then counter paths `\\HOST\Object(Instance)\Counter`; times
/// `MM/DD/YYYY HH:MM:SS.mmm` on the machine's clock (UTC = local + bias
/// minutes); a missing sample is a blank cell.
fn read_pdh(rows: &[(usize, Vec<String>)], file: &str) -> Result<ReplayFile, String> {
    let (header_line, header) = &rows[0];
    let bias_minutes = header[0]
        .rsplit_once('(')
        .and_then(|(_, b)| b.trim_end_matches(')').trim().parse::<i64>().ok())
        .unwrap_or(0);
    let offset = -bias_minutes * MINUTE_MS;
    // Per host, the columns of its disk write throughput: PhysicalDisk's
    // _Total if logged, else every physical disk's instance summed.
    let mut hosts: BTreeMap<String, (Option<usize>, Vec<usize>)> = BTreeMap::new();
    for (i, path) in header.iter().enumerate().skip(1) {
        let Some((host, object, counter)) = counter_path(path) else {
            continue;
        };
        if !counter.eq_ignore_ascii_case("Disk Write Bytes/sec") {
            continue;
        }
        let Some(instance) = object
            .strip_prefix("PhysicalDisk(")
            .and_then(|s| s.strip_suffix(')'))
        else {
            continue;
        };
        let entry = hosts.entry(host.to_ascii_lowercase()).or_default();
        if instance == "_Total" {
            entry.0 = Some(i);
        } else {
            entry.1.push(i);
        }
    }
    if hosts.is_empty() {
        return Err(format!(
            "{file}:{header_line}: this PDH-CSV logs no `\\\\HOST\\PhysicalDisk(...)\\Disk Write Bytes/sec` counter; log it with `typeperf` or `logman` and convert with `relog -f csv`"
        ));
    }
    let mut series = BTreeMap::new();
    for (host, (total, disks)) in hosts {
        let columns = total.map_or(disks, |t| vec![t]);
        let mut s = Series {
            samples: Vec::new(),
            ends_interval: true,
        };
        for (line, cells) in &rows[1..] {
            if cells.iter().all(|c| c.is_empty()) {
                continue;
            }
            let stamp = cells.first().map_or("", String::as_str);
            let t = parse_pdh_time(stamp)
                .map_err(|e| format!("{file}:{line}: time `{stamp}`: {e}"))?
                - offset;
            let mut sum = Some(0.0);
            for &c in &columns {
                let text = cells.get(c).map_or("", |x| x.trim());
                if text.is_empty() {
                    sum = None;
                    break;
                }
                let v = text
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v >= 0.0);
                let Some(v) = v else {
                    return Err(format!(
                        "{file}:{line}: `{text}` in column {} ({}) is not a number of bytes/s",
                        c + 1,
                        header[c]
                    ));
                };
                sum = sum.map(|s| s + v);
            }
            s.samples.push((*line, t, sum));
        }
        series.insert(host, s);
    }
    Ok(ReplayFile {
        sha256: String::new(),
        format: "Performance Monitor PDH-CSV",
        utc_offset_ms: offset,
        series,
    })
}

/// `\\HOST\Object(Instance)\Counter` -> (host, object with instance, counter).
fn counter_path(path: &str) -> Option<(&str, &str, &str)> {
    let rest = path.strip_prefix("\\\\")?;
    let (host, rest) = rest.split_once('\\')?;
    let (object, counter) = rest.rsplit_once('\\')?;
    Some((host, object, counter))
}

impl ReplayFile {
    /// The series VM `name` replays: the one named `name`, or the file's
    /// only series.
    pub fn series_for(&self, name: &str) -> Option<(&String, &Series)> {
        if self.series.len() == 1 {
            return self.series.iter().next();
        }
        self.series
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
    }

    /// The names of its series, for an error message.
    pub fn series_names(&self) -> String {
        self.series.keys().cloned().collect::<Vec<_>>().join(", ")
    }
}

/// A series as a step function under `options`, or why not (file and line).
pub fn profile(
    file_name: &str,
    name: &str,
    series: &Series,
    utc_offset_ms: i64,
    options: ProfileOptions,
) -> Result<ReplayProfile, String> {
    let samples: Vec<(usize, i64, f64)> = series
        .samples
        .iter()
        .filter_map(|&(line, t, rate)| rate.map(|r| (line, t, r)))
        .collect();
    if samples.len() < 2 {
        return Err(format!(
            "{file_name}: series `{name}` has {} sample(s) with a rate; a profile needs at least 2",
            samples.len()
        ));
    }
    for pair in series.samples.windows(2) {
        let ((l0, t0, _), (l1, t1, _)) = (pair[0], pair[1]);
        if t1 <= t0 {
            return Err(format!(
                "{file_name}:{l1}: series `{name}`: times must increase, and this sample is not after line {l0}'s"
            ));
        }
    }
    // The sampling interval: the median spacing of every timestamp, missing
    // samples' included.
    let mut spacings: Vec<i64> = (series.samples.windows(2))
        .map(|p| p[1].1 - p[0].1)
        .collect();
    spacings.sort_unstable();
    let median = spacings[spacings.len() / 2];
    let max_gap = options.max_gap_ms.unwrap_or(3 * median);
    // Each sample's interval: from its time to the next (generic), or from
    // the previous sample's time to its own (PDH: the mean over the interval
    // that ends at its time).
    let intervals: Vec<(usize, i64, i64, f64)> = samples
        .iter()
        .enumerate()
        .map(|(i, &(line, t, r))| {
            if series.ends_interval {
                let start = if i == 0 { t - median } else { samples[i - 1].1 };
                (line, start, t, r)
            } else {
                let end = samples.get(i + 1).map_or(t + median, |s| s.1);
                (line, t, end, r)
            }
        })
        .collect();
    let start = intervals[0].1;
    let mut steps = Vec::with_capacity(intervals.len());
    let mut rates = Vec::with_capacity(intervals.len());
    for (i, &(line, from, to, rate)) in intervals.iter().enumerate() {
        let gap = to - from > max_gap;
        // A PDH sample after a gap averages over the gap: hold it there.
        let next_rate = intervals.get(i + 1).map(|n| n.3);
        match (gap, options.gaps, next_rate) {
            (true, GapPolicy::Refuse, _) => {
                let previous = if series.ends_interval && i > 0 {
                    intervals[i - 1].0
                } else {
                    line
                };
                return Err(format!(
                    "{file_name}:{previous}: series `{name}`: a gap of {} (longer than `max_gap`, {}) follows this sample; set the VM's churn `gaps = \"hold\"` or `\"interpolate\"`, raise `max_gap`, or fill the file",
                    format_duration_s((to - from) as f64 / 1000.0),
                    format_duration_s(max_gap as f64 / 1000.0)
                ));
            }
            (true, GapPolicy::Interpolate, Some(next)) if !series.ends_interval => {
                let pieces = ((to - from) / median).max(1);
                for k in 0..pieces {
                    steps.push(from + k * median - start);
                    rates.push(rate + (next - rate) * k as f64 / pieces as f64);
                }
            }
            (true, GapPolicy::Interpolate, _) if series.ends_interval && i > 0 => {
                let before = intervals[i - 1].3;
                let pieces = ((to - from) / median).max(1);
                for k in 0..pieces {
                    steps.push(from + k * median - start);
                    rates.push(before + (rate - before) * (k + 1) as f64 / pieces as f64);
                }
            }
            _ => {
                steps.push(from - start);
                rates.push(rate);
            }
        }
    }
    let span_ms = intervals.last().map_or(0, |l| l.2) - start;
    if span_ms < options.block_ms {
        return Err(format!(
            "{file_name}: series `{name}` covers {}, less than one bootstrap block ({}): give a longer profile or a shorter `block`",
            format_duration_s(span_ms as f64 / 1000.0),
            format_duration_s(options.block_ms as f64 / 1000.0)
        ));
    }
    Ok(ReplayProfile {
        file: file_name.to_string(),
        series: name.to_string(),
        start_ms: start,
        utc_offset_ms,
        steps,
        rates,
        span_ms,
        sha256: String::new(),
        block_ms: options.block_ms,
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn number(text: &str, what: &str, range: std::ops::RangeInclusive<i64>) -> Result<i64, String> {
    text.parse::<i64>()
        .ok()
        .filter(|v| range.contains(v))
        .ok_or_else(|| {
            format!(
                "the {what} `{text}` is not between {} and {}",
                range.start(),
                range.end()
            )
        })
}

/// Milliseconds since midnight of `HH:MM:SS[.fff]`.
fn time_of_day(text: &str) -> Result<i64, String> {
    let (hms, fraction) = text.split_once('.').unwrap_or((text, ""));
    let parts: Vec<&str> = hms.split(':').collect();
    let [h, m, s] = parts[..] else {
        return Err("the time of day must be HH:MM:SS".into());
    };
    let ms = if fraction.is_empty() {
        0
    } else {
        let digits: String = fraction.chars().chain("000".chars()).take(3).collect();
        number(&digits, "fraction of a second", 0..=999)?
    };
    Ok(number(h, "hour", 0..=23)? * 3_600_000
        + number(m, "minute", 0..=59)? * 60_000
        + number(s, "second", 0..=60)? * 1000
        + ms)
}

/// An RFC 3339 time (`2026-11-02T09:00:00Z`, `...+01:00`, a space for the
/// `T`): UTC milliseconds and its offset from UTC (ms).
pub fn parse_rfc3339(text: &str) -> Result<(i64, i64), String> {
    let bad = || {
        "must be an RFC 3339 time such as 2026-11-02T09:00:00Z or 2026-11-02T09:00:00+01:00"
            .to_string()
    };
    let (date, rest) = text.split_once(['T', 't', ' ']).ok_or_else(bad)?;
    let d: Vec<&str> = date.split('-').collect();
    let [y, mo, da] = d[..] else {
        return Err(bad());
    };
    let (clock, offset) = if let Some(c) = rest.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else {
        let at = rest.rfind(['+', '-']).ok_or_else(bad)?;
        let (c, off) = rest.split_at(at);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let (oh, om) = off[1..].split_once(':').ok_or_else(bad)?;
        let minutes =
            number(oh, "offset's hours", 0..=23)? * 60 + number(om, "offset's minutes", 0..=59)?;
        (c, sign * minutes * MINUTE_MS)
    };
    let days = days_from_civil(
        number(y, "year", 1900..=9999)?,
        number(mo, "month", 1..=12)?,
        number(da, "day", 1..=31)?,
    );
    Ok((days * DAY_MS + time_of_day(clock)? - offset, offset))
}

/// PDH-CSV's `MM/DD/YYYY HH:MM:SS.fff` as milliseconds on the local clock.
fn parse_pdh_time(text: &str) -> Result<i64, String> {
    let bad = || "must be a time as PDH-CSV writes it, MM/DD/YYYY HH:MM:SS.fff".to_string();
    let (date, clock) = text.trim().split_once(' ').ok_or_else(bad)?;
    let d: Vec<&str> = date.split('/').collect();
    let [mo, da, y] = d[..] else {
        return Err(bad());
    };
    let days = days_from_civil(
        number(y, "year", 1900..=9999)?,
        number(mo, "month", 1..=12)?,
        number(da, "day", 1..=31)?,
    );
    Ok(days * DAY_MS + time_of_day(clock)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(gaps: GapPolicy) -> ProfileOptions {
        ProfileOptions {
            gaps,
            max_gap_ms: None,
            block_ms: 3_600_000,
        }
    }

    #[test]
    fn rfc3339_times_read_to_utc_with_their_offset() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Ok((0, 0)));
        // 2026-11-02 is a Monday.
        let (t, off) = parse_rfc3339("2026-11-02T09:30:00.5+01:00").unwrap();
        assert_eq!(off, 3_600_000);
        assert_eq!(t % DAY_MS, 8 * 3_600_000 + 30 * 60_000 + 500);
        let p = ReplayProfile {
            file: String::new(),
            series: String::new(),
            start_ms: t,
            utc_offset_ms: off,
            steps: vec![0],
            rates: vec![1.0],
            span_ms: 1,
            sha256: String::new(),
            block_ms: 1,
        };
        assert_eq!(p.week_time(t), 9 * 3_600_000 + 30 * 60_000 + 500);
        assert!(parse_rfc3339("2026-13-02T09:00:00Z").is_err());
        assert!(parse_rfc3339("yesterday").is_err());
    }

    #[test]
    fn a_generic_file_reads_per_vm_series_with_quantities_or_numbers() {
        let text = "time,vm,write_rate\n2026-11-02T00:00:00Z,web,4 MB/s\n2026-11-02T00:00:00Z,db,1000\n2026-11-02T01:00:00Z,web,2 MB/s\n2026-11-02T01:00:00Z,db,\n2026-11-02T02:00:00Z,db,3000\n";
        let f = read_file(text, "p.csv").unwrap();
        assert_eq!(f.series_names(), "db, web");
        let (_, web) = f.series_for("WEB").unwrap();
        let p = profile("p.csv", "web", web, 0, options(GapPolicy::Refuse)).unwrap();
        assert_eq!(p.rates, vec![4e6, 2e6]);
        assert_eq!(p.span_ms, 2 * 3_600_000);
        assert_eq!(p.mean_rate(), 3e6);
        // db's missing sample makes a two-hour gap: within 3 x the median.
        let (_, db) = f.series_for("db").unwrap();
        let p = profile("p.csv", "db", db, 0, options(GapPolicy::Refuse)).unwrap();
        assert_eq!(p.rates, vec![1000.0, 3000.0]);
        let bad = read_file("time,write_rate\n2026-11-02T00:00:00Z,fast\n", "b.csv").unwrap_err();
        assert!(bad.starts_with("b.csv:2: write_rate"), "{bad}");
    }

    #[test]
    fn gaps_are_refused_held_or_interpolated() {
        let text = "time,write_rate\n2026-11-02T00:00:00Z,100\n2026-11-02T01:00:00Z,100\n2026-11-02T02:00:00Z,100\n2026-11-02T07:00:00Z,600\n2026-11-02T08:00:00Z,600\n";
        let f = read_file(text, "g.csv").unwrap();
        let (_, s) = f.series_for("any").unwrap();
        let refused = profile("g.csv", "x", s, 0, options(GapPolicy::Refuse)).unwrap_err();
        assert!(
            refused.starts_with("g.csv:4: series `x`: a gap of 5h"),
            "{refused}"
        );
        let held = profile("g.csv", "x", s, 0, options(GapPolicy::Hold)).unwrap();
        assert_eq!(held.rates, vec![100.0, 100.0, 100.0, 600.0, 600.0]);
        let (rate, next) = held.rate_at(held.start_ms + 4 * 3_600_000, |_| 0);
        assert_eq!((rate, next), (100.0, held.start_ms + 7 * 3_600_000));
        let lin = profile("g.csv", "x", s, 0, options(GapPolicy::Interpolate)).unwrap();
        assert_eq!(
            lin.rates,
            vec![
                100.0, 100.0, 100.0, 200.0, 300.0, 400.0, 500.0, 600.0, 600.0
            ]
        );
    }

    #[test]
    fn outside_the_span_whole_blocks_fill_in_at_the_same_offset() {
        let text = "time,write_rate\n2026-11-02T00:00:00Z,1\n2026-11-02T00:30:00Z,2\n2026-11-02T01:00:00Z,3\n2026-11-02T01:30:00Z,4\n";
        let f = read_file(text, "b.csv").unwrap();
        let (_, s) = f.series_for("x").unwrap();
        let p = profile("b.csv", "x", s, 0, options(GapPolicy::Refuse)).unwrap();
        assert_eq!((p.span_ms, p.blocks()), (7_200_000, 2));
        // An hour and a quarter before the start: block -2, 45 min in; block
        // 1 fills it (rate 4 until its end, at block -2's end).
        let x = p.start_ms - 4_500_000;
        assert_eq!(
            p.rate_at(x, |j| i64::from(j == -2)),
            (4.0, p.start_ms - 3_600_000)
        );
        assert_eq!(p.rate_at(x, |_| 0).0, 2.0);
    }

    #[test]
    fn a_fixed_outage_time_falls_on_the_same_time_of_week_in_the_profile() {
        let p = ReplayProfile {
            file: String::new(),
            series: String::new(),
            // Monday 00:00 UTC, two weeks.
            start_ms: parse_rfc3339("2026-11-02T00:00:00Z").unwrap().0,
            utc_offset_ms: 0,
            steps: vec![0],
            rates: vec![1.0],
            span_ms: 2 * WEEK_MS,
            sha256: String::new(),
            block_ms: DAY_MS,
        };
        let tue_14 = DAY_MS + 14 * 3_600_000;
        assert_eq!(p.position_at(tue_14, 0.2), tue_14);
        assert_eq!(p.position_at(tue_14, 0.7), tue_14 + WEEK_MS);
    }

    #[test]
    fn pdh_csv_reads_the_total_disk_writes_per_host_on_the_local_clock() {
        let text = "\"(PDH-CSV 4.0) (W. Europe Standard Time)(-60)\",\"\\\\DB01\\PhysicalDisk(_Total)\\Disk Write Bytes/sec\",\"\\\\DB01\\Processor(_Total)\\% Processor Time\"\n\"11/02/2026 09:00:15.000\",\"4000000\",\"5\"\n\"11/02/2026 09:00:30.000\",\" \",\"5\"\n\"11/02/2026 09:00:45.000\",\"2000000\",\"5\"\n";
        let f = read_file(text, "perf.csv").unwrap();
        assert_eq!(f.format, "Performance Monitor PDH-CSV");
        assert_eq!(f.utc_offset_ms, 3_600_000);
        let (_, s) = f.series_for("db01").unwrap();
        let short = ProfileOptions {
            block_ms: 15_000,
            ..options(GapPolicy::Hold)
        };
        let p = profile("perf.csv", "db01", s, f.utc_offset_ms, short)
            .unwrap_or_else(|e| panic!("{e}"));
        // The first sample covers the 15 s before it; the second, missing,
        // leaves the third to cover 30 s.
        assert_eq!(p.week_time(p.start_ms), 9 * 3_600_000);
        assert_eq!(p.steps, vec![0, 15_000]);
        assert_eq!(p.rates, vec![4e6, 2e6]);
    }
}
