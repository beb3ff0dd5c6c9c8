//! `size --shard I/N --out DIR`: one bisection whose probes' replications are
//! shared among cooperating processes through a directory they all see.
//!
//! A bisection cannot hand its probes out in advance (each probe's value
//! depends on the verdict of the one before), but every probe is a sum over
//! replications, and replication k's random streams depend only on
//! `(seed, k)`. So each probe's replications are cut into M = 4 N contiguous
//! slices (as `run --shard J/M` cuts a run), and the processes share the
//! slices through `DIR/probes/<value>/`: a process claims a slice by creating
//! `slice-J-of-M.claim` (exclusively), runs it, and publishes its counts as
//! `slice-J-of-M.done` (renamed into place whole). Shard I starts with its
//! own four slices, then takes any slice nobody has claimed, then waits for
//! the slices others are running. Once every slice of a probe is done, every process
//! holds the same exact counts, so every process takes the same next step of
//! the bisection and ends with the answer one `size` process gives, byte for
//! byte; each writes it to `DIR/size.txt` and `DIR/size.json`.
//!
//! Nothing needs the processes to run at the same time: a shard that starts
//! alone runs every slice itself, and one that starts after the search has
//! finished reads the counts and writes the answer. A process that dies
//! mid-slice leaves its claim; the claimant rewrites its claim file every few
//! seconds while it works, and a claim nobody has rewritten for
//! `--claim-timeout` (measured on the waiting process's own clock, so clocks
//! of different nodes need not agree) is taken over. A slice run twice (after
//! a takeover that was not needed) gives the same counts, so the answer
//! cannot change; only the time is lost. The directory also lets a stopped
//! search resume where it was.

use std::collections::HashMap;
use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::report::manifest::MANIFEST;
use crate::report::{AtomicFile, sha256_hex};
use crate::scenario::ScenarioFile;
use crate::study::Stop;
use crate::study::shard::Shard;

/// What a search's directory is for; written by the first shard to arrive.
pub const SIZE_JOB: &str = "size-job.json";
/// The answer, as `size` prints it in text and in JSON.
pub const SIZE_TEXT: &str = "size.txt";
pub const SIZE_JSON: &str = "size.json";
const FORMAT: &str = "drsim-size-search 2";
/// How often a waiting process looks for the slices it waits for: soon at
/// first (a probe's last slice is often a moment away), then less often, so
/// that a long wait does not load a shared file system.
const FIRST_POLL: Duration = Duration::from_millis(2);
const LAST_POLL: Duration = Duration::from_millis(100);

/// Each shard's part of a probe is cut into this many slices, so that a
/// shard done with its own early helps one that is not (with one slice each,
/// every probe would wait for its slowest shard).
const SLICES_PER_SHARD: u64 = 4;

/// Everything that decides a search's probes and their counts: shards given
/// different values here would answer different questions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SizeJob {
    format: String,
    drsim_version: String,
    scenario_sha256: String,
    sets: Vec<String>,
    target: String,
    vary: String,
    between: String,
    seed: Option<u64>,
    replications: Option<u64>,
    tolerance: f64,
    shards: u64,
}

/// What a sizing asks, as given on its command line: what a search's
/// directory records so that only shards of the same search share it.
#[derive(Debug, Clone, Copy)]
pub struct SizeQuestion<'a> {
    pub scenario: &'a ScenarioFile,
    pub sets: &'a [String],
    pub target: &'a str,
    pub vary: &'a str,
    /// The range searched, as given or as defaulted.
    pub between: &'a str,
    pub seed: Option<u64>,
    pub replications: Option<u64>,
    pub tolerance: f64,
}

impl SizeJob {
    pub fn of(q: &SizeQuestion<'_>, shards: u64) -> Result<SizeJob, StoreError> {
        Ok(SizeJob {
            format: FORMAT.into(),
            drsim_version: env!("CARGO_PKG_VERSION").into(),
            scenario_sha256: q.scenario.sha256.clone(),
            sets: q.sets.to_vec(),
            target: q.target.to_string(),
            vary: q.vary.to_string(),
            between: q.between.to_string(),
            seed: q.seed,
            replications: q.replications,
            tolerance: q.tolerance,
            shards,
        })
    }

