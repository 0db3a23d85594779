//! The newsroom's application services: what an editor, the Admin API, a wire agency or
//! the command line asks of Dateline, each as one call that takes the actor, checks the
//! right in `dateline_core::rights` (and the lifecycle), and lets the store apply the change
//! in one transaction: stories ([`stories`]), accounts and API tokens ([`accounts`]), site
//! settings ([`site`]), live blogs ([`live`]), agency copy ([`wire`]), pictures ([`media`]),
//! who has a story open in the editor ([`locks`]) and its unsaved typing ([`autosave`]).
//! Surfaces (`dateline-web`, the `dateline` binary) parse input, make one call here and
//! render the answer.
//!
//! The background work (scheduler, polls, drop folders, webhook delivery, wire pictures,
//! page views for "Most Read", the search indexer, the change-log follower and the demo wire's
//! timetable) lives here too, started and stopped by the binary.

pub mod accounts;
pub mod admin;
pub mod autosave;
pub mod backup;
pub mod cdn;
pub mod clock;
pub mod demo_wire;
pub mod drop_folder;
pub mod egress;
pub mod embeds;
pub mod fronts;
pub mod import;
pub mod live;
pub mod locks;
pub mod media;
pub mod most_read;
pub mod passwords;
pub mod poller;
pub mod scheduler;
pub mod search;
pub mod sign_in;
pub mod site;
pub mod stories;
pub mod taxonomy;
pub mod webhooks;
pub mod wire;
pub mod wire_images;
pub mod worker;

pub use admin::AdminError;
pub use clock::Clock;
pub use worker::{Background, Follower, Workers};
