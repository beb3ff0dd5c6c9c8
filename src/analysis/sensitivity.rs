//! Which random inputs drive a metric: partial rank correlation coefficients
//! (PRCC; Marino, Hogue, Ray and Kirschner, "A methodology for performing global
//! uncertainty and sensitivity analysis in systems biology", J. Theor. Biol.
//! 254, 2008), computed from the run's own replications.
//!
//! Every input and the metric are replaced by their ranks (ties share their
//! average rank); the PRCC of an input is the correlation between the parts of
//! its ranks and of the metric's ranks that the other inputs do not explain,
//! read off the inverse of the rank correlation matrix: `-P[i][y] /
//! sqrt(P[i][i] P[y][y])`. It lies in [-1, 1]: near 1, the metric grows with the
//! input whatever the others do; near 0, the input does not move it
//! monotonically. Caveats (docs/metrics.md): it measures monotone association,
//! not a share of variance; an effect that rises then falls can score near 0;
//! inputs that move together split their influence; a binary metric (a missed
//! target) has many ties, so its PRCCs are smaller than for a continuous one.
//! Inputs fixed by the scenario are left out, and so are inputs with no path
//! to the metric in the model (bandwidth for the RTO unless a VM fails over
//! to `latest`): a correlation there is noise. An input that acts only when a
//! disaster is declared is measured within the declared disasters, so that a
//! ride-out's short RTO and absent steps do not lend it a sign.

use crate::metrics::MetricId;
use crate::scenario::{Population, TargetMetric};
use crate::stats::Collector;

/// One input's measure for one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub input: String,
    pub description: String,
    /// The PRCC; `None` when the input is not ranked (see `status`).
    pub measure: Option<f64>,
    /// 1 for the largest `|measure|`; `None` when not ranked.
    pub rank: Option<usize>,
    /// The outages the measure is over: the metric's population, or the
    /// declared disasters for an input that acts only in them.
    pub over: Population,
    /// Replications the measure is computed from.
    pub count: usize,
    pub status: Status,
}

/// Why an input is, or is not, ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ranked,
    /// The same in every replication of the population.
    Fixed,
    /// No path to the metric in the model.
    NoPath,
}

impl Status {
    /// As `sensitivity.csv`'s `status` column writes it.
    pub fn name(self) -> &'static str {
        match self {
            Status::Ranked => "ranked",
            Status::Fixed => "fixed",
            Status::NoPath => "no-path",
        }
    }
}

impl Entry {
    /// The sign read out: how the metric moves as the input grows.
    pub fn reading(&self, metric: Ranked) -> Option<String> {
        let m = self.measure?;
        let what = metric.phrase();
        let within = match self.over {
            Population::Declared => ", within declared disasters",
            Population::All => "",
        };
        Some(if m >= 0.0 {
            format!("{what} rises as `{}` grows{within}", self.input)
        } else {
            format!("{what} falls as `{}` grows{within}", self.input)
        })
    }
}

/// The inputs ranked for one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    pub metric: Ranked,
    pub over: Population,
    /// Replications the measures are computed from.
    pub count: usize,
    /// In rank order; fixed inputs last, in input order.
    pub entries: Vec<Entry>,
}

/// What a ranking explains: a target metric itself, or missing its target
/// (1 when missed, 0 when met).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ranked {
    Value(TargetMetric),
    Missed(TargetMetric),
}

impl Ranked {
    fn target(self) -> TargetMetric {
        match self {
            Ranked::Value(m) | Ranked::Missed(m) => m,
        }
    }

    /// As `sensitivity.csv` names it: `rto_s`, `rpo_s`, `rto_missed`, `rpo_missed`.
    pub fn column(self) -> String {
        match self {
            Ranked::Value(m) => m.column().to_string(),
            Ranked::Missed(m) => format!("{}_missed", m.label().to_lowercase()),
        }
    }

    /// As a sentence names it: "the RTO", "missing the RTO target".
    pub fn phrase(self) -> String {
        match self {
            Ranked::Value(m) => format!("the {}", m.label()),
            Ranked::Missed(m) => format!("missing the {} target", m.label()),
        }
    }
}

/// Average ranks (1-based) of `values`; ties share the mean of their ranks.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let average = (i + j) as f64 / 2.0 + 1.0;
        for &o in &order[i..=j] {
            ranks[o] = average;
        }
        i = j + 1;
    }
    ranks
}

