//! The function bodies of a file that the syntax tier never reads, blanked
//! before the file is parsed.
//!
//! A file is parsed when it calls a spawn somewhere, but most of its text is
//! the bodies of other functions: a runtime module of a thousand lines with
//! two spawns. Building the tree of those bodies was most of the syntax
//! tier's time. What the tier reads of a file is its items (modules, `use`s,
//! structs, impls, macros: all outside function bodies), the bodies that hold
//! a candidate call, and, to tell how long a task runs, the bodies of the
//! functions of the file a task hands its run to. So a body is kept when its
//! text holds a spawn's name (or a name the file renames one to), or when the
//! function is named like a name a kept body writes (to a fixed point); every other body has its
//! bytes turned to spaces, line breaks kept, so every offset, line and column
//! of the file stays where it was.
//!
//! Only what is sure to be a function body is blanked: the braces after
//! `fn name(..) -> ..` outside any macro call or definition (a macro may read
//! its tokens in its own way) and outside attributes. A syntax error inside a
//! blanked body is not reported: nothing of that body is rewritten.

use std::borrow::Cow;
use std::collections::HashSet;

use ra_ap_rustc_lexer::TokenKind;

use super::tokens::Token;

/// `text` with the bodies the syntax tier does not read blanked (see the
/// module's comment); `tokens`: its code tokens (`tokens::code_tokens`);
/// `words`: the spawns' names and what the file renames them to. Borrowed
/// when nothing is blanked, or when the file's braces do not balance (it is
/// then parsed as it is, errors and all).
pub fn blank_unread_bodies<'t>(text: &'t str, tokens: &[Token], words: &[String]) -> Cow<'t, str> {
    let Some(bodies) = function_bodies(text, tokens) else { return Cow::Borrowed(text) };
    let mut kept: Vec<bool> =
        bodies.iter().map(|body| super::holds_any_word(&text[body.start..body.end], words)).collect();
    // The names the kept bodies write: a task may hand its run to a function of that name,
    // and that one to another (the lifetime reading follows a few calls deep), so to a
    // fixed point: each round keeps at least one more body, or ends.
    let mut written: HashSet<&str> = HashSet::new();
    let mut read = vec![false; bodies.len()];
    loop {
        let fresh: Vec<usize> = (0..bodies.len()).filter(|&index| kept[index] && !read[index]).collect();
        for index in fresh {
            read[index] = true;
            let body = &bodies[index];
            let first = tokens.partition_point(|t| t.start < body.start);
            written.extend(
                (tokens[first..].iter().take_while(|t| t.end <= body.end))
                    .filter(|token| matches!(token.kind, TokenKind::Ident | TokenKind::RawIdent))
                    .map(|token| text[token.start..token.end].trim_start_matches("r#")),
            );
        }
        let mut grew = false;
        for (body, kept) in bodies.iter().zip(kept.iter_mut()) {
            if !*kept && written.contains(body.name.trim_start_matches("r#")) {
                *kept = true;
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    if kept.iter().all(|&k| k) {
        return Cow::Borrowed(text);
    }
    let mut bytes = text.as_bytes().to_vec();
    for (body, _) in bodies.iter().zip(&kept).filter(|(_, kept)| !**kept) {
        for byte in &mut bytes[body.start..body.end] {
            if !matches!(byte, b'\n' | b'\r') {
                *byte = b' ';
            }
        }
    }
    // Each range starts after a `{` and ends before a `}`, at token edges: what
    // is left of the text around them is whole characters, and spaces are ASCII.
    String::from_utf8(bytes).map_or(Cow::Borrowed(text), Cow::Owned)
}

/// The inside of one function body (between its braces), and the function's name.
struct Body<'t> {
    name: &'t str,
    start: usize,
    end: usize,
}

/// The outermost function bodies of the file, outside macros and attributes;
/// `None` when a delimiter does not close.
fn function_bodies<'t>(text: &'t str, tokens: &[Token]) -> Option<Vec<Body<'t>>> {
    let mut bodies = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let kind_at = |k: usize| tokens.get(k).map(|t| t.kind);
        let token = &tokens[i];
        // `name!( .. )`, `name! { .. }`, `macro_rules! name { .. }`: a macro's tokens.
        if token.kind == TokenKind::Ident && kind_at(i + 1) == Some(TokenKind::Bang) {
            let open = if kind_at(i + 2) == Some(TokenKind::Ident) { i + 3 } else { i + 2 };
            if kind_at(open).is_some_and(is_open) {
                i = closing(tokens, open)? + 1;
                continue;
            }
        }
        // `#[..]` and `#![..]`: an attribute's tokens.
        if token.kind == TokenKind::Pound {
            let open = if kind_at(i + 1) == Some(TokenKind::Bang) { i + 2 } else { i + 1 };
            if kind_at(open) == Some(TokenKind::OpenBracket) {
                i = closing(tokens, open)? + 1;
                continue;
            }
        }
        if token.kind == TokenKind::Ident
            && &text[token.start..token.end] == "fn"
            && matches!(kind_at(i + 1), Some(TokenKind::Ident | TokenKind::RawIdent))
        {
            let name = &text[tokens[i + 1].start..tokens[i + 1].end];
            match body_start(tokens, i + 2)? {
                Signature::Body(open) => {
                    let close = closing(tokens, open)?;
                    bodies.push(Body { name, start: tokens[open].end, end: tokens[close].start });
                    i = close + 1;
                }
                Signature::NoBody(semicolon) => i = semicolon + 1,
            }
            continue;
        }
        i += 1;
    }
    Some(bodies)
}

