//! The semantic tier's progress on the terminal: a spinner with the stage on
//! stderr while it loads (only when stderr is a terminal), and one line when
//! the tier cannot run.

use std::io::IsTerminal;
use std::sync::{Mutex, PoisonError};

use indicatif::{ProgressBar, ProgressStyle};

use crate::analysis::Progress;

/// The one terminal of the process.
pub(super) static TERMINAL: TerminalProgress = TerminalProgress { bar: Mutex::new(None) };

pub(super) struct TerminalProgress {
    bar: Mutex<Option<ProgressBar>>,
}

impl Progress for TerminalProgress {
    fn stage(&self, message: &str) {
        let mut bar = self.bar.lock().unwrap_or_else(PoisonError::into_inner);
        if bar.is_none() && std::io::stderr().is_terminal() {
            let spinner = ProgressBar::new_spinner();
            spinner.set_style(
                ProgressStyle::with_template("{spinner} semantic tier: {wide_msg} [{elapsed}]")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            spinner.enable_steady_tick(std::time::Duration::from_millis(120));
            *bar = Some(spinner);
        }
        if let Some(bar) = bar.as_ref() {
            bar.set_message(message.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }

    fn done(&self) {
        if let Some(bar) = self.bar.lock().unwrap_or_else(PoisonError::into_inner).take() {
            bar.finish_and_clear();
        }
    }

    fn unavailable(&self, why: &str) {
        eprintln!("semantic tier unavailable: {why}; using the syntax tier");
    }
}
