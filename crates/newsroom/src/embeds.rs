//! Embed facts: when a story is saved, each provider link on its own line in its body
//! (`dateline_core::embed`) that was never asked about is asked about once, in the
//! background: the provider's oEmbed endpoint gives its title, author and thumbnail, the
//! thumbnail is fetched into the media library (so readers load it from us, not from the
//! provider), and the answer is kept ([`Store::put_embed_facts`]) for the story page's card.
//!
//! Every request goes through the egress policy (`crate::egress`), bounded in time and size:
//! an oEmbed answer is at most [`MAX_ANSWER_BYTES`], a thumbnail at most the library's
//! `max_bytes` and sniffed as a picture (`crate::wire_images::download`). A link the
//! provider did not answer is kept as unanswered and asked again a day later
//! (`Facts::stale`). Instagram's and Facebook's endpoints want an app token
//! (`[embeds] facebook_token`): without one their links are not asked about, and their
//! cards show the provider's name and the link.
//!
//! Links being asked about are held in memory, so two saves do not ask twice at once; what
//! is still being asked when the process stops is asked at the story's next save.

use crate::Clock;
use crate::egress::{self, Denied, Egress};
use crate::media::{Pictures, take_in};
use crate::wire_images::{self, Failure};
use dateline_core::embed::{self, Embed, Facts};
use dateline_core::{Media, MediaText, StoryId};
use dateline_store::Store;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// How embeds are asked about.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The longest asking about one link may take (the answer and the thumbnail).
    pub timeout: Duration,
    /// One oEmbed endpoint asked for every provider instead of each provider's own (a
    /// proxy, or a test's server).
    pub endpoint: Option<String>,
    /// The app token Instagram's and Facebook's endpoints want (`app-id|client-token`).
    pub facebook_token: Option<String>,
    /// Links asked about at a time.
    pub workers: usize,
    /// Links waiting at most; more are left to the next save.
    pub max_waiting: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(15),
            endpoint: None,
            facebook_token: None,
            workers: 2,
            max_waiting: 500,
        }
    }
}

/// The most of an oEmbed answer read.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Why a provider's answer was not taken.
#[derive(Debug, thiserror::Error)]
enum Unanswered {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("{0}")]
    Request(String),
    #[error("the endpoint answered {0}")]
    Status(reqwest::StatusCode),
    #[error("the answer is larger than {MAX_ANSWER_BYTES} bytes")]
    TooLarge,
    #[error("the answer is not oEmbed JSON: {0}")]
    NotOEmbed(String),
    #[error("no answer within {0:?}")]
    TimedOut(Duration),
    #[error("the client could not be made")]
    NoClient,
}

/// What of an oEmbed answer is used.
#[derive(serde::Deserialize)]
struct Answer {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    author_name: Option<String>,
    #[serde(default)]
    thumbnail_url: Option<String>,
}

struct Inner {
    store: Arc<dyn Store>,
    pictures: Pictures,
    clock: Clock,
    egress: Egress,
    settings: Settings,
    client: OnceLock<Option<egress::Client>>,
    /// Links being asked about (or waiting to be).
    asking: Mutex<HashSet<String>>,
    permits: tokio::sync::Semaphore,
}

/// The embed asker; cheap to clone (clones share what is being asked).
#[derive(Clone)]
pub struct Embeds {
    inner: Arc<Inner>,
}

impl Embeds {
    /// An asker keeping thumbnails in `pictures` and facts in `store`, reaching only what
    /// `egress` admits.
    pub fn new(
        store: Arc<dyn Store>,
        pictures: Pictures,
        clock: Clock,
        egress: Egress,
        settings: Settings,
    ) -> Self {
        let permits = tokio::sync::Semaphore::new(settings.workers.max(1));
        let inner = Inner {
            store,
            pictures,
            clock,
            egress,
            settings,
            client: OnceLock::new(),
            asking: Mutex::new(HashSet::new()),
            permits,
        };
        Self { inner: Arc::new(inner) }
    }

    /// How embeds are asked about.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// After `story` was saved with `body_html`: asks in the background about each provider
    /// link on its own line that was never asked about (or went unanswered a day ago).
    /// Returns at once.
    pub fn after_save(&self, story: StoryId, body_html: &str) {
        let mut embeds: Vec<Embed> = embed::standalone(body_html)
            .into_iter()
            .map(|(_, e)| e)
            .filter(|e| self.inner.may_ask(e))
            .collect();
        if embeds.is_empty() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        {
            let mut asking = self.inner.lock();
            embeds
                .retain(|e| asking.len() < self.inner.settings.max_waiting && asking.insert(e.link.clone()));
        }
        if embeds.is_empty() {
            return;
        }
        let claim =
            Claim { inner: self.inner.clone(), links: embeds.iter().map(|e| e.link.clone()).collect() };
        runtime.spawn(ask_all(claim, story, embeds));
    }

    /// Whether nothing is being asked about (for tests).
    pub fn is_idle(&self) -> bool {
        self.inner.lock().is_empty()
    }
}

/// Links claimed in [`Inner::asking`], let go when the task ends however it ends.
struct Claim {
    inner: Arc<Inner>,
    links: Vec<String>,
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut asking = self.inner.lock();
        for link in &self.links {
            asking.remove(link);
        }
    }
}

