//! `CODEOWNERS`, read the way GitHub reads it: the file in `.github/`, the
//! root or `docs/` (first found), one rule a line (`pattern owner...`), and
//! for a path the last matching rule wins. Patterns follow `.gitignore`
//! rules: a leading or inner `/` anchors to the root, a trailing `/` matches
//! a folder, a bare name matches at any depth, `*` stays inside one segment.

use globset::{GlobBuilder, GlobMatcher};

/// The places GitHub looks for the file, in its order.
pub const LOCATIONS: &[&str] = &[".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/// One rule: who owns what matches.
#[derive(Debug, Clone)]
struct Rule {
    matchers: Vec<GlobMatcher>,
    owners: Vec<String>,
}

/// The parsed file.
#[derive(Debug, Clone, Default)]
pub struct CodeOwners {
    rules: Vec<Rule>,
}

impl CodeOwners {
    /// Parses the file's text; lines that do not form a pattern are ignored, as GitHub does.
    pub fn parse(text: &str) -> CodeOwners {
        let rules = text
            .lines()
            .filter_map(|line| {
                let line = line.split_once('#').map_or(line, |(before, _)| before).trim();
                let mut words = line.split_whitespace();
                let pattern = words.next()?;
                let owners = words.map(str::to_string).collect();
                Some(Rule { matchers: matchers_for(pattern)?, owners })
            })
            .collect();
        CodeOwners { rules }
    }

    /// The owners of a path relative to the repository root (`/` separators);
    /// empty when no rule matches or the last match names nobody.
    pub fn owners_of(&self, path: &str) -> &[String] {
        self.rules
            .iter()
            .rev()
            .find(|rule| rule.matchers.iter().any(|m| m.is_match(path)))
            .map_or(&[], |rule| &rule.owners)
    }
}

/// Globs equivalent to one gitignore-style pattern, matching files and
/// everything under a matching folder.
fn matchers_for(pattern: &str) -> Option<Vec<GlobMatcher>> {
    let folder_only = pattern.ends_with('/');
    let trimmed = pattern.trim_end_matches('/');
    let anchored = trimmed.starts_with('/') || trimmed.contains('/');
    let trimmed = trimmed.trim_start_matches('/');
    if trimmed.is_empty() {
        return None;
    }
    let base =
        if anchored || trimmed.starts_with("**") { trimmed.to_string() } else { format!("**/{trimmed}") };
    let mut globs = vec![format!("{base}/**")];
    if !folder_only {
        globs.push(base);
    }
    globs
        .iter()
        .map(|glob| GlobBuilder::new(glob).literal_separator(true).build().map(|g| g.compile_matcher()).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_matching_rule_wins() {
        let owners = CodeOwners::parse("* @all\n/crates/core/ @core-team\n*.toml @release # manifests\n");
        assert_eq!(owners.owners_of("README.md"), ["@all"]);
        assert_eq!(owners.owners_of("crates/core/src/lib.rs"), ["@core-team"]);
        assert_eq!(owners.owners_of("crates/core/Cargo.toml"), ["@release"]);
    }

    #[test]
    fn anchoring_and_folders_follow_gitignore() {
        let owners = CodeOwners::parse("src/ @a\n/docs @b\napps/*.rs @c\n");
        assert_eq!(owners.owners_of("src/main.rs"), ["@a"]);
        assert_eq!(
            owners.owners_of("crates/x/src/lib.rs"),
            ["@a"],
            "a bare folder name matches at any depth"
        );
        assert_eq!(owners.owners_of("docs/guide/intro.md"), ["@b"]);
        assert!(owners.owners_of("crates/docs/x.md").is_empty(), "a leading slash anchors to the root");
        assert_eq!(owners.owners_of("apps/main.rs"), ["@c"]);
        assert!(owners.owners_of("apps/sub/main.rs").is_empty(), "`*` stays inside one segment");
    }

    #[test]
    fn a_rule_without_owners_unowns() {
        let owners = CodeOwners::parse("* @all\n/generated/\n");
        assert!(owners.owners_of("generated/a.rs").is_empty());
    }
}