/// Inverts a symmetric positive (semi)definite matrix by Gauss-Jordan
/// elimination with partial pivoting; a tiny ridge keeps collinear inputs
/// solvable.
fn invert(mut a: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    let n = a.len();
    for (i, row) in a.iter_mut().enumerate() {
        row[i] += 1e-9;
    }
    let mut inv: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        inv.swap(col, pivot);
        let p = a[col][col];
        if p.abs() < 1e-300 {
            continue;
        }
        for j in 0..n {
            a[col][j] /= p;
            inv[col][j] /= p;
        }
        for r in 0..n {
            if r == col {
                continue;
            }
            let f = a[r][col];
            if f == 0.0 {
                continue;
            }
            for j in 0..n {
                a[r][j] -= f * a[col][j];
                inv[r][j] -= f * inv[col][j];
            }
        }
    }
    inv
}

/// PRCC of each column of `inputs` (one `Vec` per input, aligned with
/// `output`) with `output`; `None` for a column with a single value.
pub fn prcc(inputs: &[Vec<f64>], output: &[f64]) -> Vec<Option<f64>> {
    let varies = |c: &[f64]| c.iter().any(|v| *v != c[0]);
    let used: Vec<usize> = (0..inputs.len())
        .filter(|&i| !inputs[i].is_empty() && varies(&inputs[i]))
        .collect();
    let mut measures = vec![None; inputs.len()];
    if used.is_empty() || output.len() < 3 || !varies(output) {
        return measures;
    }
    let n = output.len() as f64;
    // Ranks centred and scaled to unit length, so dot products are correlations.
    let standardise = |values: &[f64]| -> Vec<f64> {
        let r = ranks(values);
        let mean = (n + 1.0) / 2.0;
        let centred: Vec<f64> = r.iter().map(|x| x - mean).collect();
        let norm = centred
            .iter()
            .map(|x| x * x)
            .sum::<f64>()
            .sqrt()
            .max(1e-300);
        centred.iter().map(|x| x / norm).collect()
    };
    let mut columns: Vec<Vec<f64>> = used.iter().map(|&i| standardise(&inputs[i])).collect();
    columns.push(standardise(output));
    let k = columns.len();
    let mut corr = vec![vec![0.0; k]; k];
    for a in 0..k {
        for b in a..k {
            let c: f64 = columns[a].iter().zip(&columns[b]).map(|(x, y)| x * y).sum();
            corr[a][b] = c;
            corr[b][a] = c;
        }
    }
    let p = invert(corr);
    let y = k - 1;
    for (slot, &i) in used.iter().enumerate() {
        let denominator = (p[slot][slot] * p[y][y]).sqrt();
        let value = if denominator > 0.0 {
            (-p[slot][y] / denominator).clamp(-1.0, 1.0)
        } else {
            0.0
        };
        measures[i] = Some(value);
    }
    measures
}

/// Ranks the inputs for one metric column over `over` (NaN rows left out).
/// Inputs with no path to the metric are left unranked; over every outage,
/// those acting only in declared disasters are measured within them (with
/// every input acting there as a control), the others over every outage.
fn rank_inputs(
    metric: Ranked,
    over: Population,
    collector: &Collector,
    output: &[f64],
    specs: &[crate::cycle::inputs::InputSpec],
) -> Sensitivity {
    let inputs = collector.inputs(over);
    let rows: Vec<usize> = (0..output.len()).filter(|&r| !output[r].is_nan()).collect();
    let declared = match over {
        Population::All => collector.aligned(MetricId::Declared, Population::All),
        Population::Declared => None,
    };
    let declared_rows: Vec<usize> = match &declared {
        Some(flags) => rows.iter().copied().filter(|&r| flags[r] == 1.0).collect(),
        None => rows.clone(),
    };
    // Ride-outs among the rows: the declared-only inputs get their own subset.
    let split = declared_rows.len() < rows.len();
    let reaches: Vec<bool> = specs
        .iter()
        .map(|s| s.reach.reaches(metric.target()))
        .collect();
    let narrow = |i: usize| split && specs[i].reach.declared_only;
    let measure_over = |rows: &[usize], chosen: &dyn Fn(usize) -> bool| -> Vec<Option<f64>> {
        let columns: Vec<Vec<f64>> = inputs
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if chosen(i) {
                    rows.iter().map(|&r| c[r]).collect()
                } else {
                    Vec::new()
                }
            })
            .collect();
        let y: Vec<f64> = rows.iter().map(|&r| output[r]).collect();
        prcc(&columns, &y)
    };
    let wide_measures = measure_over(&rows, &|i| reaches[i] && !narrow(i));
    let narrow_measures = if split {
        measure_over(&declared_rows, &|i| reaches[i])
    } else {
        Vec::new()
    };
    let measured: Vec<(Option<f64>, Population, usize, Status)> = (0..specs.len())
        .map(|i| {
            let (measure, population, count) = if narrow(i) {
                (
                    narrow_measures[i],
                    Population::Declared,
                    declared_rows.len(),
                )
            } else {
                (wide_measures[i], over, rows.len())
            };
            let status = if !reaches[i] {
                Status::NoPath
            } else if measure.is_none() {
                Status::Fixed
            } else {
                Status::Ranked
            };
            (measure.filter(|_| reaches[i]), population, count, status)
        })
        .collect();
    let mut order: Vec<usize> = (0..specs.len()).collect();
    order.sort_by(|&a, &b| match (measured[a].0, measured[b].0) {
        (Some(x), Some(y)) => y.abs().total_cmp(&x.abs()).then(a.cmp(&b)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => measured[a]
            .3
            .name()
            .cmp(measured[b].3.name())
            .then(a.cmp(&b)),
    });
    let entries = order
        .iter()
        .enumerate()
        .map(|(position, &i)| {
            let (measure, over, count, status) = measured[i];
            Entry {
                input: specs[i].name.clone(),
                description: specs[i].description.clone(),
                measure,
                rank: measure.map(|_| position + 1),
                over,
                count,
                status,
            }
        })
        .collect();
    Sensitivity {
        metric,
        over,
        count: rows.len(),
        entries,
    }
}

