//! The workspace stage: each candidate call, resolved through the module
//! table, becomes a spawn site with one verdict, or is dropped as a look-alike.

use std::collections::HashMap;

use super::collect::{CallShape, Candidate, Field, FileFacts, Holding, Marker, StructFields, TypeTraits};
use super::model::{Capture, Family, MethodContext, SiteContext, SpawnSite, Verdict};
use super::receiver::{Receiver, ReceiverRoot};
use super::test_code::TestGate;
use crate::resolve::catalogue::{Catalogue, MakeFamily, ValueKind, method_family, method_result};
use crate::resolve::path::WrittenPath;
use crate::resolve::scope::Names;
use crate::resolve::table::{ModuleTable, Place, Resolution};

/// The helper functions corral's own global helper module provides.
const HELPER_FUNCTIONS: &[(&str, MakeFamily)] = &[
    ("spawn", || Family::TokioSpawn),
    ("spawn_blocking", || Family::TokioSpawnBlocking),
    ("spawn_local", || Family::TokioSpawnLocal),
    ("spawn_thread", || Family::StdThreadSpawn),
];

/// Names a bare call to which is worth a "skipped" verdict when it cannot be resolved.
const SPAWN_LEAVES: &[&str] = &["spawn", "spawn_blocking", "spawn_local"];

/// What a file is, beyond its facts.
#[derive(Debug, Clone, Copy)]
pub struct FileMeta<'a> {
    pub display: &'a str,
    pub package: Option<&'a str>,
    pub in_test_dir: bool,
    /// The `cfg` gate on the `mod` declarations that bring the file in (see `test_code`).
    pub declared: Option<&'a TestGate>,
    /// Set when only other members' tests depend on the file's crate: why.
    pub crate_for_tests: Option<&'a str>,
}

/// Everything classification reads, built once for the workspace.
pub struct Classifier<'a> {
    pub table: &'a ModuleTable,
    pub catalogue: &'a Catalogue,
    /// Structs by crate key and name.
    pub structs: HashMap<(String, String), &'a StructFields>,
    /// Structs by absolute path (module, then name), what a field's type resolves to.
    pub structs_at: HashMap<Vec<String>, &'a StructFields>,
    /// Wrappers whose callers are converted (`[[spawn]] argument`): their bodies are exempt.
    pub wrapped_by_callers: Vec<Vec<String>>,
    /// What the workspace's types derive or implement of `Clone` / `Copy`, by crate and name.
    pub type_traits: HashMap<(String, String), TypeTraits>,
    /// The global helper's path as configured (`crate::tasks`).
    pub helper: Vec<String>,
    /// Modules whose file is a helper corral generated (whatever its name: `corral_tasks`
    /// when the crate had a `tasks` of its own).
    pub helper_modules: Vec<Vec<String>>,
    /// Whether the user set the helper path (else only corral's own helper counts).
    pub helper_configured: bool,
    pub include_tests: bool,
}

/// Families whose rewrite wraps the spawned argument rather than changing the callee.
fn wraps_its_argument(family: &Family) -> bool {
    matches!(
        family,
        Family::StdThreadSpawn
            | Family::StdThreadBuilder
            | Family::RuntimeSpawn
            | Family::LocalSetSpawn
            | Family::RuntimeSpawnBlocking
            | Family::TokioBuilder { .. }
            | Family::AsyncStd { .. }
            | Family::SmolSpawn
    )
}

fn is_tracking_wrapper(candidate: &Candidate) -> bool {
    matches!(candidate.first_arg_callee.as_deref(), Some("track_thread" | "track_future"))
}

/// What a candidate turned out to be.
enum Outcome {
    Site(Family),
    Tracked(Family),
    Unresolved(String),
    NotASpawn,
}

