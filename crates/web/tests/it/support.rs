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

/// An egress policy that also reaches 127.0.0.1, where the tests' feeds, webhook receivers
/// and picture servers run (the default policy refuses it).
pub fn loopback() -> dateline_newsroom::egress::Egress {
    dateline_newsroom::egress::Egress::allowing(&["127.0.0.1"]).unwrap()
}

pub struct Site {
    pub store: Arc<dyn Store>,
    pub state: AppState,
    pub world: Section,
    pub urdu: Section,
    pub tag: Tag,
    pub author: Author,
    pub source: Source,
    /// The site's clock, in unix seconds; tests move it forward.
    pub now: Arc<std::sync::atomic::AtomicI64>,
    _dir: tempfile::TempDir,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// The body as sent, for pictures and other binary answers.
    pub raw: Vec<u8>,
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
        let now = Arc::new(std::sync::atomic::AtomicI64::new(at(NOW).as_second()));
        let state: AppState = dateline_web::Parts {
            clock: Clock::Manual(now.clone()),
            ..dateline_web::Parts::new(store.clone(), theme)
        }
        .into();
        Self { store, state, world, urdu, tag, author, source, now, _dir: dir }
    }

    /// A second store on the same database, as a restarted process would open it.
    pub async fn reopen(&self) -> Arc<dyn Store> {
        Arc::new(SqlStore::open(&Location::SqliteDir(self._dir.path().to_owned())).await.unwrap())
    }

    /// The data folder holding the site's SQLite database (`dateline.db`).
    pub fn data_dir(&self) -> &Path {
        self._dir.path()
    }

    /// Moves the site's clock forward.
    pub fn advance(&self, seconds: i64) {
        self.now.fetch_add(seconds, std::sync::atomic::Ordering::SeqCst);
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
            translation_of: None,
            embargo_until: None,
        }
    }

    /// Creates and publishes a story at `published` (UTC).
    pub async fn publish(&self, draft: &StoryDraft, published: &str) -> Story {
        let story = self.store.create_story(draft, None, at(published)).await.unwrap();
        self.store
            .change_status(story.id, &StatusChange::Publish, &Actor::System("test"), at(published))
            .await
            .unwrap()
    }

    pub async fn request(&self, method: Method, uri: &str) -> Page {
        self.send(Request::builder().method(method).uri(uri).body(Body::empty()).unwrap()).await
    }

    /// Sends any request to the site.
    pub async fn send(&self, request: Request<Body>) -> Page {
        let response = dateline_web::router(self.state.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Page { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), raw: bytes.to_vec() }
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

/// A browser-like client for the admin: keeps cookies and the page's CSRF token.
pub struct Client<'a> {
    pub site: &'a Site,
    pub cookies: std::collections::BTreeMap<String, String>,
    pub csrf: String,
}

/// The value of the first `name="csrf"` field in a page.
pub fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

impl<'a> Client<'a> {
    pub fn new(site: &'a Site) -> Self {
        Self { site, cookies: Default::default(), csrf: String::new() }
    }

    pub async fn send(&mut self, method: Method, uri: &str, form: Option<&[(&str, &str)]>) -> Page {
        let mut builder = Request::builder().method(method).uri(uri);
        if !self.cookies.is_empty() {
            let header = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            builder = builder.header("cookie", header);
        }
        let body = match form {
            Some(fields) => {
                builder = builder.header("content-type", "application/x-www-form-urlencoded");
                Body::from(
                    fields
                        .iter()
                        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
                        .collect::<Vec<_>>()
                        .join("&"),
                )
            }
            None => Body::empty(),
        };
        let response =
            dateline_web::router(self.site.state.clone()).oneshot(builder.body(body).unwrap()).await.unwrap();
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let (pair, _) = text.split_once(';').unwrap_or((text, ""));
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let page =
            Page { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), raw: bytes.to_vec() };
        let token = csrf_of(&page.body);
        if !token.is_empty() {
            self.csrf = token;
        }
        page
    }

    pub async fn get(&mut self, uri: &str) -> Page {
        self.send(Method::GET, uri, None).await
    }

    /// Posts a form, adding the last CSRF token seen unless the fields carry one.
    pub async fn post(&mut self, uri: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.csrf.clone();
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        if !fields.iter().any(|(k, _)| *k == "csrf") {
            all.push(("csrf", &csrf));
        }
        self.send(Method::POST, uri, Some(&all)).await
    }

    /// Signs in through the form.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        self.get("/admin/login").await;
        self.post("/admin/login", &[("email", email), ("password", password), ("next", "/admin")]).await
    }
}

/// `address` as sitemaps, feeds and `Location` headers carry it: every byte outside ASCII
/// percent-encoded (an Urdu slug included).
pub fn uri_of(address: &str) -> String {
    address
        .bytes()
        .map(|b| if b.is_ascii() { char::from(b).to_string() } else { format!("%{b:02X}") })
        .collect()
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { char::from(b).to_string() } else { format!("%{b:02X}") })
        .collect()
}

impl Site {
    /// Creates an account with `role`, bylined to the site's author when `with_byline`.
    pub async fn account(&self, email: &str, role: dateline_core::Role, with_byline: bool) -> String {
        let password = "a long enough password".to_owned();
        let user = dateline_core::account::NewUser {
            email: dateline_core::Email::parse(email).unwrap(),
            name: format!("{role} user"),
            role,
            password_hash: dateline_core::secrets::hash_password(&password).unwrap(),
            author: with_byline.then_some(self.author.id),
        };
        self.store.create_user(&user, at(NOW)).await.unwrap();
        password
    }

    /// A signed-in client for a new account with `role`.
    pub async fn signed_in(&self, role: dateline_core::Role) -> Client<'_> {
        let email = format!("{}@news.example", role.as_str());
        let password = self.account(&email, role, true).await;
        let mut client = Client::new(self);
        let page = client.sign_in(&email, &password).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "sign-in of {email}: {}", page.body);
        client.get("/admin").await;
        client
    }
}

/// The fields of a complete story form.
pub fn story_fields<'a>(headline: &'a str, action: &'a str, version: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("headline", headline),
        ("standfirst", "A standfirst written in the newsroom."),
        ("body", "First paragraph.\n\nSecond paragraph with **bold** words."),
        ("dateline_place", "Geneva"),
        ("credit", "APP - The Test Times"),
        ("section", "world"),
        ("source", "app"),
        ("tags", "Turkey, Brand New Topic"),
        ("authors", "Ayesha Malik"),
        ("language", "en"),
        ("slug", ""),
        ("prominence", "normal"),
        ("version", version),
        ("action", action),
    ]
}
