//! The Admin and Content APIs over the router: tokens and scopes, every route's refusal
//! without a token, JSON errors, body limits, unknown fields, conflicts, and the OpenAPI
//! document matching the routes.

use crate::support::Site;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use dateline_core::account::TokenScope;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub json: Value,
}

pub(crate) async fn call(
    site: &Site,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    call_raw(site, method, uri, token, body.map(|b| ("application/json", b.to_string().into_bytes()))).await
}

async fn call_raw(
    site: &Site,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<(&str, Vec<u8>)>,
) -> Reply {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        builder = builder.header("authorization", format!("Bearer {t}"));
    }
    let body = match body {
        Some((kind, bytes)) => {
            builder = builder.header("content-type", kind);
            Body::from(bytes)
        }
        None => Body::empty(),
    };
    let response =
        dateline_web::router(site.state.clone()).oneshot(builder.body(body).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply { status, headers, json }
}

pub(crate) async fn token(site: &Site, scope: TokenScope) -> String {
    let operator = dateline_core::Actor::System("test");
    let now = crate::support::at(crate::support::NOW);
    dateline_newsroom::accounts::create_token(site.store.as_ref(), &operator, "test", scope.as_str(), now)
        .await
        .unwrap()
        .1
}

pub(crate) fn story_json(headline: &str) -> Value {
    json!({
        "headline": headline,
        "standfirst": "From the API.",
        "body": "One.\n\nTwo <script>alert(1)</script>",
        "dateline_place": "Istanbul",
        "credit": "APP",
        "section": "world",
        "source": "app",
        "tags": ["Turkey", "Api Made Tag"],
        "authors": ["Ayesha Malik"],
    })
}

