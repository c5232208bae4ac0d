//! The user's configuration: `corral.toml` at the scanned root, or a
//! `[workspace.metadata.corral]` / `[package.metadata.corral]` table in the
//! root `Cargo.toml`.
//!
//! What the user wrote is read with serde (unknown keys are errors) and then
//! checked and turned into a [`Config`], the form the rest of corral uses.
//! Every error names the file, the position and the key, so that a user can
//! go straight to the line to fix.

use globset::GlobBuilder;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The file name of corral's own configuration file.
pub const CONFIG_FILE: &str = "corral.toml";

/// Where the configuration came from, when it came from a manifest.
const WORKSPACE_TABLE: &str = "[workspace.metadata.corral]";
const PACKAGE_TABLE: &str = "[package.metadata.corral]";

/// How corral behaves in one workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The word that marks a spawn as intentionally untracked
    /// (`// spawn-exempt: reason`).
    pub marker: String,
    /// Globs, relative to the scanned root, of the files to scan; empty means
    /// every file.
    pub include: Vec<String>,
    /// Globs, relative to the scanned root, of the files to leave out.
    pub exclude: Vec<String>,
    /// Whether spawns in test code are reported and rewritten.
    pub include_tests: bool,
    /// Type names that make a field a tracker (`TaskTracker`).
    pub tracker_types: Vec<String>,
    /// The path of the global helper module (`crate::tasks`).
    pub helper: String,
    /// Spawn functions the project adds to the built-in list.
    pub extra_spawns: Vec<ExtraSpawn>,
    /// What the rewrite converts for a spawn wrapper (`fn spawn_named(name, f) { tokio::spawn(f) }`).
    pub wrappers: WrapperMode,
    /// What the rewrite does with a task that runs until shutdown.
    pub long_lived: LongLivedMode,
    /// Calls (paths, or a method's name) that run until shutdown, beside the built-in
    /// catalogue of connection drivers and servers: a task that hands its run to one is
    /// long-lived (`long-lived-calls = ["my_app::server::run"]`).
    pub long_lived_calls: Vec<String>,
    /// The baseline file `check` reads (`--baseline`), resolved against the
    /// configuration file's folder.
    pub baseline: Option<PathBuf>,
    /// A member crate that holds the one helper of the whole workspace
    /// (`helper-crate = "crates/tasks"`), relative to the workspace root;
    /// `None`: a helper module in each crate that needs one.
    pub helper_crate: Option<PathBuf>,
    /// The file the configuration was read from; `None` for the defaults.
    pub source: Option<PathBuf>,
}

/// What the rewrite converts for the workspace's spawn wrappers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WrapperMode {
    /// The wrapper's body: its `tokio::spawn(f)` becomes a tracked spawn.
    #[default]
    Body,
    /// Every caller: the task it passes is wrapped in `track_future`, as
    /// `[[spawn]] argument = N` does for one wrapper, and the body is exempt.
    Callers,
}

/// What the rewrite does with a bare site whose task runs until shutdown (an
/// accept loop, a ticker, a pump over a channel that never closes): in the
/// tracker, `drain()` would wait for it forever.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LongLivedMode {
    /// Write the exempt marker above it, with the evidence as the reason.
    #[default]
    Exempt,
    /// Track it like any other task.
    Track,
    /// Change nothing: it stays a finding, for a human to decide.
    Leave,
}

/// A spawn function named in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraSpawn {
    /// The function's full path, one identifier per segment.
    pub path: Vec<String>,
    /// What a call becomes in a rewrite; `{args}` stands for the arguments.
    pub template: Option<String>,
    /// Instead of a template: which argument (1-based) is the task, wrapped in
    /// `track_future` so the call itself stays (a wrapper's callers, say).
    pub argument: Option<usize>,
    /// What that argument is: a future (`track_future`) or a closure run on a
    /// thread (`track_thread`).
    pub task: TaskKind,
}

