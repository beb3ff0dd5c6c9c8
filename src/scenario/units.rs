//! Human quantities in scenario files: `"90s"`, `"512 GiB"`, `"200 Mbps"` -> base units.
//!
//! Base units are seconds, bytes and bytes per second, as `f64`. Sizes use SI
//! prefixes for `KB/MB/GB/TB` (powers of 1000) and IEC ones for `KiB/MiB/GiB/TiB`
//! (powers of 1024); bit rates (`bps`, `kbps`, `Mbps`, `Gbps`) are divided by 8.
//! Times of the week (`"Tue 14:30"`) and weekly windows (`"Sun 02:00-06:00"`)
//! are read here too.

use std::fmt;

use super::WeeklyWindow;
use crate::engine::{SimDuration, SimTime};

/// What kind of quantity a scenario value is, which fixes how its text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantityKind {
    /// Seconds; written `"90s"`, `"5m"`, `"2h"`, `"3d"`, `"1h30m"`, `"250ms"`.
    Duration,
    /// Bytes; written `"512 GiB"`, `"45 GB"`.
    Size,
    /// Bytes per second; written `"200 Mbps"` (bits) or `"4 MB/s"` (bytes).
    Rate,
    /// A rate of writes (churn): read like `Rate`, shown in bytes per second.
    WriteRate,
}

impl QuantityKind {
    /// An example the error messages show.
    pub fn example(self) -> &'static str {
        match self {
            QuantityKind::Duration => "\"90s\", \"5m\", \"2h\", \"3d\" or \"1h30m\"",
            QuantityKind::Size => "\"512 GiB\", \"45 GB\" or \"800 MiB\"",
            QuantityKind::Rate => "\"200 Mbps\", \"1 Gbps\" or \"4 MB/s\"",
            QuantityKind::WriteRate => "\"4 MB/s\", \"500 KB/s\" or \"16 Mbps\"",
        }
    }

    pub fn parse(self, text: &str) -> Result<f64, QuantityError> {
        match self {
            QuantityKind::Duration => parse_duration(text),
            QuantityKind::Size => parse_size(text),
            QuantityKind::Rate | QuantityKind::WriteRate => parse_rate(text),
        }
    }

    /// Formats a base-unit value the way a person would write it.
    pub fn format(self, value: f64) -> String {
        match self {
            QuantityKind::Duration => format_duration_s(value),
            QuantityKind::Size => format_bytes(value),
            QuantityKind::Rate => format_rate(value),
            QuantityKind::WriteRate => format_byte_rate(value),
        }
    }
}

impl fmt::Display for QuantityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QuantityKind::Duration => "duration",
            QuantityKind::Size => "size",
            QuantityKind::Rate | QuantityKind::WriteRate => "rate",
        })
    }
}

/// Why a quantity's text cannot be read: it is not one of its kind, or it is
/// beyond the bound drsim simulates (the message names the bound).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QuantityError {
    #[error("`{text}` is not a {}; {}, e.g. {}", kind, how_to_write(*kind), kind.example())]
    NotA { text: String, kind: QuantityKind },
    #[error("`{text}` is beyond the {} drsim simulates", bound(*kind))]
    Beyond { text: String, kind: QuantityKind },
}

/// How a kind of quantity is written, for its error message.
fn how_to_write(kind: QuantityKind) -> &'static str {
    match kind {
        QuantityKind::Duration => "write a number and a unit (ms, s, m, h, d, w)",
        QuantityKind::Size => "write a number and one of B, KB, MB, GB, TB, KiB, MiB, GiB, TiB",
        QuantityKind::Rate | QuantityKind::WriteRate => {
            "write bits per second (bps, kbps, Mbps, Gbps, Tbps), bytes per second (B/s, KB/s, MB/s, GB/s, MiB/s ...) or per hour or day (GB/h, GB/day, TB/day, the Deployment Planner's unit)"
        }
    }
}

