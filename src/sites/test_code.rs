//! Whether code only compiles for tests, read from its `cfg` attributes and
//! from the `mod` declarations that bring its file in.
//!
//! DESIGN.md's rule: a site is test code when it only compiles for tests:
//! under `cfg(test)` or `cfg(all(test, ..))` (on an item around it, or on the
//! `mod` declaration of its file or of any module above it), in a `#[test]`
//! function, or under `tests/` or `benches/`. Code behind
//! `cfg(any(test, feature = ..))` or a `test-util` feature also compiles
//! outside tests, so it is production code; it is named as *test support*
//! so that a team can exclude it.
//!
//! Everything here is pure: the scan reads the files along a module chain
//! and hands their texts to [`declaration_gate`].

use ra_ap_syntax::{AstNode, Edition, SourceFile, ast, ast::HasAttrs, ast::HasModuleItem, ast::HasName};

/// What the `cfg` attributes of an item (or of a module's declaration) say of tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestGate {
    /// Compiles only for tests; the attribute as written, for the reason.
    Test(String),
    /// Compiles for tests and in some other configuration (`any(test, feature = "x")`,
    /// a `test-util` feature): production code that tests use.
    Support(String),
}

impl TestGate {
    /// The stronger of two gates met along a chain of modules or attributes: test wins
    /// over support, and the first met wins among equals.
    pub fn stronger(first: Option<TestGate>, then: Option<TestGate>) -> Option<TestGate> {
        match (first, then) {
            (Some(TestGate::Support(_)), Some(test @ TestGate::Test(_))) => Some(test),
            (Some(first), _) => Some(first),
            (None, then) => then,
        }
    }

    pub fn is_test(&self) -> bool {
        matches!(self, TestGate::Test(_))
    }

    /// The attribute and where it is, for `list` and the audit.
    pub fn why(&self) -> &str {
        match self {
            TestGate::Test(why) | TestGate::Support(why) => why,
        }
    }
}

/// The gate an item's own `cfg` attributes put it under, if any.
pub fn cfg_gate(item: &impl HasAttrs) -> Option<TestGate> {
    let mut found: Option<TestGate> = None;
    for attr in item.attrs() {
        let Some(ast::Meta::CfgMeta(cfg)) = attr.meta() else { continue };
        let Some(predicate) = cfg.cfg_predicate() else { continue };
        let written: String =
            attr.syntax().text().to_string().split_whitespace().collect::<Vec<_>>().join(" ");
        let gate = if requires_test(&predicate) {
            TestGate::Test(written)
        } else if mentions_test(&predicate) {
            TestGate::Support(written)
        } else {
            continue;
        };
        found = TestGate::stronger(found, Some(gate));
    }
    found
}

/// Whether a `cfg` predicate can only hold when `test` does.
fn requires_test(predicate: &ast::CfgPredicate) -> bool {
    match predicate {
        ast::CfgPredicate::CfgAtom(atom) => {
            atom.eq_token().is_none() && atom.ident_token().is_some_and(|ident| ident.text() == "test")
        }
        ast::CfgPredicate::CfgComposite(composite) => {
            let mut inner = composite.cfg_predicates();
            match composite.keyword().as_ref().map(|k| k.text().to_string()).as_deref() {
                Some("all") => inner.any(|p| requires_test(&p)),
                Some("any") => {
                    let inner: Vec<ast::CfgPredicate> = inner.collect();
                    !inner.is_empty() && inner.iter().all(requires_test)
                }
                _ => false,
            }
        }
    }
}

/// Whether a `cfg` predicate names tests where it may hold (`any(test, ..)`, `feature =
/// "test-util"`), without requiring them: test-support code. `not(..)` names none.
fn mentions_test(predicate: &ast::CfgPredicate) -> bool {
    match predicate {
        ast::CfgPredicate::CfgAtom(atom) => {
            let ident = atom.ident_token().map(|i| i.text().to_string()).unwrap_or_default();
            match atom.string_token() {
                Some(value) => {
                    ident == "feature"
                        && value.text().trim_matches('"').split(['-', '_']).any(|w| w == "test")
                }
                None => ident == "test",
            }
        }
        ast::CfgPredicate::CfgComposite(composite) => {
            let keyword = composite.keyword().map(|k| k.text().to_string()).unwrap_or_default();
            keyword != "not" && composite.cfg_predicates().any(|p| mentions_test(&p))
        }
    }
}

/// A `mod` item of a file, as far as test gates go: its name, the gate its own `cfg`
/// attributes put it under, and, for an inline module, the `mod` items inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleDeclaration {
    pub name: String,
    pub gate: Option<TestGate>,
    /// `Some` for `mod name { .. }`, `None` for `mod name;`.
    pub inline: Option<Vec<ModuleDeclaration>>,
}