    /// The first field in which `other` (the directory's) differs, as
    /// `(what, the directory's, this process's)`.
    fn difference(&self, other: &SizeJob) -> Option<(&'static str, String, String)> {
        let as_map = |job: &SizeJob| match serde_json::to_value(job) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => unreachable!("a size job serialises to an object"),
        };
        let (mine, theirs) = (as_map(self), as_map(other));
        let shown = |v: Option<&serde_json::Value>| match v {
            None | Some(serde_json::Value::Null) => "the scenario's".to_string(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
        };
        mine.iter()
            .find(|(key, value)| theirs.get(*key) != Some(value))
            .map(|(key, value)| {
                let what = match key.as_str() {
                    "drsim_version" => "drsim version",
                    "scenario_sha256" => "scenario (SHA-256 of the file)",
                    "sets" => "--set",
                    "target" => "--target",
                    "vary" => "--vary",
                    "between" => "--between",
                    "seed" => "--seed",
                    "replications" => "-n (replications)",
                    "tolerance" => "--tolerance",
                    "shards" => "shard count",
                    _ => "format",
                };
                (what, shown(theirs.get(key)), shown(Some(value)))
            })
    }
}

/// Whether `dir` holds a size search (rather than a run's or sweep's shard).
pub fn is_size_search(dir: &Path) -> bool {
    dir.join(SIZE_JOB).is_file()
}

/// This process's part in a shared search.
#[derive(Debug)]
pub struct SharedProbes {
    dir: PathBuf,
    shard: Shard,
    claim_timeout: Duration,
    /// Who this process is, written into its claims and counts.
    me: String,
    /// This node, in the names of its temporary files.
    node: String,
}

pub use crate::study::size::Counts;

