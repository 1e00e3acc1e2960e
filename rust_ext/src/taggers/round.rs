//! Python's `round(x, 5)`: exact decimal rounding, ties to even, then the nearest double.

/// Digits kept after the decimal point in attribute scores (Dolma's `TAGGER_SCORE_PRECISION`).
pub const SCORE_DIGITS: usize = 5;

/// Same value as Python's `round(x, 5)`. Rust's fixed-precision formatting rounds the exact binary value
/// half-to-even, like CPython's `_Py_dg_dtoa`, and parsing returns the nearest double, like `_Py_dg_strtod`.
pub fn round5(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let s = format!("{:.*}", SCORE_DIGITS, x);
    s.parse().unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use super::round5;

    #[test]
    fn ties_go_to_even_on_exact_binary_values() {
        assert_eq!(round5(0.015625), 0.01562); // 1/64 is an exact tie
        assert_eq!(round5(0.046875), 0.04688); // 3/64 too
        assert_eq!(round5(1.0 / 3.0), 0.33333);
        assert_eq!(round5(2.0), 2.0);
        assert_eq!(round5(1e-7), 0.0);
    }
}
