//! Stable hashing: xxh3 with fixed seeds, identical on every machine and CPU.

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Seed used for all content hashes; part of the on-disk filter format, never change it.
pub const CONTENT_SEED: u64 = 0x646f_6c6d_612d_746f; // "dolma-to"

/// 64-bit content hash of `bytes`.
pub fn hash64(bytes: &[u8]) -> u64 {
    xxh3_64_with_seed(bytes, CONTENT_SEED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_stable() {
        assert_eq!(hash64(b"hello"), hash64(b"hello"));
        assert_ne!(hash64(b"hello"), hash64(b"hellp"));
    }
}