/// The inputs ranked for the RTO and RPO over the outages their targets are
/// judged on, and for missing each target when some replications missed it and
/// some met it.
pub fn for_run(collector: &Collector, scenario: &crate::scenario::Scenario) -> Vec<Sensitivity> {
    let specs = crate::cycle::inputs::input_specs(scenario);
    let targets = &scenario.targets;
    let mut out = Vec::new();
    for metric in [TargetMetric::Rto, TargetMetric::Rpo] {
        let judged = targets.of(metric);
        let crate::scenario::Target {
            threshold: target,
            over,
            ..
        } = judged;
        let Some(values) = collector.aligned(MetricId::from(judged), over) else {
            continue;
        };
        out.push(rank_inputs(
            Ranked::Value(metric),
            over,
            collector,
            &values,
            &specs,
        ));
        if let Some(t) = target {
            let t = t.as_secs_f64();
            let missed: Vec<f64> = values
                .iter()
                .map(|v| {
                    if v.is_nan() {
                        f64::NAN
                    } else {
                        f64::from(u8::from(*v > t))
                    }
                })
                .collect();
            let some_missed = missed.contains(&1.0);
            let some_met = missed.contains(&0.0);
            if some_missed && some_met {
                out.push(rank_inputs(
                    Ranked::Missed(metric),
                    over,
                    collector,
                    &missed,
                    &specs,
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[3.0, 1.0, 2.0, 1.0]), [4.0, 1.5, 3.0, 1.5]);
    }

    #[test]
    fn inversion_recovers_the_identity() {
        let a = vec![
            vec![4.0, 1.0, 0.5],
            vec![1.0, 3.0, 0.2],
            vec![0.5, 0.2, 2.0],
        ];
        let inv = invert(a.clone());
        for (i, row) in a.iter().enumerate() {
            for (j, expected) in [1.0, 0.0, 0.0]
                .iter()
                .cycle()
                .skip(3 - i)
                .take(3)
                .enumerate()
            {
                let v: f64 = (0..3).map(|k| row[k] * inv[k][j]).sum();
                assert!((v - expected).abs() < 1e-6, "{i},{j}: {v}");
            }
        }
    }

    #[test]
    fn a_dominant_input_ranks_first_and_an_irrelevant_one_near_zero() {
        // y = 10 a + b + noise-free; c does not enter. Deterministic pseudo-data.
        let n = 2000;
        let mut state = 12345u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut a, mut b, mut c, mut y) = (vec![], vec![], vec![], vec![]);
        for _ in 0..n {
            let (x1, x2, x3) = (next(), next(), next());
            a.push(x1);
            b.push(x2);
            c.push(x3);
            y.push(10.0 * x1 + x2);
        }
        let constant = vec![1.0; n];
        let m = prcc(&[a, b, c, constant], &y);
        assert!(m[0].expect("varies") > 0.95, "{m:?}");
        assert!(m[1].expect("varies") > 0.3, "{m:?}");
        assert!(m[2].expect("varies").abs() < 0.06, "{m:?}");
        assert_eq!(m[3], None);
    }
}
