#!/usr/bin/env bash
# How fast `corral lsp` answers an edit with diagnostics: the syntax tier, on
# one 2,000-line file of a generated 20-crate workspace (each crate four
# modules and a lib.rs, path dependencies between neighbours, four spawn
# sites a crate, one of them exempt; the large file, in svc-07, holds 10 spawn
# sites among ordinary code). No cargo call is needed: corral reads the
# manifests itself.
#
# bench/lsp_latency.py runs the server with CORRAL_SYNTAX_ONLY=1, opens the
# large file, then makes EDITS small edits to it (a line added or removed, a
# spawn added or removed), each a full-text didChange, and times each from
# writing the notification to reading the publishDiagnostics for that version.
# It prints the first open, the median, p90 and worst edit in ms, the server's
# CPU time per edit and its peak RSS. The target: an edit median under 50 ms.
#
# Usage: bench/lsp-latency.sh [EDITS]    (EDITS defaults to 50)
# Environment:
#   CARGO_TARGET_DIR  where corral is built (default: target/ in the repo)
#   CORRAL_BIN        run this binary instead of building corral
set -euo pipefail
shopt -s inherit_errexit

cd "$(dirname "$0")/.."
repo_root="$PWD"
edits="${1:-50}"

# SC1091: plain `shellcheck` does not read sourced files; `shellcheck -x` does.
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
source "$repo_root/bench/lib.sh"

corral="$(corral_binary)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The modules of every crate; @C@ is the crate's number.
IFS= read -r -d '' config_rs <<'EOF' || true
//! Settings of service @C@, read from the environment with defaults.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub name: String,
    pub workers: usize,
    pub timeout: Duration,
    pub retries: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config { name: "svc-@C@".to_string(), workers: 4, timeout: Duration::from_secs(5), retries: 3 }
    }
}

impl Config {
    /// Reads `SVC_WORKERS` and `SVC_TIMEOUT_MS`; a malformed value is an error.
    pub fn from_env() -> Result<Config, String> {
        let mut config = Config::default();
        if let Ok(value) = std::env::var("SVC_WORKERS") {
            config.workers = value.parse().map_err(|e| format!("SVC_WORKERS: {e}"))?;
        }
        if let Ok(value) = std::env::var("SVC_TIMEOUT_MS") {
            let ms: u64 = value.parse().map_err(|e| format!("SVC_TIMEOUT_MS: {e}"))?;
            config.timeout = Duration::from_millis(ms);
        }
        if config.workers == 0 {
            return Err("SVC_WORKERS must be at least 1".to_string());
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert_eq!(Config::default().workers, 4);
    }
}
EOF

IFS= read -r -d '' store_rs <<'EOF' || true
//! An in-memory store with a background flusher.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
pub struct Store {
    entries: Mutex<HashMap<String, Vec<u8>>>,
    dirty: Mutex<Vec<String>>,
}

impl Store {
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.entries.lock().unwrap().get(key).cloned()
    }

    pub fn put(&self, key: &str, value: Vec<u8>) {
        self.entries.lock().unwrap().insert(key.to_string(), value);
        self.dirty.lock().unwrap().push(key.to_string());
    }

    pub fn evict(&self, keep: usize) -> usize {
        let mut entries = self.entries.lock().unwrap();
        let excess = entries.len().saturating_sub(keep);
        let victims: Vec<String> = entries.keys().take(excess).cloned().collect();
        for key in &victims {
            entries.remove(key);
        }
        victims.len()
    }

    pub fn start_flusher(self: Arc<Self>, every: Duration) {
        std::thread::spawn(move || loop {
            std::thread::sleep(every);
            let dirty: Vec<String> = self.dirty.lock().unwrap().drain(..).collect();
            if !dirty.is_empty() {
                println!("flushed {} keys", dirty.len());
            }
        });
    }
}
EOF

IFS= read -r -d '' worker_rs <<'EOF' || true
//! The workers of service @C@: a queue of jobs run on the runtime.

use std::sync::Arc;

use crate::store::Store;

pub enum Job {
    Put { key: String, value: Vec<u8> },
    Evict { keep: usize },
    Report,
}

pub struct Worker {
    store: Arc<Store>,
    id: usize,
}

impl Worker {
    pub fn new(store: Arc<Store>, id: usize) -> Worker {
        Worker { store, id }
    }

    pub fn run(&self, job: Job) -> String {
        match job {
            Job::Put { key, value } => {
                let size = value.len();
                self.store.put(&key, value);
                format!("worker {} stored {key} ({size} bytes)", self.id)
            }
            Job::Evict { keep } => format!("worker {} evicted {}", self.id, self.store.evict(keep)),
            Job::Report => format!("worker {} is idle", self.id),
        }
    }

    pub fn start(self: Arc<Self>, jobs: Vec<Job>) {
        tokio::spawn(async move {
            for job in jobs {
                let line = self.run(job);
                println!("{line}");
            }
        });
    }

    pub fn checksum(&self, data: Vec<u8>) {
        // spawn-exempt: a short computation that ends on its own
        tokio::task::spawn_blocking(move || data.iter().map(|b| *b as u64).sum::<u64>());
    }
}
EOF

IFS= read -r -d '' api_rs <<'EOF' || true
//! Requests to service @C@ and their answers.

