//! Text to syntax tree, and offsets to lines and columns.
//!
//! Parsing never fails: rust-analyzer's parser returns a tree for any input,
//! with a list of errors, and the sites in the well-formed parts still count.

use ra_ap_rustc_lexer::TokenKind;
use ra_ap_syntax::{AstNode, Edition, SourceFile, SyntaxError, SyntaxTreeBuilder, TextRange, TextSize};

use crate::discover;

pub mod bodies;
pub mod tokens;

use tokens::Token;

/// Parses a whole file: the tree, and the errors of the lexer and the parser.
///
/// rust-analyzer's `Parse::errors` also runs its validation pass (a walk of
/// the whole tree for what parses but rustc rejects: a bad escape, `self`
/// where it is not allowed); a rewrite only needs the tree to be well formed,
/// so that pass, a sixth of the syntax tier's parsing, is not run.
pub fn parse_file(text: &str, edition: Edition) -> (SourceFile, Vec<SyntaxError>) {
    let lexed = ra_ap_parser::LexedStr::new(edition, text);
    let input = lexed.to_input(edition);
    let output = ra_ap_parser::TopEntryPoint::SourceFile.parse(&input);
    let mut builder = SyntaxTreeBuilder::default();
    let mut errors = Vec::new();
    lexed.intersperse_trivia(&output, &mut |step| match step {
        ra_ap_parser::StrStep::Token { kind, text } => builder.token(kind, text),
        ra_ap_parser::StrStep::Enter { kind } => builder.start_node(kind),
        ra_ap_parser::StrStep::Exit => builder.finish_node(),
        ra_ap_parser::StrStep::Error { msg, pos } => {
            errors.push(SyntaxError::new_at_offset(msg.to_owned(), TextSize::from(pos as u32)));
        }
    });
    for (index, message) in lexed.errors() {
        let range = lexed.text_range(index);
        let range = TextRange::new(TextSize::from(range.start as u32), TextSize::from(range.end as u32));
        errors.push(SyntaxError::new(message, range));
    }
    errors.sort_by_key(|error| error.range().start());
    let root = builder.finish().syntax_node();
    let file = SourceFile::cast(root).expect("the source file entry point builds a SOURCE_FILE");
    (file, errors)
}

/// Whether the code of `text` (its comments and literals aside; `tokens`: its
/// code tokens, from `tokens::code_tokens`) can call one of `words` or import
/// it under another name: a name holding a word, followed by `(`, `!`, `::<`
/// or `as`, and not the name of a function being defined (`fn spawn(`). A file that names a spawn only in its
/// documentation, in strings, in a definition or in a type's or field's
/// name holds no call of one (the call's callee or method name would hold
/// the word) and defines no alias of one, so it is not parsed.
pub fn calls_in_tokens(text: &str, tokens: &[Token], words: &[String]) -> bool {
    /// Where a name holding a word stands, as the tokens after it come.
    #[derive(Clone, Copy, PartialEq)]
    enum After {
        Nothing,
        Name,
        OneColon,
        TwoColons,
    }
    let mut after = After::Nothing;
    let mut after_fn = false;
    for token in tokens {
        let piece = &text[token.start..token.end];
        let kind = token.kind;
        let is_name = matches!(kind, TokenKind::Ident | TokenKind::RawIdent | TokenKind::InvalidIdent);
        after = match (after, kind) {
            (After::Name, TokenKind::OpenParen | TokenKind::Bang) => return true,
            (After::Name, TokenKind::Ident) if piece == "as" => return true,
            (After::Name, TokenKind::Colon) => After::OneColon,
            (After::OneColon, TokenKind::Colon) => After::TwoColons,
            (After::TwoColons, TokenKind::Lt) => return true,
            _ => After::Nothing,
        };
        if is_name && !after_fn && words.iter().any(|word| piece.contains(word.as_str())) {
            after = After::Name;
        }
        after_fn = kind == TokenKind::Ident && piece == "fn";
    }
    false
}

/// Whether `text` holds one of `words` anywhere, comments and strings too, as
/// a substring (`spawn` matches inside `spawn_blocking`): the cheap test
/// before anything is lexed or walked.
pub fn holds_any_word(text: &str, words: &[String]) -> bool {
    words.iter().any(|word| memchr::memmem::find(text.as_bytes(), word.as_bytes()).is_some())
}

