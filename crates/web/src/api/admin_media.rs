//! Admin API: the media library. Uploads are multipart (`file`, and optionally `alt`,
//! `caption`, `credit`, `focal_x`, `focal_y`); the answer lists the picture's addresses.

use super::{AdminToken, ApiError, ApiJson, ErrorBody};
use crate::media::{TakeError, Upload, UploadError, max_upload_request, take_in};
use crate::state::AppState;
use axum::Json;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use dateline_core::media::media_path;
use dateline_core::{FieldError, Media, MediaId, MediaText};
use dateline_media::{Limits, VARIANT_WIDTHS};
use dateline_newsroom::media::{RemoveError, remove};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const PER_PAGE: u32 = 50;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_media, upload_media))
        .routes(routes!(get_media, put_media, delete_media))
        .layer(DefaultBodyLimit::max(max_upload_request(&Limits::default())))
}

/// A picture in the library.
#[derive(Serialize, ToSchema)]
pub struct MediaOut {
    id: i64,
    /// The original, metadata removed: use it as a story's image URL.
    url: String,
    width: u32,
    height: u32,
    /// jpg, png, webp or gif.
    format: String,
    bytes: u64,
    alt: String,
    caption: String,
    credit: String,
    focal_x: u8,
    focal_y: u8,
    /// Where an agency's picture was fetched from; empty for uploads.
    origin: String,
    created_at: String,
    /// Every resized copy, smallest first.
    variants: Vec<VariantOut>,
}

#[derive(Serialize, ToSchema)]
pub struct VariantOut {
    width: u32,
    url: String,
}

impl From<Media> for MediaOut {
    fn from(m: Media) -> Self {
        let mut variants = Vec::new();
        for width in VARIANT_WIDTHS.into_iter().filter(|w| *w < m.width) {
            variants.push(VariantOut { width, url: media_path(&m.hash, Some(width), "webp") });
            let family = match m.format.as_str() {
                "webp" => None,
                "gif" => Some("png"),
                other => Some(other),
            };
            if let Some(ext) = family {
                variants.push(VariantOut { width, url: media_path(&m.hash, Some(width), ext) });
            }
        }
        Self {
            id: m.id.0,
            url: m.url(),
            width: m.width,
            height: m.height,
            bytes: m.bytes,
            alt: m.text.alt,
            caption: m.text.caption,
            credit: m.text.credit,
            focal_x: m.text.focal_x,
            focal_y: m.text.focal_y,
            origin: m.origin,
            created_at: m.created_at.to_string(),
            format: m.format,
            variants,
        }
    }
}

/// The words and focal point of a picture.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaTextIn {
    #[serde(default)]
    alt: String,
    #[serde(default)]
    caption: String,
    #[serde(default)]
    credit: String,
    /// Percent from the left, 0 to 100.
    #[serde(default = "middle")]
    focal_x: u8,
    /// Percent from the top, 0 to 100.
    #[serde(default = "middle")]
    focal_y: u8,
}

fn middle() -> u8 {
    50
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MediaQuery {
    /// Page number from 1.
    page: Option<u32>,
    /// Words that must all be in a picture's alt text, caption or credit.
    #[serde(default)]
    q: String,
}

impl From<TakeError> for ApiError {
    fn from(e: TakeError) -> Self {
        let status = crate::media::take_status(&e);
        match e {
            TakeError::Refused(why) => ApiError::new(status, "bad_image", why.to_string()),
            TakeError::Store(store) => store.into(),
            TakeError::Storage(cause) => {
                tracing::error!(error = %cause, "media storage failed");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "The picture could not be stored.",
                )
            }
        }
    }
}

