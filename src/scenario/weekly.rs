//! Weekly windows (failback windows, office hours) as instants on the
//! simulated clock, whose zero is a Monday 00:00.

use super::WeeklyWindow;
use crate::engine::SimTime;

const WEEK_MS: i64 = 7 * 86_400_000;

impl WeeklyWindow {
    /// This window's occurrences in the week of `t` and the weeks either
    /// side, as `[start, end)`.
    fn around(&self, t: SimTime) -> impl Iterator<Item = (SimTime, SimTime)> + '_ {
        let week_start = t.as_millis().div_euclid(WEEK_MS) * WEEK_MS;
        (-1..=1).map(move |k| {
            let start = SimTime::from_millis(week_start + k * WEEK_MS + self.start.as_millis());
            (start, start + self.length)
        })
    }

    /// The earliest instant at or after `t` inside one of `windows` (`t`
    /// itself when there are none).
    pub fn next_inside(windows: &[WeeklyWindow], t: SimTime) -> SimTime {
        windows
            .iter()
            .flat_map(|w| w.around(t))
            .filter(|&(_, end)| end > t)
            .map(|(start, _)| start.max(t))
            .min()
            .unwrap_or(t)
    }

    /// The earliest instant at or after `t` from which `need` fits inside
    /// one window occurrence (`None` when `need` is longer than every
    /// window, or there are none).
    pub fn next_fitting(
        windows: &[WeeklyWindow],
        t: SimTime,
        need: crate::engine::SimDuration,
    ) -> Option<SimTime> {
        // This week's occurrences and the next one's cover every window's
        // next start (a window is at most a week long).
        let next_week = t + crate::engine::SimDuration::from_millis(WEEK_MS);
        windows
            .iter()
            .flat_map(|w| w.around(t).chain(w.around(next_week)))
            .filter_map(|(start, end)| {
                let from = start.max(t);
                (from + need <= end).then_some(from)
            })
            .min()
    }

    /// The end of the window occurrence holding `t`, if one does.
    pub fn end_of_window_at(windows: &[WeeklyWindow], t: SimTime) -> Option<SimTime> {
        windows
            .iter()
            .flat_map(|w| w.around(t))
            .filter(|&(start, end)| start <= t && t < end)
            .map(|(_, end)| end)
            .max()
    }

    /// The earliest instant at or after `t` outside every one of `windows`
    /// (windows that touch or overlap are crossed together).
    pub fn next_outside(windows: &[WeeklyWindow], t: SimTime) -> SimTime {
        let mut t = t;
        // Each pass leaves one window; a week's windows cannot chain longer.
        for _ in 0..=windows.len() {
            let inside = windows
                .iter()
                .flat_map(|w| w.around(t))
                .filter(|&(start, end)| start <= t && t < end)
                .map(|(_, end)| end)
                .max();
            match inside {
                Some(end) => t = end,
                None => return t,
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    fn at(day: i64, hour: i64) -> SimTime {
        SimTime::from_millis((day * 24 + hour) * 3_600_000)
    }

    fn office() -> Vec<WeeklyWindow> {
        (0..5)
            .map(|d| WeeklyWindow {
                start: SimDuration::from_secs((d * 24 + 8) * 3600),
                length: SimDuration::from_secs(10 * 3600),
            })
            .collect()
    }

    #[test]
    fn outside_office_hours_is_the_evening_or_the_weekend() {
        let o = office();
        // Tuesday 10:00 -> Tuesday 18:00; Tuesday 20:00 stays.
        assert_eq!(WeeklyWindow::next_outside(&o, at(1, 10)), at(1, 18));
        assert_eq!(WeeklyWindow::next_outside(&o, at(1, 20)), at(1, 20));
        // Friday 09:00 -> Friday 18:00; the next week's Monday 07:00 stays.
        assert_eq!(WeeklyWindow::next_outside(&o, at(4, 9)), at(4, 18));
        assert_eq!(WeeklyWindow::next_outside(&o, at(7, 7)), at(7, 7));
        // Two windows that touch are left together.
        let touching = vec![
            WeeklyWindow {
                start: SimDuration::from_secs(8 * 3600),
                length: SimDuration::from_secs(4 * 3600),
            },
            WeeklyWindow {
                start: SimDuration::from_secs(12 * 3600),
                length: SimDuration::from_secs(6 * 3600),
            },
        ];
        assert_eq!(WeeklyWindow::next_outside(&touching, at(0, 9)), at(0, 18));
        assert_eq!(WeeklyWindow::next_inside(&o, at(5, 12)), at(7, 8));
    }
}
