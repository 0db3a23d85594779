//! A small newsroom in a temporary SQLite database, with a fixed clock, and helpers to
//! request pages from the router in memory.

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use dateline_core::*;
use dateline_store::{Location, SqlStore, Store};
use dateline_web::{AppState, Clock, Theme};
use http_body_util::BodyExt;
use jiff::Timestamp;
use std::path::Path;
use std::sync::Arc;
use tower::ServiceExt;

/// "Now" in every test: 2025-02-27 16:00 UTC (21:00 in Karachi).
pub const NOW: &str = "2025-02-27T16:00:00Z";

pub fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub struct Site {
    pub store: Arc<dyn Store>,
    pub state: AppState,
    pub world: Section,
    pub urdu: Section,
    pub tag: Tag,
    pub author: Author,
    pub source: Source,
    _dir: tempfile::TempDir,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

impl Site {
    pub async fn new() -> Self {
        Self::with_theme(None).await
    }

    pub async fn with_theme(theme: Option<&Path>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> =
            Arc::new(SqlStore::open(&Location::SqliteDir(dir.path().to_owned())).await.unwrap());
        store
            .save_settings(&SiteSettings {
                name: "The Test Times".into(),
                base_url: "https://news.example.com".into(),
                timezone: "Asia/Karachi".into(),
                ..SiteSettings::default()
            })
            .await
            .unwrap();
        let section = |slug: &str, name: &str, language: Option<&str>, position| NewSection {
            slug: Slug::parse(slug).unwrap(),
            name: name.into(),
            description: format!("{name} news"),
            language: language.map(Into::into),
            position,
        };
        let world = store.create_section(&section("world", "World", None, 1)).await.unwrap();
        let urdu = store.create_section(&section("urdu", "اردو", Some("ur"), 2)).await.unwrap();
        let tag = store
            .create_tag(&NewTag {
                slug: Slug::parse("turkey").unwrap(),
                name: "Turkey".into(),
                kind: TagKind::Place,
            })
            .await
            .unwrap();
        let author = store
            .create_author(&NewAuthor {
                slug: Slug::parse("ayesha-malik").unwrap(),
                name: "Ayesha Malik".into(),
                bio: "Foreign desk.".into(),
            })
            .await
            .unwrap();
        let source = store
            .create_source(&NewSource {
                slug: Slug::parse("app").unwrap(),
                name: "APP".into(),
                credit: "APP".into(),
            })
            .await
            .unwrap();
        let theme = Theme::new(theme).unwrap();
        let state = AppState { clock: Clock::Fixed(at(NOW)), ..AppState::new(store.clone(), theme) };
        Self { store, state, world, urdu, tag, author, source, _dir: dir }
    }

    pub fn draft(&self, headline: &str) -> StoryDraft {
        StoryDraft {
            headline: headline.into(),
            standfirst: "Leaders met for a second day of talks.".into(),
            body: "Delegations from both sides met behind closed doors.\n\nA joint statement is expected."
                .into(),
            dateline_place: "Istanbul".into(),
            credit: "APP - The Test Times".into(),
            section: self.world.id,
            source: Some(self.source.id),
            tags: vec![self.tag.id],
            authors: vec![self.author.id],
            language: "en".into(),
            slug: None,
            image: None,
            prominence: Prominence::Normal,
        }
    }

    /// Creates and publishes a story at `published` (UTC).
    pub async fn publish(&self, draft: &StoryDraft, published: &str) -> Story {
        let story = self.store.create_story(draft, at(published)).await.unwrap();
        self.store.publish_story(story.id, at(published)).await.unwrap()
    }

    pub async fn request(&self, method: Method, uri: &str) -> Page {
        let request = Request::builder().method(method).uri(uri).body(Body::empty()).unwrap();
        let response = dateline_web::router(self.state.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Page { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    pub async fn get(&self, uri: &str) -> Page {
        self.request(Method::GET, uri).await
    }
}

/// The text of `html` with tags removed and whitespace collapsed, for asserting on what a
/// reader sees.
pub fn text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&amp;", "&")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The JSON-LD block of a page, parsed.
pub fn json_ld(html: &str) -> serde_json::Value {
    let start = html.find(r#"<script type="application/ld+json">"#).expect("no JSON-LD") + 35;
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).expect("JSON-LD parses")
}
