#!/usr/bin/env bash
# A real scheduler in CI: starts a one-node Slurm cluster (Debian's slurmctld,
# slurmd, slurm-client and munge, daemons started by hand: no systemd), runs a
# shipped scenario as a job array of 4 shards (`drsim run --shard auto`), merges
# them in a job that depends on the array (`drsim merge`), and checks that the
# merge equals a single-process run byte for byte; then the same for a sweep's
# grid points (`drsim sweep --shard auto`), and a `size` bisection shared by
# an array through one directory (`drsim size --shard auto --out DIR`).
# Stops every daemon it started.
# Usage: .ci/slurm-shards.sh PATH/TO/drsim   (run as root, from the repository root)
set -euo pipefail

DRSIM=$(realpath "${1:?usage: $0 PATH/TO/drsim}")
REPO=$(pwd)
BASE=/tmp/drsim-slurm            # cluster state, spool, logs, pidfiles
OUT=/tmp/drsim-slurm-out         # shard, merge and single-run outputs
CONF=/etc/slurm/slurm.conf
SCENARIO=scenarios/three-tier.toml
RUNS=2000

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
   || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      slurmctld slurmd slurm-client munge >/dev/null
  }
  install || { apt-get update -qq; install; }
fi

stop_pidfile() {
  local f=$1 p
  [ -s "$f" ] || return 0
  p=$(cat "$f")
  if kill -0 "$p" 2>/dev/null; then
    kill "$p"
    for _ in $(seq 200); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && kill -9 "$p"
  fi
  rm -f "$f"
}
stop_pidfile "$BASE/slurmd.pid"
stop_pidfile "$BASE/slurmctld.pid"
rm -rf "$BASE" "$OUT"
mkdir -p "$BASE"/{state,spool,log} "$OUT"

# munge: the key, its run directory, the daemon (unless one already answers).
STARTED_MUNGE=0
if [ ! -s /etc/munge/munge.key ]; then
  mungekey --create --keyfile=/etc/munge/munge.key
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
fi
mkdir -p /run/munge && chown munge:munge /run/munge && chmod 0755 /run/munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  runuser -u munge -- /usr/sbin/munged --force
  STARTED_MUNGE=1
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
fi
munge -n | unmunge >/dev/null

NODE=$(hostname -s)
HW=$(slurmd -C | head -1 | sed -e 's/^NodeName=[^ ]* //')
mkdir -p /etc/slurm
cat > "$CONF" <<EOF
ClusterName=drsim-ci
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=$BASE/state
SlurmdSpoolDir=$BASE/spool
SlurmctldPidFile=$BASE/slurmctld.pid
SlurmdPidFile=$BASE/slurmd.pid
SlurmctldLogFile=$BASE/log/slurmctld.log
SlurmdLogFile=$BASE/log/slurmd.log
NodeName=$NODE NodeAddr=127.0.0.1 $HW State=UNKNOWN
PartitionName=ci Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

cleanup() {
  stop_pidfile "$BASE/slurmd.pid"
  stop_pidfile "$BASE/slurmctld.pid"
  [ "$STARTED_MUNGE" = 1 ] && stop_pidfile /run/munge/munged.pid
  return 0
}
trap 'rc=$?; cleanup; [ $rc -ne 0 ] && tail -n 30 "$BASE"/log/*.log "$OUT"/*.log >&2 2>/dev/null; exit $rc' EXIT

slurmctld -c
for _ in $(seq 100); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.1; done
slurmd -N "$NODE"
for _ in $(seq 300); do
  [ "$(sinfo -h -n "$NODE" -o %T 2>/dev/null)" = idle ] && break; sleep 0.1
done
[ "$(sinfo -h -n "$NODE" -o %T)" = idle ]
echo "slurm: one-node cluster up on $NODE"

# The array starts at 1 (SLURM_ARRAY_TASK_MIN = 1): drsim maps it to shards 1/4 .. 4/4.
ARRAY=$(sbatch --parsable --array=1-4 --chdir="$REPO" --output="$OUT/shard-%a.log" \
  --wrap "'$DRSIM' run $SCENARIO -n $RUNS --per-vm --quiet --shard auto --out '$OUT'/shard-\$SLURM_ARRAY_TASK_ID")
MERGE=$(sbatch --parsable --dependency=afterok:"$ARRAY" --chdir="$REPO" --output="$OUT/merge.log" \
  --wrap "'$DRSIM' merge --quiet --out '$OUT'/merged '$OUT'/shard-1 '$OUT'/shard-2 '$OUT'/shard-3 '$OUT'/shard-4")
echo "slurm: array job $ARRAY (4 shards), merge job $MERGE after it"
for _ in $(seq 1800); do
  [ -z "$(squeue -h -j "$ARRAY,$MERGE" 2>/dev/null)" ] && break; sleep 0.1
