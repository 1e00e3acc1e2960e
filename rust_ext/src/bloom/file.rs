//! The Bloom filter file format (version 1). All integers are little-endian.
//!
//! ```text
//! offset  size  field
//!      0     8  magic "DTBLOOM\0"
//!      8     4  format version (1)
//!     12     4  layout: 0 = standard, 1 = blocked (512-bit blocks)
//!     16     8  number of bits m (a multiple of 64; of 512 for the blocked layout)
//!     24     4  number of hash functions k
//!     28     4  flags (0; reserved)
//!     32     8  key hash seed (crate::hashing::CONTENT_SEED); files with another seed are rejected
//!     40     8  inserted: keys that were absent when inserted
//!     48     8  bits set to one (informational; recomputed on load)
//!     56     8  metadata length L
//!     64     8  data offset D (a multiple of 4096, >= 128 + L)
//!     72    56  zero
//!    128     L  metadata: UTF-8 (dolma-tools stores JSON: checkpoint records, provenance)
//!  128+L   ...  zero padding up to D
//!      D   m/8  the bit array: m/64 u64 words; bit b of the filter is bit (b % 64) of word b / 64
//!  D+m/8     8  xxh3-64 (seed 0) of every byte before this field
//!  D+m/8+8   8  end magic "DTBLEND\0"
//! ```
//!
//! The words start on a page boundary, so a read-only filter is used straight from a memory map
//! (`load_mapped`): many processes share one copy through the page cache. The checksum is verified
//! on every load, so a truncated or corrupted file is an error, never a silently different filter.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use xxhash_rust::xxh3::Xxh3;

use super::{BloomFilter, Layout, Shape};
use crate::hashing::CONTENT_SEED;

pub const MAGIC: &[u8; 8] = b"DTBLOOM\0";
pub const END_MAGIC: &[u8; 8] = b"DTBLEND\0";
pub const VERSION: u32 = 1;
const FIXED_HEADER: usize = 128;
const ALIGN: usize = 4096;
const TRAILER: usize = 16;

/// What the header says, before the bits are read.
#[derive(Debug, Clone)]
pub struct Header {
    pub shape: Shape,
    pub inserted: u64,
    pub bits_set: u64,
    pub metadata: String,
    pub data_offset: usize,
}

impl Header {
    pub fn file_len(&self) -> usize {
        self.data_offset + self.shape.size_in_bytes() as usize + TRAILER
    }
}

fn bad(path: &Path, msg: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("{}: not a valid dolma-tools Bloom filter: {msg}", path.display()))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

fn data_offset_for(metadata_len: usize) -> usize {
    (FIXED_HEADER + metadata_len).div_ceil(ALIGN) * ALIGN
}

/// The header and metadata bytes, padded to the data offset.
fn encode_header(filter: &BloomFilter, metadata: &str) -> Vec<u8> {
    encode_header_parts(filter.shape(), filter.inserted(), filter.bits_set(), metadata)
}

/// The header and metadata bytes of a filter of `shape` with these counters (e.g. of a filter whose
/// bit array is held in partitions and written after this header, slice by slice).
pub fn encode_header_parts(shape: Shape, inserted: u64, bits_set: u64, metadata: &str) -> Vec<u8> {
    let offset = data_offset_for(metadata.len());
    let mut h = vec![0u8; offset];
    h[0..8].copy_from_slice(MAGIC);
    h[8..12].copy_from_slice(&VERSION.to_le_bytes());
    h[12..16].copy_from_slice(&(shape.layout as u32).to_le_bytes());
    h[16..24].copy_from_slice(&shape.num_bits.to_le_bytes());
    h[24..28].copy_from_slice(&shape.num_hashes.to_le_bytes());
    h[32..40].copy_from_slice(&CONTENT_SEED.to_le_bytes());
    h[40..48].copy_from_slice(&inserted.to_le_bytes());
    h[48..56].copy_from_slice(&bits_set.to_le_bytes());
    h[56..64].copy_from_slice(&(metadata.len() as u64).to_le_bytes());
    h[64..72].copy_from_slice(&(offset as u64).to_le_bytes());
    h[FIXED_HEADER..FIXED_HEADER + metadata.len()].copy_from_slice(metadata.as_bytes());
    h
}

