//! What an import did, post by post where it matters: counts by outcome and by kind, every
//! post skipped or failed with its reason, shortcodes converted and dropped, pictures
//! taken in and those that could not be had. Written as JSON beside the import and shown
//! as a table at the end.

use serde::Serialize;
use std::collections::BTreeMap;

/// Posts by outcome.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Tally {
    /// New stories (in a dry run: posts that would be taken in).
    pub imported: u64,
    /// Stories given a new revision because their post changed.
    pub updated: u64,
    /// Imported before, not changed since.
    pub unchanged: u64,
    pub skipped: u64,
    pub failed: u64,
}

/// One post left out or failed, or one picture not had.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Note {
    /// The post's id in the export.
    pub id: String,
    pub title: String,
    pub reason: String,
}

/// The whole account of an import.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// What was read: `wordpress`, `ghost`, `dateline`.
    pub kind: String,
    /// The site it came from.
    pub origin: String,
    pub dry_run: bool,
    pub posts: Tally,
    /// Entries that are not posts, by kind (pages, attachments, menu items, comments...),
    /// counted and not imported.
    pub not_imported: BTreeMap<String, u64>,
    pub skipped: Vec<Note>,
    pub failed: Vec<Note>,
    pub sections_created: Vec<String>,
    pub tags_created: u64,
    pub authors_created: Vec<String>,
    pub shortcodes_converted: BTreeMap<String, u64>,
    pub shortcodes_dropped: BTreeMap<String, u64>,
    /// Pictures put in the media library (or found there).
    pub pictures_taken: u64,
    /// Pictures that could not be had: the story keeps the original address.
    pub pictures_missing: Vec<Note>,
    /// Old addresses now redirected.
    pub redirects: u64,
    /// Why the import stopped before the end, if it did (what came in is counted above).
    pub stopped: Option<String>,
    pub seconds: f64,
}

impl Report {
    pub fn new(kind: &str, dry_run: bool) -> Self {
        Self { kind: kind.to_owned(), dry_run, ..Self::default() }
    }

    pub(crate) fn skip(&mut self, id: &str, title: &str, reason: &str) {
        self.posts.skipped += 1;
        self.skipped.push(Note { id: id.to_owned(), title: title.to_owned(), reason: reason.to_owned() });
    }

    pub(crate) fn fail(&mut self, id: &str, title: &str, reason: &str) {
        self.posts.failed += 1;
        self.failed.push(Note { id: id.to_owned(), title: title.to_owned(), reason: reason.to_owned() });
    }

    pub(crate) fn count(&mut self, kind: &str, n: u64) {
        if n > 0 {
            *self.not_imported.entry(kind.to_owned()).or_default() += n;
        }
    }

    /// The report as a table for a terminal.
    pub fn table(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let dry = if self.dry_run { " (dry run: nothing was written)" } else { "" };
        let _ = writeln!(out, "Import from {} {}{dry}", self.kind, self.origin);
        let _ = writeln!(out, "  {:<28} {:>8}", "posts", "count");
        for (what, n) in [
            ("imported", self.posts.imported),
            ("updated", self.posts.updated),
            ("unchanged", self.posts.unchanged),
            ("skipped", self.posts.skipped),
            ("failed", self.posts.failed),
        ] {
            let _ = writeln!(out, "  {what:<28} {n:>8}");
        }
        for (kind, n) in &self.not_imported {
            let _ = writeln!(out, "  {:<28} {n:>8}", format!("{kind} (not imported)"));
        }
        let _ = writeln!(out, "  {:<28} {:>8}", "pictures taken in", self.pictures_taken);
        let _ = writeln!(out, "  {:<28} {:>8}", "pictures missing", self.pictures_missing.len());
        let _ = writeln!(out, "  {:<28} {:>8}", "old addresses redirected", self.redirects);
        let _ = writeln!(out, "  {:<28} {:>8}", "sections created", self.sections_created.len());
        let _ = writeln!(out, "  {:<28} {:>8}", "tags created", self.tags_created);
        let _ = writeln!(out, "  {:<28} {:>8}", "authors created", self.authors_created.len());
        let codes = |m: &BTreeMap<String, u64>| {
            m.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")
        };
        if !self.shortcodes_converted.is_empty() {
            let _ = writeln!(out, "  shortcodes converted: {}", codes(&self.shortcodes_converted));
        }
        if !self.shortcodes_dropped.is_empty() {
            let _ = writeln!(out, "  shortcodes dropped: {}", codes(&self.shortcodes_dropped));
        }
        let mut reasons: BTreeMap<&str, u64> = BTreeMap::new();
        for note in self.skipped.iter().chain(&self.failed) {
            *reasons.entry(note.reason.as_str()).or_default() += 1;
        }
        for (reason, n) in reasons.iter().take(20) {
            let _ = writeln!(out, "  {n:>6} × {reason}");
        }
        if let Some(stopped) = &self.stopped {
            let _ = writeln!(out, "  STOPPED: {stopped}");
        }
        let _ = writeln!(out, "  in {:.1} s", self.seconds);
        out
    }
}
