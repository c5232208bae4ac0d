//! The semantic tier in the background: after a save, a thread loads the
//! workspace with rust-analyzer, scans it with both tiers, and reports to the
//! main loop, which publishes what it found for the documents not edited since.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::{Result, anyhow};
use crossbeam_channel::Sender;
use lsp_types::Uri;
use serde_json::Value;

use crate::analysis::{Analysis, Inputs, Progress, Quiet};

/// What one pass over a workspace came to.
pub struct Pass {
    pub root: PathBuf,
    /// The versions of the open documents of the workspace when the pass started.
    pub versions: Vec<(Uri, i32)>,
    pub outcome: Result<Outcome>,
}

pub enum Outcome {
    /// Both tiers ran: the merged sites.
    Found(Box<Analysis>),
    /// The semantic tier cannot run there, and why.
    Unavailable(String),
}

/// Whether the semantic tier runs after saves: not when `CORRAL_SYNTAX_ONLY`
/// says so (as it does for `check`), nor when the client's initialization
/// options hold `"syntaxOnly": true`.
pub fn wanted(initialization_options: &Value) -> bool {
    let env = std::env::var("CORRAL_SYNTAX_ONLY").unwrap_or_default().to_ascii_lowercase();
    let env_says = matches!(env.as_str(), "1" | "true" | "yes" | "y" | "on" | "t");
    !env_says && initialization_options["syntaxOnly"] != true
}

/// Starts a pass over `root` with the editor's texts in `overlay`.
pub fn start(
    root: PathBuf,
    overlay: HashMap<PathBuf, String>,
    versions: Vec<(Uri, i32)>,
    report: Sender<Pass>,
) -> std::io::Result<()> {
    std::thread::Builder::new().name("corral-semantic".to_string()).spawn(move || {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| both_tiers(&root, overlay)))
            .unwrap_or_else(|_| Err(anyhow!("the semantic tier panicked")));
        // The main loop may be gone (the client exited): nobody to tell.
        let _ = report.send(Pass { root, versions, outcome });
    })?;
    Ok(())
}

fn both_tiers(root: &std::path::Path, overlay: HashMap<PathBuf, String>) -> Result<Outcome> {
    let inputs =
        Inputs { path: root, include_tests: false, config: None, syntax_only: false, progress: &Quiet };
    let mut analysis = Analysis::discover(&inputs)?;
    analysis.workspace.overlay = overlay;
    let unavailable = Unavailable::default();
    analysis.scan(root, false, &unavailable);
    let why = unavailable.0.lock().map(|why| why.clone()).unwrap_or_default();
    Ok(match (why, &analysis.semantic) {
        (Some(why), _) => Outcome::Unavailable(why),
        (None, None) => Outcome::Unavailable("rust-analyzer found nothing to load".to_string()),
        (None, Some(_)) => Outcome::Found(Box::new(analysis)),
    })
}

/// Remembers why the semantic tier could not run.
#[derive(Default)]
struct Unavailable(Mutex<Option<String>>);

impl Progress for Unavailable {
    fn stage(&self, _: &str) {}
    fn done(&self) {}
    fn unavailable(&self, why: &str) {
        if let Ok(mut slot) = self.0.lock() {
            slot.get_or_insert_with(|| why.to_string());
        }
    }
}
