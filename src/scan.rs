//! The `check` / `list` pipeline: discovered files in, sorted spawn sites out.
//!
//! Files are read and pre-filtered in parallel: a file whose code (its
//! comments and string literals aside) neither calls nor renames a name
//! holding a needle word (`spawn`, configured names) cannot hold a site
//! unless it uses an alias defined elsewhere, so it is not parsed. What a
//! site needs from such a file (a module's imports, the struct of a method's
//! `Self`) is asked for by resolution, and the file is parsed then. Once the
//! workspace's modules are known, the aliases they define (`pub use
//! tokio::spawn as go;`) become needles too, and the files that mention them
//! are scanned again.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::Config;
use crate::discover::{self, SourceFile, TargetKind, Workspace};
use crate::parse::syntax_edition;
use crate::parse::tokens::{Token, code_tokens};
use crate::resolve::catalogue::Catalogue;
use crate::resolve::table::{ModuleTable, unparsed_met_on_this_thread};
use crate::sites::classify::{Classifier, FileMeta};
use crate::sites::collect::{Candidate, FileFacts, FileInput, collect_file};
use crate::sites::lifetime::Lifetime;
use crate::sites::model::{Family, FileProblem, SpawnSite, Verdict};
use crate::sites::test_code::{
    DeclarationStep, ModuleDeclaration, TestGate, declaration_gate, module_declarations,
};

/// How many rounds of alias discovery run before the scan settles.
const MAX_ALIAS_ROUNDS: usize = 4;

/// The outcome of a scan: every site, sorted, and the files that had problems.
#[derive(Debug, Default)]
pub struct ScanResult {
    pub sites: Vec<SpawnSite>,
    pub problems: Vec<FileProblem>,
    pub files_read: usize,
    pub files_parsed: usize,
}

/// Finds and classifies every spawn site of a discovered workspace.
pub fn scan(workspace: &Workspace, config: &Config) -> ScanResult {
    scan_with(workspace, config, &Forced::default())
}

/// What the semantic tier resolved, for the scan to honour.
#[derive(Debug, Clone, Default)]
pub struct Forced {
    /// Callee names to collect calls of (a spawn renamed where the syntax tier cannot see).
    pub names: Vec<String>,
    /// By file index and call range: the family of a spawn, or `None` for a call that
    /// starts no task. They decide where the syntax tier found no site or skipped one.
    pub calls: HashMap<(usize, u32, u32), Option<Family>>,
    /// By file index and call range: how long a spawn's task runs, read through the function
    /// it hands its run to in another file. They replace only a lifetime the syntax tier left
    /// undecided.
    pub lifetimes: HashMap<(usize, u32, u32), Lifetime>,
    /// The files the semantic tier walked: a site skipped in one of them was beyond both tiers.
    pub analysed: HashSet<usize>,
}

