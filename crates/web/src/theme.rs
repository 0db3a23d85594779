//! Templates and static assets. The default theme is embedded in the binary; a site can put
//! a folder with `templates/` and `assets/` beside it, and any file found there replaces the
//! built-in file of the same name (Zola's look-up order: site first, then built-ins).

use include_dir::{Dir, include_dir};
use minijinja::{AutoEscape, Environment, Output, State, Value};
use serde::Serialize;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

static BUILT_IN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/theme");

/// Why a page could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("template {name}: {source}")]
    Template {
        name: String,
        #[source]
        source: minijinja::Error,
    },
    #[error("theme folder {0} does not exist")]
    MissingFolder(PathBuf),
}

/// The template environment plus where overriding files live.
pub struct Theme {
    env: Environment<'static>,
    folder: Option<PathBuf>,
}

impl Theme {
    /// The built-in theme, overridden file by file from `folder` when given.
    ///
    /// # Errors
    /// [`ThemeError::MissingFolder`] when `folder` does not exist, and a template error when
    /// one of the page templates does not compile.
    pub fn new(folder: Option<&Path>) -> Result<Self, ThemeError> {
        if let Some(f) = folder
            && !f.is_dir()
        {
            return Err(ThemeError::MissingFolder(f.to_owned()));
        }
        let folder = folder.map(Path::to_owned);
        let mut env = Environment::new();
        env.set_formatter(html_formatter);
        let assets_from = folder.clone();
        env.add_function("asset_url", move |name: String| asset_url(assets_from.as_deref(), &name));
        let lookup = folder.clone();
        env.set_loader(move |name| {
            if name.contains("..") {
                return Ok(None);
            }
            if let Some(dir) = &lookup {
                match std::fs::read_to_string(dir.join("templates").join(name)) {
                    Ok(text) => return Ok(Some(text)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(minijinja::Error::new(
                            minijinja::ErrorKind::InvalidOperation,
                            "theme file unreadable",
                        )
                        .with_source(e));
                    }
                }
            }
            Ok(BUILT_IN
                .get_file(format!("templates/{name}"))
                .and_then(|f| f.contents_utf8())
                .map(str::to_owned))
        });
        let theme = Self { env, folder };
        for page in ["home.html", "story.html", "list.html", "error.html"] {
            theme
                .env
                .get_template(page)
                .map_err(|source| ThemeError::Template { name: page.into(), source })?;
        }
        Ok(theme)
    }

    /// Renders template `name` with `context`.
    ///
    /// # Errors
    /// [`ThemeError::Template`] when the template is missing or fails at render time.
    pub fn render(&self, name: &str, context: impl Serialize) -> Result<String, ThemeError> {
        let err = |source| ThemeError::Template { name: name.to_owned(), source };
        self.env
            .get_template(name)
            .map_err(err)?
            .render(Value::from(minijinja::value::Serde(context)))
            .map_err(err)
    }

    /// The versioned address of asset `name`, as templates get it from `asset_url(name)`.
    pub fn asset_url(&self, name: &str) -> String {
        asset_url(self.folder.as_deref(), name)
    }

    /// The bytes and content type of asset `name` (a path under `assets/`).
    pub fn asset(&self, name: &str) -> Option<(Cow<'static, [u8]>, &'static str)> {
        asset_bytes(self.folder.as_deref(), name).map(|bytes| (bytes, content_type(name)))
    }
}

/// `/assets/NAME?v=VERSION`, cacheable for ever because the version changes with the content.
fn asset_url(folder: Option<&Path>, name: &str) -> String {
    match asset_bytes(folder, name) {
        Some(bytes) => format!("/assets/{name}?v={}", version_of(&bytes)),
        None => format!("/assets/{name}"),
    }
}

/// Asset `name` from the site's folder, else the built-in theme.
fn asset_bytes(folder: Option<&Path>, name: &str) -> Option<Cow<'static, [u8]>> {
    if name.split('/').any(|part| part.is_empty() || part == ".." || part.starts_with('.')) {
        return None;
    }
    if let Some(dir) = folder
        && let Ok(bytes) = std::fs::read(dir.join("assets").join(name))
    {
        return Some(Cow::Owned(bytes));
    }
    BUILT_IN.get_file(format!("assets/{name}")).map(|f| Cow::Borrowed(f.contents()))
}

/// The version of an asset's content, put in its URL (`?v=`) so it can be cached for ever.
pub fn version_of(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(bytes)[..6])
}

/// Escapes strings for HTML like MiniJinja does, except that `/` is left alone, so URLs in
/// attributes stay readable (`https://`, not `https:&#x2f;&#x2f;`) for crawlers and people.
fn html_formatter(out: &mut Output, state: &mut State, value: &Value) -> Result<(), minijinja::Error> {
    if matches!(state.auto_escape(), AutoEscape::Html)
        && !value.is_safe()
        && let Some(text) = value.as_str()
    {
        let mut rest = text;
        while let Some(pos) = rest.find(['&', '<', '>', '"', '\'']) {
            let (before, after) = rest.split_at(pos);
            let entity = match after.as_bytes()[0] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#x27;",
            };
            write_out(out, before)?;
            write_out(out, entity)?;
            rest = &after[1..];
        }
        return write_out(out, rest);
    }
    minijinja::escape_formatter(out, state, value)
}

fn write_out(out: &mut Output, text: &str) -> Result<(), minijinja::Error> {
    out.write_str(text)
        .map_err(|_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "output failed"))
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Builds a template context from `key => value` pairs of serialisable view structs.
#[macro_export]
macro_rules! view_context {
    ($($key:ident => $value:expr),* $(,)?) => {
        minijinja::context! { $($key => minijinja::Value::from(minijinja::value::Serde(&$value))),* }
    };
}

/// Any serialisable view as a template value.
pub fn to_value<T: Serialize>(view: T) -> Value {
    Value::from(minijinja::value::Serde(view))
}
