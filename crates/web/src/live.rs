//! Live blogs on the public site: how an entry looks (one template for the page and the
//! stream), and readers' streams of new, edited and deleted entries as Server-Sent Events
//! at `{story address}/live`.
//!
//! One shared stream per story in each process ([`LiveHub`]): readers subscribe to a
//! broadcast channel, and one reader of the store feeds it. The channel learns of changes
//! from the change log (every process follows it, `page_cache`): when a change touched
//! `story:ID` and readers are listening to that story, the entries changed since the last
//! one sent are read once, rendered once and sent to every reader. Each event carries the
//! entry's number (`id:`), so a reader that reconnects with `Last-Event-ID` (or a page that
//! asks from the number it was rendered with, `?after=`) gets what it missed from the store
//! first. A reader too slow for the channel's buffer is cut off and reconnects the same way.
//! With JavaScript off, the page itself is complete on every reload.

use crate::error::WebError;
use crate::public::SiteContext;
use crate::state::AppState;
use crate::views::{ImageView, story_url};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use dateline_core::{ChangeKey, LiveEntry, SiteSettings, Story, StoryId, StoryStatus};
use futures_util::stream::{self, Stream};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

/// Events a channel holds for readers that have not taken them yet; a reader further
/// behind is cut off (and resumes from the store).
const BUFFER: usize = 256;
/// Most entries sent to a reader resuming from an old number; older changes need a reload.
const MAX_BACKLOG: usize = 500;
/// How long a reader's browser waits before reconnecting after the stream ends.
const RETRY: Duration = Duration::from_secs(3);

/// An entry as the page and the stream show it.
#[derive(Debug, Clone, Serialize)]
pub struct EntryView {
    pub id: i64,
    /// The element id, for links to the entry (`#entry-12`).
    pub anchor: String,
    pub title: String,
    pub body_html: String,
    pub author: String,
    pub posted_iso: String,
    pub posted_display: String,
    pub edited: bool,
    pub image: Option<ImageView>,
    pub key_event: bool,
    /// What the key-events summary says of it: its title, or the start of its text.
    pub summary: String,
}

impl EntryView {
    pub fn new(entry: &LiveEntry, settings: &SiteSettings) -> Self {
        let tz = settings.time_zone();
        let summary = match entry.title.as_str() {
            "" => first_words(&dateline_core::html::to_text(&entry.body_html), 120),
            title => title.to_owned(),
        };
        Self {
            id: entry.id,
            anchor: format!("entry-{}", entry.id),
            title: entry.title.clone(),
            body_html: entry.body_html.clone(),
            author: entry.author.clone(),
            posted_iso: entry.posted_at.to_string(),
            posted_display: settings.house_style.byline_moment(entry.posted_at, &tz),
            edited: entry.edited_at.is_some(),
            image: entry.image.as_ref().map(ImageView::from),
            key_event: entry.key_event,
            summary,
        }
    }
}

/// At most `max` characters of `text`, cut at a word and marked when cut.
pub(crate) fn first_words(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let at = cut.rfind(' ').unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end())
}

/// A live blog as its page shows it: the entries (newest first), the key events (newest
/// first) and the last entry number the page includes.
#[derive(Debug, Serialize)]
pub struct LiveView {
    pub live: bool,
    pub entries: Vec<EntryView>,
    pub key_events: Vec<EntryView>,
    pub after: i64,
    /// The stream's address.
    pub stream: String,
}

impl LiveView {
    /// The view of `story`'s entries (every row the store has, deleted ones included), or
    /// none when the story never had live coverage nor entries.
    pub fn new(story: &Story, rows: &[LiveEntry], settings: &SiteSettings) -> Option<Self> {
        if story.coverage.is_none() && rows.is_empty() {
            return None;
        }
        let after = rows.iter().map(|e| e.seq).max().unwrap_or(0);
        let mut shown: Vec<&LiveEntry> = rows.iter().filter(|e| !e.deleted).collect();
        shown.sort_by(|a, b| b.posted_at.cmp(&a.posted_at).then(b.id.cmp(&a.id)));
        let entries: Vec<EntryView> = shown.iter().map(|e| EntryView::new(e, settings)).collect();
        let key_events = entries.iter().filter(|e| e.key_event).cloned().collect();
        Some(Self {
            live: story.coverage.is_some_and(|c| c.is_live()),
            entries,
            key_events,
            after,
            stream: format!("{}/live", story_url(story.slug.as_str())),
        })
    }
}