impl SharedProbes {
    /// Joins the search in `dir` (creating it when this is the first shard),
    /// after checking the directory is this search's.
    pub fn join(
        dir: &Path,
        shard: Shard,
        job: &SizeJob,
        claim_timeout: Duration,
    ) -> Result<SharedProbes, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::output(dir, e))?;
        let host = host_name();
        let me = format!(
            "shard {} on {host} (pid {})",
            shard.label(),
            std::process::id()
        );
        let node: String = sha256_hex(host.as_bytes()).chars().take(12).collect();
        let path = dir.join(SIZE_JOB);
        let mut text = serde_json::to_string_pretty(job).expect("a size job always serialises");
        text.push('\n');
        let unexpected = std::fs::read_dir(dir)
            .map_err(|e| StoreError::output(dir, e))?
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .find(|name| !name.starts_with('.') && ![SIZE_JOB, "probes"].contains(&name.as_str()));
        if !path.exists()
            && let Some(name) = unexpected
        {
            return Err(StoreError::refused(
                "--out",
                format!(
                    "{} holds {name} but no {SIZE_JOB}: it is not a size search's directory; give --out a new directory, the same one for every shard of the search",
                    dir.display()
                ),
            ));
        }
        // The first shard's file wins: it is linked into place only if none is there.
        publish_exclusive(&path, text.as_bytes(), &node)?;
        let theirs = std::fs::read_to_string(&path).map_err(|e| StoreError::output(&path, e))?;
        let theirs: SizeJob = serde_json::from_str(&theirs).map_err(|e| {
            StoreError::refused(
                "--out",
                format!("{} is not a size search's job file ({e})", path.display()),
            )
        })?;
        if let Some((what, theirs, mine)) = job.difference(&theirs) {
            return Err(StoreError::refused(
                "--out",
                format!(
                    "{} belongs to another size search: its {what} is {theirs}, this shard's is {mine}. Every shard of one search needs the same scenario file, --set, --target, --vary, --between, -n, --seed, --tolerance, shard count and drsim version; give another search its own --out",
                    dir.display()
                ),
            ));
        }
        std::fs::create_dir_all(dir.join("probes")).map_err(|e| StoreError::output(dir, e))?;
        Ok(SharedProbes {
            dir: dir.to_path_buf(),
            shard,
            claim_timeout,
            me,
            node,
        })
    }

    /// The counts of the probe at `value` over `replications` replications:
    /// the slices already done are read, the others run here with `run`
    /// (given the slice's replications) or awaited from the shard running them.
    pub fn counts<E: From<StoreError>>(
        &self,
        value: f64,
        replications: u64,
        mut run: impl FnMut(Range<u64>) -> Result<Counts, E>,
        stopped: &dyn Fn() -> Option<Stop>,
    ) -> Result<Counts, E> {
        let dir = self
            .dir
            .join("probes")
            .join(format!("{:016x}", value.to_bits()));
        std::fs::create_dir_all(&dir).map_err(|e| StoreError::output(&dir, e))?;
        let n = self.shard.count * SLICES_PER_SHARD;
        // This shard's own slices first, then the ones after them, wrapping round.
        let first = (self.shard.index - 1) * SLICES_PER_SHARD;
        let order: Vec<u64> = (0..n).map(|i| (first + i) % n + 1).collect();
        let mut counts: HashMap<u64, Counts> = HashMap::new();
        // For each slice claimed by another process: its claim as last seen,
        // and when (on this process's clock) it last changed.
        let mut watched: HashMap<u64, (Vec<u8>, Instant)> = HashMap::new();
        let mut pause = FIRST_POLL;
        loop {
            for &j in &order {
                if counts.contains_key(&j) {
                    continue;
                }
                let range = Shard::new(j, n)
                    .expect("j is a slice of n")
                    .range(replications);
                let done = dir.join(format!("slice-{j}-of-{n}.done"));
                if let Some(c) = read_done(&done, range.clone())? {
                    counts.insert(j, c);
                    continue;
                }
                let claim = dir.join(format!("slice-{j}-of-{n}.claim"));
                if let Some(held) = Claim::take(&claim, &self.me)? {
                    let c = held.while_alive(self.claim_timeout, || run(range.clone()))?;
                    let body = format!(
                        "met {}\ntotal {}\nsum_ms {}\nreplications {}..{}\ncomputed by {}\n",
                        c.met, c.total, c.sum_ms, range.start, range.end, self.me
                    );
                    // The lines above, hashed: a count edited by hand is found.
                    let text = format!("{body}sha256 {}\n", sha256_hex(body.as_bytes()));
                    publish(&done, text.as_bytes(), &self.node)?;
                    counts.insert(j, c);
                    continue;
                }
                // Held by another process: note when its claim last changed.
                let seen = std::fs::read(&claim).unwrap_or_default();
                let entry = watched.entry(j).or_insert((seen.clone(), Instant::now()));
                if entry.0 != seen {
                    *entry = (seen, Instant::now());
                } else if entry.1.elapsed() >= self.claim_timeout {
                    // Its claimant has not written for the timeout: gone. The
                    // next pass claims the slice (or finds it done after all).
                    let _ = std::fs::remove_file(&claim);
                    watched.remove(&j);
                }
            }
            if counts.len() as u64 == n {
                break;
            }
            if let Some(stop) = stopped() {
                return Err(StoreError::Stopped {
                    stop,
                    context: format!(
                        "the search stopped while waiting for other shards' slices in {}; what is done there is kept for a rerun",
                        dir.display()
                    ),
                }
                .into());
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(LAST_POLL);
        }
        Ok(counts.values().fold(Counts::default(), |sum, &c| sum + c))
    }

    /// Writes the answer into the directory (every shard writes the same
    /// bytes), and the manifest that lets `verify` re-make it.
    pub fn publish_answer(&self, text: &str, json: &str, manifest: &str) -> Result<(), StoreError> {
        publish(&self.dir.join(SIZE_TEXT), text.as_bytes(), &self.node)?;
        publish(&self.dir.join(SIZE_JSON), json.as_bytes(), &self.node)?;
        publish(&self.dir.join(MANIFEST), manifest.as_bytes(), &self.node)
    }
}

/// A slice's counts from its `.done` file, `None` when there is none yet.
fn read_done(path: &Path, expected: Range<u64>) -> Result<Option<Counts>, StoreError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::output(path, e)),
    };
    // Every line before the last, `sha256 HEX`, is covered by that hash.
    let sealed = text
        .trim_end_matches('\n')
        .rsplit_once('\n')
        .and_then(|(body, last)| Some((body, last.strip_prefix("sha256 ")?)))
        .is_some_and(|(body, hash)| sha256_hex(format!("{body}\n").as_bytes()) == hash.trim());
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .map(str::trim)
    };
    let number = |name: &str| field(name).and_then(|v| v.parse::<usize>().ok());
    let sum_ms = field("sum_ms").and_then(|v| v.parse::<u64>().ok());
    let range = format!("{}..{}", expected.start, expected.end);
    match (
        number("met"),
        number("total"),
        sum_ms,
        field("replications"),
    ) {
        (Some(met), Some(total), Some(sum_ms), Some(r)) if sealed && r == range && met <= total => {
            Ok(Some(Counts { met, total, sum_ms }))
        }
        _ => Err(StoreError::refused(
            "--out",
            format!(
                "{} is not the counts of replications {range}: the search's directory was changed by hand; delete the file (it is run again) or start the search in a new directory",
                path.display()
            ),
        )),
    }
}

