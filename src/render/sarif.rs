//! SARIF 2.1.0, the format GitHub code scanning (and most code-review tools)
//! ingest. One run, two rules (`bare-spawn`, `exempt-without-reason`), a
//! result per shown site, and the files that could not be scanned as tool
//! execution notifications, so an upload still says the scan was partial.
//!
//! Locations are relative to `%SRCROOT%`, the folder corral ran in, which on
//! CI is the checkout: that is how code scanning maps them to files.
//! Each result carries a fingerprint of its file, family and line text (not
//! its line number), so an alert survives code moving above it.

use super::{Highlight, Report, headline, problem_path, shown_path};
use crate::gate::fingerprint::Fingerprints;
use crate::sites::model::{SpawnSite, Verdict};
use serde_json::{Value, json};
use std::io::{self, Write};
use std::path::Path;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SOURCE_ROOT: &str = "%SRCROOT%";
/// Versioned, so that a change to what is hashed reads as a new key rather
/// than as every alert closing and reopening.
const FINGERPRINT_KEY: &str = "corralSite/v1";
const BARE_SPAWN: usize = 0;
const EXEMPT_WITHOUT_REASON: usize = 1;

pub(super) fn render(report: &Report, out: &mut impl Write) -> io::Result<()> {
    let mut fingerprints = Fingerprints::default();
    let results: Vec<Value> = report
        .shown()
        .map(|site| {
            let path = shown_path(report.root, &site.path);
            let fingerprint = fingerprints.next(&path, site);
            result(site, &path, fingerprint)
        })
        .collect();
    let notifications: Vec<Value> = report
        .problems
        .iter()
        .map(|problem| {
            json!({
                "level": "error",
                "message": { "text": problem.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": artifact_location(&problem_path(report.root, problem)),
                    },
                }],
            })
        })
        .collect();
    let document = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver(report.marker) },
            // Site columns count characters, not SARIF's default UTF-16 units.
            "columnKind": "unicodeCodePoints",
            "invocations": [{
                "executionSuccessful": report.problems.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

fn driver(marker: &str) -> Value {
    let annotation = format!("// {marker}: <why it may outlive shutdown>");
    let bare_help = format!(
        "Run `corral apply` to spawn it through a tracker, or, if it may outlive \
         shutdown on purpose, annotate it on the line above: `{annotation}`."
    );
    let exempt_help = format!(
        "Say why after the marker: `{annotation}`, or remove the marker and run \
         `corral apply` to track the spawn."
    );
    let mut driver = json!({
        "name": "corral",
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "version": env!("CARGO_PKG_VERSION"),
        "rules": [
            {
                "id": rule_id(BARE_SPAWN),
                "name": "BareSpawn",
                "shortDescription": { "text": "Bare task spawn" },
                "fullDescription": {
                    "text": "A task or thread is spawned without a tracker, so a graceful \
                             shutdown cannot wait for it and tests cannot drain it before \
                             tearing down shared state."
                },
                "help": { "text": bare_help, "markdown": bare_help },
                "defaultConfiguration": { "level": "warning" },
                "properties": { "tags": ["reliability", "concurrency"] },
            },
            {
                "id": rule_id(EXEMPT_WITHOUT_REASON),
                "name": "ExemptWithoutReason",
                "shortDescription": { "text": "Exempt marker without a reason" },
                "fullDescription": {
                    "text": "A spawn is marked as intentionally untracked, but the marker \
                             gives no reason, so a reviewer cannot tell whether it may \
                             really outlive shutdown."
                },
                "help": { "text": exempt_help, "markdown": exempt_help },
                "defaultConfiguration": { "level": "warning" },
                "properties": { "tags": ["reliability", "concurrency"] },
            },
        ],
    });
    // SARIF requires an absolute URI here, so the field is left out rather
    // than filled with an empty one when the manifest names no home.
    if let Some(uri) =
        [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")].into_iter().find(|uri| !uri.is_empty())
    {
        driver["informationUri"] = json!(uri);
    }
    driver
}

fn rule_id(index: usize) -> &'static str {
    match index {
        EXEMPT_WITHOUT_REASON => "exempt-without-reason",
        _ => "bare-spawn",
    }
}

fn result(site: &SpawnSite, path: &str, fingerprint: String) -> Value {
    let rule = match site.verdict {
        Verdict::ExemptWithoutReason => EXEMPT_WITHOUT_REASON,
        _ => BARE_SPAWN,
    };
    let highlight = Highlight::of(site);
    let mut result = json!({
        "ruleId": rule_id(rule),
        "ruleIndex": rule,
        "level": "warning",
        "message": { "text": headline(site) },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact_location(path),
                "region": {
                    "startLine": site.line,
                    "startColumn": highlight.start_column,
                    "endLine": site.line,
                    "endColumn": highlight.end_column,
                },
            },
        }],
        "partialFingerprints": { FINGERPRINT_KEY: fingerprint },
    });
    if let Some(lifetime) = &site.lifetime {
        result["properties"] = json!({
            "lifetime": lifetime.kind,
            "lifetimeEvidence": lifetime.evidence,
            "lifetimeUndecided": lifetime.undecided,
        });
    }
    // Only `list` shows settled sites. SARIF has a word for each: an exempt
    // site is a finding suppressed in the source, with its reason as the
    // justification; the others are not failures, so their level is "none".
    let settled = match &site.verdict {
        Verdict::Bare | Verdict::ExemptWithoutReason => None,
        Verdict::Exempt { reason } => {
            result["suppressions"] = json!([{ "kind": "inSource", "justification": reason }]);
            None
        }
        Verdict::AlreadyTracked => Some("pass"),
        Verdict::TestCode => Some("notApplicable"),
        Verdict::Skipped { .. } => Some("review"),
    };
    if let Some(kind) = settled {
        result["kind"] = json!(kind);
        result["level"] = json!("none");
    }
    result
}

