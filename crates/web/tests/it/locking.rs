//! Presence and edit locking (issue 18, point 2): the second editor to open a story is told
//! who has it open and since when, with a "Take over" button; after a take-over the first
//! editor's heartbeat names the taker and their save is refused with their text kept; a
//! lock lapses a minute after its last heartbeat; two server processes on one database see
//! the same lock. The browser test drives two Chromium sessions against a real server.

use crate::browser::{sign_in, type_in, until_true};
use crate::support::{Client, NOW, Site, at, story_fields};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use dateline_core::{Role, Story};
use http_body_util::BodyExt;
use tower::ServiceExt;

const PASSWORD: &str = "a long enough password";

/// Makes an editor's account named `name`, with `PASSWORD`.
async fn create_editor(site: &Site, email: &str, name: &str) {
    let user = dateline_core::account::NewUser {
        email: dateline_core::Email::parse(email).unwrap(),
        name: name.into(),
        role: Role::Editor,
        password_hash: dateline_core::secrets::hash_password(PASSWORD).unwrap(),
        author: None,
    };
    site.store.create_user(&user, at(NOW)).await.unwrap();
}

/// Signs in a new account named `name` (an editor).
async fn editor<'a>(site: &'a Site, email: &str, name: &str) -> Client<'a> {
    create_editor(site, email, name).await;
    let mut client = Client::new(site);
    assert_eq!(client.sign_in(email, PASSWORD).await.status, StatusCode::SEE_OTHER);
    client.get("/admin").await;
    client
}

/// The heartbeat as a server with `state` answers it to `client`.
async fn beat_on(state: &dateline_web::AppState, client: &Client<'_>, story: &Story) -> serde_json::Value {
    let cookies = client.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/admin/stories/{}/lock", story.id))
        .header("cookie", cookies)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!("csrf={}", client.csrf)))
        .unwrap();
    let response = dateline_web::router(state.clone()).oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&bytes).unwrap()
}

async fn beat(client: &Client<'_>, story: &Story) -> serde_json::Value {
    beat_on(&client.site.state, client, story).await
}

fn editing_notice(html: &str) -> Option<String> {
    let text = crate::support::text(html);
    let at = text.find(" is editing since ")?;
    let start = text[..at].rfind('⚠').map_or(0, |i| i + '⚠'.len_utf8());
    Some(text[start..at + " is editing since 00:00".len()].trim().to_owned())
}

