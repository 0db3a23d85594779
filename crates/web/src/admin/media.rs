//! The media library in the admin: upload (a plain multipart form, with drag and drop where
//! scripts run), the pictures newest first (or those matching words) with the address to
//! use in a story, each picture's alt text, caption, credit and focal point, and removing
//! a picture no story shows. The story editor's picture picker uses the same handlers,
//! asking for JSON (`Accept: application/json`) instead of a page.

use super::{Done, Editor, Flash, done_redirect, render};
use crate::error::WebError;
use crate::input::Form;
use crate::media::{TakeError, Upload, UploadError, media_text, take_in};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_core::media::media_path;
use dateline_core::{Action, Target};
use dateline_core::{FieldError, Media, MediaId, PageRequest, StoryId};
use dateline_newsroom::media::RemoveError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const PER_PAGE: u32 = 60;

/// A picture as the library page and the editor's picker show it.
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
    focal_x: u8,
    focal_y: u8,
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
            focal_x: m.text.focal_x,
            focal_y: m.text.focal_y,
        }
    }
}

/// Whether the caller (the editor's picker) asked for JSON rather than a page.
fn wants_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"))
}

/// A JSON answer for the picker: the picture, or `{"error": message}`.
fn json_answer(status: StatusCode, tile: Result<Tile, String>) -> Response {
    match tile {
        Ok(tile) => (status, Json(tile)).into_response(),
        Err(message) => (status, Json(serde_json::json!({ "error": message }))).into_response(),
    }
}

#[derive(Deserialize, Default)]
pub struct LibraryQuery {
    #[serde(default)]
    page: Option<u32>,
    /// Words to find in the pictures' alt text, caption or credit.
    #[serde(default)]
    q: String,
    #[serde(default)]
    done: String,
}

/// One page of the library (pictures matching `words`, when any) and whether more follow.
async fn tiles(state: &AppState, words: &str, page: u32) -> Result<(Vec<Tile>, bool), WebError> {
    let window = PageRequest { offset: u64::from(page - 1) * u64::from(PER_PAGE), limit: PER_PAGE + 1 };
    let mut list = state.store.media_search(words, window).await?;
    let more = list.len() > PER_PAGE as usize;
    list.truncate(PER_PAGE as usize);
    Ok((list.iter().map(Tile::from).collect(), more))
}

async fn library_page(
    state: &AppState,
    editor: &Editor,
    status: StatusCode,
    query: &LibraryQuery,
    error: Option<String>,
    typed: BTreeMap<String, String>,
) -> Result<Response, WebError> {
    let page = query.page.unwrap_or(1).clamp(1, 10_000);
    let (tiles, more) = tiles(state, &query.q, page).await?;
    let flash = (query.done == "removed").then(|| Flash::ok("The picture and its files were removed."));
    let context = crate::view_context! {
        tiles => tiles,
        error => error,
        typed => typed,
        q => query.q.trim(),
        q_param => super::urlencode(query.q.trim()),
        max_mb => state.pictures.limits.max_bytes / 1_000_000,
        prev_page => (page > 1).then(|| page - 1),
        next_page => more.then_some(page + 1),
    };
    render(state, Some(&editor.0), status, "media.html", "/admin/media", flash, context).await
}

/// `GET /admin/media`: the library page, or (asked for JSON, by the editor's picker) the
/// page's pictures as `{"pictures": [...], "more": bool}`.
pub async fn library(
    State(state): State<AppState>,
    editor: Editor,
    headers: HeaderMap,
    Query(q): Query<LibraryQuery>,
) -> Result<Response, WebError> {
    editor.require(Action::ViewStories, Target::Site)?;
    if wants_json(&headers) {
        let (pictures, more) = tiles(&state, &q.q, q.page.unwrap_or(1).clamp(1, 10_000)).await?;
        let mut response = Json(serde_json::json!({ "pictures": pictures, "more": more })).into_response();
        response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
        return Ok(response);
    }
    library_page(&state, &editor, StatusCode::OK, &q, None, BTreeMap::new()).await
}

