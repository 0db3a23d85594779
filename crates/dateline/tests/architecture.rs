//! The architecture as documented is the architecture as built: the crate map in
//! `docs/ARCHITECTURE.md` names exactly the dependencies `cargo metadata` reports, and
//! `dateline-web` starts nothing in the background (the binary starts the newsroom's
//! workers beside it).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().parent().unwrap()
}

/// Each workspace crate and the dateline crates it depends on (dev-dependencies left out).
fn built() -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--no-deps", "--format-version", "1", "--offline"])
        .current_dir(workspace())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].is_null() && d["name"].as_str().unwrap().starts_with("dateline"))
                .map(|d| d["name"].as_str().unwrap().to_owned())
                .collect();
            (p["name"].as_str().unwrap().to_owned(), deps)
        })
        .collect()
}

/// The crate table of the document: its first column and its last (the dependencies).
fn documented() -> BTreeMap<String, BTreeSet<String>> {
    let doc = std::fs::read_to_string(workspace().join("docs/ARCHITECTURE.md")).unwrap();
    let names = |cell: &str| -> BTreeSet<String> {
        cell.split(',')
            .map(|c| c.trim().trim_matches('`').to_owned())
            .filter(|c| c.starts_with("dateline"))
            .collect()
    };
    doc.lines()
        .filter(|l| l.starts_with("| `dateline"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").collect();
            (cells[0].trim().trim_matches('`').to_owned(), names(cells[cells.len() - 1]))
        })
        .collect()
}

#[test]
fn the_documented_crate_map_is_the_built_one() {
    let built = built();
    assert!(built.len() >= 8, "{built:?}");
    assert_eq!(documented(), built, "docs/ARCHITECTURE.md's crate table against cargo metadata");
    // The layering the document promises: nothing below the web depends on it.
    for (name, deps) in &built {
        if name != "dateline" {
            assert!(!deps.contains("dateline-web"), "{name} depends on dateline-web");
        }
    }
    assert!(!built["dateline-newsroom"].contains("dateline-web"));
}

#[test]
fn the_web_crate_runs_nothing_in_the_background() {
    let mut files = vec![workspace().join("crates/web/src")];
    let mut found = Vec::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            // The server loop answers each connection in a task of its own: HTTP, not
            // background work. It may spawn that one task, nothing else.
            let connection_task = path.ends_with("server.rs") && text.matches("tokio::spawn").count() == 1;
            for needle in ["tokio::spawn", "interval(", "JoinSet", "std::thread::spawn"] {
                if text.contains(needle) && !(connection_task && needle == "tokio::spawn") {
                    found.push(format!("{}: {needle}", path.display()));
                }
            }
        }
    }
    assert!(found.is_empty(), "background work in dateline-web: {found:?}");
}