/// The `mod` items of a file's text (a crate root or a module's file), nested as written.
/// Function bodies hold no module a file declares for the crate, so a caller may blank them.
pub fn module_declarations(text: &str, edition: Edition) -> Vec<ModuleDeclaration> {
    let file = SourceFile::parse(text.strip_prefix('\u{feff}').unwrap_or(text), edition).tree();
    declarations_in(file.items())
}

fn declarations_in(items: impl Iterator<Item = ast::Item>) -> Vec<ModuleDeclaration> {
    items
        .filter_map(|item| match item {
            ast::Item::Module(module) => Some(ModuleDeclaration {
                name: module.name()?.text().to_string(),
                gate: cfg_gate(&module),
                inline: module.item_list().map(|list| declarations_in(list.items())),
            }),
            _ => None,
        })
        .collect()
}

/// What one file says of the modules on a file's way down from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclarationStep {
    /// The strongest gate on the `mod` items of the modules walked in this file.
    pub gate: Option<TestGate>,
    /// How many of the segments this file declares: inline modules walked into,
    /// and the out-of-line `mod name;` that the next file continues from, counted.
    /// `None` when a segment is not declared here (the file is not in the tree).
    pub declared: Option<usize>,
    /// Whether the last segment counted is an out-of-line `mod name;`, so that the
    /// chain goes on in that module's file.
    pub continues_in_file: bool,
}

/// Walks `segments` (module names) down a file's declarations through inline modules,
/// until an out-of-line `mod name;` or the last segment, and reports the `cfg` gates met.
pub fn declaration_gate(declarations: &[ModuleDeclaration], segments: &[String]) -> DeclarationStep {
    let mut level = declarations;
    let mut gate: Option<TestGate> = None;
    for (index, segment) in segments.iter().enumerate() {
        let Some(module) = level.iter().find(|module| module.name == *segment) else {
            return DeclarationStep { gate, declared: None, continues_in_file: false };
        };
        gate = TestGate::stronger(gate, module.gate.clone());
        match &module.inline {
            Some(inner) => level = inner,
            None => return DeclarationStep { gate, declared: Some(index + 1), continues_in_file: true },
        }
    }
    DeclarationStep { gate, declared: Some(segments.len()), continues_in_file: false }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate_of(source: &str) -> Option<TestGate> {
        let file = SourceFile::parse(source, Edition::Edition2021).tree();
        let item = file.items().next().expect("an item");
        cfg_gate(&item)
    }

    fn segments(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn only_a_predicate_that_requires_test_is_test_code() {
        assert!(gate_of("#[cfg(test)] mod tests;").is_some_and(|g| g.is_test()));
        assert!(
            gate_of("#[cfg(all(test, feature = \"x-integration-tests\"))] mod it;")
                .is_some_and(|g| g.is_test())
        );
        assert!(gate_of("#[cfg(any(test, test))] mod t;").is_some_and(|g| g.is_test()));
        assert_eq!(
            gate_of("#[cfg(any(test, feature = \"testing\"))] mod support;"),
            Some(TestGate::Support("#[cfg(any(test, feature = \"testing\"))]".to_string()))
        );
        assert!(gate_of("#[cfg(feature = \"test-util\")] mod util;").is_some_and(|g| !g.is_test()));
        assert_eq!(gate_of("#[cfg(not(test))] mod real;"), None);
        assert_eq!(gate_of("#[cfg(feature = \"latest\")] mod latest;"), None);
        assert_eq!(gate_of("#[cfg(unix)] mod unix;"), None);
    }

    #[test]
    fn an_out_of_line_declaration_under_cfg_test_gates_its_file() {
        let root = "mod a;\n#[cfg(test)]\nmod tests;\n";
        let step = declaration_gate(&module_declarations(root, Edition::Edition2021), &segments(&["tests"]));
        assert_eq!(step.declared, Some(1));
        assert!(step.continues_in_file);
        assert!(step.gate.is_some_and(|g| g.is_test()));
        let step = declaration_gate(&module_declarations(root, Edition::Edition2021), &segments(&["a"]));
        assert_eq!(step.gate, None);
    }

    #[test]
    fn inline_modules_are_walked_into_and_their_gates_add_up() {
        let root = "#[cfg(any(test, feature = \"x\"))] mod outer { #[cfg(test)] mod inner; }";
        let step = declaration_gate(
            &module_declarations(root, Edition::Edition2021),
            &segments(&["outer", "inner"]),
        );
        assert_eq!(step.declared, Some(2));
        assert!(step.continues_in_file);
        assert!(step.gate.is_some_and(|g| g.is_test()));
        let step = declaration_gate(&module_declarations(root, Edition::Edition2021), &segments(&["outer"]));
        assert!(step.gate.is_some_and(|g| !g.is_test()));
        let missing =
            declaration_gate(&module_declarations(root, Edition::Edition2021), &segments(&["elsewhere"]));
        assert_eq!(missing.declared, None);
    }
}