/// `POST /admin/media`: adds the uploaded picture, then shows it (or, asked for JSON by
/// the editor's picker, answers 201 with it); a refused file is explained either way.
pub async fn upload(
    State(state): State<AppState>,
    editor: Editor,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, WebError> {
    editor.require(Action::UploadMedia, Target::Site)?;
    let json = wants_json(&headers);
    let max = state.pictures.limits.max_bytes;
    let first_page = LibraryQuery::default();
    let upload = match Upload::read(multipart, max).await {
        Ok(upload) => upload,
        Err(UploadError::TooLarge { .. }) => {
            let message =
                format!("The file is larger than {} MB; make it smaller and try again.", max / 1_000_000);
            if json {
                return Ok(json_answer(StatusCode::PAYLOAD_TOO_LARGE, Err(message)));
            }
            return library_page(
                &state,
                &editor,
                StatusCode::PAYLOAD_TOO_LARGE,
                &first_page,
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
        let (state, editor, first_page) = (&state, &editor, &first_page);
        async move {
            if json {
                return Ok(json_answer(status, Err(message)));
            }
            library_page(state, editor, status, first_page, Some(message), typed).await
        }
    };
    let text = match upload.text() {
        Ok(text) => text,
        Err(errors) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, messages(&errors)).await,
    };
    let Some(file) = upload.file.clone() else {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "Choose a picture to upload.".into()).await;
    };
    match take_in(&state, file, text, "").await {
        Ok(media) if json => Ok(json_answer(StatusCode::CREATED, Ok(Tile::from(&media)))),
        Ok(media) => Ok(done_redirect(&format!("/admin/media/{}", media.id), "uploaded")),
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

async fn item_page(
    state: &AppState,
    editor: &Editor,
    status: StatusCode,
    media: &Media,
    // What was typed and what is wrong with it, after a refused save.
    refused: Option<(BTreeMap<String, String>, Vec<FieldError>)>,
    flash: Option<Flash>,
    in_use: &[(StoryId, String)],
) -> Result<Response, WebError> {
    let saved = BTreeMap::from([
        ("alt".to_owned(), media.text.alt.clone()),
        ("caption".to_owned(), media.text.caption.clone()),
        ("credit".to_owned(), media.text.credit.clone()),
        ("focal_x".to_owned(), media.text.focal_x.to_string()),
        ("focal_y".to_owned(), media.text.focal_y.to_string()),
    ]);
    let (typed, errors) = refused.map_or((None, vec![]), |(typed, errors)| (Some(typed), errors));
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
        may_remove => editor.may(Action::RemoveMedia, Target::Site),
        in_use => in_use.iter().map(|(id, headline)| minijinja::context! { id => id.0, headline => headline }).collect::<Vec<_>>(),
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
    let flash = done.flash(&[
        ("uploaded", "Uploaded. Copy the address below into a story's image field."),
        ("saved", "Saved."),
    ]);
    item_page(&state, &editor, StatusCode::OK, &media, None, flash, &[]).await
}

/// `POST /admin/media/{id}`: saves a picture's words (answering JSON to the picker).
pub async fn save(
    State(state): State<AppState>,
    editor: Editor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(fields): Form<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    editor.require(Action::UploadMedia, Target::Site)?;
    editor.check_csrf(fields.get("csrf").map(String::as_str).unwrap_or_default())?;
    let media = state.store.media(MediaId(id)).await?.ok_or(WebError::NotFound)?;
    let text = match media_text(|name| fields.get(name).map(String::as_str)) {
        Ok(text) => text,
        Err(errors) if wants_json(&headers) => {
            return Ok(json_answer(StatusCode::UNPROCESSABLE_ENTITY, Err(messages(&errors))));
        }
        Err(errors) => {
            return item_page(
                &state,
                &editor,
                StatusCode::UNPROCESSABLE_ENTITY,
                &media,
                Some((fields, errors)),
                None,
                &[],
            )
            .await;
        }
    };
    let media = state.store.set_media_text(media.id, &text).await?;
    if wants_json(&headers) {
        return Ok(json_answer(StatusCode::OK, Ok(Tile::from(&media))));
    }
    Ok(done_redirect(&format!("/admin/media/{id}"), "saved"))
}

/// `POST /admin/media/{id}/delete`: removes a picture no story shows, with its files; a
/// picture in use stays, and its page names the stories that show it (409).
pub async fn remove(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<i64>,
    Form(fields): Form<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    editor.check_csrf(fields.get("csrf").map(String::as_str).unwrap_or_default())?;
    match dateline_newsroom::media::remove(
        state.store.as_ref(),
        &state.pictures,
        &editor.actor(),
        MediaId(id),
    )
    .await
    {
        Ok(_) => Ok(done_redirect("/admin/media", "removed")),
        Err(RemoveError::Forbidden) => Err(WebError::Forbidden),
        Err(RemoveError::NotFound) => Err(WebError::NotFound),
        Err(RemoveError::InUse(stories)) => {
            let media = state.store.media(MediaId(id)).await?.ok_or(WebError::NotFound)?;
            let flash = Flash {
                kind: "error",
                message: "The picture was not removed: the stories below show it. Take it out of them first."
                    .into(),
            };
            item_page(&state, &editor, StatusCode::CONFLICT, &media, None, Some(flash), &stories).await
        }
        Err(RemoveError::Storage(e)) => Err(WebError::internal(RemoveError::Storage(e))),
        Err(RemoveError::Store(e)) => Err(e.into()),
    }
}
