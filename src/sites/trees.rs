//! A file's syntax tree plus the trees parsed out of its macro calls.
//!
//! Macro arguments are token trees, not syntax; wherever their tokens parse
//! as Rust (expressions, statements or items) corral parses them again, as
//! the body of a wrapper function, and treats the result as one more tree
//! whose offsets map back to the file by a fixed delta.

use ra_ap_syntax::{
    AstNode, Edition, NodeOrToken, SourceFile, SyntaxKind, SyntaxNode, SyntaxToken, TextRange, ast,
};

/// Text put before a macro fragment so that expressions, statements and items all parse.
const WRAPPER_PREFIX: &str = "fn __corral_macro() {\n";
const WRAPPER_SUFFIX: &str = "\n}";

/// How deep macro calls nested in macro calls are followed.
const MAX_MACRO_DEPTH: usize = 8;

/// One tree: the file's own, or a macro fragment's.
#[derive(Debug, Clone)]
pub struct Tree {
    pub root: SyntaxNode,
    /// Add to a node offset in this tree to get its offset in the file.
    pub delta: i64,
    /// For a fragment: the tree holding the macro call, and the call's node there.
    pub parent: Option<(usize, SyntaxNode)>,
    /// For a fragment: the macro's path as written (`tokio::select`).
    pub macro_name: Option<String>,
}

impl Tree {
    /// The file offset of a tree offset.
    pub fn file_offset(&self, offset: u32) -> u32 {
        (offset as i64 + self.delta) as u32
    }

    pub fn is_fragment(&self) -> bool {
        self.parent.is_some()
    }

    /// Whether a node is the wrapper put around a fragment (its function, block or
    /// statement list), rather than code the user wrote.
    pub fn is_wrapper_node(&self, node: &SyntaxNode) -> bool {
        self.is_fragment() && u32::from(node.text_range().start()) < WRAPPER_PREFIX.len() as u32
    }
}

/// The file's tree first, then every fragment, parents before children.
#[derive(Debug, Clone)]
pub struct TreeSet {
    pub trees: Vec<Tree>,
}

impl TreeSet {
    /// Builds the set; only macro calls whose text holds one of `needles` are parsed again.
    pub fn new(file: &SourceFile, edition: Edition, needles: &[String]) -> TreeSet {
        let text = file.syntax().text().to_string();
        let mut set = TreeSet::of_file(file);
        let mut next = 0;
        while next < set.trees.len() {
            let calls: Vec<SyntaxNode> =
                set.trees[next].root.descendants().filter(|n| n.kind() == SyntaxKind::MACRO_CALL).collect();
            set.add_fragments(next, &calls, &text, edition, needles);
            next += 1;
        }
        set
    }

    /// The set holding just the file's own tree.
    pub fn of_file(file: &SourceFile) -> TreeSet {
        TreeSet {
            trees: vec![Tree { root: file.syntax().clone(), delta: 0, parent: None, macro_name: None }],
        }
    }

    /// Parses the arguments of `calls`, macro calls of tree `index` in preorder, and
    /// appends the fragments that parse (unless the tree is nested too deep already).
    /// `text` is the file's text: every fragment is a verbatim slice of it.
    pub fn add_fragments(
        &mut self,
        index: usize,
        calls: &[SyntaxNode],
        text: &str,
        edition: Edition,
        needles: &[String],
    ) {
        if depth_of(&self.trees, index) >= MAX_MACRO_DEPTH {
            return;
        }
        let found = fragments_of(&self.trees[index], index, calls, text, edition, needles);
        self.trees.extend(found);
    }

