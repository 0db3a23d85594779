//! Unknown and malformed requests: styled 404 and 400 pages, and never a 500.

use crate::support::{Site, text};
use axum::http::{Method, StatusCode};

#[tokio::test]
async fn unknown_paths_get_the_styled_404() {
    let site = Site::new().await;
    for path in [
        "/nope",
        "/story/no-such-story",
        "/section/nope",
        "/tag/nope",
        "/author/nope",
        "/source/nope",
        "/assets/nope.css",
    ] {
        let page = site.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(page.header("content-type"), "text/html; charset=utf-8", "{path}");
        let seen = text(&page.body);
        assert!(seen.contains("Page not found") && seen.contains("The Test Times"), "{path}: {seen}");
        assert!(page.body.contains("noindex"), "{path}: error pages are not indexed");
    }
}

#[tokio::test]
async fn malformed_page_numbers_are_400() {
    let site = Site::new().await;
    for query in
        ["page=abc", "page=0", "page=-1", "page=1.5", "page=", "page=1&page=2", "page=99999999999999999999"]
    {
        let page = site.get(&format!("/latest?{query}")).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(text(&page.body).contains("Bad request"), "{query}");
    }
    assert_eq!(site.get("/section/world?page=x").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        site.get("/latest?page=501").await.status,
        StatusCode::NOT_FOUND,
        "deeper than the archive offers"
    );
}

#[tokio::test]
async fn wrong_methods_are_405_with_a_page() {
    let site = Site::new().await;
    let page = site.request(Method::POST, "/").await;
    assert_eq!(page.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(text(&page.body).contains("Method not allowed"));
    assert!(page.header("allow").contains("GET"));
    assert_eq!(site.request(Method::HEAD, "/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn hostile_paths_never_answer_500() {
    let site = Site::new().await;
    site.publish(&site.draft("A real story"), "2025-02-27T10:00:00Z").await;
    let long = "a".repeat(5000);
    let paths = [
        "/story/%FF%FE".to_owned(),
        "/story/%00".to_owned(),
        "/story/..%2F..%2Fetc%2Fpasswd".to_owned(),
        "/assets/../Cargo.toml".to_owned(),
        "/assets/%2e%2e/%2e%2e/Cargo.toml".to_owned(),
        "/assets/.hidden".to_owned(),
        format!("/story/{long}"),
        format!("/tag/{long}"),
        "/section/%E0%A4%A".to_owned(),
        "/story/a-real-story?page=%ZZ".to_owned(),
        "/latest?%ZZ=1".to_owned(),
        "/latest?page=%F0%9F%92%A9".to_owned(),
        "/story/A-REAL-STORY".to_owned(),
        "/story/a-real-story/extra".to_owned(),
        "//story//a-real-story".to_owned(),
        "/section/".to_owned(),
        "/%3Cscript%3Ealert(1)%3C%2Fscript%3E".to_owned(),
    ];
    for path in &paths {
        let page = site.get(path).await;
        // A trailing slash redirects, to this site only.
        let location = page.header("location");
        let same_site = location.starts_with('/') && !location.starts_with("//");
        assert!(
            page.status.is_client_error()
                || page.status.is_success()
                || (page.status.is_redirection() && same_site),
            "{path} answered {} {location}",
            page.status
        );
        assert!(!page.body.contains("<script>alert(1)"), "{path} reflected markup");
    }
    assert_eq!(site.get("/assets/../Cargo.toml").await.status, StatusCode::NOT_FOUND);
}
