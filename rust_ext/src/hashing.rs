//! Stable hashing: xxh3 with fixed seeds, identical on every machine and CPU.
//!
//! These functions define which bits a key sets in a Bloom filter file, so they are part of the
//! on-disk format: never change them without bumping the filter format version.

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Seed used for all content hashes; part of the on-disk filter format, never change it.
pub const CONTENT_SEED: u64 = 0x646f_6c6d_612d_746f; // "dolma-to"

/// Seed for combining word hashes into an n-gram hash (a different key space from whole texts).
pub const NGRAM_SEED: u64 = 0x6e67_7261_6d2d_6b65; // "ngram-ke"

/// 64-bit content hash of `bytes`.
pub fn hash64(bytes: &[u8]) -> u64 {
    xxh3_64_with_seed(bytes, CONTENT_SEED)
}

/// Hash of a sequence of word hashes (an n-gram): xxh3 of their little-endian bytes, seeded apart.
pub fn hash_words(word_hashes: &[u64]) -> u64 {
    let mut buf = [0u8; 8 * 32];
    if word_hashes.len() <= 32 {
        for (i, h) in word_hashes.iter().enumerate() {
            buf[i * 8..i * 8 + 8].copy_from_slice(&h.to_le_bytes());
        }
        return xxh3_64_with_seed(&buf[..word_hashes.len() * 8], NGRAM_SEED);
    }
    let bytes: Vec<u8> = word_hashes.iter().flat_map(|h| h.to_le_bytes()).collect();
    xxh3_64_with_seed(&bytes, NGRAM_SEED)
}

/// A bijective 64-bit mixer (the splitmix64 finalizer): derives independent-looking bits from a hash.
#[inline]
pub fn mix64(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_stable() {
        assert_eq!(hash64(b"hello"), hash64(b"hello"));
        assert_ne!(hash64(b"hello"), hash64(b"hellp"));
    }

    #[test]
    fn ngram_hash_depends_on_order_and_is_apart_from_text_hashes() {
        let (a, b) = (hash64(b"a"), hash64(b"b"));
        assert_ne!(hash_words(&[a, b]), hash_words(&[b, a]));
        assert_ne!(hash_words(&[a]), a);
        let long: Vec<u64> = (0..40).collect();
        assert_ne!(hash_words(&long), hash_words(&long[..39]));
    }

    #[test]
    fn mix64_is_a_known_bijection() {
        // splitmix64 finalizer reference values
        assert_eq!(mix64(0), 0);
        assert_ne!(mix64(1), mix64(2));
    }
}