/// What a spawn function's task argument is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaskKind {
    /// A future (`tokio::spawn`'s).
    #[default]
    Future,
    /// A closure run on another thread (`spawn_blocking`'s, `thread::spawn`'s).
    Closure,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            marker: "spawn-exempt".to_string(),
            include: Vec::new(),
            exclude: Vec::new(),
            include_tests: false,
            tracker_types: vec!["TaskTracker".to_string()],
            helper: "crate::tasks".to_string(),
            extra_spawns: Vec::new(),
            wrappers: WrapperMode::Body,
            long_lived: LongLivedMode::Exempt,
            long_lived_calls: Vec::new(),
            baseline: None,
            helper_crate: None,
            source: None,
        }
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The file is not valid TOML, or a value is wrong.
    #[error("{}: {context}{message}", at(path, *position))]
    Invalid {
        path: PathBuf,
        /// Where in the file, when known.
        position: Option<Position>,
        /// The table and key the error is in, ending in `: `; may be empty.
        context: String,
        message: String,
    },
    /// The manifest has both metadata tables, and it is unclear which one counts.
    #[error(
        "{}: both {WORKSPACE_TABLE} and {PACKAGE_TABLE} are set; keep only one",
        path.display()
    )]
    Ambiguous { path: PathBuf },
}

/// A 1-based line and column (in characters) in a configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// `path:line:column`, or only the path when the position is unknown.
fn at(path: &Path, position: Option<Position>) -> String {
    match position {
        Some(Position { line, column }) => format!("{}:{line}:{column}", path.display()),
        None => path.display().to_string(),
    }
}

/// Reads the configuration for the folder `root`.
///
/// `corral.toml` wins over the manifest's metadata table when both exist. A
/// folder with neither gets [`Config::default`].
pub fn load(root: &Path) -> Result<Config, ConfigError> {
    for name in [CONFIG_FILE, "Cargo.toml"] {
        let path = root.join(name);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        return parse_str(&text, &path);
    }
    Ok(Config::default())
}

/// Reads a configuration from `text`.
///
/// `origin` names the file in messages and decides the format: a file named
/// `Cargo.toml` is read as a manifest (its metadata table, if any), anything
/// else as a `corral.toml`.
pub fn parse_str(text: &str, origin: &Path) -> Result<Config, ConfigError> {
    let is_manifest = origin.file_name().is_some_and(|name| name == "Cargo.toml");
    let file = SourceText { text, origin };
    if !is_manifest {
        let raw: RawConfig = toml::from_str(text).map_err(|error| file.toml_error(&error))?;
        return raw.validate(&file, "");
    }
    let manifest: RawManifest = toml::from_str(text).map_err(|error| file.toml_error(&error))?;
    let workspace = manifest.workspace.and_then(|table| table.metadata?.corral);
    let package = manifest.package.and_then(|table| table.metadata?.corral);
    match (workspace, package) {
        (Some(_), Some(_)) => Err(ConfigError::Ambiguous { path: origin.to_path_buf() }),
        (Some(raw), None) => raw.validate(&file, WORKSPACE_TABLE),
        (None, Some(raw)) => raw.validate(&file, PACKAGE_TABLE),
        (None, None) => Ok(Config::default()),
    }
}

/// The configuration as written, before it is checked.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    marker: Option<Spanned<String>>,
    #[serde(default)]
    include: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    tests: Option<TestsMode>,
    tracker_types: Option<Vec<Spanned<String>>>,
    helper: Option<Spanned<String>>,
    #[serde(default)]
    spawn: Vec<RawSpawn>,
    wrappers: Option<WrapperMode>,
    long_lived: Option<LongLivedMode>,
    #[serde(default)]
    long_lived_calls: Vec<String>,
    baseline: Option<PathBuf>,
    helper_crate: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum TestsMode {
    Skip,
    Include,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSpawn {
    path: Spanned<String>,
    template: Option<Spanned<String>>,
    argument: Option<Spanned<i64>>,
    task: Option<TaskKind>,
}

/// The part of a manifest corral reads; every other key is ignored.
#[derive(Debug, Deserialize)]
struct RawManifest {
    workspace: Option<MetadataHolder>,
    package: Option<MetadataHolder>,
}

#[derive(Debug, Deserialize)]
struct MetadataHolder {
    metadata: Option<CorralHolder>,
}

#[derive(Debug, Deserialize)]
struct CorralHolder {
    corral: Option<RawConfig>,
}

/// The text of a configuration file, to turn byte spans into messages.
struct SourceText<'a> {
    text: &'a str,
    origin: &'a Path,
}

