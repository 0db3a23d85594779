//! Pictures on the web side: serving the stored files, which never change, with immutable
//! caching, reading upload forms, and the responsive sources of a picture. Taking a picture
//! in is the newsroom's (`dateline_newsroom::media`).

use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_core::{Media, MediaText, StoryImage};
use dateline_media::{ImageFormat, Limits, MediaError, VARIANT_WIDTHS};
pub use dateline_newsroom::media::{Pictures, TakeError};

/// 413 for a file too large, 422 for any other bad file, 500 for our own failures.
pub fn take_status(error: &TakeError) -> StatusCode {
    match error {
        TakeError::Refused(MediaError::TooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
        TakeError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
        TakeError::Storage(_) | TakeError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Takes `bytes` into the library with the state's store, pictures and clock
/// ([`dateline_newsroom::media::take_in`]).
///
/// # Errors
/// As [`dateline_newsroom::media::take_in`].
pub async fn take_in(
    state: &AppState,
    bytes: Vec<u8>,
    text: MediaText,
    origin: &str,
) -> Result<Media, TakeError> {
    dateline_newsroom::media::take_in(
        state.store.as_ref(),
        &state.pictures,
        bytes,
        text,
        origin,
        state.clock.now(),
    )
    .await
}

/// Stored files never change: a year, immutable.
const FOREVER: &str = "public, max-age=31536000, immutable";

/// `GET /media/{hash}/{file}`: the original (`original.jpg`) or a variant (`640.webp`).
pub async fn serve(
    State(state): State<AppState>,
    Path((hash, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some((width, format)) = parse_file(&hash, &file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"{}-{file}\"", &hash[..16]);
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains(&etag)) {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, FOREVER.to_owned())],
        )
            .into_response();
    }
    let key = dateline_media::variant_key(&hash, width, format);
    match state.pictures.storage.get(&key).await {
        Ok(Some(bytes)) => (
            [
                (header::CONTENT_TYPE, format.mime().to_owned()),
                (header::CACHE_CONTROL, FOREVER.to_owned()),
                (header::ETAG, etag),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, key, "media storage failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// The width (`None` for the original) and format a file name asks for, when it is one we make.
fn parse_file(hash: &str, file: &str) -> Option<(Option<u32>, ImageFormat)> {
    if hash.len() != 64 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let (name, extension) = file.split_once('.')?;
    let format = ImageFormat::from_extension(extension).filter(|f| f.extension() == extension)?;
    let width = match name {
        "original" => None,
        w => Some(w.parse().ok().filter(|w| VARIANT_WIDTHS.contains(w))?),
    };
    Some((width, format))
}

/// The responsive sources of a library picture: `srcset` lists in WebP and in the
/// original's family, for `<picture>`. `None` for a picture from elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Sources {
    pub webp: String,
    /// `None` when the original is itself WebP (then `webp` says it all).
    pub fallback: Option<String>,
}

pub fn sources(image: &StoryImage) -> Option<Sources> {
    let (hash, extension) = dateline_core::media::library_file(&image.url)?;
    let width = image.width?;
    let original = ImageFormat::from_extension(extension)?;
    let smaller = VARIANT_WIDTHS.iter().copied().filter(|w| *w < width);
    let list = |ext: &str, with_original: bool| {
        let mut items: Vec<String> = smaller
            .clone()
            .map(|w| format!("{} {w}w", dateline_core::media::media_path(hash, Some(w), ext)))
            .collect();
        if with_original {
            items.push(format!("{} {width}w", image.url));
        }
        items.join(", ")
    };
    Some(match original {
        ImageFormat::WebP => Sources { webp: list("webp", true), fallback: None },
        ImageFormat::Gif => Sources { webp: list("webp", false), fallback: Some(list("png", true)) },
        other => Sources { webp: list("webp", false), fallback: Some(list(other.extension(), true)) },
    })
}

/// Largest request carrying an upload: the largest file plus room for the other fields.
pub fn max_upload_request(limits: &Limits) -> usize {
    limits.max_bytes + 64 * 1024
}

/// A multipart upload: the file (`file` field) and the words sent with it.
pub struct Upload {
    pub file: Option<Vec<u8>>,
    pub fields: std::collections::BTreeMap<String, String>,
}

/// Why an upload form could not be read.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the file is larger than {max} bytes")]
    TooLarge { max: usize },
    #[error("the form could not be read: {0}")]
    Malformed(String),
}

impl Upload {
    /// Reads every part, refusing a file over `max_bytes` as soon as it gets there.
    ///
    /// # Errors
    /// [`UploadError`] for a broken or oversized form.
    pub async fn read(
        mut multipart: axum::extract::Multipart,
        max_bytes: usize,
    ) -> Result<Self, UploadError> {
        let mut upload = Self { file: None, fields: Default::default() };
        let failed = |e: axum::extract::multipart::MultipartError| match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => UploadError::TooLarge { max: max_bytes },
            _ => UploadError::Malformed(e.body_text()),
        };
        while let Some(mut field) = multipart.next_field().await.map_err(failed)? {
            let name = field.name().unwrap_or_default().to_owned();
            let limit = if name == "file" { max_bytes } else { 16 * 1024 };
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(failed)? {
                if bytes.len() + chunk.len() > limit {
                    return Err(if name == "file" {
                        UploadError::TooLarge { max: max_bytes }
                    } else {
                        UploadError::Malformed(format!("the field {name:?} is too long"))
                    });
                }
                bytes.extend_from_slice(&chunk);
            }
            if name == "file" {
                upload.file = Some(bytes).filter(|b| !b.is_empty());
            } else {
                let text = String::from_utf8(bytes)
                    .map_err(|_| UploadError::Malformed(format!("the field {name:?} is not UTF-8 text")))?;
                // Cleaned like every form field (`crate::input`).
                upload.fields.insert(name, dateline_core::text::clean(&text).into_owned());
            }
        }
        Ok(upload)
    }

    /// The alt text, caption, credit and focal point sent with the file.
    ///
    /// # Errors
    /// Every field that is wrong.
    pub fn text(&self) -> Result<MediaText, Vec<dateline_core::FieldError>> {
        media_text(|name| self.fields.get(name).map(String::as_str))
    }
}

/// Media words from form fields named alt, caption, credit, focal_x and focal_y.
///
/// # Errors
/// Every field that is wrong.
pub fn media_text<'a>(
    field: impl Fn(&str) -> Option<&'a str>,
) -> Result<MediaText, Vec<dateline_core::FieldError>> {
    let mut errors = Vec::new();
    let mut percent = |name: &str| match field(name).map(str::trim).filter(|v| !v.is_empty()) {
        None => 50,
        Some(v) => v.parse::<u8>().ok().filter(|p| *p <= 100).unwrap_or_else(|| {
            errors.push(dateline_core::FieldError::new(
                "focal",
                format!("{v:?} is not a percentage from 0 to 100"),
            ));
            50
        }),
    };
    let (focal_x, focal_y) = (percent("focal_x"), percent("focal_y"));
    let text = |name: &str| field(name).unwrap_or_default().trim().to_owned();
    let media =
        MediaText { alt: text("alt"), caption: text("caption"), credit: text("credit"), focal_x, focal_y };
    if let Err(more) = media.validate() {
        errors.extend(more);
    }
    if errors.is_empty() { Ok(media) } else { Err(errors) }
}

/// A story body with each library picture (`<img src="/media/…">`, as Markdown's `![alt](…)`
/// gives it) turned into a responsive `<picture>` with its size, lazily loaded. Pictures
/// from elsewhere are only made lazy.
///
/// # Errors
/// A store failure while looking the pictures up.
pub async fn responsive_body(
    store: &dyn dateline_store::Store,
    html: &str,
) -> Result<String, dateline_store::StoreError> {
    if !html.contains("<img ") {
        return Ok(html.to_owned());
    }
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    while let Some(start) = rest.find("<img ") {
        let Some(len) = rest[start..].find('>') else { break };
        out.push_str(&rest[..start]);
        let tag = &rest[start..=start + len];
        rest = &rest[start + len + 1..];
        let attrs = attributes(tag);
        let value = |name: &str| attrs.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
        let src = value("src").unwrap_or_default();
        let media = match dateline_core::media::library_file(src) {
            Some((hash, _)) => store.media_by_hash(hash).await?,
            None => None,
        };
        match media {
            Some(media) => {
                // The alt text is already escaped in the sanitised body: keep it as it is.
                let alt = value("alt").unwrap_or_default();
                let image = StoryImage {
                    url: src.to_owned(),
                    width: Some(media.width),
                    height: Some(media.height),
                    ..StoryImage::default()
                };
                let sizes = "(min-width: 64em) 44rem, 100vw";
                let (w, h) = (media.width, media.height);
                match sources(&image) {
                    Some(Sources { webp, fallback: Some(fallback) }) => out.push_str(&format!(
                        "<picture><source type=\"image/webp\" srcset=\"{webp}\" sizes=\"{sizes}\"><img src=\"{src}\" srcset=\"{fallback}\" sizes=\"{sizes}\" alt=\"{alt}\" width=\"{w}\" height=\"{h}\" loading=\"lazy\" decoding=\"async\"></picture>"
                    )),
                    Some(Sources { webp, fallback: None }) => out.push_str(&format!(
                        "<img src=\"{src}\" srcset=\"{webp}\" sizes=\"{sizes}\" alt=\"{alt}\" width=\"{w}\" height=\"{h}\" loading=\"lazy\" decoding=\"async\">"
                    )),
                    None => out.push_str(&format!("<img src=\"{src}\" alt=\"{alt}\" width=\"{w}\" height=\"{h}\" loading=\"lazy\" decoding=\"async\">")),
                }
            }
            None if !tag.contains(" loading=") => {
                out.push_str(tag.trim_end_matches('>').trim_end_matches('/').trim_end());
                out.push_str(" loading=\"lazy\">");
            }
            None => out.push_str(tag),
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The `name="value"` pairs of a sanitised tag (values stay escaped as they are).
fn attributes(tag: &str) -> Vec<(&str, &str)> {
    let mut pairs = Vec::new();
    let mut rest = tag.trim_start_matches('<').trim_start_matches(|c: char| c.is_ascii_alphanumeric());
    while let Some(eq) = rest.find("=\"") {
        let name = rest[..eq].trim();
        let after = &rest[eq + 2..];
        let Some(end) = after.find('"') else { break };
        pairs.push((name, &after[..end]));
        rest = &after[end + 1..];
    }
    pairs
}