use std::sync::Arc;

use crate::store::Store;

#[derive(Debug)]
pub enum Request {
    Get(String),
    Put(String, Vec<u8>),
    Stats,
}

#[derive(Debug, PartialEq)]
pub enum Response {
    Value(Option<Vec<u8>>),
    Stored,
    Stats { service: u32 },
}

pub fn handle(store: &Store, request: Request) -> Response {
    match request {
        Request::Get(key) => Response::Value(store.get(&key)),
        Request::Put(key, value) => {
            store.put(&key, value);
            Response::Stored
        }
        Request::Stats => Response::Stats { service: @C@ },
    }
}

pub fn serve(store: Arc<Store>, requests: Vec<Request>) {
    tokio::spawn(async move {
        for request in requests {
            let response = handle(&store, request);
            println!("{response:?}");
        }
    });
}
EOF

# One 50-line section of the large file; @S@ is its number, @START@ the
# statement that starts a job (a spawn in every fourth section).
IFS= read -r -d '' section_rs <<'EOF' || true

/// Jobs of kind @S@: queued, run, and reported.
#[derive(Debug, Clone, PartialEq)]
pub enum State@S@ {
    Queued,
    Running { attempt: u32 },
    Done(u64),
    Failed(String),
}

pub struct Job@S@ {
    id: u64,
    name: String,
    state: State@S@,
    costs: Vec<u64>,
}

impl Job@S@ {
    pub fn new(id: u64, name: &str) -> Self {
        Job@S@ { id, name: name.trim().to_string(), state: State@S@::Queued, costs: Vec::new() }
    }

    pub fn advance(&mut self, cost: u64) -> Result<u64, String> {
        let next = match &self.state {
            State@S@::Queued => State@S@::Running { attempt: 1 },
            State@S@::Running { attempt } if *attempt < 3 => State@S@::Running { attempt: attempt + 1 },
            State@S@::Running { .. } => State@S@::Done(self.total() + cost),
            State@S@::Done(total) => return Ok(*total),
            State@S@::Failed(why) => return Err(format!("job {} failed: {why}", self.id)),
        };
        self.costs.push(cost);
        self.state = next;
        Ok(self.total())
    }

    pub fn total(&self) -> u64 {
        let sum: u64 = self.costs.iter().copied().sum();
        sum.saturating_mul(@S@ + 1)
    }

    pub fn start(&self) {
        let name = self.name.clone();
        @START@
    }
}

pub fn summary_@S@(jobs: &[Job@S@]) -> String {
    let done = jobs.iter().filter(|job| matches!(job.state, State@S@::Done(_))).count();
    format!("{done}/{} jobs of kind @S@ done", jobs.len())
}
EOF

log "generating a 20-crate workspace in $work"
crates=20
big_crate=7
members=""
for ((c = 0; c < crates; c++)); do
    n=$(printf '%02d' "$c")
    dir="$work/crates/svc-$n"
    mkdir -p "$dir/src"
    deps='tokio = { version = "1", features = ["full"] }'
    lib="pub mod api;\npub mod config;\npub mod store;\npub mod worker;\n"
    # Chains of four: each crate but the first of a chain uses the one before.
    if ((c % 4 != 0)); then
        up=$(printf '%02d' $((c - 1)))
        deps+=$'\n'"svc-$up = { path = \"../svc-$up\" }"
        lib+="\npub use svc_$up as upstream;\n"
    fi
    if ((c == big_crate)); then
        lib="pub mod engine;\n$lib"
    fi
    printf '[package]\nname = "svc-%s"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n%s\n' \
        "$n" "$deps" >"$dir/Cargo.toml"
    printf '%b' "$lib" >"$dir/src/lib.rs"
    printf '%s' "${config_rs//@C@/$c}" >"$dir/src/config.rs"
    printf '%s' "$store_rs" >"$dir/src/store.rs"
    printf '%s' "${worker_rs//@C@/$c}" >"$dir/src/worker.rs"
    printf '%s' "${api_rs//@C@/$c}" >"$dir/src/api.rs"
    members+="\"crates/svc-$n\", "
done
printf '[workspace]\nmembers = [%s]\nresolver = "2"\n' "$members" >"$work/Cargo.toml"

big="$work/crates/svc-$(printf '%02d' "$big_crate")/src/engine.rs"
{
    echo "//! The job engine: forty kinds of job, each with its state machine."
    for ((s = 0; s < 40; s++)); do
        case $((s % 12)) in
            0) start='tokio::spawn(async move { println!("{name} started") });' ;;
            4) start='std::thread::spawn(move || println!("{name} started"));' ;;
            8) start='tokio::task::spawn_blocking(move || println!("{name} started"));' ;;
            *) start='println!("{name} started");' ;;
        esac
        section="${section_rs//@S@/$s}"
        # Sections are apart by a blank line; the first follows the header.
        ((s > 0)) || section="${section#$'\n'}"
        printf '%s' "${section//@START@/$start}"
    done
} >"$big"
files=$(find "$work" -name '*.rs' | wc -l)
log "$files Rust files; $(wc -l <"$big") lines in ${big#"$work"/}"

log "timing $edits edits"
python3 "$repo_root/bench/lsp_latency.py" "$corral" "$work" "$big" "$edits"