    /// Ancestors of a node across trees, innermost first: inside a fragment they
    /// continue from the macro call that holds it. The wrapper function is skipped.
    pub fn ancestors(&self, tree: usize, node: &SyntaxNode) -> Vec<(usize, SyntaxNode)> {
        let mut out = Vec::new();
        let mut tree = tree;
        let mut current = node.parent();
        loop {
            while let Some(node) = current {
                // The wrapper function, its block and statement list all start inside the prefix.
                if self.trees[tree].is_wrapper_node(&node) {
                    break;
                }
                current = node.parent();
                out.push((tree, node));
            }
            match &self.trees[tree].parent {
                Some((parent, call)) => {
                    out.push((*parent, call.clone()));
                    current = call.parent();
                    tree = *parent;
                }
                None => return out,
            }
        }
    }

    /// The innermost macro a tree's nodes sit in.
    pub fn macro_name(&self, tree: usize) -> Option<String> {
        self.trees[tree].macro_name.clone()
    }
}

fn depth_of(trees: &[Tree], mut index: usize) -> usize {
    let mut depth = 0;
    while let Some((parent, _)) = &trees[index].parent {
        index = *parent;
        depth += 1;
    }
    depth
}

fn fragments_of(
    tree: &Tree,
    index: usize,
    calls: &[SyntaxNode],
    text: &str,
    edition: Edition,
    needles: &[String],
) -> Vec<Tree> {
    let holds_needle = |text: &str| needles.iter().any(|needle| text.contains(needle.as_str()));
    let mut out = Vec::new();
    for call in calls.iter().filter_map(|node| ast::MacroCall::cast(node.clone())) {
        let Some(token_tree) = call.token_tree() else { continue };
        let Some(whole) = tree.file_text(text, token_tree.syntax().text_range()) else { continue };
        if !holds_needle(whole) {
            continue;
        }
        let name = call.path().map(|p| p.syntax().text().to_string()).unwrap_or_default();
        let mut chunks = Vec::new();
        Chunker { tree, text, edition, holds_needle: &holds_needle }
            .chunks_of(token_tree.syntax(), &mut chunks);
        for (start, root) in chunks {
            let delta = tree.delta + start as i64 - WRAPPER_PREFIX.len() as i64;
            out.push(Tree {
                root,
                delta,
                parent: Some((index, call.syntax().clone())),
                macro_name: Some(name.clone()),
            });
        }
    }
    out
}

impl Tree {
    /// The file text under a range of this tree, when it is the user's code.
    fn file_text<'t>(&self, text: &'t str, range: TextRange) -> Option<&'t str> {
        let start = self.file_offset(range.start().into()) as usize;
        let end = self.file_offset(range.end().into()) as usize;
        text.get(start..end)
    }
}

/// Splits macro arguments into pieces that parse.
struct Chunker<'a> {
    tree: &'a Tree,
    text: &'a str,
    edition: Edition,
    holds_needle: &'a dyn Fn(&str) -> bool,
}

impl Chunker<'_> {
    /// Splits a token tree into pieces that parse; recurses into groups that do not.
    /// Each piece is `(offset in its tree, the piece parsed as a wrapper function's body)`.
    fn chunks_of(&self, token_tree: &SyntaxNode, out: &mut Vec<(u32, SyntaxNode)>) {
        let elements: Vec<_> = token_tree.children_with_tokens().collect();
        // Drop the delimiters.
        let inner = if elements.len() >= 2 { &elements[1..elements.len() - 1] } else { &elements[..] };
        if let Some((start, piece)) = self.span_text(inner) {
            if !(self.holds_needle)(piece) {
                return;
            }
            if let Some(root) = parse_piece(piece, self.edition) {
                out.push((start, root));
                return;
            }
        }
        let mut start = 0;
        for end in 0..=inner.len() {
            let at_separator = end < inner.len() && is_separator(inner, end);
            if end < inner.len() && !at_separator {
                continue;
            }
            let part = &inner[start..end];
            if let Some((offset, piece)) =
                self.span_text(part).filter(|(_, piece)| (self.holds_needle)(piece))
            {
                if let Some(root) = parse_piece(piece, self.edition) {
                    out.push((offset, root));
                } else {
                    for element in part {
                        if let NodeOrToken::Node(node) = element
                            && node.kind() == SyntaxKind::TOKEN_TREE
                        {
                            self.chunks_of(node, out);
                        }
                    }
                }
            }
            // `=>` is two tokens when it is not lexed as one.
            start = end + if end < inner.len() && is_split_fat_arrow(inner, end) { 2 } else { 1 };
        }
    }

    /// The text from the first to the last non-trivia element, with its tree offset.
    fn span_text(&self, elements: &[NodeOrToken<SyntaxNode, SyntaxToken>]) -> Option<(u32, &str)> {
        let significant = |e: &&NodeOrToken<SyntaxNode, SyntaxToken>| !e.kind().is_trivia();
        let first = elements.iter().find(significant)?;
        let last = elements.iter().rev().find(significant)?;
        let range = TextRange::new(first.text_range().start(), last.text_range().end());
        Some((range.start().into(), self.tree.file_text(self.text, range)?))
    }
}

