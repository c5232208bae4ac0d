//! One site's rewrite: the tracked call that replaces a bare spawn, and the
//! `let` a tracker must be bound in when the call would otherwise capture
//! `self` where it did not before.
//!
//! ```text
//! tokio::spawn(fut)                     -> crate::tasks::spawn(fut)
//! tokio::spawn(fut)   (in a method)     -> self.tracker.spawn(fut)
//! handle.spawn(fut)                     -> handle.spawn(crate::tasks::tracker().track_future(fut))
//! std::thread::spawn(f)                 -> crate::tasks::spawn_thread(f)
//! thread::Builder::new().spawn(f)       -> thread::Builder::new().spawn(crate::tasks::track_thread(crate::tasks::tracker(), f))
//! task::Builder::new().spawn(fut)       -> task::Builder::new().spawn(crate::tasks::tracker().track_future(fut))
//! async move { self.tracker... }        -> let tracker = self.tracker.clone(); ... tracker.spawn(..)
//! ```

use ra_ap_syntax::{AstNode, Edition, SyntaxKind, TextRange, ast, ast::HasArgList};

use crate::config::{ExtraSpawn, TaskKind};
use crate::edit::Edit;
use crate::sites::model::{Capture, Family, SelfKind, SpawnSite};

/// Where the tracker of a site comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrackerSource {
    /// The crate's global helper module, by path (`crate::tasks`, `svc_core::tasks`).
    Global { helper: String },
    /// A field of `self` holding a tracker, and how a task can take its own handle to it.
    Field { helper: String, field: String, capture: Capture },
}

/// A `let` the rewrite puts before a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hoist {
    /// File offset of the statement it goes before.
    pub at: u32,
    pub name: String,
    pub value: String,
}

/// What a site becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteRewrite {
    /// Against the whole file; disjoint.
    pub edits: Vec<Edit>,
    /// A binding the edit relies on, to be placed (once) before `Hoist::at`.
    pub hoist: Option<Hoist>,
    /// Whether the site uses its struct's own tracker.
    pub own_tracker: bool,
}

/// Why a site is left as it is.
pub type NotConverted = String;

/// Chooses fresh names for hoisted bindings.
pub trait Names {
    /// A name that shadows nothing the file binds, for `value` placed before the
    /// statement at `at`. The same `(at, value, moved)` asked twice gets the same
    /// name; a binding moved into a block and one borrowed for the call never share.
    fn fresh(&mut self, at: u32, value: &str, moved_into_block: bool) -> String;
}

