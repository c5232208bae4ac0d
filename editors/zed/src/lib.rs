//! A Zed extension that runs `corral lsp` next to rust-analyzer on Rust files.
//!
//! Zed itself passes the user's `lsp.corral` settings to the server: its
//! `initialization_options` (such as `{"syntaxOnly": true}`), and `binary`,
//! which replaces the command below when it names a `path`.

use zed_extension_api::{self as zed, LanguageServerId, Result, Worktree};

/// The language server's id, the key of `[language_servers.corral]` in `extension.toml`.
const SERVER_ID: &str = "corral";

struct Corral;

impl zed::Extension for Corral {
    fn new() -> Self {
        Corral
    }

    fn language_server_command(
        &mut self,
        language_server_id: &LanguageServerId,
        worktree: &Worktree,
    ) -> Result<zed::Command> {
        if language_server_id.as_ref() != SERVER_ID {
            return Err(format!("the corral extension has no language server {language_server_id}"));
        }
        let command = worktree.which("corral").ok_or_else(|| {
            "`corral` is not on PATH: install it with `cargo install --locked --path .` \
             in a corral checkout, then restart the language server"
                .to_string()
        })?;
        Ok(zed::Command { command, args: vec!["lsp".into()], env: worktree.shell_env() })
    }
}

zed::register_extension!(Corral);
