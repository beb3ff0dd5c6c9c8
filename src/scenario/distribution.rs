//! Random quantities in a scenario: parse, validate and sample distributions.
//!
//! A value is either a plain quantity (`"5m"`, fixed) or a table naming a
//! distribution: `{ dist = "lognormal", median = "3m", p95 = "8m" }`. Parameters
//! are quantities of the value's kind (duration, size or rate) and are stored in
//! base units; samples are never negative (the normal is truncated at 0).
//!
//! The file is a little over 600 lines, a fifth of them its tests: each of the
//! seven kinds is parsed, checked, sampled, described and given quantiles here,
//! side by side, so adding a kind touches one file; split by kind it would
//! scatter one `match` over seven files.

use std::fmt;

use rand::Rng;
use rand_distr::{Distribution as _, Exp, LogNormal, Normal, Triangular, Uniform};

use super::units::QuantityKind;

/// The standard normal quantile at 0.95, used to turn a (median, p95) pair into
/// the lognormal's sigma.
const Z_95: f64 = 1.644_853_626_951_472_2;

/// The distribution names a scenario may use, in the order error messages list them.
pub const DISTRIBUTION_NAMES: [&str; 7] = [
    "fixed",
    "uniform",
    "triangular",
    "normal",
    "lognormal",
    "exponential",
    "empirical",
];

/// A validated distribution over a non-negative quantity in base units.
#[derive(Debug, Clone)]
pub struct Distribution {
    kind: QuantityKind,
    shape: Shape,
}

#[derive(Debug, Clone)]
enum Shape {
    Fixed(f64),
    Uniform {
        min: f64,
        max: f64,
        sampler: Uniform<f64>,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
        sampler: Triangular<f64>,
    },
    /// Normal truncated at zero (resampled until non-negative).
    Normal {
        mean: f64,
        std: f64,
        sampler: Normal<f64>,
    },
    LogNormal {
        median: f64,
        p95: f64,
        sampler: LogNormal<f64>,
    },
    Exponential {
        mean: f64,
        sampler: Exp<f64>,
    },
    Empirical(Vec<f64>),
}

/// Where in the value a problem is (a parameter name, or the value itself) and what.
#[derive(Debug, Clone, PartialEq)]
pub struct DistributionError {
    pub parameter: Option<String>,
    pub message: String,
}

fn err(parameter: Option<&str>, message: String) -> DistributionError {
    DistributionError {
        parameter: parameter.map(str::to_string),
        message,
    }
}

impl Distribution {
    pub fn fixed(kind: QuantityKind, value: f64) -> Self {
        Distribution {
            kind,
            shape: Shape::Fixed(value),
        }
    }

    pub fn kind(&self) -> QuantityKind {
        self.kind
    }

    /// Reads a scenario value of the given kind.
    pub fn from_value(value: &toml::Value, kind: QuantityKind) -> Result<Self, DistributionError> {
        match value {
            toml::Value::String(text) => {
                let v = kind.parse(text).map_err(|m| err(None, m.to_string()))?;
                Ok(Distribution::fixed(kind, v))
            }
            toml::Value::Table(table) => Self::from_table(table, kind),
            toml::Value::Integer(_) | toml::Value::Float(_) => Err(err(
                None,
                format!(
                    "a {kind} needs a unit: write it as a string such as {}",
                    kind.example()
                ),
            )),
            other => Err(err(
                None,
                format!(
                    "expected a {kind} such as {} or a distribution table such as {{ dist = \"uniform\", min = ..., max = ... }}, found a {}",
                    kind.example(),
                    other.type_str()
                ),
            )),
        }
    }