/// Plans the rewrite of one bare site. `text` is the whole file.
pub fn rewrite_site(
    text: &str,
    site: &SpawnSite,
    source: &TrackerSource,
    custom: Option<&ExtraSpawn>,
    edition: Edition,
    names: &mut dyn Names,
) -> Result<SiteRewrite, NotConverted> {
    let call_text = &text[site.start as usize..site.end as usize];
    let parsed = ast::Expr::parse(call_text, edition);
    if !parsed.errors().is_empty() {
        return Err("the call does not parse on its own".into());
    }
    let call = parsed.tree();
    let base = site.start;
    let shifted = |range: TextRange| (u32::from(range.start()) + base, u32::from(range.end()) + base);
    let slice = |range: (u32, u32)| &text[range.0 as usize..range.1 as usize];

    // The tracker expression, and a binding to hoist when the call must not touch `self`.
    let arg_list = match &call {
        ast::Expr::CallExpr(c) => c.arg_list(),
        ast::Expr::MethodCallExpr(m) => m.arg_list(),
        _ => None,
    };
    let mentions_self = arg_list
        .is_some_and(|a| a.syntax().descendants_with_tokens().any(|e| e.kind() == SyntaxKind::SELF_KW));
    let (tracker, hoist, own_tracker) = tracker_expression(site, source, mentions_self, names)?;
    let helper = match source {
        TrackerSource::Global { helper } | TrackerSource::Field { helper, .. } => helper.as_str(),
    };
    let tracker_ref = if tracker.starts_with(helper) { tracker.clone() } else { format!("&{tracker}") };
    let why = format!("track `{}`", site.written_as);

    let (args, first_arg) = match &call {
        ast::Expr::CallExpr(c) => (c.arg_list(), c.arg_list().and_then(|a| a.args().next())),
        ast::Expr::MethodCallExpr(m) => (m.arg_list(), m.arg_list().and_then(|a| a.args().next())),
        _ => return Err("the site is not a call".into()),
    };
    let args = shifted(args.ok_or("the call has no arguments")?.syntax().text_range());
    let first_arg = first_arg.ok_or("the call has no arguments")?;
    let first_range = shifted(first_arg.syntax().text_range());
    // The argument is wrapped by two insertions, not replaced, so that a spawn
    // nested inside it (a task started in a thread's closure) keeps its own edit.
    let wrap_first = |open: String| {
        vec![Edit::insert(first_range.0, open, why.clone()), Edit::insert(first_range.1, ")", why.clone())]
    };

    let edits = match &site.family {
        Family::TokioSpawn
        | Family::TokioSpawnBlocking
        | Family::TokioSpawnLocal
        | Family::StdThreadSpawn => {
            let ast::Expr::CallExpr(c) = &call else { return Err("expected a function call".into()) };
            let callee = shifted(c.expr().ok_or("the call has no callee")?.syntax().text_range());
            let method = match &site.family {
                Family::TokioSpawn => "spawn",
                Family::TokioSpawnBlocking => "spawn_blocking",
                Family::TokioSpawnLocal => "spawn_local",
                _ => "spawn_thread",
            };
            match (&site.family, own_tracker || hoist.is_some()) {
                // Threads take a token from the struct's tracker into the closure.
                (Family::StdThreadSpawn, true) => {
                    wrap_first(format!("{helper}::track_thread({tracker_ref}, "))
                }
                (_, true) => {
                    vec![Edit::replace(callee.0, callee.1, format!("{tracker}.{method}"), why.clone())]
                }
                (_, false) => {
                    vec![Edit::replace(callee.0, callee.1, format!("{helper}::{method}"), why.clone())]
                }
            }
        }
        // What `TaskTracker::spawn_on` does, written on the receiver itself: it compiles
        // for a `Handle`, a `&Handle`, a `Runtime` or an `Arc<Runtime>` alike, keeps the
        // receiver evaluated before the future, and the task stays on that runtime.
        Family::RuntimeSpawn | Family::LocalSetSpawn => wrap_first(format!("{tracker}.track_future(")),
        Family::RuntimeSpawnBlocking => wrap_first(format!("{helper}::track_thread({tracker_ref}, ")),
        Family::TokioBuilder { method } => {
            if method.starts_with("spawn_blocking") {
                wrap_first(format!("{helper}::track_thread({tracker_ref}, "))
            } else {
                wrap_first(format!("{tracker}.track_future("))
            }
        }
        Family::StdThreadBuilder => wrap_first(format!("{helper}::track_thread({tracker_ref}, ")),
        Family::AsyncStd { function } if function == "spawn_blocking" => {
            wrap_first(format!("{helper}::track_thread({tracker_ref}, "))
        }
        Family::AsyncStd { .. } | Family::SmolSpawn => wrap_first(format!("{tracker}.track_future(")),
        // A configured spawn becomes its template, with the call's arguments and the tracker.
        Family::Custom { path } => match custom.and_then(|c| c.template.as_deref()) {
            Some(template) => {
                let arguments = slice((args.0 + 1, args.1 - 1)).trim();
                let replacement = template.replace("{args}", arguments).replace("{tracker}", &tracker_ref);
                vec![Edit::replace(site.start, site.end, replacement, why.clone())]
            }
            // Or its task argument is wrapped, and the call stays.
            None => match custom.and_then(|c| c.argument) {
                Some(position) => {
                    let argument = arguments_of(&call)
                        .and_then(|mut args| args.nth(position - 1))
                        .ok_or_else(|| format!("`{path}` is called with fewer than {position} arguments"))?;
                    let range = shifted(argument.syntax().text_range());
                    let open = match custom.map(|c| c.task) {
                        Some(TaskKind::Closure) => format!("{helper}::track_thread({tracker_ref}, "),
                        _ => format!("{tracker}.track_future("),
                    };
                    vec![Edit::insert(range.0, open, why.clone()), Edit::insert(range.1, ")", why.clone())]
                }
                None => {
                    return Err(format!(
                        "`{path}` has neither `template` nor `argument` in the configuration"
                    ));
                }
            },
        },
        Family::Unresolved => return Err("the callee could not be resolved".into()),
    };
    let edits = wrap_in_block_when_needed(text, edits, site, hoist.as_ref());
    Ok(SiteRewrite { edits, hoist: hoist.filter(|_| site_has_statement(site)), own_tracker })
}

