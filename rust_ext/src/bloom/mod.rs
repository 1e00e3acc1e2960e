//! A lock-free Bloom filter over 64-bit key hashes.
//!
//! Keys are hashed once, outside the filter, with `crate::hashing::hash64` (xxh3, fixed seed), so the
//! same key gives the same bits on every machine and in every process; the filter derives its bit
//! positions from that 64-bit hash:
//!
//! * `Blocked512` (default): the block is `floor(h * blocks / 2^64)` (multiply-shift, no modulo bias);
//!   the `k` bit positions inside the 512-bit block are successive 9-bit fields (low bits first) of
//!   `mix64(h + r * 0x9e3779b97f4a7c15)` for rounds r = 0, 1, ... of 7 fields each. One cache line
//!   per key: one memory miss per lookup.
//! * `Standard`: position `i` is `floor((h + i * (mix64(h) | 1)) * m / 2^64)` (double hashing).
//!
//! All bits live in `AtomicU64` words: any number of threads may insert and look up concurrently
//! without locks. `check_and_insert` reports whether every bit was already set before the call; run
//! sequentially, that is exactly "was this key (or a false positive) seen before".

pub mod file;
pub mod sizing;
pub mod slice;

use std::sync::atomic::{AtomicU64, Ordering};

use crate::hashing::mix64;

/// How bits are laid out; stored in the file header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    Standard = 0,
    Blocked512 = 1,
}

impl Layout {
    pub fn from_code(code: u32) -> Option<Layout> {
        match code {
            0 => Some(Layout::Standard),
            1 => Some(Layout::Blocked512),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Layout::Standard => "standard",
            Layout::Blocked512 => "blocked512",
        }
    }

    pub fn from_name(name: &str) -> Option<Layout> {
        match name {
            "standard" => Some(Layout::Standard),
            "blocked" | "blocked512" => Some(Layout::Blocked512),
            _ => None,
        }
    }
}

/// Everything that decides which bits a key sets; two filters can be merged only if equal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub layout: Layout,
    pub num_bits: u64,
    pub num_hashes: u32,
}

impl Shape {
    pub fn new(layout: Layout, num_bits: u64, num_hashes: u32) -> Shape {
        Shape { layout, num_bits: sizing::round_bits(layout, num_bits), num_hashes: num_hashes.clamp(1, 64) }
    }

    /// Smallest shape holding `n` keys at false-positive rate `p`.
    pub fn for_rate(layout: Layout, n: u64, p: f64) -> Shape {
        let (m, k) = sizing::optimal_shape(layout, n, p);
        Shape::new(layout, m, k)
    }

    /// A shape of (about) `bytes` bytes with the best number of hashes for `n` keys (0: unknown).
    pub fn for_size(layout: Layout, bytes: u64, n: u64) -> Shape {
        let m = sizing::round_bits(layout, bytes.saturating_mul(8));
        Shape::new(layout, m, sizing::best_num_hashes(layout, m, n))
    }

    pub fn num_words(&self) -> usize {
        (self.num_bits / 64) as usize
    }

    pub fn size_in_bytes(&self) -> u64 {
        self.num_bits / 8
    }
}

/// Where the words live: owned memory, or a read-only memory map of a filter file.
enum Words {
    Owned(Box<[AtomicU64]>),
    Mapped { map: memmap2::Mmap, offset: usize, len: usize },
}

impl Words {
    fn slice(&self) -> &[AtomicU64] {
        match self {
            Words::Owned(w) => w,
            Words::Mapped { map, offset, len } => {
                // SAFETY: the file format puts the words at a 4096-aligned offset of a page-aligned map;
                // AtomicU64 has the layout of u64; mapped filters are read-only, and every write path
                // checks `read_only` first, so the (PROT_READ) pages are only ever loaded from.
                unsafe { std::slice::from_raw_parts(map.as_ptr().add(*offset) as *const AtomicU64, *len) }
            }
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum BloomError {
    ReadOnly,
    ShapeMismatch(String),
}

impl std::fmt::Display for BloomError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BloomError::ReadOnly => write!(f, "the Bloom filter is read-only"),
            BloomError::ShapeMismatch(s) => write!(f, "Bloom filters have different shapes: {s}"),
        }
    }
}

