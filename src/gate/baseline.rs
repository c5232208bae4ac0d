//! The baseline file: today's findings, so that `check --baseline FILE`
//! fails only on findings that are not in it. A team turns the gate on with a
//! backlog, and the file shrinks as sites are migrated (`--write-baseline`
//! again drops the fixed entries).
//!
//! Entries match by fingerprint (file, family, the line's text, occurrence;
//! see `fingerprint`), never by line number, so code moving above a site
//! keeps it matched. The line is written too, for the reviewer only. The file
//! is JSON, sorted by path and line, one entry per finding, so that its diff
//! in a pull request reads as the sites that were fixed.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The format's version: bumped when a field changes meaning or goes away.
pub const VERSION: u32 = 1;

/// A baseline file as written and read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

/// One finding of the day the baseline was written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The file, relative to the scanned folder.
    pub path: String,
    /// Where it was; not used to match.
    pub line: u32,
    /// `bare-spawn` or `exempt-without-reason`, as in SARIF.
    pub rule: String,
    /// The spawn's family (`tokio::spawn`).
    pub family: String,
    /// The line's text, trimmed.
    pub text: String,
    /// What matches: the SARIF fingerprint.
    pub fingerprint: String,
}

impl Baseline {
    /// A baseline of `entries`, sorted as the file keeps them.
    pub fn new(mut entries: Vec<Entry>) -> Self {
        entries.sort();
        Baseline { version: VERSION, findings: entries }
    }

    /// Reads a baseline file's text; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let baseline: Baseline = serde_json::from_str(text).map_err(|error| error.to_string())?;
        if baseline.version != VERSION {
            return Err(format!(
                "version {} is not one this corral reads (it writes version {VERSION})",
                baseline.version
            ));
        }
        Ok(baseline)
    }

    /// The file's text: pretty JSON with a final newline.
    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a baseline serialises");
        text.push('\n');
        text
    }

    /// Splits today's fingerprints into those the baseline holds and those it
    /// does not: `known[i]` says whether `fingerprints[i]` is in the baseline.
    /// Each entry matches one finding at most; the count of entries that
    /// matched nothing (fixed since) comes back beside.
    pub fn matching<'a>(&self, fingerprints: impl IntoIterator<Item = &'a str>) -> (Vec<bool>, usize) {
        let mut unmatched: BTreeMap<&str, usize> = BTreeMap::new();
        for entry in &self.findings {
            *unmatched.entry(entry.fingerprint.as_str()).or_insert(0) += 1;
        }
        let known = fingerprints
            .into_iter()
            .map(|fingerprint| match unmatched.get_mut(fingerprint) {
                Some(left) if *left > 0 => {
                    *left -= 1;
                    true
                }
                _ => false,
            })
            .collect();
        (known, unmatched.values().sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, line: u32, fingerprint: &str) -> Entry {
        Entry {
            path: path.into(),
            line,
            rule: "bare-spawn".into(),
            family: "tokio::spawn".into(),
            text: "tokio::spawn(run());".into(),
            fingerprint: fingerprint.into(),
        }
    }

    #[test]
    fn entries_are_sorted_by_path_then_line() {
        let baseline = Baseline::new(vec![
            entry("src/b.rs", 1, "b"),
            entry("src/a.rs", 9, "c"),
            entry("src/a.rs", 2, "a"),
        ]);
        let order: Vec<_> = baseline.findings.iter().map(|e| (e.path.as_str(), e.line)).collect();
        assert_eq!(order, [("src/a.rs", 2), ("src/a.rs", 9), ("src/b.rs", 1)]);
    }

    #[test]
    fn text_round_trips() {
        let baseline = Baseline::new(vec![entry("src/a.rs", 2, "00ff:1")]);
        let text = baseline.to_text();
        assert!(text.ends_with("}\n"));
        assert!(text.contains("\"fingerprint\": \"00ff:1\""), "{text}");
        assert_eq!(Baseline::parse(&text).unwrap(), baseline);
    }

    #[test]
    fn bad_files_are_named_errors() {
        assert!(Baseline::parse("[]").unwrap_err().contains("expected struct Baseline"));
        let future = r#"{"version": 2, "findings": []}"#;
        assert!(Baseline::parse(future).unwrap_err().contains("version 2"));
        let typo = r#"{"version": 1, "findings": [], "extra": 1}"#;
        assert!(Baseline::parse(typo).unwrap_err().contains("unknown field `extra`"));
    }

    #[test]
    fn each_entry_matches_one_finding_and_the_rest_are_fixed() {
        let baseline = Baseline::new(vec![entry("a", 1, "x:1"), entry("a", 2, "x:2"), entry("b", 1, "y:1")]);
        let (known, fixed) = baseline.matching(["x:1", "z:1", "x:1", "y:1"]);
        assert_eq!(known, [true, false, false, true]);
        assert_eq!(fixed, 1, "x:2 matched nothing");
    }
}
