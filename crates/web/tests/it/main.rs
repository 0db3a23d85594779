//! The web suite: pages driven in memory through the router, a real server on a loopback
//! port, and a headless Chromium run against it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod addresses;
mod admin;
mod api;
mod audit;
mod banner;
mod browser;
mod caching;
mod cdn;
mod drop_folders;
mod editor_desk;
mod egress;
mod embargoes;
mod embeds;
mod errors;
mod feeds;
mod fronts;
mod imports;
mod input;
mod lifecycle;
mod limits;
mod live;
mod locking;
mod media;
mod most_read;
mod pages;
mod polling;
mod rights_matrix;
mod scheduling;
mod script_fonts;
mod search;
mod server;
mod sign_in;
mod sitemaps;
mod support;
mod surfaces;
mod webhooks;
mod wire;
mod wire_images;
