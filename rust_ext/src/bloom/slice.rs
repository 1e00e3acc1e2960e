//! One partition of a blocked Bloom filter: a contiguous range of its 512-bit blocks.
//!
//! In the blocked layout a key's bits all live in block `floor(h * B / 2^64)` of the `B` blocks, and
//! whether a key is "already present" depends only on earlier inserts into that block. Cutting the
//! blocks into `P` contiguous ranges therefore cuts the filter into `P` independent filters: partition
//! `p` owns blocks `[ceil(p B / P), ceil((p + 1) B / P))`. If each partition checks its own keys in the
//! same order as one whole filter would, every answer (false positives included) is the whole filter's
//! answer, and the partitions' bit arrays, concatenated in order, are the whole filter's bit array.
//! This is what lets a distributed dedupe keep a local run's results byte for byte.

use super::{fastrange, BloomError, BloomFilter, Layout, Shape, PREFETCH_DISTANCE};
use std::sync::atomic::AtomicU64;

/// First block of partition `p` of `partitions` over `blocks` blocks: `ceil(p * blocks / partitions)`.
pub fn first_block(blocks: u64, p: usize, partitions: usize) -> u64 {
    ((p as u128 * blocks as u128).div_ceil(partitions as u128)) as u64
}

/// The partition owning global block `block`: `floor(block * partitions / blocks)`, the inverse of
/// `first_block` (block `g` is in `[first_block(p), first_block(p + 1))` exactly for this `p`).
#[inline]
pub fn partition_of_block(block: u64, blocks: u64, partitions: usize) -> usize {
    ((block as u128 * partitions as u128) / blocks as u128) as usize
}

/// The partition owning key `h` in a blocked filter of `shape` cut into `partitions`.
#[inline]
pub fn partition_of(h: u64, shape: &Shape, partitions: usize) -> usize {
    let blocks = shape.num_bits / 512;
    partition_of_block(fastrange(h, blocks), blocks, partitions)
}

/// Check that `shape` can be cut into `partitions` non-empty slices.
pub fn check_partitioning(shape: &Shape, partitions: usize) -> Result<(), String> {
    if shape.layout != Layout::Blocked512 {
        return Err("only the blocked layout can be partitioned (a standard-layout key's bits span the whole array)".into());
    }
    let blocks = shape.num_bits / 512;
    if partitions == 0 || partitions as u64 > blocks {
        return Err(format!("cannot cut a filter of {blocks} blocks into {partitions} partitions"));
    }
    Ok(())
}

/// Blocks `[first, first + filter's blocks)` of a filter of shape `global`.
pub struct FilterSlice {
    pub global: Shape,
    pub partition: usize,
    pub partitions: usize,
    first: u64,
    filter: BloomFilter,
}

impl FilterSlice {
    /// An empty slice.
    pub fn new(global: Shape, partition: usize, partitions: usize) -> Result<FilterSlice, String> {
        let (first, local) = Self::local_shape(&global, partition, partitions)?;
        Ok(FilterSlice { global, partition, partitions, first, filter: BloomFilter::new(local) })
    }

    /// A slice from its bytes of the file's bit array (little-endian words) and its inserted count.
    pub fn from_le_bytes(
        global: Shape,
        partition: usize,
        partitions: usize,
        bytes: &[u8],
        inserted: u64,
        read_only: bool,
    ) -> Result<FilterSlice, String> {
        let (first, local) = Self::local_shape(&global, partition, partitions)?;
        if bytes.len() as u64 != local.size_in_bytes() {
            return Err(format!("partition {partition} of {partitions} is {} bytes, got {}", local.size_in_bytes(), bytes.len()));
        }
        let words: Box<[AtomicU64]> =
            bytes.chunks_exact(8).map(|c| AtomicU64::new(u64::from_le_bytes(c.try_into().unwrap()))).collect();
        Ok(FilterSlice { global, partition, partitions, first, filter: BloomFilter::from_words(local, words, inserted, read_only) })
    }