fn is_separator(elements: &[NodeOrToken<SyntaxNode, SyntaxToken>], index: usize) -> bool {
    match &elements[index] {
        NodeOrToken::Token(token) => {
            matches!(token.kind(), SyntaxKind::COMMA | SyntaxKind::SEMICOLON | SyntaxKind::FAT_ARROW)
                || is_split_fat_arrow(elements, index)
        }
        NodeOrToken::Node(_) => false,
    }
}

fn is_split_fat_arrow(elements: &[NodeOrToken<SyntaxNode, SyntaxToken>], index: usize) -> bool {
    let is = |i: usize, kind: SyntaxKind| {
        elements.get(i).and_then(|e| e.as_token()).is_some_and(|t| t.kind() == kind)
    };
    is(index, SyntaxKind::EQ)
        && is(index + 1, SyntaxKind::R_ANGLE)
        && elements[index].text_range().end() == elements[index + 1].text_range().start()
}

/// The root of a wrapper function around `text`, if the whole of it parses.
fn parse_piece(text: &str, edition: Edition) -> Option<SyntaxNode> {
    let source = format!("{WRAPPER_PREFIX}{text}{WRAPPER_SUFFIX}");
    let (file, errors) = crate::parse::parse_file(&source, edition);
    errors.is_empty().then(|| file.syntax().clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fragments(text: &str) -> Vec<String> {
        let file = SourceFile::parse(text, Edition::Edition2021).tree();
        let set = TreeSet::new(&file, Edition::Edition2021, &["spawn".to_string()]);
        set.trees[1..]
            .iter()
            .map(|tree| {
                let body = tree.root.text().to_string();
                let inner = &body[WRAPPER_PREFIX.len()..body.len() - WRAPPER_SUFFIX.len()];
                // The delta must map the fragment back onto the same file text.
                let start = tree.file_offset(WRAPPER_PREFIX.len() as u32) as usize;
                assert_eq!(&text[start..start + inner.len()], inner);
                inner.to_string()
            })
            .collect()
    }

    #[test]
    fn select_arms_split_into_expressions() {
        let text = "fn f() { tokio::select! { _ = tokio::spawn(a) => { tokio::spawn(b); } else => {} } }";
        // `{ .. } else` does not parse, so the arm body is taken from inside its braces.
        assert_eq!(fragments(text), ["_ = tokio::spawn(a)", "tokio::spawn(b);"]);
    }

    #[test]
    fn comma_lists_and_nested_macros() {
        let text = "fn f() { let v = vec![tokio::spawn(a), other!(x)]; }";
        assert_eq!(fragments(text), ["tokio::spawn(a)"]);
        let nested = "fn f() { outer!(inner![tokio::spawn(a)]) }";
        assert_eq!(fragments(nested), ["inner![tokio::spawn(a)]", "tokio::spawn(a)"]);
    }

    #[test]
    fn items_inside_cfg_if_parse_as_items() {
        let text = "cfg_if! { if #[cfg(unix)] { fn a() { tokio::spawn(x); } } else { fn b() {} } }";
        assert_eq!(fragments(text), ["fn a() { tokio::spawn(x); }"]);
    }
}
