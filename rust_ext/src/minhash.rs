//! MinHash signatures and an LSH index that clusters near-duplicate documents in canonical order.
//!
//! * Shingles: word n-grams (Dolma's words, see `dedupe::text::words`), hashed like the dedupe
//!   n-grams; a document with fewer words than `ngram_length` is one shingle of all its words.
//! * Permutation `i`: `((a_i * x + b_i) mod 2^64) >> 32` over the 64-bit shingle hash `x`
//!   (multiply-add-shift, a universal family), `a_i` odd; `a`, `b` come from a fixed splitmix64
//!   stream, so signatures are identical on every machine.
//! * Banding: `b` bands of `r` rows, chosen like datasketch's `MinHashLSH` (minimise the equally
//!   weighted false-positive and false-negative areas of the S-curve `1 - (1 - s^r)^b` around the
//!   threshold) unless given. Each band is hashed (xxh3, band number as seed) into one table.
//! * Clusters: documents that share a band with an earlier one join its cluster (union-find; the
//!   root is the earliest document). `add` reports the cluster of every document but the first.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::dedupe::config::MinHashSettings;
use crate::hashing::{hash_words, mix64};

const PERMUTATION_SEED: u64 = 0x6d69_6e68_6173_6831; // "minhash1"
const BAND_SEED: u64 = 0x6c73_685f_6261_6e64; // "lsh_band"

#[derive(Debug, Clone)]
pub struct MinHasher {
    pub num_perm: usize,
    pub ngram_length: usize,
    pub threshold: f64,
    pub bands: usize,
    pub rows: usize,
    a: Vec<u64>,
    b: Vec<u64>,
}

impl MinHasher {
    pub fn new(s: &MinHashSettings) -> Result<MinHasher, String> {
        if s.num_perm < 2 || s.num_perm > 1024 {
            return Err(format!("num_perm must be between 2 and 1024, got {}", s.num_perm));
        }
        if s.ngram_length == 0 {
            return Err("ngram_length must be at least 1".into());
        }
        if !(s.threshold > 0.0 && s.threshold < 1.0) {
            return Err(format!("threshold must be between 0 and 1 (exclusive), got {}", s.threshold));
        }
        let (bands, rows) = match (s.bands, s.rows) {
            (Some(b), Some(r)) if b * r <= s.num_perm && b > 0 && r > 0 => (b, r),
            (None, None) => optimal_bands(s.threshold, s.num_perm),
            _ => return Err(format!("bands * rows must be at most num_perm ({})", s.num_perm)),
        };
        let mut state = PERMUTATION_SEED;
        let mut next = || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            mix64(state)
        };
        let (mut a, mut b) = (Vec::with_capacity(s.num_perm), Vec::with_capacity(s.num_perm));
        for _ in 0..s.num_perm {
            a.push(next() | 1);
            b.push(next());
        }
        Ok(MinHasher { num_perm: s.num_perm, ngram_length: s.ngram_length, threshold: s.threshold, bands, rows, a, b })
    }

    /// The signature of a document given its word hashes; `false` if it has no words.
    pub fn signature(&self, word_hashes: &[u64], sig: &mut Vec<u32>) -> bool {
        sig.clear();
        sig.resize(self.num_perm, u32::MAX);
        if word_hashes.is_empty() {
            return false;
        }
        let n = self.ngram_length.min(word_hashes.len());
        for window in word_hashes.windows(n) {
            let x = hash_words(window);
            fold_permutations(sig, &self.a, &self.b, x);
        }
        true
    }

    /// One key per band.
    pub fn band_keys(&self, sig: &[u32], out: &mut Vec<u64>) {
        let mut buf = Vec::with_capacity(self.rows * 4);
        for band in 0..self.bands {
            buf.clear();
            for v in &sig[band * self.rows..(band + 1) * self.rows] {
                buf.extend_from_slice(&v.to_le_bytes());
            }
            out.push(xxh3_64_with_seed(&buf, BAND_SEED ^ band as u64));
        }
    }
}

/// `sig[i] = min(sig[i], (a[i] * x + b[i]) >> 32)` for every permutation. The same arithmetic on
/// every CPU; where AVX2 is available the loop is compiled for it (4 lanes), otherwise scalar.
#[inline]
fn fold_permutations(sig: &mut [u32], a: &[u64], b: &[u64], x: u64) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: only called when the CPU supports AVX2.
            unsafe { fold_permutations_avx2(sig, a, b, x) };
            return;
        }
    }
    fold_permutations_generic(sig, a, b, x);
}