/// `scan`, with the semantic tier's resolutions.
pub fn scan_with(workspace: &Workspace, config: &Config, forced: &Forced) -> ScanResult {
    let extra: Vec<Vec<String>> = config.extra_spawns.iter().map(|s| s.path.clone()).collect();
    let catalogue = Catalogue::new(&extra, &config.tracker_types);
    let modules: Vec<Vec<String>> = workspace.files.iter().map(|file| module_path(workspace, file)).collect();

    let mut needles: Vec<String> = catalogue.needles().to_vec();
    let renamed: Vec<String> =
        forced.names.iter().filter(|n| !needles.iter().any(|k| n.contains(k.as_str()))).cloned().collect();
    needles.extend(renamed);
    let mut facts: Vec<Option<FileFacts>> = vec![None; workspace.files.len()];
    let mut problems: Vec<Option<FileProblem>> = vec![None; workspace.files.len()];
    let mut table = ModuleTable::default();
    for module in &modules {
        if let Some(key) = module.first() {
            table.declare_crate(key);
        }
        table.declare_file_module(module);
    }

    // Round one reads every file; later rounds only look for new aliases.
    let mut new_words: Vec<String> = needles.clone();
    let mut known_aliases: HashSet<String> = HashSet::new();
    for _ in 0..MAX_ALIAS_ROUNDS {
        // A file parsed in an earlier round is parsed again: a new alias may be called in it.
        let all: Vec<usize> = (0..workspace.files.len()).collect();
        let round = read_and_collect(workspace, &modules, &all, Some(&new_words), &needles, config);
        let recording = Instant::now();
        record(round, &mut table, &mut facts, &mut problems);
        report_stage("record", recording, "");
        let aliasing = Instant::now();
        let aliases: Vec<String> = table
            .spawn_aliases(&catalogue)
            .into_iter()
            .map(|(name, _)| name)
            .filter(|name| {
                !needles.iter().any(|n| name.contains(n.as_str())) && known_aliases.insert(name.clone())
            })
            .collect();
        // Looking for aliases resolves every import of every parsed module, and so
        // runs into modules the pre-filter skipped. Those only matter to classification,
        // which asks for the ones it needs itself, so they are not parsed for this.
        table.take_unparsed_hits();
        report_stage("alias search", aliasing, &format!("new aliases: {aliases:?}"));
        if aliases.is_empty() {
            break;
        }
        needles.extend(aliases.iter().cloned());
        new_words = aliases;
    }

    // Classification may need modules whose files the pre-filter skipped (one that
    // only writes `use tokio::task;`): parse those and classify again.
    let classifying = Instant::now();
    let mut gates = DeclaredGates::default();
    gates.read_for(workspace, &facts);
    let mut classified =
        classify(workspace, &table, &catalogue, &facts, &gates, config, forced, &|_, _| true);
    report_stage("classify", classifying, &format!("{} candidates", classified.len()));
    // Until no resolution asks for a module it has not got: each round parses at
    // least one more file, so this ends. A bound would leave the paths that go
    // through more modules than it allows resolved to nothing, silently.
    loop {
        let wanted = table.take_unparsed_hits();
        let indices: Vec<usize> = (0..workspace.files.len())
            .filter(|&i| facts[i].is_none() && problems[i].is_none() && wanted.contains(&modules[i]))
            .collect();
        if indices.is_empty() {
            break;
        }
        let round = read_and_collect(workspace, &modules, &indices, None, &needles, config);
        record(round, &mut table, &mut facts, &mut problems);
        gates.read_for(workspace, &facts);
        let classifying = Instant::now();
        // Only what the new files can change: the candidates whose resolution met an
        // unparsed module, and the new files' own.
        let again: HashSet<(usize, u32, u32)> =
            classified.iter().filter(|c| c.provisional).map(|c| c.key).collect();
        let new_files: HashSet<usize> = indices.iter().copied().collect();
        let redo = |index: usize, candidate: &Candidate| {
            new_files.contains(&index) || again.contains(&(index, candidate.start, candidate.end))
        };
        classified.retain(|c| !again.contains(&c.key));
        classified.extend(classify(workspace, &table, &catalogue, &facts, &gates, config, forced, &redo));
        report_stage(
            "classify again",
            classifying,
            &format!("{} demanded files, {} candidates again", indices.len(), again.len()),
        );
    }
    let mut sites: Vec<SpawnSite> = classified.into_iter().filter_map(|c| c.site).collect();
    let reported = |index: usize| !workspace.files[index].context_only;
    let context_only: HashSet<&str> =
        workspace.files.iter().filter(|f| f.context_only).map(|f| f.display.as_str()).collect();
    let parsed: Vec<(usize, FileFacts)> =
        facts.into_iter().enumerate().filter_map(|(i, f)| f.map(|f| (i, f))).collect();
    // Files of members outside the scanned folder only lend their names.
    sites.retain(|site| !context_only.contains(site.path.as_str()));
    sites.sort_by(|a, b| (&a.path, a.start, a.end).cmp(&(&b.path, b.start, b.end)));
    sites.dedup_by(|a, b| a.path == b.path && a.start == b.start && a.end == b.end);

    let mut all_problems: Vec<FileProblem> = workspace.problems.clone();
    all_problems.extend(problems.into_iter().enumerate().filter_map(|(i, p)| p.filter(|_| reported(i))));
    for (index, found) in parsed.iter().filter(|(index, _)| reported(*index)) {
        let (quoted, count) = &found.syntax_errors;
        if *count > 0 {
            let more = if *count > quoted.len() {
                format!(" (and {} more)", count - quoted.len())
            } else {
                String::new()
            };
            all_problems.push(FileProblem {
                path: workspace.files[*index].display.clone().into(),
                message: format!(
                    "syntax error at {}{more}; sites in the rest of the file are still reported",
                    quoted.join(", ")
                ),
            });
        }
    }
    all_problems.sort_by(|a, b| a.path.cmp(&b.path));
    ScanResult {
        sites,
        problems: all_problems,
        files_read: workspace.files.len(),
        files_parsed: parsed.len(),
    }
}