impl<'a> Classifier<'a> {
    pub fn new(
        table: &'a ModuleTable,
        catalogue: &'a Catalogue,
        files: impl Iterator<Item = &'a FileFacts>,
        helper: &str,
        include_tests: bool,
        wrapped_by_callers: Vec<Vec<String>>,
    ) -> Classifier<'a> {
        let mut structs = HashMap::new();
        let mut structs_at = HashMap::new();
        let mut type_traits: HashMap<(String, String), TypeTraits> = HashMap::new();
        let mut helper_modules = Vec::new();
        for facts in files {
            if facts.is_helper {
                helper_modules.extend(facts.modules.first().map(|(path, _)| path.clone()));
            }
            for fields in &facts.structs {
                let key = (fields.module.first().cloned().unwrap_or_default(), fields.name.clone());
                structs.entry(key).or_insert(fields);
                let mut path = fields.module.clone();
                path.push(fields.name.clone());
                structs_at.entry(path).or_insert(fields);
            }
            for traits in &facts.type_traits {
                let key = (traits.module.first().cloned().unwrap_or_default(), traits.name.clone());
                let known = type_traits.entry(key).or_default();
                known.clone |= traits.clone;
                known.copy |= traits.copy;
                known.defined |= traits.defined;
            }
        }
        let helper_configured = helper != crate::config::Config::default().helper;
        let helper = helper.split("::").map(str::to_string).collect();
        Classifier {
            table,
            catalogue,
            structs,
            structs_at,
            wrapped_by_callers,
            type_traits,
            helper,
            helper_configured,
            helper_modules,
            include_tests,
        }
    }

    /// The site a candidate is, or `None` for a call that starts no task.
    pub fn classify(&self, facts: &FileFacts, candidate: &Candidate, file: FileMeta) -> Option<SpawnSite> {
        self.classify_as(facts, candidate, file, None)
    }

    /// Like `classify`, with what the semantic tier resolved the call to, when it
    /// did: `Some(Some(family))` a spawn, `Some(None)` no spawn at all.
    pub fn classify_as(
        &self,
        facts: &FileFacts,
        candidate: &Candidate,
        file: FileMeta,
        resolved: Option<Option<Family>>,
    ) -> Option<SpawnSite> {
        let blocks: Vec<&Names> = candidate.blocks.iter().map(|&i| &facts.blocks[i]).collect();
        let place = Place { module: &candidate.module, blocks: &blocks };
        self.ask_for_self_struct(place, candidate);
        let outcome = match (resolved, &candidate.shape) {
            (Some(Some(family)), _) => Outcome::Site(family),
            (Some(None), _) => Outcome::NotASpawn,
            (None, CallShape::Path(path)) => self.path_call(place, path),
            (None, CallShape::Method { name, receiver }) => {
                self.method_call(place, candidate, name, receiver)
            }
        };
        // `spawn(crate::tasks::track_thread(..))`, `spawn(tracker.track_future(..))`: tracked already.
        let outcome = match outcome {
            Outcome::Site(family) if wraps_its_argument(&family) && is_tracking_wrapper(candidate) => {
                Outcome::Tracked(family)
            }
            Outcome::Site(family @ Family::Custom { .. }) if candidate.wraps_an_argument => {
                Outcome::Tracked(family)
            }
            other => other,
        };
        let in_test = candidate.context.in_test_code
            || file.in_test_dir
            || file.declared.is_some_and(TestGate::is_test);
        let (family, verdict) = match outcome {
            Outcome::NotASpawn => return None,
            Outcome::Tracked(family) => (family, Verdict::AlreadyTracked),
            Outcome::Site(family) if in_test && !self.include_tests => (family, Verdict::TestCode),
            Outcome::Unresolved(_) if in_test && !self.include_tests => {
                (Family::Unresolved, Verdict::TestCode)
            }
            outcome => {
                let (family, skipped) = match outcome {
                    Outcome::Site(family) => (family, None),
                    Outcome::Unresolved(reason) => (Family::Unresolved, Some(reason)),
                    _ => unreachable!("handled above"),
                };
                let verdict = match (&candidate.marker, skipped) {
                    (Marker::Reason(reason), _) => Verdict::Exempt { reason: reason.clone() },
                    (Marker::Empty, _) => Verdict::ExemptWithoutReason,
                    (Marker::None, Some(reason)) => Verdict::Skipped { reason },
                    (Marker::None, None) => match self.wrapper_call(candidate) {
                        Some((path, _)) if self.wrapped_by_callers.contains(&path) => Verdict::Exempt {
                            reason: format!(
                                "spawn wrapper `{}`: its callers' tasks are tracked instead",
                                path.join("::")
                            ),
                        },
                        _ => Verdict::Bare,
                    },
                };
                (family, verdict)
            }
        };
        Some(SpawnSite {
            path: file.display.to_string(),
            package: file.package.map(str::to_string),
            line: candidate.line,
            column: candidate.column,
            start: candidate.start,
            end: candidate.end,
            callee_start: candidate.callee_start,
            callee_end: candidate.callee_end,
            written_as: candidate.written_as.clone(),
            family,
            verdict,
            handle: candidate.handle,
            in_test,
            context: SiteContext {
                test_support: (candidate.context.test_support.clone())
                    .or_else(|| {
                        file.declared.filter(|gate| !gate.is_test()).map(|gate| gate.why().to_string())
                    })
                    .or_else(|| file.crate_for_tests.map(str::to_string))
                    .filter(|_| !in_test),
                ..self.site_context(candidate)
            },
            source_line: candidate.source_line.clone(),
            lifetime: candidate.lifetime.clone(),
        })
    }

    /// A method's `Self` struct defined in a file the pre-filter skipped (one that
    /// declares `tracker: TaskTracker` but never names a spawn) is unknown until
    /// that file is parsed: resolving the impl's type records the module it
    /// names, the scan parses its file and classifies again.
    fn ask_for_self_struct(&self, place: Place, candidate: &Candidate) {
        let Some(method) = &candidate.context.method else { return };
        let key = (candidate.module.first().cloned().unwrap_or_default(), method.self_name.clone());
        if self.structs.contains_key(&key) {
            return;
        }
        if let Some(written) = WrittenPath::from_type_text(&method.self_type) {
            let _ = self.table.resolve(self.catalogue, place, &written);
        }
    }

    fn path_call(&self, place: Place, path: &WrittenPath) -> Outcome {
        match self.table.resolve(self.catalogue, place, path) {
            Resolution::External(absolute) | Resolution::Defined(absolute) => {
                if let Some(family) = self.helper_function(&absolute) {
                    return Outcome::Tracked(family);
                }
                match self.catalogue.function(&absolute) {
                    Some(family) => Outcome::Site(family),
                    None => Outcome::NotASpawn,
                }
            }
            Resolution::Local | Resolution::Missing => Outcome::NotASpawn,
            Resolution::Unknown(reason) => {
                let leaf = path.last();
                let spawn_like = SPAWN_LEAVES.contains(&leaf)
                    || self.catalogue.needles().iter().skip(1).any(|n| n == leaf);
                if spawn_like { Outcome::Unresolved(reason) } else { Outcome::NotASpawn }
            }
        }
    }

    /// The family of a call to the configured global helper (`crate::tasks::spawn`).
    fn helper_function(&self, absolute: &[String]) -> Option<Family> {
        let (name, module) = absolute.split_last()?;
        if !self.is_helper_module(module) {
            return None;
        }
        HELPER_FUNCTIONS.iter().find(|(known, _)| known == name).map(|(_, family)| family())
    }

    /// Whether an absolute module path is the global helper: `crate::tasks` of any
    /// workspace crate (a binary calls its library's), or the configured path.
    fn is_helper_module(&self, module: &[String]) -> bool {
        // corral's own helper counts wherever it is. The configured path counts
        // only when the user set one: a crate's own `tasks` module that happens
        // to have a `spawn` is no tracker.
        if self.helper_modules.iter().any(|m| m == module) {
            return true;
        }
        if !self.helper_configured {
            return false;
        }
        match self.helper.first().map(String::as_str) {
            Some("crate") => {
                module.len() == self.helper.len()
                    && module[1..] == self.helper[1..]
                    && self.table.is_workspace_crate(&module[0])
            }
            _ => module == self.helper.as_slice(),
        }
    }

    fn method_call(&self, place: Place, candidate: &Candidate, name: &str, receiver: &Receiver) -> Outcome {
        let (root, methods) = match receiver {
            Receiver::SelfValue => return Outcome::NotASpawn,
            Receiver::Chain { root, methods } => (root, methods),
        };
        let start = match self.root_kind(place, candidate, root) {
            Ok(kind) => kind,
            Err(reason) => return self.unknown_receiver(name, reason),
        };
        let mut kind = start;
        for method in methods {
            match method_result(kind, method) {
                Some(next) => kind = next,
                None => {
                    let reason = format!(
                        "`.{method}(..)` in the receiver's chain hides its type from the syntax tier"
                    );
                    return self.unknown_receiver(name, reason);
                }
            }
        }
        match method_family(kind, name) {
            Some(family) if kind == ValueKind::Tracker => Outcome::Tracked(family),
            Some(family) => Outcome::Site(family),
            None => Outcome::NotASpawn,
        }
    }

    fn unknown_receiver(&self, method: &str, reason: String) -> Outcome {
        if SPAWN_LEAVES.contains(&method) { Outcome::Unresolved(reason) } else { Outcome::NotASpawn }
    }

    /// What kind of value a receiver chain starts from.
    fn root_kind(
        &self,
        place: Place,
        candidate: &Candidate,
        root: &ReceiverRoot,
    ) -> Result<ValueKind, String> {
        let unseen = |what: &str| format!("the type of `{what}` is not visible to the syntax tier");
        match root {
            ReceiverRoot::Constructor(path) => {
                let kind = match self.table.resolve(self.catalogue, place, path) {
                    Resolution::External(absolute) | Resolution::Defined(absolute) => {
                        // `crate::tasks::tracker()` hands out the helper's tracker.
                        let helper_tracker = absolute
                            .split_last()
                            .is_some_and(|(name, module)| name == "tracker" && self.is_helper_module(module));
                        if helper_tracker {
                            Some(ValueKind::Tracker)
                        } else {
                            self.catalogue.constructor_kind(&absolute)
                        }
                    }
                    _ => None,
                };
                let tracker_by_name = path.segments.len() >= 2
                    && self.catalogue.is_tracker_name(&path.segments[path.segments.len() - 2]);
                kind.or(tracker_by_name.then_some(ValueKind::Tracker))
                    .ok_or_else(|| unseen(&format!("{}(..)", path.display())))
            }
            ReceiverRoot::Typed(path) => self.type_kind(place, path).ok_or_else(|| unseen(&path.display())),
            ReceiverRoot::SelfField(_) | ReceiverRoot::SelfFieldOf { .. } => {
                let (found, shown) = self.self_field(candidate, root);
                match found {
                    Some((owner, ty)) => {
                        let owner_place = Place { module: &owner.module, blocks: &[] };
                        self.type_kind(owner_place, ty).ok_or_else(|| unseen(&shown))
                    }
                    None => Err(unseen(&shown)),
                }
            }
            ReceiverRoot::ClosureParam { callee } => {
                match self.table.resolve(self.catalogue, place, callee) {
                    Resolution::External(absolute) if self.catalogue.is_scope_function(&absolute) => {
                        Ok(ValueKind::NotASpawner)
                    }
                    _ => Err(format!("a parameter of the closure passed to `{}`", callee.display())),
                }
            }
            ReceiverRoot::Unknown(text) => Err(unseen(text)),
        }
    }

    /// The field a receiver starts from, `self.runtime` or, one hop away,
    /// `self.server.tracker` (a field of the workspace struct `self.server`
    /// holds): the struct that declares it and its type, and how it is written.
    fn self_field(
        &self,
        candidate: &Candidate,
        root: &ReceiverRoot,
    ) -> (Option<(&'a StructFields, &'a WrittenPath)>, String) {
        let own: Option<&'a StructFields> = candidate.context.method.as_ref().and_then(|m| {
            self.structs
                .get(&(candidate.module.first().cloned().unwrap_or_default(), m.self_name.clone()))
                .copied()
        });
        let (holder, field, shown) = match root {
            ReceiverRoot::SelfField(field) => (own, field, format!("self.{field}")),
            ReceiverRoot::SelfFieldOf { via, field } => {
                let held = own.and_then(|own| {
                    let via = own.fields.iter().find(|f| f.name == *via)?;
                    let place = Place { module: &own.module, blocks: &[] };
                    match self.table.resolve(self.catalogue, place, &via.ty) {
                        Resolution::Defined(path) => self.structs_at.get(&path).copied(),
                        _ => None,
                    }
                });
                (held, field, format!("self.{via}.{field}"))
            }
            _ => return (None, String::new()),
        };
        let found = holder.and_then(|s| s.fields.iter().find(|f| f.name == *field).map(|f| (s, &f.ty)));
        (found, shown)
    }

    fn type_kind(&self, place: Place, path: &WrittenPath) -> Option<ValueKind> {
        if let Resolution::External(absolute) | Resolution::Defined(absolute) =
            self.table.resolve(self.catalogue, place, path)
            && let Some(kind) = self.catalogue.type_kind(&absolute)
        {
            return Some(kind);
        }
        self.catalogue.is_tracker_name(path.last()).then_some(ValueKind::Tracker)
    }

    fn site_context(&self, candidate: &Candidate) -> SiteContext {
        let method = candidate.context.method.as_ref().map(|m| {
            let own = self.tracker_field(&candidate.module, &m.self_name);
            let through = match own {
                Some(_) => None,
                None => self.tracker_through(&candidate.module, &m.self_name),
            };
            let tracker = own.or(through.map(|(_, owner, field)| (owner, field)));
            MethodContext {
                self_type: m.self_type.clone(),
                self_kind: m.self_kind.clone(),
                tracker_field: own.map(|(_, field)| field.name.clone()),
                tracker_through: through.map(|(via, _, field)| format!("{}.{}", via.name, field.name)),
                tracker_capture: tracker.map(|(owner, field)| self.capture(owner, field)),
            }
        });
        SiteContext {
            function: candidate.context.function.clone(),
            method,
            enclosing: candidate.context.enclosing.clone(),
            in_macro: candidate.in_macro.clone(),
            statement_start: candidate.context.statement_start,
            wrapper: self.wrapper(candidate),
            wrapper_call: self.wrapper_call(candidate),
            test_support: None,
        }
    }

    /// A free-function wrapper's path and the position of the parameter it spawns.
    fn wrapper_call(&self, candidate: &Candidate) -> Option<(Vec<String>, usize)> {
        let function = self.wrapper(candidate)?;
        if candidate.context.method.is_some() {
            return None;
        }
        let argument = candidate.first_arg_name.as_ref()?;
        let position = candidate.context.parameters.iter().position(|p| p == argument)? + 1;
        let mut path = candidate.module.clone();
        path.push(function);
        Some((path, position))
    }

    /// The enclosing function, when the call spawns one of its parameters directly
    /// (not from inside a closure, where the name may be the closure's own).
    fn wrapper(&self, candidate: &Candidate) -> Option<String> {
        let argument = candidate.first_arg_name.as_ref()?;
        let direct = candidate.context.enclosing.is_empty();
        (direct && candidate.context.parameters.contains(argument))
            .then(|| candidate.context.function.clone())?
    }

    /// The first field of the struct `name` whose type is a task tracker, and the struct.
    fn tracker_field(&self, module: &[String], name: &str) -> Option<(&'a StructFields, &'a Field)> {
        let fields: &'a StructFields =
            self.structs.get(&(module.first().cloned().unwrap_or_default(), name.to_string()))?;
        // A private field of a struct defined in another module cannot be named
        // from an `impl` here: the site takes the helper (or a field's tracker) instead.
        self.tracker_of(fields).filter(|(_, field)| field.visible_from(module))
    }

    /// The tracker a method of `Self` reaches through one of `Self`'s fields
    /// (`self.server.tracker`), when `Self` has none of its own: the first
    /// field, in declaration order, that holds (itself, in a `Box`, an `Arc`,
    /// an `Rc` or behind a reference) a workspace struct with a tracker field,
    /// where both fields can be named from the site's module. One hop only.
    /// The field of `Self`, the struct it holds, and that struct's tracker field.
    fn tracker_through(
        &self,
        module: &[String],
        name: &str,
    ) -> Option<(&'a Field, &'a StructFields, &'a Field)> {
        let own: &'a StructFields =
            self.structs.get(&(module.first().cloned().unwrap_or_default(), name.to_string()))?;
        let place = Place { module: &own.module, blocks: &[] };
        own.fields.iter().filter(|via| via.visible_from(module)).find_map(|via| {
            let Resolution::Defined(path) = self.table.resolve(self.catalogue, place, &via.ty) else {
                return None;
            };
            let held: &'a StructFields = self.structs_at.get(&path)?;
            let (owner, tracker) = self.tracker_of(held)?;
            tracker.visible_from(module).then_some((via, owner, tracker))
        })
    }

    /// The first field of a struct whose type is a task tracker.
    fn tracker_of(&self, fields: &'a StructFields) -> Option<(&'a StructFields, &'a Field)> {
        let place = Place { module: &fields.module, blocks: &[] };
        let field = fields.fields.iter().find(|field| {
            (match self.table.resolve(self.catalogue, place, &field.ty) {
                Resolution::External(absolute) | Resolution::Defined(absolute) => {
                    self.catalogue.is_task_tracker(&absolute)
                }
                _ => false,
            }) || self.catalogue.is_tracker_name(field.ty.last())
        })?;
        Some((fields, field))
    }

    /// How a task can take its own handle to a tracker field: tokio-util's
    /// `TaskTracker` and `Arc`s clone; a project's own tracker type is what its
    /// derives and impls say, and assumed `Clone` when its definition was not read.
    fn capture(&self, owner: &StructFields, field: &Field) -> Capture {
        let place = Place { module: &owner.module, blocks: &[] };
        let key = match self.table.resolve(self.catalogue, place, &field.ty) {
            Resolution::External(absolute) if self.catalogue.is_task_tracker(&absolute) => None,
            Resolution::External(absolute) | Resolution::Defined(absolute) => {
                Some((absolute.first().cloned().unwrap_or_default(), field.ty.last().to_string()))
            }
            _ => Some((owner.module.first().cloned().unwrap_or_default(), field.ty.last().to_string())),
        };
        let traits = key.and_then(|key| self.type_traits.get(&key));
        let pointee = match traits {
            Some(t) if t.copy => Capture::Copy,
            Some(t) if t.defined && !t.clone => Capture::Neither { ty: field.ty.display() },
            _ => Capture::Clone,
        };
        match (field.holding, pointee) {
            (Holding::Shared, _) => Capture::Clone,
            // A clone of what a reference points to is the task's own; a
            // reference to anything else is itself `Copy`.
            (Holding::Reference, Capture::Clone) => Capture::Clone,
            (Holding::Reference, _) => Capture::Copy,
            (Holding::Owned, capture) => capture,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sites::collect::{FileInput, collect_file};
    use ra_ap_syntax::Edition;

    /// What each spawn site of a crate `app` made of `files` (module, text)
    /// uses: `own:<field>`, `through:<path>` or `global`, with the capture.
    fn trackers(files: &[(&str, &str)]) -> Vec<(String, Option<Capture>)> {
        let tracker_types = ["TaskTracker".to_string(), "Tasks".to_string()];
        let facts: Vec<FileFacts> = files
            .iter()
            .map(|(module, text)| {
                let module: Vec<String> = module.split("::").map(str::to_string).collect();
                collect_file(FileInput {
                    text,
                    edition: Edition::Edition2021,
                    module: &module,
                    needles: &["spawn".to_string()],
                    marker: "spawn-exempt",
                    tracker_types: &tracker_types,
                    tokens: None,
                    long_lived_calls: &[],
                })
            })
            .collect();
        let mut table = ModuleTable::default();
        table.declare_crate("app");
        for found in &facts {
            for (path, names) in &found.modules {
                table.insert(path.clone(), names.clone());
            }
        }
        let catalogue = Catalogue::new(&[], &tracker_types);
        let classifier = Classifier::new(&table, &catalogue, facts.iter(), "crate::tasks", false, Vec::new());
        let meta = FileMeta {
            display: "src/lib.rs",
            package: None,
            in_test_dir: false,
            declared: None,
            crate_for_tests: None,
        };
        facts
            .iter()
            .flat_map(|found| found.candidates.iter().map(move |c| (found, c)))
            .filter_map(|(found, c)| classifier.classify(found, c, meta))
            .filter(|site| site.verdict == Verdict::Bare)
            .map(|site| {
                let method = site.context.method.expect("a site in a method");
                let used = match (method.tracker_field, method.tracker_through) {
                    (Some(own), None) => format!("own:{own}"),
                    (None, Some(path)) => format!("through:{path}"),
                    (None, None) => "global".to_string(),
                    both => panic!("both a field and a path: {both:?}"),
                };
                (used, method.tracker_capture)
            })
            .collect()
    }

    fn used(files: &[(&str, &str)]) -> Vec<String> {
        trackers(files).into_iter().map(|(used, _)| used).collect()
    }

    const SERVER: &str = "use tokio_util::task::TaskTracker;\npub struct Server { tracker: TaskTracker }\n";

    #[test]
    fn the_field_may_hold_the_struct_in_any_of_the_shapes_that_deref_to_it() {
        let handlers = "use std::sync::Arc;\nuse std::rc::Rc;\n\
            struct A { s: Server }\nimpl A { fn f(&self) { tokio::spawn(x); } }\n\
            struct B { s: Arc<Server> }\nimpl B { fn f(&self) { tokio::spawn(x); } }\n\
            struct C { s: std::sync::Arc<Server> }\nimpl C { fn f(&self) { tokio::spawn(x); } }\n\
            struct D { s: Rc<Server> }\nimpl D { fn f(&self) { tokio::spawn(x); } }\n\
            struct E<'a> { s: &'a Server }\nimpl E<'_> { fn f(&self) { tokio::spawn(x); } }\n\
            struct F<'a> { s: &'a mut Server }\nimpl F<'_> { fn f(&self) { tokio::spawn(x); } }\n\
            struct G { s: Box<Server> }\nimpl G { fn f(&self) { tokio::spawn(x); } }\n\
            struct H { s: crate::Server }\nimpl H { fn f(&self) { tokio::spawn(x); } }\n\
            struct I { s: Option<Arc<Server>> }\nimpl I { fn f(&self) { tokio::spawn(x); } }\n\
            struct J { s: Vec<Server> }\nimpl J { fn f(&self) { tokio::spawn(x); } }\n\
            struct K { s: std::sync::Mutex<Server> }\nimpl K { fn f(&self) { tokio::spawn(x); } }\n";
        let found = used(&[("app", &format!("{SERVER}{handlers}"))]);
        let mut expected = vec!["through:s.tracker"; 8];
        expected.extend(["global"; 3]);
        assert_eq!(found, expected);
    }

    #[test]
    fn own_tracker_first_then_the_first_field_in_declaration_order_one_hop() {
        let text = format!(
            "{SERVER}use std::sync::Arc;\n\
             pub struct Other {{ pub tasks: TaskTracker }}\n\
             struct Mid {{ server: Arc<Server> }}\n\
             struct Both {{ server: Arc<Server>, tracker: TaskTracker }}\n\
             impl Both {{ fn f(&self) {{ tokio::spawn(x); }} }}\n\
             struct Order {{ name: String, mid: Arc<Mid>, other: Arc<Other>, server: Arc<Server> }}\n\
             impl Order {{ fn f(&self) {{ tokio::spawn(x); }} }}\n\
             struct TwoHops {{ mid: Arc<Mid> }}\n\
             impl TwoHops {{ fn f(&self) {{ tokio::spawn(x); }} }}\n"
        );
        assert_eq!(used(&[("app", &text)]), ["own:tracker", "through:other.tasks", "global"]);
    }

    #[test]
    fn the_tracker_field_must_be_visible_at_the_site() {
        let server = |vis: &str| {
            format!(
                "use tokio_util::task::TaskTracker;\npub struct Server {{ {vis} tracker: TaskTracker }}\n"
            )
        };
        let handler = "use std::sync::Arc;\nstruct H { s: Arc<crate::a::b::Server> }\n\
                       impl H { fn f(&self) { tokio::spawn(x); } }\n";
        // The handler in `app::a::b::c` (a descendant), `app::a` (the parent), `app::z` (elsewhere).
        let sites = |vis: &str| {
            [("app::a::b::c", handler), ("app::a", handler), ("app::z", handler)]
                .iter()
                .map(|(module, text)| used(&[("app::a::b", &server(vis)), (module, text)])[0].clone())
                .collect::<Vec<String>>()
        };
        let through = "through:s.tracker";
        assert_eq!(sites(""), [through, "global", "global"]);
        assert_eq!(sites("pub(self)"), [through, "global", "global"]);
        assert_eq!(sites("pub(super)"), [through, through, "global"]);
        assert_eq!(sites("pub(in crate::a)"), [through, through, "global"]);
        assert_eq!(sites("pub(crate)"), [through, through, through]);
        assert_eq!(sites("pub"), [through, through, through]);
    }

    #[test]
    fn the_field_of_self_must_be_visible_at_the_site_too() {
        // `Handler` is declared in `app::h` with a private field; its impl in `app::x` cannot read it.
        let server =
            format!("{SERVER}pub mod h {{ pub struct Handler {{ s: std::sync::Arc<crate::Server> }} }}\n");
        let elsewhere = "impl crate::h::Handler { fn f(&self) { tokio::spawn(x); } }\n";
        assert_eq!(used(&[("app", &server), ("app::x", elsewhere)]), ["global"]);
        let inside = "impl crate::h::Handler { fn f(&self) { tokio::spawn(x); } }\n";
        assert_eq!(used(&[("app", &server), ("app::h::y", inside)]), ["through:s.tracker"]);
    }

    #[test]
    fn a_tracker_through_a_field_is_captured_as_its_own_type_allows() {
        let text = "use std::sync::Arc;\nuse tokio_util::task::TaskTracker;\n\
                    #[derive(Clone, Copy)]\npub struct Tasks;\n\
                    pub struct Copied { tasks: Tasks }\n\
                    pub struct Shared { tracker: Arc<TaskTracker> }\n\
                    struct A<'a> { c: &'a Copied }\nimpl A<'_> { fn f(&self) { tokio::spawn(x); } }\n\
                    struct B { s: Shared }\nimpl B { fn f(&self) { tokio::spawn(x); } }\n";
        assert_eq!(
            trackers(&[("app", text)]),
            [
                ("through:c.tasks".to_string(), Some(Capture::Copy)),
                ("through:s.tracker".to_string(), Some(Capture::Clone))
            ]
        );
    }
}