/// The tracker expression a site uses, and what to hoist for it.
fn tracker_expression(
    site: &SpawnSite,
    source: &TrackerSource,
    mentions_self: bool,
    names: &mut dyn Names,
) -> Result<(String, Option<Hoist>, bool), NotConverted> {
    let (helper, field, capture) = match source {
        TrackerSource::Global { helper } => return Ok((format!("{helper}::tracker()"), None, false)),
        TrackerSource::Field { helper, field, capture } => (helper, field, capture),
    };
    // What a hoisted binding holds: a copy of a `Copy` field, else a clone.
    let value = match capture {
        Capture::Copy => format!("self.{field}"),
        Capture::Clone | Capture::Neither { .. } => format!("self.{field}.clone()"),
    };
    let cannot_hoist = |capture: &Capture| match capture {
        Capture::Neither { ty } => Err(format!(
            "`self.{field}` is a `{ty}`, neither Copy nor Clone: the task cannot hold its own handle to it (derive Clone for it, or exempt the site)"
        )),
        _ => Ok(()),
    };
    // Inside a closure or async block, the block must not start capturing `self`:
    // bind a clone before the statement that holds the outermost one.
    if let Some(outermost) = site.context.enclosing.first() {
        return match outermost.statement_start {
            Some(at) => {
                cannot_hoist(capture)?;
                let name = names.fresh(at, &value, true);
                Ok((name.clone(), Some(Hoist { at, name, value }), true))
            }
            // No statement to put the binding before: the global helper captures nothing.
            None => Ok((format!("{helper}::tracker()"), None, false)),
        };
    }
    // `self: Arc<Self>` or `self` moved into the spawned future while `self.tracker`
    // is borrowed for the call: E0505. Bind a clone first; a call that does not
    // name `self` cannot move it, and borrows the field directly.
    let moves_self = mentions_self
        && matches!(
            site.context.method.as_ref().and_then(|m| m.self_kind.as_ref()),
            Some(SelfKind::Value | SelfKind::Typed { .. })
        );
    if moves_self {
        cannot_hoist(capture)?;
        let at = site.context.statement_start.unwrap_or(site.start);
        let name = names.fresh(at, &value, false);
        return Ok((name.clone(), Some(Hoist { at, name, value }), true));
    }
    Ok((format!("self.{field}"), None, true))
}

fn site_has_statement(site: &SpawnSite) -> bool {
    site.context
        .enclosing
        .first()
        .map_or(site.context.statement_start.is_some(), |e| e.statement_start.is_some())
}

/// The arguments of a call or method call.
fn arguments_of(call: &ast::Expr) -> Option<ast::AstChildren<ast::Expr>> {
    match call {
        ast::Expr::CallExpr(c) => Some(c.arg_list()?.args()),
        ast::Expr::MethodCallExpr(m) => Some(m.arg_list()?.args()),
        _ => None,
    }
}