/// A skip reason the syntax tier gave for a receiver it could not type, in a file the
/// semantic tier walked without resolving the call either: it names both tiers.
fn both_tiers_failed(reason: &str) -> String {
    match reason
        .strip_prefix("the type of ")
        .and_then(|r| r.strip_suffix(" is not visible to the syntax tier"))
    {
        Some(what) => format!("neither tier could type {what}"),
        None => match reason.strip_suffix(" from the syntax tier") {
            Some(hides) => format!("{hides} from both tiers"),
            None => reason.to_string(),
        },
    }
}

/// The `cfg` gates on the `mod` declarations that bring each file with candidate calls
/// into its crate (`#[cfg(test)] mod tests;` makes `tests.rs` test code), by file index.
///
/// Read by walking the module path from the target's root file down, through inline
/// modules and out-of-line declarations, reading each file on the way (open buffers
/// first). Only files with candidates are asked about, so only their ancestors are read.
#[derive(Default)]
struct DeclaredGates {
    by_file: HashMap<usize, Option<TestGate>>,
    /// The ancestors read so far, kept across demand rounds.
    declarations: Declarations,
}

impl DeclaredGates {
    fn get(&self, index: usize) -> Option<&TestGate> {
        self.by_file.get(&index).and_then(Option::as_ref)
    }

    /// Reads the gates of the parsed files with candidates that have none yet.
    fn read_for(&mut self, workspace: &Workspace, facts: &[Option<FileFacts>]) {
        let wanted: Vec<usize> = (facts.iter().enumerate())
            .filter(|(index, found)| {
                found.as_ref().is_some_and(|f| !f.candidates.is_empty()) && !self.by_file.contains_key(index)
            })
            .map(|(index, _)| index)
            .collect();
        if wanted.is_empty() {
            return;
        }
        let by_module: HashMap<(usize, usize, &[String]), &SourceFile> = (workspace.files.iter())
            .filter_map(|f| Some(((f.package?, f.target?, f.module_path.as_slice()), f)))
            .collect();
        // Each ancestor is read and parsed once, however many of its descendants ask.
        let declarations = &self.declarations;
        let found: Vec<(usize, Option<TestGate>)> = wanted
            .par_iter()
            .map(|&index| {
                (index, declared_gate(workspace, &workspace.files[index], &by_module, declarations))
            })
            .collect();
        self.by_file.extend(found);
    }
}

/// The `mod` items of the files read for gates, by path (`None`: unreadable).
#[derive(Default)]
struct Declarations {
    parsed: std::sync::Mutex<HashMap<std::path::PathBuf, Option<std::sync::Arc<Vec<ModuleDeclaration>>>>>,
    without_test: std::sync::Mutex<HashSet<std::path::PathBuf>>,
}

impl Declarations {
    /// The declarations of the file at `path`; with `parse_always` unset, an empty list
    /// for a file whose text never says `test` (no gate of it can name tests), and the walk
    /// takes each module to be a file of its own there.
    fn of(
        &self,
        workspace: &Workspace,
        path: &std::path::Path,
        edition: discover::Edition,
        parse_always: bool,
    ) -> Option<Holder> {
        if let Some(known) = self.parsed.lock().ok().and_then(|known| known.get(path).cloned()) {
            return known.map(Holder::Parsed);
        }
        if !parse_always && self.without_test.lock().is_ok_and(|known| known.contains(path)) {
            return Some(Holder::NoTest);
        }
        let text = match workspace.overlay.get(path) {
            Some(text) => Some(text.clone()),
            None => discover::read_source(path).ok(),
        };
        if !parse_always && text.as_deref().is_some_and(|text| !text.contains("test")) {
            if let Ok(mut known) = self.without_test.lock() {
                known.insert(path.to_path_buf());
            }
            return Some(Holder::NoTest);
        }
        let declarations = text.map(|text| {
            // Function bodies declare no module of the crate: blanked, they cost no tree.
            let blanked = crate::parse::bodies::blank_unread_bodies(&text, &code_tokens(&text), &[]);
            std::sync::Arc::new(module_declarations(&blanked, syntax_edition(edition)))
        });
        if let Ok(mut known) = self.parsed.lock() {
            known.insert(path.to_path_buf(), declarations.clone());
        }
        declarations.map(Holder::Parsed)
    }
}

