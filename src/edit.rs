//! Text edits as plain data: a byte range of the original text and what
//! replaces it, with the reason. Edits never mutate anything; a set of them
//! is sorted and checked disjoint before it is applied, and an overlap is an
//! error naming both edits, never a silent drop.

use std::fmt;

/// One replacement against the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub start: u32,
    pub end: u32,
    pub insert: String,
    /// Why the edit exists, for error messages and reviews.
    pub why: String,
}

impl Edit {
    pub fn replace(start: u32, end: u32, insert: impl Into<String>, why: impl Into<String>) -> Edit {
        Edit { start, end, insert: insert.into(), why: why.into() }
    }

    pub fn insert(at: u32, insert: impl Into<String>, why: impl Into<String>) -> Edit {
        Edit::replace(at, at, insert, why)
    }
}

/// Two edits that touch the same text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    pub first: Edit,
    pub second: Edit,
}

impl fmt::Display for Overlap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.first == self.second { "identical edits" } else { "overlapping edits" };
        write!(
            f,
            "{kind} at bytes {}..{} ({}) and {}..{} ({})",
            self.first.start,
            self.first.end,
            self.first.why,
            self.second.start,
            self.second.end,
            self.second.why
        )
    }
}

impl std::error::Error for Overlap {}

/// Sorts edits by position and checks that no two overlap. Two insertions at
/// the same offset are kept in the order given (a hoisted `let` before a call
/// edit that starts there); an insertion inside a replaced range overlaps.
pub fn normalize(mut edits: Vec<Edit>) -> Result<Vec<Edit>, Overlap> {
    edits.sort_by_key(|edit| (edit.start, edit.end));
    for pair in edits.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let touches = b.start < a.end || (a.start == b.start && a.start < a.end && b.start < b.end);
        if touches {
            return Err(Overlap { first: a.clone(), second: b.clone() });
        }
    }
    Ok(edits)
}

/// Applies sorted, disjoint edits to `text`.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len() + edits.iter().map(|e| e.insert.len()).sum::<usize>());
    let mut at = 0usize;
    for edit in edits {
        out.push_str(&text[at..edit.start as usize]);
        out.push_str(&edit.insert);
        at = edit.end as usize;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_sorted_edits_against_the_original() {
        let edits = normalize(vec![
            Edit::replace(6, 11, "there", "b"),
            Edit::insert(0, "let x = 1; ", "a"),
            Edit::insert(0, "// hi\n", "c"),
        ])
        .unwrap();
        assert_eq!(apply("hello world", &edits), "let x = 1; // hi\nhello there");
    }

    #[test]
    fn overlapping_edits_are_an_error_naming_both() {
        let error = normalize(vec![Edit::replace(0, 5, "a", "call"), Edit::replace(3, 8, "b", "import")])
            .unwrap_err();
        assert_eq!(error.to_string(), "overlapping edits at bytes 0..5 (call) and 3..8 (import)");
        let same = Edit::replace(1, 2, "x", "twice");
        let error = normalize(vec![same.clone(), same]).unwrap_err();
        assert!(error.to_string().starts_with("identical edits"));
    }

    #[test]
    fn insertion_inside_a_replacement_overlaps() {
        assert!(normalize(vec![Edit::replace(0, 5, "a", "call"), Edit::insert(2, "b", "let")]).is_err());
        assert!(normalize(vec![Edit::replace(0, 5, "a", "call"), Edit::insert(5, "b", "after")]).is_ok());
    }
}
