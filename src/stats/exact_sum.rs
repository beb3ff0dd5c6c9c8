//! An exact sum of f64 values (a "superaccumulator").
//!
//! Every finite f64 is an integer times a power of two between 2^-1074 and
//! 2^971, so a fixed-point number of 2,098 bits holds any sum of them exactly.
//! Adding is exact, hence independent of order: the sum of a run's values is
//! the same whether one thread, two, or four shards merged later added them,
//! which is what keeps a run's mean byte-identical across all of those.

use super::bytes::Reader;

/// Bits per limb; limbs are kept in i64 so that many additions can accumulate
/// before carries must be propagated.
const LIMB_BITS: u32 = 32;
/// Enough limbs for 2^-1074 ... 2^1024 plus room for carries and the sign.
const LIMBS: usize = 70;
/// Additions between carry propagations: each adds less than 2^32 to a limb,
/// so 2^30 of them cannot overflow an i64 that starts below 2^32.
const ADDS_BEFORE_NORMALISING: u32 = 1 << 30;
const MASK: i64 = (1 << LIMB_BITS) - 1;

#[derive(Debug, Clone)]
pub struct ExactSum {
    limbs: Vec<i64>,
    pending: u32,
    /// Infinite terms, which no fixed point can hold: counted apart.
    positive_infinities: u64,
    negative_infinities: u64,
}

impl Default for ExactSum {
    fn default() -> Self {
        ExactSum {
            limbs: vec![0; LIMBS],
            pending: 0,
            positive_infinities: 0,
            negative_infinities: 0,
        }
    }
}

/// Equal when the sums are: carries may be pending in either.
impl PartialEq for ExactSum {
    fn eq(&self, other: &Self) -> bool {
        let (mut a, mut b) = (self.clone(), other.clone());
        a.normalise();
        b.normalise();
        (a.limbs, a.positive_infinities, a.negative_infinities)
            == (b.limbs, b.positive_infinities, b.negative_infinities)
    }
}

impl Eq for ExactSum {}

impl ExactSum {
    /// Adds `x` exactly (NaN is a caller's error and is ignored).
    pub fn add(&mut self, x: f64) {
        if x.is_nan() || x == 0.0 {
            return;
        }
        if x.is_infinite() {
            match x > 0.0 {
                true => self.positive_infinities += 1,
                false => self.negative_infinities += 1,
            }
            return;
        }
        let bits = x.to_bits();
        let exponent = ((bits >> 52) & 0x7ff) as u32;
        let fraction = bits & ((1 << 52) - 1);
        // x = mantissa * 2^(position - 1074)
        let (mantissa, position) = match exponent {
            0 => (fraction, 0),
            e => (fraction | (1 << 52), e - 1),
        };
        let shifted = u128::from(mantissa) << (position % LIMB_BITS);
        let first = (position / LIMB_BITS) as usize;
        let sign = if x < 0.0 { -1 } else { 1 };
        for k in 0..3 {
            let chunk = ((shifted >> (LIMB_BITS * k as u32)) as i64) & MASK;
            self.limbs[first + k] += sign * chunk;
        }
        self.pending += 1;
        if self.pending >= ADDS_BEFORE_NORMALISING {
            self.normalise();
        }
    }

    /// Adds `x * x` exactly: the square as the rounded product plus its
    /// rounding error, both exact f64 (a fused multiply-add gives the error).
    pub fn add_square(&mut self, x: f64) {
        let square = x * x;
        self.add(square);
        if square.is_finite() {
            self.add(x.mul_add(x, -square));
        }
    }

    /// Adds another exact sum.
    pub fn merge(&mut self, other: &ExactSum) {
        let mut other = other.clone();
        other.normalise();
        self.normalise();
        for (a, b) in self.limbs.iter_mut().zip(&other.limbs) {
            *a += b;
        }
        self.pending = 1;
        self.normalise();
        self.positive_infinities += other.positive_infinities;
        self.negative_infinities += other.negative_infinities;
    }

    /// Propagates carries: every limb but the last in 0 .. 2^32, the last
    /// holding the sign. The representation is then unique for the value.
    fn normalise(&mut self) {
        if self.pending == 0 {
            return;
        }
        for i in 0..LIMBS - 1 {
            let carry = self.limbs[i] >> LIMB_BITS;
            self.limbs[i] &= MASK;
            self.limbs[i + 1] += carry;
        }
        self.pending = 0;
    }

