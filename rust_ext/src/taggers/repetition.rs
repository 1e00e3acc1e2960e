//! Repeated character sequences in linear time per period (no regex back-references, so no catastrophic
//! backtracking): a stretch where `c[i] == c[i + p]` holds for `run` consecutive positions is a unit of `p`
//! characters repeated `(run + p) / p` times.

use super::chars::py_isspace;

/// One repetition: `[start, end)` in code points, the unit length and the number of repetitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repetition {
    pub start: usize,
    pub end: usize,
    pub period: usize,
    pub times: usize,
}

/// Repetitions of units of 1..=`max_period` characters occurring at least `min_times` times in a row
/// (the last unit may lack its final character, so "ha ha ha ha" is "ha " four times). Units made only
/// of whitespace are ignored (indentation is not repetition). Spans nested in a longer one are dropped.
pub fn find_repetitions(chars: &[char], max_period: usize, min_times: usize) -> Vec<Repetition> {
    let n = chars.len();
    let mut found = Vec::new();
    for p in 1..=max_period.min(n / 2) {
        let mut run = 0usize;
        for i in 0..=(n - p) {
            let same = i + p < n && chars[i] == chars[i + p];
            if same {
                run += 1;
                continue;
            }
            let len = run + p;
            if run > 0 && len + usize::from(p > 1) >= min_times * p {
                let start = i - run;
                let unit = &chars[start..start + p];
                if !unit.iter().all(|&c| py_isspace(c)) {
                    found.push(Repetition { start, end: start + len, period: p, times: len.div_ceil(p) });
                }
            }
            run = 0;
        }
    }
    found.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end), r.period));
    let mut kept: Vec<Repetition> = Vec::new();
    for r in found {
        if kept.last().is_some_and(|k| r.end <= k.end) {
            continue;
        }
        kept.push(r);
    }
    kept
}

/// Characters covered by at least one repetition.
pub fn covered(reps: &[Repetition]) -> usize {
    let mut total = 0;
    let mut reach = 0;
    for r in reps {
        let start = r.start.max(reach);
        if r.end > start {
            total += r.end - start;
        }
        reach = reach.max(r.end);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reps(text: &str) -> Vec<(usize, usize, usize, usize)> {
        let chars: Vec<char> = text.chars().collect();
        find_repetitions(&chars, 32, 4).iter().map(|r| (r.start, r.end, r.period, r.times)).collect()
    }

    #[test]
    fn by_hand() {
        assert_eq!(reps("xx abababab yy"), vec![(3, 11, 2, 4)]);
        assert_eq!(reps("ha ha ha ha!"), vec![(0, 11, 3, 4)]);
        assert_eq!(reps("aaa"), vec![]);
        assert_eq!(reps("é😀é😀é😀é😀"), vec![(0, 8, 2, 4)]);
        assert_eq!(reps("x        y"), vec![]); // whitespace only
        assert_eq!(reps("!!!!"), vec![(0, 4, 1, 4)]);
    }

    #[test]
    fn long_inputs_stay_linear() {
        let text: String = "ab".repeat(50_000) + "c";
        let chars: Vec<char> = text.chars().collect();
        let r = find_repetitions(&chars, 100, 4);
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].start, r[0].end, r[0].period, r[0].times), (0, 100_000, 2, 50_000));
    }
}
