//! The code tokens of a file, lexed once: what the pre-filter reads to decide
//! whether a file is parsed, and what `bodies` reads to decide which function
//! bodies are, for the files that are.

use ra_ap_rustc_lexer::{FrontmatterAllowed, TokenKind};

/// A token that is not a comment nor whitespace, with its byte range in the text.
#[derive(Debug, Clone, Copy)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

/// The tokens of `text` that are code: comments, whitespace, a shebang and a
/// frontmatter set aside.
pub fn code_tokens(text: &str) -> Vec<Token> {
    let start = ra_ap_rustc_lexer::strip_shebang(text).unwrap_or(0);
    let mut offset = start;
    let mut tokens = Vec::new();
    for token in ra_ap_rustc_lexer::tokenize(&text[start..], FrontmatterAllowed::Yes) {
        let end = offset + token.len as usize;
        if !matches!(
            token.kind,
            TokenKind::LineComment { .. }
                | TokenKind::BlockComment { .. }
                | TokenKind::Whitespace
                | TokenKind::Frontmatter { .. }
        ) {
            tokens.push(Token { kind: token.kind, start: offset, end });
        }
        offset = end;
    }
    tokens
}