    fn from_table(table: &toml::Table, kind: QuantityKind) -> Result<Self, DistributionError> {
        let name = match table.get("dist") {
            Some(toml::Value::String(name)) => name.as_str(),
            Some(_) => return Err(err(Some("dist"), "`dist` must be a string".into())),
            None => {
                return Err(err(
                    None,
                    format!(
                        "a distribution table needs `dist`, one of: {}",
                        DISTRIBUTION_NAMES.join(", ")
                    ),
                ));
            }
        };
        let allowed: &[&str] = match name {
            "fixed" => &["value"],
            "uniform" => &["min", "max"],
            "triangular" => &["min", "mode", "max"],
            "normal" => &["mean", "std"],
            "lognormal" => &["median", "p95"],
            "exponential" => &["mean"],
            "empirical" => &["values"],
            _ => {
                let hint = super::suggest(name, DISTRIBUTION_NAMES.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(err(
                    Some("dist"),
                    format!(
                        "unknown distribution `{name}`{hint}; valid: {}",
                        DISTRIBUTION_NAMES.join(", ")
                    ),
                ));
            }
        };
        for key in table.keys() {
            if key != "dist" && !allowed.contains(&key.as_str()) {
                let hint = super::suggest(key, allowed.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(err(
                    Some(key),
                    format!(
                        "unknown parameter `{key}` for a {name} distribution{hint}; it takes: {}",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        let param = |key: &str| -> Result<f64, DistributionError> {
            match table.get(key) {
                Some(toml::Value::String(text)) => {
                    kind.parse(text).map_err(|m| err(Some(key), m.to_string()))
                }
                Some(_) => Err(err(
                    Some(key),
                    format!("`{key}` must be a {kind} string such as {}", kind.example()),
                )),
                None => Err(err(
                    None,
                    format!(
                        "a {name} distribution needs `{key}` (it takes: {})",
                        allowed.join(", ")
                    ),
                )),
            }
        };
        let shape = match name {
            "fixed" => Shape::Fixed(param("value")?),
            "uniform" => {
                let (min, max) = (param("min")?, param("max")?);
                if max < min {
                    return Err(err(Some("max"), "`max` must not be below `min`".into()));
                }
                let sampler = Uniform::new_inclusive(min, max)
                    .map_err(|e| err(None, format!("invalid uniform distribution: {e}")))?;
                Shape::Uniform { min, max, sampler }
            }
            "triangular" => {
                let (min, mode, max) = (param("min")?, param("mode")?, param("max")?);
                if !(min <= mode && mode <= max) || min == max {
                    return Err(err(
                        Some("mode"),
                        "need min <= mode <= max with min < max".into(),
                    ));
                }
                let sampler = Triangular::new(min, max, mode)
                    .map_err(|e| err(None, format!("invalid triangular distribution: {e}")))?;
                Shape::Triangular {
                    min,
                    mode,
                    max,
                    sampler,
                }
            }
            "normal" => {
                let (mean, std) = (param("mean")?, param("std")?);
                if mean <= 0.0 {
                    return Err(err(
                        Some("mean"),
                        "the normal is truncated at 0, so its `mean` must be above 0".into(),
                    ));
                }
                let sampler = Normal::new(mean, std)
                    .map_err(|e| err(Some("std"), format!("invalid normal distribution: {e}")))?;
                Shape::Normal { mean, std, sampler }
            }
            "lognormal" => {
                let (median, p95) = (param("median")?, param("p95")?);
                if median <= 0.0 {
                    return Err(err(Some("median"), "`median` must be above 0".into()));
                }
                if p95 <= median {
                    return Err(err(
                        Some("p95"),
                        "`p95` must be above `median` (a lognormal is skewed to the right)".into(),
                    ));
                }
                let sigma = (p95.ln() - median.ln()) / Z_95;
                let sampler = LogNormal::new(median.ln(), sigma)
                    .map_err(|e| err(None, format!("invalid lognormal distribution: {e}")))?;
                Shape::LogNormal {
                    median,
                    p95,
                    sampler,
                }
            }
            "exponential" => {
                let mean = param("mean")?;
                if mean <= 0.0 {
                    return Err(err(Some("mean"), "`mean` must be above 0".into()));
                }
                let sampler = Exp::new(1.0 / mean)
                    .map_err(|e| err(Some("mean"), format!("invalid exponential: {e}")))?;
                Shape::Exponential { mean, sampler }
            }
            "empirical" => {
                let Some(toml::Value::Array(items)) = table.get("values") else {
                    return Err(err(
                        Some("values"),
                        format!(
                            "`values` must be a list of {kind}s, e.g. [\"3m\", \"4m\", \"9m\"]"
                        ),
                    ));
                };
                if items.is_empty() {
                    return Err(err(Some("values"), "`values` must not be empty".into()));
                }
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    let toml::Value::String(text) = item else {
                        return Err(err(
                            Some("values"),
                            format!(
                                "every value must be a {kind} string such as {}",
                                kind.example()
                            ),
                        ));
                    };
                    values.push(
                        kind.parse(text)
                            .map_err(|m| err(Some("values"), m.to_string()))?,
                    );
                }
                Shape::Empirical(values)
            }
            _ => unreachable!("names were checked above"),
        };
        Ok(Distribution { kind, shape })
    }

    /// The smallest value the distribution can produce.
    pub fn lower_bound(&self) -> f64 {
        match &self.shape {
            Shape::Fixed(v) => *v,
            Shape::Uniform { min, .. } | Shape::Triangular { min, .. } => *min,
            Shape::Normal { .. } | Shape::LogNormal { .. } | Shape::Exponential { .. } => 0.0,
            Shape::Empirical(values) => values.iter().copied().fold(f64::INFINITY, f64::min),
        }
    }

    /// Whether values arbitrarily close to zero can occur (used to reject, e.g., a
    /// bandwidth that could be zero).
    pub fn can_reach_zero(&self) -> bool {
        match &self.shape {
            Shape::Normal { .. } | Shape::Exponential { .. } => true,
            Shape::LogNormal { .. } => false,
            _ => self.lower_bound() <= 0.0,
        }
    }

    /// The mean of the distribution as sampled (for the truncated normal, of the
    /// truncated law).
    pub fn mean(&self) -> f64 {
        match &self.shape {
            Shape::Fixed(v) => *v,
            Shape::Uniform { min, max, .. } => (min + max) / 2.0,
            Shape::Triangular { min, mode, max, .. } => (min + mode + max) / 3.0,
            Shape::Normal { mean, std, .. } => truncated_normal_mean(*mean, *std),
            Shape::LogNormal { median, p95, .. } => {
                let sigma = (p95.ln() - median.ln()) / Z_95;
                median * (sigma * sigma / 2.0).exp()
            }
            Shape::Exponential { mean, .. } => *mean,
            Shape::Empirical(values) => values.iter().sum::<f64>() / values.len() as f64,
        }
    }

    /// The `p` quantile (0 < p < 1) of the distribution as sampled; used to state
    /// a "peak" value such as the 99th percentile of churn.
    pub fn quantile(&self, p: f64) -> f64 {
        let p = p.clamp(1e-12, 1.0 - 1e-12);
        match &self.shape {
            Shape::Fixed(v) => *v,
            Shape::Uniform { min, max, .. } => min + p * (max - min),
            Shape::Triangular { min, mode, max, .. } => {
                let split = (mode - min) / (max - min);
                if p < split {
                    min + (p * (max - min) * (mode - min)).sqrt()
                } else {
                    max - ((1.0 - p) * (max - min) * (max - mode)).sqrt()
                }
            }
            Shape::Normal { mean, std, .. } => {
                // Truncated at 0: the quantile of the conditional law.
                let below_zero = 0.5 * erfc(mean / std / std::f64::consts::SQRT_2);
                (mean + std * normal_quantile(below_zero + p * (1.0 - below_zero))).max(0.0)
            }
            Shape::LogNormal { median, p95, .. } => {
                let sigma = (p95.ln() - median.ln()) / Z_95;
                median * (sigma * normal_quantile(p)).exp()
            }
            Shape::Exponential { mean, .. } => -mean * (1.0 - p).ln(),
            Shape::Empirical(values) => {
                let mut sorted = values.clone();
                sorted.sort_by(f64::total_cmp);
                let i = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
                sorted[i]
            }
        }
    }

    /// Whether every sample is the same value.
    pub fn is_fixed(&self) -> bool {
        matches!(self.shape, Shape::Fixed(_))
    }

    /// One draw, in base units, never negative.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match &self.shape {
            Shape::Fixed(v) => *v,
            Shape::Uniform { sampler, .. } => sampler.sample(rng),
            Shape::Triangular { sampler, .. } => sampler.sample(rng),
            Shape::Normal { sampler, .. } => {
                // The mean is positive, so each try succeeds with probability > 1/2;
                // 64 failures in a row has probability below 1e-19.
                for _ in 0..64 {
                    let x = sampler.sample(rng);
                    if x >= 0.0 {
                        return x;
                    }
                }
                0.0
            }
            Shape::LogNormal { sampler, .. } => sampler.sample(rng),
            Shape::Exponential { sampler, .. } => sampler.sample(rng),
            Shape::Empirical(values) => {
                let i = (rng.next_u64() % values.len() as u64) as usize;
                values[i]
            }
        }
    }
}

/// Mean of N(mu, sigma) conditioned on being >= 0.
fn truncated_normal_mean(mu: f64, sigma: f64) -> f64 {
    if sigma == 0.0 {
        return mu;
    }
    let alpha = -mu / sigma;
    let pdf = (-alpha * alpha / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let tail = 0.5 * erfc(alpha / std::f64::consts::SQRT_2);
    mu + sigma * pdf / tail
}

/// The standard normal quantile (Acklam's rational approximation, relative error
/// below 1.2e-9), enough for stating percentiles of scenario inputs.
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let low = 0.024_25;
    if p < low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -normal_quantile(1.0 - p)
    }
}

/// Complementary error function (Numerical Recipes' erfcc, relative error < 1.2e-7),
/// enough for a descriptive mean.
fn erfc(x: f64) -> f64 {
    // Coefficients of the polynomial in t, highest degree first (Horner's rule);
    // a loop rather than one nested expression keeps rustfmt fast.
    const C: [f64; 10] = [
        0.170_872_77,
        -0.822_152_23,
        1.488_515_87,
        -1.135_203_98,
        0.278_868_07,
        -0.186_288_06,
        0.096_784_18,
        0.374_091_96,
        1.000_023_68,
        -1.265_512_23,
    ];
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = C.iter().fold(0.0, |acc, c| acc * t + c);
    let r = t * (-z * z + poly).exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// Short human form, in the scenario's own units: `lognormal(median 3m, p95 8m)`.
impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let q = |v: f64| self.kind.format(v);
        match &self.shape {
            Shape::Fixed(v) => write!(f, "{}", q(*v)),
            Shape::Uniform { min, max, .. } => write!(f, "uniform({} .. {})", q(*min), q(*max)),
            Shape::Triangular { min, mode, max, .. } => {
                write!(f, "triangular({}, mode {}, {})", q(*min), q(*mode), q(*max))
            }
            Shape::Normal { mean, std, .. } => {
                write!(f, "normal(mean {}, std {}, >= 0)", q(*mean), q(*std))
            }
            Shape::LogNormal { median, p95, .. } => {
                write!(f, "lognormal(median {}, p95 {})", q(*median), q(*p95))
            }
            Shape::Exponential { mean, .. } => write!(f, "exponential(mean {})", q(*mean)),
            Shape::Empirical(values) => {
                let shown: Vec<String> = values.iter().take(5).map(|v| q(*v)).collect();
                let more = if values.len() > 5 { ", ..." } else { "" };
                write!(
                    f,
                    "empirical({}{more}; {} values)",
                    shown.join(", "),
                    values.len()
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_pcg::Pcg64;

    fn parse(text: &str, kind: QuantityKind) -> Result<Distribution, DistributionError> {
        let value: toml::Table = toml::from_str(&format!("v = {text}")).unwrap();
        Distribution::from_value(&value["v"], kind)
    }

    fn sample_mean(d: &Distribution, n: usize) -> f64 {
        let mut rng = Pcg64::seed_from_u64(7);
        (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / n as f64
    }

    #[test]
    fn plain_strings_are_fixed() {
        let d = parse("\"5m\"", QuantityKind::Duration).unwrap();
        assert!(d.is_fixed());
        assert_eq!(d.mean(), 300.0);
    }

    #[test]
    fn every_family_samples_its_mean() {
        let cases = [
            "{ dist = \"uniform\", min = \"1m\", max = \"3m\" }",
            "{ dist = \"triangular\", min = \"1m\", mode = \"2m\", max = \"6m\" }",
            "{ dist = \"normal\", mean = \"2m\", std = \"90s\" }",
            "{ dist = \"lognormal\", median = \"3m\", p95 = \"8m\" }",
            "{ dist = \"exponential\", mean = \"4m\" }",
            "{ dist = \"empirical\", values = [\"1m\", \"2m\", \"6m\"] }",
            "{ dist = \"fixed\", value = \"7m\" }",
        ];
        for text in cases {
            let d = parse(text, QuantityKind::Duration).unwrap();
            let m = sample_mean(&d, 200_000);
            assert!(
                (m - d.mean()).abs() / d.mean() < 0.01,
                "{text}: sampled {m}, expected {}",
                d.mean()
            );
        }
    }

    #[test]
    fn lognormal_p95_is_honoured() {
        let d = parse(
            "{ dist = \"lognormal\", median = \"3m\", p95 = \"8m\" }",
            QuantityKind::Duration,
        )
        .unwrap();
        let mut rng = Pcg64::seed_from_u64(11);
        let n = 100_000;
        let below = (0..n).filter(|_| d.sample(&mut rng) <= 480.0).count();
        let fraction = below as f64 / n as f64;
        assert!((fraction - 0.95).abs() < 0.005, "{fraction}");
    }

    #[test]
    fn quantiles_invert_the_samplers() {
        let cases = [
            "{ dist = \"uniform\", min = \"1m\", max = \"3m\" }",
            "{ dist = \"triangular\", min = \"1m\", mode = \"2m\", max = \"6m\" }",
            "{ dist = \"normal\", mean = \"2m\", std = \"90s\" }",
            "{ dist = \"lognormal\", median = \"3m\", p95 = \"8m\" }",
            "{ dist = \"exponential\", mean = \"4m\" }",
        ];
        for text in cases {
            let d = parse(text, QuantityKind::Duration).unwrap();
            let mut rng = Pcg64::seed_from_u64(3);
            let n = 100_000;
            for p in [0.1, 0.5, 0.99] {
                let q = d.quantile(p);
                let below = (0..n).filter(|_| d.sample(&mut rng) <= q).count() as f64 / n as f64;
                assert!((below - p).abs() < 0.006, "{text}: p {p}, got {below}");
            }
        }
        assert!((normal_quantile(0.975) - 1.959_963_985).abs() < 1e-8);
    }

    #[test]
    fn bad_tables_name_the_parameter() {
        let e = parse(
            "{ dist = \"lognorm\", median = \"3m\" }",
            QuantityKind::Duration,
        )
        .unwrap_err();
        assert_eq!(e.parameter.as_deref(), Some("dist"));
        assert!(
            e.message.contains("did you mean `lognormal`"),
            "{}",
            e.message
        );

        let e = parse(
            "{ dist = \"uniform\", min = \"3m\", maxi = \"5m\" }",
            QuantityKind::Duration,
        )
        .unwrap_err();
        assert!(e.message.contains("did you mean `max`"), "{}", e.message);

        let e = parse(
            "{ dist = \"uniform\", min = \"3m\", max = \"1m\" }",
            QuantityKind::Duration,
        )
        .unwrap_err();
        assert_eq!(e.parameter.as_deref(), Some("max"));

        let e = parse(
            "{ dist = \"lognormal\", median = \"3m\", p95 = \"2m\" }",
            QuantityKind::Duration,
        )
        .unwrap_err();
        assert_eq!(e.parameter.as_deref(), Some("p95"));

        let e = parse("90", QuantityKind::Duration).unwrap_err();
        assert!(e.message.contains("needs a unit"), "{}", e.message);
    }
}
