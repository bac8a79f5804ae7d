//! Schedules: the compact, versioned string that replays one execution exactly.
//!
//! A schedule lists every decision taken at a point where more than one choice existed: which
//! thread ran next, or which value a nondeterministic choice (a spurious wakeup, a timeout) took.
//! The text form is `cc1.<base64url payload>.<checksum>`; decoding checks the version and the
//! checksum so that a truncated, edited or foreign string is a clear error.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::fmt;

use crate::event::ThreadId;

/// The version tag every schedule string starts with.
pub const VERSION_TAG: &str = "cc1";

/// One decision at a branching scheduling point.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Decision {
    /// This thread ran next.
    Thread(ThreadId),
    /// A nondeterministic choice took this value.
    Value(u32),
}

/// Settings that change which choices exist, so a replay must use the same ones.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ScheduleFlags {
    /// Spurious wakeups were choices.
    pub spurious_wakeups: bool,
}

/// A decoded schedule.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Schedule {
    /// Settings the execution ran with.
    pub flags: ScheduleFlags,
    /// The decisions, in order.
    pub decisions: Vec<Decision>,
}

/// Why a schedule string could not be decoded.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ScheduleError {
    /// It does not start with `cc1.`: not a conc-check schedule, or one from another version.
    UnknownVersion(String),
    /// The string is not made of the three dot-separated parts.
    Malformed,
    /// The checksum does not match: the string was truncated or edited.
    ChecksumMismatch,
    /// The payload ends in the middle of an entry.
    Truncated,
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScheduleError::UnknownVersion(tag) => write!(
                f,
                "not a conc-check schedule: it starts with {tag:?}, expected `{VERSION_TAG}.` \
                 (schedules are printed by this version of conc-check with each finding)"
            ),
            ScheduleError::Malformed => write!(
                f,
                "malformed schedule: expected `{VERSION_TAG}.<payload>.<checksum>`; copy the whole string from the report"
            ),
            ScheduleError::ChecksumMismatch => write!(
                f,
                "damaged schedule: the checksum does not match (the string was truncated or edited); copy the whole string from the report"
            ),
            ScheduleError::Truncated => write!(f, "damaged schedule: the payload ends in the middle of an entry"),
        }
    }
}

impl std::error::Error for ScheduleError {}

const TAG_THREAD: u64 = 0;
const TAG_VALUE: u64 = 1;
const TAG_REPEAT: u64 = 2;
const TAG_BITS: u32 = 2;

impl Schedule {
    /// The text form.
    pub fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(self.decisions.len() / 2 + 4);
        put_varint(&mut bytes, self.flags.spurious_wakeups as u64);
        let mut i = 0;
        while i < self.decisions.len() {
            let d = self.decisions[i];
            let mut run = 1;
            while i + run < self.decisions.len() && self.decisions[i + run] == d {
                run += 1;
            }
            match d {
                Decision::Thread(t) => {
                    put_varint(&mut bytes, ((t.0 as u64) << TAG_BITS) | TAG_THREAD)
                }
                Decision::Value(v) => put_varint(&mut bytes, ((v as u64) << TAG_BITS) | TAG_VALUE),
            }
            if run > 2 {
                put_varint(&mut bytes, (((run - 1) as u64) << TAG_BITS) | TAG_REPEAT);
                i += run;
            } else {
                i += 1;
            }
        }
        format!(
            "{VERSION_TAG}.{}.{:08x}",
            URL_SAFE_NO_PAD.encode(&bytes),
            checksum(&bytes)
        )
    }

    /// Decodes the text form, checking version and checksum.
    pub fn decode(text: &str) -> Result<Schedule, ScheduleError> {
        let text = text.trim();
        let mut parts = text.split('.');
        let tag = parts.next().unwrap_or_default();
        if tag != VERSION_TAG {
            let shown: String = tag.chars().take(12).collect();
            return Err(ScheduleError::UnknownVersion(shown));
        }
        let (Some(payload), Some(sum), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(ScheduleError::Malformed);
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| ScheduleError::Malformed)?;
        let sum = u32::from_str_radix(sum, 16).map_err(|_| ScheduleError::Malformed)?;
        if sum != checksum(&bytes) {
            return Err(ScheduleError::ChecksumMismatch);
        }
        let mut reader = bytes.as_slice();
        let flags = get_varint(&mut reader)?;
        let mut schedule = Schedule {
            flags: ScheduleFlags {
                spurious_wakeups: flags & 1 == 1,
            },
            decisions: Vec::new(),
        };
        while !reader.is_empty() {
            let word = get_varint(&mut reader)?;
            let value = word >> TAG_BITS;
            match word & ((1 << TAG_BITS) - 1) {
                TAG_THREAD => schedule
                    .decisions
                    .push(Decision::Thread(ThreadId(to_u32(value)?))),
                TAG_VALUE => schedule.decisions.push(Decision::Value(to_u32(value)?)),
                TAG_REPEAT => {
                    let last = *schedule.decisions.last().ok_or(ScheduleError::Malformed)?;
                    if value > 1 << 32 {
                        return Err(ScheduleError::Malformed);
                    }
                    schedule
                        .decisions
                        .extend(std::iter::repeat_n(last, value as usize));
                }
                _ => return Err(ScheduleError::Malformed),
            }
        }
        Ok(schedule)
    }
}

fn to_u32(v: u64) -> Result<u32, ScheduleError> {
    u32::try_from(v).map_err(|_| ScheduleError::Malformed)
}

/// FNV-1a, 32 bits: enough to catch a damaged copy-paste.
fn checksum(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, b| {
        (h ^ *b as u32).wrapping_mul(0x0100_0193)
    })
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_varint(input: &mut &[u8]) -> Result<u64, ScheduleError> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = input.split_first().ok_or(ScheduleError::Truncated)?;
        *input = rest;
        v |= ((b & 0x7f) as u64) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(ScheduleError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Schedule {
        let mut decisions = vec![Decision::Thread(ThreadId(0)); 40];
        decisions.extend([
            Decision::Thread(ThreadId(3)),
            Decision::Value(1),
            Decision::Thread(ThreadId(70)),
            Decision::Thread(ThreadId(70)),
        ]);
        Schedule {
            flags: ScheduleFlags {
                spurious_wakeups: true,
            },
            decisions,
        }
    }

    #[test]
    fn round_trips_and_compresses_runs() {
        let s = sample();
        let text = s.encode();
        assert!(text.starts_with("cc1."), "{text}");
        assert!(text.len() < 40, "runs should be compressed: {text}");
        assert_eq!(Schedule::decode(&text).unwrap(), s);
    }

    #[test]
    fn damaged_strings_are_errors() {
        let text = sample().encode();
        let truncated = &text[..text.len() - 3];
        assert!(Schedule::decode(truncated).is_err());
        let mut edited: Vec<char> = text.chars().collect();
        edited[5] = if edited[5] == 'A' { 'B' } else { 'A' };
        let edited: String = edited.into_iter().collect();
        assert_eq!(
            Schedule::decode(&edited),
            Err(ScheduleError::ChecksumMismatch)
        );
        assert!(matches!(
            Schedule::decode("loom:1234"),
            Err(ScheduleError::UnknownVersion(_))
        ));
        assert_eq!(Schedule::decode("cc1.AAAA"), Err(ScheduleError::Malformed));
        assert!(Schedule::decode("").is_err());
    }
}