/// Parse the fixed header and metadata from the first bytes of a file.
pub fn decode_header(path: &Path, bytes: &[u8]) -> io::Result<Header> {
    if bytes.len() < FIXED_HEADER {
        return Err(bad(path, format!("file is {} bytes, shorter than the 128-byte header (truncated?)", bytes.len())));
    }
    if &bytes[0..8] != MAGIC {
        return Err(bad(path, "wrong magic bytes (is this a Dolma filter? those cannot be read: rebuild it)"));
    }
    let version = u32_at(bytes, 8);
    if version != VERSION {
        return Err(bad(path, format!("format version {version} is not supported (this build reads version {VERSION})")));
    }
    let layout = Layout::from_code(u32_at(bytes, 12)).ok_or_else(|| bad(path, "unknown layout"))?;
    let num_bits = u64_at(bytes, 16);
    let num_hashes = u32_at(bytes, 24);
    let unit = super::sizing::round_bits(layout, 1);
    if num_bits == 0 || !num_bits.is_multiple_of(unit) || num_hashes == 0 || num_hashes > 64 {
        return Err(bad(path, format!("inconsistent shape: {num_bits} bits, {num_hashes} hashes")));
    }
    let seed = u64_at(bytes, 32);
    if seed != CONTENT_SEED {
        return Err(bad(path, format!("key hash seed {seed:#x} differs from this build's {CONTENT_SEED:#x}")));
    }
    let metadata_len = u64_at(bytes, 56) as usize;
    let data_offset = u64_at(bytes, 64) as usize;
    if !data_offset.is_multiple_of(ALIGN) || data_offset < FIXED_HEADER + metadata_len {
        return Err(bad(path, "inconsistent data offset"));
    }
    if bytes.len() < FIXED_HEADER + metadata_len {
        return Err(bad(path, "file ends inside the metadata (truncated)"));
    }
    let metadata = std::str::from_utf8(&bytes[FIXED_HEADER..FIXED_HEADER + metadata_len])
        .map_err(|_| bad(path, "metadata is not UTF-8"))?
        .to_string();
    Ok(Header {
        shape: Shape { layout, num_bits, num_hashes },
        inserted: u64_at(bytes, 40),
        bits_set: u64_at(bytes, 48),
        metadata,
        data_offset,
    })
}

fn check_length_and_checksum(path: &Path, header: &Header, bytes: &[u8]) -> io::Result<()> {
    let expected = header.file_len();
    if bytes.len() != expected {
        return Err(bad(
            path,
            format!("file is {} bytes but its header describes {expected} bytes (truncated or appended to)", bytes.len()),
        ));
    }
    let body = expected - TRAILER;
    if &bytes[body + 8..] != END_MAGIC {
        return Err(bad(path, "missing end marker (truncated?)"));
    }
    let stored = u64_at(bytes, body);
    let actual = xxhash_rust::xxh3::xxh3_64(&bytes[..body]);
    if stored != actual {
        return Err(bad(path, format!("checksum mismatch (stored {stored:#018x}, computed {actual:#018x}): the file is corrupt")));
    }
    Ok(())
}

/// Words from little-endian bytes (a copy).
fn words_from_le(bytes: &[u8]) -> Box<[AtomicU64]> {
    bytes.chunks_exact(8).map(|c| AtomicU64::new(u64::from_le_bytes(c.try_into().unwrap()))).collect()
}

/// A filter from the bytes of a whole file (copied into owned memory).
pub fn from_bytes(path: &Path, bytes: &[u8], read_only: bool) -> io::Result<(BloomFilter, String)> {
    let header = decode_header(path, bytes)?;
    check_length_and_checksum(path, &header, bytes)?;
    let data = &bytes[header.data_offset..header.data_offset + header.shape.size_in_bytes() as usize];
    let filter = BloomFilter::from_words(header.shape, words_from_le(data), header.inserted, read_only);
    Ok((filter, header.metadata))
}

/// Load a filter into owned memory (writable unless `read_only`).
pub fn load(path: &Path, read_only: bool) -> io::Result<(BloomFilter, String)> {
    let mut bytes = Vec::new();
    File::open(path)?.read_to_end(&mut bytes)?;
    from_bytes(path, &bytes, read_only)
}

/// Memory-map a filter read-only (little-endian machines; elsewhere this falls back to `load`).
pub fn load_mapped(path: &Path) -> io::Result<(BloomFilter, String)> {
    if cfg!(target_endian = "big") {
        return load(path, true);
    }
    let file = File::open(path)?;
    // SAFETY: the map is private and read-only; the file is replaced by rename, never rewritten in place.
    let map = unsafe { memmap2::MmapOptions::new().map(&file)? };
    let header = decode_header(path, &map)?;
    check_length_and_checksum(path, &header, &map)?;
    let offset = header.data_offset;
    let filter = BloomFilter::from_map(header.shape, map, offset, header.inserted);
    Ok((filter, header.metadata))
}

/// Stream the file's bytes to `out`; returns the number of bytes written.
pub fn write_to(filter: &BloomFilter, metadata: &str, out: &mut impl Write) -> io::Result<u64> {
    let header = encode_header(filter, metadata);
    let mut hasher = Xxh3::new();
    hasher.update(&header);
    out.write_all(&header)?;
    let mut buf = Vec::with_capacity(1 << 16);
    for chunk in filter.words().chunks(8192) {
        buf.clear();
        for w in chunk {
            buf.extend_from_slice(&w.load(Ordering::Relaxed).to_le_bytes());
        }
        hasher.update(&buf);
        out.write_all(&buf)?;
    }
    out.write_all(&hasher.digest().to_le_bytes())?;
    out.write_all(END_MAGIC)?;
    Ok((header.len() + filter.shape().size_in_bytes() as usize + TRAILER) as u64)
}