impl SourceText<'_> {
    fn toml_error(&self, error: &toml::de::Error) -> ConfigError {
        let span = error.span();
        ConfigError::Invalid {
            path: self.origin.to_path_buf(),
            position: self.position(span.clone()),
            context: span.map(|span| self.context_at(span.start)).unwrap_or_default(),
            message: error.message().trim_end().to_string(),
        }
    }

    fn invalid(&self, span: Range<usize>, key: &str, table: &str, message: String) -> ConfigError {
        let context = if table.is_empty() { format!("{key}: ") } else { format!("{table} {key}: ") };
        ConfigError::Invalid {
            path: self.origin.to_path_buf(),
            position: self.position(Some(span)),
            context,
            message,
        }
    }

    fn position(&self, span: Option<Range<usize>>) -> Option<Position> {
        let before = &self.text[..span?.start.min(self.text.len())];
        let line_start = before.rfind('\n').map_or(0, |at| at + 1);
        Some(Position {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        })
    }

    /// The table header above `offset` and the key on its line, as a prefix
    /// for a message: `[[spawn]] path: `. toml's error does not say which key
    /// failed, so this reads it back from the text, as a user would.
    fn context_at(&self, offset: usize) -> String {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line_start = before.rfind('\n').map_or(0, |at| at + 1);
        let line_end = self.text[offset..].find('\n').map_or(self.text.len(), |at| offset + at);
        let line = &self.text[line_start..line_end];
        let header = before[..line_start]
            .lines()
            .rev()
            .map(str::trim)
            .find(|line| line.starts_with('['))
            .map(|line| line.split('#').next().unwrap_or(line).trim());
        // An error at the key itself (an unknown key) needs no key in front of
        // it; one at a value does.
        let key = line
            .split_once('=')
            .filter(|(key, _)| line_start + key.len() < offset)
            .map(|(key, _)| key.trim())
            .filter(|key| !key.is_empty() && !key.starts_with('['));
        match (header, key) {
            (Some(header), Some(key)) => format!("{header} {key}: "),
            (Some(header), None) => format!("{header} "),
            (None, Some(key)) => format!("{key}: "),
            (None, None) => String::new(),
        }
    }
}