    /// (first global block, shape of the slice's own bit array).
    fn local_shape(global: &Shape, partition: usize, partitions: usize) -> Result<(u64, Shape), String> {
        check_partitioning(global, partitions)?;
        if partition >= partitions {
            return Err(format!("partition {partition} is not in [0, {partitions})"));
        }
        let blocks = global.num_bits / 512;
        let (first, end) = (first_block(blocks, partition, partitions), first_block(blocks, partition + 1, partitions));
        Ok((first, Shape { layout: Layout::Blocked512, num_bits: (end - first) * 512, num_hashes: global.num_hashes }))
    }

    /// Byte range of this slice within the file's bit array.
    pub fn byte_range(&self) -> (u64, u64) {
        (self.first * 64, self.first * 64 + self.filter.shape().size_in_bytes())
    }

    #[inline]
    fn local_block(&self, h: u64) -> usize {
        let global = fastrange(h, self.global.num_bits / 512);
        debug_assert_eq!(partition_of_block(global, self.global.num_bits / 512, self.partitions), self.partition);
        (global - self.first) as usize
    }

    fn owns(&self, h: u64) -> bool {
        partition_of(h, &self.global, self.partitions) == self.partition
    }

    /// `check_and_insert` for the keys, in order (every key must belong to this partition).
    pub fn check_and_insert_many(&self, keys: &[u64]) -> Result<Vec<bool>, BloomError> {
        self.check_ownership(keys)?;
        let blocks: Vec<usize> = keys.iter().map(|&h| self.local_block(h)).collect();
        let mut out = Vec::with_capacity(keys.len());
        for (i, (&h, &b)) in keys.iter().zip(&blocks).enumerate() {
            if let Some(&ahead) = blocks.get(i + PREFETCH_DISTANCE) {
                self.filter.prefetch_block(ahead);
            }
            out.push(self.filter.check_and_insert_in_block(b, h)?);
        }
        Ok(out)
    }

    /// `contains` for the keys (read-only filters, e.g. decontamination).
    pub fn contains_many(&self, keys: &[u64]) -> Result<Vec<bool>, BloomError> {
        self.check_ownership(keys)?;
        Ok(keys.iter().map(|&h| self.filter.contains_in_block(self.local_block(h), h)).collect())
    }

    fn check_ownership(&self, keys: &[u64]) -> Result<(), BloomError> {
        match keys.iter().find(|&&h| !self.owns(h)) {
            Some(h) => Err(BloomError::ShapeMismatch(format!(
                "key {h:#018x} belongs to partition {} of {}, not {}",
                partition_of(*h, &self.global, self.partitions),
                self.partitions,
                self.partition
            ))),
            None => Ok(()),
        }
    }

    /// The slice's part of the file's bit array.
    pub fn to_le_bytes(&self) -> Vec<u8> {
        self.filter.words_le()
    }

    pub fn inserted(&self) -> u64 {
        self.filter.inserted()
    }

    pub fn bits_set(&self) -> u64 {
        self.filter.bits_set()
    }