async fn ask_all(claim: Claim, story: StoryId, embeds: Vec<Embed>) {
    let inner = &claim.inner;
    let known = match inner.store.embed_facts(&claim.links).await {
        Ok(known) => known,
        Err(e) => {
            tracing::warn!(%story, error = %e, "embeds not asked about: the database failed");
            return;
        }
    };
    for embed in embeds {
        let now = inner.clock.now();
        if known.iter().any(|f| f.link == embed.link && !f.stale(now)) {
            continue;
        }
        let Ok(_permit) = inner.permits.acquire().await else { return };
        let facts = inner.ask(&embed).await;
        if let Err(e) = inner.store.put_embed_facts(&facts, story).await {
            tracing::warn!(%story, link = %embed.link, error = %e, "embed facts not kept");
        }
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.asking.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn client(&self) -> Option<&egress::Client> {
        self.client
            .get_or_init(|| {
                self.egress
                    .client(&egress::Options {
                        timeout: self.settings.timeout,
                        max_redirects: 3,
                        user_agent: "Dateline-Embeds/1",
                    })
                    .inspect_err(|e| tracing::error!(error = %e, "the embed client could not be made"))
                    .ok()
            })
            .as_ref()
    }

    /// Whether the link's provider can be asked (Instagram and Facebook want a token).
    fn may_ask(&self, embed: &Embed) -> bool {
        self.settings.endpoint.is_some()
            || !embed.provider.needs_token()
            || self.settings.facebook_token.is_some()
    }

    /// The oEmbed request for `embed`.
    fn request(&self, embed: &Embed) -> String {
        let endpoint = self.settings.endpoint.as_deref().unwrap_or(embed.provider.oembed());
        let token = self.settings.facebook_token.as_deref().filter(|_| embed.provider.needs_token());
        embed::oembed_request(endpoint, &embed.link, token)
    }

    /// What the provider says about `embed`: answered (with the thumbnail in the library
    /// when it gave one that could be fetched) or unanswered. Failures are logged.
    async fn ask(&self, embed: &Embed) -> Facts {
        let timeout = self.settings.timeout;
        let mut facts = Facts {
            link: embed.link.clone(),
            title: String::new(),
            author: String::new(),
            thumbnail: None,
            found: false,
            fetched_at: self.clock.now(),
        };
        let answer = match tokio::time::timeout(timeout, self.answer(embed)).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(e)) => {
                tracing::warn!(link = %embed.link, provider = embed.provider.name(), error = %e, "embed not answered");
                return facts;
            }
            Err(_) => {
                let e = Unanswered::TimedOut(timeout);
                tracing::warn!(link = %embed.link, provider = embed.provider.name(), error = %e, "embed not answered");
                return facts;
            }
        };
        facts.found = true;
        facts.title = one_line(answer.title.as_deref(), 300);
        facts.author = one_line(answer.author_name.as_deref(), 120);
        if let Some(url) = answer.thumbnail_url.filter(|u| !u.trim().is_empty()) {
            let text = MediaText {
                alt: if facts.title.is_empty() {
                    format!("{} thumbnail", embed.provider.name())
                } else {
                    facts.title.clone()
                },
                credit: if facts.author.is_empty() {
                    embed.provider.name().to_owned()
                } else {
                    format!("{} / {}", facts.author, embed.provider.name())
                },
                ..MediaText::default()
            };
            match tokio::time::timeout(timeout, self.thumbnail(url.trim(), text)).await {
                Ok(Ok(media)) => facts.thumbnail = Some(media.id),
                Ok(Err(e)) => {
                    tracing::warn!(link = %embed.link, %url, error = %e, "embed thumbnail not taken in")
                }
                Err(_) => {
                    tracing::warn!(link = %embed.link, %url, "embed thumbnail not taken in: no answer in time")
                }
            }
        }
        facts
    }

    /// The provider's oEmbed answer for `embed`, read up to [`MAX_ANSWER_BYTES`].
    async fn answer(&self, embed: &Embed) -> Result<Answer, Unanswered> {
        let client = self.client().ok_or(Unanswered::NoClient)?;
        let request = client.request(reqwest::Method::GET, &self.request(embed))?;
        let mut response = request
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| Unanswered::Request(egress::describe(&e)))?;
        if !response.status().is_success() {
            return Err(Unanswered::Status(response.status()));
        }
        if response.content_length().is_some_and(|n| n > MAX_ANSWER_BYTES as u64) {
            return Err(Unanswered::TooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) =
            response.chunk().await.map_err(|e| Unanswered::Request(egress::describe(&e)))?
        {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(Unanswered::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body).map_err(|e| Unanswered::NotOEmbed(e.to_string()))
    }

    /// The thumbnail at `url` in the library: the one fetched from there before, or a new
    /// download (sniffed, bounded by the library's size limit).
    async fn thumbnail(&self, url: &str, text: MediaText) -> Result<Media, Failure> {
        if let Some(known) = self.store.media_by_origin(url).await? {
            return Ok(known);
        }
        let client = self.client().ok_or(Failure::NoClient)?;
        let bytes = wire_images::download(client, url, self.pictures.limits.max_bytes).await?;
        let media = take_in(self.store.as_ref(), &self.pictures, bytes, text, url, self.clock.now()).await?;
        if media.origin != url {
            self.store.add_media_origin(media.id, url).await?;
        }
        Ok(media)
    }
}

/// `text` on one line, without surrounding space, at most `max` characters.
fn one_line(text: Option<&str>, max: usize) -> String {
    let words: Vec<&str> = text.unwrap_or_default().split_whitespace().collect();
    let line = words.join(" ");
    match line.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", line[..at].trim_end()),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn titles_are_one_line_and_bounded() {
        assert_eq!(super::one_line(Some("  Floods\n in the\tvalley "), 300), "Floods in the valley");
        assert_eq!(super::one_line(Some("abcdef"), 3), "abc…");
        assert_eq!(super::one_line(None, 3), "");
    }
}
