//! Moving a site in: a WordPress export ([`wordpress`]) or a Ghost export ([`ghost`])
//! becomes stories, sections, tags, authors and pictures, with the old addresses of
//! published posts redirected. Every importer maps posts here and lets the store decide
//! post by post (`Store::import_stories`: new, unchanged or changed since the last run),
//! in batches, so a second run changes nothing and an interrupted one can be run again.
//! What happened to every post is in the [`Report`], written as JSON and shown as a table.
//!
//! Only an actor the rights table lets move a site (`Action::MoveSite`: administrators,
//! the operator's command line) may import.

mod body;
pub mod dateline;
pub mod ghost;
mod ghost_json;
pub mod jobs;
mod pictures;
mod report;
mod taxonomy;
pub mod wordpress;

pub use pictures::MediaFrom;
pub use report::{Note, Report, Tally};

use crate::media::Pictures;
use dateline_core::import::{ImportOutcome, ImportedStory};
use dateline_core::rights::{self, Action, Actor, Target};
use dateline_store::Store;
use std::sync::Arc;

/// Posts written per transaction, at most.
const BATCH: usize = 500;
/// Bytes of body per transaction, at most: long posts are written in smaller batches, so
/// what waits in memory stays small (a 2 GB export's posts are 20 KB each).
const BATCH_BYTES: usize = 4 * 1024 * 1024;

/// Why an import stopped (what came in before is in the report).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("not allowed")]
    Forbidden,
    /// Another import is running (the admin runs one at a time).
    #[error("another import is running; wait for it to finish")]
    Busy,
    /// The file cannot be read as what it was said to be; nothing was imported.
    #[error("{0}")]
    Unreadable(String),
    #[error("the database failed: {0}")]
    Store(#[from] dateline_store::StoreError),
    #[error("reading the file failed: {0}")]
    Io(#[from] std::io::Error),
}

/// How an import runs.
#[derive(Clone)]
pub struct Options {
    /// Read and map everything, write nothing.
    pub dry_run: bool,
    /// Where pictures come from.
    pub media: MediaFrom,
    pub pictures: Pictures,
}

/// How far an import has come, for a progress bar.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    /// Bytes of the file read.
    pub read: u64,
    pub total: u64,
    /// Posts handled so far.
    pub posts: u64,
}

/// Where progress goes.
pub type OnProgress = Arc<dyn Fn(Progress) + Send + Sync>;

fn allowed(actor: &Actor) -> Result<(), ImportError> {
    if rights::may(actor, Action::MoveSite, Target::Site) { Ok(()) } else { Err(ImportError::Forbidden) }
}

/// Why a post does not become a story.
pub(crate) enum Refusal {
    /// Knowingly left out (in the trash, a status not imported).
    Skip(String),
    /// It should have come in and could not.
    Fail(String),
}

/// `draft` when it is a valid story; otherwise a failure naming every field to mend.
pub(crate) fn valid(draft: dateline_core::StoryDraft) -> Result<dateline_core::StoryDraft, Refusal> {
    match draft.validate() {
        Ok(()) => Ok(draft),
        Err(errors) => {
            Err(Refusal::Fail(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")))
        }
    }
}

/// Posts waiting to be written, with their titles for the report.
struct Batch<'a> {
    store: &'a dyn Store,
    origin: String,
    actor: &'a Actor,
    dry_run: bool,
    posts: Vec<(ImportedStory, String)>,
    /// Bytes of body in `posts`.
    bytes: usize,
}

impl Batch<'_> {
    async fn push(
        &mut self,
        post: ImportedStory,
        title: String,
        report: &mut Report,
    ) -> Result<(), ImportError> {
        self.bytes += post.draft.body.len();
        self.posts.push((post, title));
        if self.posts.len() >= BATCH || self.bytes >= BATCH_BYTES {
            self.flush(report).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, report: &mut Report) -> Result<(), ImportError> {
        if self.posts.is_empty() {
            return Ok(());
        }
        self.bytes = 0;
        let (posts, titles): (Vec<ImportedStory>, Vec<String>) =
            std::mem::take(&mut self.posts).into_iter().unzip();
        if self.dry_run {
            report.posts.imported += posts.len() as u64;
            return Ok(());
        }
        let outcomes =
            self.store.import_stories(&self.origin, &posts, self.actor, jiff::Timestamp::now()).await?;
        for ((post, title), outcome) in posts.iter().zip(titles).zip(outcomes) {
            match outcome {
                ImportOutcome::Imported(_) => report.posts.imported += 1,
                ImportOutcome::Updated(_) => report.posts.updated += 1,
                ImportOutcome::Unchanged(_) => report.posts.unchanged += 1,
                ImportOutcome::Skipped(reason) => report.skip(&post.external_id, &title, &reason),
            }
        }
        Ok(())
    }
}
