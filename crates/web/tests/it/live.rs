//! Live blogs (issue 17, point 1): coverage started and ended through the Admin API and the
//! editor, entries added, edited and deleted, reaching readers' open streams (Server-Sent
//! Events over a real port) and the page, the feeds, ninjs and the Content API; a stream
//! resumes with `Last-Event-ID`; what the rights and the lifecycle refuse is refused.

use crate::api::{call, token};
use crate::support::{Site, json_ld, text};
use axum::http::{Method, StatusCode};
use dateline_core::Role;
use dateline_core::account::TokenScope;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// One Server-Sent Event as read off the wire.
#[derive(Debug)]
struct SseEvent {
    id: Option<String>,
    name: String,
    data: String,
}

/// A reader's open stream.
struct Reader {
    response: reqwest::Response,
    buffer: String,
}

impl Reader {
    async fn open(url: &str, last_event_id: Option<&str>) -> Self {
        let mut request = reqwest::Client::new().get(url).header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
        Self { response, buffer: String::new() }
    }

    /// The next event with a name (comments and keep-alives skipped), within `wait`.
    async fn next(&mut self, wait: Duration) -> SseEvent {
        let deadline = Instant::now() + wait;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = SseEvent { id: None, name: String::new(), data: String::new() };
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        event.id = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event.name = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        event.data.push_str(v.strip_prefix(' ').unwrap_or(v));
                    }
                }
                if !event.name.is_empty() {
                    return event;
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let chunk = tokio::time::timeout(left, self.response.chunk())
                .await
                .unwrap_or_else(|_| panic!("no event within {wait:?}; read so far: {:?}", self.buffer))
                .unwrap()
                .expect("the stream stays open");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

fn data(event: &SseEvent) -> Value {
    serde_json::from_str(&event.data).unwrap()
}

async fn make_live(site: &Site, admin: &str, headline: &str) -> Value {
    let story = site.publish(&site.draft(headline), "2025-02-27T10:00:00Z").await;
    let put = json!({
        "headline": headline, "section": "world", "body": "The count has begun.",
        "version": story.version, "live": true,
    });
    let saved =
        call(site, Method::PUT, &format!("/api/admin/v1/stories/{}", story.id), Some(admin), Some(put)).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.json);
    assert_eq!(saved.json["live"], true);
    assert!(saved.json["coverage_start"].is_string());
    saved.json
}

