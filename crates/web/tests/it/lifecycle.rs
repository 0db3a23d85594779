//! The lifecycle through every surface: a kill holds against the editor form and the Admin
//! API alike, only an editor's reinstate (with a reason, kept in the history) undoes it,
//! and a signed-out request learns nothing about any story.

use crate::api::token;
use crate::support::{Site, story_fields, text};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use dateline_core::account::TokenScope;
use dateline_core::{Role, StoryId, StoryStatus};
use http_body_util::BodyExt;
use tower::ServiceExt;

pub(crate) async fn api(
    site: &Site,
    method: Method,
    uri: &str,
    token: &str,
    body: serde_json::Value,
) -> (StatusCode, String) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = dateline_web::router(site.state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn a_kill_holds_on_every_surface_until_an_editor_reinstates_it() {
    let site = Site::new().await;
    let mut author = site.signed_in(Role::Author).await;
    let mut editor = site.signed_in(Role::Editor).await;
    let created = author.post("/admin/stories/new", &story_fields("Injunction story", "publish", "0")).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let id: i64 = created
        .header("location")
        .trim_start_matches("/admin/stories/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let killed = editor.post(&format!("/admin/stories/{id}/kill"), &[]).await;
    assert_eq!(killed.status, StatusCode::SEE_OTHER);
    let story = site.store.story(StoryId(id)).await.unwrap().unwrap();
    let version = story.version.to_string();

    // The author's editor form: publish, update, schedule, save.
    for action in ["publish", "update", "schedule", "save"] {
        let mut fields = story_fields("Injunction story", action, &version);
        fields.push(("schedule_at", "2030-01-01T10:00"));
        let tried = author.post(&format!("/admin/stories/{id}"), &fields).await;
        assert_eq!(tried.status, StatusCode::CONFLICT, "{action}: {}", tried.body);
        assert!(text(&tried.body).contains("This story was killed"), "{action}: {}", text(&tried.body));
        assert_eq!(site.get("/story/injunction-story").await.status, StatusCode::GONE, "{action}");
    }
    // The author may not reinstate, even their own story.
    let not_theirs = author.post(&format!("/admin/stories/{id}/reinstate"), &[("note", "please")]).await;
    assert_eq!(not_theirs.status, StatusCode::FORBIDDEN);

    // The Admin API: unpublish then publish, schedule (even in the past), restore, update.
    let admin = token(&site, TokenScope::Admin).await;
    let base = format!("/api/admin/v1/stories/{id}");
    for (path, body) in [
        ("/unpublish", serde_json::json!({})),
        ("/publish", serde_json::json!({})),
        ("/schedule", serde_json::json!({"at": "2001-01-01T00:00:00Z"})),
        ("/schedule", serde_json::json!({"at": "2030-01-01T00:00:00Z"})),
        ("/revisions/1/restore", serde_json::json!({"version": story.version})),
        ("/kill", serde_json::json!({})),
    ] {
        let (status, body_text) = api(&site, Method::POST, &format!("{base}{path}"), &admin, body).await;
        assert_eq!(status, StatusCode::CONFLICT, "{path}: {body_text}");
        assert!(body_text.contains("killed"), "{path}: {body_text}");
    }
    let update = serde_json::json!({"headline": "Back", "section": "world", "version": story.version});
    let (status, _) = api(&site, Method::PUT, &base, &admin, update).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(site.get("/story/injunction-story").await.status, StatusCode::GONE);
    assert_eq!(site.store.story(StoryId(id)).await.unwrap().unwrap().status, StoryStatus::Killed);

    // Reinstate needs a reason; an editor's brings the story back unpublished.
    let no_reason = editor.post(&format!("/admin/stories/{id}/reinstate"), &[("note", " ")]).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let back =
        editor.post(&format!("/admin/stories/{id}/reinstate"), &[("note", "Injunction lifted.")]).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    let story = site.store.story(StoryId(id)).await.unwrap().unwrap();
    assert_eq!(story.status, StoryStatus::Unpublished);
    assert_eq!(
        site.get("/story/injunction-story").await.status,
        StatusCode::NOT_FOUND,
        "not public until published"
    );
    let history = site.store.history(StoryId(id)).await.unwrap();
    let last = history.last().unwrap();
    assert_eq!((last.transition.as_str(), last.note.as_str()), ("reinstate", "Injunction lifted."));
    assert_eq!(last.actor, "editor user (editor)");
    let (status, _) =
        api(&site, Method::POST, &format!("{base}/publish"), &admin, serde_json::json!({})).await;
    assert_eq!(status, StatusCode::OK, "published again by choice");
    assert_eq!(site.get("/story/injunction-story").await.status, StatusCode::OK);
}

#[tokio::test]
async fn signed_out_requests_learn_nothing_about_stories() {
    let site = Site::new().await;
    let story = site.publish(&site.draft("Secret scheduled headline"), crate::support::NOW).await;
    let existing = story.id.0;
    let missing = existing + 1000;
    let paths = |id: i64| {
        [
            format!("/admin/stories/{id}"),
            format!("/admin/stories/{id}/kill"),
            format!("/admin/stories/{id}/unpublish"),
            format!("/admin/stories/{id}/reinstate"),
            format!("/admin/stories/{id}/correction"),
            format!("/admin/stories/{id}/revisions"),
            format!("/admin/stories/{id}/revisions/1/restore"),
        ]
    };
    for method in [Method::GET, Method::POST, Method::PUT, Method::DELETE] {
        for (a, b) in paths(existing).iter().zip(paths(missing).iter()) {
            let request = |uri: &str| {
                Request::builder()
                    .method(method.clone())
                    .uri(uri)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from("headline=x&action=save"))
                    .unwrap()
            };
            let one = site.send(request(a)).await;
            let other = site.send(request(b)).await;
            assert_eq!(one.status, other.status, "{method} {a} vs {b}");
            assert!(
                matches!(
                    one.status,
                    StatusCode::SEE_OTHER
                        | StatusCode::UNAUTHORIZED
                        | StatusCode::FORBIDDEN
                        | StatusCode::METHOD_NOT_ALLOWED
                ),
                "{method} {a}: {}",
                one.status
            );
            for page in [&one, &other] {
                assert!(!page.body.contains("Secret scheduled"), "{method} {a}: {}", page.body);
                assert!(!page.body.contains("secret-scheduled"), "{method} {a}: {}", page.body);
            }
        }
    }
}

/// A save is all or nothing, on both surfaces: a new tag is not made when another field is
/// wrong, and a schedule the store refuses leaves neither a new story nor new words behind
/// (and is not reported as scheduled).
#[tokio::test]
async fn a_save_is_all_or_nothing_on_every_surface() {
    let site = Site::new().await;
    let mut editor = site.signed_in(Role::Editor).await;
    let stories_before = site.store.story_count().await.unwrap();
    let no_tag = |slug: &'static str| {
        let store = site.store.clone();
        async move { store.tag_by_slug(slug).await.unwrap().is_none() }
    };

    // The editor form: an unknown section with a new tag.
    let mut fields = story_fields("Never saved", "save", "0");
    fields.retain(|(k, _)| *k != "section" && *k != "tags");
    fields.push(("section", "nowhere"));
    fields.push(("tags", "Form Only Tag"));
    let refused = editor.post("/admin/stories/new", &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(text(&refused.body).contains("choose a section"), "{}", refused.body);
    assert!(no_tag("form-only-tag").await, "no tag is made for a save that failed");

    // The editor form: a schedule in the past, for a new story and for an existing one.
    let mut fields = story_fields("Scheduled too late", "schedule", "0");
    fields.push(("schedule_at", "2001-01-01T10:00"));
    let late = editor.post("/admin/stories/new", &fields).await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", late.body);
    assert!(text(&late.body).contains("must be in the future"), "{}", late.body);
    assert!(!late.header("location").contains("scheduled"));
    assert_eq!(site.store.story_count().await.unwrap(), stories_before, "no story was made");
    let kept_draft = site.draft("Kept as it was");
    let draft =
        site.store.create_story(&kept_draft, None, crate::support::at(crate::support::NOW)).await.unwrap();
    let mut fields = story_fields("Changed words", "schedule", "1");
    fields.push(("schedule_at", "2001-01-01T10:00"));
    let late = editor.post(&format!("/admin/stories/{}", draft.id), &fields).await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", late.body);
    let kept = site.store.story(draft.id).await.unwrap().unwrap();
    assert_eq!(
        (kept.headline.as_str(), kept.version, kept.status),
        ("Kept as it was", 1, StoryStatus::Draft)
    );

    // The Admin API: the same on create and on update.
    let admin = token(&site, TokenScope::Admin).await;
    let bad = serde_json::json!({"headline": "Never saved", "section": "nowhere", "tags": ["Api Only Tag"]});
    let (status, body) = api(&site, Method::POST, "/api/admin/v1/stories", &admin, bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("choose a section"), "{body}");
    let bad = serde_json::json!({"headline": "Changed", "section": "nowhere", "tags": ["Api Only Tag"], "version": 1});
    let (status, body) =
        api(&site, Method::PUT, &format!("/api/admin/v1/stories/{}", draft.id), &admin, bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(no_tag("api-only-tag").await, "no tag is made for a save that failed");
    assert_eq!(site.store.story_count().await.unwrap(), stories_before + 1);

    // A good save makes the new tag, in the same transaction as the story.
    let good =
        serde_json::json!({"headline": "Saved", "section": "world", "tags": ["Api Only Tag"], "version": 1});
    let (status, body) =
        api(&site, Method::PUT, &format!("/api/admin/v1/stories/{}", draft.id), &admin, good).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(!no_tag("api-only-tag").await);
    let saved = site.store.story(draft.id).await.unwrap().unwrap();
    assert_eq!(saved.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["Api Only Tag"]);
}

/// An agency re-sending a killed item (same guid, newer version) does not bring it back:
/// the kill holds, the words stay as they were killed, the page answers 410.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wire_resend_does_not_bring_a_killed_story_back() {
    use crate::wire::{fixture, push, push_source};
    let site = Site::new().await;
    let (source, push_token) = push_source(&site, true).await;
    let base = crate::server::spawn(&site).await;
    let (status, body) = push(&base, source, &push_token, fixture("ninjs14_text.json")).await;
    assert_eq!(status, 200, "{body}");
    let id = StoryId(body["actions"][0]["story_id"].as_i64().unwrap());
    let mut editor = site.signed_in(Role::Editor).await;
    let killed = editor.post(&format!("/admin/stories/{}/kill", id.0), &[]).await;
    assert_eq!(killed.status, StatusCode::SEE_OTHER, "{}", killed.body);
    let before = site.store.story(id).await.unwrap().unwrap();

    site.advance(300);
    let (status, again) = push(&base, source, &push_token, fixture("ninjs_update.json")).await;
    assert_eq!(status, 200, "{again}");
    assert_ne!(again["actions"][0]["action"], "updated", "{again}");
    assert_ne!(again["actions"][0]["action"], "published", "{again}");
    let after = site.store.story(id).await.unwrap().unwrap();
    assert_eq!(after.status, StoryStatus::Killed);
    assert_eq!((after.headline.as_str(), after.version), (before.headline.as_str(), before.version));
    let page = reqwest::get(format!("{base}/story/{}", after.slug)).await.unwrap();
    assert_eq!(page.status(), 410);
    let history = site.store.history(id).await.unwrap();
    assert_eq!(history.last().map(|h| h.transition.as_str()), Some("kill"), "{history:?}");
}