/// The bound a kind of quantity stays within, named.
fn bound(kind: QuantityKind) -> &'static str {
    match kind {
        QuantityKind::Duration => "longest duration (10 years)",
        QuantityKind::Size => "largest size (1 PB)",
        QuantityKind::Rate | QuantityKind::WriteRate => "fastest rate (1 Tbps, 125 GB/s)",
    }
}

/// Splits `"12.5 GiB"` into `(12.5, "GiB")`; the number must be finite and not negative.
pub fn split_number(text: &str) -> Option<(f64, &str)> {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .map_or(text.len(), |(i, _)| i);
    let number: String = text[..end].chars().filter(|&c| c != '_').collect();
    let value: f64 = number.parse().ok()?;
    value.is_finite().then_some((value, text[end..].trim()))
}

/// `text` (a duration, rate or size) expressed in `unit`, e.g. `3h` in `m` is
/// 180; `None` when the two are not the same kind of quantity.
pub fn in_unit_of(text: &str, unit: &str) -> Option<f64> {
    type Parser = fn(&str) -> Result<f64, QuantityError>;
    let parsers: [Parser; 3] = [parse_duration, parse_rate, parse_size];
    parsers.iter().find_map(|parse| {
        let value = parse(text.trim()).ok()?;
        let one = parse(&format!("1 {unit}")).ok()?;
        (one > 0.0).then(|| value / one)
    })
}

/// The longest duration drsim accepts: 10 years. Every duration of the cycle
/// (history, outages, delays, windows) is far below it; beyond it event times
/// lose their millisecond resolution and runs could not finish.
pub const MAX_DURATION_S: f64 = 10.0 * 365.0 * 86_400.0;
/// A cycle that has not closed this long after the outage is cut off (it can
/// only happen when a resync never catches up, or a failback is scheduled
/// too late); validation refuses a failback that could only start after it.
pub const SIMULATION_HORIZON: crate::engine::SimDuration =
    crate::engine::SimDuration::from_secs(365 * 86_400);
/// The largest size: 1 PB, beyond any disk or transfer (an Azure managed disk
/// holds at most 32 TiB; ASR protects VMs up to 32 TB of disks).
pub const MAX_SIZE_B: f64 = 1e15;
/// The fastest rate: 1 Tbps (125 GB/s), beyond any link ASR replicates over
/// (ExpressRoute Direct tops out at 100 Gbps) and any churn it can carry (54
/// MB/s per VM). Faster rates only make the fluid model's times vanish.
pub const MAX_RATE_BPS: f64 = 1e12 / 8.0;

/// Rejects a converted value above its physical bound, naming the bound.
fn within(text: &str, value: f64, max: f64, kind: QuantityKind) -> Result<f64, QuantityError> {
    if value <= max {
        Ok(value)
    } else {
        Err(QuantityError::Beyond {
            text: text.to_string(),
            kind,
        })
    }
}

/// `text` is not a quantity of `kind`.
fn not_a(text: &str, kind: QuantityKind) -> QuantityError {
    QuantityError::NotA {
        text: text.to_string(),
        kind,
    }
}

/// Durations: one or more `<number><unit>` terms, units `ms`, `s`, `m`/`min`, `h`,
/// `d`, `w`; e.g. `"1h30m"`, `"2.5h"`, `"90s"`.
pub fn parse_duration(text: &str) -> Result<f64, QuantityError> {
    let bad = || not_a(text, QuantityKind::Duration);
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let (value, tail) = split_number(rest).ok_or_else(bad)?;
        let unit_end = tail
            .char_indices()
            .find(|&(_, c)| !c.is_ascii_alphabetic())
            .map_or(tail.len(), |(i, _)| i);
        let seconds_per_unit = match &tail[..unit_end] {
            "ms" => 0.001,
            "s" | "sec" => 1.0,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            "d" => 86_400.0,
            "w" => 604_800.0,
            _ => return Err(bad()),
        };
        total += value * seconds_per_unit;
        rest = tail[unit_end..].trim_start();
    }
    within(text, total, MAX_DURATION_S, QuantityKind::Duration)
}