impl std::error::Error for BloomError {}

pub struct BloomFilter {
    shape: Shape,
    words: Words,
    read_only: bool,
    /// Keys that were absent when inserted (distinct keys, up to false positives).
    inserted: AtomicU64,
    /// Bits set to one; maintained exactly from the previous values returned by `fetch_or`.
    bits_set: AtomicU64,
}

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// The bit positions (0..512) of a key in its block, in order: 9-bit fields, low bits first, of
/// `mix64(h + round * GOLDEN)`, 7 fields per round. Stops early when `f` returns false.
#[inline(always)]
fn for_block_positions(h: u64, num_hashes: u32, mut f: impl FnMut(usize) -> bool) -> bool {
    let mut left = num_hashes;
    let mut round = 0u64;
    while left > 0 {
        let mut x = mix64(h.wrapping_add(round.wrapping_mul(GOLDEN)));
        for _ in 0..left.min(7) {
            if !f((x & 511) as usize) {
                return false;
            }
            x >>= 9;
        }
        left = left.saturating_sub(7);
        round += 1;
    }
    true
}

/// Which words and bits a key touches in the blocked layout: 8 words of one cache line.
#[inline]
fn block_masks(h: u64, num_hashes: u32) -> [u64; 8] {
    let mut masks = [0u64; 8];
    for_block_positions(h, num_hashes, |pos| {
        masks[pos >> 6] |= 1u64 << (pos & 63);
        true
    });
    masks
}

/// Are all of the key's bits set in `block`? Tests bit by bit and stops at the first zero.
#[inline]
fn block_contains(block: &[AtomicU64; 8], h: u64, num_hashes: u32) -> bool {
    for_block_positions(h, num_hashes, |pos| block[pos >> 6].load(Ordering::Relaxed) & (1u64 << (pos & 63)) != 0)
}

/// How many keys ahead batch operations prefetch: enough to overlap a memory miss per key.
pub const PREFETCH_DISTANCE: usize = 16;

#[inline]
pub(crate) fn fastrange(h: u64, n: u64) -> u64 {
    ((h as u128 * n as u128) >> 64) as u64
}

impl BloomFilter {
    /// An empty, writable filter.
    pub fn new(shape: Shape) -> BloomFilter {
        let words: Box<[AtomicU64]> = (0..shape.num_words()).map(|_| AtomicU64::new(0)).collect();
        BloomFilter { shape, words: Words::Owned(words), read_only: false, inserted: AtomicU64::new(0), bits_set: AtomicU64::new(0) }
    }

    pub(crate) fn from_words(shape: Shape, words: Box<[AtomicU64]>, inserted: u64, read_only: bool) -> BloomFilter {
        let f = BloomFilter { shape, words: Words::Owned(words), read_only, inserted: AtomicU64::new(inserted), bits_set: AtomicU64::new(0) };
        f.bits_set.store(f.count_bits(), Ordering::Relaxed);
        f
    }

    pub(crate) fn from_map(shape: Shape, map: memmap2::Mmap, offset: usize, inserted: u64) -> BloomFilter {
        let len = shape.num_words();
        let f = BloomFilter {
            shape,
            words: Words::Mapped { map, offset, len },
            read_only: true,
            inserted: AtomicU64::new(inserted),
            bits_set: AtomicU64::new(0),
        };
        f.bits_set.store(f.count_bits(), Ordering::Relaxed);
        f
    }

