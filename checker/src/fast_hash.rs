//! A fast, non-cryptographic hasher (FxHash's multiply-rotate) for tables keyed by small
//! integers or values that are hashes already: lock chains in real mode, state hashes in the
//! livelock detector. std's default SipHash costs more than the work around it there.

use std::hash::{BuildHasher, Hasher};

/// Builds [`FxLike`] hashers.
#[derive(Default, Clone, Copy)]
pub(crate) struct FastHash;

impl BuildHasher for FastHash {
    type Hasher = FxLike;
    fn build_hasher(&self) -> FxLike {
        FxLike(0)
    }
}

/// FxHash's multiply-rotate over the words written.
pub(crate) struct FxLike(u64);

impl Hasher for FxLike {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // A word at a time: sites are keys too, and their file paths are long.
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.write_u64(u64::from_le_bytes(word.try_into().expect("8 bytes")));
        }
        for b in words.remainder() {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(u64::from(v));
    }
    fn write_u8(&mut self, v: u8) {
        self.write_u64(u64::from(v));
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
}
