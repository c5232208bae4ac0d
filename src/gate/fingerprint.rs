//! The identity of a finding that survives code moving above it: a hash of
//! its file, its family and its line's text, plus which occurrence of that
//! hash it is in the run. SARIF's `partialFingerprints` and the baseline file
//! carry the same value, so a finding is the same finding in both.

use crate::sites::model::SpawnSite;
use std::collections::BTreeMap;

/// FNV-1a over the file, the family and the trimmed line, with a separator
/// text cannot hold between them. Its value must not change between
/// releases: code scanning would close and reopen every alert, and every
/// baseline entry would read as fixed.
pub fn line_hash(path: &str, site: &SpawnSite) -> u64 {
    let family = site.family.path();
    let parts = [path, family.as_str(), site.source_line.trim()];
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (index, part) in parts.into_iter().enumerate() {
        let separator: &[u8] = if index == 0 { &[] } else { &[0xff] };
        for &byte in separator.iter().chain(part.as_bytes()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// Numbers the occurrences of each line hash in the order sites are given,
/// so that two identical lines in one file (`tokio::spawn(run())` twice)
/// keep two identities: `4371fc9c112b4dd5:1` and `4371fc9c112b4dd5:2`.
#[derive(Debug, Default)]
pub struct Fingerprints {
    seen: BTreeMap<u64, usize>,
}

impl Fingerprints {
    /// The fingerprint of the next site, whose path is written as `path`.
    pub fn next(&mut self, path: &str, site: &SpawnSite) -> String {
        let hash = line_hash(path, site);
        let occurrence = self.seen.entry(hash).or_insert(0);
        *occurrence += 1;
        format!("{hash:016x}:{occurrence}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures::bare_tokio;

    #[test]
    fn hash_is_stable_across_releases() {
        let site = bare_tokio();
        assert_eq!(format!("{:016x}", line_hash("src/lib.rs", &site)), "4371fc9c112b4dd5");
        assert_ne!(line_hash("src/lib.rs", &site), line_hash("src/main.rs", &site));
    }

    #[test]
    fn twins_are_numbered_and_indentation_is_ignored() {
        let site = bare_tokio();
        let mut moved = site.clone();
        moved.line += 7;
        moved.source_line = format!("        {}", moved.source_line.trim());
        let mut fingerprints = Fingerprints::default();
        let first = fingerprints.next("src/lib.rs", &site);
        let second = fingerprints.next("src/lib.rs", &moved);
        assert_eq!(first, "4371fc9c112b4dd5:1");
        assert_eq!(second, "4371fc9c112b4dd5:2");
    }
}