pub fn parse_size(text: &str) -> Result<f64, QuantityError> {
    let bad = || not_a(text, QuantityKind::Size);
    let (value, unit) = split_number(text).ok_or_else(bad)?;
    let factor = size_factor(unit).ok_or_else(bad)?;
    within(text, value * factor, MAX_SIZE_B, QuantityKind::Size)
}

fn size_factor(unit: &str) -> Option<f64> {
    Some(match unit {
        "B" => 1.0,
        "KB" | "kB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        "TiB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    })
}

pub fn parse_rate(text: &str) -> Result<f64, QuantityError> {
    let bad = || not_a(text, QuantityKind::Rate);
    let (value, unit) = split_number(text).ok_or_else(bad)?;
    let bits_per_second = match unit {
        "bps" => Some(1.0),
        "kbps" | "Kbps" => Some(1e3),
        "Mbps" => Some(1e6),
        "Gbps" => Some(1e9),
        "Tbps" => Some(1e12),
        _ => None,
    };
    if let Some(factor) = bits_per_second {
        return within(text, value * factor / 8.0, MAX_RATE_BPS, QuantityKind::Rate);
    }
    // Bytes per second, per hour, or per day (churn as the Deployment Planner
    // reports it: GB or TB a day).
    let (size_unit, per_seconds) = if let Some(u) = unit.strip_suffix("/s") {
        (u, 1.0)
    } else if let Some(u) = unit.strip_suffix("/h") {
        (u, 3600.0)
    } else if let Some(u) = unit.strip_suffix("/day") {
        (u, 86_400.0)
    } else {
        return Err(bad());
    };
    let factor = size_factor(size_unit.trim()).ok_or_else(bad)?;
    within(
        text,
        value * factor / per_seconds,
        MAX_RATE_BPS,
        QuantityKind::Rate,
    )
}

/// `5400.0` -> `"1h30m"`; sub-second values keep milliseconds.
pub fn format_duration_s(seconds: f64) -> String {
    if !seconds.is_finite() {
        return format!("{seconds}s");
    }
    let ms = (seconds * 1000.0).round() as i64;
    if ms == 0 {
        return "0s".to_string();
    }
    let sign = if ms < 0 { "-" } else { "" };
    let mut ms = ms.abs();
    let mut out = String::from(sign);
    for (unit, size) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000)] {
        if ms >= size {
            out.push_str(&format!("{}{unit}", ms / size));
            ms %= size;
        }
    }
    if ms > 0 {
        if ms % 1000 == 0 {
            out.push_str(&format!("{}s", ms / 1000));
        } else {
            out.push_str(&format!("{:.3}s", ms as f64 / 1000.0));
        }
    }
    out
}

/// A duration rounded for reading at a glance: `42.5s`, `12m30s`, `3h05m`, `2d04h`.
pub fn format_duration_short(seconds: f64) -> String {
    if !seconds.is_finite() {
        return format!("{seconds}");
    }
    if seconds < 60.0 {
        return format!("{seconds:.1}s");
    }
    let s = seconds.round() as i64;
    if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else if s < 86_400 {
        let m = (s + 30) / 60;
        format!("{}h{:02}m", m / 60, m % 60)
    } else {
        let h = (s + 1800) / 3600;
        format!("{}d{:02}h", h / 24, h % 24)
    }
}

/// Decimal units with three significant figures: `1.23 GB`.
pub fn format_bytes(bytes: f64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB", "PB"];
    let mut value = bytes;
    let mut unit = 0;
    while value.abs() >= 1000.0 && unit + 1 < units.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} B")
    } else {
        format!("{} {}", three_significant(value), units[unit])
    }
}

/// Bit rates, as network people state them: `200 Mbps`.
pub fn format_rate(bytes_per_second: f64) -> String {
    let units = ["bps", "kbps", "Mbps", "Gbps", "Tbps"];
    let mut value = bytes_per_second * 8.0;
    let mut unit = 0;
    while value.abs() >= 1000.0 && unit + 1 < units.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{} {}", three_significant(value), units[unit])
}

