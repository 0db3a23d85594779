//! `/admin/import`: an administrator uploads a WordPress or Ghost export and the import runs
//! in the background (`dateline_newsroom::import::jobs`), the page showing how far it has
//! come (it reloads itself while the import runs; no script needed) and then the report.
//! The upload is streamed to a private temporary file, never held in memory, and only after
//! the form's CSRF token (sent before the file) has been checked.

use super::{Editor, render};
use crate::error::WebError;
use crate::state::AppState;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dateline_core::{Action, Target};
use dateline_newsroom::import::jobs::Kind;
use dateline_newsroom::import::{ImportError, MediaFrom, Options};
use tokio::io::AsyncWriteExt;

/// The largest export an administrator may upload.
pub const MAX_UPLOAD_BYTES: usize = 4 * 1024 * 1024 * 1024;

async fn page(
    state: &AppState,
    editor: &Editor,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, WebError> {
    let job = state.imports.current();
    let percent = job.as_ref().map(|j| (j.read * 100).checked_div(j.total).unwrap_or(0));
    let table = job.as_ref().and_then(|j| j.report.as_ref()).map(dateline_newsroom::import::Report::table);
    let context = crate::view_context! {
        job => job,
        percent => percent,
        table => table,
        error => error,
        max_gb => MAX_UPLOAD_BYTES / 1024 / 1024 / 1024,
    };
    render(state, Some(&editor.0), status, "import.html", "/admin/import", None, context).await
}

pub async fn form(State(state): State<AppState>, editor: Editor) -> Result<Response, WebError> {
    editor.require(Action::MoveSite, Target::Site)?;
    page(&state, &editor, StatusCode::OK, None).await
}

/// A private file for an upload, removed if the upload does not become an import.
struct Upload {
    path: std::path::PathBuf,
    kept: bool,
}

impl Drop for Upload {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

pub async fn start(
    State(state): State<AppState>,
    editor: Editor,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    editor.require(Action::MoveSite, Target::Site)?;
    let bad = |m: &str| WebError::BadRequest(m.to_owned());
    let (mut csrf_ok, mut kind, mut dry_run, mut fetch) = (false, None, false, false);
    let mut upload: Option<(Upload, String)> = None;
    while let Some(mut field) =
        multipart.next_field().await.map_err(|e| WebError::BadRequest(e.to_string()))?
    {
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            if !csrf_ok {
                return Err(bad("the form's token must come before the file"));
            }
            let file_name = field.file_name().unwrap_or("export").chars().take(200).collect::<String>();
            let path = std::env::temp_dir().join(format!(
                "dateline-import-{}-{}.upload",
                std::process::id(),
                jiff::Timestamp::now().as_nanosecond()
            ));
            let guard = Upload { path: path.clone(), kept: false };
            let mut out = tokio::fs::File::create(&path).await.map_err(WebError::internal)?;
            let mut written = 0usize;
            while let Some(chunk) = field.chunk().await.map_err(|e| WebError::BadRequest(e.to_string()))? {
                written += chunk.len();
                if written > MAX_UPLOAD_BYTES {
                    return Err(bad("the file is too large"));
                }
                out.write_all(&chunk).await.map_err(WebError::internal)?;
            }
            out.flush().await.map_err(WebError::internal)?;
            if written == 0 {
                return page(
                    &state,
                    &editor,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some("Choose an export file.".into()),
                )
                .await;
            }
            upload = Some((guard, file_name));
            continue;
        }
        let value = field.text().await.map_err(|e| WebError::BadRequest(e.to_string()))?;
        match name.as_str() {
            "csrf" => {
                editor.check_csrf(&value)?;
                csrf_ok = true;
            }
            "kind" => kind = Kind::parse(&value),
            "dry_run" => dry_run = value == "on",
            "fetch_media" => fetch = value == "on",
            _ => {}
        }
    }
    if !csrf_ok {
        return Err(WebError::BadCsrf);
    }
    let Some(kind) = kind else {
        return page(
            &state,
            &editor,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Say what the export comes from.".into()),
        )
        .await;
    };
    let Some((mut file, file_name)) = upload else {
        return page(
            &state,
            &editor,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Choose an export file.".into()),
        )
        .await;
    };
    let options = Options {
        dry_run,
        media: if fetch { MediaFrom::Fetch(state.egress.clone()) } else { MediaFrom::Skip },
        pictures: state.pictures.clone(),
    };
    let actor = editor.actor();
    match state.imports.start(state.store.clone(), actor, kind, file.path.clone(), file_name, options) {
        Ok(()) => {
            file.kept = true;
            Ok(Redirect::to("/admin/import").into_response())
        }
        Err(ImportError::Busy) => {
            page(
                &state,
                &editor,
                StatusCode::CONFLICT,
                Some("Another import is running; wait for it to finish.".into()),
            )
            .await
        }
        Err(ImportError::Forbidden) => Err(WebError::Forbidden),
        Err(e) => Err(WebError::internal(e)),
    }
}
