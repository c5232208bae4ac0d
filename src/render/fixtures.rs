//! Hand-built sites for the printers' tests: one of each verdict, two
//! packages and a site outside any package, with offsets that agree with
//! their source lines.

use crate::sites::model::{
    Family, FileProblem, HandleUse, MethodContext, SelfKind, SiteContext, SpawnSite, Verdict,
};
use std::path::PathBuf;

/// A site on `source_line`, whose call starts at 1-based `column` and whose
/// callee is `written_as` at the call's start.
fn site(path: &str, line: u32, column: u32, source_line: &str, written_as: &str) -> SpawnSite {
    let start = line * 100 + column;
    let callee_len = written_as.len() as u32;
    SpawnSite {
        path: path.to_string(),
        package: Some("app".to_string()),
        line,
        column,
        start,
        end: start + 30,
        callee_start: start,
        callee_end: start + callee_len,
        written_as: written_as.to_string(),
        family: Family::TokioSpawn,
        verdict: Verdict::Bare,
        handle: HandleUse::Dropped,
        in_test: false,
        context: SiteContext::default(),
        source_line: source_line.to_string(),
        lifetime: None,
    }
}

/// `tokio::spawn(..)` whose handle is dropped, in `serve`.
pub(crate) fn bare_tokio() -> SpawnSite {
    SpawnSite {
        context: SiteContext { function: Some("serve".to_string()), ..SiteContext::default() },
        ..site("src/lib.rs", 3, 5, "    tokio::spawn(async move { serve().await });\n", "tokio::spawn")
    }
}

/// `handle.spawn(..)` in a method, with a marker that gives no reason.
pub(crate) fn bare_method_call() -> SpawnSite {
    let mut site = site("src/worker.rs", 12, 9, "        handle.spawn(async {});", "handle.spawn");
    // The callee of a method call is the method name, after the receiver.
    site.callee_start += "handle.".len() as u32;
    site.family = Family::RuntimeSpawn;
    site.verdict = Verdict::ExemptWithoutReason;
    site.context = SiteContext {
        function: Some("start".to_string()),
        method: Some(MethodContext {
            self_type: "Worker".to_string(),
            self_kind: Some(SelfKind::Ref),
            tracker_field: None,
            tracker_through: None,
            tracker_capture: None,
        }),
        enclosing: Vec::new(),
        in_macro: None,
        statement_start: None,
        wrapper: None,
        wrapper_call: None,
        test_support: None,
    };
    site
}

/// One site of each verdict, sorted by path then offset as the caller
/// passes them.
pub(crate) fn sites() -> Vec<SpawnSite> {
    let exempt = SpawnSite {
        verdict: Verdict::Exempt { reason: "the accept loop lives as long as the process".to_string() },
        ..site("src/lib.rs", 9, 9, "        task::spawn(accept_loop(listener));", "task::spawn")
    };
    let thread = SpawnSite {
        family: Family::StdThreadSpawn,
        handle: HandleUse::Bound,
        ..site("src/worker.rs", 4, 13, "    let h = thread::spawn(move || work());", "thread::spawn")
    };
    let test = SpawnSite {
        verdict: Verdict::TestCode,
        in_test: true,
        ..site("tests/it.rs", 5, 5, "    tokio::spawn(async {});", "tokio::spawn")
    };
    let tool = |line, column, source_line, written_as, verdict| SpawnSite {
        package: None,
        verdict,
        ..site("tools/gen/src/main.rs", line, column, source_line, written_as)
    };
    let unparsable = || Verdict::Skipped { reason: "inside an unparsable macro".to_string() };
    vec![
        bare_tokio(),
        exempt,
        thread,
        bare_method_call(),
        test,
        tool(3, 5, "    tasks::spawn(job());", "tasks::spawn", Verdict::AlreadyTracked),
        tool(8, 16, "        weird!(tokio::spawn(job()));", "tokio::spawn", unparsable()),
        SpawnSite {
            family: Family::SmolSpawn,
            ..tool(14, 16, "        weird!(smol::spawn(job()));", "smol::spawn", unparsable())
        },
    ]
}

/// A file that could not be read.
pub(crate) fn problem() -> FileProblem {
    FileProblem {
        path: PathBuf::from("src/broken.rs"),
        message: "stream did not contain valid UTF-8".to_string(),
    }
}
