//! Choosing a filter's number of bits and hash functions, and predicting its false-positive rate.
//!
//! Unlike Dolma (which doubles a power-of-two size from 1 MiB and then uses `ceil(m/n ln 2)` hashes,
//! often thousands), we search for the smallest filter that reaches the requested rate and the number
//! of hashes that minimises the rate at that size. The blocked layout needs its own formula: every
//! key lands in one 512-bit block, block loads follow a Poisson distribution, and the rate is the
//! expectation of the per-block rate over that distribution (Putze, Sanders, Singler 2007).

use super::Layout;

/// Bits per block of the blocked layout: one 64-byte cache line.
pub const BLOCK_BITS: u64 = 512;
/// Largest number of hash functions we consider (more never pays off for rates above 1e-9).
pub const MAX_HASHES: u32 = 24;
/// Bits per key assumed when only a size is given (the filter is sized for "about this full").
pub const DEFAULT_BITS_PER_KEY: f64 = 16.0;

/// False-positive rate of a classic Bloom filter with `m` bits, `n` keys and `k` hashes.
pub fn standard_fp_rate(m: u64, n: u64, k: u32) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let m = m as f64;
    let fill = -(-(k as f64) * n as f64 / m).exp_m1(); // 1 - e^{-kn/m}
    fill.powi(k as i32)
}

/// False-positive rate of a blocked filter (512-bit blocks) with `m` bits, `n` keys and `k` hashes.
pub fn blocked_fp_rate(m: u64, n: u64, k: u32) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let blocks = (m / BLOCK_BITS).max(1) as f64;
    let lambda = n as f64 / blocks; // mean keys per block
    let miss = (1.0 - 1.0 / BLOCK_BITS as f64).ln() * k as f64; // ln P(bit stays 0) per key
    // sum the Poisson distribution over block loads i, from the mode outwards until negligible
    let mode = lambda.floor();
    let ln_pmf = |i: f64| -> f64 { i * lambda.ln() - lambda - ln_gamma(i + 1.0) };
    let per_block = |i: f64| -> f64 { (-(miss * i).exp_m1()).powi(k as i32) };
    let mut total = 0.0;
    let mut i = mode;
    loop {
        let p = ln_pmf(i).exp();
        total += p * per_block(i);
        if (p < 1e-18 && i > mode) || i > mode + 1e6 {
            break;
        }
        i += 1.0;
    }
    let mut i = mode - 1.0;
    while i >= 0.0 {
        let p = ln_pmf(i).exp();
        total += p * per_block(i);
        if p < 1e-18 {
            break;
        }
        i -= 1.0;
    }
    total.min(1.0)
}

/// The predicted false-positive rate for `layout`.
pub fn fp_rate(layout: Layout, m: u64, n: u64, k: u32) -> f64 {
    match layout {
        Layout::Standard => standard_fp_rate(m, n, k),
        Layout::Blocked512 => blocked_fp_rate(m, n, k),
    }
}

