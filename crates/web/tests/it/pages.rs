//! Every page type, as a reader sees it.

use crate::support::{Site, at, json_ld, text};
use axum::http::StatusCode;
use dateline_core::*;

#[tokio::test]
async fn story_page_has_every_element_of_the_design() {
    let site = Site::new().await;
    let mut draft = site.draft("Peace talks resume in Istanbul after a week-long pause");
    draft.authors.push(
        site.store
            .create_author(&NewAuthor {
                slug: Slug::parse("omar-baig").unwrap(),
                name: "Omar Baig".into(),
                bio: String::new(),
            })
            .await
            .unwrap()
            .id,
    );
    let story = site.publish(&draft, "2025-02-27T15:34:00Z").await;
    site.store.update_story(story.id, &draft, story.version, at("2025-02-27T15:50:00Z")).await.unwrap();
    site.store
        .add_correction(
            story.id,
            "An earlier version gave the wrong venue.",
            &Actor::System("test"),
            at("2025-02-27T15:55:00Z"),
        )
        .await
        .unwrap();
    site.publish(&site.draft("Earlier world story"), "2025-02-27T12:00:00Z").await;

    let page = site.get("/story/peace-talks-resume-in-istanbul-after-a-week-long-pause").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    let html = &page.body;
    let seen = text(html);
    assert!(html.contains(r#"<html lang="en" dir="ltr">"#));
    assert!(html.contains(
        "<h1 class=\"story-headline\">Peace talks resume in Istanbul after a week-long pause</h1>"
    ));
    assert!(seen.contains("Thursday, February 27, 2025"), "header date in Karachi time");
    assert!(html.contains(r#"id="menu-toggle""#) && seen.contains("Open Menu"));
    assert!(seen.contains("Leaders met for a second day of talks."), "standfirst");
    assert!(seen.contains("By Ayesha Malik and Omar Baig"));
    assert!(seen.contains("Published February 27, 2025 | 08:34 PM"), "byline in the site's zone");
    assert!(seen.contains("Updated February 27, 2025 | 08:50 PM"));
    assert!(seen.contains("An earlier version gave the wrong venue."));
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    assert!(
        squash(&seen).contains(&squash(
            "Istanbul, (APP - The Test Times - 27th Feb, 2025) Delegations from both sides"
        )),
        "dateline before the body: {seen}"
    );
    assert!(html.contains(r#"<a class="tag tag--place" href="/tag/turkey" rel="tag">Turkey</a>"#));
    assert!(seen.contains("Recent Stories"));
    assert!(
        html.contains(r#"<time class="js-relative" datetime="2025-02-27T12:00:00Z">"#),
        "recent story time"
    );
    assert!(seen.contains("More Stories From World"));
    assert!(html.contains(r#"href="/section/world""#));
    assert!(html.contains(r#"<link rel="canonical" href="https://news.example.com/story/peace-talks-resume-in-istanbul-after-a-week-long-pause">"#));
    assert!(html.contains(r#"<meta property="og:type" content="article">"#));
    assert!(html.contains(r#"<meta name="twitter:card""#));
    assert!(html.contains(r#"<script src="/assets/site.js?v="#), "versioned script");

    let ld = json_ld(html);
    assert_eq!(ld["@type"], "NewsArticle");
    assert_eq!(ld["headline"], "Peace talks resume in Istanbul after a week-long pause");
    assert_eq!(ld["datePublished"], "2025-02-27T15:34:00Z");
    assert_eq!(ld["dateModified"], "2025-02-27T15:50:00Z");
    assert_eq!(ld["author"][1]["name"], "Omar Baig");
    assert_eq!(ld["articleSection"], "World");
    assert_eq!(ld["dateline"], "Istanbul");
    assert_eq!(ld["inLanguage"], "en");
    assert_eq!(ld["publisher"]["name"], "The Test Times");
    assert_eq!(ld["publisher"]["@type"], "NewsMediaOrganization");
    let logo = ld["publisher"]["logo"]["url"].as_str().unwrap();
    assert!(logo.starts_with("https://news.example.com/assets/logo.png?v="), "{logo}");
    let logo_file = site.get(logo.trim_start_matches("https://news.example.com")).await;
    assert_eq!((logo_file.status, logo_file.header("content-type")), (StatusCode::OK, "image/png"));
    assert_eq!(ld["author"][0]["url"], "https://news.example.com/author/ayesha-malik");
    assert_eq!(ld["description"], "Leaders met for a second day of talks.");
    let url = "https://news.example.com/story/peace-talks-resume-in-istanbul-after-a-week-long-pause";
    assert_eq!((ld["url"].as_str(), ld["mainEntityOfPage"]["@id"].as_str()), (Some(url), Some(url)));
    assert!(ld.get("image").is_none(), "no image, no image field");
    assert!(!html.contains("hreflang"), "no translations, no hreflang links");
}

#[tokio::test]
async fn fronts_carry_their_own_structured_data_and_the_logo_setting_is_used() {
    let site = Site::new().await;
    let mut draft = site.draft("Floods close the coastal highway");
    draft.image = Some(StoryImage {
        url: "/media/floods.jpg".into(),
        alt: "A flooded road".into(),
        caption: String::new(),
        ..StoryImage::default()
    });
    let story = site.publish(&draft, "2025-02-27T10:00:00Z").await;

    let home = json_ld(&site.get("/").await.body);
    let graph = home["@graph"].as_array().unwrap();
    let website = graph.iter().find(|n| n["@type"] == "WebSite").unwrap();
    assert_eq!(website["name"], "The Test Times");
    assert_eq!(website["url"], "https://news.example.com/");
    assert_eq!(
        website["potentialAction"]["target"]["urlTemplate"],
        "https://news.example.com/search?q={search_term_string}"
    );
    let publisher = graph.iter().find(|n| n["@type"] == "NewsMediaOrganization").unwrap();
    assert_eq!(website["publisher"]["@id"], publisher["@id"]);

    let section = site.get("/section/world").await.body;
    let ld = json_ld(&section);
    assert_eq!(ld["@type"], "CollectionPage");
    assert_eq!(ld["name"], "World");
    assert_eq!(ld["url"], "https://news.example.com/section/world");
    let crumbs = ld["breadcrumb"]["itemListElement"].as_array().unwrap();
    assert_eq!(
        (crumbs[0]["name"].as_str(), crumbs[1]["name"].as_str()),
        (Some("The Test Times"), Some("World"))
    );
    assert!(section.contains(r#"<meta property="og:url" content="https://news.example.com/section/world">"#));
    assert_eq!(json_ld(&site.get("/tag/turkey").await.body)["@type"], "CollectionPage");

    let path = format!("/story/{}", story.slug);
    let page = site.get(&path).await.body;
    assert_eq!(json_ld(&page)["image"][0], "https://news.example.com/media/floods.jpg");
    assert!(
        page.contains(r#"<meta property="og:image" content="https://news.example.com/media/floods.jpg">"#)
    );

    // A logo set by the editors replaces the built-in one on pages already cached.
    let settings = SiteSettings {
        logo_url: "https://cdn.example.com/logo-600x60.png".into(),
        ..site.store.settings().await.unwrap()
    };
    site.store.save_settings(&settings).await.unwrap();
    site.state.site_cache.clear();
    assert_eq!(
        json_ld(&site.get(&path).await.body)["publisher"]["logo"]["url"],
        "https://cdn.example.com/logo-600x60.png"
    );
    let bad = SiteSettings { logo_url: "javascript:alert(1)".into(), ..settings };
    assert!(site.store.save_settings(&bad).await.is_err(), "a logo must be an http(s) address or a path");

    // A killed story leaves no structured data behind.
    site.store
        .change_status(story.id, &StatusChange::Kill, &Actor::System("test"), at("2025-02-27T11:00:00Z"))
        .await
        .unwrap();
    let gone = site.get(&path).await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert!(!gone.body.contains("NewsArticle"));
    assert!(!gone.body.contains("og:image"));
}

#[tokio::test]
async fn translations_link_to_each_other_with_hreflang() {
    let site = Site::new().await;
    let original = site.publish(&site.draft("Parliament passes the budget"), "2025-02-27T10:00:00Z").await;
    let urdu = StoryDraft {
        section: site.urdu.id,
        language: "ur".into(),
        translation_of: Some(original.id),
        ..site.draft("پارلیمنٹ نے بجٹ منظور کر لیا")
    };
    let urdu = site.publish(&urdu, "2025-02-27T10:30:00Z").await;
    // Naming a translation as the original puts the story in the same, flat group.
    let arabic = StoryDraft {
        language: "ar".into(),
        translation_of: Some(urdu.id),
        ..site.draft("البرلمان يقر الميزانية")
    };
    let arabic = site.store.create_story(&arabic, None, at("2025-02-27T10:40:00Z")).await.unwrap();
    assert_eq!(arabic.translation_of, Some(original.id));

    let en_path = format!("/story/{}", original.slug);
    let ur_path = format!("/story/{}", urdu.slug);
    let en = site.get(&en_path).await.body;
    let base = "https://news.example.com";
    assert!(en.contains(&format!(r#"<link rel="alternate" hreflang="en" href="{base}{en_path}">"#)), "{en}");
    assert!(en.contains(&format!(r#"<link rel="alternate" hreflang="ur" href="{base}{ur_path}">"#)));
    assert!(en.contains(&format!(r#"<link rel="alternate" hreflang="x-default" href="{base}{en_path}">"#)));
    assert!(!en.contains(r#"hreflang="ar""#), "a draft translation is not offered");
    assert!(text(&en).contains("پارلیمنٹ نے بجٹ منظور کر لیا"), "readers see the other language");
    assert_eq!(json_ld(&en)["workTranslation"][0]["@id"], format!("{base}{ur_path}"));
    let ur = site.get(&ur_path).await.body;
    assert!(ur.contains(&format!(r#"<link rel="alternate" hreflang="en" href="{base}{en_path}">"#)));
    assert!(ur.contains(&format!(r#"<link rel="alternate" hreflang="x-default" href="{base}{en_path}">"#)));
    assert_eq!(json_ld(&ur)["translationOfWork"]["@id"], format!("{base}{en_path}"));

    // Publishing the Arabic version adds it to the pages already cached; killing it removes it.
    site.store
        .change_status(arabic.id, &StatusChange::Publish, &Actor::System("test"), at("2025-02-27T10:45:00Z"))
        .await
        .unwrap();
    assert!(site.get(&en_path).await.body.contains(r#"hreflang="ar""#));
    assert!(site.get(&ur_path).await.body.contains(r#"hreflang="ar""#));
    site.store
        .change_status(arabic.id, &StatusChange::Kill, &Actor::System("test"), at("2025-02-27T11:00:00Z"))
        .await
        .unwrap();
    assert!(!site.get(&en_path).await.body.contains(r#"hreflang="ar""#));
    assert!(!site.get(&ur_path).await.body.contains(r#"hreflang="ar""#));

    // A story cannot translate itself, nor a story that does not exist.
    let own = StoryDraft { translation_of: Some(original.id), ..site.draft("Parliament passes the budget") };
    let err = site.store.update_story(original.id, &own, original.version, at("2025-02-27T12:00:00Z")).await;
    assert!(
        matches!(err, Err(dateline_store::StoreError::Invalid(ref f)) if f[0].field == "translation_of"),
        "{err:?}"
    );
    let missing = StoryDraft { translation_of: Some(StoryId(999_999)), ..site.draft("Orphan") };
    let err = site.store.create_story(&missing, None, at("2025-02-27T12:00:00Z")).await;
    assert!(
        matches!(err, Err(dateline_store::StoreError::Invalid(ref f)) if f[0].field == "translation_of"),
        "{err:?}"
    );
}

#[tokio::test]
async fn urdu_story_renders_right_to_left() {
    let site = Site::new().await;
    let draft = StoryDraft {
        headline: "کراچی میں بارش کے بعد سڑکیں زیر آب".into(),
        standfirst: "شہر میں کئی علاقوں میں پانی جمع ہو گیا۔".into(),
        section: site.urdu.id,
        language: "ur".into(),
        dateline_place: "کراچی".into(),
        ..site.draft("")
    };
    let story = site.publish(&draft, "2025-02-27T10:00:00Z").await;
    let page = site.get(&format!("/story/{}", story.slug)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"<html lang="ur" dir="rtl">"#));
    assert!(page.body.contains(r#"<article class="story" lang="ur" dir="rtl">"#));
    let section = site.get("/section/urdu").await;
    assert!(
        section.body.contains(r#"<html lang="ur" dir="rtl">"#),
        "the Urdu section front is right-to-left"
    );
    assert!(text(&section.body).contains("کراچی میں بارش کے بعد سڑکیں زیر آب"));
    let home = site.get("/").await;
    assert!(home.body.contains(r#"lang="ur" dir="rtl""#), "the Urdu block on the English home page");
}

#[tokio::test]
async fn home_page_has_lead_top_latest_and_sections() {
    let site = Site::new().await;
    for i in 0..8 {
        site.publish(&site.draft(&format!("World story number {i}")), &format!("2025-02-27T1{i}:00:00Z"))
            .await;
    }
    let lead = StoryDraft { prominence: Prominence::Lead, ..site.draft("The lead story of the day") };
    site.publish(&lead, "2025-02-27T08:00:00Z").await;
    let page = site.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    let seen = text(&page.body);
    let lead_at = seen.find("The lead story of the day").expect("lead shown");
    assert!(lead_at < seen.find("World story number 7").unwrap(), "the lead comes first though it is older");
    assert!(seen.contains("Latest"));
    assert!(seen.contains("World story number 0"));
    assert!(page.body.contains(r#"href="/section/world""#));
    assert!(page.body.contains(r#"<link rel="canonical" href="https://news.example.com/">"#));
}

#[tokio::test]
async fn empty_site_still_renders() {
    let site = Site::new().await;
    for path in ["/", "/latest", "/section/world", "/tag/turkey", "/author/ayesha-malik", "/source/app"] {
        let page = site.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn list_pages_filter_and_paginate() {
    let site = Site::new().await;
    for i in 0..25 {
        site.publish(
            &site.draft(&format!("Story {i:02}")),
            &format!("2025-02-26T{:02}:{:02}:00Z", i / 2, (i % 2) * 30),
        )
        .await;
    }
    let other = StoryDraft {
        section: site.urdu.id,
        tags: vec![],
        authors: vec![],
        source: None,
        ..site.draft("Only in Urdu section")
    };
    site.publish(&other, "2025-02-27T00:00:00Z").await;

    for path in ["/section/world", "/tag/turkey", "/author/ayesha-malik", "/source/app"] {
        let first = site.get(path).await;
        assert_eq!(first.status, StatusCode::OK, "{path}");
        let seen = text(&first.body);
        assert!(seen.contains("Story 24") && seen.contains("Story 05"), "{path}: newest 20 on page 1");
        assert!(!seen.contains("Story 04"), "{path}: the 21st is on page 2");
        assert!(!seen.contains("Only in Urdu section"), "{path}: filtered");
        assert!(first.body.contains(&format!(r#"href="{path}?page=2""#)), "{path}: next link");

        let second = site.get(&format!("{path}?page=2")).await;
        assert_eq!(second.status, StatusCode::OK);
        let seen = text(&second.body);
        assert!(seen.contains("Story 04") && seen.contains("Story 00"));
        assert!(second.body.contains(&format!(r#"href="{path}""#)), "{path}: previous link");
        assert_eq!(
            site.get(&format!("{path}?page=3")).await.status,
            StatusCode::NOT_FOUND,
            "{path}: past the end"
        );
    }
    let latest = site.get("/latest").await;
    assert!(text(&latest.body).contains("Only in Urdu section"));
    assert!(text(&site.get("/author/ayesha-malik").await.body).contains("Foreign desk."), "author bio");
    assert_eq!(
        site.get("/latest?page=2&utm_source=newsletter").await.status,
        StatusCode::OK,
        "other parameters are ignored"
    );
}

#[tokio::test]
async fn old_slugs_redirect_permanently() {
    let site = Site::new().await;
    let story = site.publish(&site.draft("Talks resume"), "2025-02-27T10:00:00Z").await;
    let moved = StoryDraft {
        slug: Some(Slug::parse("istanbul-talks-resume").unwrap()),
        ..site.draft("Talks resume")
    };
    site.store.update_story(story.id, &moved, story.version, at("2025-02-27T11:00:00Z")).await.unwrap();
    let page = site.get("/story/talks-resume").await;
    assert_eq!(page.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(page.header("location"), "/story/istanbul-talks-resume");
    assert_eq!(site.get("/story/istanbul-talks-resume").await.status, StatusCode::OK);
}

#[tokio::test]
async fn drafts_are_not_public() {
    let site = Site::new().await;
    let draft =
        site.store.create_story(&site.draft("Secret draft"), None, at("2025-02-27T10:00:00Z")).await.unwrap();
    assert_eq!(site.get(&format!("/story/{}", draft.slug)).await.status, StatusCode::NOT_FOUND);
    assert!(!text(&site.get("/").await.body).contains("Secret draft"));
    assert!(!text(&site.get("/latest").await.body).contains("Secret draft"));
}

#[tokio::test]
async fn health_and_assets() {
    let site = Site::new().await;
    assert_eq!(site.get("/healthz").await.status, StatusCode::OK);
    let ready = site.get("/readyz").await;
    assert_eq!((ready.status, ready.body.as_str()), (StatusCode::OK, "ready\n"));
    let css = site.get("/assets/style.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
    let js = site.get("/assets/site.js").await;
    assert!(js.body.contains("js-relative"));
}

#[tokio::test]
async fn security_headers_are_set() {
    let site = Site::new().await;
    let page = site.get("/").await;
    assert!(page.header("content-security-policy").contains("script-src 'self'"));
    assert!(!page.header("content-security-policy").contains("unsafe-inline"));
    assert_eq!(page.header("x-content-type-options"), "nosniff");
    assert!(page.header("content-security-policy").contains("frame-ancestors 'none'"));
    assert_eq!(page.header("referrer-policy"), "strict-origin-when-cross-origin");
}

#[tokio::test]
async fn a_theme_folder_overrides_templates_and_assets() {
    let theme = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(theme.path().join("templates")).unwrap();
    std::fs::create_dir_all(theme.path().join("assets")).unwrap();
    std::fs::write(
        theme.path().join("templates/error.html"),
        "{% extends \"base.html\" %}{% block content %}<p>Custom {{ status }}: {{ title }}</p>{% endblock %}",
    )
    .unwrap();
    std::fs::write(theme.path().join("assets/style.css"), "body { color: teal }").unwrap();
    let site = Site::with_theme(Some(theme.path())).await;
    let missing = site.get("/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("<p>Custom 404: Page not found</p>"), "{}", missing.body);
    assert!(missing.body.contains("The Test Times"), "the built-in base layout is still used");
    assert_eq!(site.get("/assets/style.css").await.body, "body { color: teal }");
    assert!(site.get("/assets/site.js").await.body.contains("js-relative"), "other assets stay built in");
}

#[tokio::test]
async fn snapshot_of_story_and_home() {
    let site = Site::new().await;
    let story = site.publish(&site.draft("Peace talks resume in Istanbul"), "2025-02-27T15:34:00Z").await;
    site.store
        .add_correction(
            story.id,
            "An earlier version misspelt a name.",
            &Actor::System("test"),
            at("2025-02-27T15:40:00Z"),
        )
        .await
        .unwrap();
    site.publish(&site.draft("Ministers meet in Geneva over trade"), "2025-02-27T11:00:00Z").await;
    let urdu = StoryDraft {
        section: site.urdu.id, language: "ur".into(), ..site.draft("کراچی میں بارش")
    };
    site.publish(&urdu, "2025-02-27T09:00:00Z").await;
    // Asset versions follow the CSS and JS: a style change is not a page change.
    let story = site.get("/story/peace-talks-resume-in-istanbul").await.body;
    let home = site.get("/").await.body;
    insta::with_settings!({ filters => vec![(r"\?v=[0-9a-f]+", "?v=VERSION")] }, {
        insta::assert_snapshot!("story_page", story);
        insta::assert_snapshot!("home_page", home);
    });
}

#[tokio::test]
async fn long_lists_have_previous_and_next_pages() {
    let site = Site::new().await;
    for i in 0..25 {
        site.publish(
            &site.draft(&format!("Harbour story number {i}")),
            &format!("2025-02-2{}T10:{i:02}:00Z", 1 + i % 5),
        )
        .await;
    }
    let first = site.get("/section/world").await.body;
    assert!(
        first.contains(r#"<a class="pagination-next" rel="next" href="/section/world?page=2">Next</a>"#),
        "{first}"
    );
    assert!(!first.contains("pagination-prev"));
    let second = site.get("/section/world?page=2").await.body;
    assert!(second.contains(r#"<a class="pagination-prev" rel="prev" href="/section/world">Previous</a>"#));
    assert!(second.contains(r#"<span class="pagination-page">Page 2</span>"#));
    assert!(!second.contains("pagination-next"), "25 stories make two pages of 20");
}
