//! Exact pro-rata splits: the pieces always sum to the whole, to the last atom.

use faultline_units::{mul_div, ArithmeticError, Rounding};

/// Split `total` (≥ 0) across `weights` (each ≥ 0) in proportion, exactly.
///
/// Each share is first floored; the atoms left over go one each to the largest
/// remainders (Hamilton's method), ties broken by lower index. The result sums to
/// `total` exactly when any weight is positive; with all weights zero, everything is
/// zero (the caller must handle the unallocated total).
pub fn split_pro_rata(total: i64, weights: &[i64]) -> Result<Vec<i64>, ArithmeticError> {
    let sum: i128 = weights.iter().map(|&w| i128::from(w.max(0))).sum();
    if sum == 0 || total <= 0 {
        return Ok(vec![0; weights.len()]);
    }
    let mut shares = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    let mut allocated: i128 = 0;
    for (i, &w) in weights.iter().enumerate() {
        let w = i128::from(w.max(0));
        let share = mul_div(i128::from(total), w, sum, Rounding::Floor)?;
        let remainder = i128::from(total) * w - share * sum;
        allocated += share;
        shares.push(share);
        remainders.push((remainder, i));
    }
    let mut left = i128::from(total) - allocated;
    // Largest remainder first, then lowest index: a documented, hash-free tie-break.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in &remainders {
        if left == 0 {
            break;
        }
        shares[i] += 1;
        left -= 1;
    }
    Ok(shares
        .into_iter()
        .map(|s| i64::try_from(s).unwrap_or(i64::MAX))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_sum_to_total_and_leftovers_go_to_largest_remainders() {
        let s = split_pro_rata(10, &[1, 1, 1]).unwrap();
        assert_eq!(s, vec![4, 3, 3]);
        let s = split_pro_rata(100, &[50, 30, 20]).unwrap();
        assert_eq!(s, vec![50, 30, 20]);
        let s = split_pro_rata(7, &[2, 0, 5]).unwrap();
        assert_eq!(s.iter().sum::<i64>(), 7);
        assert_eq!(s[1], 0);
    }

    #[test]
    fn zero_weights_allocate_nothing() {
        assert_eq!(split_pro_rata(5, &[0, 0]).unwrap(), vec![0, 0]);
        assert_eq!(split_pro_rata(5, &[]).unwrap(), Vec::<i64>::new());
    }
}
