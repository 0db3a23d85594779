//! "Most Read" (issue 17, point 5) over a real port: a browser's views of a story page are
//! counted, from the cache too, while robots, tools, `HEAD` and 304s are not; after a write
//! and a refresh the stories are listed on the home and story pages in the order read; a
//! killed or unpublished story leaves the block at once; and what is stored is a story, an
//! hour and a number, nothing about the reader.

use crate::server::spawn;
use crate::support::{Site, text};
use dateline_core::{Actor, StatusChange};
use dateline_newsroom::Clock;
use sqlx::Connection;

const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const ROBOTS: [&str; 4] = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
    "curl/8.5.0",
    "python-requests/2.32.3",
];

/// The headlines in the page's "Most Read" block, in order; empty when there is none.
fn most_read(html: &str) -> Vec<String> {
    let Some(start) = html.find(r#"<aside class="most-read"#) else { return Vec::new() };
    let block = &html[start..start + html[start..].find("</aside>").unwrap()];
    block
        .split(r#"class="card-headline">"#)
        .skip(1)
        .map(|card| text(&card[..card.find("</h3>").unwrap()]).trim().to_owned())
        .collect()
}

async fn get(client: &reqwest::Client, url: &str, ua: Option<&str>) -> reqwest::Response {
    let mut request = client.get(url);
    if let Some(ua) = ua {
        request = request.header("user-agent", ua);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn readers_views_are_counted_and_the_most_read_are_listed_in_order() {
    let site = Site::new().await;
    let floods = site.publish(&site.draft("Floods recede"), "2025-02-27T10:00:00Z").await;
    let talks = site.publish(&site.draft("Talks resume"), "2025-02-27T11:00:00Z").await;
    let budget = site.publish(&site.draft("Budget passed"), "2025-02-27T12:00:00Z").await;
    let base = spawn(&site).await;
    // No client-side User-Agent unless a test gives one; no cookies kept.
    let client = reqwest::Client::builder().build().unwrap();
    let page = |slug: &str| format!("{base}/story/{slug}");

    let home = get(&client, &format!("{base}/"), Some(BROWSER)).await.text().await.unwrap();
    assert!(!home.contains("Most Read"), "nothing read yet: no block, no empty heading");

    // Talks 5 views, floods 3, budget 1: the first of each made, the others from the cache.
    for (slug, views) in [(&talks.slug, 5), (&floods.slug, 3), (&budget.slug, 1)] {
        for _ in 0..views {
            let answer = get(&client, &page(slug.as_str()), Some(BROWSER)).await;
            assert_eq!(answer.status(), 200);
            assert!(answer.headers().get("set-cookie").is_none(), "no cookie is set");
        }
    }
    assert!(site.state.page_cache.contains(&format!("/story/{}", talks.slug)), "served from the cache");
    // Not views: robots and tools, no user agent, HEAD, a copy the browser already has.
    for ua in ROBOTS.map(Some).into_iter().chain([None]) {
        for _ in 0..10 {
            assert_eq!(get(&client, &page(budget.slug.as_str()), ua).await.status(), 200);
        }
    }
    let head = client.head(page(budget.slug.as_str())).header("user-agent", BROWSER).send().await.unwrap();
    assert_eq!(head.status(), 200);
    let etag = head.headers()["etag"].to_str().unwrap().to_owned();
    let unchanged = client
        .get(page(budget.slug.as_str()))
        .header("user-agent", BROWSER)
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(unchanged.status(), 304);
    // Neither are other pages, nor a story's documents.
    get(&client, &format!("{base}/story/{}/ninjs.json", budget.slug), Some(BROWSER)).await;
    get(&client, &format!("{base}/section/world"), Some(BROWSER)).await;
    assert_eq!(site.state.most_read.counted(), 9);

    // The batch is written (the background loop may have written part of it already) and
    // the list read again: it changed, so the pages showing it are made again.
    let now = Clock::Manual(site.now.clone()).now();
    site.state.most_read.flush(&*site.store, now).await.unwrap();
    assert!(site.state.most_read.refresh(&*site.store, now).await.unwrap());
    let home = get(&client, &format!("{base}/"), Some(BROWSER)).await.text().await.unwrap();
    assert_eq!(most_read(&home), ["Talks resume", "Floods recede", "Budget passed"], "{home}");
    assert!(home.contains(r#"<h2 id="most-read-heading" class="block-heading">Most Read</h2>"#));
    let on_floods = get(&client, &page(floods.slug.as_str()), Some(BROWSER)).await.text().await.unwrap();
    assert_eq!(most_read(&on_floods), ["Talks resume", "Budget passed"], "a story leaves itself out");

    // The same list again changes nothing: the pages stay in the cache.
    let rendered = site.state.page_cache.rendered();
    assert!(!site.state.most_read.refresh(&*site.store, now).await.unwrap());
    get(&client, &format!("{base}/"), Some(BROWSER)).await;
    assert_eq!(site.state.page_cache.rendered(), rendered, "home still from the cache");

    // A kill or an unpublish takes a story off the block at once, before any refresh.
    let system = Actor::System("test");
    site.store.change_status(talks.id, &StatusChange::Kill, &system, now).await.unwrap();
    let home = get(&client, &format!("{base}/"), Some(BROWSER)).await.text().await.unwrap();
    assert_eq!(most_read(&home), ["Floods recede", "Budget passed"]);
    site.store.change_status(budget.id, &StatusChange::Unpublish, &system, now).await.unwrap();
    let on_floods = get(&client, &page(floods.slug.as_str()), Some(BROWSER)).await.text().await.unwrap();
    assert!(!on_floods.contains("Most Read"), "only itself is left: no block");
    let home = get(&client, &format!("{base}/"), Some(BROWSER)).await.text().await.unwrap();
    assert_eq!(most_read(&home), ["Floods recede"]);

    // What is stored: a story, an hour and a number of views. Nothing else.
    let db = format!("sqlite://{}", site.data_dir().join("dateline.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&db).await.unwrap();
    let columns: Vec<String> =
        sqlx::query_scalar("SELECT name FROM pragma_table_info('story_views') ORDER BY cid")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(columns, ["story_id", "hour", "views"]);
    let rows: Vec<(i64, i64, i64)> =
        sqlx::query_as("SELECT story_id, hour, views FROM story_views ORDER BY views DESC")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    let hour = now.as_second() / 3600 * 3600;
    assert_eq!(rows, [(talks.id.0, hour, 5), (floods.id.0, hour, 3), (budget.id.0, hour, 1)]);
}