#[inline(always)]
fn fold_permutations_generic(sig: &mut [u32], a: &[u64], b: &[u64], x: u64) {
    for ((s, &a), &b) in sig.iter_mut().zip(a).zip(b) {
        let v = (a.wrapping_mul(x).wrapping_add(b) >> 32) as u32;
        *s = (*s).min(v);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn fold_permutations_avx2(sig: &mut [u32], a: &[u64], b: &[u64], x: u64) {
    fold_permutations_generic(sig, a, b, x)
}

/// Probability that two documents of Jaccard similarity `s` share at least one band.
fn collision(s: f64, b: usize, r: usize) -> f64 {
    1.0 - (1.0 - s.powi(r as i32)).powi(b as i32)
}

fn integrate(f: impl Fn(f64) -> f64, lo: f64, hi: f64) -> f64 {
    let n = 200;
    let h = (hi - lo) / n as f64;
    let mut total = f(lo) + f(hi);
    for i in 1..n {
        total += f(lo + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    total * h / 3.0
}

/// Bands and rows minimising (false-positive area + false-negative area) / 2 around `threshold`.
pub fn optimal_bands(threshold: f64, num_perm: usize) -> (usize, usize) {
    let mut best = (1, 1, f64::INFINITY);
    for b in 1..=num_perm {
        for r in 1..=num_perm / b {
            let fp = integrate(|s| collision(s, b, r), 0.0, threshold);
            let fneg = integrate(|s| 1.0 - collision(s, b, r), threshold, 1.0);
            let err = 0.5 * fp + 0.5 * fneg;
            if err < best.2 {
                best = (b, r, err);
            }
        }
    }
    (best.0, best.1)
}

/// Keys are already uniform hashes: use them as they are.
#[derive(Default)]
pub struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ b as u64;
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// Band key -> the first document (ordinal) that had it. Any subset of the band keys can live in
/// its own table (a partition) as long as each table sees its keys in canonical order.
#[derive(Default)]
pub struct BandTable {
    table: HashMap<u64, u32, BuildHasherDefault<IdentityHasher>>,
}

impl BandTable {
    /// The first document that had `key`, or `None` after recording `doc` as that document.
    #[inline]
    pub fn first_or_insert(&mut self, key: u64, doc: u32) -> Option<u32> {
        match self.table.entry(key) {
            Entry::Occupied(e) => Some(*e.get()),
            Entry::Vacant(v) => {
                v.insert(doc);
                None
            }
        }
    }

    pub fn entries(&self) -> usize {
        self.table.len()
    }

    /// Approximate heap bytes: hash-table buckets (16-byte slots + 1 control byte).
    pub fn memory_bytes(&self) -> usize {
        let cap = self.table.capacity();
        if cap == 0 { 0 } else { (cap * 8 / 7 + 1).next_power_of_two() * 17 }
    }
}

/// Union-find over document ordinals (canonical order, every document counted); the root of a
/// cluster is its earliest document.
#[derive(Default)]
pub struct Clusters {
    parent: Vec<u32>,
}

impl Clusters {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    /// Add the next document, joined to the documents in `earlier` (its band keys' first documents);
    /// returns its cluster's earliest document, or `None` if `earlier` is empty.
    pub fn add(&mut self, earlier: &[u32]) -> Option<u32> {
        let me = self.parent.len() as u32;
        self.parent.push(me);
        if earlier.is_empty() {
            return None;
        }
        let roots: Vec<u32> = earlier.iter().map(|&r| self.find(r)).collect();
        let root = *roots.iter().min().unwrap();
        for r in roots {
            self.parent[r as usize] = root;
        }
        self.parent[me as usize] = root;
        Some(root)
    }

    /// The ordinal the next document gets.
    pub fn next_ordinal(&self) -> u32 {
        self.parent.len() as u32
    }

    pub fn documents(&self) -> usize {
        self.parent.len()
    }

    pub fn memory_bytes(&self) -> usize {
        self.parent.capacity() * 4
    }
}

/// Band table plus clusters: the whole near-duplicate index of one process.
#[derive(Default)]
pub struct LshIndex {
    table: BandTable,
    clusters: Clusters,
    earlier: Vec<u32>,
}

impl LshIndex {
    pub fn new() -> LshIndex {
        LshIndex::default()
    }

    /// Add the next document (`None`: it is not compared, e.g. empty). Returns its cluster's
    /// earliest document ordinal if it is a near-duplicate of an earlier document.
    pub fn add(&mut self, band_keys: Option<&[u64]>) -> Option<u32> {
        let me = self.clusters.next_ordinal();
        self.earlier.clear();
        for &k in band_keys.unwrap_or(&[]) {
            if let Some(first) = self.table.first_or_insert(k, me) {
                self.earlier.push(first);
            }
        }
        self.clusters.add(&self.earlier)
    }

    pub fn documents(&self) -> usize {
        self.clusters.documents()
    }

    pub fn entries(&self) -> usize {
        self.table.entries()
    }

    /// Approximate heap bytes of the band table and cluster parents.
    pub fn memory_bytes(&self) -> usize {
        self.table.memory_bytes() + self.clusters.memory_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedupe::text::words;
    use crate::hashing::hash64;

    fn hasher(num_perm: usize, threshold: f64) -> MinHasher {
        MinHasher::new(&MinHashSettings { num_perm, ngram_length: 3, threshold, bands: None, rows: None }).unwrap()
    }

    fn word_hashes(s: &str) -> Vec<u64> {
        words(s).map(|w| hash64(w.as_bytes())).collect()
    }

    fn jaccard_estimate(h: &MinHasher, a: &str, b: &str) -> f64 {
        let (mut sa, mut sb) = (Vec::new(), Vec::new());
        h.signature(&word_hashes(a), &mut sa);
        h.signature(&word_hashes(b), &mut sb);
        sa.iter().zip(&sb).filter(|(x, y)| x == y).count() as f64 / sa.len() as f64
    }

    #[test]
    fn optimal_bands_match_datasketch() {
        // what datasketch 2.0's MinHashLSH(threshold=t, num_perm=128) picks, as (b, r)
        assert_eq!(optimal_bands(0.8, 128), (9, 13));
        assert_eq!(optimal_bands(0.5, 128), (25, 5));
        assert_eq!(optimal_bands(0.9, 128), (5, 25));
        assert_eq!(optimal_bands(0.7, 128), (14, 9));
    }

    #[test]
    fn signatures_estimate_jaccard() {
        let h = hasher(256, 0.8);
        let base: String = (0..300).map(|i| format!("w{} ", i)).collect();
        assert_eq!(jaccard_estimate(&h, &base, &base), 1.0);
        // change 15 of 300 words: about 3 * 15 of 298 trigrams differ on each side -> J ~ 0.74
        let edited: String = (0..300).map(|i| if i % 20 == 0 { format!("x{} ", i) } else { format!("w{} ", i) }).collect();
        let j = jaccard_estimate(&h, &base, &edited);
        assert!((0.62..0.86).contains(&j), "{j}");
        let other: String = (0..300).map(|i| format!("z{} ", i)).collect();
        assert!(jaccard_estimate(&h, &base, &other) < 0.05);
    }

    #[test]
    fn index_clusters_in_order() {
        let h = hasher(128, 0.7);
        let base: String = (0..200).map(|i| format!("w{} ", i)).collect();
        let near: String = base.replace("w50 ", "q ");
        let far: String = (0..200).map(|i| format!("z{} ", i)).collect();
        let mut idx = LshIndex::new();
        let keys = |s: &str| {
            let mut sig = Vec::new();
            h.signature(&word_hashes(s), &mut sig);
            let mut k = Vec::new();
            h.band_keys(&sig, &mut k);
            k
        };
        let (kb, kn, kf) = (keys(&base), keys(&near), keys(&far));
        assert_eq!(idx.add(Some(&kf)), None); // ordinal 0
        assert_eq!(idx.add(None), None); // 1: not compared
        assert_eq!(idx.add(Some(&kb)), None); // 2: first of its cluster
        assert_eq!(idx.add(Some(&kn)), Some(2));
        assert_eq!(idx.add(Some(&kb)), Some(2));
        assert_eq!(idx.documents(), 5);
        assert!(idx.memory_bytes() > 0);
    }

    #[test]
    fn short_documents_are_one_shingle() {
        let h = hasher(64, 0.5);
        let mut sig = Vec::new();
        assert!(h.signature(&word_hashes("two words"), &mut sig));
        assert!(!h.signature(&[], &mut sig));
    }
}
