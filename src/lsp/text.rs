//! Between corral's byte offsets and paths and the protocol's positions
//! (lines and UTF-16 code units) and `file:` URIs.

use std::path::{Path, PathBuf};

use lsp_types::{Position, Range, TextEdit, Uri};

/// The LSP position of byte `offset` of `text`.
pub fn position(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count();
    let character: usize = before[line_start..].chars().map(char::len_utf16).sum();
    Position { line: line as u32, character: character as u32 }
}

/// The range of bytes `start..end` of `text`.
pub fn range(text: &str, start: usize, end: usize) -> Range {
    Range { start: position(text, start), end: position(text, end) }
}

/// Whether two ranges share a position (touching counts: a cursor at a range's end is in it).
pub fn overlaps(a: &Range, b: &Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// One edit that turns `old` into `new`: the part between their common
/// prefix and suffix, so the editor keeps its cursor and folds elsewhere.
pub fn text_edit(old: &str, new: &str) -> TextEdit {
    let mut prefix = old.bytes().zip(new.bytes()).take_while(|(a, b)| a == b).count();
    while !old.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let room = old.len().min(new.len()) - prefix;
    let mut suffix = old.bytes().rev().zip(new.bytes().rev()).take(room).take_while(|(a, b)| a == b).count();
    while !old.is_char_boundary(old.len() - suffix) {
        suffix -= 1;
    }
    TextEdit {
        range: range(old, prefix, old.len() - suffix),
        new_text: new[prefix..new.len() - suffix].to_string(),
    }
}

/// The path a `file:` URI names, percent-decoded.
pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file:///path` or `file://localhost/path`.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let bytes = rest.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(high), Some(low)) => {
                decoded.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, _, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    let path = String::from_utf8(decoded).ok()?;
    Some(Path::new(&path).to_path_buf())
}

/// The `file:` URI of an absolute path, percent-encoded.
pub fn file_uri(path: &Path) -> Option<Uri> {
    let mut uri = String::from("file://");
    for byte in path.to_str()?.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            uri.push(byte as char);
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let text = "fn a() {}\nlet é𝄞 = x;";
        assert_eq!(position(text, 0), Position { line: 0, character: 0 });
        let x = text.find('x').unwrap();
        // `é` is one unit, `𝄞` two.
        assert_eq!(position(text, x), Position { line: 1, character: 10 });
    }

    #[test]
    fn file_uris_round_trip() {
        let uri: Uri = "file:///tmp/a%20b/lib.rs".parse().unwrap();
        assert_eq!(file_path(&uri), Some(PathBuf::from("/tmp/a b/lib.rs")));
        assert_eq!(file_uri(Path::new("/tmp/a b/lib.rs")), Some(uri));
        let uri: Uri = "untitled:Untitled-1".parse().unwrap();
        assert_eq!(file_path(&uri), None);
    }

    /// Applies one edit the way an editor does.
    fn applied(old: &str, edit: &TextEdit) -> String {
        let offset = |p: Position| {
            let line_start: usize = old.split_inclusive('\n').take(p.line as usize).map(str::len).sum();
            let mut units = 0;
            let rest = &old[line_start..];
            let chars = rest.char_indices().find(|(_, c)| {
                let here = units;
                units += c.len_utf16();
                here >= p.character as usize
            });
            line_start + chars.map_or(rest.len(), |(i, _)| i)
        };
        let (start, end) = (offset(edit.range.start), offset(edit.range.end));
        format!("{}{}{}", &old[..start], edit.new_text, &old[end..])
    }

    #[test]
    fn text_edits_cover_only_the_change() {
        let old = "fn main() {\n    tokio::spawn(a);\n}\n";
        let new = "fn main() {\n    tasks::spawn(a);\n}\n";
        let edit = text_edit(old, new);
        // `tokio` and `tasks` share their `t`.
        assert_eq!(edit.range, Range { start: Position::new(1, 5), end: Position::new(1, 9) });
        assert_eq!(edit.new_text, "asks");
        assert_eq!(applied(old, &edit), new);
        // Insertions, deletions, repeated text and characters of several bytes.
        for (old, new) in [("aaa", "aaaa"), ("abcabc", "abc"), ("é𝄞x", "éy𝄞x"), ("", "new"), ("same", "same")]
        {
            assert_eq!(applied(old, &text_edit(old, new)), new, "{old:?} -> {new:?}");
        }
    }
}