    pub fn shape(&self) -> Shape {
        self.shape
    }

    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// Forbid (or allow again) inserts; a memory-mapped filter can never be made writable.
    pub fn set_read_only(&mut self, read_only: bool) -> Result<(), BloomError> {
        if !read_only && matches!(self.words, Words::Mapped { .. }) {
            return Err(BloomError::ReadOnly);
        }
        self.read_only = read_only;
        Ok(())
    }

    pub fn is_mapped(&self) -> bool {
        matches!(self.words, Words::Mapped { .. })
    }

    pub fn inserted(&self) -> u64 {
        self.inserted.load(Ordering::Relaxed)
    }

    pub fn bits_set(&self) -> u64 {
        self.bits_set.load(Ordering::Relaxed)
    }

    pub fn fill_ratio(&self) -> f64 {
        self.bits_set() as f64 / self.shape.num_bits as f64
    }

    pub(crate) fn words(&self) -> &[AtomicU64] {
        self.words.slice()
    }

    fn count_bits(&self) -> u64 {
        self.words().iter().map(|w| w.load(Ordering::Relaxed).count_ones() as u64).sum()
    }

    /// Ask the CPU to start loading the memory key `h` touches (a hint; no effect on results).
    /// Callers that know upcoming keys prefetch a few ahead, so lookups overlap their cache misses.
    #[inline]
    pub fn prefetch(&self, h: u64) {
        #[cfg(target_arch = "x86_64")]
        {
            let words = self.words();
            let index = match self.shape.layout {
                Layout::Blocked512 => fastrange(h, self.shape.num_bits / 512) as usize * 8,
                Layout::Standard => (fastrange(h, self.shape.num_bits) >> 6) as usize,
            };
            // SAFETY: the index is within the slice; prefetching has no architectural effect.
            unsafe {
                use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
                _mm_prefetch(words.as_ptr().add(index) as *const i8, _MM_HINT_T0);
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = h;
    }

    /// The 512-bit block of key `h` (blocked layout).
    #[inline]
    fn block(&self, h: u64) -> &[AtomicU64; 8] {
        self.block_at(fastrange(h, self.shape.num_bits / 512) as usize)
    }

    #[inline]
    fn block_at(&self, index: usize) -> &[AtomicU64; 8] {
        let base = index * 8;
        self.words()[base..base + 8].try_into().expect("blocks are 8 words")
    }

    /// Blocked layout: is key `h` in block `index`? (`contains` with the block chosen by the caller,
    /// e.g. a slice of a larger filter that maps global blocks to its own; see `slice`.)
    #[inline]
    pub(crate) fn contains_in_block(&self, index: usize, h: u64) -> bool {
        block_contains(self.block_at(index), h, self.shape.num_hashes)
    }

    /// Blocked layout: `check_and_insert` with the block chosen by the caller.
    #[inline]
    pub(crate) fn check_and_insert_in_block(&self, index: usize, h: u64) -> Result<bool, BloomError> {
        if self.read_only {
            return Err(BloomError::ReadOnly);
        }
        Ok(self.set_block_bits(self.block_at(index), h))
    }

    /// Set the key's bits in `block`; true if they were all set already (nothing counted then).
    #[inline]
    fn set_block_bits(&self, block: &[AtomicU64; 8], h: u64) -> bool {
        if block_contains(block, h, self.shape.num_hashes) {
            return true; // duplicates only read the cache line
        }
        let masks = block_masks(h, self.shape.num_hashes);
        let mut new_bits = 0u64;
        for (&m, w) in masks.iter().zip(block) {
            // load first: keys already present (duplicates) never dirty the cache line
            if m != 0 && w.load(Ordering::Relaxed) & m != m {
                let old = w.fetch_or(m, Ordering::Relaxed);
                new_bits += (m & !old).count_ones() as u64;
            }
        }
        self.count_new_bits(new_bits)
    }

    /// Account for `new_bits` just set by one key; true (a duplicate) if there were none.
    #[inline]
    fn count_new_bits(&self, new_bits: u64) -> bool {
        if new_bits == 0 {
            return true;
        }
        self.bits_set.fetch_add(new_bits, Ordering::Relaxed);
        self.inserted.fetch_add(1, Ordering::Relaxed);
        false
    }

    /// Blocked layout: ask the CPU to load block `index` (a hint, as `prefetch`).
    #[inline]
    pub(crate) fn prefetch_block(&self, index: usize) {
        #[cfg(target_arch = "x86_64")]
        {
            let words = self.words();
            // SAFETY: the index is within the slice; prefetching has no architectural effect.
            unsafe {
                use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
                _mm_prefetch(words.as_ptr().add(index * 8) as *const i8, _MM_HINT_T0);
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = index;
    }

    /// The bit array as little-endian bytes (the data section of the file format).
    pub fn words_le(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.words().len() * 8);
        for w in self.words() {
            out.extend_from_slice(&w.load(Ordering::Relaxed).to_le_bytes());
        }
        out
    }

    /// Is the key with hash `h` (probably) in the filter?
    #[inline]
    pub fn contains(&self, h: u64) -> bool {
        let words = self.words();
        match self.shape.layout {
            Layout::Blocked512 => block_contains(self.block(h), h, self.shape.num_hashes),
            Layout::Standard => self.standard_positions(h).all(|pos| {
                words[(pos >> 6) as usize].load(Ordering::Relaxed) & (1u64 << (pos & 63)) != 0
            }),
        }
    }

    fn standard_positions(&self, h: u64) -> impl Iterator<Item = u64> {
        let step = mix64(h) | 1;
        let m = self.shape.num_bits;
        (0..self.shape.num_hashes as u64).map(move |i| fastrange(h.wrapping_add(i.wrapping_mul(step)), m))
    }

    /// Insert the key; returns true if every one of its bits was already set (a duplicate, or a
    /// false positive). Lock-free: concurrent inserts of the same key may both return false.
    #[inline]
    pub fn check_and_insert(&self, h: u64) -> Result<bool, BloomError> {
        if self.read_only {
            return Err(BloomError::ReadOnly);
        }
        let words = self.words();
        match self.shape.layout {
            Layout::Blocked512 => Ok(self.set_block_bits(self.block(h), h)),
            Layout::Standard => {
                let mut new_bits = 0u64;
                for pos in self.standard_positions(h) {
                    let bit = 1u64 << (pos & 63);
                    let w = &words[(pos >> 6) as usize];
                    if w.load(Ordering::Relaxed) & bit == 0 {
                        let old = w.fetch_or(bit, Ordering::Relaxed);
                        new_bits += (old & bit == 0) as u64;
                    }
                }
                Ok(self.count_new_bits(new_bits))
            }
        }
    }

    /// Insert the key (no-op for its bits that are already set).
    #[inline]
    pub fn insert(&self, h: u64) -> Result<(), BloomError> {
        self.check_and_insert(h).map(|_| ())
    }

    /// `contains` for many keys, prefetching ahead (the fast path for batches).
    pub fn contains_many(&self, hashes: &[u64]) -> Vec<bool> {
        let mut out = Vec::with_capacity(hashes.len());
        for (i, &h) in hashes.iter().enumerate() {
            self.prefetch_ahead(hashes, i);
            out.push(self.contains(h));
        }
        out
    }

    /// `check_and_insert` for many keys in order, prefetching ahead.
    pub fn check_and_insert_many(&self, hashes: &[u64]) -> Result<Vec<bool>, BloomError> {
        let mut out = Vec::with_capacity(hashes.len());
        for (i, &h) in hashes.iter().enumerate() {
            self.prefetch_ahead(hashes, i);
            out.push(self.check_and_insert(h)?);
        }
        Ok(out)
    }

    #[inline]
    fn prefetch_ahead(&self, hashes: &[u64], i: usize) {
        if i == 0 {
            hashes.iter().take(PREFETCH_DISTANCE).for_each(|&h| self.prefetch(h));
        }
        if let Some(&h) = hashes.get(i + PREFETCH_DISTANCE) {
            self.prefetch(h);
        }
    }

    /// Bitwise OR of `other` into this filter; both must have the same shape.
    pub fn merge(&self, other: &BloomFilter) -> Result<(), BloomError> {
        if self.read_only {
            return Err(BloomError::ReadOnly);
        }
        if self.shape != other.shape {
            return Err(BloomError::ShapeMismatch(format!("{:?} vs {:?}", self.shape, other.shape)));
        }
        let mut new_bits = 0u64;
        for (a, b) in self.words().iter().zip(other.words()) {
            let v = b.load(Ordering::Relaxed);
            if v != 0 {
                let old = a.fetch_or(v, Ordering::Relaxed);
                new_bits += (v & !old).count_ones() as u64;
            }
        }
        self.bits_set.fetch_add(new_bits, Ordering::Relaxed);
        self.inserted.fetch_add(other.inserted(), Ordering::Relaxed);
        Ok(())
    }

    /// The false-positive rate a new, random key would see now, from the actual bits: for the
    /// blocked layout the mean over blocks of `(ones in block / 512)^k`, for the standard layout
    /// `(ones / m)^k`.
    pub fn estimated_fp_rate(&self) -> f64 {
        let k = self.shape.num_hashes as i32;
        match self.shape.layout {
            Layout::Standard => self.fill_ratio().powi(k),
            Layout::Blocked512 => {
                let words = self.words();
                let mut total = 0.0f64;
                for block in words.chunks_exact(8) {
                    let ones: u32 = block.iter().map(|w| w.load(Ordering::Relaxed).count_ones()).sum();
                    if ones > 0 {
                        total += (ones as f64 / 512.0).powi(k);
                    }
                }
                total / (words.len() / 8).max(1) as f64
            }
        }
    }

    /// The rate predicted for `n` keys by the sizing formula (what the configuration asked for).
    pub fn predicted_fp_rate(&self, n: u64) -> f64 {
        sizing::fp_rate(self.shape.layout, self.shape.num_bits, n, self.shape.num_hashes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hashing::hash64;
    use std::sync::Arc;

    fn keys(range: std::ops::Range<u64>) -> impl Iterator<Item = u64> {
        range.map(|i| hash64(&i.to_le_bytes()))
    }

    #[test]
    fn inserted_keys_are_found_and_counted() {
        for layout in [Layout::Blocked512, Layout::Standard] {
            let f = BloomFilter::new(Shape::for_rate(layout, 10_000, 0.01));
            for h in keys(0..10_000) {
                f.insert(h).unwrap();
            }
            assert!(keys(0..10_000).all(|h| f.contains(h)));
            assert!(f.inserted() <= 10_000 && f.inserted() > 9_800, "{}", f.inserted());
            assert_eq!(f.bits_set(), f.count_bits());
        }
    }

    #[test]
    fn check_and_insert_reports_second_occurrence() {
        let f = BloomFilter::new(Shape::for_rate(Layout::Blocked512, 1000, 0.001));
        let h = hash64(b"hello");
        assert!(!f.check_and_insert(h).unwrap());
        assert!(f.check_and_insert(h).unwrap());
        assert_eq!(f.inserted(), 1);
    }

    #[test]
    fn false_positive_rate_matches_the_prediction() {
        // 0.01 needs about 7 hashes, 2e-4 about 12: both ways of drawing bit positions are exercised
        for (layout, rate, probes) in [
            (Layout::Blocked512, 0.01, 400_000u64),
            (Layout::Standard, 0.01, 400_000),
            (Layout::Blocked512, 2e-4, 3_000_000),
            (Layout::Standard, 2e-4, 3_000_000),
        ] {
            let n = 200_000;
            let f = BloomFilter::new(Shape::for_rate(layout, n, rate));
            for h in keys(0..n) {
                f.insert(h).unwrap();
            }
            let fp = keys(n..n + probes).filter(|&h| f.contains(h)).count() as f64 / probes as f64;
            let predicted = f.predicted_fp_rate(n);
            let estimated = f.estimated_fp_rate();
            assert!(predicted <= rate);
            // observed within 25% of both the formula and the estimate from the actual bits
            assert!((fp - predicted).abs() < 0.25 * predicted, "{layout:?} fp {fp} predicted {predicted}");
            assert!((fp - estimated).abs() < 0.25 * estimated, "{layout:?} fp {fp} estimated {estimated}");
        }
    }

    #[test]
    fn concurrent_inserts_lose_nothing() {
        let f = Arc::new(BloomFilter::new(Shape::for_rate(Layout::Blocked512, 400_000, 0.001)));
        let threads: Vec<_> = (0..4u64)
            .map(|t| {
                let f = f.clone();
                std::thread::spawn(move || {
                    for h in keys(t * 100_000..(t + 1) * 100_000) {
                        f.insert(h).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert!(keys(0..400_000).all(|h| f.contains(h)));
        assert_eq!(f.bits_set(), f.count_bits());
    }

    #[test]
    fn batches_match_single_operations() {
        let f = BloomFilter::new(Shape::for_rate(Layout::Blocked512, 1000, 0.001));
        let mut hashes: Vec<u64> = keys(0..100).collect();
        hashes.extend(keys(50..60)); // repeats inside the batch
        let first = f.check_and_insert_many(&hashes).unwrap();
        assert!(first[..100].iter().all(|&d| !d) || first[..100].iter().filter(|&&d| d).count() <= 1);
        assert!(first[100..].iter().all(|&d| d));
        assert!(f.contains_many(&hashes).iter().all(|&c| c));
        let absent: Vec<u64> = keys(1000..1100).collect();
        let found = f.contains_many(&absent).iter().filter(|&&c| c).count();
        assert_eq!(found, absent.iter().filter(|&&h| f.contains(h)).count());
    }

    #[test]
    fn merge_is_union_and_checks_shape() {
        let shape = Shape::for_rate(Layout::Blocked512, 1000, 0.01);
        let a = BloomFilter::new(shape);
        let b = BloomFilter::new(shape);
        a.insert(hash64(b"a")).unwrap();
        b.insert(hash64(b"b")).unwrap();
        a.merge(&b).unwrap();
        assert!(a.contains(hash64(b"a")) && a.contains(hash64(b"b")));
        assert_eq!(a.bits_set(), a.count_bits());
        let c = BloomFilter::new(Shape::for_rate(Layout::Blocked512, 100_000, 0.01));
        assert!(matches!(a.merge(&c), Err(BloomError::ShapeMismatch(_))));
    }

    #[test]
    fn read_only_refuses_inserts() {
        let mut f = BloomFilter::new(Shape::for_rate(Layout::Blocked512, 100, 0.01));
        f.set_read_only(true).unwrap();
        assert_eq!(f.insert(1), Err(BloomError::ReadOnly));
    }

    #[test]
    fn bit_positions_are_pinned() {
        // the on-disk format depends on these exact positions: changing them needs a new version
        let f = BloomFilter::new(Shape::new(Layout::Blocked512, 512 * 4, 7));
        f.insert(hash64(b"dolma")).unwrap();
        let ones: Vec<usize> = f
            .words()
            .iter()
            .enumerate()
            .flat_map(|(i, w)| {
                let v = w.load(Ordering::Relaxed);
                (0..64).filter(move |b| v >> b & 1 == 1).map(move |b| i * 64 + b)
            })
            .collect();
        assert_eq!(ones.len(), 7);
        let block = ones[0] / 512;
        assert!(ones.iter().all(|&p| p / 512 == block));
        assert_eq!(ones, PINNED_DOLMA_BITS.to_vec());
    }

    const PINNED_DOLMA_BITS: [usize; 7] = [1592, 1731, 1842, 1948, 1980, 2004, 2012];
}
