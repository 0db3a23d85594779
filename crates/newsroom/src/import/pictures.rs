//! Pictures of imported posts (featured and inline) brought into the media library: read
//! from a copy of the old site's uploads folder, or fetched through the egress policy. A
//! picture that cannot be had leaves the post with its original address and a line in the
//! report; it never fails the import. Each address is taken in once per import.

use crate::egress::{self, Egress};
use crate::media::{Pictures, take_in};
use dateline_core::{Media, MediaText};
use dateline_store::Store;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

/// Where an import's pictures come from.
#[derive(Clone)]
pub enum MediaFrom {
    /// Downloaded from their addresses, through the egress policy.
    Fetch(Egress),
    /// A copy of the old site's uploads folder (WordPress `wp-content/uploads`, Ghost
    /// `content/images`): an address's path after that folder is looked up in it; what is
    /// not there is fetched, through the egress policy.
    Folder(PathBuf, Egress),
    /// Not brought over: posts keep the original addresses.
    Skip,
}

/// The longest one download may take.
const TIMEOUT: Duration = Duration::from_secs(20);

/// The folders under which old sites keep uploads, as they appear in addresses.
const UPLOAD_FOLDERS: [&str; 3] = ["/wp-content/uploads/", "/content/images/", "/uploads/"];

pub(crate) struct Taker<'a> {
    store: &'a dyn Store,
    pictures: &'a Pictures,
    from: MediaFrom,
    client: Option<egress::Client>,
    seen: HashMap<String, Result<Media, String>>,
}

impl<'a> Taker<'a> {
    pub(crate) fn new(store: &'a dyn Store, pictures: &'a Pictures, from: MediaFrom) -> Self {
        let client = match &from {
            MediaFrom::Fetch(egress) | MediaFrom::Folder(_, egress) => egress
                .client(&egress::Options {
                    timeout: TIMEOUT,
                    max_redirects: 3,
                    user_agent: "Dateline-Import/1",
                })
                .inspect_err(|e| tracing::error!(error = %e, "the picture download client could not be made"))
                .ok(),
            MediaFrom::Skip => None,
        };
        Self { store, pictures, from, client, seen: HashMap::new() }
    }

    pub(crate) fn skips(&self) -> bool {
        matches!(self.from, MediaFrom::Skip)
    }

    /// The library picture for `url` (taken in now, or before), or why it could not be had.
    pub(crate) async fn take(&mut self, url: &str, text: &MediaText) -> Result<Media, String> {
        if let Some(known) = self.seen.get(url) {
            return known.clone();
        }
        let taken = self.take_new(url, text).await;
        self.seen.insert(url.to_owned(), taken.clone());
        taken
    }

    async fn take_new(&self, url: &str, text: &MediaText) -> Result<Media, String> {
        if let Some(known) = self.store.media_by_origin(url).await.map_err(|e| e.to_string())? {
            return Ok(known);
        }
        let bytes = match self.read_uploaded(url).await {
            Some(bytes) => bytes?,
            None => self.download(url).await?,
        };
        let media = take_in(self.store, self.pictures, bytes, text.clone(), url, jiff::Timestamp::now())
            .await
            .map_err(|e| e.to_string())?;
        if media.origin != url {
            self.store.add_media_origin(media.id, url).await.map_err(|e| e.to_string())?;
        }
        Ok(media)
    }

    /// The file for `url` in the uploads folder, if one was given and has it.
    async fn read_uploaded(&self, url: &str) -> Option<Result<Vec<u8>, String>> {
        let MediaFrom::Folder(root, _) = &self.from else { return None };
        let path = url.split(['?', '#']).next().unwrap_or(url);
        let relative = UPLOAD_FOLDERS.iter().find_map(|f| path.find(f).map(|at| &path[at + f.len()..]))?;
        let relative = dateline_core::import::redirect_path(&format!("/{relative}"))?;
        let file = inside(root, relative.trim_start_matches('/'))?;
        let max = self.pictures.limits.max_bytes as u64;
        match tokio::fs::metadata(&file).await {
            Ok(meta) if meta.len() > max => {
                Some(Err(format!("{} is larger than {max} bytes", file.display())))
            }
            Ok(_) => Some(tokio::fs::read(&file).await.map_err(|e| format!("{}: {e}", file.display()))),
            Err(_) => None,
        }
    }

    async fn download(&self, url: &str) -> Result<Vec<u8>, String> {
        let client = self.client.as_ref().ok_or("pictures are not fetched in this import")?;
        let max = self.pictures.limits.max_bytes;
        match tokio::time::timeout(TIMEOUT, crate::wire_images::download(client, url, max)).await {
            Ok(done) => done.map_err(|e| e.to_string()),
            Err(_) => Err(format!("no answer within {TIMEOUT:?}")),
        }
    }
}

/// `relative` under `root`, refused when it would climb out of it.
fn inside(root: &Path, relative: &str) -> Option<PathBuf> {
    let relative = Path::new(relative);
    relative.components().all(|c| matches!(c, Component::Normal(_))).then(|| root.join(relative))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_paths_stay_inside_the_folder() {
        let root = Path::new("/srv/uploads");
        assert_eq!(inside(root, "2019/05/a.jpg"), Some(root.join("2019/05/a.jpg")));
        assert_eq!(inside(root, "../etc/passwd"), None);
        assert_eq!(inside(root, "/etc/passwd"), None);
    }
}
