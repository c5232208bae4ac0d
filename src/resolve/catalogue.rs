//! The functions and types corral knows: which absolute paths start a task,
//! which build a value whose methods do, and which are trackers already.

use crate::sites::model::Family;

/// What a value is, as far as spawning goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// `tokio::runtime::Handle`: `.spawn` / `.spawn_blocking` start tasks.
    Handle,
    /// `tokio::runtime::Runtime`: same methods as a handle, plus `.handle()`.
    Runtime,
    /// `tokio::runtime::Builder`: `.build()` gives a runtime.
    RuntimeBuilder,
    /// `std::thread::Builder`.
    ThreadBuilder,
    /// `tokio::task::Builder`.
    TaskBuilder,
    /// `tokio::task::LocalSet`: `.spawn_local` starts a task on the set.
    LocalSet,
    /// A tracker (`TaskTracker` or a configured type) or a `JoinSet`: its spawns are tracked.
    Tracker,
    /// A value whose `spawn` is not a task: `Command`, a thread `Scope`.
    NotASpawner,
}

/// Builds a family (a function, since some families carry a `String`).
pub type MakeFamily = fn() -> Family;

/// The function families, by the absolute paths that name them.
pub(crate) const FUNCTIONS: &[(&[&str], MakeFamily)] = &[
    (&["tokio", "spawn"], || Family::TokioSpawn),
    (&["tokio", "task", "spawn"], || Family::TokioSpawn),
    (&["tokio", "task", "spawn_blocking"], || Family::TokioSpawnBlocking),
    (&["tokio", "task", "spawn_local"], || Family::TokioSpawnLocal),
    (&["std", "thread", "spawn"], || Family::StdThreadSpawn),
    (&["async_std", "task", "spawn"], || Family::AsyncStd { function: "spawn".into() }),
    (&["async_std", "task", "spawn_blocking"], || Family::AsyncStd { function: "spawn_blocking".into() }),
    (&["async_std", "task", "spawn_local"], || Family::AsyncStd { function: "spawn_local".into() }),
    (&["smol", "spawn"], || Family::SmolSpawn),
];

/// Constructors and types, by absolute path (the semantic tier's types too).
pub(crate) const VALUES: &[(&[&str], ValueKind)] = &[
    (&["tokio", "runtime", "Handle"], ValueKind::Handle),
    (&["tokio", "runtime", "Runtime"], ValueKind::Runtime),
    (&["tokio", "runtime", "Builder"], ValueKind::RuntimeBuilder),
    (&["std", "thread", "Builder"], ValueKind::ThreadBuilder),
    (&["tokio", "task", "Builder"], ValueKind::TaskBuilder),
    (&["tokio", "task", "LocalSet"], ValueKind::LocalSet),
    (&["tokio_util", "task", "TaskTracker"], ValueKind::Tracker),
    (&["tokio_util", "task", "task_tracker", "TaskTracker"], ValueKind::Tracker),
    (&["tokio", "task", "JoinSet"], ValueKind::Tracker),
    (&["std", "process", "Command"], ValueKind::NotASpawner),
    (&["tokio", "process", "Command"], ValueKind::NotASpawner),
    (&["std", "thread", "Scope"], ValueKind::NotASpawner),
];

/// Functions that take a closure whose first parameter is a thread scope.
const SCOPE_FUNCTIONS: &[&[&str]] = &[&["std", "thread", "scope"], &["crossbeam", "scope"]];

/// The spawn functions to match: the built-in ones and the project's own.
#[derive(Debug, Clone)]
pub struct Catalogue {
    extra: Vec<(Vec<String>, Family)>,
    tracker_types: Vec<String>,
    /// The last segments that a spawn function can have; a byte pre-filter looks for them.
    leaf_names: Vec<String>,
}