    pub fn read_only(&self) -> bool {
        self.filter.read_only()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hashing::hash64;

    fn keys(n: u64) -> Vec<u64> {
        // every key twice, the repeats later: half the answers are "seen"
        (0..n).chain(0..n / 2).map(|i| hash64(&i.to_le_bytes())).collect()
    }

    #[test]
    fn partitions_tile_the_blocks() {
        for (blocks, parts) in [(10u64, 3usize), (7, 7), (1000, 64), (513, 2)] {
            let mut next = 0;
            for p in 0..parts {
                assert_eq!(first_block(blocks, p, parts), next);
                next = first_block(blocks, p + 1, parts);
                assert!(next > first_block(blocks, p, parts), "empty partition");
                for b in first_block(blocks, p, parts)..next {
                    assert_eq!(partition_of_block(b, blocks, parts), p);
                }
            }
            assert_eq!(next, blocks);
        }
    }

    #[test]
    fn slices_answer_and_store_exactly_like_the_whole_filter() {
        // small and crowded, so false positives happen too: they must be the same ones
        let shape = Shape::new(Layout::Blocked512, 512 * 37, 7);
        let all = keys(4000);
        let whole = BloomFilter::new(shape);
        let expected = whole.check_and_insert_many(&all).unwrap();
        for parts in [1usize, 2, 3, 5] {
            let slices: Vec<FilterSlice> = (0..parts).map(|p| FilterSlice::new(shape, p, parts).unwrap()).collect();
            let mut by_part: Vec<Vec<u64>> = vec![Vec::new(); parts];
            for &h in &all {
                by_part[partition_of(h, &shape, parts)].push(h);
            }
            let answers: Vec<Vec<bool>> =
                slices.iter().zip(&by_part).map(|(s, k)| s.check_and_insert_many(k).unwrap()).collect();
            let mut cursors = vec![0usize; parts];
            let merged: Vec<bool> = all
                .iter()
                .map(|&h| {
                    let p = partition_of(h, &shape, parts);
                    cursors[p] += 1;
                    answers[p][cursors[p] - 1]
                })
                .collect();
            assert_eq!(merged, expected, "{parts} partitions");
            let bytes: Vec<u8> = slices.iter().flat_map(|s| s.to_le_bytes()).collect();
            assert_eq!(bytes, whole.words_le());
            assert_eq!(slices.iter().map(|s| s.inserted()).sum::<u64>(), whole.inserted());
            assert_eq!(slices.iter().map(|s| s.bits_set()).sum::<u64>(), whole.bits_set());
            let (mut at, end) = (0u64, whole.shape().size_in_bytes());
            for s in &slices {
                assert_eq!(s.byte_range().0, at);
                at = s.byte_range().1;
            }
            assert_eq!(at, end);
        }
    }

    #[test]
    fn loaded_slices_continue_where_the_whole_filter_stopped() {
        let shape = Shape::new(Layout::Blocked512, 512 * 16, 5);
        let whole = BloomFilter::new(shape);
        let all = keys(500);
        whole.check_and_insert_many(&all[..300]).unwrap();
        let bytes = whole.words_le();
        let s = FilterSlice::new(shape, 1, 2).unwrap();
        let (lo, hi) = s.byte_range();
        let loaded = FilterSlice::from_le_bytes(shape, 1, 2, &bytes[lo as usize..hi as usize], 0, false).unwrap();
        let mine: Vec<u64> = all[300..].iter().copied().filter(|&h| partition_of(h, &shape, 2) == 1).collect();
        let expected: Vec<bool> = mine.iter().map(|&h| whole.check_and_insert(h).unwrap()).collect();
        assert_eq!(loaded.check_and_insert_many(&mine).unwrap(), expected);
        assert_eq!(loaded.contains_many(&mine).unwrap(), vec![true; mine.len()]);
    }

    #[test]
    fn foreign_keys_and_bad_shapes_are_errors() {
        let shape = Shape::new(Layout::Blocked512, 512 * 8, 5);
        let s = FilterSlice::new(shape, 0, 2).unwrap();
        let foreign = (0u64..).map(|i| hash64(&i.to_le_bytes())).find(|&h| partition_of(h, &shape, 2) == 1).unwrap();
        assert!(matches!(s.check_and_insert_many(&[foreign]), Err(BloomError::ShapeMismatch(_))));
        assert!(FilterSlice::new(shape, 0, 9).is_err());
        assert!(FilterSlice::new(Shape::new(Layout::Standard, 4096, 5), 0, 2).is_err());
        let mut ro = FilterSlice::from_le_bytes(shape, 0, 2, &vec![0u8; 256], 0, true).unwrap();
        assert_eq!(ro.check_and_insert_many(&[]), Ok(vec![]));
        ro.partition = 0;
        let own = (0u64..).map(|i| hash64(&i.to_le_bytes())).find(|&h| partition_of(h, &shape, 2) == 0).unwrap();
        assert_eq!(ro.check_and_insert_many(&[own]), Err(BloomError::ReadOnly));
    }
}