enum Signature {
    /// The index of the body's opening brace.
    Body(usize),
    /// A declaration without a body (`fn f();`): the index of its `;`.
    NoBody(usize),
}

/// Where the body of the function whose signature goes on at `from` starts:
/// the first `{` or `;` outside the signature's parentheses and brackets.
fn body_start(tokens: &[Token], from: usize) -> Option<Signature> {
    let mut depth = 0usize;
    for (index, token) in tokens.iter().enumerate().skip(from) {
        match token.kind {
            TokenKind::OpenParen | TokenKind::OpenBracket => depth += 1,
            TokenKind::CloseParen | TokenKind::CloseBracket => depth = depth.checked_sub(1)?,
            TokenKind::OpenBrace if depth == 0 => return Some(Signature::Body(index)),
            TokenKind::Semi if depth == 0 => return Some(Signature::NoBody(index)),
            TokenKind::CloseBrace if depth == 0 => return None,
            _ => {}
        }
    }
    None
}

fn is_open(kind: TokenKind) -> bool {
    matches!(kind, TokenKind::OpenParen | TokenKind::OpenBracket | TokenKind::OpenBrace)
}

/// The index of the delimiter that closes the one at `open`.
fn closing(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (index, token) in tokens.iter().enumerate().skip(open) {
        if is_open(token.kind) {
            depth += 1;
        } else if matches!(
            token.kind,
            TokenKind::CloseParen | TokenKind::CloseBracket | TokenKind::CloseBrace
        ) {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return Some(index);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::tokens::code_tokens;
    use std::borrow::Cow;

    fn blank_unread_bodies<'t>(text: &'t str, words: &[String]) -> Cow<'t, str> {
        super::blank_unread_bodies(text, &code_tokens(text), words)
    }

    fn blanked(text: &str) -> String {
        blank_unread_bodies(text, &["spawn".to_string(), "go".to_string()]).into_owned()
    }

    #[test]
    fn keeps_bodies_that_spawn_and_the_functions_their_run_reaches() {
        let text = "fn start() {\n    tokio::spawn(run(1));\n}\n\
                    async fn run(n: u8) {\n    loop { tick(n).await }\n}\n\
                    fn tick(n: u8) -> u8 {\n    n + 1\n}\n\
                    impl S {\n    fn r#get(&self) -> u8 { \"é}\".len() as u8 }\n    fn declared(&self);\n}\n";
        let out = blanked(text);
        assert_eq!(out.len(), text.len());
        assert_eq!(out.lines().count(), text.lines().count());
        // `start` spawns, `run` is what it hands its task to: both kept.
        assert!(out.contains("tokio::spawn(run(1));") && out.contains("loop { tick(n).await }"));
        // `tick` is called from `run`, one level further: kept too (the reading follows a
        // task's run several calls deep); `get`, called from no kept body, is blanked.
        assert!(out.contains("fn tick(n: u8) -> u8 {\n    n + 1\n}"), "{out}");
        assert!(out.contains("fn r#get(&self) -> u8 {") && !out.contains("len()"), "{out}");
        assert!(out.contains("fn declared(&self);"));
    }

    #[test]
    fn a_renamed_spawn_keeps_its_body() {
        let text = "use tokio::spawn as go;\nfn f() { go(async {}); }\nfn g() { h(); }\n";
        assert_eq!(blanked(text), "use tokio::spawn as go;\nfn f() { go(async {}); }\nfn g() {      }\n");
    }

    #[test]
    fn leaves_macros_attributes_and_function_types_alone() {
        let text = "macro_rules! m { () => { fn inner() { 1 } } }\nm!(fn f() { 2 });\n\
                    #[cfg(all(fn_attr))]\ntype F = fn(u8) -> u8;\nconst C: u8 = { 3 };\n";
        assert!(matches!(blank_unread_bodies(text, &["spawn".to_string()]), Cow::Borrowed(_)));
    }

    #[test]
    fn an_unbalanced_file_is_parsed_as_it_is() {
        for text in ["fn f() { if x { }\nfn g() { 1 }\n", "fn f() ) { 1 }"] {
            assert!(matches!(blank_unread_bodies(text, &["spawn".to_string()]), Cow::Borrowed(_)));
        }
    }
}