impl Catalogue {
    pub fn new(extra_spawns: &[Vec<String>], tracker_types: &[String]) -> Catalogue {
        let extra: Vec<(Vec<String>, Family)> = extra_spawns
            .iter()
            .map(|path| (path.clone(), Family::Custom { path: path.join("::") }))
            .collect();
        let mut leaf_names = vec!["spawn".to_string()];
        for (path, _) in &extra {
            if let Some(last) = path.last()
                && !last.contains("spawn")
                && !leaf_names.contains(last)
            {
                leaf_names.push(last.clone());
            }
        }
        Catalogue { extra, tracker_types: tracker_types.to_vec(), leaf_names }
    }

    /// Words whose absence from a file proves (together with aliases) that it holds no site.
    pub fn needles(&self) -> &[String] {
        &self.leaf_names
    }

    /// The family of a function named by an absolute path.
    pub fn function(&self, path: &[String]) -> Option<Family> {
        FUNCTIONS
            .iter()
            .find(|(known, _)| eq(known, path))
            .map(|(_, family)| family())
            .or_else(|| self.extra.iter().find(|(known, _)| known == path).map(|(_, family)| family.clone()))
    }

    /// Whether an absolute path names a function or type corral knows, or a module above one.
    pub fn knows_prefix(&self, path: &[String]) -> bool {
        let starts = |known: &[&str]| known.len() >= path.len() && eq(&known[..path.len()], path);
        FUNCTIONS.iter().any(|(known, _)| starts(known))
            || VALUES.iter().any(|(known, _)| starts(known))
            || SCOPE_FUNCTIONS.iter().any(|known| starts(known))
            || self.extra.iter().any(|(known, _)| known.starts_with(path))
    }

    /// What values of a type are; matches configured tracker types by their last segment.
    pub fn type_kind(&self, path: &[String]) -> Option<ValueKind> {
        if let Some((_, kind)) = VALUES.iter().find(|(known, _)| eq(known, path)) {
            return Some(*kind);
        }
        let last = path.last()?;
        self.tracker_types.iter().any(|name| name == last).then_some(ValueKind::Tracker)
    }

    /// Whether a type name (last segment only) is one of the configured tracker types.
    pub fn is_tracker_name(&self, name: &str) -> bool {
        self.tracker_types.iter().any(|known| known == name)
    }

    /// Whether a type is a task tracker (what a `self.tracker` field can be), not a `JoinSet`.
    pub fn is_task_tracker(&self, path: &[String]) -> bool {
        self.type_kind(path) == Some(ValueKind::Tracker) && path.last().is_some_and(|last| last != "JoinSet")
    }

    /// The kind of value a constructor call (`Handle::current`, `Builder::new`) returns.
    pub fn constructor_kind(&self, path: &[String]) -> Option<ValueKind> {
        let (name, ty) = path.split_last()?;
        let kind = self.type_kind(ty)?;
        let constructs = match kind {
            ValueKind::Handle => matches!(name.as_str(), "current" | "try_current"),
            ValueKind::Runtime => name == "new",
            ValueKind::RuntimeBuilder => name.starts_with("new_"),
            ValueKind::ThreadBuilder | ValueKind::TaskBuilder => name == "new",
            ValueKind::Tracker | ValueKind::LocalSet => matches!(name.as_str(), "new" | "default"),
            ValueKind::NotASpawner => true,
        };
        constructs.then_some(kind)
    }

    /// Whether a function takes a closure that receives a thread scope.
    pub fn is_scope_function(&self, path: &[String]) -> bool {
        SCOPE_FUNCTIONS.iter().any(|known| eq(known, path))
    }
}

