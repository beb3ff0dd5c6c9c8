//! `--shard I/N`: one contiguous slice of a study's work (a run's replications,
//! a sweep's points, a probe's slices), for
//! spreading a run over the nodes of a cluster (docs/scale-out.md).
//!
//! Shard I of N holds replications `floor((I-1) R / N) .. floor(I R / N)` of
//! the R the run asks for. Replication k's random streams depend only on
//! `(seed, k)`, never on the shard, so `drsim merge` of the N shards writes
//! exactly the files one process would.

use std::ops::Range;
use std::path::Path;

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

/// Why a shard (or a set of shards) cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    #[error("`{0}` is not a shard; write I/N (1-based, e.g. 2/4) or auto")]
    NotAShard(String),
    #[error("shard {index}/{count} does not exist: shards are numbered 1 to N")]
    NoSuchShard { index: u64, count: u64 },
    /// `auto` found no job array, or one that does not say which shard this
    /// is; the message says what the environment lacks.
    #[error("{0}")]
    Environment(String),
    #[error("shard {label} is given twice ({first} and {second})")]
    GivenTwice {
        label: String,
        first: String,
        second: String,
    },
    #[error("{} {} missing: every shard 1/{count} to {count}/{count} is needed", if .missing.len() == 1 { "shard" } else { "shards" }, missing_list(.missing, *.count))]
    Missing { missing: Vec<u64>, count: u64 },
}

fn missing_list(missing: &[u64], count: u64) -> String {
    let labels: Vec<String> = missing.iter().map(|i| format!("{i}/{count}")).collect();
    match labels.len() {
        1 => format!("{} is", labels[0]),
        _ => format!("{} are", labels.join(", ")),
    }
}

