//! Expressions in one short line, for reasons and `written_as`: a receiver
//! written as a 15-line `match` reads `match config.build(..).await {..}`.
//! A short expression stays as written (whitespace folded); a longer one
//! keeps its shape: calls keep their callee and lose their arguments
//! (`Builder::new(..)`), blocks and closures lose their bodies, and whatever
//! is still longer than [`MAX_CHARS`] is cut with `…`.

use ra_ap_syntax::{AstNode, ast, ast::HasArgList};

/// The longest abbreviation, in characters.
pub const MAX_CHARS: usize = 80;

/// Up to this many characters, an expression is shown as written.
const AS_WRITTEN_CHARS: usize = 40;

/// `expr` in one line of at most [`MAX_CHARS`] characters.
pub fn abbreviate(expr: &ast::Expr) -> String {
    let flat = flatten(&expr.syntax().text().to_string());
    if flat.chars().count() <= AS_WRITTEN_CHARS {
        return flat;
    }
    cap(&shape(expr))
}

/// Any text in one line of at most [`MAX_CHARS`] characters, whitespace runs
/// folded to one space.
pub fn one_line(text: &str) -> String {
    cap(&flatten(text))
}

fn shape(expr: &ast::Expr) -> String {
    let inner = |e: Option<ast::Expr>| e.map_or_else(|| "..".to_string(), |e| shape(&e));
    let args = |list: Option<ast::ArgList>| {
        if list.is_some_and(|list| list.args().next().is_none()) { "()" } else { "(..)" }
    };
    match expr {
        ast::Expr::CallExpr(call) => format!("{}{}", inner(call.expr()), args(call.arg_list())),
        ast::Expr::MethodCallExpr(call) => format!(
            "{}.{}{}",
            inner(call.receiver()),
            call.name_ref().map_or_else(String::new, |name| name.text().to_string()),
            args(call.arg_list())
        ),
        ast::Expr::FieldExpr(field) => format!(
            "{}.{}",
            inner(field.expr()),
            field.name_ref().map_or_else(String::new, |name| name.text().to_string())
        ),
        ast::Expr::AwaitExpr(e) => format!("{}.await", inner(e.expr())),
        ast::Expr::TryExpr(e) => format!("{}?", inner(e.expr())),
        ast::Expr::ParenExpr(e) => format!("({})", inner(e.expr())),
        ast::Expr::RefExpr(e) => {
            format!("&{}{}", if e.mut_token().is_some() { "mut " } else { "" }, inner(e.expr()))
        }
        ast::Expr::MatchExpr(e) => format!("match {} {{..}}", inner(e.expr())),
        ast::Expr::IfExpr(e) => format!("if {} {{..}}", inner(e.condition())),
        ast::Expr::BlockExpr(block) => {
            let modifier = block.syntax().first_token().filter(|t| t.text() != "{");
            match modifier {
                Some(word) if block.stmt_list().is_some() => format!("{} {{..}}", word.text()),
                _ => "{..}".to_string(),
            }
        }
        ast::Expr::ClosureExpr(_) => "|..| ..".to_string(),
        ast::Expr::MacroExpr(e) => {
            let path =
                e.macro_call().and_then(|call| call.path()).map(|p| flatten(&p.syntax().text().to_string()));
            format!("{}!(..)", path.unwrap_or_default())
        }
        other => flatten(&other.syntax().text().to_string()),
    }
}

fn flatten(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").replace(" .", ".")
}

fn cap(text: &str) -> String {
    if text.chars().count() <= MAX_CHARS {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(MAX_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use ra_ap_syntax::{Edition, SourceFile};

    fn expr(text: &str) -> ast::Expr {
        let file = SourceFile::parse(&format!("fn f() {{ let _ = {text}; }}"), Edition::Edition2021).tree();
        file.syntax().descendants().find_map(ast::LetStmt::cast).and_then(|s| s.initializer()).unwrap()
    }

    #[test]
    fn a_long_match_is_one_line() {
        let text = "match config\n    .build(&settings, true)\n    .await\n{\n    Ok(app) => app,\n    Err(e) => {\n        panic!(\"{e}\")\n    }\n}";
        assert_eq!(abbreviate(&expr(text)), "match config.build(..).await {..}");
    }

    #[test]
    fn short_expressions_stay_as_written() {
        assert_eq!(
            abbreviate(&expr("thread::Builder::new()\n    .name(x)")),
            "thread::Builder::new().name(x)"
        );
    }

    #[test]
    fn calls_keep_their_callee() {
        assert_eq!(shape(&expr("Builder::new()")), "Builder::new()");
        assert_eq!(
            abbreviate(&expr("std::thread::Builder::new().name(format!(\"worker-{}\", index))")),
            "std::thread::Builder::new().name(..)"
        );
        assert_eq!(shape(&expr("(&self.pools[i]).runtime")), "(&self.pools[i]).runtime");
        assert_eq!(shape(&expr("make(|| { 1 })?")), "make(..)?");
        assert_eq!(shape(&expr("if ok { a } else { b }")), "if ok {..}");
        assert_eq!(shape(&expr("async move { x.await }")), "async {..}");
        assert_eq!(shape(&expr("vec![1, 2]")), "vec!(..)");
    }

    #[test]
    fn whatever_is_left_is_cut_at_the_limit() {
        let long = format!("a_very_long_receiver_name_{}", "x".repeat(100));
        let short = abbreviate(&expr(&long));
        assert_eq!(short.chars().count(), MAX_CHARS);
        assert!(short.ends_with('…'));
        assert_eq!(one_line("a\n   .b()\n  .c()"), "a.b().c()");
    }
}