/// What calling `method` on a value of `kind` gives back, for chains like
/// `Builder::new().name(..).spawn(..)` or `rt.handle().spawn(..)`.
pub fn method_result(kind: ValueKind, method: &str) -> Option<ValueKind> {
    // Methods that hand back the same value (or a reference to it).
    if matches!(method, "clone" | "unwrap" | "expect" | "as_ref" | "borrow" | "to_owned") {
        return Some(kind);
    }
    match (kind, method) {
        (ValueKind::NotASpawner, _) => Some(kind),
        (ValueKind::Runtime, "handle") => Some(ValueKind::Handle),
        (ValueKind::RuntimeBuilder, "build") => Some(ValueKind::Runtime),
        (ValueKind::RuntimeBuilder, _) => Some(ValueKind::RuntimeBuilder),
        (ValueKind::ThreadBuilder, "name" | "stack_size" | "no_hooks") => Some(kind),
        (ValueKind::TaskBuilder, "name") => Some(kind),
        _ => None,
    }
}

/// The family of `method` called on a value of `kind`; `None` when it starts nothing.
pub fn method_family(kind: ValueKind, method: &str) -> Option<Family> {
    match (kind, method) {
        (ValueKind::Handle | ValueKind::Runtime, "spawn") => Some(Family::RuntimeSpawn),
        (ValueKind::Handle | ValueKind::Runtime, "spawn_blocking") => Some(Family::RuntimeSpawnBlocking),
        (ValueKind::ThreadBuilder, "spawn") => Some(Family::StdThreadBuilder),
        (ValueKind::LocalSet, "spawn_local") => Some(Family::LocalSetSpawn),
        (
            ValueKind::TaskBuilder,
            "spawn" | "spawn_local" | "spawn_blocking" | "spawn_on" | "spawn_local_on" | "spawn_blocking_on",
        ) => Some(Family::TokioBuilder { method: method.to_string() }),
        (ValueKind::Tracker, "spawn" | "spawn_on") => Some(Family::TokioSpawn),
        (ValueKind::Tracker, "spawn_blocking" | "spawn_blocking_on") => Some(Family::TokioSpawnBlocking),
        (ValueKind::Tracker, "spawn_local" | "spawn_local_on") => Some(Family::TokioSpawnLocal),
        _ => None,
    }
}

/// The method names that can start a task on some receiver.
pub fn is_spawn_method(method: &str) -> bool {
    matches!(
        method,
        "spawn" | "spawn_blocking" | "spawn_local" | "spawn_on" | "spawn_local_on" | "spawn_blocking_on"
    )
}

fn eq(known: &[&str], path: &[String]) -> bool {
    known.len() == path.len() && known.iter().zip(path).all(|(a, b)| a == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(path: &str) -> Vec<String> {
        path.split("::").map(str::to_string).collect()
    }

    #[test]
    fn knows_every_builtin_function_family() {
        let catalogue = Catalogue::new(&[], &["TaskTracker".into()]);
        assert_eq!(catalogue.function(&p("tokio::task::spawn")), Some(Family::TokioSpawn));
        assert_eq!(catalogue.function(&p("std::thread::spawn")), Some(Family::StdThreadSpawn));
        assert_eq!(catalogue.function(&p("smol::spawn")), Some(Family::SmolSpawn));
        assert_eq!(catalogue.function(&p("tokio_test::task::spawn")), None);
        assert_eq!(catalogue.function(&p("std::task::spawn")), None);
    }

    #[test]
    fn configured_functions_and_trackers_count() {
        let catalogue = Catalogue::new(&[p("my_rt::launch")], &["Tasks".into()]);
        assert_eq!(
            catalogue.function(&p("my_rt::launch")),
            Some(Family::Custom { path: "my_rt::launch".into() })
        );
        assert_eq!(catalogue.needles(), ["spawn", "launch"]);
        assert_eq!(catalogue.type_kind(&p("crate::Tasks")), Some(ValueKind::Tracker));
    }

    #[test]
    fn builder_chains_keep_their_kind() {
        let catalogue = Catalogue::new(&[], &[]);
        let kind = catalogue.constructor_kind(&p("std::thread::Builder::new")).unwrap();
        let kind = method_result(kind, "name").unwrap();
        assert_eq!(method_family(kind, "spawn"), Some(Family::StdThreadBuilder));
        assert_eq!(method_family(kind, "spawn_scoped"), None);
    }
}