/// The story's body followed by its entries (newest first, each as the page shows it):
/// what a feed carries of a live blog. The body alone for a story without entries.
pub fn body_with_entries(
    state: &AppState,
    story: &Story,
    rows: &[LiveEntry],
    settings: &SiteSettings,
) -> String {
    let Some(view) = LiveView::new(story, rows, settings).filter(|v| !v.entries.is_empty()) else {
        return story.body_html.clone();
    };
    let mut html = story.body_html.clone();
    html.push_str("<h2>Updates</h2>");
    for e in &view.entries {
        match state
            .theme
            .render("partials/live_entry.html", minijinja::context! { e => crate::theme::to_value(e) })
        {
            Ok(entry) => html.push_str(&entry),
            Err(err) => tracing::warn!(error = %err, entry = e.id, "live entry could not be rendered"),
        }
    }
    html
}

/// One event of a story's stream, rendered once for every reader.
#[derive(Debug)]
struct LiveEvent {
    /// The entry number it brings the reader to (none for the end of the stream).
    seq: Option<i64>,
    name: &'static str,
    data: String,
}

impl LiveEvent {
    fn to_sse(&self) -> Event {
        let event = Event::default().event(self.name).data(&self.data);
        match self.seq {
            Some(seq) => event.id(seq.to_string()),
            None => event,
        }
    }
}

/// The `data` of an `entry` event: the entry's markup for the list and, for a key event,
/// for the summary.
#[derive(Serialize)]
struct EntryData<'a> {
    id: i64,
    html: &'a str,
    key_event: bool,
    summary_html: Option<String>,
}

/// Renders the events for changed entries (in the order of their changes).
fn entry_events(state: &AppState, settings: &SiteSettings, rows: &[LiveEntry]) -> Vec<LiveEvent> {
    rows.iter()
        .filter_map(|row| {
            if row.deleted {
                return Some(LiveEvent {
                    seq: Some(row.seq),
                    name: "delete",
                    data: serde_json::json!({ "id": row.id }).to_string(),
                });
            }
            let view = EntryView::new(row, settings);
            let render = |name: &str| {
                state
                    .theme
                    .render(name, minijinja::context! { e => crate::theme::to_value(&view) })
                    .map_err(
                        |e| tracing::warn!(error = %e, entry = row.id, "live entry could not be rendered"),
                    )
                    .ok()
            };
            let html = render("partials/live_entry.html")?;
            let summary_html = if row.key_event { render("partials/live_key_event.html") } else { None };
            let data = EntryData { id: row.id, html: &html, key_event: row.key_event, summary_html };
            Some(LiveEvent { seq: Some(row.seq), name: "entry", data: serde_json::to_string(&data).ok()? })
        })
        .collect()
}

/// The shared stream of one story in this process.
struct Channel {
    sender: broadcast::Sender<Arc<LiveEvent>>,
    /// The last entry number read from the store and sent, and whether the coverage was
    /// live then; one reader of the store at a time.
    read: tokio::sync::Mutex<(i64, bool)>,
}

/// Every story's shared stream in this process, made when its first reader comes and
/// dropped when a change finds nobody listening.
#[derive(Clone, Default)]
pub struct LiveHub(Arc<Mutex<HashMap<StoryId, Arc<Channel>>>>);

impl LiveHub {
    fn channels(&self) -> std::sync::MutexGuard<'_, HashMap<StoryId, Arc<Channel>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many readers are listening, over all stories (for the benchmark and tests).
    pub fn readers(&self) -> usize {
        self.channels().values().map(|c| c.sender.receiver_count()).sum()
    }

    /// The channel of `story`, made (with the store's last entry number) when new.
    async fn channel(&self, state: &AppState, story: &Story) -> Result<Arc<Channel>, WebError> {
        if let Some(channel) = self.channels().get(&story.id) {
            return Ok(channel.clone());
        }
        let last = state.store.live_entries(story.id, 0).await?.iter().map(|e| e.seq).max().unwrap_or(0);
        let live = story.coverage.is_some_and(|c| c.is_live());
        let (sender, _) = broadcast::channel(BUFFER);
        let made = Arc::new(Channel { sender, read: tokio::sync::Mutex::new((last, live)) });
        Ok(self.channels().entry(story.id).or_insert(made).clone())
    }