/// A relative path becomes a URI reference under `%SRCROOT%`; an absolute
/// one (the user scanned `/srv/app`) a `file://` URI on its own.
fn artifact_location(path: &str) -> Value {
    if Path::new(path).is_absolute() {
        // Windows paths (`C:\src`) need forward slashes and a leading one.
        let path = path.replace(std::path::MAIN_SEPARATOR, "/");
        let path = path.strip_prefix('/').unwrap_or(&path);
        json!({ "uri": format!("file:///{}", encode_uri_path(path, true)) })
    } else {
        json!({ "uri": encode_uri_path(path, false), "uriBaseId": SOURCE_ROOT })
    }
}

/// Percent-encodes what may not stand in a URI path. A `:` is kept only
/// after a scheme: in a relative reference (`a:b.rs`) it would read as one.
fn encode_uri_path(path: &str, keep_colon: bool) -> String {
    let mut uri = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || b"-._~/!$&'()*+,;=@".contains(&byte)
            || (keep_colon && byte == b':');
        if keep {
            uri.push(byte as char);
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::super::{Command, Format, Report, render};
    use super::*;
    use crate::sites::model::FileProblem;
    use std::slice;

    fn print(command: Command, root: &str, sites: &[SpawnSite], problems: &[FileProblem]) -> Value {
        let report = Report {
            command,
            root,
            sites,
            problems,
            marker: "spawn-exempt",
            left_out: &crate::gate::LeftOut::default(),
        };
        let mut out = Vec::new();
        render(&report, Format::Sarif, false, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    fn fingerprints(document: &Value) -> Vec<String> {
        document["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|result| result["partialFingerprints"][FINGERPRINT_KEY].to_string())
            .collect()
    }

    #[test]
    fn check_document_has_the_required_structure() {
        let document = print(Command::Check, ".", &fixtures::sites(), &[]);
        assert_eq!(document["$schema"], SCHEMA);
        assert_eq!(document["version"], "2.1.0");
        let run = &document["runs"][0];
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "corral");
        assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
        let rules: Vec<_> =
            driver["rules"].as_array().unwrap().iter().map(|rule| rule["id"].as_str().unwrap()).collect();
        assert_eq!(rules, ["bare-spawn", "exempt-without-reason"]);
        assert!(
            driver["rules"][0]["help"]["text"]
                .as_str()
                .unwrap()
                .contains("`// spawn-exempt: <why it may outlive shutdown>`")
        );
        assert_eq!(run["invocations"][0]["executionSuccessful"], true);

        let results = run["results"].as_array().unwrap();
        let rule_ids: Vec<_> = results.iter().map(|r| r["ruleId"].as_str().unwrap()).collect();
        assert_eq!(rule_ids, ["bare-spawn", "bare-spawn", "exempt-without-reason"]);
        assert_eq!(results[2]["ruleIndex"], 1);
        assert_eq!(
            results[1]["locations"][0]["physicalLocation"],
            json!({
                "artifactLocation": { "uri": "src/worker.rs", "uriBaseId": "%SRCROOT%" },
                "region": { "startLine": 4, "startColumn": 13, "endLine": 4, "endColumn": 26 },
            })
        );
        assert_eq!(
            results[1]["message"]["text"],
            "bare `thread::spawn` (`std::thread::spawn`): the thread is not tracked"
        );
        assert!(results.iter().all(|r| r["level"] == "warning" && r.get("kind").is_none()));
    }

    #[test]
    fn fingerprints_survive_line_shifts_and_tell_twins_apart() {
        let site = fixtures::bare_tokio();
        let mut moved = site.clone();
        moved.line += 7;
        moved.source_line = format!("    {}", moved.source_line);
        let before = fingerprints(&print(Command::Check, ".", slice::from_ref(&site), &[]));
        let after = fingerprints(&print(Command::Check, ".", slice::from_ref(&moved), &[]));
        assert_eq!(before, after);

        let twins = fingerprints(&print(Command::Check, ".", &[site, moved], &[]));
        assert_eq!(twins[0], before[0]);
        assert_ne!(twins[0], twins[1]);
        assert!(twins[1].ends_with(":2\""), "{twins:?}");
    }

    #[test]
    fn fingerprint_is_stable_across_releases() {
        // A changed value would close and reopen every alert on GitHub.
        let site = fixtures::bare_tokio();
        let document = print(Command::Check, ".", slice::from_ref(&site), &[]);
        assert_eq!(fingerprints(&document), ["\"4371fc9c112b4dd5:1\""]);
    }

    #[test]
    fn problems_become_notifications() {
        let document = print(Command::Check, "crates/app", &[], &[fixtures::problem()]);
        let invocation = &document["runs"][0]["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false);
        assert_eq!(
            invocation["toolExecutionNotifications"],
            json!([{
                "level": "error",
                "message": { "text": "stream did not contain valid UTF-8" },
                "locations": [{ "physicalLocation": { "artifactLocation": {
                    "uri": "crates/app/src/broken.rs", "uriBaseId": "%SRCROOT%",
                } } }],
            }])
        );
        assert_eq!(document["runs"][0]["results"], json!([]));
    }

    #[test]
    fn list_marks_settled_sites() {
        let document = print(Command::List, ".", &fixtures::sites(), &[]);
        let results = document["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 8);
        assert_eq!(
            results[1]["suppressions"],
            json!([{ "kind": "inSource", "justification": "the accept loop lives as long as the process" }])
        );
        let kinds: Vec<_> = results.iter().map(|r| r["kind"].clone()).collect();
        assert_eq!(
            kinds,
            [
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                json!("notApplicable"),
                json!("pass"),
                json!("review"),
                json!("review"),
            ]
        );
        assert_eq!(results[5]["level"], "none");
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(
            artifact_location("src/my file:é.rs"),
            json!({ "uri": "src/my%20file%3A%C3%A9.rs", "uriBaseId": "%SRCROOT%" })
        );
        if cfg!(unix) {
            assert_eq!(
                artifact_location("/srv/app/src/lib.rs"),
                json!({ "uri": "file:///srv/app/src/lib.rs" })
            );
        }
    }
}
