//! Text to syntax tree, and offsets to lines and columns.
//!
//! Parsing never fails: rust-analyzer's parser returns a tree for any input,
//! with a list of errors, and the sites in the well-formed parts still count.

use ra_ap_syntax::{Edition, SourceFile, SyntaxError};

use crate::discover;

/// Parses a whole file.
pub fn parse_file(text: &str, edition: Edition) -> (SourceFile, Vec<SyntaxError>) {
    let parse = SourceFile::parse(text, edition);
    let errors = parse.errors();
    (parse.tree(), errors)
}

/// The parser's edition for a crate's edition.
pub fn syntax_edition(edition: discover::Edition) -> Edition {
    match edition {
        discover::Edition::E2015 => Edition::Edition2015,
        discover::Edition::E2018 => Edition::Edition2018,
        discover::Edition::E2021 => Edition::Edition2021,
        discover::Edition::E2024 => Edition::Edition2024,
    }
}

/// Line starts of a text, to turn byte offsets into 1-based lines and columns.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i as u32 + 1));
        LineIndex { starts }
    }

    /// 0-based line of a byte offset.
    pub fn line_of(&self, offset: u32) -> usize {
        self.starts.partition_point(|&start| start <= offset) - 1
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, text: &str, offset: u32) -> (u32, u32) {
        let line = self.line_of(offset);
        let start = self.starts[line] as usize;
        let end = (offset as usize).min(text.len());
        let column = text.get(start..end).map_or(end - start, |s| s.chars().count());
        (line as u32 + 1, column as u32 + 1)
    }

    /// The text of a 0-based line, without its line ending.
    pub fn line_text<'t>(&self, text: &'t str, line: usize) -> &'t str {
        let Some(&start) = self.starts.get(line) else { return "" };
        let end = self.starts.get(line + 1).map_or(text.len(), |&next| next as usize);
        text[start as usize..end].trim_end_matches(['\n', '\r'])
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_count_characters() {
        let text = "fn a() {}\r\n// é\nlet x = 1;";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 0), (1, 1));
        let x = text.find('x').unwrap() as u32;
        assert_eq!(index.line_col(text, x), (3, 5));
        assert_eq!(index.line_text(text, 0), "fn a() {}");
        assert_eq!(index.line_text(text, 1), "// é");
        let after_accent = text.find("é").unwrap() as u32 + 2;
        assert_eq!(index.line_col(text, after_accent), (2, 5));
    }
}
