//! Templates and static assets. The default theme is embedded in the binary; a site can put
//! a folder with `templates/` and `assets/` beside it, and any file found there replaces the
//! built-in file of the same name (Zola's look-up order: site first, then built-ins).
//!
//! Assets are linked by version (`/assets/NAME?v=VERSION`, cached for ever). A style sheet is
//! served with the version put into each `url(...)` naming another asset (its fonts), so
//! those are cached for ever too, and the sheet's own version changes with theirs.

use include_dir::{Dir, include_dir};
use minijinja::{AutoEscape, Environment, Output, State, Value};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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
    assets: Arc<Assets>,
}

/// The theme's assets: the site's folder, then the built-in files.
struct Assets {
    folder: Option<PathBuf>,
    /// Versions worked out once, when there is no site folder: the built-in files never
    /// change, while a site's files are read afresh each time, so edits show at once.
    built_in_versions: Mutex<HashMap<String, String>>,
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
        let assets = Arc::new(Assets { folder: folder.clone(), built_in_versions: Mutex::default() });
        let assets_from = assets.clone();
        env.add_function("asset_url", move |name: String| assets_from.url(&name));
        let lookup = folder;
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
        let theme = Self { env, assets };
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
        self.assets.url(name)
    }

    /// The bytes, as served, and content type of asset `name` (a path under `assets/`).
    pub fn asset(&self, name: &str) -> Option<(Cow<'static, [u8]>, &'static str)> {
        self.assets.served(name).map(|bytes| (bytes, content_type(name)))
    }
}

impl Assets {
    /// `/assets/NAME?v=VERSION`, cacheable for ever because the version changes with the
    /// content.
    fn url(&self, name: &str) -> String {
        match self.version(name) {
            Some(version) => format!("/assets/{name}?v={version}"),
            None => format!("/assets/{name}"),
        }
    }

    /// The version of asset `name` as served.
    fn version(&self, name: &str) -> Option<String> {
        if self.folder.is_some() {
            return self.served(name).map(|bytes| version_of(&bytes));
        }
        let mut known = self.built_in_versions.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(version) = known.get(name) {
            return Some(version.clone());
        }
        let version = version_of(&self.served(name)?);
        known.insert(name.to_owned(), version.clone());
        Some(version)
    }

    /// Asset `name` as served: a style sheet with its references versioned.
    fn served(&self, name: &str) -> Option<Cow<'static, [u8]>> {
        let bytes = asset_bytes(self.folder.as_deref(), name)?;
        if !name.ends_with(".css") {
            return Some(bytes);
        }
        match std::str::from_utf8(&bytes) {
            Ok(css) => Some(Cow::Owned(self.versioned_urls(name, css).into_bytes())),
            Err(_) => Some(bytes),
        }
    }

    /// Style sheet `css` (asset `name`) with `?v=VERSION` added to each `url(...)` that names
    /// another asset by a relative path: `url("fonts/a.woff2")` becomes
    /// `url("fonts/a.woff2?v=0123456789ab")`. Other references (absolute, `data:`, with a
    /// query or fragment, or to no asset) are left as written. A sheet named by a sheet gets
    /// the version of its own text, so sheets naming each other cannot loop.
    fn versioned_urls(&self, name: &str, css: &str) -> String {
        let dir = name.rsplit_once('/').map_or("", |(dir, _)| dir);
        let mut out = String::with_capacity(css.len() + 256);
        let mut rest = css;
        while let Some(start) = rest.find("url(") {
            let (before, after) = rest.split_at(start + "url(".len());
            out.push_str(before);
            let Some(end) = after.find(')') else {
                rest = after;
                break;
            };
            let inner = &after[..end];
            let target = inner.trim().trim_matches(|c| c == '"' || c == '\'');
            let version = resolve(dir, target)
                .filter(|path| path != name)
                .and_then(|path| asset_bytes(self.folder.as_deref(), &path))
                .map(|bytes| version_of(&bytes));
            match version {
                Some(version) => {
                    // Just after the path, inside any quotes.
                    let at = inner.find(target).unwrap_or(0) + target.len();
                    out.push_str(&inner[..at]);
                    out.push_str("?v=");
                    out.push_str(&version);
                    out.push_str(&inner[at..]);
                }
                None => out.push_str(inner),
            }
            rest = &after[end..];
        }
        out.push_str(rest);
        out
    }
}

/// The asset a sheet in folder `dir` names by the relative reference `target`, if it is
/// one: `fonts/a.woff2` from the top folder is `fonts/a.woff2`, `../b.png` from `css` is
/// `b.png`.
fn resolve(dir: &str, target: &str) -> Option<String> {
    if target.is_empty()
        || target.starts_with('/')
        || target.contains([':', '?', '#', '\\'])
        || target.chars().any(char::is_whitespace)
    {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in target.split('/') {
        match part {
            "." => {}
            ".." => {
                parts.pop()?;
            }
            _ => parts.push(part),
        }
    }
    Some(parts.join("/"))
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
        Some("md") => "text/markdown; charset=utf-8",
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
