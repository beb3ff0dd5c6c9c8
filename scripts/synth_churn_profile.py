#!/usr/bin/env python3
"""Synthesises scenarios/churn-week.csv: a week of disk write rates for the
three VMs of scenarios/measured-churn.toml, sampled every 5 minutes.

It is NOT a measurement. It stands in for one, with the shape real line-of-
business servers show (docs/model.md, "Measured churn"): writes follow the
working day (a morning ramp, a peak around 10:00-16:00, quiet nights), are
lower at the weekend, the database writes a nightly batch (01:00-03:00), and
every sample carries noise. Deterministic: the same file every run.

    python3 scripts/synth_churn_profile.py > scenarios/churn-week.csv
"""

import math
import random
from datetime import datetime, timedelta, timezone

START = datetime(2026, 11, 2, 0, 0, tzinfo=timezone(timedelta(hours=1)))  # a Monday
STEP = timedelta(minutes=5)
SAMPLES = 7 * 24 * 12

# Per VM: (night rate, working-day peak, weekend share of the peak), MB/s.
VMS = {
    "sql01": (0.6, 6.0, 0.3),
    "app01": (0.2, 2.5, 0.2),
    "web01": (0.05, 0.8, 0.4),
}


def working_day(hour):
    """0 at night, 1 at the day's peak: a smooth ramp 07:00-10:00 and down 16:00-19:00."""
    if 10 <= hour < 16:
        return 1.0
    if 7 <= hour < 10:
        return 0.5 - 0.5 * math.cos(math.pi * (hour - 7) / 3)
    if 16 <= hour < 19:
        return 0.5 + 0.5 * math.cos(math.pi * (hour - 16) / 3)
    return 0.0


def main():
    rng = random.Random(20261203)
    print("# Synthesised by scripts/synth_churn_profile.py: NOT a measurement (see its header).")
    print("time,vm,write_rate")
    for i in range(SAMPLES):
        t = START + i * STEP
        hour = t.hour + t.minute / 60
        weekend = t.weekday() >= 5
        for vm, (night, peak, weekend_share) in VMS.items():
            day = working_day(hour) * (weekend_share if weekend else 1.0)
            rate = night + (peak - night) * day
            if vm == "sql01" and 1 <= hour < 3:
                rate = max(rate, 8.0)  # the nightly batch
            rate *= rng.lognormvariate(0.0, 0.25)
            print(f"{t.isoformat()},{vm},{rate:.3f} MB/s")


if __name__ == "__main__":
    main()
