//! Integration tests of `dateline-media`, one binary (see STYLE.md). Every picture is made in
//! the test that uses it (see `support`), so no fixture can hide what is being checked.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod bad_input;
mod formats;
mod metadata;
#[cfg(feature = "s3")]
mod s3;
mod storage;
mod support;