/// A slice this process has claimed; dropped, the claim is given up.
struct Claim {
    path: PathBuf,
    me: String,
}

impl Claim {
    /// Claims `path` unless another process holds it.
    fn take(path: &Path, me: &str) -> Result<Option<Claim>, StoreError> {
        match OpenOptions::new().write(true).create_new(true).open(path) {
            Ok(mut file) => {
                let _ = writeln!(file, "{me}, beat 0");
                Ok(Some(Claim {
                    path: path.to_path_buf(),
                    me: me.to_string(),
                }))
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(None),
            Err(e) => Err(StoreError::output(path, e)),
        }
    }

    /// Runs `work`, rewriting the claim often enough within `timeout` that
    /// waiting processes see this one is alive.
    fn while_alive<T>(self, timeout: Duration, work: impl FnOnce() -> T) -> T {
        let beat = (timeout / 4).clamp(Duration::from_millis(50), Duration::from_secs(10));
        let (stop, stopped) = mpsc::channel::<()>();
        std::thread::scope(|scope| {
            let (path, me) = (&self.path, &self.me);
            scope.spawn(move || {
                let mut n = 0u64;
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(beat) {
                    n += 1;
                    let _ = std::fs::write(path, format!("{me}, beat {n}\n"));
                }
            });
            let result = work();
            drop(stop);
            result
        })
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        // Done or failed, the slice is no longer this process's: a failure
        // leaves it to the next process at once instead of after the timeout.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Writes `bytes` to `target` whole: a reader sees the old file or the new.
/// `node` tells this node's temporaries from those of other nodes.
fn publish(target: &Path, bytes: &[u8], node: &str) -> Result<(), StoreError> {
    let mut file =
        AtomicFile::create_tagged(target, node).map_err(|e| StoreError::output(target, e))?;
    file.writer()
        .write_all(bytes)
        .and_then(|_| file.commit())
        .map_err(|e| StoreError::output(target, e))
}

/// Writes `bytes` to `target` whole unless a file is already there.
fn publish_exclusive(target: &Path, bytes: &[u8], node: &str) -> Result<(), StoreError> {
    let mut file =
        AtomicFile::create_tagged(target, node).map_err(|e| StoreError::output(target, e))?;
    file.writer()
        .write_all(bytes)
        .and_then(|_| file.commit_if_absent())
        .map(|_| ())
        .map_err(|e| StoreError::output(target, e))
}

/// This node's name, to tell processes of different nodes apart.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map_or_else(|| "this node".into(), |h| h.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(seed: Option<u64>) -> SizeJob {
        SizeJob {
            format: FORMAT.into(),
            drsim_version: "0".into(),
            scenario_sha256: "ab".into(),
            sets: vec![],
            target: "rpo<=15m@95%".into(),
            vary: "link.wan.bandwidth".into(),
            between: "1Mbps..10Mbps".into(),
            seed,
            replications: Some(100),
            tolerance: 0.005,
            shards: 2,
        }
    }

    /// Shard `index` of `count` of a search (seed 1, its shards field set to `count`) in `dir`.
    fn shard_of(dir: &Path, index: u64, count: u64, timeout: Duration) -> SharedProbes {
        let job = SizeJob {
            shards: count,
            ..job(Some(1))
        };
        SharedProbes::join(dir, Shard::new(index, count).unwrap(), &job, timeout).unwrap()
    }

    /// No signal ever arrives.
    fn never() -> Option<Stop> {
        None
    }

    #[test]
    fn slices_add_up_whoever_runs_them() {
        let dir = tempfile::tempdir().unwrap();
        let a = shard_of(dir.path(), 1, 2, Duration::from_secs(60));
        let b = shard_of(dir.path(), 2, 2, Duration::from_secs(60));
        // Replication k "meets" when k is even and is in the population unless k % 5 == 0.
        let count = |r: Range<u64>| {
            let total = r.clone().filter(|k| k % 5 != 0).count();
            let met = r.clone().filter(|k| k % 5 != 0 && k % 2 == 0).count();
            let sum_ms = r.filter(|k| k % 5 != 0).sum::<u64>() * 1000;
            Ok::<_, StoreError>(Counts { met, total, sum_ms })
        };
        let whole = count(0..101).unwrap();
        assert_eq!(a.counts(2.5, 101, count, &never).unwrap(), whole);
        // The second shard finds both slices done and runs nothing.
        let ran_nothing =
            |_: Range<u64>| -> Result<Counts, StoreError> { panic!("ran a done slice") };
        assert_eq!(b.counts(2.5, 101, ran_nothing, &never).unwrap(), whole);
        let done = std::fs::read_to_string(
            dir.path()
                .join("probes")
                .join(format!("{:016x}", 2.5f64.to_bits()))
                .join("slice-8-of-8.done"),
        )
        .unwrap();
        assert!(done.contains("replications 88..101"), "{done}");
        assert!(done.contains("computed by shard 1/2"), "{done}");
    }

    #[test]
    fn a_claim_nobody_keeps_alive_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let a = shard_of(dir.path(), 1, 1, Duration::from_millis(300));
        let probe = dir
            .path()
            .join("probes")
            .join(format!("{:016x}", 7.0f64.to_bits()));
        std::fs::create_dir_all(&probe).unwrap();
        std::fs::write(probe.join("slice-3-of-4.claim"), "a process that died\n").unwrap();
        let counts = a
            .counts(
                7.0,
                10,
                |r| {
                    Ok::<_, StoreError>(Counts {
                        met: 0,
                        total: r.count(),
                        sum_ms: 1,
                    })
                },
                &never,
            )
            .unwrap();
        assert_eq!((counts.met, counts.total, counts.sum_ms), (0, 10, 4));
        assert!(!probe.join("slice-3-of-4.claim").exists());
        assert!(probe.join("slice-3-of-4.done").exists());
    }

