//! Exact word n-gram counting by interning: words get ids in order of first occurrence, and the n-gram at
//! position i gets the id of the pair (id of the (n-1)-gram at i, id of word i+n-1). No hashing of text
//! windows, so counts are exact, and ids are again in order of first occurrence. An n-gram whose
//! (n-1)-gram prefix occurs once occurs once too, so it gets a fresh id without a hash lookup: past the
//! first levels almost every position takes that shortcut.

use rustc_hash::FxHashMap;

/// Word ids (in order of first occurrence) and code-point length of every word.
pub struct Words {
    pub ids: Vec<u32>,
    pub lens: Vec<usize>,
}

impl Words {
    pub fn new(words: &[&str]) -> Self {
        let mut index: FxHashMap<&str, u32> = FxHashMap::default();
        index.reserve(words.len());
        let mut ids = Vec::with_capacity(words.len());
        let mut lens = Vec::with_capacity(words.len());
        for &w in words {
            let next = index.len() as u32;
            ids.push(*index.entry(w).or_insert(next));
            lens.push(super::text::char_len(w));
        }
        Words { ids, lens }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn char_count(&self) -> usize {
        self.lens.iter().sum()
    }
}

/// The n-grams of one order `n`: the id at each start position, the count of each id, and the character
/// length (sum of its words' lengths) of each id.
pub struct NgramLevel {
    pub n: usize,
    pub at: Vec<u32>,
    pub counts: Vec<u32>,
    pub chars: Vec<usize>,
}

/// Iterates the n-gram levels 2, 3, ..., `max_n` (only those with at least one n-gram).
pub struct NgramLevels<'a> {
    words: &'a Words,
    prefix: Vec<usize>,
    prev: Vec<u32>,
    prev_counts: Vec<u32>,
    n: usize,
    max_n: usize,
    pairs: FxHashMap<u64, u32>,
}

impl<'a> NgramLevels<'a> {
    pub fn new(words: &'a Words, max_n: usize) -> Self {
        let mut prefix = Vec::with_capacity(words.len() + 1);
        prefix.push(0);
        for &l in &words.lens {
            prefix.push(prefix.last().unwrap() + l);
        }
        let mut prev_counts = vec![0u32; words.ids.iter().map(|&i| i as usize + 1).max().unwrap_or(0)];
        for &id in &words.ids {
            prev_counts[id as usize] += 1;
        }
        NgramLevels { words, prefix, prev: words.ids.clone(), prev_counts, n: 1, max_n, pairs: FxHashMap::default() }
    }
}

impl Iterator for NgramLevels<'_> {
    type Item = NgramLevel;

    fn next(&mut self) -> Option<NgramLevel> {
        let n = self.n + 1;
        let total = self.words.len();
        if n > self.max_n || total < n {
            return None;
        }
        self.n = n;
        let positions = total - n + 1;
        self.pairs.clear();
        let mut at = Vec::with_capacity(positions);
        let mut counts: Vec<u32> = Vec::with_capacity(positions);
        let mut chars: Vec<usize> = Vec::with_capacity(positions);
        for i in 0..positions {
            let next = counts.len() as u32;
            let id = if self.prev_counts[self.prev[i] as usize] == 1 {
                next
            } else {
                let key = ((self.prev[i] as u64) << 32) | self.words.ids[i + n - 1] as u64;
                *self.pairs.entry(key).or_insert(next)
            };
            if id == next {
                counts.push(0);
                chars.push(self.prefix[i + n] - self.prefix[i]);
            }
            counts[id as usize] += 1;
            at.push(id);
        }
        self.prev.clone_from(&at);
        self.prev_counts.clone_from(&counts);
        Some(NgramLevel { n, at, counts, chars })
    }
}

impl NgramLevel {
    /// `count * chars` of the most frequent n-gram; among equally frequent ones the first to occur
    /// (Python's `Counter.most_common(1)`).
    pub fn most_common_chars(&self) -> usize {
        let mut best = 0usize;
        for id in 1..self.counts.len() {
            if self.counts[id] > self.counts[best] {
                best = id;
            }
        }
        self.counts[best] as usize * self.chars[best]
    }

    /// `(chars of all occurrences of repeated n-grams, chars of all occurrences)`, overlaps counted
    /// every time (Dolma's definition).
    pub fn duplicate_chars_with_overlaps(&self) -> (usize, usize) {
        let mut dup = 0;
        let mut all = 0;
        for (c, l) in self.counts.iter().zip(&self.chars) {
            let total = *c as usize * l;
            all += total;
            if *c > 1 {
                dup += total;
            }
        }
        (dup, all)
    }

    /// Characters of the words covered by at least one occurrence of a repeated n-gram (each word once;
    /// the Gopher paper's definition).
    pub fn duplicate_covered_chars(&self, words: &Words) -> usize {
        let mut covered = vec![false; words.len()];
        for (i, &id) in self.at.iter().enumerate() {
            if self.counts[id as usize] > 1 {
                covered[i..i + self.n].iter_mut().for_each(|c| *c = true);
            }
        }
        covered.iter().zip(&words.lens).filter(|(c, _)| **c).map(|(_, l)| l).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_exact_and_ordered_by_first_occurrence() {
        let words = Words::new(&["a", "bb", "a", "bb", "a", "c"]);
        let levels: Vec<NgramLevel> = NgramLevels::new(&words, 3).collect();
        assert_eq!(levels.len(), 2);
        // bigrams: (a,bb) x2, (bb,a) x2, (a,c) x1
        assert_eq!(levels[0].counts, vec![2, 2, 1]);
        assert_eq!(levels[0].chars, vec![3, 3, 2]);
        assert_eq!(levels[0].most_common_chars(), 6);
        assert_eq!(levels[0].duplicate_chars_with_overlaps(), (12, 14));
        // trigrams: (a,bb,a) x2, (bb,a,bb), (bb,a,c)
        assert_eq!(levels[1].counts, vec![2, 1, 1]);
        // covered: positions 0 and 2 -> words 0..5 -> chars 1+2+1+2+1 = 7
        assert_eq!(levels[1].duplicate_covered_chars(&words), 7);
    }

    #[test]
    fn no_levels_for_short_texts() {
        let words = Words::new(&["only"]);
        assert_eq!(NgramLevels::new(&words, 10).count(), 0);
    }
}