impl RawConfig {
    fn validate(self, file: &SourceText<'_>, table: &str) -> Result<Config, ConfigError> {
        let defaults = Config::default();
        let marker = match self.marker {
            Some(marker) => {
                let span = marker.span();
                let marker = marker.into_inner();
                if marker.is_empty() || marker.chars().any(char::is_whitespace) {
                    return Err(file.invalid(
                        span,
                        "marker",
                        table,
                        format!("expected one word without spaces, found {marker:?}"),
                    ));
                }
                marker
            }
            None => defaults.marker,
        };
        let include = globs(self.include, "include", file, table)?;
        let exclude = globs(self.exclude, "exclude", file, table)?;
        let tracker_types = match self.tracker_types {
            Some(types) => types
                .into_iter()
                .map(|ty| {
                    let span = ty.span();
                    let ty = ty.into_inner();
                    if is_identifier(&ty) {
                        Ok(ty)
                    } else {
                        Err(file.invalid(
                            span,
                            "tracker-types",
                            table,
                            format!("expected a type name (one identifier), found {ty:?}"),
                        ))
                    }
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => defaults.tracker_types,
        };
        let helper = match self.helper {
            Some(helper) => {
                let span = helper.span();
                let helper = helper.into_inner();
                if path_segments(&helper).is_none() {
                    return Err(file.invalid(
                        span,
                        "helper",
                        table,
                        format!("expected a module path such as \"crate::tasks\", found {helper:?}"),
                    ));
                }
                helper
            }
            None => defaults.helper,
        };
        let mut seen = BTreeSet::new();
        let mut extra_spawns = Vec::with_capacity(self.spawn.len());
        let spawn_table = if table.is_empty() { "[[spawn]]".to_string() } else { format!("{table} spawn") };
        for spawn in self.spawn {
            let span = spawn.path.span();
            let written = spawn.path.into_inner();
            let Some(path) = path_segments(&written).filter(|path| path.len() >= 2) else {
                return Err(file.invalid(
                    span,
                    "path",
                    &spawn_table,
                    format!("expected the function's full path such as \"my_rt::spawn\", found {written:?}"),
                ));
            };
            if !seen.insert(written.clone()) {
                return Err(file.invalid(span, "path", &spawn_table, format!("{written:?} is listed twice")));
            }
            let template = match spawn.template {
                Some(template) => {
                    let span = template.span();
                    let template = template.into_inner();
                    if !template.contains("{args}") {
                        return Err(file.invalid(
                            span,
                            "template",
                            &spawn_table,
                            format!(
                                "expected the call's arguments as `{{args}}` somewhere in the template, found {template:?}"
                            ),
                        ));
                    }
                    Some(template)
                }
                None => None,
            };
            let argument = match spawn.argument {
                Some(argument) => {
                    let span = argument.span();
                    let value = *argument.get_ref();
                    if value < 1 {
                        return Err(file.invalid(
                            span,
                            "argument",
                            &spawn_table,
                            format!("expected the 1-based position of the task argument, found {value}"),
                        ));
                    }
                    if template.is_some() {
                        return Err(file.invalid(
                            span,
                            "argument",
                            &spawn_table,
                            "expected either `template` or `argument`, not both".to_string(),
                        ));
                    }
                    Some(value as usize)
                }
                None => None,
            };
            extra_spawns.push(ExtraSpawn { path, template, argument, task: spawn.task.unwrap_or_default() });
        }
        Ok(Config {
            marker,
            include,
            exclude,
            include_tests: matches!(self.tests, Some(TestsMode::Include)),
            tracker_types,
            helper,
            extra_spawns,
            wrappers: self.wrappers.unwrap_or_default(),
            long_lived: self.long_lived.unwrap_or_default(),
            long_lived_calls: self.long_lived_calls,
            baseline: self.baseline.map(|path| file.origin.parent().unwrap_or(Path::new("")).join(path)),
            helper_crate: self.helper_crate,
            source: Some(file.origin.to_path_buf()),
        })
    }
}

/// Checks that every glob compiles, with the same options discovery uses.
fn globs(
    written: Vec<Spanned<String>>,
    key: &str,
    file: &SourceText<'_>,
    table: &str,
) -> Result<Vec<String>, ConfigError> {
    written
        .into_iter()
        .map(|glob| {
            let span = glob.span();
            let glob = glob.into_inner();
            match GlobBuilder::new(&glob).literal_separator(true).build() {
                Ok(_) => Ok(glob),
                Err(error) => {
                    Err(file.invalid(span, key, table, format!("invalid glob {glob:?}: {}", error.kind())))
                }
            }
        })
        .collect()
}

/// Splits `a::b::c` into identifiers; `None` when a segment is not one.
fn path_segments(path: &str) -> Option<Vec<String>> {
    let segments: Vec<String> = path.split("::").map(str::to_string).collect();
    segments.iter().all(|segment| is_identifier(segment)).then_some(segments)
}

/// Whether `name` is a Rust identifier (raw identifiers included).
fn is_identifier(name: &str) -> bool {
    let name = name.strip_prefix("r#").unwrap_or(name);
    let mut chars = name.chars();
    match chars.next() {
        Some(first) if first == '_' || first.is_alphabetic() => {
            name != "_" && chars.all(|c| c == '_' || c.is_alphanumeric())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corral(text: &str) -> Result<Config, ConfigError> {
        parse_str(text, Path::new("corral.toml"))
    }

    fn manifest(text: &str) -> Result<Config, ConfigError> {
        parse_str(text, Path::new("Cargo.toml"))
    }

    fn error(result: Result<Config, ConfigError>) -> String {
        match result {
            Ok(config) => panic!("expected an error, got {config:?}"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn defaults_when_nothing_is_written() {
        let config = corral("").unwrap();
        assert_eq!(config, Config { source: Some(PathBuf::from("corral.toml")), ..Config::default() });
        assert_eq!(config.marker, "spawn-exempt");
        assert_eq!(config.tracker_types, ["TaskTracker"]);
        assert_eq!(config.helper, "crate::tasks");
        assert!(!config.include_tests);
        assert!(config.include.is_empty() && config.exclude.is_empty());
        assert!(config.extra_spawns.is_empty());
        assert_eq!(config.wrappers, WrapperMode::Body);
    }

    #[test]
    fn wrappers_and_task_take_known_words_only() {
        let message = error(corral("wrappers = \"both\""));
        assert!(
            message.contains("wrappers: unknown variant `both`, expected `body` or `callers`"),
            "{message}"
        );
        let message = error(corral("long-lived = \"ignore\""));
        assert!(
            message.contains("unknown variant `ignore`, expected one of `exempt`, `track`, `leave`"),
            "{message}"
        );
        let message = error(corral("[[spawn]]\npath = \"a::b\"\nargument = 1\ntask = \"thread\"\n"));
        assert!(message.contains("unknown variant `thread`, expected `future` or `closure`"), "{message}");
    }

    #[test]
    fn reads_every_key() {
        let config = corral(
            r#"
marker = "no-track"
include = ["src/**"]
exclude = ["generated/**"]
tests = "include"
tracker-types = ["TaskTracker", "Tracker"]
helper = "shared::tasks"
wrappers = "callers"
long-lived = "leave"

[[spawn]]
path = "my_rt::spawn_named"
template = "crate::tasks::spawn_named({args})"

[[spawn]]
path = "other::go"
argument = 1
task = "closure"
"#,
        )
        .unwrap();
        assert_eq!(config.marker, "no-track");
        assert_eq!(config.include, ["src/**"]);
        assert_eq!(config.exclude, ["generated/**"]);
        assert!(config.include_tests);
        assert_eq!(config.tracker_types, ["TaskTracker", "Tracker"]);
        assert_eq!(config.helper, "shared::tasks");
        assert_eq!(config.wrappers, WrapperMode::Callers);
        assert_eq!(config.long_lived, LongLivedMode::Leave);
        assert_eq!(
            config.extra_spawns,
            [
                ExtraSpawn {
                    path: vec!["my_rt".into(), "spawn_named".into()],
                    template: Some("crate::tasks::spawn_named({args})".into()),
                    argument: None,
                    task: TaskKind::Future,
                },
                ExtraSpawn {
                    path: vec!["other".into(), "go".into()],
                    template: None,
                    argument: Some(1),
                    task: TaskKind::Closure,
                },
            ]
        );
    }

    #[test]
    fn tests_skip_is_the_default_spelled_out() {
        assert!(!corral("tests = \"skip\"").unwrap().include_tests);
    }

    #[test]
    fn unknown_top_level_key_is_named() {
        let message = error(corral("marker = \"x\"\nfoo = 1\n"));
        assert!(message.starts_with("corral.toml:2:1: "), "{message}");
        assert!(message.contains("unknown field `foo`"), "{message}");
    }

    #[test]
    fn unknown_key_in_spawn_names_the_table_and_the_expected_keys() {
        let message = error(corral("[[spawn]]\npath = \"a::b\"\nfoo = 1\n"));
        assert_eq!(
            message,
            "corral.toml:3:1: [[spawn]] unknown field `foo`, expected one of `path`, `template`, `argument`, `task`"
        );
    }

    #[test]
    fn spawn_without_path_is_an_error() {
        let message = error(corral("[[spawn]]\ntemplate = \"x({args})\"\n"));
        assert!(message.starts_with("corral.toml:"), "{message}");
        assert!(message.contains("missing field `path`"), "{message}");
    }

    #[test]
    fn bad_tests_value_names_the_manifest_table_and_key() {
        let message =
            error(manifest("[package]\nname = \"x\"\n\n[workspace.metadata.corral]\ntests = \"maybe\"\n"));
        assert_eq!(
            message,
            "Cargo.toml:5:9: [workspace.metadata.corral] tests: unknown variant `maybe`, expected `skip` or `include`"
        );
    }

    #[test]
    fn wrong_type_names_the_key() {
        let message = error(corral("include = \"src/**\"\n"));
        assert!(message.starts_with("corral.toml:1:11: include: "), "{message}");
        assert!(message.contains("expected a sequence"), "{message}");
    }

    #[test]
    fn syntax_error_carries_the_path_and_position() {
        let message = error(corral("marker = \n"));
        assert!(message.starts_with("corral.toml:1:"), "{message}");
    }

    #[test]
    fn empty_marker_is_rejected() {
        assert_eq!(
            error(corral("marker = \"\"")),
            "corral.toml:1:10: marker: expected one word without spaces, found \"\""
        );
    }

    #[test]
    fn marker_with_spaces_is_rejected() {
        assert_eq!(
            error(corral("marker = \"spawn exempt\"")),
            "corral.toml:1:10: marker: expected one word without spaces, found \"spawn exempt\""
        );
    }

    #[test]
    fn invalid_glob_is_rejected() {
        let message = error(corral("exclude = [\"ok/**\", \"a[b\"]"));
        assert!(message.starts_with("corral.toml:1:21: exclude: invalid glob \"a[b\": "), "{message}");
    }

    #[test]
    fn spawn_path_must_be_identifiers() {
        assert_eq!(
            error(corral("[[spawn]]\npath = \"my-rt::spawn\"")),
            "corral.toml:2:8: [[spawn]] path: expected the function's full path such as \"my_rt::spawn\", found \"my-rt::spawn\""
        );
    }

    #[test]
    fn spawn_path_must_have_two_segments() {
        let message = error(corral("[[spawn]]\npath = \"spawn\""));
        assert!(message.contains("[[spawn]] path: expected"), "{message}");
    }

    #[test]
    fn spawn_path_listed_twice_is_rejected() {
        let message = error(corral("[[spawn]]\npath = \"a::go\"\n[[spawn]]\npath = \"a::go\"\n"));
        assert_eq!(message, "corral.toml:4:8: [[spawn]] path: \"a::go\" is listed twice");
    }

    #[test]
    fn template_without_args_is_rejected() {
        let message = error(corral("[[spawn]]\npath = \"a::go\"\ntemplate = \"crate::tasks::go()\"\n"));
        assert!(message.starts_with("corral.toml:3:12: [[spawn]] template: expected"), "{message}");
    }

    #[test]
    fn tracker_types_must_be_identifiers() {
        assert_eq!(
            error(corral("tracker-types = [\"Tracker\", \"\"]")),
            "corral.toml:1:29: tracker-types: expected a type name (one identifier), found \"\""
        );
        let message = error(corral("tracker-types = [\"tokio_util::TaskTracker\"]"));
        assert!(message.contains("tracker-types: expected"), "{message}");
    }

    #[test]
    fn helper_must_be_a_path() {
        let message = error(corral("helper = \"crate::\""));
        assert!(message.starts_with("corral.toml:1:10: helper: expected a module path"), "{message}");
    }

    #[test]
    fn package_metadata_is_read() {
        let config =
            manifest("[package]\nname = \"x\"\n[package.metadata.corral]\nmarker = \"free\"\n").unwrap();
        assert_eq!(config.marker, "free");
        assert_eq!(config.source, Some(PathBuf::from("Cargo.toml")));
    }

    #[test]
    fn package_metadata_error_names_the_table() {
        let message = error(manifest("[package]\nname = \"x\"\n[package.metadata.corral]\nmarker = \"\"\n"));
        assert_eq!(
            message,
            "Cargo.toml:4:10: [package.metadata.corral] marker: expected one word without spaces, found \"\""
        );
    }

    #[test]
    fn manifest_without_metadata_gives_defaults() {
        let config = manifest("[package]\nname = \"x\"\n[package.metadata.other]\nx = 1\n").unwrap();
        assert_eq!(config, Config::default());
    }

    #[test]
    fn both_metadata_tables_are_ambiguous() {
        let message = error(manifest(
            "[workspace.metadata.corral]\n[package]\nname = \"x\"\n[package.metadata.corral]\n",
        ));
        assert_eq!(
            message,
            "Cargo.toml: both [workspace.metadata.corral] and [package.metadata.corral] are set; keep only one"
        );
    }

    #[test]
    fn load_prefers_corral_toml_over_the_manifest() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[package]\nname = \"x\"\n[package.metadata.corral]\nmarker = \"from-manifest\"\n",
        )
        .unwrap();
        assert_eq!(load(dir.path()).unwrap().marker, "from-manifest");
        std::fs::write(dir.path().join(CONFIG_FILE), "marker = \"from-file\"\n").unwrap();
        let config = load(dir.path()).unwrap();
        assert_eq!(config.marker, "from-file");
        assert_eq!(config.source, Some(dir.path().join(CONFIG_FILE)));
    }

    #[test]
    fn load_without_files_gives_defaults() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()).unwrap(), Config::default());
    }

    #[test]
    fn load_error_carries_the_full_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "bogus = true\n").unwrap();
        let message = load(dir.path()).unwrap_err().to_string();
        let expected = format!("{}:1:1: ", dir.path().join(CONFIG_FILE).display());
        assert!(message.starts_with(&expected), "{message}");
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier("spawn_named"));
        assert!(is_identifier("_x"));
        assert!(is_identifier("r#type"));
        assert!(!is_identifier("_"));
        assert!(!is_identifier("1x"));
        assert!(!is_identifier("a-b"));
        assert!(!is_identifier(""));
    }
}
