//! A real server on a loopback port, talked to over HTTP as a browser would.

use crate::support::Site;

/// Serves the site on 127.0.0.1 with a free port; returns its base URL.
pub async fn spawn(site: &Site) -> String {
    spawn_with(site, dateline_web::Limits::default()).await
}

/// [`spawn`] with the given connection limits.
pub async fn spawn_with(site: &Site, limits: dateline_web::Limits) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let state = site.state.clone();
    // The page cache and the search index follow the change log as in the binary.
    let workers = dateline_newsroom::Workers::start(state.background());
    tokio::spawn(async move {
        dateline_web::serve_with(listener, state, limits, std::future::pending()).await.unwrap();
        workers.stop().await;
    });
    url
}

#[tokio::test]
async fn pages_over_real_http_are_compressed() {
    let site = Site::new().await;
    let story = site.publish(&site.draft("Over the wire"), "2025-02-27T10:00:00Z").await;
    let base = spawn(&site).await;
    // no_gzip: see the Content-Encoding header as sent, not a decompressed body.
    let client =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).no_gzip().build().unwrap();

    let home = client.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    assert!(home.text().await.unwrap().contains("Over the wire"));

    let zipped = client
        .get(format!("{base}/story/{}", story.slug))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.status(), 200);
    assert_eq!(zipped.headers()["content-encoding"], "gzip");

    let missing = client.get(format!("{base}/story/missing")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let bad = client.get(format!("{base}/latest?page=zero")).send().await.unwrap();
    assert_eq!(bad.status(), 400);
    let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
}