/// Adds a picture (JPEG, PNG, WebP or GIF; AVIF is refused). The same file again answers
/// with the picture already in the library.
#[utoipa::path(post, path = "/api/admin/v1/media", tag = "admin",
    request_body(content_type = "multipart/form-data", description = "`file`, and optionally alt, caption, credit, focal_x, focal_y"),
    responses((status = 201, body = MediaOut), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn upload_media(
    State(state): State<AppState>,
    _t: AdminToken,
    multipart: Multipart,
) -> Result<(StatusCode, Json<MediaOut>), ApiError> {
    let max = state.pictures.limits.max_bytes;
    let upload = Upload::read(multipart, max).await.map_err(|e| match e {
        UploadError::TooLarge { .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("The file is larger than {} MB.", max / 1_000_000),
        ),
        UploadError::Malformed(m) => ApiError::new(StatusCode::BAD_REQUEST, "bad_request", m),
    })?;
    let text = upload.text().map_err(ApiError::invalid)?;
    let Some(file) = upload.file else {
        return Err(ApiError::invalid(vec![FieldError::new(
            "file",
            "send the picture in a field named file",
        )]));
    };
    let media = take_in(&state, file, text, "").await?;
    Ok((StatusCode::CREATED, Json(media.into())))
}

/// The library, newest first, 50 a page; with `q`, only pictures whose words match.
#[utoipa::path(get, path = "/api/admin/v1/media", tag = "admin", params(MediaQuery),
    responses((status = 200, body = Vec<MediaOut>), (status = 401, body = ErrorBody)))]
async fn list_media(
    State(state): State<AppState>,
    _t: AdminToken,
    Query(q): Query<MediaQuery>,
) -> Result<Json<Vec<MediaOut>>, ApiError> {
    let (_, window) = super::admin_stories::page_window(q.page, PER_PAGE)?;
    let list = state.store.media_search(&q.q, window).await?;
    Ok(Json(list.into_iter().take(PER_PAGE as usize).map(Into::into).collect()))
}

#[utoipa::path(get, path = "/api/admin/v1/media/{id}", tag = "admin",
    responses((status = 200, body = MediaOut), (status = 404, body = ErrorBody)))]
async fn get_media(
    State(state): State<AppState>,
    _t: AdminToken,
    Path(id): Path<i64>,
) -> Result<Json<MediaOut>, ApiError> {
    let media = state.store.media(MediaId(id)).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json(media.into()))
}

/// Changes a picture's alt text, caption, credit and focal point. Stories already using it
/// keep the words they were given.
#[utoipa::path(put, path = "/api/admin/v1/media/{id}", tag = "admin", request_body = MediaTextIn,
    responses((status = 200, body = MediaOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_media(
    State(state): State<AppState>,
    _t: AdminToken,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<MediaTextIn>,
) -> Result<Json<MediaOut>, ApiError> {
    let text = MediaText {
        alt: input.alt.trim().to_owned(),
        caption: input.caption.trim().to_owned(),
        credit: input.credit.trim().to_owned(),
        focal_x: input.focal_x,
        focal_y: input.focal_y,
    };
    Ok(Json(state.store.set_media_text(MediaId(id), &text).await?.into()))
}

impl From<RemoveError> for ApiError {
    fn from(e: RemoveError) -> Self {
        match e {
            RemoveError::Forbidden => {
                ApiError::new(StatusCode::FORBIDDEN, "forbidden", "This token may not remove pictures.")
            }
            RemoveError::NotFound => ApiError::not_found(),
            RemoveError::InUse(stories) => {
                let mut error = ApiError::new(
                    StatusCode::CONFLICT,
                    "in_use",
                    format!(
                        "Stories show this picture; take it out of them first: {}.",
                        in_use_names(&stories)
                    ),
                );
                error.fields =
                    stories.into_iter().map(|(id, headline)| (format!("story/{id}"), headline)).collect();
                error
            }
            RemoveError::Storage(cause) => {
                tracing::error!(error = %cause, "media files not deleted");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    RemoveError::Storage(cause).to_string(),
                )
            }
            RemoveError::Store(store) => store.into(),
        }
    }
}

/// The stories that show a picture, for a message: `"Headline" (#12), ...`.
pub fn in_use_names(stories: &[(dateline_core::StoryId, String)]) -> String {
    stories
        .iter()
        .map(|(id, headline)| format!("\u{201c}{headline}\u{201d} (#{id})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Removes a picture that no story shows, with its files and resized copies (204). A picture
/// in use stays: 409, naming the stories (`fields`: `story/{id}` to headline).
#[utoipa::path(delete, path = "/api/admin/v1/media/{id}", tag = "admin",
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_media(
    State(state): State<AppState>,
    token: AdminToken,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    remove(state.store.as_ref(), &state.pictures, &token.actor(), MediaId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