#[tokio::test]
async fn entries_reach_open_streams_the_page_and_every_surface() {
    let site = Site::new().await;
    let admin = token(&site, TokenScope::Admin).await;
    let story = make_live(&site, &admin, "Election night").await;
    let (id, slug) = (story["id"].as_i64().unwrap(), story["slug"].as_str().unwrap().to_owned());
    let base = crate::server::spawn(&site).await;
    let stream_url = format!("{base}/story/{slug}/live");
    let mut reader = Reader::open(&stream_url, None).await;

    // Added through the Admin API: on the open stream, rendered as the page shows it.
    let entries = format!("/api/admin/v1/stories/{id}/entries");
    let first = json!({"title": "Polls close", "body": "Counting starts in **Karachi**.", "key_event": true,
                        "author": "Desk"});
    let sent = Instant::now();
    let added = call(&site, Method::POST, &entries, Some(&admin), Some(first)).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.json);
    let entry_id = added.json["id"].as_i64().unwrap();
    let event = reader.next(Duration::from_secs(5)).await;
    eprintln!("entry reached the open stream in {:?}", sent.elapsed());
    assert_eq!(event.name, "entry");
    assert_eq!(event.id.as_deref(), Some(added.json["seq"].to_string().as_str()));
    let payload = data(&event);
    assert_eq!(payload["id"], entry_id);
    assert!(payload["html"].as_str().unwrap().contains("Counting starts in <strong>Karachi</strong>"));
    assert!(payload["summary_html"].as_str().unwrap().contains("Polls close"), "a key event's summary line");

    let second = json!({"body": "Turnout is <b>52%</b><script>alert(1)</script>."});
    let second = call(&site, Method::POST, &entries, Some(&admin), Some(second)).await;
    assert_eq!(second.status, StatusCode::CREATED);
    assert!(!second.json["body_html"].as_str().unwrap().contains("script"), "entries are sanitised");
    assert_eq!(second.json["author"], "", "an admin token signs no name");
    assert_eq!(reader.next(Duration::from_secs(5)).await.name, "entry");

    // Edited, then deleted: the stream says so.
    let edit =
        json!({"title": "Polls closed", "body": "Counting has started in Karachi.", "key_event": true});
    let edited = call(&site, Method::PUT, &format!("{entries}/{entry_id}"), Some(&admin), Some(edit)).await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.json);
    assert!(edited.json["edited_at"].is_string());
    let event = reader.next(Duration::from_secs(5)).await;
    assert_eq!(data(&event)["id"], entry_id);
    assert!(data(&event)["html"].as_str().unwrap().contains("Counting has started"));
    let second_id = second.json["id"].as_i64().unwrap();
    let deleted = call(&site, Method::DELETE, &format!("{entries}/{second_id}"), Some(&admin), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let event = reader.next(Duration::from_secs(5)).await;
    assert_eq!((event.name.as_str(), data(&event)["id"].as_i64()), ("delete", Some(second_id)));

    // A reader that lost the connection after the first event resumes from it.
    let mut resumed = Reader::open(&stream_url, Some(&added.json["seq"].to_string())).await;
    let names: Vec<String> =
        [resumed.next(Duration::from_secs(5)).await, resumed.next(Duration::from_secs(5)).await]
            .into_iter()
            .map(|e| e.name)
            .collect();
    assert_eq!(names, ["entry", "delete"], "the edit of the first entry, then the deletion");

    // The page: the Live marker, key events, entries newest first, LiveBlogPosting.
    let page = site.get(&format!("/story/{slug}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let shown = text(&page.body);
    assert!(shown.contains("Live Election night"), "{shown}");
    assert!(shown.contains("Key events"));
    assert!(shown.contains("Counting has started in Karachi."));
    assert!(!shown.contains("Turnout"), "a deleted entry is gone");
    let ld = json_ld(&page.body);
    assert_eq!(ld["@type"], "LiveBlogPosting");
    assert!(ld["coverageStartTime"].is_string());
    assert!(ld.get("coverageEndTime").is_none());
    assert_eq!(ld["liveBlogUpdate"][0]["headline"], "Polls closed");
    assert_eq!(ld["liveBlogUpdate"].as_array().unwrap().len(), 1);

    // Feeds, ninjs and the Content API carry the entries.
    let rss = site.get("/rss.xml").await.body;
    let feed = feed_rs::parser::parse(rss.as_bytes()).unwrap();
    let item = feed.entries.iter().find(|e| e.title.as_ref().unwrap().content == "Election night").unwrap();
    assert!(item.content.as_ref().unwrap().body.as_ref().unwrap().contains("Counting has started"));
    let ninjs: Value =
        serde_json::from_str(&site.get(&format!("/story/{slug}/ninjs.json")).await.body).unwrap();
    let association = &ninjs["associations"][0];
    assert_eq!(association["name"], format!("entry-{entry_id}"));
    assert_eq!(association["headlines"][0]["value"], "Polls closed");
    let content_token = token(&site, TokenScope::Content).await;
    let content =
        call(&site, Method::GET, &format!("/api/content/v1/stories/{slug}"), Some(&content_token), None)
            .await;
    assert_eq!(content.json["live"], true);
    assert_eq!(content.json["entries"].as_array().unwrap().len(), 1);
    assert!(content.json["entries"][0].get("body").is_none(), "no Markdown source in the Content API");

    // Ending coverage: readers are told, the page keeps its entries without the marker.
    let now = call(&site, Method::GET, &format!("/api/admin/v1/stories/{id}"), Some(&admin), None).await.json;
    let end = json!({"headline": "Election night", "section": "world", "body": "The count has begun.",
                      "version": now["version"], "live": false});
    let ended =
        call(&site, Method::PUT, &format!("/api/admin/v1/stories/{id}"), Some(&admin), Some(end)).await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.json);
    assert_eq!(ended.json["live"], false);
    assert!(ended.json["coverage_end"].is_string());
    let event = reader.next(Duration::from_secs(5)).await;
    assert_eq!((event.name.as_str(), data(&event)["live"].as_bool()), ("coverage", Some(false)));
    let page = site.get(&format!("/story/{slug}")).await.body;
    assert!(!page.contains("live-marker"), "no Live marker once coverage ended");
    assert!(text(&page).contains("Counting has started in Karachi."), "the entries stay");
    assert!(json_ld(&page)["coverageEndTime"].is_string());
}

#[tokio::test]
async fn what_the_rights_and_the_lifecycle_refuse_is_refused() {
    let site = Site::new().await;
    let admin = token(&site, TokenScope::Admin).await;
    let story = make_live(&site, &admin, "Storm landfall").await;
    let (id, slug) = (story["id"].as_i64().unwrap(), story["slug"].as_str().unwrap().to_owned());
    let entries = format!("/api/admin/v1/stories/{id}/entries");

    let empty = call(&site, Method::POST, &entries, Some(&admin), Some(json!({"title": "Nothing"}))).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.json["error"]["fields"]["body"].is_string(), "{}", empty.json);
    let hostile = json!({"body": "x", "image": {"url": "javascript:alert(1)"}});
    assert_eq!(
        call(&site, Method::POST, &entries, Some(&admin), Some(hostile)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let unknown = json!({"body": "x", "pinned": true});
    assert_eq!(
        call(&site, Method::POST, &entries, Some(&admin), Some(unknown)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown fields are refused"
    );
    assert_eq!(
        call(&site, Method::POST, &entries, None, Some(json!({"body": "x"}))).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        call(
            &site,
            Method::POST,
            "/api/admin/v1/stories/9999/entries",
            Some(&admin),
            Some(json!({"body": "x"}))
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    // Another story's entry is not this story's.
    let other = make_live(&site, &admin, "Other blog").await;
    let theirs = call(
        &site,
        Method::POST,
        &format!("/api/admin/v1/stories/{}/entries", other["id"]),
        Some(&admin),
        Some(json!({"body": "Theirs."})),
    )
    .await;
    let theirs_id = theirs.json["id"].as_i64().unwrap();
    assert_eq!(
        call(
            &site,
            Method::PUT,
            &format!("{entries}/{theirs_id}"),
            Some(&admin),
            Some(json!({"body": "Mine now"}))
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(&site, Method::DELETE, &format!("{entries}/{theirs_id}"), Some(&admin), None).await.status,
        StatusCode::NOT_FOUND
    );

    // A contributor sees the desk but cannot report live; an author only on their own story
    // (this one lost its byline when the API saved it without authors).
    let mut contributor = site.signed_in(Role::Contributor).await;
    let desk = contributor.get(&format!("/admin/stories/{id}/live")).await;
    assert_eq!(desk.status, StatusCode::OK);
    assert!(!desk.body.contains("Add entry"), "no form for who may not add");
    let csrf = crate::support::csrf_of(&desk.body);
    let refused =
        contributor.post(&format!("/admin/stories/{id}/live"), &[("csrf", &csrf), ("body", "Mine")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let mut author = site.signed_in(Role::Author).await;
    let csrf = crate::support::csrf_of(&author.get(&format!("/admin/stories/{id}/live")).await.body);
    let theirs =
        author.post(&format!("/admin/stories/{id}/live"), &[("csrf", &csrf), ("body", "Mine")]).await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN);
    let own = site.publish(&site.draft("The author's own"), "2025-02-27T10:00:00Z").await;
    let added =
        author.post(&format!("/admin/stories/{}/live", own.id), &[("csrf", &csrf), ("body", "Mine")]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "an author reports live on a story with their byline");

    // A killed story takes no entries, and its stream is gone.
    let killed =
        call(&site, Method::POST, &format!("/api/admin/v1/stories/{id}/kill"), Some(&admin), None).await;
    assert_eq!(killed.status, StatusCode::OK);
    let late = call(&site, Method::POST, &entries, Some(&admin), Some(json!({"body": "Too late"}))).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.json);
    assert_eq!(site.get(&format!("/story/{slug}/live")).await.status, StatusCode::NOT_FOUND);
    let draft = site
        .store
        .create_story(&site.draft("Not yet out"), None, crate::support::at("2025-02-27T10:00:00Z"))
        .await
        .unwrap();
    assert_eq!(site.get(&format!("/story/{}/live", draft.slug)).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_editor_starts_coverage_and_adds_entries_from_the_live_desk() {
    let site = Site::new().await;
    let story = site.publish(&site.draft("Budget day"), "2025-02-27T10:00:00Z").await;
    let mut editor = site.signed_in(Role::Editor).await;
    let page = editor.get(&format!("/admin/stories/{}", story.id)).await;
    assert!(page.body.contains("Start live coverage"), "the switch is in the editor");
    let csrf = crate::support::csrf_of(&page.body);
    let started = editor
        .post(
            &format!("/admin/stories/{}/live/coverage", story.id),
            &[("csrf", &csrf), ("live", "on"), ("back", "editor")],
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    assert!(editor.get(&format!("/admin/stories/{}", story.id)).await.body.contains("End live coverage"));

    // An entry with nothing in it: the form again, with what was typed.
    let desk = format!("/admin/stories/{}/live", story.id);
    let refused = editor.post(&desk, &[("csrf", &csrf), ("title", "Half-typed"), ("body", "  ")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("value=\"Half-typed\""), "the title is kept");
    assert!(text(&refused.body).contains("an entry needs some text or a picture"));

    let added = editor
        .post(
            &desk,
            &[
                ("csrf", &csrf),
                ("title", "Tax on phones"),
                ("body", "Duty doubles on imported phones."),
                ("key_event", "on"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let listed = editor.get(&format!("{desk}?done=added")).await.body;
    assert!(text(&listed).contains("Duty doubles on imported phones."), "{}", text(&listed));
    let public = text(&site.get(&format!("/story/{}", story.slug)).await.body);
    assert!(public.contains("Tax on phones"), "{public}");
    assert!(public.contains("Duty doubles on imported phones."));

    // Signed with the editor's name; edited and deleted from the desk.
    let entry = &dateline_newsroom::live::entries(site.store.as_ref(), story.id).await.unwrap()[0];
    assert!(!entry.author.is_empty(), "signed with the editor's name");
    let saved = editor
        .post(
            &format!("{desk}/{}", entry.id),
            &[("csrf", &csrf), ("title", "Tax on phones"), ("body", "Duty triples.")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert!(text(&site.get(&format!("/story/{}", story.slug)).await.body).contains("Duty triples."));
    let gone = editor.post(&format!("{desk}/{}/delete", entry.id), &[("csrf", &csrf)]).await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert!(!text(&site.get(&format!("/story/{}", story.slug)).await.body).contains("Duty triples."));
    // Without the form's security token nothing is added.
    let forged = editor.post(&desk, &[("csrf", "forged"), ("body", "Forged")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}