    /// The sum, rounded to an f64 (to within one unit in the last place; the
    /// same f64 for the same exact sum however it was added up).
    pub fn value(&self) -> f64 {
        match (self.positive_infinities > 0, self.negative_infinities > 0) {
            (true, true) => return f64::NAN,
            (true, false) => return f64::INFINITY,
            (false, true) => return f64::NEG_INFINITY,
            (false, false) => {}
        }
        let mut s = self.clone();
        s.normalise();
        if s.limbs[LIMBS - 1] < 0 {
            // A negative sum is held as a borrow into the sign limb; read its
            // magnitude (the limbs negated, carried again) instead, whose
            // limbs sum without cancelling.
            for limb in &mut s.limbs {
                *limb = -*limb;
            }
            s.pending = 1;
            s.normalise();
            return -s.magnitude();
        }
        s.magnitude()
    }

    /// The value of a normalised, non-negative sum, rounded.
    fn magnitude(&self) -> f64 {
        // From the most significant limb down: the first nonzero ones fix the
        // result, the rest only round it.
        self.limbs
            .iter()
            .enumerate()
            .rev()
            .fold(0.0, |acc, (i, &limb)| {
                acc + scale_by_power_of_two(limb as f64, LIMB_BITS as i32 * i as i32 - 1074)
            })
    }

    /// The sum as an unevaluated pair `hi + lo` carrying about 106 bits.
    fn double_double(&self) -> (f64, f64) {
        let hi = self.value();
        if !hi.is_finite() {
            return (hi, 0.0);
        }
        let mut rest = self.clone();
        rest.add(-hi);
        (hi, rest.value())
    }

    /// Exact little-endian bytes of the normalised limbs and infinity counts.
    pub fn to_bytes(&self, out: &mut Vec<u8>) {
        let mut s = self.clone();
        s.normalise();
        for limb in &s.limbs {
            out.extend_from_slice(&limb.to_le_bytes());
        }
        out.extend_from_slice(&s.positive_infinities.to_le_bytes());
        out.extend_from_slice(&s.negative_infinities.to_le_bytes());
    }

    /// Reads what [`ExactSum::to_bytes`] wrote; `None` when cut short or
    /// not normalised (only normalised limbs are ever written).
    pub(super) fn read(r: &mut Reader<'_>) -> Option<ExactSum> {
        let mut words = [0i64; LIMBS + 2];
        for w in &mut words {
            *w = r.u64().ok()? as i64;
        }
        let limbs = words[..LIMBS].to_vec();
        if limbs[..LIMBS - 1].iter().any(|l| !(0..=MASK).contains(l)) {
            return None;
        }
        Some(ExactSum {
            limbs,
            pending: 0,
            positive_infinities: words[LIMBS] as u64,
            negative_infinities: words[LIMBS + 1] as u64,
        })
    }
}

/// The sample variance (n - 1) of `n` values from the exact sums of the values
/// and of their squares: `(n S2 - S1^2) / (n (n - 1))`, with `n S2 - S1^2`
/// formed exactly but for S1's bits beyond the 106 of a double-double, so no
/// cancellation creeps in however small the spread is next to the mean.
pub fn variance(n: u64, sum: &ExactSum, sum_of_squares: &ExactSum) -> f64 {
    if n < 2 {
        return 0.0;
    }
    let (hi, lo) = sum.double_double();
    if !hi.is_finite() || !sum_of_squares.value().is_finite() {
        return f64::NAN;
    }
    let nf = n as f64;
    if n >= 1 << 31 {
        // Beyond any run drsim can make; the plain formula is close enough.
        let mean = hi / nf;
        return ((sum_of_squares.value() - mean * hi) / (nf - 1.0)).max(0.0);
    }
    let mut acc = sum_of_squares.clone();
    acc.normalise();
    // n * S2, limb by limb: limbs below 2^32 times n below 2^31 fit an i64.
    for limb in &mut acc.limbs {
        *limb *= n as i64;
    }
    acc.pending = 1;
    acc.normalise();
    // minus (hi + lo)^2 = hi^2 + 2 hi lo + lo^2, each product exact as two f64.
    for (a, b) in [(hi, hi), (2.0 * hi, lo), (lo, lo)] {
        let p = a * b;
        acc.add(-p);
        acc.add(-a.mul_add(b, -p));
    }
    (acc.value() / nf / (nf - 1.0)).max(0.0)
}