/// A file on a module's way down, as the gate walk needs it.
enum Holder {
    Parsed(std::sync::Arc<Vec<ModuleDeclaration>>),
    /// Its text never says `test`: no gate here.
    NoTest,
}

/// The gate of one file: see [`DeclaredGates`]. A file whose declaration is not found
/// (outside the module tree, behind `#[path]`) has none.
fn declared_gate(
    workspace: &Workspace,
    file: &SourceFile,
    by_module: &HashMap<(usize, usize, &[String]), &SourceFile>,
    declarations: &Declarations,
) -> Option<TestGate> {
    let (package, target) = (file.package?, file.target?);
    let root = &workspace.packages[package].targets[target].root;
    let segments = &file.module_path;
    if segments.is_empty() || &file.path == root {
        return None;
    }
    let mut holder_path = root.clone();
    let mut holder = declarations.of(workspace, root, file.edition, false)?;
    let mut start = 0;
    let mut gate: Option<TestGate> = None;
    loop {
        let step = match &holder {
            Holder::Parsed(parsed) => declaration_gate(parsed, &segments[start..]),
            // The next module is taken for a file of its own; when it is not one (an inline
            // module), the file is parsed after all.
            Holder::NoTest if by_module.contains_key(&(package, target, &segments[..start + 1])) => {
                DeclarationStep { gate: None, declared: Some(1), continues_in_file: true }
            }
            Holder::NoTest => match declarations.of(workspace, &holder_path, file.edition, true)? {
                Holder::Parsed(parsed) => declaration_gate(&parsed, &segments[start..]),
                Holder::NoTest => return gate,
            },
        };
        gate = TestGate::stronger(gate, step.gate);
        let next = start + step.declared?;
        if !step.continues_in_file || next >= segments.len() {
            return gate;
        }
        let file = by_module.get(&(package, target, &segments[..next]))?;
        holder = declarations.of(workspace, &file.path, file.edition, false)?;
        holder_path = file.path.clone();
        start = next;
    }
}

