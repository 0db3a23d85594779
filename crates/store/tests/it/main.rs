//! The storage suite: every test runs once on SQLite and once on PostgreSQL.

mod stories;
mod support;
mod taxonomy;