/// `x * 2^k` for any k an f64 sum can need, without overflowing the factor.
fn scale_by_power_of_two(mut x: f64, mut k: i32) -> f64 {
    const STEP: i32 = 1000;
    let big = f64::from_bits(((1023 + STEP) as u64) << 52);
    let small = f64::from_bits(((1023 - STEP) as u64) << 52);
    while k > STEP {
        x *= big;
        k -= STEP;
    }
    while k < -STEP {
        x *= small;
        k += STEP;
    }
    x * f64::from_bits(((1023 + k) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum_of(values: &[f64]) -> ExactSum {
        let mut s = ExactSum::default();
        values.iter().for_each(|v| s.add(*v));
        s
    }

    #[test]
    fn sums_are_exact_and_independent_of_order() {
        // 1e16 + 1 - 1e16 is 0 in naive f64 arithmetic, 1 exactly.
        assert_eq!(sum_of(&[1e16, 1.0, -1e16]).value(), 1.0);
        // 0.1 + 0.2 + 0.3 is 0.6000000000000001 added left to right; the exact
        // sum of the three f64 rounds to 0.6.
        assert_eq!(sum_of(&[0.1, 0.2, 0.3]).value(), 0.6);
        let values: Vec<f64> = (0..10_000)
            .map(|i| ((i * 7919) % 10_007) as f64 * 1.37e-3 + 1e9 * f64::from(i % 3 == 0))
            .collect();
        let forward = sum_of(&values);
        let mut reversed = values.clone();
        reversed.reverse();
        let mut halves = sum_of(&values[..3_333]);
        halves.merge(&sum_of(&values[3_333..]));
        assert_eq!(forward, sum_of(&reversed));
        assert_eq!(forward.value(), halves.value());
        let mut bytes = Vec::new();
        halves.to_bytes(&mut bytes);
        assert_eq!(
            ExactSum::read(&mut Reader::new(&bytes)).unwrap().value(),
            forward.value()
        );
        // Extremes: the smallest subnormal and the largest finite value.
        assert_eq!(sum_of(&[f64::from_bits(1)]).value(), f64::from_bits(1));
        assert_eq!(sum_of(&[f64::MAX, -f64::MAX, f64::MAX]).value(), f64::MAX);
        assert_eq!(sum_of(&[1.0, f64::INFINITY]).value(), f64::INFINITY);
    }

    #[test]
    fn variance_has_no_cancellation() {
        // Values 1e9 + {1, 2, 3, 4}: variance 5/3, lost entirely by the naive
        // sum-of-squares formula in f64.
        let values = [1e9 + 1.0, 1e9 + 2.0, 1e9 + 3.0, 1e9 + 4.0];
        let mut sq = ExactSum::default();
        values.iter().for_each(|v| sq.add_square(*v));
        let v = variance(4, &sum_of(&values), &sq);
        assert!((v - 5.0 / 3.0).abs() < 1e-12, "{v}");
        let constant = [0.1; 7];
        let mut sq = ExactSum::default();
        constant.iter().for_each(|v| sq.add_square(*v));
        assert!(variance(7, &sum_of(&constant), &sq) < 1e-30);
    }

    #[test]
    fn negative_sums_read_as_negative_numbers() {
        // Paired differences (compare) are often negative: a negative sum is
        // held as a borrow into the sign limb and must still read exactly.
        assert_eq!(
            sum_of(&[-1480.5, -1500.25, 10.0, 0.0, -3.0]).value(),
            -2973.75
        );
        assert_eq!(sum_of(&[-0.1]).value(), -0.1);
        assert_eq!(sum_of(&[1.0, -3.0]).value(), -2.0);
        assert_eq!(sum_of(&[-f64::MAX, -f64::MAX, f64::MAX]).value(), -f64::MAX);
        assert_eq!(sum_of(&[-f64::from_bits(1)]).value(), -f64::from_bits(1));
        let values = [-1e9 - 1.0, -1e9 - 2.0, -1e9 - 3.0, -1e9 - 4.0];
        let mut sq = ExactSum::default();
        values.iter().for_each(|v| sq.add_square(*v));
        let v = variance(4, &sum_of(&values), &sq);
        assert!((v - 5.0 / 3.0).abs() < 1e-12, "{v}");
    }
}