#[tokio::test]
async fn the_openapi_document_matches_the_routes_and_every_route_wants_a_token() {
    let site = Site::new().await;
    let doc = call(&site, Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.json["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc.json["paths"].as_object().unwrap();
    for expected in [
        "/api/admin/v1/stories",
        "/api/admin/v1/stories/{id}/kill",
        "/api/content/v1/stories",
        "/api/admin/v1/tokens/{id}",
        "/api/admin/v1/settings",
    ] {
        assert!(paths.contains_key(expected), "{expected} missing from the document");
    }
    let mut checked = 0;
    for (path, methods) in paths {
        for method in methods.as_object().unwrap().keys() {
            let uri = path
                .replace("{id}", "1")
                .replace("{number}", "1")
                .replace("{slug}", "x")
                .replace("{action}", "disable")
                .replace("{slug}", "x");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let reply = call(&site, method.clone(), &uri, None, Some(json!({}))).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {uri} is documented and guarded");
            assert_eq!(reply.json["error"]["code"], "unauthorized");
            assert_eq!(reply.headers["www-authenticate"], "Bearer");
            checked += 1;
        }
    }
    assert!(checked >= 25, "{checked} operations");
}

#[tokio::test]
async fn tokens_and_scopes() {
    let site = Site::new().await;
    let admin = token(&site, TokenScope::Admin).await;
    let content = token(&site, TokenScope::Content).await;
    assert_eq!(
        call(&site, Method::GET, "/api/admin/v1/stories", Some("dl_admin_forged"), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let wrong_scope = call(&site, Method::GET, "/api/admin/v1/stories", Some(&content), None).await;
    assert_eq!(wrong_scope.status, StatusCode::FORBIDDEN);
    assert_eq!(wrong_scope.json["error"]["code"], "forbidden");
    let create =
        call(&site, Method::POST, "/api/admin/v1/stories", Some(&content), Some(story_json("Nope"))).await;
    assert_eq!(create.status, StatusCode::FORBIDDEN);
    assert_eq!(site.store.story_count().await.unwrap(), 0, "nothing changed");
    assert_eq!(
        call(&site, Method::GET, "/api/content/v1/stories", Some(&content), None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        call(&site, Method::GET, "/api/content/v1/stories", Some(&admin), None).await.status,
        StatusCode::OK
    );

    let made = call(
        &site,
        Method::POST,
        "/api/admin/v1/tokens",
        Some(&admin),
        Some(json!({"name": "app", "scope": "content"})),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED);
    let secret = made.json["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("dl_content_"));
    assert_eq!(
        call(&site, Method::GET, "/api/content/v1/sections", Some(&secret), None).await.status,
        StatusCode::OK
    );
    let listed = call(&site, Method::GET, "/api/admin/v1/tokens", Some(&admin), None).await;
    assert!(
        listed.json.as_array().unwrap().iter().all(|t| t.get("token").is_none()),
        "secrets are never listed"
    );
    let id = made.json["id"].as_i64().unwrap();
    assert_eq!(
        call(&site, Method::DELETE, &format!("/api/admin/v1/tokens/{id}"), Some(&admin), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&site, Method::GET, "/api/content/v1/sections", Some(&secret), None).await.status,
        StatusCode::UNAUTHORIZED,
        "revoked"
    );
}

#[tokio::test]
async fn bad_bodies_are_refused_and_change_nothing() {
    let site = Site::new().await;
    let admin = token(&site, TokenScope::Admin).await;
    let url = "/api/admin/v1/stories";
    let syntax = call_raw(
        &site,
        Method::POST,
        url,
        Some(&admin),
        Some(("application/json", b"{\"headline\": ".to_vec())),
    )
    .await;
    assert_eq!(
        (syntax.status, syntax.json["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("malformed_json"))
    );
    let mut unknown = story_json("Unknown field");
    unknown["colour"] = json!("red");
    let unknown = call(&site, Method::POST, url, Some(&admin), Some(unknown)).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.json["error"]["message"].as_str().unwrap().contains("colour"));
    let wrong_type =
        call_raw(&site, Method::POST, url, Some(&admin), Some(("text/plain", b"{}".to_vec()))).await;
    assert_eq!(wrong_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let mut huge = story_json("Huge");
    huge["body"] = json!("x".repeat(dateline_web::api::MAX_BODY + 1));
    let huge = call(&site, Method::POST, url, Some(&admin), Some(huge)).await;
    assert_eq!(
        (huge.status, huge.json["error"]["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large"))
    );
    let mut invalid = story_json("");
    invalid["section"] = json!("nowhere");
    let invalid = call(&site, Method::POST, url, Some(&admin), Some(invalid)).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        invalid.json["error"]["fields"]["headline"].is_string()
            && invalid.json["error"]["fields"]["section"].is_string()
    );
    assert_eq!(site.store.story_count().await.unwrap(), 0, "nothing stored");
    assert_eq!(
        call(&site, Method::GET, "/api/admin/v1/stories/999", Some(&admin), None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(&site, Method::GET, "/api/admin/v1/nothing-here", Some(&admin), None).await.json["error"]["code"],
        "not_found"
    );
}

#[tokio::test]
async fn a_story_through_the_admin_api_and_out_through_the_content_api() {
    let site = Site::new().await;
    let admin = token(&site, TokenScope::Admin).await;
    let content = token(&site, TokenScope::Content).await;
    let created =
        call(&site, Method::POST, "/api/admin/v1/stories", Some(&admin), Some(story_json("Ankara talks")))
            .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    let id = created.json["id"].as_i64().unwrap();
    assert_eq!(created.json["status"], "draft");
    assert!(!created.json["body_html"].as_str().unwrap().contains("script"), "sanitised");
    assert_eq!(created.json["tags"][1]["slug"], "api-made-tag");
    assert_eq!(
        call(&site, Method::GET, "/api/content/v1/stories/ankara-talks", Some(&content), None).await.status,
        StatusCode::NOT_FOUND,
        "drafts are not content"
    );

    let published =
        call(&site, Method::POST, &format!("/api/admin/v1/stories/{id}/publish"), Some(&admin), None).await;
    assert_eq!(published.json["status"], "published");
    let mut translation = story_json("Ankara görüşmeleri");
    translation["language"] = json!("tr");
    translation["translation_of"] = json!(id);
    let translated =
        call(&site, Method::POST, "/api/admin/v1/stories", Some(&admin), Some(translation.clone())).await;
    assert_eq!(
        (translated.status, translated.json["translation_of"].as_i64()),
        (StatusCode::CREATED, Some(id))
    );
    translation["translation_of"] = json!(987_654);
    let orphan = call(&site, Method::POST, "/api/admin/v1/stories", Some(&admin), Some(translation)).await;
    assert_eq!(orphan.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", orphan.json);
    let version = published.json["version"].as_i64().unwrap();
    assert_eq!(site.get("/story/ankara-talks").await.status, StatusCode::OK);

    let mut edit = story_json("Ankara talks end");
    edit["version"] = json!(version);
    site.advance(120);
    let updated =
        call(&site, Method::PUT, &format!("/api/admin/v1/stories/{id}"), Some(&admin), Some(edit.clone()))
            .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.json);
    assert!(updated.json["updated_at"].is_string(), "stamped Updated");
    let stale =
        call(&site, Method::PUT, &format!("/api/admin/v1/stories/{id}"), Some(&admin), Some(edit)).await;
    assert_eq!(
        (stale.status, stale.json["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );
    let no_version =
        call(&site, Method::PUT, &format!("/api/admin/v1/stories/{id}"), Some(&admin), Some(story_json("x")))
            .await;
    assert_eq!(no_version.status, StatusCode::UNPROCESSABLE_ENTITY);

    let corrected = call(
        &site,
        Method::POST,
        &format!("/api/admin/v1/stories/{id}/corrections"),
        Some(&admin),
        Some(json!({"note": "Fixed the venue."})),
    )
    .await;
    assert_eq!(corrected.json["corrections"][0]["note"], "Fixed the venue.");
    let revisions =
        call(&site, Method::GET, &format!("/api/admin/v1/stories/{id}/revisions"), Some(&admin), None).await;
    assert_eq!(revisions.json.as_array().unwrap().len(), 2);

    let listed = call(
        &site,
        Method::GET,
        "/api/content/v1/stories?section=world&tag=turkey&author=ayesha-malik&source=app",
        Some(&content),
        None,
    )
    .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.json["items"][0]["headline"], "Ankara talks end");
    assert!(listed.json["items"][0].get("body").is_none(), "no Markdown source on the Content API");
    let since_future = call(
        &site,
        Method::GET,
        "/api/content/v1/stories?updated_since=2099-01-01T00:00:00Z",
        Some(&content),
        None,
    )
    .await;
    assert_eq!(since_future.json["items"].as_array().unwrap().len(), 0);
    let since_past = call(
        &site,
        Method::GET,
        "/api/content/v1/stories?updated_since=2020-01-01T00:00:00Z",
        Some(&content),
        None,
    )
    .await;
    assert_eq!(since_past.json["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        call(&site, Method::GET, "/api/content/v1/stories?updated_since=yesterday", Some(&content), None)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        call(&site, Method::GET, "/api/content/v1/stories?section=nowhere", Some(&content), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(&site, Method::GET, "/api/content/v1/stories?page=0", Some(&content), None).await.status,
        StatusCode::BAD_REQUEST
    );

    let killed =
        call(&site, Method::POST, &format!("/api/admin/v1/stories/{id}/kill"), Some(&admin), None).await;
    assert_eq!(killed.json["status"], "killed");
    assert_eq!(
        call(&site, Method::GET, "/api/content/v1/stories/ankara-talks", Some(&content), None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(site.get("/story/ankara-talks").await.status, StatusCode::GONE);
    let republish =
        call(&site, Method::POST, &format!("/api/admin/v1/stories/{id}/publish"), Some(&admin), None).await;
    assert_eq!(republish.status, StatusCode::CONFLICT, "a kill is final");
}

#[tokio::test]
async fn taxonomy_users_and_settings_through_the_admin_api() {
    let site = Site::new().await;
    let admin = token(&site, TokenScope::Admin).await;
    let section = call(
        &site,
        Method::POST,
        "/api/admin/v1/sections",
        Some(&admin),
        Some(json!({"name": "Sports", "position": 3})),
    )
    .await;
    assert_eq!((section.status, section.json["slug"].as_str()), (StatusCode::CREATED, Some("sports")));
    let dup =
        call(&site, Method::POST, "/api/admin/v1/sections", Some(&admin), Some(json!({"name": "Sports"})))
            .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    let tag = call(
        &site,
        Method::POST,
        "/api/admin/v1/tags",
        Some(&admin),
        Some(json!({"name": "IMF", "kind": "galaxy"})),
    )
    .await;
    assert_eq!(tag.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        call(&site, Method::POST, "/api/admin/v1/authors", Some(&admin), Some(json!({"name": "Omar Baig"})))
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        call(&site, Method::POST, "/api/admin/v1/sources", Some(&admin), Some(json!({"name": "AFP"})))
            .await
            .json["credit"],
        "AFP"
    );
    let user = call(
        &site,
        Method::POST,
        "/api/admin/v1/users",
        Some(&admin),
        Some(json!({"email": "new@news.example", "name": "New", "role": "author"})),
    )
    .await;
    assert_eq!(user.status, StatusCode::CREATED);
    assert_eq!(user.json["password"].as_str().unwrap().len(), 20);
    let uid = user.json["id"].as_i64().unwrap();
    let disabled =
        call(&site, Method::POST, &format!("/api/admin/v1/users/{uid}/disable"), Some(&admin), None).await;
    assert_eq!(disabled.json["disabled"], true);
    let reset =
        call(&site, Method::POST, &format!("/api/admin/v1/users/{uid}/reset-password"), Some(&admin), None)
            .await;
    assert_eq!(reset.json["password"].as_str().unwrap().len(), 20);
    assert_eq!(
        call(&site, Method::POST, &format!("/api/admin/v1/users/{uid}/promote"), Some(&admin), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let users = call(&site, Method::GET, "/api/admin/v1/users", Some(&admin), None).await;
    assert!(users.json[0].get("password").is_none());
    let bad_role = call(
        &site,
        Method::POST,
        "/api/admin/v1/users",
        Some(&admin),
        Some(json!({"email": "x", "name": "X", "role": "king"})),
    )
    .await;
    assert_eq!(bad_role.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_role.json["error"]["fields"]["email"].is_string()
            && bad_role.json["error"]["fields"]["role"].is_string()
    );

    let mut settings = call(&site, Method::GET, "/api/admin/v1/settings", Some(&admin), None).await.json;
    settings["timezone"] = json!("Nowhere/City");
    assert_eq!(
        call(&site, Method::PUT, "/api/admin/v1/settings", Some(&admin), Some(settings.clone())).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    settings["timezone"] = json!("Europe/Istanbul");
    settings["name"] = json!("Wire Daily");
    settings["logo_url"] = json!("/assets/house-logo.png");
    let saved = call(&site, Method::PUT, "/api/admin/v1/settings", Some(&admin), Some(settings)).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.json);
    assert_eq!(saved.json["logo_url"], "/assets/house-logo.png");
    assert!(crate::support::text(&site.get("/").await.body).contains("Wire Daily"));

    let hook = call(
        &site,
        Method::POST,
        "/api/admin/v1/webhooks",
        Some(&admin),
        Some(json!({"url": "https://hooks.example/x", "events": ["published"]})),
    )
    .await;
    assert_eq!(hook.status, StatusCode::CREATED);
    assert_eq!(hook.json["secret"].as_str().unwrap().len(), 48);
    let bad_hook = call(
        &site,
        Method::POST,
        "/api/admin/v1/webhooks",
        Some(&admin),
        Some(json!({"url": "https://hooks.example/x", "events": ["exploded"]})),
    )
    .await;
    assert_eq!(bad_hook.status, StatusCode::UNPROCESSABLE_ENTITY);
    // An endpoint on the newsroom's own network is refused when saved (the egress policy).
    for url in ["http://169.254.169.254/latest/meta-data/", "http://[::ffff:127.0.0.1]:8080/x"] {
        let inside = call(
            &site,
            Method::POST,
            "/api/admin/v1/webhooks",
            Some(&admin),
            Some(json!({"url": url, "events": ["published"]})),
        )
        .await;
        assert_eq!(inside.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert!(inside.json.to_string().contains("refused: not a public address"), "{}", inside.json);
    }
    let hooks = call(&site, Method::GET, "/api/admin/v1/webhooks", Some(&admin), None).await;
    assert!(hooks.json[0].get("secret").is_none());
    assert_eq!(hooks.json.as_array().unwrap().len(), 1, "only the good endpoint was kept");
    assert_eq!(
        call(&site, Method::GET, "/api/admin/v1/webhooks/deliveries", Some(&admin), None).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn wire_settings_through_the_admin_api() {
    let site = Site::new().await;
    let admin = token(&site, TokenScope::Admin).await;
    let uri = "/api/admin/v1/sources/app/wire";
    let reply = call(&site, Method::GET, uri, Some(&admin), None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json["kind"], "manual");

    let bad = call(
        &site,
        Method::PUT,
        uri,
        Some(&admin),
        Some(json!({"kind": "drop-newsml", "location": "relative/dir"})),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bad.json["error"]["fields"]["location"],
        "a drop folder needs an absolute path, such as /srv/wire/app",
        "{}",
        bad.json
    );
    let unknown =
        call(&site, Method::PUT, uri, Some(&admin), Some(json!({"kind": "rss", "colour": 1}))).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", unknown.json);

    let good = json!({"kind": "atom", "location": "https://wire.example.com/atom.xml", "poll_seconds": 120,
        "section": "world", "language": "en", "auto_publish": true});
    let saved = call(&site, Method::PUT, uri, Some(&admin), Some(good)).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.json);
    assert_eq!(
        (saved.json["section"].as_str(), saved.json["poll_seconds"].as_i64()),
        (Some("world"), Some(120))
    );
    let w = site.store.wire_source(site.source.id).await.unwrap().unwrap();
    assert_eq!(w.config.location.as_deref(), Some("https://wire.example.com/atom.xml"));

    let refused = call(&site, Method::POST, "/api/admin/v1/sources/app/push-token", Some(&admin), None).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "a feed has no push token");
    call(&site, Method::PUT, uri, Some(&admin), Some(json!({"kind": "push-newsml"}))).await;
    let issued = call(&site, Method::POST, "/api/admin/v1/sources/app/push-token", Some(&admin), None).await;
    assert_eq!(issued.status, StatusCode::OK);
    let pushed_token = issued.json["token"].as_str().unwrap();
    let hash = dateline_core::secrets::token_hash(pushed_token);
    assert_eq!(site.store.source_by_push_token(&hash).await.unwrap(), Some(site.source.id));
    assert!(
        issued.json["push_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/api/wire/v1/sources/{}/items", site.source.id))
    );
    let content = token(&site, TokenScope::Content).await;
    assert_eq!(call(&site, Method::GET, uri, Some(&content), None).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn search_through_the_content_api() {
    let site = Site::new().await;
    let mut draft = site.draft("Earthquake shakes the north");
    draft.body = "A strong earthquake was felt across the valleys.".into();
    site.publish(&draft, "2025-02-27T10:00:00Z").await;
    let content = token(&site, TokenScope::Content).await;
    let reply = call(&site, Method::GET, "/api/content/v1/search?q=earthquake", Some(&content), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    assert_eq!(reply.json["total"], 1);
    let hit = &reply.json["hits"][0];
    assert_eq!(hit["headline"], "Earthquake shakes the north");
    assert_eq!(hit["url"], "https://news.example.com/story/earthquake-shakes-the-north");
    assert!(hit["snippet_html"].as_str().unwrap().contains("<mark>earthquake</mark>"));
    let bad = call(&site, Method::GET, "/api/content/v1/search?q=x&from=soon", Some(&content), None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let none = call(&site, Method::GET, "/api/content/v1/search?q=earthquake", None, None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
}