/// `words`, then every name `texts` rename one of them to, and those to
/// (`use tokio::spawn as go;`, `use self::go as run;`), in the order found.
pub fn with_renames(texts: &[&str], words: &[String]) -> Vec<String> {
    let mut names: Vec<String> = words.to_vec();
    let mut new_words = names.clone();
    while !new_words.is_empty() {
        let mut found: Vec<String> = Vec::new();
        for text in texts {
            for word in &new_words {
                for alias in renames(text, word) {
                    if !names.contains(&alias) && !found.contains(&alias) {
                        found.push(alias);
                    }
                }
            }
        }
        names.extend(found.iter().cloned());
        new_words = found;
    }
    names
}

/// The names `text` renames a name holding `word` to: `go` for `use tokio::spawn as go;`
/// (read from the text alone, comments too: it may find more than there are, never fewer).
pub fn renames(text: &str, word: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices(word) {
        let rest = &text[at..];
        let end = rest.find(|c: char| !is_ident_char(c)).unwrap_or(rest.len());
        let rest = &rest[end..];
        let trimmed = rest.trim_start();
        if trimmed.len() == rest.len() || !trimmed.starts_with("as") {
            continue;
        }
        let after = &trimmed[2..];
        let name_part = after.trim_start();
        if name_part.len() == after.len() {
            continue;
        }
        let name: String = name_part.chars().take_while(|&c| is_ident_char(c)).collect();
        if !name.is_empty() && name != "_" {
            out.push(name);
        }
    }
    out
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
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
    fn only_a_call_or_a_rename_in_the_code_counts() {
        let words = ["spawn".to_string()];
        let calls = |text: &str| calls_in_tokens(text, &tokens::code_tokens(text), &words);
        let prose = "//! Call `tokio::spawn` to spawn.\n/* spawn(x) */\nfn f() { g(\"spawn(\", r#\"spawn(\"#, b'x'); }\n";
        assert!(!calls(prose));
        assert!(calls("fn f() { tokio::spawn(x); }"));
        assert!(calls("fn f() { tokio::spawn /* later */\n    (x); }"));
        assert!(calls("fn f() { h.spawn_blocking::<u8>(x); }"));
        assert!(calls("fn f() { spawn_task!(x); }"));
        assert!(calls("use tokio::task::spawn_blocking as run;"));
        assert!(calls("pub use crate::{spawn as go, other};"));
        assert!(calls("#!/usr/bin/env run\nfn f() { r#spawn(x) }"));
        assert!(calls("macro_rules! m { ($e:expr) => { $crate::spawn($e) } }"));
        // Definitions, imports, types, fields and values are no calls.
        assert!(!calls("pub fn spawn<F>(f: F) {}\nfn spawn_local(x: u8) {}"));
        assert!(!calls("use tokio::{spawn, task::JoinSet};"));
        assert!(!calls("struct S { spawner: Spawner, spawned: u8 }\nfn f(s: S) -> u8 { s.spawned }"));
        assert!(!calls("fn f() { v.map(tokio::spawn); let g = spawn; }"));
        assert!(!calls("mod spawn;\nuse self::spawn::Builder;"));
        // An unterminated comment runs to the end: nothing after it is code.
        assert!(!calls("fn f() {} /* spawn(x)"));
    }

    #[test]
    fn parse_errors_are_kept_and_validation_is_not_run() {
        let source = "fn f() { let x = 1 }\nfn g() { h(; }";
        let (file, errors) = parse_file(source, Edition::Edition2021);
        assert_eq!(file.syntax().text().to_string(), source);
        let messages: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(messages, ["expected SEMICOLON", "expected expression", "expected R_PAREN"]);
        // What only validation reports (a visibility inside a trait impl) is no error here.
        let validated = "impl T for S { pub fn f() {} }";
        assert!(!SourceFile::parse(validated, Edition::Edition2021).errors().is_empty());
        assert!(parse_file(validated, Edition::Edition2021).1.is_empty());
        let (_, errors) = parse_file("fn f() { \"\\q\"; }", Edition::Edition2021);
        assert_eq!(errors.len(), 1, "the lexer's errors are kept");
    }

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
