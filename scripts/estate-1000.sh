#!/usr/bin/env bash
# Regenerates the shipped estates from synthesised Deployment Planner sheets
# (scripts/synth_planner.py: seeded, reproducible, not measured data):
#   scenarios/planner-sample.csv        40 VMs, domain controllers and DNS, an
#   tests/fixtures/planner-sample.xlsx  Application column; the same as a workbook
#   scenarios/planner-1000.csv          1,000 VMs
#   scenarios/estate-1000.toml          the 1,000-VM estate in 10 plans of 100
#                                       (benches, docs/performance.md)
# The estate's churn is written as constant rates (--churn constant): the
# daily profile `init` writes by default changes every VM's rate each hour,
# which costs far more per replication (docs/performance.md, "Estates").
# tests/integration/planner.rs checks the shipped files are this script's.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 scripts/synth_planner.py 40 7 --infrastructure \
  --xlsx tests/fixtures/planner-sample.xlsx > scenarios/planner-sample.csv
python3 scripts/synth_planner.py 1000 1 > scenarios/planner-1000.csv
cargo run --release --quiet -- init --from-planner scenarios/planner-1000.csv \
  --churn constant --out scenarios/estate-1000.toml --force
