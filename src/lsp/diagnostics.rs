//! A finding as the editor shows it: the message, code (the rule SARIF and the
//! baseline name) and severity of `check`.

use lsp_types::{Diagnostic, DiagnosticSeverity, NumberOrString};

use super::text::range;
use crate::sites::model::SpawnSite;
use crate::{gate, render};

/// One finding as a diagnostic on its callee, in `text` (the scanned text of its file).
pub fn diagnostic(site: &SpawnSite, text: &str, marker: &str) -> Diagnostic {
    Diagnostic {
        range: range(text, site.callee_start as usize, site.callee_end as usize),
        severity: Some(DiagnosticSeverity::WARNING),
        code: Some(NumberOrString::String(gate::rule(site).to_string())),
        source: Some("corral".to_string()),
        message: format!("{}\n{}", render::headline(site), render::fix_hint(site, marker)),
        ..Diagnostic::default()
    }
}
