#!/usr/bin/env python3
"""A mutation campaign over the shipped scenarios (issue [12], "Done means").

Each mutant is a shipped scenario with 1 to 3 random edits (a value replaced
by an extreme or malformed one, a line deleted or duplicated, a key renamed,
an id lengthened, a count raised), run as `drsim run -n K --no-charts -q`
(K = 2 to 5) under a 30 s timeout. It counts exit statuses: 0 to 3 are
answers, anything else (101 a panic, 134 an abort, a signal) is a failure,
and so is a run past 30 s. Deterministic for a given --seed.

    python3 fuzz/mutate.py --binary target/release/drsim --mutants 20000 --jobs 2

Failing mutants are kept in --keep (default fuzz/failures/) with their
stderr, to become fuzz seeds or tests.
"""

import argparse
import concurrent.futures
import glob
import os
import random
import re
import shutil
import subprocess
import tempfile
import time

EXTREMES = [
    "0", "-1", "1e308", "-1e308", "1e-300", "nan", "inf", "18446744073709551615",
    "0.0", "1", "2", "100", "65536", "4294967296", "\"\"", "\"0 bps\"", "\"0.1 bps\"",
    "\"1 bps\"", "\"1 Tbps\"", "\"10 y\"", "\"3650d\"", "\"1ms\"", "\"0s\"", "\"1 PB\"",
    "\"0 GiB\"", "\"125 GB/s\"", "\"54 MB/s\"", "\"1 B/s\"", "\"x\"", "true", "[]", "{}",
    "{ dist = \"uniform\", min = \"1m\", max = \"1ms\" }",
    "{ dist = \"lognormal\", median = \"1h\", p95 = \"100d\" }",
    "{ process = \"bursts\", per_hour = 200000, size = \"100 B\" }",
    "{ process = \"on-off\", on = \"1ms\", off = \"1ms\", rate = \"50 MB/s\" }",
    "\"" + "g" * 70000 + "\"",
]


def mutate(text, rng):
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        kind = rng.random()
        value_lines = [i for i, l in enumerate(lines) if re.match(r"^\s*[A-Za-z_]+\s*=", l)]
        if kind < 0.55 and value_lines:
            i = rng.choice(value_lines)
            key = lines[i].split("=", 1)[0]
            lines[i] = f"{key}= {rng.choice(EXTREMES)}"
        elif kind < 0.65 and lines:
            del lines[rng.randrange(len(lines))]
        elif kind < 0.75 and lines:
            i = rng.randrange(len(lines))
            lines.insert(i, lines[i])
        elif kind < 0.85 and value_lines:
            i = rng.choice(value_lines)
            key, value = lines[i].split("=", 1)
            lines[i] = f"{key.strip()}x ={value}"
        elif kind < 0.93:
            i = rng.randrange(len(lines) + 1)
            lines.insert(i, rng.choice([
                "count = 16", "count = 100", "weight = 1e9", "consistency_group = \"cg\"",
                "[[outage]]\nkind = \"link\"\nlink = \"wan\"\nat = \"before\"\nbefore = \"1h\"\nduration = \"3650d\"",
                "history = \"30d\"", "process_servers = 0", "[[vm]]",
            ]))
        else:
            ids = [i for i, l in enumerate(lines) if re.match(r"^\s*id\s*=", l)]
            if ids:
                i = rng.choice(ids)
                lines[i] = lines[i].rstrip().rstrip('"') + rng.choice(["\\\"", "\\n", "\u0007", "é", "-" * 200]) + '"'
    return "\n".join(lines)


def run_one(args, index, text):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.toml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        n = str(2 + index % 4)
        started = time.monotonic()
        try:
            p = subprocess.run(
                [args.binary, "run", path, "-n", n, "--no-charts", "-q", "--threads", "1",
                 "--out", os.path.join(tmp, "out")],
                capture_output=True, timeout=args.timeout,
            )
            code, err = p.returncode, p.stderr.decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            code, err = "timeout", ""
        return index, code, time.monotonic() - started, err


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="target/release/drsim")
    ap.add_argument("--mutants", type=int, default=20000)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--keep", default="fuzz/failures")
    args = ap.parse_args()
    bases = [open(f, encoding="utf-8").read() for f in sorted(glob.glob("scenarios/*.toml"))]
    rng = random.Random(args.seed)
    mutants = [mutate(rng.choice(bases), rng) for _ in range(args.mutants)]
    counts, slow, failures, longest = {}, 0, [], 0.0
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for index, code, took, err in pool.map(lambda im: run_one(args, *im), enumerate(mutants)):
            counts[code] = counts.get(code, 0) + 1
            longest = max(longest, took)
            if code not in (0, 1, 2, 3) or took > args.timeout:
                slow += code == "timeout"
                failures.append((index, code, err))
    os.makedirs(args.keep, exist_ok=True)
    for index, code, err in failures:
        base = os.path.join(args.keep, f"mutant-{index}")
        with open(base + ".toml", "w", encoding="utf-8") as f:
            f.write(mutants[index])
        with open(base + ".stderr", "w", encoding="utf-8") as f:
            f.write(f"exit {code}\n{err}")
    print(f"{args.mutants} mutants (seed {args.seed}) in {time.monotonic() - started:.0f} s; "
          f"exit statuses {dict(sorted(counts.items(), key=str))}; "
          f"failures (not 0-3, or past {args.timeout:.0f} s) {len(failures)}, of them timeouts {slow}; "
          f"longest run {longest:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