thread_local! {
    /// The bytes of the file a thread is reading.
    static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Reads and collects the files at `indices`; with `words`, a file that holds
/// none of them is left unparsed (`Ok(None)`).
fn read_and_collect(
    workspace: &Workspace,
    modules: &[Vec<String>],
    indices: &[usize],
    words: Option<&[String]>,
    needles: &[String],
    config: &Config,
) -> Vec<(usize, Result<Option<FileFacts>, FileProblem>)> {
    let started = Instant::now();
    let (read, filtered, parsed) = (Spent::default(), Spent::default(), Spent::default());
    let round = indices
        .par_iter()
        .map(|&index| {
            let file = &workspace.files[index];
            let reading = Instant::now();
            // Most files are read only to be skipped: they are read into a buffer each
            // thread reuses, and only a file that is parsed gets its own copy.
            let text = BUFFER.with_borrow_mut(|buffer| {
                let text = match workspace.overlay.get(&file.path) {
                    Some(text) => text.as_str(),
                    None => discover::read_source_into(&file.path, buffer)?,
                };
                read.add(reading);
                let filtering = Instant::now();
                // A word in comments or strings only (`//! see tokio::spawn`), or only in
                // definitions and type names, is no call either. The tokens lexed for that
                // serve the parse too.
                let kept = match words {
                    None => Some(None),
                    Some(words) if !crate::parse::holds_any_word(text, words) => None,
                    Some(words) => {
                        let tokens = code_tokens(text);
                        crate::parse::calls_in_tokens(text, &tokens, words).then_some(Some(tokens))
                    }
                };
                filtered.add(filtering);
                Ok(kept.map(|tokens| (text.to_string(), tokens)))
            });
            let (text, tokens) = match text {
                Ok(Some(kept)) => kept,
                Ok(None) => return (index, Ok(None)),
                Err(problem) => {
                    return (index, Err(FileProblem { path: file.display.clone().into(), ..problem }));
                }
            };
            let parsing = Instant::now();
            let key = workspace.facts_cache.as_ref().map(|_| {
                let mut hasher = std::hash::DefaultHasher::new();
                (
                    &text,
                    &modules[index],
                    needles,
                    &config.marker,
                    &config.tracker_types,
                    &config.long_lived_calls,
                    file.edition,
                )
                    .hash(&mut hasher);
                hasher.finish()
            });
            let cached =
                workspace.facts_cache.as_ref().zip(key).and_then(|(cache, key)| cache.get(&file.path, key));
            let found = cached.unwrap_or_else(|| {
                let found = collect_text(&text, tokens.as_deref(), file, &modules[index], needles, config);
                if let Some((cache, key)) = workspace.facts_cache.as_ref().zip(key) {
                    cache.put(&file.path, key, &found);
                }
                found
            });
            parsed.add(parsing);
            (index, Ok(Some(found)))
        })
        .collect();
    report_stage(
        "read, pre-filter, collect",
        started,
        &[read.describe("read"), filtered.describe("pre-filter"), parsed.describe("collect")].join("; "),
    );
    round
}

/// The facts of one file's text.
fn collect_text(
    text: &str,
    tokens: Option<&[Token]>,
    file: &SourceFile,
    module: &[String],
    needles: &[String],
    config: &Config,
) -> FileFacts {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let input = FileInput {
        text: &text[bom..],
        edition: syntax_edition(file.edition),
        module,
        needles,
        marker: &config.marker,
        tracker_types: &config.tracker_types,
        // The tokens' offsets count from the byte order mark.
        tokens: tokens.filter(|_| bom == 0),
        long_lived_calls: &config.long_lived_calls,
    };
    let mut found = collect_file(input);
    // corral's own helper is where tracked spawns start: its names count, its calls are no sites.
    if text[bom..].starts_with(crate::rewrite::helper::HEADER) {
        found.candidates.clear();
        found.is_helper = true;
    }
    shift_offsets(&mut found, bom as u32);
    found
}

/// The facts of files parsed before, for a client that scans the same
/// workspace again and again (the language server, on every keystroke): a
/// file whose text and scan inputs are unchanged is not parsed again.
#[derive(Debug, Default)]
pub struct FactsCache(std::sync::Mutex<HashMap<std::path::PathBuf, (u64, FileFacts)>>);

impl FactsCache {
    fn get(&self, path: &std::path::Path, key: u64) -> Option<FileFacts> {
        let cache = self.0.lock().ok()?;
        cache.get(path).filter(|(known, _)| *known == key).map(|(_, facts)| facts.clone())
    }

    fn put(&self, path: &std::path::Path, key: u64, facts: &FileFacts) {
        if let Ok(mut cache) = self.0.lock() {
            cache.insert(path.to_path_buf(), (key, facts.clone()));
        }
    }
}

/// Stores one round's facts and problems, and the modules they bind.
fn record(
    round: Vec<(usize, Result<Option<FileFacts>, FileProblem>)>,
    table: &mut ModuleTable,
    facts: &mut [Option<FileFacts>],
    problems: &mut [Option<FileProblem>],
) {
    for (index, outcome) in round {
        match outcome {
            Ok(Some(found)) => {
                for (path, names) in &found.modules {
                    table.insert(path.clone(), names.clone());
                }
                facts[index] = Some(found);
            }
            Ok(None) => {}
            Err(problem) => problems[index] = Some(problem),
        }
    }
}

/// One candidate call, classified.
struct Classified {
    /// File index and the call's range.
    key: (usize, u32, u32),
    /// `None`: not a spawn.
    site: Option<SpawnSite>,
    /// Its resolution met a module whose file is not parsed yet: once that
    /// file is, it is classified again. (Counted on the thread that classifies
    /// it, before and after: classifying a candidate runs nothing in parallel.)
    provisional: bool,
}

/// The candidates of the parsed files that `wanted` picks (by file index),
/// classified through the table as it stands.
#[allow(clippy::too_many_arguments)]
fn classify(
    workspace: &Workspace,
    table: &ModuleTable,
    catalogue: &Catalogue,
    facts: &[Option<FileFacts>],
    gates: &DeclaredGates,
    config: &Config,
    forced: &Forced,
    wanted: &(dyn Fn(usize, &Candidate) -> bool + Sync),
) -> Vec<Classified> {
    let parsed: Vec<(usize, &FileFacts)> =
        facts.iter().enumerate().filter_map(|(i, f)| f.as_ref().map(|f| (i, f))).collect();
    let classifier = Classifier::new(
        table,
        catalogue,
        parsed.iter().map(|(_, f)| *f),
        &config.helper,
        config.include_tests,
        config
            .extra_spawns
            .iter()
            .filter(|spawn| spawn.argument.is_some())
            .map(|spawn| spawn.path.clone())
            .collect(),
    );
    parsed
        .par_iter()
        .flat_map_iter(|(index, found)| {
            let file = &workspace.files[*index];
            let meta = FileMeta {
                display: &file.display,
                package: file.package.map(|p| workspace.packages[p].name.as_str()),
                in_test_dir: file.in_test_dir,
                declared: gates.get(*index),
                crate_for_tests: file.package.and_then(|p| workspace.packages[p].only_for_tests.as_deref()),
            };
            let classifier = &classifier;
            found
                .candidates
                .iter()
                .filter(move |c| wanted(*index, c))
                .map(move |c| {
                    let key = (*index, c.start, c.end);
                    let met_before = unparsed_met_on_this_thread();
                    let site = classifier.classify(found, c, meta);
                    let mut site = match forced.calls.get(&key) {
                        Some(resolved)
                            if site.as_ref().is_none_or(|s| matches!(s.verdict, Verdict::Skipped { .. })) =>
                        {
                            classifier.classify_as(found, c, meta, Some(resolved.clone()))
                        }
                        _ => site,
                    };
                    if let Some(site) = &mut site
                        && let Verdict::Skipped { reason } = &mut site.verdict
                        && forced.analysed.contains(index)
                    {
                        *reason = both_tiers_failed(reason);
                    }
                    if let Some(site) = &mut site
                        && let Some(lifetime) = forced.lifetimes.get(&key)
                        && site.lifetime.as_ref().is_some_and(|l| l.undecided)
                    {
                        site.lifetime = Some(lifetime.clone());
                    }
                    Classified { key, site, provisional: unparsed_met_on_this_thread() != met_before }
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The absolute module path of a file: its crate key, then its modules.
///
/// A library's key is its crate name, which is how other members write it;
/// other targets get a key no path can spell, so they never collide with it.
fn module_path(workspace: &Workspace, file: &SourceFile) -> Vec<String> {
    let key = match (file.package, file.target) {
        (Some(package), Some(target)) => {
            let target = &workspace.packages[package].targets[target];
            match target.kind {
                TargetKind::Lib => target.name.clone(),
                kind => format!("{kind:?}#{}", target.name),
            }
        }
        (Some(package), None) => format!("#{}", workspace.packages[package].name),
        _ => format!("#{}", file.display),
    };
    std::iter::once(key).chain(file.module_path.iter().cloned()).collect()
}

/// Moves every offset of a file's facts by `by` bytes (the BOM the parser did not see).
fn shift_offsets(facts: &mut FileFacts, by: u32) {
    if by == 0 {
        return;
    }
    for candidate in &mut facts.candidates {
        candidate.start += by;
        candidate.end += by;
        candidate.callee_start += by;
        candidate.callee_end += by;
        for enclosing in &mut candidate.context.enclosing {
            enclosing.start += by;
            enclosing.end += by;
            enclosing.statement_start = enclosing.statement_start.map(|s| s + by);
        }
        candidate.context.statement_start = candidate.context.statement_start.map(|s| s + by);
        candidate.context.anchor.0 += by;
        candidate.context.anchor.1 += by;
    }
}

/// Whether `CORRAL_TIMINGS` asks for the time of each stage on stderr.
pub(crate) fn timings_wanted() -> bool {
    static WANTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WANTED.get_or_init(|| std::env::var_os("CORRAL_TIMINGS").is_some_and(|v| !v.is_empty()))
}

/// Prints how long a stage took, when `CORRAL_TIMINGS` is set.
pub(crate) fn report_stage(stage: &str, since: Instant, detail: &str) {
    if timings_wanted() {
        eprintln!("timing: {stage:<28} {:>9.3} ms  {detail}", since.elapsed().as_secs_f64() * 1e3);
    }
}

/// Time spent by all threads in one part of a parallel stage.
#[derive(Default)]
struct Spent {
    nanos: AtomicU64,
    count: AtomicUsize,
}

impl Spent {
    fn add(&self, since: Instant) {
        if timings_wanted() {
            self.nanos.fetch_add(since.elapsed().as_nanos() as u64, Ordering::Relaxed);
            self.count.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn describe(&self, what: &str) -> String {
        let spent = Duration::from_nanos(self.nanos.load(Ordering::Relaxed));
        format!(
            "{what}: {} files, {:.3} ms of thread time",
            self.count.load(Ordering::Relaxed),
            spent.as_secs_f64() * 1e3
        )
    }
}
