//! Input hygiene at the edge: NUL and other control characters typed into a form or sent in
//! an API body are removed from text (and line ends made `\n`) before anything is stored;
//! in an identifier (a slug, an e-mail address) they are refused with a field error.

use crate::api::{call, story_json, token};
use crate::support::{Site, story_fields, text};
use axum::http::{Method, StatusCode};
use dateline_core::Role;
use dateline_core::account::TokenScope;
use serde_json::json;

#[tokio::test]
async fn control_characters_typed_in_a_form_are_not_stored() {
    let site = Site::new().await;
    let mut client = site.signed_in(Role::Editor).await;
    client.get("/admin/stories/new").await;
    let mut fields = story_fields("Budget\u{0} passed\u{7} at\u{85} last", "publish", "0");
    let standfirst = "One line\r\nand another\u{1b}[31m";
    fields.retain(|(k, _)| *k != "standfirst");
    fields.push(("standfirst", standfirst));
    let created = client.post("/admin/stories/new", &fields).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let id: i64 = created
        .header("location")
        .trim_start_matches("/admin/stories/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let story = site.store.story(dateline_core::StoryId(id)).await.unwrap().unwrap();
    assert_eq!(story.headline, "Budget passed at last");
    assert_eq!(story.standfirst, "One line\nand another[31m");
    assert_eq!(story.slug.as_str(), "budget-passed-at-last");
    assert!(text(&site.get("/").await.body).contains("Budget passed at last"));

    // A slug with a NUL is not quietly changed: the form comes back with the field's error.
    let mut fields = story_fields("Another story", "publish", "0");
    fields.retain(|(k, _)| *k != "slug");
    fields.push(("slug", "another\u{0}story"));
    let refused = client.post("/admin/stories/new", &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert_eq!(site.store.story_count().await.unwrap(), 1, "nothing stored");
}

#[tokio::test]
async fn control_characters_in_api_json_are_not_stored() {
    let site = Site::new().await;
    let admin = token(&site, TokenScope::Admin).await;
    let url = "/api/admin/v1/stories";
    let mut body = story_json("Talks\u{0} resume\u{9b} in\u{8} Geneva");
    body["tags"] = json!(["Turkey", "Bell\u{7}Tag"]);
    let created = call(&site, Method::POST, url, Some(&admin), Some(body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    assert_eq!(created.json["headline"], "Talks resume in Geneva");
    let id = created.json["id"].as_i64().unwrap();
    let story = site.store.story(dateline_core::StoryId(id)).await.unwrap().unwrap();
    assert_eq!(story.headline, "Talks resume in Geneva");
    assert!(story.tags.iter().any(|t| t.name == "BellTag"), "{:?}", story.tags);

    let mut bad_slug = story_json("Another story");
    bad_slug["slug"] = json!("another\u{0}story");
    let refused = call(&site, Method::POST, url, Some(&admin), Some(bad_slug)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.json);
    let user = json!({"email": "nul\u{0}@news.example", "name": "N", "role": "editor"});
    let refused = call(&site, Method::POST, "/api/admin/v1/users", Some(&admin), Some(user)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.json);
    assert_eq!(site.store.story_count().await.unwrap(), 1, "nothing else stored");
}
