//! Property tests of [`Schedule::decode`] and [`Schedule::validate`] on hostile input: random
//! strings, random payloads behind a valid checksum, and well-formed payloads with random keys,
//! tags, values and repeat counts. Whatever comes in, decoding never panics and never builds
//! more decisions than the step limit allows; a schedule it encoded decodes to itself.
//!
//! `CONC_CHECK_FUZZ_CASES` sets the number of cases per property (default 20,000).

use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;

fn cases() -> u64 {
    std::env::var("CONC_CHECK_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    rng.next_u64() % n.max(1)
}

/// A number of a random size: small ones often, huge ones sometimes.
fn number(rng: &mut ChaCha8Rng) -> u64 {
    match below(rng, 4) {
        0 => below(rng, 8),
        1 => below(rng, 1 << 12),
        2 => below(rng, 1 << 40),
        _ => rng.next_u64(),
    }
}

/// Decodes `text` with `limit`; checks that nothing panics and the limits hold.
fn check(text: &str, limit: u64) {
    let decoded = std::panic::catch_unwind(|| Schedule::decode(text, limit));
    let decoded = decoded.unwrap_or_else(|_| panic!("decode panicked on {text:?}"));
    if let Ok(s) = decoded {
        let n = s.decisions.len() as u64;
        assert!(n <= limit, "{n} decisions past the limit {limit}: {text:?}");
        assert!(
            n <= s.step_limit,
            "{n} decisions past the recorded limit: {text:?}"
        );
    }
    let validated = std::panic::catch_unwind(|| Schedule::validate(text));
    assert!(validated.is_ok(), "validate panicked on {text:?}");
}

#[test]
fn arbitrary_strings_never_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    const ALPHABET: &[u8] = b"cc4.1AZaz09-_=+/ \n\x00\xff";
    for _ in 0..cases() {
        let len = below(&mut rng, 64) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| ALPHABET[below(&mut rng, ALPHABET.len() as u64) as usize])
            .collect();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        check(&text, 1_000);
        check(&format!("cc4.{text}"), 1_000);
    }
}

#[test]
fn arbitrary_payloads_with_a_valid_checksum_never_panic_nor_overflow_the_limit() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    for _ in 0..cases() {
        let len = below(&mut rng, 48) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next_u32() as u8).collect();
        check(&with_checksum(&bytes), below(&mut rng, 10_000));
    }
}

#[test]
fn structured_payloads_with_hostile_values_respect_the_limits() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for _ in 0..cases() {
        let mut bytes = Vec::new();
        for _ in 0..below(&mut rng, 5) {
            put_varint(&mut bytes, below(&mut rng, 9));
            put_varint(&mut bytes, number(&mut rng));
        }
        put_varint(&mut bytes, KEY_STEP_LIMIT);
        put_varint(&mut bytes, number(&mut rng));
        put_varint(&mut bytes, KEY_END);
        for _ in 0..below(&mut rng, 12) {
            let tag = below(&mut rng, 1 << TAG_BITS);
            put_varint(&mut bytes, (number(&mut rng) << TAG_BITS) | tag);
        }
        check(&with_checksum(&bytes), number(&mut rng) % 100_000);
    }
}

#[test]
fn what_is_encoded_decodes_to_itself() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    for _ in 0..cases() / 4 {
        let decisions: Vec<Decision> = (0..below(&mut rng, 200))
            .map(|_| match below(&mut rng, 5) {
                0 => Decision::Value(below(&mut rng, 4) as u32),
                _ => Decision::Thread(ThreadId(below(&mut rng, 4) as u32)),
            })
            .collect();
        let schedule = Schedule {
            flags: ScheduleFlags {
                spurious_wakeups: below(&mut rng, 2) == 1,
                seq_cst_memory: below(&mut rng, 2) == 1,
            },
            step_limit: decisions.len() as u64 + below(&mut rng, 100),
            test: (below(&mut rng, 2) == 1).then(|| rng.next_u32()),
            recorded: (below(&mut rng, 2) == 1).then(|| Recorded {
                events: number(&mut rng),
                digest: rng.next_u32(),
                findings: rng.next_u32(),
            }),
            decisions,
        };
        let text = schedule.encode();
        assert_eq!(Schedule::decode(&text, u64::MAX), Ok(schedule), "{text}");
    }
}
