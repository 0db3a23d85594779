//! Agency copy pushed over real HTTP: ninjs and NewsML-G2 items become stories at once
//! (auto-publish) or wait for the desk; the same item again changes nothing; a newer
//! version updates the story; a withdrawal kills it; bad tokens and unreadable bodies are
//! refused and store nothing.

use crate::support::Site;
use dateline_core::{SourceId, WireConfig, secrets};
use std::path::Path;

pub(crate) fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../ingest/tests/fixtures/wire").join(name))
        .unwrap()
}

/// Makes the site's source a ninjs push source; returns it with its push token.
pub(crate) async fn push_source(site: &Site, auto_publish: bool) -> (SourceId, String) {
    let token = secrets::new_token("dl_push_").unwrap();
    let config = WireConfig {
        kind: "push-ninjs".into(),
        location: None,
        section: Some(site.world.id),
        byline: String::new(),
        language: None,
        auto_publish,
    };
    site.store.configure_source(site.source.id, &config, Some(&secrets::token_hash(&token))).await.unwrap();
    (site.source.id, token)
}

/// Pushes `body` to source `id` with `token`: the status and the JSON answer. A refused
/// push is answered before its body is read, and the connection closed: a client still
/// writing a body may see the connection break before it reads the answer, so refusals are
/// checked with an empty body.
pub(crate) async fn push(base: &str, id: SourceId, token: &str, body: Vec<u8>) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/wire/v1/sources/{id}/items"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushed_items_become_stories_and_follow_their_versions() {
    let site = Site::new().await;
    let (id, token) = push_source(&site, true).await;
    let base = crate::server::spawn(&site).await;

    let (status, body) = push(&base, id, &token, fixture("ninjs14_text.json")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["actions"][0]["action"], "published");
    let story_id = body["actions"][0]["story_id"].as_i64().unwrap();
    let story = site.store.story(dateline_core::StoryId(story_id)).await.unwrap().unwrap();
    assert_eq!(story.headline, "Sindh opens 40 relief camps as floodwater recedes slowly");
    assert_eq!(story.dateline_place, "Karachi");
    assert_eq!(story.credit, "APP");
    assert_eq!(story.section.id, site.world.id);
    let page = reqwest::get(format!("{base}/story/{}", story.slug)).await.unwrap();
    assert_eq!(page.status(), 200);
    let home = reqwest::get(format!("{base}/")).await.unwrap().text().await.unwrap();
    assert!(home.contains("Sindh opens 40 relief camps"), "on the home page at once");
    let front = reqwest::get(format!("{base}/section/world")).await.unwrap().text().await.unwrap();
    assert!(front.contains("Sindh opens 40 relief camps"), "on its section front");
    let feed = reqwest::get(format!("{base}/rss.xml")).await.unwrap().text().await.unwrap();
    assert!(feed.contains("Sindh opens 40 relief camps"), "in the site feed");

    let (_, again) = push(&base, id, &token, fixture("ninjs14_text.json")).await;
    assert_eq!(again["actions"][0]["action"], "unchanged");
    assert_eq!(site.store.story_count().await.unwrap(), 1, "no duplicate");

    site.advance(300);
    let (_, update) = push(&base, id, &token, fixture("ninjs_update.json")).await;
    assert_eq!(update["actions"][0]["action"], "updated");
    let updated = site.store.story(dateline_core::StoryId(story_id)).await.unwrap().unwrap();
    assert_eq!(updated.headline, "Sindh expands relief effort to 55 camps as Thatta water level falls");
    assert!(updated.updated_at.is_some(), "stamped Updated");
    assert_eq!(updated.slug, story.slug, "the URL stays");
    let (_, old) = push(&base, id, &token, fixture("ninjs14_text.json")).await;
    assert_eq!(old["actions"][0]["action"], "unchanged", "an older version changes nothing");

    let (_, kill) = push(&base, id, &token, fixture("ninjs_withdrawn.json")).await;
    assert_eq!(kill["actions"][0]["action"], "killed");
    assert_eq!(reqwest::get(format!("{base}/story/{}", story.slug)).await.unwrap().status(), 410);
    let home = reqwest::get(format!("{base}/")).await.unwrap().text().await.unwrap();
    assert!(!home.contains("Sindh"), "gone from the home page");
    let feed = reqwest::get(format!("{base}/rss.xml")).await.unwrap().text().await.unwrap();
    assert!(!feed.contains("Sindh"), "gone from the site feed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_sources_wait_for_the_desk_and_newsml_is_read() {
    let site = Site::new().await;
    let (id, token) = push_source(&site, false).await;
    let base = crate::server::spawn(&site).await;
    let (status, body) = push(&base, id, &token, fixture("newsml_message.xml")).await;
    assert_eq!(status, 200, "{body}");
    let actions: Vec<_> = body["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, ["held", "held"]);
    assert_eq!(site.store.story_count().await.unwrap(), 0, "nothing published without the desk");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tokens_and_unreadable_bodies_store_nothing() {
    let site = Site::new().await;
    let (id, token) = push_source(&site, true).await;
    let base = crate::server::spawn(&site).await;
    let (status, body) = push(&base, id, "dl_push_forged", fixture("ninjs14_text.json")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthorized")));
    let (status, _) = push(&base, SourceId(id.0 + 1), &token, fixture("ninjs14_text.json")).await;
    assert_eq!(status, 401, "a token only works for its own source");
    for name in [
        "hostile_billion_laughs.xml",
        "hostile_binary.bin",
        "broken_truncated.xml",
        "hostile_invalid_utf8.json",
    ] {
        let (status, body) = push(&base, id, &token, fixture(name)).await;
        assert_eq!(status, 422, "{name}: {body}");
        assert_eq!(body["error"]["code"], "unreadable");
    }
    let huge = vec![b'<'; 6 * 1024 * 1024];
    let (status, _) = push(&base, id, &token, huge).await;
    assert_eq!(status, 413);
    assert_eq!(site.store.story_count().await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wire_desk_publishes_drafts_and_ignores() {
    let site = Site::new().await;
    let (id, token) = push_source(&site, false).await;
    let base = crate::server::spawn(&site).await;
    push(&base, id, &token, fixture("newsml_message.xml")).await;
    push(&base, id, &token, fixture("ninjs20_text.json")).await;

    let mut desk = site.signed_in(dateline_core::Role::Editor).await;
    let page = desk.get("/admin/wire").await;
    assert_eq!(page.status, axum::http::StatusCode::OK);
    let seen = crate::support::text(&page.body);
    assert!(
        seen.contains("Gilgit hydropower tender attracts five bidders") && seen.contains("waiting"),
        "{seen}"
    );
    let items = site.store.wire_items(None, Some("waiting"), 10).await.unwrap();
    assert_eq!(items.len(), 3);
    let dashboard = crate::support::text(&desk.get("/admin").await.body);
    assert!(dashboard.contains("3 On the wire desk"), "{dashboard}");
    let preview = desk.get(&format!("/admin/wire/{}", items[0].id)).await;
    assert!(preview.body.contains("<p>"), "the body is previewed");

    let gilgit = items.iter().find(|i| i.title.starts_with("Gilgit")).unwrap();
    assert_eq!(
        desk.post(&format!("/admin/wire/{}/publish", gilgit.id), &[]).await.status,
        axum::http::StatusCode::SEE_OTHER
    );
    assert!(
        crate::support::text(&site.get("/").await.body).contains("Gilgit hydropower tender"),
        "published as is"
    );

    let others: Vec<_> = items.iter().filter(|i| i.id != gilgit.id).collect();
    let draft = desk.post(&format!("/admin/wire/{}/draft", others[0].id), &[]).await;
    assert_eq!(draft.status, axum::http::StatusCode::SEE_OTHER);
    assert!(draft.header("location").starts_with("/admin/stories/"), "edit then publish opens the editor");
    let editor_page = desk.get(draft.header("location")).await;
    assert!(editor_page.body.contains(&others[0].title.replace('\'', "&#x27;")), "pre-filled");
    assert_eq!(
        desk.post(&format!("/admin/wire/{}/ignore", others[1].id), &[]).await.status,
        axum::http::StatusCode::SEE_OTHER
    );
    assert_eq!(
        desk.post(&format!("/admin/wire/{}/publish", gilgit.id), &[]).await.status,
        axum::http::StatusCode::BAD_REQUEST,
        "only once"
    );

    // A newer version of the published item updates it and is flagged on the desk.
    let mut newer: serde_json::Value = serde_json::from_slice(&fixture("ninjs20_text.json")).unwrap();
    newer["version"] = serde_json::json!(2);
    newer["headlines"][0]["value"] = serde_json::json!("Gilgit hydropower tender: six bidders now");
    site.advance(60);
    let (_, result) = push(&base, id, &token, newer.to_string().into_bytes()).await;
    assert_eq!(result["actions"][0]["action"], "updated");
    let flagged =
        site.store.wire_items(None, None, 10).await.unwrap().into_iter().find(|i| i.id == gilgit.id).unwrap();
    assert!(flagged.flagged);

    let mut author = site.signed_in(dateline_core::Role::Contributor).await;
    assert_eq!(author.get("/admin/wire").await.status, axum::http::StatusCode::OK);
    assert_eq!(
        author.post(&format!("/admin/wire/{}/publish", others[1].id), &[]).await.status,
        axum::http::StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_story_from_two_agencies_is_grouped() {
    let site = Site::new().await;
    let (app, app_token) = push_source(&site, true).await;
    let reuters = site
        .store
        .create_source(&dateline_core::NewSource {
            slug: dateline_core::Slug::parse("reuters").unwrap(),
            name: "Reuters".into(),
            credit: "Reuters".into(),
        })
        .await
        .unwrap();
    let reuters_token = secrets::new_token("dl_push_").unwrap();
    let held = WireConfig {
        kind: "push-ninjs".into(),
        location: None,
        section: Some(site.world.id),
        byline: String::new(),
        language: None,
        auto_publish: false,
    };
    site.store.configure_source(reuters.id, &held, Some(&secrets::token_hash(&reuters_token))).await.unwrap();
    let base = crate::server::spawn(&site).await;

    let (_, first) = push(&base, app, &app_token, fixture("ninjs14_text.json")).await;
    let story = site.store.story(dateline_core::StoryId(first["actions"][0]["story_id"].as_i64().unwrap()));
    let story = story.await.unwrap().unwrap();
    let page = site.get(&format!("/story/{}", story.slug)).await;
    assert!(!page.body.contains("Also carried by"), "alone so far");

    // Reuters' rewrite of the same event, under its own id.
    let mut rewrite: serde_json::Value = serde_json::from_slice(&fixture("ninjs14_text.json")).unwrap();
    rewrite["uri"] = serde_json::json!("urn:reuters:2025:sindh-camps");
    rewrite["headline"] = serde_json::json!("Pakistan's Sindh province opens relief camps as floods recede");
    rewrite["body_html"] = serde_json::json!(
        "<p>Provincial authorities in Pakistan opened 40 relief camps in Thatta, Badin and Sujawal \
         districts on Tuesday as floodwater receded slowly, officials said.</p><p>&ldquo;Our first task \
         is clean water,&rdquo; relief coordinator Parveen Solangi told Reuters.</p>"
    );
    let (_, second) = push(&base, reuters.id, &reuters_token, rewrite.to_string().into_bytes()).await;
    assert_eq!(second["actions"][0]["action"], "held");
    // An unrelated Reuters story stays alone.
    push(&base, reuters.id, &reuters_token, fixture("ninjs20_text.json")).await;

    let page = site.get(&format!("/story/{}", story.slug)).await;
    assert!(
        page.body.contains(r#"Also carried by: <a href="/source/reuters">Reuters</a>"#),
        "{}",
        crate::support::text(&page.body)
    );

    let mut desk = site.signed_in(dateline_core::Role::Editor).await;
    let items = site.store.wire_items(Some(reuters.id), None, 10).await.unwrap();
    let grouped = items.iter().find(|i| i.guid == "urn:reuters:2025:sindh-camps").unwrap();
    assert_eq!(grouped.also, ["APP"]);
    assert!(items.iter().find(|i| i.guid != grouped.guid).unwrap().also.is_empty());
    let preview = desk.get(&format!("/admin/wire/{}", grouped.id)).await;
    assert!(crate::support::text(&preview.body).contains("Also carried by: APP"));

    // The desk's filter form lists the sources and states, and filters.
    let list = desk.get("/admin/wire").await;
    assert!(list.body.contains(r#"<option value="reuters">Reuters</option>"#), "{}", list.body);
    assert!(list.body.contains(r#"<option value="waiting">waiting</option>"#));
    let filtered = crate::support::text(&desk.get("/admin/wire?source=reuters&state=waiting").await.body);
    assert!(
        filtered.contains("Pakistan's Sindh province") && !filtered.contains("Sindh opens 40"),
        "{filtered}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wire_settings_are_edited_in_the_admin_with_status_and_tokens() {
    use axum::http::StatusCode;
    let site = Site::new().await;
    let id = site.source.id;
    let path = format!("/admin/sources/{id}/wire");
    let mut editor = site.signed_in(dateline_core::Role::Editor).await;
    assert_eq!(editor.get(&path).await.status, StatusCode::FORBIDDEN, "sources are the administrator's");
    let mut admin = site.signed_in(dateline_core::Role::Administrator).await;
    let list = admin.get("/admin/sources").await;
    assert!(list.body.contains(&format!("href=\"{path}\"")), "the sources list links to the settings");

    // Wrong input: a feed without an address, a bad interval and language — nothing is saved.
    let bad = admin
        .post(
            &path,
            &[("kind", "rss"), ("location", "ftp://x"), ("poll_seconds", "2"), ("language", "not a tag!")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let seen = crate::support::text(&bad.body);
    assert!(seen.contains("http:// or https://") && seen.contains("between 10 and 86400"), "{seen}");
    assert!(bad.body.contains("value=\"ftp://x\""), "what was typed is kept");
    assert_eq!(site.store.wire_source(id).await.unwrap().unwrap().config.kind, "manual");

    // A push source: saved, then a token issued once, which the push endpoint takes.
    let world = site.world.id.to_string();
    let saved = admin
        .post(
            &path,
            &[("kind", "push-ninjs"), ("section", &world), ("byline", "Wire Desk"), ("auto_publish", "1")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let w = site.store.wire_source(id).await.unwrap().unwrap();
    assert_eq!(
        (w.config.kind.as_str(), w.config.section, w.config.auto_publish),
        ("push-ninjs", Some(site.world.id), true)
    );
    let page = admin.get(&path).await;
    assert!(crate::support::text(&page.body).contains("none yet"), "no token yet");
    let issued = admin.post(&format!("{path}/token"), &[]).await;
    assert_eq!(issued.status, StatusCode::OK);
    let token = issued.body.split("<code>").nth(1).unwrap().split("</code>").next().unwrap().to_owned();
    assert!(token.starts_with("dl_push_"));
    let base = crate::server::spawn(&site).await;
    let (status, body) = push(&base, id, &token, fixture("ninjs14_text.json")).await;
    assert_eq!(status, 200, "{body}");
    let story = site.store.story(dateline_core::StoryId(body["actions"][0]["story_id"].as_i64().unwrap()));
    assert_eq!(story.await.unwrap().unwrap().authors[0].name, "Wire Desk", "the source's byline");
    let rotated = admin.post(&format!("{path}/token"), &[]).await;
    let new_token = rotated.body.split("<code>").nth(1).unwrap().split("</code>").next().unwrap().to_owned();
    assert_eq!(
        push(&base, id, &token, fixture("ninjs_update.json")).await.0,
        401,
        "the old token stops working"
    );
    assert_eq!(push(&base, id, &new_token, fixture("ninjs_update.json")).await.0, 200, "the new one works");
    let page = admin.get(&path).await;
    assert!(page.body.contains(&format!("{path}/token/revoke")), "a revoke button");
    let revoked = admin.post(&format!("{path}/token/revoke"), &[]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert!(crate::support::text(&admin.get(&path).await.body).contains("none yet"), "revoked");
    assert_eq!(push(&base, id, &new_token, Vec::new()).await.0, 401, "revoked");

    // A feed on the newsroom's own network is refused when saved (the egress policy).
    let inside = admin
        .post(&path, &[("kind", "rss"), ("location", "http://127.0.0.1:9/feed.xml"), ("poll_seconds", "60")])
        .await;
    assert_eq!(inside.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(crate::support::text(&inside.body).contains("refused: not a public address"));

    // A polled source shows how polling goes.
    let feed = admin
        .post(
            &path,
            &[("kind", "rss"), ("location", "https://feeds.example.com/feed.xml"), ("poll_seconds", "60")],
        )
        .await;
    assert_eq!(feed.status, StatusCode::SEE_OTHER);
    let outcome = dateline_core::PollOutcome::Failure { error: "request failed: connection refused".into() };
    site.store.record_poll(id, site.state.clock.now(), &outcome).await.unwrap();
    let page = crate::support::text(&admin.get(&path).await.body);
    assert!(page.contains("connection refused") && page.contains("Failures in a row 1"), "{page}");
    assert!(
        crate::support::text(&admin.get("/admin/sources").await.body).contains("failing: request failed")
    );
}

/// A ninjs item whose guid carries a NUL (and a bell), as one agency sent it.
fn item_with_nul_in_guid() -> Vec<u8> {
    let mut item: serde_json::Value = serde_json::from_slice(&fixture("ninjs14_text.json")).unwrap();
    item["uri"] = "urn:dateline-test:wire:nul\u{0}in\u{7}guid".into();
    item.to_string().into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nul_in_a_guid_is_cleaned_once_so_the_same_push_again_is_a_duplicate() {
    let site = Site::new().await;
    let (id, token) = push_source(&site, false).await;
    let base = crate::server::spawn(&site).await;
    let (status, first) = push(&base, id, &token, item_with_nul_in_guid()).await;
    assert_eq!((status, first["actions"][0]["action"].as_str()), (200, Some("held")), "{first}");
    assert_eq!(first["actions"][0]["guid"], "urn:dateline-test:wire:nulinguid");
    let (status, again) = push(&base, id, &token, item_with_nul_in_guid()).await;
    assert_eq!((status, again["actions"][0]["action"].as_str()), (200, Some("unchanged")), "{again}");
    let items = site.store.wire_items(Some(id), None, 10).await.unwrap();
    assert_eq!(items.len(), 1, "one item, not two");
    assert_eq!(items[0].guid, "urn:dateline-test:wire:nulinguid");
}

/// Announces a push larger than the API's body limit with `token` and waits for the answer
/// before sending any of it (`Expect: 100-continue`): the status the server gives from the
/// request's head alone. (Sending the body and being answered before it is all read can end
/// in a broken pipe instead of the answer.)
async fn push_large(base: &str, id: SourceId, token: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let length = dateline_web::api::MAX_BODY + 1024 * 1024;
    let head = format!(
        "POST /api/wire/v1/sources/{id}/items HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\nExpect: 100-continue\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut answer))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&answer[..n]).into_owned();
    text.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_tokens_are_rotated_revoked_and_cleared_with_the_push_kind() {
    use axum::http::StatusCode;
    let site = Site::new().await;
    let base = crate::server::spawn(&site).await;
    let admin = crate::api::token(&site, dateline_core::account::TokenScope::Admin).await;
    let client = reqwest::Client::new();
    let api = |method: reqwest::Method, path: &str| {
        client.request(method, format!("{base}/api/admin/v1/sources/app/{path}")).bearer_auth(&admin)
    };
    let id = site.source.id;
    let put = api(reqwest::Method::PUT, "wire")
        .header("content-type", "application/json")
        .body(serde_json::json!({"kind": "push-ninjs"}).to_string());
    assert_eq!(put.send().await.unwrap().status(), StatusCode::OK);
    let issue = async || {
        let reply = api(reqwest::Method::POST, "push-token").send().await.unwrap();
        assert_eq!(reply.status(), StatusCode::OK);
        let body: serde_json::Value = serde_json::from_str(&reply.text().await.unwrap()).unwrap();
        body["token"].as_str().unwrap().to_owned()
    };
    let first = issue().await;
    assert_eq!(push(&base, id, &first, fixture("ninjs14_text.json")).await.0, 200);

    // Rotated: the new token works, the old one at once no longer.
    let second = issue().await;
    assert_eq!(push(&base, id, &first, Vec::new()).await.0, 401, "the old token");
    assert_eq!(push(&base, id, &second, fixture("ninjs14_text.json")).await.0, 200, "the new token");

    // An unauthorised push is refused from its head, before its body is sent: 401, not 413
    // (the limits suite checks that an authorised push over the limit gets 413).
    assert_eq!(push_large(&base, id, "dl_push_forged").await, 401);
    assert_eq!(push_large(&base, id, &first).await, 401, "nor with a rotated-out token");
    assert_eq!(push_large(&base, id, &second).await, 100, "the source's own push is read (asked to go on)");

    // Revoked: no token works until a new one is issued.
    let revoked = api(reqwest::Method::DELETE, "push-token").send().await.unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert_eq!(push(&base, id, &second, Vec::new()).await.0, 401, "revoked");
    let shown = api(reqwest::Method::GET, "wire").send().await.unwrap().text().await.unwrap();
    assert_eq!(serde_json::from_str::<serde_json::Value>(&shown).unwrap()["has_push_token"], false);
    let third = issue().await;
    assert_eq!(push(&base, id, &third, fixture("ninjs14_text.json")).await.0, 200, "a new token after");

    // No longer a push source: the token is cleared, and pushes refused.
    let put = api(reqwest::Method::PUT, "wire")
        .header("content-type", "application/json")
        .body(serde_json::json!({"kind": "rss", "location": "https://wire.example.com/rss.xml"}).to_string());
    assert_eq!(put.send().await.unwrap().status(), StatusCode::OK);
    assert!(!site.store.wire_source(id).await.unwrap().unwrap().has_push_token, "cleared");
    assert_eq!(push(&base, id, &third, Vec::new()).await.0, 401);
    let refused = api(reqwest::Method::POST, "push-token").send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "a feed gets no push token");
    // A push source again: the old token stays dead; revoking and issuing work again.
    let put = api(reqwest::Method::PUT, "wire")
        .header("content-type", "application/json")
        .body(serde_json::json!({"kind": "push-newsml"}).to_string());
    assert_eq!(put.send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(push(&base, id, &third, Vec::new()).await.0, 401, "not revived");
    let fourth = issue().await;
    assert_eq!(push(&base, id, &fourth, fixture("newsml_item.xml")).await.0, 200);
}