    /// After the change log moved: reads and sends what changed for the stories that have
    /// readers (every story when `keys` is `None`, a change to everything), as part of
    /// reading the log (the newsroom's follower, or a request after this process wrote).
    /// Channels without readers are dropped.
    pub async fn changed(&self, state: &AppState, keys: Option<&std::collections::HashSet<ChangeKey>>) {
        let touched: Vec<(StoryId, Arc<Channel>)> = {
            let mut channels = self.channels();
            channels.retain(|_, c| c.sender.receiver_count() > 0);
            channels
                .iter()
                .filter(|(story, _)| keys.is_none_or(|k| k.contains(&ChangeKey::Story(**story))))
                .map(|(story, channel)| (*story, channel.clone()))
                .collect()
        };
        let feeds = touched.iter().map(|(story, channel)| async move {
            if let Err(e) = feed(state, *story, channel).await {
                tracing::warn!(error = %e, story = %story, "live entries could not be read");
            }
        });
        futures_util::future::join_all(feeds).await;
    }
}

/// Reads what changed on `story` since the channel's last number and sends it.
async fn feed(state: &AppState, story: StoryId, channel: &Channel) -> Result<(), WebError> {
    let mut read = channel.read.lock().await;
    let Some(now) = state.store.story(story).await? else { return Ok(()) };
    if now.status != StoryStatus::Published {
        // Off the site (unpublished, killed): readers are told and their streams end.
        let _ = channel.sender.send(Arc::new(LiveEvent { seq: None, name: "gone", data: "{}".into() }));
        return Ok(());
    }
    let rows = state.store.live_entries(story, read.0).await?;
    let ctx = SiteContext::load(state).await?;
    let mut events = entry_events(state, &ctx.settings, &rows);
    let live = now.coverage.is_some_and(|c| c.is_live());
    let last = rows.iter().map(|e| e.seq).max().unwrap_or(read.0);
    if live != read.1 {
        events.push(LiveEvent {
            seq: Some(last),
            name: "coverage",
            data: serde_json::json!({ "live": live }).to_string(),
        });
    }
    *read = (last, live);
    for event in events {
        // No readers left is not an error: the channel goes at the next change.
        let _ = channel.sender.send(Arc::new(event));
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct StreamQuery {
    /// The last entry number the reader's page includes.
    after: Option<i64>,
}

/// `GET /story/{slug}/live`: the story's stream of entry changes, for a published story.
pub async fn stream(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<StreamQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let story = state.store.story_by_slug(&slug).await?.ok_or(WebError::NotFound)?;
    if story.status != StoryStatus::Published {
        return Err(WebError::NotFound);
    }
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .or(query.after)
        .filter(|n| *n >= 0);
    let channel = state.live.channel(&state, &story).await?;
    // Subscribed before the backlog is read: nothing falls between the two.
    let receiver = channel.sender.subscribe();
    let mut sent = channel.read.lock().await.0;
    let mut backlog = VecDeque::new();
    if let Some(after) = resume.filter(|after| *after < sent) {
        let mut rows = state.store.live_entries(story.id, after).await?;
        if rows.len() > MAX_BACKLOG {
            rows.drain(..rows.len() - MAX_BACKLOG);
        }
        let ctx = SiteContext::load(&state).await?;
        backlog.extend(entry_events(&state, &ctx.settings, &rows).into_iter().map(Arc::new));
        sent = sent.min(after);
    }
    let events = events(backlog, receiver, sent);
    Ok(
        // An idle stream says it is alive every 15 s (proxies close silent connections).
        Sse::new(events).keep_alive(KeepAlive::new()).into_response(),
    )
}

/// The reader's events: the backlog, then the channel's events it has not had (by number).
/// Ends when the story leaves the site or the reader falls too far behind.
fn events(
    backlog: VecDeque<Arc<LiveEvent>>,
    receiver: broadcast::Receiver<Arc<LiveEvent>>,
    sent: i64,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let first = Event::default().retry(RETRY).comment("live");
    let state = (Some(first), backlog, receiver, sent, false);
    stream::unfold(state, |(mut first, mut backlog, mut receiver, mut sent, done)| async move {
        if done {
            return None;
        }
        if let Some(event) = first.take() {
            return Some((Ok(event), (None, backlog, receiver, sent, false)));
        }
        loop {
            let event = match backlog.pop_front() {
                Some(event) => event,
                None => match receiver.recv().await {
                    Ok(event) => event,
                    Err(_) => return None,
                },
            };
            if let Some(seq) = event.seq {
                if seq <= sent && event.name != "coverage" {
                    continue;
                }
                sent = sent.max(seq);
            }
            let end = event.name == "gone";
            return Some((Ok(event.to_sse()), (None, backlog, receiver, sent, end)));
        }
    })
}