done
[ -s "$OUT/merged/manifest.json" ] || { echo "FAIL: the merge job wrote nothing" >&2; exit 1; }

"$DRSIM" run $SCENARIO -n $RUNS --per-vm --quiet --out "$OUT/single"
for f in "$OUT"/single/*; do
  name=$(basename "$f")
  [ "$name" = manifest.json ] && continue
  cmp "$f" "$OUT/merged/$name" || { echo "FAIL: $name differs between the Slurm merge and a single run" >&2; exit 1; }
done
[ "$(ls "$OUT/single" | wc -l)" = "$(ls "$OUT/merged" | wc -l)" ]
grep -q '"4/4"' "$OUT/merged/manifest.json"
echo "slurm: 4 shards run as a job array and merged by a dependent job equal a single run byte for byte ($(ls "$OUT/single" | wc -l) files)"

# A sweep's grid points as an array starting at 0 (3 shards of 5 points),
# merged by a dependent job, equal to the single sweep byte for byte.
VARY="link.wan.bandwidth=50Mbps..250Mbps:5"
SWEEP=$(sbatch --parsable --array=0-2 --chdir="$REPO" --output="$OUT/sweep-%a.log" \
  --wrap "'$DRSIM' sweep scenarios/minimal.toml --vary $VARY -n 200 --quiet --shard auto --out '$OUT'/sweep-\$SLURM_ARRAY_TASK_ID")
SWEEP_MERGE=$(sbatch --parsable --dependency=afterok:"$SWEEP" --chdir="$REPO" --output="$OUT/sweep-merge.log" \
  --wrap "'$DRSIM' merge --quiet --out '$OUT'/sweep-merged '$OUT'/sweep-0 '$OUT'/sweep-1 '$OUT'/sweep-2")
for _ in $(seq 1800); do
  [ -z "$(squeue -h -j "$SWEEP,$SWEEP_MERGE" 2>/dev/null)" ] && break; sleep 0.1
done
[ -s "$OUT/sweep-merged/sweep.csv" ] || { echo "FAIL: the sweep merge job wrote nothing" >&2; exit 1; }
"$DRSIM" sweep scenarios/minimal.toml --vary "$VARY" -n 200 --quiet --out "$OUT/sweep-single"
for f in "$OUT"/sweep-single/*; do
  # The manifests differ only in when and by which command line they were
  # written; the merged one is checked by re-making the sweep (verify).
  [ "$(basename "$f")" = manifest.json ] && continue
  cmp "$f" "$OUT/sweep-merged/$(basename "$f")" || { echo "FAIL: $(basename "$f") differs between the Slurm sweep merge and a single sweep" >&2; exit 1; }
done
[ "$(ls "$OUT/sweep-single" | wc -l)" = "$(ls "$OUT/sweep-merged" | wc -l)" ]
(cd "$REPO" && "$DRSIM" verify "$OUT/sweep-merged") || { echo "FAIL: the merged sweep does not verify" >&2; exit 1; }
echo "slurm: a sweep's 5 points as 3 array shards merged by a dependent job equal a single sweep byte for byte ($(ls "$OUT/sweep-single" | wc -l) files)"

# A bisection (`size`) shared by an array of 3 shards through one directory:
# every probe's replications split among the shards, which run as the node's
# cores allow (the third may start after the others finished and only read
# the counts). Every shard must print the single process's answer byte for byte.
SIZE_TARGET='rto<=2h@95%'
SIZE_ARGS="scenarios/three-tier.toml --vary recovery.decision_delay --between 1m..3h -n 2000"
SIZE=$(sbatch --parsable --array=1-3 --chdir="$REPO" --output="$OUT/size-%a.txt" --error="$OUT/size-%a.log" \
  --wrap "'$DRSIM' size $SIZE_ARGS --target '$SIZE_TARGET' --threads 1 --shard auto --out '$OUT'/size-search")
for _ in $(seq 1800); do
  [ -z "$(squeue -h -j "$SIZE" 2>/dev/null)" ] && break; sleep 0.1
done
"$DRSIM" size $SIZE_ARGS --target "$SIZE_TARGET" > "$OUT/size-single.txt"
[ -s "$OUT/size-single.txt" ]
for f in "$OUT"/size-1.txt "$OUT"/size-2.txt "$OUT"/size-3.txt "$OUT"/size-search/size.txt; do
  cmp "$f" "$OUT/size-single.txt" || { echo "FAIL: $f differs from a single size process" >&2; exit 1; }
done
echo "slurm: a size search shared by 3 array shards gives a single process's answer byte for byte ($(ls "$OUT"/size-search/probes | wc -l) probes; slices run per shard: $(cat "$OUT"/size-search/probes/*/*.done | grep -o 'shard [0-9]/3' | sort | uniq -c | tr -s ' ' | paste -sd,))"
