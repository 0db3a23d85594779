//! The media library in the admin: upload (a plain multipart form, with drag and drop where
//! scripts run), the pictures newest first with the address to use in a story, and each
//! picture's alt text, caption, credit and focal point.

use super::{Editor, Flash, render};
use crate::error::WebError;
use crate::input::Form;
use crate::media::{TakeError, Upload, UploadError, media_text, take_in};
use crate::state::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dateline_core::media::media_path;
use dateline_core::{Action, Target};
use dateline_core::{FieldError, Media, MediaId, PageRequest};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const PER_PAGE: u32 = 60;

/// A picture as the library page shows it.
#[derive(Serialize)]
struct Tile {
    id: i64,
    url: String,
    thumbnail: String,
    alt: String,
    caption: String,
    credit: String,
    size: String,
    origin: String,
}

impl From<&Media> for Tile {
    fn from(m: &Media) -> Self {
        let thumbnail = if m.width > 320 { media_path(&m.hash, Some(320), "webp") } else { m.url() };
        Self {
            id: m.id.0,
            url: m.url(),
            thumbnail,
            alt: m.text.alt.clone(),
            caption: m.text.caption.clone(),
            credit: m.text.credit.clone(),
            size: format!(
                "{} × {} · {} KB · {}",
                m.width,
                m.height,
                m.bytes.div_ceil(1000),
                m.format.to_uppercase()
            ),
            origin: m.origin.clone(),
        }
    }
}

#[derive(Deserialize)]
pub struct LibraryQuery {
    #[serde(default)]
    page: Option<u32>,
}

async fn library_page(
    state: &AppState,
    editor: &Editor,
    status: StatusCode,
    page: u32,
    error: Option<String>,
    typed: BTreeMap<String, String>,
) -> Result<Response, WebError> {
    let window = PageRequest { offset: u64::from(page - 1) * u64::from(PER_PAGE), limit: PER_PAGE + 1 };
    let mut list = state.store.media_list(window).await?;
    let more = list.len() > PER_PAGE as usize;
    list.truncate(PER_PAGE as usize);
    let tiles: Vec<Tile> = list.iter().map(Tile::from).collect();
    let context = crate::view_context! {
        tiles => tiles,
        error => error,
        typed => typed,
        max_mb => state.pictures.limits.max_bytes / 1_000_000,
        prev_page => (page > 1).then(|| page - 1),
        next_page => more.then_some(page + 1),
    };
    render(state, Some(&editor.0), status, "media.html", "/admin/media", None, context).await
}

pub async fn library(
    State(state): State<AppState>,
    editor: Editor,
    Query(q): Query<LibraryQuery>,
) -> Result<Response, WebError> {
    editor.require(Action::ViewStories, Target::Site)?;
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    library_page(&state, &editor, StatusCode::OK, page, None, BTreeMap::new()).await
}

pub async fn upload(
    State(state): State<AppState>,
    editor: Editor,
    multipart: Multipart,
) -> Result<Response, WebError> {
    editor.require(Action::UploadMedia, Target::Site)?;
    let max = state.pictures.limits.max_bytes;
    let upload = match Upload::read(multipart, max).await {
        Ok(upload) => upload,
        Err(UploadError::TooLarge { .. }) => {
            let message =
                format!("The file is larger than {} MB; make it smaller and try again.", max / 1_000_000);
            return library_page(
                &state,
                &editor,
                StatusCode::PAYLOAD_TOO_LARGE,
                1,
                Some(message),
                BTreeMap::new(),
            )
            .await;
        }
        Err(UploadError::Malformed(m)) => return Err(WebError::BadRequest(m)),
    };
    editor.check_csrf(upload.fields.get("csrf").map(String::as_str).unwrap_or_default())?;
    let refuse = |status, message: String| {
        let typed = upload.fields.clone();
        let (state, editor) = (&state, &editor);
        async move { library_page(state, editor, status, 1, Some(message), typed).await }
    };
    let text = match upload.text() {
        Ok(text) => text,
        Err(errors) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, messages(&errors)).await,
    };
    let Some(file) = upload.file.clone() else {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "Choose a picture to upload.".into()).await;
    };
    match take_in(&state, file, text, "").await {
        Ok(media) => Ok(Redirect::to(&format!("/admin/media/{}?done=uploaded", media.id)).into_response()),
        Err(e @ TakeError::Refused(_)) => {
            let status = crate::media::take_status(&e);
            refuse(status, format!("The picture was not added: {e}.")).await
        }
        Err(TakeError::Store(e)) => Err(e.into()),
        Err(TakeError::Storage(e)) => Err(WebError::internal(e)),
    }
}

fn messages(errors: &[FieldError]) -> String {
    errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
}

#[derive(Deserialize)]
pub struct Done {
    #[serde(default)]
    done: String,
}

async fn item_page(
    state: &AppState,
    editor: &Editor,
    status: StatusCode,
    media: &Media,
    typed: Option<BTreeMap<String, String>>,
    errors: Vec<FieldError>,
    flash: Option<Flash>,
) -> Result<Response, WebError> {
    let saved = BTreeMap::from([
        ("alt".to_owned(), media.text.alt.clone()),
        ("caption".to_owned(), media.text.caption.clone()),
        ("credit".to_owned(), media.text.credit.clone()),
        ("focal_x".to_owned(), media.text.focal_x.to_string()),
        ("focal_y".to_owned(), media.text.focal_y.to_string()),
    ]);
    let errors: BTreeMap<String, String> =
        errors.into_iter().map(|e| (e.field.to_owned(), e.message)).collect();
    let variants: Vec<_> = dateline_media::VARIANT_WIDTHS
        .into_iter()
        .filter(|w| *w < media.width)
        .map(|w| minijinja::context! { url => media_path(&media.hash, Some(w), "webp"), name => format!("{w} px") })
        .collect();
    let context = crate::view_context! {
        media => Tile::from(media),
        width => media.width,
        height => media.height,
        form => typed.unwrap_or(saved),
        errors => errors,
        variants => variants,
        may_edit => editor.may(Action::UploadMedia, Target::Site),
    };
    render(state, Some(&editor.0), status, "media_item.html", "/admin/media", flash, context).await
}

pub async fn item(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    editor.require(Action::ViewStories, Target::Site)?;
    let media = state.store.media(MediaId(id)).await?.ok_or(WebError::NotFound)?;
    let flash = match done.done.as_str() {
        "uploaded" => Some("Uploaded. Copy the address below into a story's image field."),
        "saved" => Some("Saved."),
        _ => None,
    }
    .map(|m| Flash { kind: "ok", message: m.into() });
    item_page(&state, &editor, StatusCode::OK, &media, None, vec![], flash).await
}

pub async fn save(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<i64>,
    Form(fields): Form<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    editor.require(Action::UploadMedia, Target::Site)?;
    editor.check_csrf(fields.get("csrf").map(String::as_str).unwrap_or_default())?;
    let media = state.store.media(MediaId(id)).await?.ok_or(WebError::NotFound)?;
    let text = match media_text(|name| fields.get(name).map(String::as_str)) {
        Ok(text) => text,
        Err(errors) => {
            return item_page(
                &state,
                &editor,
                StatusCode::UNPROCESSABLE_ENTITY,
                &media,
                Some(fields),
                errors,
                None,
            )
            .await;
        }
    };
    state.store.set_media_text(media.id, &text).await?;
    Ok(Redirect::to(&format!("/admin/media/{id}?done=saved")).into_response())
}