/// In expression position there is no statement to bind before: the call
/// becomes a block `{ let tracker = ..; tracker.spawn(..) }`.
fn wrap_in_block_when_needed(
    text: &str,
    edits: Vec<Edit>,
    site: &SpawnSite,
    hoist: Option<&Hoist>,
) -> Vec<Edit> {
    match hoist {
        Some(hoist) if !site_has_statement(site) => {
            // The edits may cover only parts of the call: rebuild the whole call first.
            let call = &text[site.start as usize..site.end as usize];
            let relative: Vec<Edit> = edits
                .iter()
                .map(|e| Edit { start: e.start - site.start, end: e.end - site.start, ..e.clone() })
                .collect();
            let rewritten = crate::edit::apply(call, &relative);
            let block = format!("{{ let {} = {}; {rewritten} }}", hoist.name, hoist.value);
            let why = edits.first().map(|e| e.why.clone()).unwrap_or_default();
            vec![Edit::replace(site.start, site.end, block, why)]
        }
        _ => edits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sites::model::{HandleUse, MethodContext, SiteContext, Verdict};

    /// Hands out the base name, then numbered ones.
    struct Counter(u32);

    impl Names for Counter {
        fn fresh(&mut self, _at: u32, _value: &str, _moved: bool) -> String {
            self.0 += 1;
            if self.0 == 1 { "tracker".to_string() } else { format!("tracker{}", self.0) }
        }
    }

    /// The only `tokio::spawn(..)` of `text`, as a statement of a method taking `self_kind`.
    fn method_site(text: &str, self_kind: SelfKind) -> SpawnSite {
        let start = text.find("tokio::spawn").unwrap() as u32;
        let end = text.rfind(')').unwrap() as u32 + 1;
        SpawnSite {
            path: "src/lib.rs".into(),
            package: None,
            line: 1,
            column: start + 1,
            start,
            end,
            callee_start: start,
            callee_end: start + "tokio::spawn".len() as u32,
            written_as: "tokio::spawn".into(),
            family: Family::TokioSpawn,
            verdict: Verdict::Bare,
            handle: HandleUse::Dropped,
            in_test: false,
            context: SiteContext {
                function: Some("f".into()),
                method: Some(MethodContext {
                    self_type: "S".into(),
                    self_kind: Some(self_kind),
                    tracker_field: Some("tracker".into()),
                    tracker_through: None,
                    tracker_capture: Some(Capture::Clone),
                }),
                enclosing: Vec::new(),
                in_macro: None,
                statement_start: Some(start),
                wrapper: None,
                wrapper_call: None,
                test_support: None,
            },
            source_line: text.into(),
            lifetime: None,
        }
    }

    fn rewrite(text: &str, self_kind: SelfKind) -> SiteRewrite {
        let site = method_site(text, self_kind);
        let source = TrackerSource::Field {
            helper: "crate::tasks".into(),
            field: "tracker".into(),
            capture: Capture::Clone,
        };
        rewrite_site(text, &site, &source, None, Edition::Edition2021, &mut Counter(0)).unwrap()
    }

    #[test]
    fn an_arc_self_task_that_moves_self_uses_a_hoisted_clone() {
        let text = "tokio::spawn(async move { self.run().await })";
        let rewritten = rewrite(text, SelfKind::Typed { ty: "Arc<Self>".into() });
        assert_eq!(rewritten.edits[0].insert, "tracker.spawn");
        assert_eq!(rewritten.hoist.unwrap().value, "self.tracker.clone()");
    }

    #[test]
    fn an_arc_self_task_that_does_not_name_self_borrows_the_field() {
        let text = "tokio::spawn(async move { me.run().await })";
        let rewritten = rewrite(text, SelfKind::Typed { ty: "Arc<Self>".into() });
        assert_eq!(rewritten.edits[0].insert, "self.tracker.spawn");
        assert_eq!(rewritten.hoist, None);
    }
}