/// Byte rates, as storage people (and ASR's churn limits) state them: `54 MB/s`.
pub fn format_byte_rate(bytes_per_second: f64) -> String {
    let bytes = format_bytes(bytes_per_second);
    format!("{bytes}/s")
}

fn three_significant(value: f64) -> String {
    let digits = if value.abs() >= 100.0 {
        0
    } else if value.abs() >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{value:.digits$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// A share (0 to 1) as a percentage that never reads 100.0% or 0.0% unless it
/// is exactly that: one decimal, or as many more as it takes (at most six), so
/// 2 misses in 10,000 read "99.98%", not "100.0%".
pub fn format_share(share: f64) -> String {
    format_share_with(share, 1)
}

/// An availability (a share of time up, 0 to 1): three decimals of a
/// percent at least (`99.954%`), as availability is read, never 100.000%
/// unless it is exactly that.
pub fn format_availability(share: f64) -> String {
    format_share_with(share, 3)
}

fn format_share_with(share: f64, least_decimals: usize) -> String {
    if !share.is_finite() {
        return "n/a".to_string();
    }
    // Within float noise of all or nothing (an interval bound computed as
    // 0.9999999999): that is all or nothing.
    let share = if (share - 1.0).abs() < 1e-9 {
        1.0
    } else if share.abs() < 1e-9 {
        0.0
    } else {
        share
    };
    let percent = share * 100.0;
    for decimals in least_decimals..=6 {
        let text = format!("{percent:.decimals$}");
        let value: f64 = text.parse().unwrap_or(percent);
        let rounded_to_edge = (value >= 100.0 && share < 1.0) || (value <= 0.0 && share > 0.0);
        if !rounded_to_edge {
            return format!("{text}%");
        }
    }
    format!("{percent:.6}%")
}

/// Days of the week as scenario files write them, Monday first.
pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// `"Tue 14:30"` or `"Tue 14:30:15"` -> time since Monday 00:00.
pub fn parse_weekday_time(text: &str) -> Option<SimTime> {
    let (day, clock) = text.trim().split_once(' ')?;
    let day = WEEKDAYS.iter().position(|d| d.eq_ignore_ascii_case(day))? as i64;
    let parts: Vec<i64> = clock
        .trim()
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let (h, m, s) = match parts[..] {
        [h, m] => (h, m, 0),
        [h, m, s] => (h, m, s),
        _ => return None,
    };
    if !(0..24).contains(&h) || !(0..60).contains(&m) || !(0..60).contains(&s) {
        return None;
    }
    Some(SimTime::from_millis(
        ((day * 24 + h) * 3600 + m * 60 + s) * 1000,
    ))
}

/// `"Sun 02:00-06:00"` -> a window of 4 h from Sunday 02:00; a range past
/// midnight (`"Sat 22:00-02:00"`) runs into the next day, and an end with a
/// day of its own (`"Sat 20:00-Sun 06:00"`, `"Fri 18:00-Mon 06:00"`) runs to
/// that day's next occurrence, across the week's end too
/// (`"Sun 22:00-Mon 02:00"`). A window that ends when it starts is refused
/// (a day or a week: ambiguous), as is any other form; the error says why.
pub fn parse_weekly_window(text: &str) -> Result<WeeklyWindow, String> {
    let form = || {
        format!(
            "`{text}` is not a weekly window; write a day and a time range such as \"Sun 02:00-06:00\" (past midnight: \"Sat 22:00-02:00\"), or a range across days with the end's day, such as \"Sat 20:00-Sun 06:00\" (days: {})",
            WEEKDAYS.join(", ")
        )
    };
    let (day, range) = text.trim().split_once(' ').ok_or_else(form)?;
    let (from, to) = range.trim().split_once('-').ok_or_else(form)?;
    let start = parse_weekday_time(&format!("{day} {}", from.trim())).ok_or_else(form)?;
    let to = to.trim();
    // The end's next occurrence: within the week when it names its day,
    // else within the day (past midnight: the next day).
    let (end, period) = if to.contains(' ') {
        (parse_weekday_time(to).ok_or_else(form)?, 7 * 86_400_000)
    } else {
        let end = parse_weekday_time(&format!("{day} {to}")).ok_or_else(form)?;
        (end, 86_400_000)
    };
    if end == start {
        return Err(format!(
            "`{text}` starts and ends at the same time; a window must end after it starts (for \"any time\", leave the list out)"
        ));
    }
    let ms = |t: SimTime| t.since(SimTime::EPOCH).as_millis();
    let length = (ms(end) - ms(start)).rem_euclid(period);
    Ok(WeeklyWindow {
        start: start.since(SimTime::EPOCH),
        length: SimDuration::from_millis(length),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_beyond_physics_are_refused() {
        assert!(parse_duration("3650d").is_ok());
        assert!(parse_duration("1e15d").is_err());
        assert!(
            parse_duration("3651d")
                .unwrap_err()
                .to_string()
                .contains("10 years")
        );
        assert!(parse_size("1 PB").is_err(), "no PB unit");
        assert!(parse_size("1000 TB").is_ok());
        assert!(
            parse_size("1001 TB")
                .unwrap_err()
                .to_string()
                .contains("1 PB")
        );
        assert!(parse_rate("1000 Gbps").is_ok());
        assert!(
            parse_rate("1001 Gbps")
                .unwrap_err()
                .to_string()
                .contains("1 Tbps")
        );
        assert!(parse_rate("179769313486231570000000000000000000000 GB/s").is_err());
        assert!(parse_rate("200 GB/s").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(90.0));
        assert_eq!(parse_duration("5m"), Ok(300.0));
        assert_eq!(parse_duration("2h"), Ok(7200.0));
        assert_eq!(parse_duration("3d"), Ok(259_200.0));
        assert_eq!(parse_duration("1h30m"), Ok(5400.0));
        assert_eq!(parse_duration("1h 30m"), Ok(5400.0));
        assert_eq!(parse_duration("250ms"), Ok(0.25));
        assert_eq!(parse_duration("2.5 h"), Ok(9000.0));
        assert_eq!(parse_duration("0s"), Ok(0.0));
        for bad in ["", "90", "5 minutes", "h", "-5m", "5m30"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.to_string().contains("not a duration"), "{bad}: {err}");
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512 GiB"), Ok(512.0 * 1024.0 * 1024.0 * 1024.0));
        assert_eq!(parse_size("45 GB"), Ok(45e9));
        assert_eq!(parse_size("1.5TB"), Ok(1.5e12));
        assert!(
            parse_size("12 gigs")
                .unwrap_err()
                .to_string()
                .contains("GiB")
        );
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("200 Mbps"), Ok(25e6));
        assert_eq!(parse_rate("1 Gbps"), Ok(125e6));
        assert_eq!(parse_rate("4 MB/s"), Ok(4e6));
        assert_eq!(parse_rate("1 MiB/s"), Ok(1024.0 * 1024.0));
        assert!(parse_rate("4 MBps").is_err());
        assert!(parse_rate("fast").unwrap_err().to_string().contains("Mbps"));
    }

    #[test]
    fn formatting_round_trips_readably() {
        assert_eq!(format_duration_s(5400.0), "1h30m");
        assert_eq!(format_duration_s(90.5), "1m30.500s");
        assert_eq!(format_duration_s(0.0), "0s");
        assert_eq!(format_bytes(45e9), "45 GB");
        assert_eq!(format_bytes(1_234_567.0), "1.23 MB");
        assert_eq!(format_rate(25e6), "200 Mbps");
        assert_eq!(format_rate(1.75e6), "14 Mbps");
        assert_eq!(format_byte_rate(54e6), "54 MB/s");
        assert_eq!(format_duration_short(42.46), "42.5s");
        assert_eq!(format_duration_short(750.0), "12m30s");
        assert_eq!(format_duration_short(11_100.0), "3h05m");
        assert_eq!(format_duration_short(187_200.0), "2d04h");
    }

    #[test]
    fn weekly_windows() {
        let hours = |h: i64| SimDuration::from_secs(h * 3600);
        let w = parse_weekly_window("Sun 02:00-06:00").unwrap();
        assert_eq!(w.start, hours(6 * 24 + 2));
        assert_eq!(w.length, hours(4));
        let w = parse_weekly_window("Sat 22:00-02:00").unwrap();
        assert_eq!(w.length, hours(4));
        assert!(parse_weekly_window("Sun 02:00").is_err());
    }

    #[test]
    fn weekly_windows_across_days_and_the_weeks_end() {
        let hours = |h: i64| SimDuration::from_secs(h * 3600);
        // Saturday 20:00 (day 5) to Sunday 06:00: 10 h.
        let w = parse_weekly_window("Sat 20:00-Sun 06:00").unwrap();
        assert_eq!((w.start, w.length), (hours(5 * 24 + 20), hours(10)));
        // A weekend: Friday 18:00 to Monday 06:00, across the week's end.
        let w = parse_weekly_window("Fri 18:00 - Mon 06:00").unwrap();
        assert_eq!((w.start, w.length), (hours(4 * 24 + 18), hours(60)));
        let w = parse_weekly_window("Sun 22:00-Mon 02:00").unwrap();
        assert_eq!((w.start, w.length), (hours(6 * 24 + 22), hours(4)));
        // The same day named at both ends, later: the same day.
        let w = parse_weekly_window("Tue 08:00-Tue 18:00").unwrap();
        assert_eq!(w.length, hours(10));
        // Earlier on the same named day: six days and more.
        let w = parse_weekly_window("Tue 18:00-Tue 08:00").unwrap();
        assert_eq!(w.length, hours(6 * 24 + 14));
        for (text, why) in [
            ("Sat 20:00-Sat 20:00", "same time"),
            ("Mon 10:00-10:00", "same time"),
            ("Sat 20:00-Sun", "not a weekly window"),
            ("20:00-Sun 06:00", "not a weekly window"),
            ("Sat 20:00-Sunday 06:00", "not a weekly window"),
            ("Sat 20:00-Sun 25:00", "not a weekly window"),
        ] {
            let err = parse_weekly_window(text).unwrap_err();
            assert!(err.contains(why), "{text}: {err}");
        }
    }

    #[test]
    fn weekday_times() {
        assert_eq!(parse_weekday_time("Mon 00:00"), Some(SimTime::EPOCH));
        assert_eq!(
            parse_weekday_time("Tue 14:30"),
            Some(SimTime::from_millis(
                (24 * 3600 + 14 * 3600 + 30 * 60) * 1000
            ))
        );
        assert_eq!(
            parse_weekday_time("sun 23:59:59").map(|t| t.as_millis()),
            Some(604_799_000)
        );
        assert_eq!(parse_weekday_time("Tue 25:00"), None);
        assert_eq!(parse_weekday_time("Tuesday 10:00"), None);
    }

    #[test]
    fn shares_never_round_to_all_or_nothing() {
        assert_eq!(format_share(1.0), "100.0%");
        assert_eq!(format_share(0.0), "0.0%");
        assert_eq!(format_share(0.8), "80.0%");
        assert_eq!(format_share(9998.0 / 10_000.0), "99.98%");
        assert_eq!(format_share(0.99996), "99.996%");
        assert_eq!(format_share(1.0 / 100_000.0), "0.001%");
        assert_eq!(format_share(0.1234), "12.3%");
    }

    #[test]
    fn churn_can_be_written_per_hour_or_per_day() {
        let close = |text: &str, expected: f64| {
            let got = parse_rate(text).expect("a rate");
            assert!((got - expected).abs() < 1e-6 * expected, "{text}: {got}");
        };
        close("2.16 TB/day", 25e6);
        close("500 GB/day", 500e9 / 86_400.0);
        close("36 GB/h", 10e6);
        close("1 GiB/day", 1_073_741_824.0 / 86_400.0);
        assert!(parse_rate("5 GB/week").is_err());
    }
}