    #[test]
    fn another_search_directory_is_refused_naming_what_differs() {
        let dir = tempfile::tempdir().unwrap();
        let one = Shard::new(1, 2).unwrap();
        SharedProbes::join(dir.path(), one, &job(Some(1)), Duration::from_secs(1)).unwrap();
        let e = SharedProbes::join(dir.path(), one, &job(Some(2)), Duration::from_secs(1))
            .unwrap_err()
            .to_string();
        assert!(e.contains("its --seed is 1, this shard's is 2"), "{e}");
        let other = tempfile::tempdir().unwrap();
        std::fs::write(other.path().join("notes.txt"), "mine").unwrap();
        let e = SharedProbes::join(other.path(), one, &job(Some(1)), Duration::from_secs(1))
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a size search's directory"), "{e}");
        assert_eq!(
            std::fs::read_to_string(other.path().join("notes.txt")).unwrap(),
            "mine"
        );
    }

    #[test]
    fn counts_edited_by_hand_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("slice-1-of-1.done");
        std::fs::write(&path, "met 5\ntotal 4\nreplications 0..10\n").unwrap();
        assert!(read_done(&path, 0..10).is_err());
        std::fs::write(&path, "met 3\ntotal 4\nreplications 0..9\n").unwrap();
        assert!(read_done(&path, 0..10).is_err());
        std::fs::write(&path, "met 3\ntotal 4\nreplications 0..10\n").unwrap();
        assert!(read_done(&path, 0..10).is_err(), "no sum_ms");
        let body = "met 3\ntotal 4\nsum_ms 9\nreplications 0..10\n";
        std::fs::write(&path, body).unwrap();
        assert!(read_done(&path, 0..10).is_err(), "no hash");
        let sealed = format!("{body}sha256 {}\n", sha256_hex(body.as_bytes()));
        std::fs::write(&path, sealed.replace("met 3", "met 4")).unwrap();
        assert!(
            read_done(&path, 0..10).is_err(),
            "a count edited after hashing"
        );
        std::fs::write(&path, &sealed).unwrap();
        assert_eq!(
            read_done(&path, 0..10).unwrap(),
            Some(Counts {
                met: 3,
                total: 4,
                sum_ms: 9
            })
        );
    }
}
