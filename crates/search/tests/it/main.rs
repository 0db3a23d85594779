//! Integration tests of `dateline-search`, one binary (see STYLE.md): each module drives a
//! `SearchIndex` through its public API only.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod filters;
mod languages;
mod lifecycle;
mod queries;
mod ranking;
mod snippets;
mod support;