/// The whole file in memory (for object stores).
pub fn to_bytes(filter: &BloomFilter, metadata: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(data_offset_for(metadata.len()) + filter.shape().size_in_bytes() as usize + TRAILER);
    write_to(filter, metadata, &mut out).expect("writing to memory cannot fail");
    out
}

fn temporary_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.dtmp", std::process::id()))
}

/// A new file only its owner can read while it is being written (0600).
fn create_private(path: &Path) -> io::Result<File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// The mode an ordinary `File::create` would have given the finished file (0666 minus the umask).
fn make_public(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o666 & !process_umask()))?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// The umask, from /proc/self/status (read-only, unlike umask(2)); 022 where that is not available.
#[cfg(unix)]
fn process_umask() -> u32 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Umask:").map(|v| v.trim().to_string())))
        .and_then(|v| u32::from_str_radix(&v, 8).ok())
        .unwrap_or(0o022)
}

/// Write atomically: a temporary file in the same folder, fsync, rename over `path`, fsync the folder.
/// A reader (or a crash) sees either the previous file or the new one, never a mix.
pub fn save(filter: &BloomFilter, metadata: &str, path: &Path) -> io::Result<u64> {
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(folder)?;
    let tmp = temporary_path(path);
    // a leftover with our name belongs to a dead process that had our pid
    let _ = fs::remove_file(&tmp);
    let result = (|| {
        let file = create_private(&tmp)?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let n = write_to(filter, metadata, &mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        make_public(&file)?;
        fs::rename(&tmp, path)?;
        if let Ok(dir) = File::open(folder) {
            let _ = dir.sync_all();
        }
        Ok(n)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hashing::hash64;

    fn sample() -> BloomFilter {
        let f = BloomFilter::new(Shape::for_rate(Layout::Blocked512, 5000, 0.001));
        for i in 0..5000u32 {
            f.insert(hash64(&i.to_le_bytes())).unwrap();
        }
        f
    }

    #[test]
    fn roundtrip_owned_and_mapped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        let f = sample();
        save(&f, "{\"k\": 1}", &path).unwrap();
        for (g, meta) in [load(&path, false).unwrap(), load_mapped(&path).unwrap()] {
            assert_eq!(meta, "{\"k\": 1}");
            assert_eq!(g.shape(), f.shape());
            assert_eq!(g.inserted(), f.inserted());
            assert_eq!(g.bits_set(), f.bits_set());
            assert!((0..5000u32).all(|i| g.contains(hash64(&i.to_le_bytes()))));
        }
        let (mapped, _) = load_mapped(&path).unwrap();
        assert!(mapped.is_mapped() && mapped.read_only());
        assert!(mapped.insert(1).is_err());
    }

    #[test]
    fn data_is_page_aligned_little_endian() {
        let f = BloomFilter::new(Shape::new(Layout::Standard, 128, 1));
        f.words()[1].store(0x0102_0304_0506_0708, Ordering::Relaxed);
        let bytes = to_bytes(&f, "");
        assert_eq!(bytes.len(), 4096 + 16 + 16);
        assert_eq!(&bytes[4096 + 8..4096 + 16], &[8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(u64_at(&bytes, 64), 4096);
    }

    #[test]
    fn truncation_and_corruption_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        let bytes = to_bytes(&sample(), "meta");
        let err = from_bytes(&path, &bytes[..bytes.len() - 100], false).err().unwrap();
        assert!(err.to_string().contains("truncated"), "{err}");
        let err = from_bytes(&path, &bytes[..60], false).err().unwrap();
        assert!(err.to_string().contains("truncated"), "{err}");
        let mut corrupt = bytes.clone();
        corrupt[5000] ^= 0x10;
        let err = from_bytes(&path, &corrupt, false).err().unwrap();
        assert!(err.to_string().contains("checksum mismatch"), "{err}");
        let mut wrong = bytes.clone();
        wrong[0] = b'X';
        assert!(from_bytes(&path, &wrong, false).err().unwrap().to_string().contains("magic"));
        let mut version = bytes;
        version[8] = 9;
        assert!(from_bytes(&path, &version, false).err().unwrap().to_string().contains("version 9"));
    }

    #[cfg(unix)]
    #[test]
    fn temporaries_are_private_and_the_saved_file_follows_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let tmp = dir.path().join(".f.bin.1.dtmp");
        let file = create_private(&tmp).unwrap();
        assert_eq!(file.metadata().unwrap().permissions().mode() & 0o777, 0o600);
        make_public(&file).unwrap();
        assert_eq!(file.metadata().unwrap().permissions().mode() & 0o777, 0o666 & !process_umask());
        assert!(create_private(&tmp).is_err(), "an existing temporary is never reused");
    }

    #[test]
    fn save_replaces_atomically_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("f.bin");
        save(&sample(), "one", &path).unwrap();
        save(&sample(), "two", &path).unwrap();
        assert_eq!(load(&path, true).unwrap().1, "two");
        let names: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1);
    }
}
