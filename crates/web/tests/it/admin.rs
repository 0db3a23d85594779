//! The newsroom in the browser: sign-in and sessions, CSRF, the editor's save paths
//! (publish, update, conflict, lost session), kill, revisions, and the role matrix.

use crate::support::{Client, Site, story_fields, text};
use axum::http::StatusCode;
use dateline_core::{Role, StoryStatus};

fn story_id(location: &str) -> i64 {
    location.trim_start_matches("/admin/stories/").split('?').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn signing_in_sets_a_safe_session_cookie() {
    let site = Site::new().await;
    let password = site.account("desk@news.example", Role::Editor, false).await;
    let mut client = Client::new(&site);
    let gate = client.get("/admin/stories").await;
    assert_eq!(gate.status, StatusCode::SEE_OTHER);
    assert_eq!(gate.header("location"), "/admin/login?next=/admin/stories");
    let form = client.get("/admin/login").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(text(&form.body).contains("Sign in"));
    let done = client
        .post(
            "/admin/login",
            &[("email", "Desk@News.example"), ("password", &password), ("next", "/admin/stories")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.header("location"), "/admin/stories");
    let cookie = done
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("dateline_session="))
        .unwrap();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/admin"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(cookie.contains("Secure"), "the site's base URL is https: {cookie}");
    let stored = site.store.users().await.unwrap();
    assert!(!cookie.contains(&stored[0].email.to_string()));
    let list = client.get("/admin/stories").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.header("cache-control").contains("no-store"));
    // The session token is stored only as a hash.
    let token = client.cookies["dateline_session"].clone();
    assert!(site.store.session(&token, crate::support::at(crate::support::NOW)).await.unwrap().is_none());
}

