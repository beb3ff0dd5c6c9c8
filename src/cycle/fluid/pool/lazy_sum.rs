//! The fixed point in which a [`super::Pool`] sums its lazy flows'
//! input rates: exact under adding and removing terms, in any order.

/// One byte/s in the fixed point of [`Pool`]'s lazy input sum: 64
/// fractional bits, so every rate from 2^-64 to 2^63 bytes/s converts
/// exactly (scaling by a power of two); sums wrap rather than overflow, and
/// wrapping arithmetic is exact modulo 2^128, so adding then removing a term
/// always cancels.
const FIXED_ONE: f64 = 18_446_744_073_709_551_616.0;

pub(super) fn to_fixed(rate: f64) -> i128 {
    (rate * FIXED_ONE) as i128
}

/// The sum in bytes/s: the high word exactly (any rate below 2^53 bytes/s),
/// the low word rounded, then their sum rounded once more. Not always the
/// nearest f64 (two roundings) but the same for the same sum: cheaper than
/// the 128-bit conversion, which ran at every change.
pub(super) fn from_fixed(sum: i128) -> f64 {
    let high = (sum >> 64) as i64 as f64;
    let low = sum as u64 as f64;
    (high * FIXED_ONE + low) / FIXED_ONE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lazy_input_sum_is_exact_and_order_free() {
        let rates = [0.1, 3.7e6, 125e6 / 3.0, 20_000.0, 0.0, 7.25e9];
        let sum = |order: &[usize]| {
            order
                .iter()
                .fold(0_i128, |s, &k| s.wrapping_add(to_fixed(rates[k])))
        };
        assert_eq!(sum(&[0, 1, 2, 3, 4, 5]), sum(&[5, 3, 1, 4, 0, 2]));
        // Adding and removing a term cancels exactly.
        let all = sum(&[0, 1, 2, 3, 4, 5]);
        let without = all.wrapping_sub(to_fixed(rates[2]));
        assert_eq!(without.wrapping_add(to_fixed(rates[2])), all);
        assert_eq!(sum(&[0, 1, 3, 4, 5]), without);
        for rate in rates {
            assert_eq!(from_fixed(to_fixed(rate)), rate);
        }
        let total: f64 = rates.iter().sum();
        assert!((from_fixed(all) - total).abs() <= 1e-6 * total);
    }
}
