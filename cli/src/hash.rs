//! A stable hash: the same bytes give the same value on every machine, run and Rust version
//! (unlike `std::hash`), which fingerprints and partitions rely on.

pub use conc_check_core::fingerprint::fnv1a64;

/// MurmurHash3's 64-bit finaliser: spreads every input bit over every output bit. FNV-1a's
/// low bits depend only on the low bits of the input bytes, so a remainder by a small number
/// needs this first.
pub fn mix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ (k >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(mix64(0), 0);
        assert_ne!(mix64(1), 1);
    }
}