impl Shard {
    /// `I/N`, or `auto`: from a Slurm job array (`SLURM_ARRAY_TASK_ID`,
    /// `SLURM_ARRAY_TASK_COUNT`, and `SLURM_ARRAY_TASK_MIN` and
    /// `SLURM_ARRAY_TASK_STEP` for arrays that do not start at 0 or do not
    /// step by one) or a Kubernetes Indexed Job (`JOB_COMPLETION_INDEX`,
    /// 0-based, with `shards` from `--shards N`). `env` reads the environment.
    pub fn parse(
        text: &str,
        shards: Option<u64>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Shard, ShardError> {
        let environment = |message: &str| ShardError::Environment(message.to_string());
        if text != "auto" {
            let parsed = text.split_once('/').and_then(|(i, n)| {
                Some((i.trim().parse::<u64>().ok()?, n.trim().parse::<u64>().ok()?))
            });
            return match parsed {
                Some((index, count)) => Shard::new(index, count),
                None => Err(ShardError::NotAShard(text.to_string())),
            };
        }
        let number = |name: &str| -> Result<Option<u64>, ShardError> {
            match env(name) {
                None => Ok(None),
                Some(v) => v.trim().parse().map(Some).map_err(|_| {
                    ShardError::Environment(format!("{name}={v} is not a whole number"))
                }),
            }
        };
        if let Some(id) = number("SLURM_ARRAY_TASK_ID")? {
            let count = number("SLURM_ARRAY_TASK_COUNT")?.ok_or_else(|| environment(
                "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not: run inside an sbatch --array job",
            ))?;
            let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let step = number("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
            if id < min || (id - min) % step != 0 {
                return Err(ShardError::Environment(format!(
                    "SLURM_ARRAY_TASK_ID={id} is not on the array's grid (min {min}, step {step}); use a contiguous --array such as 0-{}",
                    count.saturating_sub(1)
                )));
            }
            return Shard::new((id - min) / step + 1, count);
        }
        if let Some(index) = number("JOB_COMPLETION_INDEX")? {
            let count = shards.ok_or_else(|| environment(
                "JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job): also pass --shards N, the Job's completions",
            ))?;
            return Shard::new(index + 1, count);
        }
        Err(environment(
            "--shard auto needs a Slurm job array (SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX with --shards N); neither is set, so give the shard as I/N",
        ))
    }

    pub fn new(index: u64, count: u64) -> Result<Shard, ShardError> {
        if count == 0 || index == 0 || index > count {
            return Err(ShardError::NoSuchShard { index, count });
        }
        Ok(Shard { index, count })
    }

    /// The replications of this shard among `total`.
    pub fn range(self, total: u64) -> Range<u64> {
        let at = |i: u64| (u128::from(i) * u128::from(total) / u128::from(self.count)) as u64;
        at(self.index - 1)..at(self.index)
    }

    pub fn label(self) -> String {
        format!("{}/{}", self.index, self.count)
    }
}

/// Checks that `given` (shards of `count`, sorted by index, each with the
/// directory it was read from) holds every shard 1/N to N/N exactly once;
/// otherwise says which is given twice or which are missing.
pub fn check_every_shard_once(given: &[(Shard, &Path)], count: u64) -> Result<(), ShardError> {
    if let Some(pair) = given.windows(2).find(|w| w[0].0.index == w[1].0.index) {
        return Err(ShardError::GivenTwice {
            label: pair[0].0.label(),
            first: pair[0].1.display().to_string(),
            second: pair[1].1.display().to_string(),
        });
    }
    let missing: Vec<u64> = (1..=count)
        .filter(|i| !given.iter().any(|(s, _)| s.index == *i))
        .collect();
    match missing.is_empty() {
        true => Ok(()),
        false => Err(ShardError::Missing { missing, count }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn shards_split_the_replications_without_gap_or_overlap() {
        for (total, count) in [(10, 3), (1000, 4), (7, 7), (5, 1), (1_000_003, 16)] {
            let mut next = 0;
            for index in 1..=count {
                let r = Shard::new(index, count).unwrap().range(total);
                assert_eq!(r.start, next);
                assert!(r.end - r.start >= total / count);
                next = r.end;
            }
            assert_eq!(next, total);
        }
        assert_eq!(Shard::new(2, 3).unwrap().range(10), 3..6);
    }

    #[test]
    fn a_shard_given_twice_or_missing_is_named() {
        let s = |i| Shard::new(i, 4).unwrap();
        let (a, b) = (Path::new("a"), Path::new("b"));
        let all = [(s(1), a), (s(2), a), (s(3), a), (s(4), b)];
        assert_eq!(check_every_shard_once(&all, 4), Ok(()));
        let twice = [(s(1), a), (s(2), a), (s(2), b), (s(3), a), (s(4), a)];
        assert_eq!(
            check_every_shard_once(&twice, 4).unwrap_err().to_string(),
            "shard 2/4 is given twice (a and b)"
        );
        let gaps = [(s(1), a), (s(4), a)];
        assert_eq!(
            check_every_shard_once(&gaps, 4).unwrap_err().to_string(),
            "shards 2/4, 3/4 are missing: every shard 1/4 to 4/4 is needed"
        );
        assert_eq!(
            check_every_shard_once(&gaps[..1], 2)
                .unwrap_err()
                .to_string(),
            "shard 2/2 is missing: every shard 1/2 to 2/2 is needed"
        );
    }

    #[test]
    fn shards_come_from_the_flag_slurm_or_kubernetes() {
        let none = env(&[]);
        assert_eq!(
            Shard::parse("2/4", None, &none),
            Ok(Shard { index: 2, count: 4 })
        );
        assert!(
            Shard::parse("0/4", None, &none)
                .unwrap_err()
                .to_string()
                .contains("numbered 1 to N")
        );
        assert!(Shard::parse("5/4", None, &none).is_err());
        assert!(
            Shard::parse("two", None, &none)
                .unwrap_err()
                .to_string()
                .contains("I/N")
        );
        assert!(
            Shard::parse("auto", None, &none)
                .unwrap_err()
                .to_string()
                .contains("neither is set")
        );
        // A Slurm array 0-3, and one that starts at 1 (--array=1-4).
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "0"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert_eq!(
            Shard::parse("auto", None, slurm),
            Ok(Shard { index: 1, count: 4 })
        );
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
        ]);
        assert_eq!(
            Shard::parse("auto", None, slurm),
            Ok(Shard { index: 4, count: 4 })
        );
        let k8s = env(&[("JOB_COMPLETION_INDEX", "2")]);
        assert_eq!(
            Shard::parse("auto", Some(3), &k8s),
            Ok(Shard { index: 3, count: 3 })
        );
        assert!(
            Shard::parse("auto", None, &k8s)
                .unwrap_err()
                .to_string()
                .contains("--shards N")
        );
    }
}