/// Stirling series for ln Γ(x), accurate to ~1e-12 for x >= 1 (we only need x = i + 1 >= 1).
fn ln_gamma(x: f64) -> f64 {
    if x < 7.0 {
        // shift up: ln Γ(x) = ln Γ(x + n) - ln(x (x+1) ... (x+n-1))
        let mut prod = 1.0;
        let mut y = x;
        while y < 7.0 {
            prod *= y;
            y += 1.0;
        }
        return ln_gamma(y) - prod.ln();
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln()
        + inv * (1.0 / 12.0 - inv2 * (1.0 / 360.0 - inv2 * (1.0 / 1260.0 - inv2 / 1680.0)))
}

/// Round a number of bits up to whole 64-bit words (standard) or whole 512-bit blocks (blocked).
pub fn round_bits(layout: Layout, bits: u64) -> u64 {
    let unit = match layout {
        Layout::Standard => 64,
        Layout::Blocked512 => BLOCK_BITS,
    };
    bits.max(1).div_ceil(unit) * unit
}

/// The number of hashes minimising the false-positive rate of an `m`-bit filter holding `n` keys.
pub fn best_num_hashes(layout: Layout, m: u64, n: u64) -> u32 {
    let n = if n == 0 { ((m as f64 / DEFAULT_BITS_PER_KEY) as u64).max(1) } else { n };
    let mut best = (1, f64::INFINITY);
    for k in 1..=MAX_HASHES {
        let p = fp_rate(layout, m, n, k);
        if p < best.1 {
            best = (k, p);
        }
    }
    best.0
}

/// Smallest filter (bits, hashes) holding `n` keys at a false-positive rate of at most `p`.
pub fn optimal_shape(layout: Layout, n: u64, p: f64) -> (u64, u32) {
    let n = n.max(1);
    let p = p.clamp(1e-15, 0.5);
    let mut best: Option<(u64, u32)> = None;
    for k in 1..=MAX_HASHES {
        // bracket then bisect the smallest m (in whole units) with fp(m) <= p; fp is decreasing in m
        let mut hi = round_bits(layout, n.saturating_mul(2));
        while fp_rate(layout, hi, n, k) > p {
            if hi > (1u64 << 60) {
                break;
            }
            hi *= 2;
        }
        if fp_rate(layout, hi, n, k) > p {
            continue;
        }
        let unit = round_bits(layout, 1);
        let mut lo_units = 0u64; // fp(lo) > p (or lo = 0)
        let mut hi_units = hi / unit;
        while hi_units - lo_units > 1 {
            let mid = (lo_units + hi_units) / 2;
            if fp_rate(layout, mid * unit, n, k) <= p {
                hi_units = mid;
            } else {
                lo_units = mid;
            }
        }
        let m = hi_units * unit;
        if best.is_none_or(|(bm, _)| m < bm) {
            best = Some((m, k));
        }
    }
    best.unwrap_or((round_bits(layout, n.saturating_mul(64)), MAX_HASHES))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_matches_textbook_optimum() {
        // n = 1e6, p = 1e-3: m = -n ln p / (ln 2)^2 = 14.38 bits/key, k = 10
        let (m, k) = optimal_shape(Layout::Standard, 1_000_000, 1e-3);
        let bits_per_key = m as f64 / 1e6;
        assert!((14.3..14.5).contains(&bits_per_key), "{bits_per_key}");
        assert!((9..=11).contains(&k), "{k}");
        assert!(standard_fp_rate(m, 1_000_000, k) <= 1e-3);
    }

    #[test]
    fn blocked_needs_a_little_more_space_for_the_same_rate() {
        let (ms, _) = optimal_shape(Layout::Standard, 1_000_000, 1e-3);
        let (mb, kb) = optimal_shape(Layout::Blocked512, 1_000_000, 1e-3);
        assert!(mb > ms && (mb as f64) < ms as f64 * 1.35, "{ms} {mb}");
        assert!(blocked_fp_rate(mb, 1_000_000, kb) <= 1e-3);
        assert_eq!(mb % BLOCK_BITS, 0);
    }

    #[test]
    fn blocked_rate_approaches_standard_when_blocks_hold_many_keys() {
        // the blocked penalty comes from the spread of block loads, which shrinks relative to the
        // mean as blocks fill: few keys per block -> large penalty, many -> small
        let ratio = |keys_per_block: u64, k: u32| {
            let m = 512 * 10_000;
            let n = keys_per_block * 10_000;
            blocked_fp_rate(m, n, k) / standard_fp_rate(m, n, k)
        };
        let (sparse, dense) = (ratio(2, 4), ratio(200, 4));
        assert!(sparse > 3.0, "{sparse}");
        assert!(dense > 1.0 && dense < 1.1, "{dense}");
    }

    #[test]
    fn ln_gamma_is_accurate() {
        // ln(10!) = ln Γ(11)
        assert!((ln_gamma(11.0) - 15.104412573075516).abs() < 1e-10);
        assert!(ln_gamma(1.0).abs() < 1e-10);
        assert!((ln_gamma(2.5) - 0.2846828704729192).abs() < 1e-10);
    }

    #[test]
    fn best_hashes_for_a_given_size() {
        let k = best_num_hashes(Layout::Standard, 10_000_000, 1_000_000);
        assert_eq!(k, 7); // 10 bits/key -> 10 ln 2 = 6.9
    }
}
