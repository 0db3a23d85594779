//! Dateline's domain: the types a newsroom talks about (stories, sections, tags, authors,
//! sources, site settings), how input becomes those types (slugs, sanitised HTML from
//! Markdown), and the house style that turns times into the words a reader sees.
//!
//! Nothing here does I/O: `dateline-store` persists these types, `dateline-web` renders them.

pub mod account;
pub mod change;
pub mod embed;
pub mod fingerprint;
pub mod front;
pub mod house_style;
pub mod html;
pub mod import;
pub mod language;
pub mod lifecycle;
pub mod live;
pub mod media;
pub mod model;
pub mod rights;
pub mod secrets;
pub mod slug;
pub mod text;
pub mod throttle;

pub use account::{Email, Role};
pub use change::ChangeKey;
pub use front::{Front, FrontPins};
pub use house_style::HouseStyle;
pub use language::TextDirection;
pub use lifecycle::{HistoryEntry, StatusChange, Transition, TransitionError};
pub use live::{Coverage, EntryDraft, LiveEntry};
pub use media::{Media, MediaText, NewMedia, WirePicture};
pub use model::*;
pub use rights::{Action, Actor, Deed, Target};
pub use slug::Slug;
