//! Imports started from the admin (`/admin/import`): one at a time, in the background, so
//! the request that uploaded the file returns at once and the page shows how far it has
//! come and, at the end, the report. The uploaded file is deleted when the import ends.

use super::{ImportError, Options, Progress, Report};
use dateline_core::rights::Actor;
use dateline_store::Store;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

/// What an export comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    WordPress,
    Ghost,
}

impl Kind {
    /// From the admin form's value.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "wordpress" => Some(Self::WordPress),
            "ghost" => Some(Self::Ghost),
            _ => None,
        }
    }
}

/// The import running or last run, as the admin page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    pub kind: Kind,
    /// The uploaded file's name.
    pub file_name: String,
    pub started: String,
    pub running: bool,
    pub read: u64,
    pub total: u64,
    pub posts: u64,
    pub report: Option<Report>,
    /// Why it stopped, if it did not finish.
    pub error: Option<String>,
}

/// The admin's imports; cheap to clone.
#[derive(Clone, Default)]
pub struct Imports(Arc<Mutex<Option<Job>>>);

impl Imports {
    /// The import running or last run.
    pub fn current(&self) -> Option<Job> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Starts importing `file` (deleted when the import ends) in the background.
    ///
    /// # Errors
    /// [`ImportError::Forbidden`] for an actor who may not move a site (checked now, before
    /// anything runs); [`ImportError::Busy`] while another import runs.
    pub fn start(
        &self,
        store: Arc<dyn Store>,
        actor: Actor,
        kind: Kind,
        file: PathBuf,
        file_name: String,
        options: Options,
    ) -> Result<(), ImportError> {
        super::allowed(&actor)?;
        {
            let mut current = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            if current.as_ref().is_some_and(|j| j.running) {
                return Err(ImportError::Busy);
            }
            *current = Some(Job {
                kind,
                file_name,
                started: jiff::Timestamp::now().to_string(),
                running: true,
                read: 0,
                total: 0,
                posts: 0,
                report: None,
                error: None,
            });
        }
        let jobs = self.clone();
        let shown = self.clone();
        let progress: super::OnProgress = Arc::new(move |p: Progress| {
            if let Some(job) = shown.0.lock().unwrap_or_else(PoisonError::into_inner).as_mut() {
                (job.read, job.total, job.posts) = (p.read, p.total, p.posts);
            }
        });
        tokio::spawn(async move {
            let outcome = match kind {
                Kind::WordPress => {
                    super::wordpress::import(store.as_ref(), &actor, &file, &options, progress).await
                }
                Kind::Ghost => super::ghost::import(store.as_ref(), &actor, &file, &options, progress).await,
            };
            let _ = std::fs::remove_file(&file);
            let mut current = jobs.0.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(job) = current.as_mut() {
                job.running = false;
                match outcome {
                    Ok(report) => {
                        tracing::info!(%actor, imported = report.posts.imported, "import from the admin finished");
                        job.read = job.total;
                        job.error.clone_from(&report.stopped);
                        job.report = Some(report);
                    }
                    Err(e) => {
                        tracing::warn!(%actor, error = %e, "import from the admin stopped");
                        job.error = Some(e.to_string());
                    }
                }
            }
        });
        Ok(())
    }
}