#[tokio::test]
async fn sign_in_is_refused_and_throttled() {
    let site = Site::new().await;
    let password = site.account("desk@news.example", Role::Editor, false).await;
    let mut client = Client::new(&site);
    client.get("/admin/login").await;
    let wrong = client
        .post("/admin/login", &[("email", "desk@news.example"), ("password", "not the password")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(text(&wrong.body).contains("do not match"));
    assert!(!client.cookies.contains_key("dateline_session"));
    let unknown = client
        .post("/admin/login", &[("email", "nobody@news.example"), ("password", "whatever it is")])
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED, "same answer for unknown accounts");
    for _ in 0..4 {
        client.post("/admin/login", &[("email", "desk@news.example"), ("password", "guess")]).await;
    }
    let blocked =
        client.post("/admin/login", &[("email", "desk@news.example"), ("password", &password)]).await;
    assert_eq!(
        blocked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "after five failures the next attempt must wait"
    );
    assert!(!client.cookies.contains_key("dateline_session"));

    // A cross-site post has neither the cookie nor the field.
    let mut stranger = Client::new(&site);
    let forged = stranger
        .post("/admin/login", &[("email", "desk@news.example"), ("password", &password), ("csrf", "")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let site = Site::new().await;
    let mut client = site.signed_in(Role::Editor).await;
    let no_token = client.post("/admin/logout", &[("csrf", "forged")]).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert_eq!(client.get("/admin").await.status, StatusCode::OK, "still signed in");
    let old = client.cookies.clone();
    let out = client.post("/admin/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    client.cookies = old;
    assert_eq!(client.get("/admin").await.status, StatusCode::SEE_OTHER, "the old cookie is dead");
}

#[tokio::test]
async fn a_story_is_written_published_updated_and_killed() {
    let site = Site::new().await;
    let mut client = site.signed_in(Role::Editor).await;
    client.get("/admin/stories/new").await;
    let created =
        client.post("/admin/stories/new", &story_fields("Talks resume in Geneva", "publish", "0")).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let id = story_id(created.header("location"));
    assert!(created.header("location").ends_with("?done=published"));
    let public = site.get("/story/talks-resume-in-geneva").await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(text(&public.body).contains("Second paragraph with bold words."));
    assert!(
        text(&site.get("/tag/brand-new-topic").await.body).contains("Talks resume in Geneva"),
        "tag created on the fly"
    );
    assert!(text(&site.get("/").await.body).contains("Talks resume in Geneva"));

    let edit = client.get(created.header("location")).await;
    assert!(text(&edit.body).contains("Published: the story is on the site."));
    let story = site.store.story(dateline_core::StoryId(id)).await.unwrap().unwrap();
    let version = story.version.to_string();
    site.advance(600);
    let updated = client
        .post(
            &format!("/admin/stories/{id}"),
            &story_fields("Talks resume in Geneva, again", "update", &version),
        )
        .await;
    assert_eq!(updated.status, StatusCode::SEE_OTHER, "{}", updated.body);
    let public = site.get("/story/talks-resume-in-geneva").await;
    assert!(text(&public.body).contains("Talks resume in Geneva, again"));
    assert!(text(&public.body).contains("Updated "), "the Updated stamp shows");

    let correction = client
        .post(
            &format!("/admin/stories/{id}/correction"),
            &[("note", "An earlier version misnamed the venue.")],
        )
        .await;
    assert_eq!(correction.status, StatusCode::SEE_OTHER);
    assert!(text(&site.get("/story/talks-resume-in-geneva").await.body).contains("misnamed the venue"));

    let killed = client.post(&format!("/admin/stories/{id}/kill"), &[]).await;
    assert_eq!(killed.status, StatusCode::SEE_OTHER);
    let gone = site.get("/story/talks-resume-in-geneva").await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert!(text(&gone.body).contains("removed"));
    for path in ["/", "/latest", "/section/world", "/tag/turkey", "/author/ayesha-malik", "/source/app"] {
        assert!(
            !text(&site.get(path).await.body).contains("Talks resume"),
            "{path} still shows a killed story"
        );
    }
}

#[tokio::test]
async fn an_editor_marks_a_story_as_a_translation() {
    let site = Site::new().await;
    let mut client = site.signed_in(Role::Editor).await;
    client.get("/admin/stories/new").await;
    client.post("/admin/stories/new", &story_fields("Talks resume in Geneva", "publish", "0")).await;
    let mut fields = story_fields("Les pourparlers reprennent", "publish", "0");
    fields.retain(|(k, _)| *k != "language");
    let unknown = [fields.clone(), vec![("language", "fr"), ("translation_of", "no-such-story")]].concat();
    let refused = client.post("/admin/stories/new", &unknown).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text(&refused.body).contains(r#"no story has the slug "no-such-story""#),
        "{}",
        text(&refused.body)
    );
    assert!(refused.body.contains(r#"value="no-such-story""#), "what was typed is kept");

    let pasted = "https://news.example.com/story/talks-resume-in-geneva";
    let created = client
        .post("/admin/stories/new", &[fields, vec![("language", "fr"), ("translation_of", pasted)]].concat())
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let edit = client.get(created.header("location")).await;
    assert!(edit.body.contains(r#"name="translation_of" value="talks-resume-in-geneva""#));
    let original = site.get("/story/talks-resume-in-geneva").await.body;
    assert!(
        original
            .contains(r#"hreflang="fr" href="https://news.example.com/story/les-pourparlers-reprennent""#)
    );
}

#[tokio::test]
async fn failed_saves_keep_the_text() {
    let site = Site::new().await;
    let mut client = site.signed_in(Role::Editor).await;
    client.get("/admin/stories/new").await;
    let mut fields = story_fields("", "save", "0");
    fields.retain(|(k, _)| *k != "body");
    fields.push(("body", "Text I must not lose"));
    let invalid = client.post("/admin/stories/new", &fields).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(invalid.body.contains("Text I must not lose"));
    assert!(text(&invalid.body).contains("a story needs a headline"));

    let bad_token = client
        .post(
            "/admin/stories/new",
            &[story_fields("Kept headline", "save", "0"), vec![("csrf", "stale")]].concat(),
        )
        .await;
    assert_eq!(bad_token.status, StatusCode::FORBIDDEN);
    assert!(bad_token.body.contains("Kept headline"));

    let mut signed_out = Client::new(&site);
    let lost =
        signed_out.post("/admin/stories/new", &story_fields("Written while signed out", "save", "0")).await;
    assert_eq!(lost.status, StatusCode::UNAUTHORIZED);
    assert!(lost.body.contains("Written while signed out"));
    assert!(text(&lost.body).contains("signed out"));
    assert_eq!(site.store.story_count().await.unwrap(), 0, "nothing was stored");
}

#[tokio::test]
async fn concurrent_edits_are_a_conflict_not_an_overwrite() {
    let site = Site::new().await;
    let mut alice = site.signed_in(Role::Editor).await;
    let mut bob = site.signed_in(Role::Administrator).await;
    alice.get("/admin/stories/new").await;
    let created = alice.post("/admin/stories/new", &story_fields("Budget debate", "save", "0")).await;
    let id = story_id(created.header("location"));
    bob.get(&format!("/admin/stories/{id}")).await;
    alice.get(&format!("/admin/stories/{id}")).await;
    let first = bob
        .post(&format!("/admin/stories/{id}"), &story_fields("Budget debate: Bob's version", "save", "1"))
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let second = alice
        .post(&format!("/admin/stories/{id}"), &story_fields("Budget debate: Alice's version", "save", "1"))
        .await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert!(second.body.contains("Budget debate: Alice&#x27;s version"), "her text is still in the form");
    assert!(text(&second.body).contains("Someone else saved this story"));
    let stored = site.store.story(dateline_core::StoryId(id)).await.unwrap().unwrap();
    assert_eq!(stored.headline, "Budget debate: Bob's version", "nothing overwritten");
    let deliberate = alice
        .post(&format!("/admin/stories/{id}"), &story_fields("Budget debate: Alice's version", "save", "2"))
        .await;
    assert_eq!(deliberate.status, StatusCode::SEE_OTHER, "saving again on purpose replaces it");
}

#[tokio::test]
async fn revisions_are_listed_compared_and_restored() {
    let site = Site::new().await;
    let mut client = site.signed_in(Role::Editor).await;
    client.get("/admin/stories/new").await;
    let created = client.post("/admin/stories/new", &story_fields("First headline", "save", "0")).await;
    let id = story_id(created.header("location"));
    client.get(&format!("/admin/stories/{id}")).await;
    client.post(&format!("/admin/stories/{id}"), &story_fields("Second headline", "save", "1")).await;
    let page = client.get(&format!("/admin/stories/{id}/revisions?a=1&b=2")).await;
    assert_eq!(page.status, StatusCode::OK);
    let seen = text(&page.body);
    assert!(seen.contains("First headline") && seen.contains("Second headline"));
    assert_eq!(
        client.get(&format!("/admin/stories/{id}/revisions?a=1&b=9")).await.status,
        StatusCode::BAD_REQUEST
    );
    let restored = client.post(&format!("/admin/stories/{id}/revisions/1/restore"), &[]).await;
    assert_eq!(restored.status, StatusCode::SEE_OTHER);
    let story = site.store.story(dateline_core::StoryId(id)).await.unwrap().unwrap();
    assert_eq!(story.headline, "First headline");
    assert_eq!(site.store.revisions(story.id).await.unwrap().len(), 3);
}

/// Every role against every story action: allowed (a redirect) or 403.
#[tokio::test]
async fn role_matrix() {
    // (action, contributor, author, editor, administrator)
    let expected: &[(&str, [bool; 4])] = &[
        ("create draft", [true, true, true, true]),
        ("publish own", [false, true, true, true]),
        ("edit other's draft", [false, false, true, true]),
        ("publish other's", [false, false, true, true]),
        ("correct own published", [false, true, true, true]),
        ("unpublish other's", [false, false, true, true]),
        ("kill other's", [false, false, true, true]),
        ("kill own", [false, false, true, true]),
    ];
    for (i, role) in
        [Role::Contributor, Role::Author, Role::Editor, Role::Administrator].into_iter().enumerate()
    {
        let site = Site::new().await;
        // Someone else's stories, created without a byline link to this user.
        let mut other = site
            .store
            .create_story(&site.draft("Other's draft"), None, crate::support::at(crate::support::NOW))
            .await
            .unwrap();
        other.authors.clear();
        let mut draft = site.draft("Other's published");
        draft.authors.clear();
        let published = site.publish(&draft, crate::support::NOW).await;
        let mut other_draft = site.draft("Other's second draft");
        other_draft.authors.clear();
        let other_draft = site
            .store
            .create_story(&other_draft, None, crate::support::at(crate::support::NOW))
            .await
            .unwrap();
        let mut client = site.signed_in(role).await;
        client.get("/admin/stories/new").await;

        let mut outcome = Vec::new();
        let own = client.post("/admin/stories/new", &story_fields("Own draft", "save", "0")).await;
        outcome.push(("create draft", own.status));
        let own_id = if own.status == StatusCode::SEE_OTHER { story_id(own.header("location")) } else { 0 };
        let own_pub = client
            .post(&format!("/admin/stories/{own_id}"), &story_fields("Own draft", "publish", "1"))
            .await;
        outcome.push(("publish own", own_pub.status));
        let _ = other;
        let edit_other = client
            .post(&format!("/admin/stories/{}", other_draft.id), &story_fields("Edited", "save", "1"))
            .await;
        outcome.push(("edit other's draft", edit_other.status));
        let other_pub = site.store.story(other_draft.id).await.unwrap().unwrap();
        let pub_other = client
            .post(
                &format!("/admin/stories/{}", other_draft.id),
                &story_fields("Edited", "publish", &other_pub.version.to_string()),
            )
            .await;
        outcome.push(("publish other's", pub_other.status));
        let correct =
            client.post(&format!("/admin/stories/{own_id}/correction"), &[("note", "Fixed a name.")]).await;
        outcome.push(("correct own published", correct.status));
        let unpub = client.post(&format!("/admin/stories/{}/unpublish", published.id), &[]).await;
        outcome.push(("unpublish other's", unpub.status));
        let kill_other = client.post(&format!("/admin/stories/{}/kill", published.id), &[]).await;
        outcome.push(("kill other's", kill_other.status));
        let kill_own = client.post(&format!("/admin/stories/{own_id}/kill"), &[]).await;
        outcome.push(("kill own", kill_own.status));

        for ((name, status), (want_name, allowed)) in outcome.iter().zip(expected) {
            assert_eq!(name, want_name);
            let want = if allowed[i] { StatusCode::SEE_OTHER } else { StatusCode::FORBIDDEN };
            // A contributor never gets a story to publish/correct: their own draft exists but 403 is expected.
            assert_eq!(*status, want, "{role} / {name}");
        }
        let own_story = site.store.story(dateline_core::StoryId(own_id)).await.unwrap();
        if let Some(s) = own_story {
            let expect_public = allowed_publish(role);
            assert_eq!(
                s.status == StoryStatus::Published || s.status == StoryStatus::Killed,
                expect_public,
                "{role}"
            );
        }
    }
}

fn allowed_publish(role: Role) -> bool {
    role != Role::Contributor
}

#[tokio::test]
async fn management_pages_follow_the_roles() {
    let site = Site::new().await;
    let mut author = site.signed_in(Role::Author).await;
    for path in [
        "/admin/sections",
        "/admin/tags",
        "/admin/authors",
        "/admin/sources",
        "/admin/users",
        "/admin/settings",
    ] {
        assert_eq!(author.get(path).await.status, StatusCode::FORBIDDEN, "author on {path}");
    }
    let mut editor = site.signed_in(Role::Editor).await;
    assert_eq!(editor.get("/admin/users").await.status, StatusCode::FORBIDDEN);
    assert_eq!(editor.get("/admin/sections").await.status, StatusCode::OK);
    let added =
        editor.post("/admin/sections", &[("name", "Business"), ("slug", ""), ("position", "3")]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert!(site.get("/section/business").await.status.is_success());
    let dup = editor.post("/admin/sections", &[("name", "Business"), ("slug", "business")]).await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&dup.body).contains("already taken"));
    let bad = editor.post("/admin/tags", &[("name", "IMF"), ("kind", "planet")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("IMF"), "typed value kept");
    assert_eq!(
        editor.post("/admin/tags", &[("name", "IMF"), ("kind", "organisation")]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(editor.post("/admin/authors", &[("name", "Omar Baig")]).await.status, StatusCode::SEE_OTHER);
    let forged = editor.post("/admin/authors", &[("name", "Forged"), ("csrf", "nope")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(site.store.author_by_slug("forged").await.unwrap().is_none(), "nothing changed");
}

#[tokio::test]
async fn administrators_manage_accounts_and_settings() {
    let site = Site::new().await;
    let mut admin = site.signed_in(Role::Administrator).await;
    admin.get("/admin/users").await;
    let created = admin
        .post("/admin/users", &[("email", "new@news.example"), ("name", "New Reporter"), ("role", "author")])
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let seen = text(&created.body);
    assert!(seen.contains("shown only once"));
    let password = created
        .body
        .split("<code")
        .nth(1)
        .and_then(|s| s.split('>').nth(1))
        .and_then(|s| s.split('<').next())
        .unwrap()
        .trim()
        .to_owned();
    assert_eq!(password.len(), 20, "{password}");
    let mut reporter = Client::new(&site);
    assert_eq!(reporter.sign_in("new@news.example", &password).await.status, StatusCode::SEE_OTHER);
    assert_eq!(reporter.get("/admin").await.status, StatusCode::OK);

    let id = site.store.user_for_login("new@news.example").await.unwrap().unwrap().0.id;
    admin.get("/admin/users").await;
    assert_eq!(admin.post(&format!("/admin/users/{id}/disable"), &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        reporter.get("/admin").await.status,
        StatusCode::SEE_OTHER,
        "a disabled account is signed out"
    );

    admin.get("/admin/settings").await;
    let bad = admin
        .post(
            "/admin/settings",
            &[
                ("name", "The Evening Wire"),
                ("base_url", "https://news.example.com"),
                ("language", "en"),
                ("direction", "ltr"),
                ("timezone", "Mars/Base"),
                ("menu", "World | /section/world"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("The Evening Wire") && bad.body.contains("Mars/Base"), "typed values kept");
    let good = admin
        .post(
            "/admin/settings",
            &[
                ("name", "The Evening Wire"),
                ("base_url", "https://news.example.com/"),
                ("language", "en"),
                ("direction", "ltr"),
                ("timezone", "Europe/Istanbul"),
                ("menu", "World | /section/world\nUrdu | /section/urdu"),
            ],
        )
        .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.body);
    let home = site.get("/").await;
    assert!(text(&home.body).contains("The Evening Wire"), "the new name shows at once");
    assert!(home.body.contains(r#"href="/section/urdu">Urdu</a>"#), "the new menu");
}

#[tokio::test]
async fn api_tokens_are_made_and_revoked_in_the_admin() {
    let site = Site::new().await;
    let mut admin = site.signed_in(Role::Administrator).await;
    admin.get("/admin/tokens").await;
    let made = admin.post("/admin/tokens", &[("name", "Mobile app"), ("scope", "content")]).await;
    assert_eq!(made.status, StatusCode::CREATED);
    assert!(made.body.contains("dl_content_"), "the token is shown once");
    let token = made.body.split("dl_content_").nth(1).unwrap()[..64].to_owned();
    let listed = admin.get("/admin/tokens").await;
    assert!(!listed.body.contains(&token), "and never again");
    let id = site.store.tokens().await.unwrap()[0].id;
    assert_eq!(admin.post(&format!("/admin/tokens/{id}/revoke"), &[]).await.status, StatusCode::SEE_OTHER);
    assert!(site.store.tokens().await.unwrap()[0].revoked);
    let mut editor = site.signed_in(Role::Editor).await;
    assert_eq!(editor.get("/admin/tokens").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn sections_tags_authors_and_sources_can_be_edited() {
    let site = Site::new().await;
    let mut editor = site.signed_in(Role::Editor).await;
    let form = editor.get(&format!("/admin/sections/{}/edit", site.world.id)).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("value=\"World\""), "the form is filled in");
    let saved = editor
        .post(
            &format!("/admin/sections/{}", site.world.id),
            &[("name", "World News"), ("slug", "world"), ("position", "1")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(text(&site.get("/").await.body).contains("World News"), "the menu shows the new name at once");
    let clash = editor
        .post(&format!("/admin/sections/{}", site.world.id), &[("name", "World"), ("slug", "urdu")])
        .await;
    assert_eq!(clash.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&clash.body).contains("already taken"));
    let tag = editor
        .post(
            &format!("/admin/tags/{}", site.tag.id),
            &[("name", "Türkiye"), ("slug", "turkey"), ("kind", "place")],
        )
        .await;
    assert_eq!(tag.status, StatusCode::SEE_OTHER);
    assert_eq!(site.store.tag_by_slug("turkey").await.unwrap().unwrap().name, "Türkiye");
    let author = editor
        .post(
            &format!("/admin/authors/{}", site.author.id),
            &[("name", "Ayesha Malik"), ("slug", "ayesha-malik"), ("bio", "Chief correspondent.")],
        )
        .await;
    assert_eq!(author.status, StatusCode::SEE_OTHER);
    assert!(text(&site.get("/author/ayesha-malik").await.body).contains("Chief correspondent."));
    assert_eq!(
        editor.get("/admin/sources/1/edit").await.status,
        StatusCode::FORBIDDEN,
        "sources are for administrators"
    );
    assert_eq!(editor.get("/admin/planets/1/edit").await.status, StatusCode::NOT_FOUND);
    assert_eq!(editor.get("/admin/tags/999/edit").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn administrators_change_roles() {
    let site = Site::new().await;
    let mut admin = site.signed_in(Role::Administrator).await;
    let password = site.account("writer@news.example", Role::Contributor, false).await;
    let id = site.store.user_for_login("writer@news.example").await.unwrap().unwrap().0.id;
    admin.get("/admin/users").await;
    assert_eq!(
        admin.post(&format!("/admin/users/{id}/role-author"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(site.store.user(id).await.unwrap().unwrap().role, Role::Author);
    let me = site.store.user_for_login("administrator@news.example").await.unwrap().unwrap().0.id;
    assert_eq!(
        admin.post(&format!("/admin/users/{me}/role-editor"), &[]).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        admin.post(&format!("/admin/users/{id}/role-emperor"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    let mut writer = Client::new(&site);
    writer.sign_in("writer@news.example", &password).await;
    writer.get("/admin/stories/new").await;
    assert!(
        writer.post("/admin/stories/new", &story_fields("Now I publish", "publish", "0")).await.status
            == StatusCode::SEE_OTHER
    );
}
