//! Reading a flow's recorded trajectory: cumulative bytes written and sent
//! are piecewise linear between breakpoints, so the bytes at an instant and
//! the instant a byte count is reached are exact.

use super::EMPTY_BYTES;
use crate::engine::{SimDuration, SimTime};

/// Cumulative bytes written and sent by one flow at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Breakpoint {
    pub time: SimTime,
    pub written: f64,
    pub sent: f64,
}

/// Cumulative bytes written by `time`, interpolated between breakpoints.
pub fn written_at(history: &[Breakpoint], time: SimTime) -> f64 {
    interpolate(history, time, |b| b.written)
}

/// Cumulative bytes sent by `time`.
pub fn sent_at(history: &[Breakpoint], time: SimTime) -> f64 {
    interpolate(history, time, |b| b.sent)
}

fn interpolate(history: &[Breakpoint], time: SimTime, value: impl Fn(&Breakpoint) -> f64) -> f64 {
    let Some(first) = history.first() else {
        return 0.0;
    };
    if time <= first.time {
        return value(first);
    }
    let after = history.partition_point(|b| b.time <= time);
    if after == history.len() {
        return value(&history[history.len() - 1]);
    }
    let (a, b) = (&history[after - 1], &history[after]);
    let span = b.time.since(a.time).as_secs_f64();
    if span <= 0.0 {
        return value(b);
    }
    let x = time.since(a.time).as_secs_f64() / span;
    value(a) + (value(b) - value(a)) * x
}

/// The first instant at which cumulative sent bytes reach `bytes`, or `None` if
/// they never do within the recorded history.
pub fn time_sent_reaches(history: &[Breakpoint], bytes: f64) -> Option<SimTime> {
    first_reaching(history, bytes, |b| b.sent)
}

/// The first instant at which cumulative written bytes reach `bytes`.
pub fn time_written_reaches(history: &[Breakpoint], bytes: f64) -> Option<SimTime> {
    first_reaching(history, bytes, |b| b.written)
}

fn first_reaching(
    history: &[Breakpoint],
    bytes: f64,
    value: impl Fn(&Breakpoint) -> f64,
) -> Option<SimTime> {
    let tolerance = EMPTY_BYTES;
    let target = bytes - tolerance;
    let first = history.first()?;
    if value(first) >= target {
        return Some(first.time);
    }
    let after = history.partition_point(|b| value(b) < target);
    if after == history.len() {
        return None;
    }
    let (a, b) = (&history[after - 1], &history[after]);
    if b.time <= a.time {
        return Some(b.time);
    }
    let fraction = ((bytes - value(a)) / (value(b) - value(a))).clamp(0.0, 1.0);
    let span_ms = b.time.since(a.time).as_millis() as f64;
    Some(a.time + SimDuration::from_millis((fraction * span_ms).ceil() as i64))
}

#[cfg(test)]
mod tests {
    use super::super::FluidLink;
    use super::*;

    fn t(s: i64) -> SimTime {
        SimTime::from_millis(s * 1000)
    }

    #[test]
    fn arrival_of_a_write_follows_the_fifo_queue() {
        // One flow writing 10 B/s on a 5 B/s link: the write made at 10 s (byte 100)
        // leaves when 100 bytes have been sent, at 20 s.
        let mut link = FluidLink::new(5.0, 1, t(0));
        link.start_recording();
        link.set_input_rate(t(0), 0, 10.0);
        link.set_active(t(0), 0, true);
        link.advance(t(30));
        link.stop_recording();
        let h = link.history(0);
        assert_eq!(written_at(h, t(10)), 100.0);
        assert_eq!(time_sent_reaches(h, 100.0), Some(t(20)));
        assert_eq!(time_written_reaches(h, sent_at(h, t(30))), Some(t(15)));
        assert_eq!(time_sent_reaches(h, 1000.0), None);
    }
}
