//! The storage suite: every test runs once on SQLite and once on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod accounts;
mod backlog;
mod embeds;
mod files;
mod fronts;
mod imports;
mod live;
mod locks;
mod media;
mod newsroom;
mod notices;
mod purges;
mod stories;
mod support;
mod taxonomy;
mod views;
mod wire;