#[tokio::test]
async fn a_second_editor_is_told_takes_over_and_the_first_cannot_save() {
    let site = Site::new().await;
    let story = site.publish(&site.draft("Talks resume in Istanbul"), "2025-02-27T10:00:00Z").await;
    let page = format!("/admin/stories/{}", story.id);
    let mut edith = editor(&site, "edith@news.example", "Edith One").await;
    let mut omar = editor(&site, "omar@news.example", "Omar Two").await;

    // Edith opens it first (16:00 UTC is 21:00 in Karachi, the site's zone) and holds it.
    let opened = edith.get(&page).await;
    assert_eq!(opened.status, StatusCode::OK);
    assert!(opened.body.contains(r#"data-presence-held="yes""#), "Edith holds the lock");
    assert_eq!(editing_notice(&opened.body), None);
    assert_eq!(beat(&edith, &story).await, serde_json::json!({"held": true}));

    // Omar opens it 30 s later: told who and since when, with a button to take over.
    site.advance(30);
    let seen = omar.get(&page).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(editing_notice(&seen.body).as_deref(), Some("Edith One is editing since 21:00"));
    assert!(seen.body.contains(r#"data-presence-held="no""#));
    assert!(seen.body.contains(&format!(r#"action="/admin/stories/{}/lock/take""#, story.id)));
    assert!(crate::support::text(&seen.body).contains("Take over"));
    assert_eq!(beat(&omar, &story).await["held"], false, "Omar's page does not hold it");
    assert_eq!(beat(&edith, &story).await["held"], true, "nor did Omar's look take it");

    // Omar takes over at 21:02; Edith's next heartbeat names him.
    site.advance(90);
    let taken = omar.post(&format!("/admin/stories/{}/lock/take", story.id), &[]).await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER);
    assert_eq!(taken.header("location"), format!("{page}?done=taken-over"));
    let now_his = omar.get(&format!("{page}?done=taken-over")).await;
    assert!(now_his.body.contains(r#"data-presence-held="yes""#));
    assert!(crate::support::text(&now_his.body).contains("You took the story over"));
    assert_eq!(
        beat(&edith, &story).await,
        serde_json::json!({"held": false, "holder": "Omar Two", "since": "21:02"})
    );

    // Edith's save is refused, her text kept in the form.
    let version = story.version.to_string();
    let mut fields = story_fields("Edith's unsaved headline", "save", &version);
    for field in &mut fields {
        if field.0 == "body" {
            field.1 = "Words Edith typed before Omar took over.";
        }
    }
    let refused = edith.post(&page, &fields).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let text = crate::support::text(&refused.body);
    assert!(text.contains("Omar Two took this story over: your changes were not saved"), "{text}");
    assert!(
        refused.body.contains("Edith&#x27;s unsaved headline")
            || refused.body.contains("Edith's unsaved headline")
    );
    assert!(text.contains("Words Edith typed before Omar took over."), "the body is kept");
    assert_eq!(site.store.story(story.id).await.unwrap().unwrap().headline, "Talks resume in Istanbul");
    assert!(refused.body.contains(r#"value="take-over""#), "a button to take it back and save");

    // She takes it back and saves her version in one press; Omar is told.
    let fields = story_fields("Edith's unsaved headline", "take-over", &version);
    let saved = edith.post(&page, &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", crate::support::text(&saved.body));
    assert_eq!(site.store.story(story.id).await.unwrap().unwrap().headline, "Edith's unsaved headline");
    assert_eq!(beat(&omar, &story).await["holder"], "Edith One");
}

#[tokio::test]
async fn a_lock_lapses_a_minute_after_its_last_heartbeat() {
    let site = Site::new().await;
    let story = site.publish(&site.draft("Budget passed"), "2025-02-27T10:00:00Z").await;
    let page = format!("/admin/stories/{}", story.id);
    let mut edith = editor(&site, "edith@news.example", "Edith One").await;
    let mut omar = editor(&site, "omar@news.example", "Omar Two").await;
    edith.get(&page).await;
    site.advance(40);
    assert_eq!(beat(&edith, &story).await["held"], true);
    // 60 s after that heartbeat the lock still holds; past it, it has lapsed.
    site.advance(60);
    assert_eq!(
        editing_notice(&omar.get(&page).await.body).as_deref(),
        Some("Edith One is editing since 21:00")
    );
    site.advance(1);
    let free = omar.get(&page).await;
    assert_eq!(editing_notice(&free.body), None, "lapsed: Omar holds it now");
    assert!(free.body.contains(r#"data-presence-held="yes""#));
    assert_eq!(beat(&edith, &story).await["holder"], "Omar Two");
    // Edith's page was asleep: her save is refused, Omar having taken the story meanwhile.
    let version = story.version.to_string();
    let refused = edith.post(&page, &story_fields("Edith after her nap", "save", &version)).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(crate::support::text(&refused.body).contains("Omar Two took this story over"));
    // A contributor who may not save the story takes nothing and sees no take-over button.
    let mut reader = site.signed_in(Role::Contributor).await;
    let looked = reader.get(&page).await;
    assert!(!looked.body.contains("data-presence"), "no lock for those who cannot save");
    assert_eq!(beat(&edith, &story).await["holder"], "Omar Two");
}

#[tokio::test]
async fn two_server_processes_on_one_database_share_the_lock() {
    let site = Site::new().await;
    let story = site.publish(&site.draft("Rain stops play"), "2025-02-27T10:00:00Z").await;
    let page = format!("/admin/stories/{}", story.id);
    let mut edith = editor(&site, "edith@news.example", "Edith One").await;
    let omar = editor(&site, "omar@news.example", "Omar Two").await;
    // A second process: its own store (connections) on the same SQLite file.
    let other: dateline_web::AppState = dateline_web::Parts {
        clock: dateline_web::Clock::Manual(site.now.clone()),
        ..dateline_web::Parts::new(site.reopen().await, dateline_web::Theme::new(None).unwrap())
    }
    .into();
    edith.get(&page).await;
    // Omar's heartbeat to the other process finds Edith's lock, taken through the first.
    assert_eq!(
        beat_on(&other, &omar, &story).await,
        serde_json::json!({"held": false, "holder": "Edith One", "since": "21:00"})
    );
    assert_eq!(beat_on(&other, &edith, &story).await["held"], true);
    // Edith beats only on the other process; the first sees the lock kept alive.
    site.advance(50);
    assert_eq!(beat_on(&other, &edith, &story).await["held"], true);
    site.advance(50);
    assert_eq!(beat(&omar, &story).await["holder"], "Edith One", "kept alive through the other process");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_browsers_one_takes_over_and_the_other_is_alerted() {
    use fantoccini::Locator;
    if !crate::browser::browser_available() {
        return;
    }
    let mut site = Site::new().await;
    // The page beats every 300 ms here instead of every 20 s.
    site.state.parts_mut().lock_heartbeat = std::time::Duration::from_millis(300);
    let story = site.publish(&site.draft("Talks resume in Istanbul"), "2025-02-27T10:00:00Z").await;
    create_editor(&site, "edith@news.example", "Edith One").await;
    create_editor(&site, "omar@news.example", "Omar Two").await;
    let base = crate::server::spawn(&site).await;
    let page = format!("{base}/admin/stories/{}", story.id);

    let (_driver_a, edith, _profile_a) = crate::browser::browser().await;
    sign_in(&edith, &base, "edith@news.example", PASSWORD).await;
    edith.goto(&page).await.unwrap();
    edith.find(Locator::Css("[data-presence-held=yes]")).await.expect("Edith holds the lock");
    edith.find(Locator::Css("[name=headline]")).await.unwrap().clear().await.unwrap();
    type_in(&edith, "[name=headline]", "Edith's words, not yet saved").await;

    let (_driver_b, omar, _profile_b) = crate::browser::browser().await;
    sign_in(&omar, &base, "omar@news.example", PASSWORD).await;
    omar.goto(&page).await.unwrap();
    let notice = omar.find(Locator::Css("[data-presence] .alert")).await.expect("Omar is told");
    assert!(notice.text().await.unwrap().contains("Edith One is editing since 21:00"));
    omar.find(Locator::Css("form[action$='/lock/take'] button")).await.unwrap().click().await.unwrap();
    omar.wait().for_element(Locator::Css("[data-presence-held=yes]")).await.expect("Omar holds it now");

    // Edith's page is told at its next heartbeat, her text still in the form.
    let told = "var a = document.querySelector('[data-presence-alert]'); \
                return a.getAttribute('role') === 'alert' && a.textContent.includes('Omar Two took this story over')";
    assert!(until_true(&edith, told, std::time::Duration::from_secs(5)).await.is_some(), "Edith is alerted");
    assert_eq!(
        edith.execute("return document.querySelector('[name=headline]').value", vec![]).await.unwrap(),
        "Edith's words, not yet saved"
    );
    std::fs::write(
        crate::browser::screenshot_dir().join("admin-editor-lock-lost-375.png"),
        edith.screenshot().await.unwrap(),
    )
    .unwrap();
    for client in [&edith, &omar] {
        let errors = crate::browser::console_errors(client).await;
        assert!(errors.is_empty(), "console errors {errors:?}");
    }
    // Her save is refused; the form comes back with her words.
    edith.find(Locator::Css("button[name=action][value=update]")).await.unwrap().click().await.unwrap();
    edith.wait().for_element(Locator::Css("#presence-h")).await.expect("the refusal");
    assert!(edith.source().await.unwrap().contains("your changes were not saved"));
    assert_eq!(
        edith.execute("return document.querySelector('[name=headline]').value", vec![]).await.unwrap(),
        "Edith's words, not yet saved"
    );
    assert_eq!(site.store.story(story.id).await.unwrap().unwrap().headline, "Talks resume in Istanbul");
    edith.close().await.unwrap();
    omar.close().await.unwrap();
}
