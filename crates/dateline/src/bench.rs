//! `dateline bench ingest`: the ingest benchmark (DESIGN.md section 5: 20,000 feed items a
//! second in bulk). It writes synthetic RSS feeds, parses them and stores the items through
//! the same code as a push, into a fresh SQLite database, and prints the rates. A benchmark,
//! not a test: it prints figures and judges nothing.

use dateline_core::{NewSection, NewSource, Slug, WireConfig};
use std::fmt::Write as _;
use std::time::Instant;

#[derive(clap::Args)]
pub struct IngestBench {
    /// How many feed items to ingest.
    #[arg(long, default_value_t = 20_000)]
    pub items: usize,
    /// Items per feed document.
    #[arg(long, default_value_t = 500)]
    pub per_feed: usize,
    /// Publish every item as a story (auto-publish) instead of holding it for the desk.
    #[arg(long)]
    pub publish: bool,
}

/// An RSS feed of `count` bench items numbered from `start`, their guids prefixed `run`.
fn feed(run: &str, start: usize, count: usize) -> Vec<u8> {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Bench wire</title>\
         <link>https://wire.example.com/</link><language>en</language>",
    );
    for i in start..start + count {
        let _ = write!(
            xml,
            "<item><guid>bench-{run}{i}</guid><title>Bench story number {run}{i} about the budget</title>\
             <link>https://wire.example.com/s/{i}</link><pubDate>Tue, 25 Feb 2025 14:30:00 GMT</pubDate>\
             <category>Economy</category><description>&lt;p&gt;Paragraph one of story {i}.&lt;/p&gt;&lt;p&gt;Paragraph two.&lt;/p&gt;</description></item>"
        );
    }
    xml.push_str("</channel></rss>");
    xml.into_bytes()
}

pub async fn ingest(args: IngestBench) -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    let store = dateline_store::open(&dateline_store::Location::SqliteDir(dir.clone())).await?;
    let section = store
        .create_section(&NewSection {
            slug: Slug::parse("world")?,
            name: "World".into(),
            description: String::new(),
            language: None,
            position: 1,
        })
        .await?;
    let source = store
        .create_source(&NewSource {
            slug: Slug::parse("bench")?,
            name: "Bench".into(),
            credit: "Bench".into(),
        })
        .await?;
    let config = WireConfig {
        kind: "push-ninjs".into(),
        location: None,
        section: Some(section.id),
        byline: String::new(),
        language: None,
        auto_publish: args.publish,
    };
    store.configure_source(source.id, &config, None).await?;
    let feeds: Vec<Vec<u8>> = (0..args.items)
        .step_by(args.per_feed.max(1))
        .map(|s| feed("", s, args.per_feed.min(args.items - s)))
        .collect();

    let parse_started = Instant::now();
    let mut parsed = Vec::with_capacity(feeds.len());
    for f in &feeds {
        parsed.push(dateline_ingest::parse(f, None, None)?);
    }
    let parse_secs = parse_started.elapsed().as_secs_f64();

    let store_started = Instant::now();
    let mut total = 0usize;
    for (raw, feed) in feeds.iter().zip(&parsed) {
        let incoming: Vec<_> = feed.items.iter().map(dateline_ingest::WireItem::incoming).collect();
        total += store.ingest_items(source.id, raw, &incoming, jiff::Timestamp::now()).await?.len();
    }
    let store_secs = store_started.elapsed().as_secs_f64();
    let all = parse_secs + store_secs;
    println!(
        "ingest benchmark: {total} items in {} feeds of {}, {}",
        feeds.len(),
        args.per_feed,
        if args.publish { "auto-published as stories" } else { "held for the desk" }
    );
    println!("  parse: {parse_secs:.2} s ({:.0} items/s)", total as f64 / parse_secs);
    println!("  store: {store_secs:.2} s ({:.0} items/s)", total as f64 / store_secs);
    println!("  total: {all:.2} s ({:.0} items/s)", total as f64 / all);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("dateline-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// `dateline bench visible`: push-to-visible latency against a running server (DESIGN.md
/// section 5: one pushed item on the site, in feeds and in search within one second).
#[derive(clap::Args)]
pub struct VisibleBench {
    /// The running site, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    pub base: String,
    /// Id of an auto-publishing push-ninjs source.
    #[arg(long)]
    pub source: i64,
    /// That source's push token.
    #[arg(long, env = "DATELINE_BENCH_PUSH_TOKEN")]
    pub token: String,
    /// How many items to push, one after the other.
    #[arg(long, default_value_t = 20)]
    pub items: usize,
}

/// The places a pushed story must reach, each read until the story shows.
const PLACES: [(&str, &str); 3] = [("site", "/latest"), ("feed", "/rss.xml"), ("search", "/search?q=")];
/// Longer than this and the item counts as lost.
const GIVE_UP: std::time::Duration = std::time::Duration::from_secs(10);

/// Pushes items one at a time and times each until its link is on the latest page, in the
/// site feed and in search results, then withdraws it as an agency would. Prints p50/p95/max
/// per place; fails when one never shows.
pub async fn visible(args: VisibleBench) -> anyhow::Result<()> {
    use anyhow::Context;
    let client = reqwest::Client::builder().timeout(GIVE_UP).build()?;
    let base = args.base.trim_end_matches('/').to_owned();
    let run = jiff::Timestamp::now().as_millisecond();
    let mut waits: Vec<Vec<f64>> = vec![Vec::new(); PLACES.len()];
    let push = |body: serde_json::Value| {
        client
            .post(format!("{base}/api/wire/v1/sources/{}/items", args.source))
            .bearer_auth(&args.token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    for i in 0..args.items {
        // A word no demo story has, so the search finds exactly this story; the slug made
        // from the headline carries it between hyphens, which only a link to it has.
        let marker = letters(run as u64 * 1000 + i as u64);
        let now = jiff::Timestamp::now();
        let item = serde_json::json!({
            "uri": format!("urn:dateline-bench:{run}:{i}"),
            "type": "text",
            "version": "1",
            "versioncreated": now.to_string(),
            "pubstatus": "usable",
            "language": "en",
            "headline": format!("Harbour pilots {marker} guide the night convoy"),
            "body_html": format!("<p>The {marker} pilots guided twelve ships through the channel.</p>"),
        });
        let pushed = std::time::Instant::now();
        let response = push(item).await.context("the push did not reach the server")?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        anyhow::ensure!(
            status.is_success() && text.contains("\"published\""),
            "push refused: {status} {text}"
        );
        let needle = format!("-{marker}-");
        let checks = PLACES.iter().map(|(_, path)| {
            let url =
                if path.ends_with('=') { format!("{base}{path}{marker}") } else { format!("{base}{path}") };
            wait_for(&client, url, &needle, pushed)
        });
        for (place, waited) in futures_util::future::join_all(checks).await.into_iter().enumerate() {
            let waited = waited.with_context(|| format!("item {i} never showed in {}", PLACES[place].0))?;
            waits[place].push(waited);
        }
        // The agency withdraws it, so that bench items never pile up on the site's pages.
        let withdrawn = push(serde_json::json!({
            "uri": format!("urn:dateline-bench:{run}:{i}"),
            "type": "text",
            "version": "2",
            "versioncreated": jiff::Timestamp::now().to_string(),
            "pubstatus": "withdrawn",
            "language": "en",
            "headline": "WITHDRAWN: bench item",
            "body_html": "<p>Withdrawn.</p>",
        }))
        .await
        .context("the withdrawal did not reach the server")?;
        let text = withdrawn.text().await.unwrap_or_default();
        anyhow::ensure!(text.contains("\"killed\""), "withdrawal not applied: {text}");
    }
    println!("push-to-visible over {} items (ms):", args.items);
    for ((place, _), mut ms) in PLACES.iter().zip(waits) {
        ms.sort_by(f64::total_cmp);
        println!(
            "  {place}: p50 {:.1} p95 {:.1} max {:.1}",
            percentile(&ms, 50.0),
            percentile(&ms, 95.0),
            ms.last().copied().unwrap_or(0.0)
        );
    }
    Ok(())
}

/// Reads `url` every 5 ms until its body holds `needle`; the milliseconds since `since`.
async fn wait_for(
    client: &reqwest::Client,
    url: String,
    needle: &str,
    since: std::time::Instant,
) -> Option<f64> {
    while since.elapsed() < GIVE_UP {
        if let Ok(response) = client.get(&url).send().await
            && response.status().is_success()
            && response.text().await.is_ok_and(|body| body.contains(needle))
        {
            return Some(since.elapsed().as_secs_f64() * 1000.0);
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    None
}

/// `dateline bench backlog`: a backlog of wire copy published while readers load a page
/// (DESIGN.md section 5), against a running server.
#[derive(clap::Args)]
pub struct BacklogBench {
    /// The running site, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    pub base: String,
    /// Id of an auto-publishing push source.
    #[arg(long)]
    pub source: i64,
    /// That source's push token.
    #[arg(long, env = "DATELINE_BENCH_PUSH_TOKEN")]
    pub token: String,
    /// How many items the backlog holds.
    #[arg(long, default_value_t = 100_000)]
    pub items: usize,
    /// Items per pushed document (an RSS feed).
    #[arg(long, default_value_t = 500)]
    pub per_push: usize,
    /// The page readers load meanwhile, e.g. /story/some-slug.
    #[arg(long)]
    pub page: String,
    /// Readers loading the page at once, each one request after the other.
    #[arg(long, default_value_t = 32)]
    pub readers: usize,
}

/// Pushes the backlog as feeds of `per_push` items, one after the other, while `readers`
/// load `page` without pause; prints the items published a second and the page's latency
/// figures over the same time. Fails on any refused push, item not published or reader error.
pub async fn backlog(args: BacklogBench) -> anyhow::Result<()> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let base = args.base.trim_end_matches('/').to_owned();
    let run = format!("{}-", jiff::Timestamp::now().as_millisecond());
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(60)).build()?;
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..args.readers.max(1))
        .map(|_| {
            let (client, url, done) = (client.clone(), format!("{base}{}", args.page), done.clone());
            tokio::spawn(async move {
                let mut ms = Vec::new();
                while !done.load(Ordering::Acquire) {
                    let started = Instant::now();
                    let response = client.get(&url).send().await?;
                    let status = response.status();
                    response.bytes().await?;
                    anyhow::ensure!(status.is_success(), "the page answered {status}");
                    ms.push(started.elapsed().as_secs_f64() * 1000.0);
                }
                Ok(ms)
            })
        })
        .collect();
    let started = Instant::now();
    let pushed: anyhow::Result<usize> = async {
        let mut published = 0;
        for start in (0..args.items).step_by(args.per_push.max(1)) {
            let body = feed(&run, start, args.per_push.min(args.items - start));
            let response = client
                .post(format!("{base}/api/wire/v1/sources/{}/items", args.source))
                .bearer_auth(&args.token)
                .header("content-type", "application/rss+xml")
                .body(body)
                .send()
                .await?;
            let status = response.status();
            let text = response.text().await?;
            anyhow::ensure!(status.is_success(), "push refused: {status} {text}");
            published += text.matches("\"published\"").count();
        }
        Ok(published)
    }
    .await;
    let seconds = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Release);
    let mut ms = Vec::new();
    for reader in readers {
        ms.extend(reader.await??);
    }
    let published = pushed?;
    anyhow::ensure!(published == args.items, "only {published} of {} items were published", args.items);
    ms.sort_by(f64::total_cmp);
    println!(
        "backlog: {published} items published in {seconds:.2} s ({:.0} items/s)",
        published as f64 / seconds
    );
    println!(
        "  {} meanwhile, {} requests by {} readers (ms): p50 {:.2} p99 {:.2} max {:.2}",
        args.page,
        ms.len(),
        args.readers,
        percentile(&ms, 50.0),
        percentile(&ms, 99.0),
        ms.last().copied().unwrap_or(0.0)
    );
    Ok(())
}

/// A lowercase word made from `n`, e.g. "qbkzvr": no digits, so search treats it as a word.
fn letters(mut n: u64) -> String {
    let mut word = String::from("zq");
    while n > 0 {
        word.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
    }
    word
}

/// The `p`th percentile of sorted figures (nearest rank).
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// `dateline bench import`: the importer's figures (issue 16: 100,000 posts in under two
/// minutes; a 2 GB export in under 300 MB of memory). It writes a synthetic WordPress
/// export (sections, tags, bylines, classic paragraphs, a caption shortcode per post, a
/// featured picture) and imports it into a fresh SQLite database without fetching pictures,
/// then prints the time, the rate and this process's peak memory.
#[derive(clap::Args)]
pub struct ImportBench {
    /// Posts in the export.
    #[arg(long, default_value_t = 100_000)]
    pub posts: usize,
    /// Bytes of content per post (at least a few hundred): 20,000 with 100,000 posts makes a
    /// 2 GB export.
    #[arg(long, default_value_t = 1_500)]
    pub post_bytes: usize,
    /// Keep the export here instead of a temporary file.
    #[arg(long)]
    pub keep: Option<std::path::PathBuf>,
}

/// Writes the synthetic export to `file`, a post at a time.
fn write_wxr(file: &std::path::Path, posts: usize, post_bytes: usize) -> anyhow::Result<u64> {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(file)?);
    writeln!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:excerpt=\"http://wordpress.org/export/1.2/excerpt/\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
         xmlns:wp=\"http://wordpress.org/export/1.2/\"><channel><title>Bench Gazette</title><link>https://bench.example.org</link>\
         <wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://bench.example.org</wp:base_site_url>"
    )?;
    for a in 0..50 {
        writeln!(
            out,
            "<wp:author><wp:author_login><![CDATA[writer{a}]]></wp:author_login><wp:author_display_name><![CDATA[Writer Number {a}]]></wp:author_display_name></wp:author>"
        )?;
    }
    let paragraph = "The council met on Tuesday to discuss the budget, and members said the figures for the coming year were encouraging but more work was needed on roads and schools.";
    for i in 0..posts {
        let mut content = String::with_capacity(post_bytes + 400);
        let _ = write!(
            content,
            "[caption id=\"attachment_{i}\" width=\"640\"]<img src=\"https://bench.example.org/wp-content/uploads/2020/01/p{i}.jpg\" alt=\"Picture {i}\"> The scene on day {i}.[/caption]\n\n"
        );
        while content.len() < post_bytes {
            content.push_str(paragraph);
            content.push_str(if content.len().is_multiple_of(3) { "\n" } else { "\n\n" });
        }
        let (day, hour) = (1 + i % 28, i % 24);
        writeln!(
            out,
            "<item><title><![CDATA[Council debates budget, part {i}]]></title><link>https://bench.example.org/2020/01/{day:02}/council-budget-{i}/</link>\
             <dc:creator><![CDATA[writer{author}]]></dc:creator><content:encoded><![CDATA[{content}]]></content:encoded>\
             <excerpt:encoded><![CDATA[What the council said, part {i}.]]></excerpt:encoded><wp:post_id>{id}</wp:post_id>\
             <wp:post_date_gmt><![CDATA[2020-01-{day:02} {hour:02}:00:00]]></wp:post_date_gmt><wp:post_name><![CDATA[council-budget-{i}]]></wp:post_name>\
             <wp:status><![CDATA[{status}]]></wp:status><wp:post_type><![CDATA[post]]></wp:post_type>\
             <category domain=\"category\" nicename=\"section-{section}\"><![CDATA[Section {section}]]></category>\
             <category domain=\"post_tag\" nicename=\"topic-{tag}\"><![CDATA[Topic {tag}]]></category>\
             <wp:postmeta><wp:meta_key><![CDATA[_thumbnail_id]]></wp:meta_key><wp:meta_value><![CDATA[{attachment}]]></wp:meta_value></wp:postmeta></item>",
            author = i % 50,
            id = i + 1,
            status = if i.is_multiple_of(20) { "draft" } else { "publish" },
            section = i % 20,
            tag = i % 200,
            attachment = posts + i + 1,
        )?;
        if i.is_multiple_of(10) {
            writeln!(
                out,
                "<item><title>p{i}</title><wp:post_id>{attachment}</wp:post_id><wp:status>inherit</wp:status>\
                 <wp:post_type>attachment</wp:post_type><wp:attachment_url>https://bench.example.org/wp-content/uploads/2020/01/p{i}.jpg</wp:attachment_url></item>",
                attachment = posts + i + 1,
            )?;
        }
    }
    writeln!(out, "</channel></rss>")?;
    out.flush()?;
    Ok(std::fs::metadata(file)?.len())
}

/// This process's peak resident memory, in MB (Linux).
fn peak_memory_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kb| kb / 1024)
}

pub async fn import(args: ImportBench) -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    let file = args.keep.clone().unwrap_or_else(|| dir.join("bench-export.xml"));
    let written = Instant::now();
    let size = write_wxr(&file, args.posts, args.post_bytes)?;
    println!(
        "wrote a {:.0} MB WordPress export of {} posts in {:.1} s",
        size as f64 / 1e6,
        args.posts,
        written.elapsed().as_secs_f64()
    );
    let before = peak_memory_mb().unwrap_or(0);
    let data = dir.join("site");
    let store = dateline_store::open(&dateline_store::Location::SqliteDir(data.clone())).await?;
    let pictures =
        dateline_newsroom::media::Pictures::new(dateline_media::MediaStorage::local(&data.join("media"))?);
    let options = dateline_newsroom::import::Options {
        dry_run: false,
        media: dateline_newsroom::import::MediaFrom::Skip,
        pictures,
    };
    let started = Instant::now();
    let report = dateline_newsroom::import::wordpress::import(
        store.as_ref(),
        &dateline_core::Actor::System("bench"),
        &file,
        &options,
        std::sync::Arc::new(|_| {}),
    )
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    let handled =
        report.posts.imported + report.posts.updated + report.posts.unchanged + report.posts.skipped;
    println!(
        "imported {} posts ({} skipped, {} failed) in {seconds:.1} s: {:.0} posts/s",
        report.posts.imported,
        report.posts.skipped,
        report.posts.failed,
        handled as f64 / seconds.max(0.001)
    );
    println!(
        "peak memory: {} MB (before the import: {before} MB)",
        peak_memory_mb().map_or_else(|| "unknown".into(), |m| m.to_string())
    );
    drop(store);
    if args.keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        let _ = std::fs::remove_dir_all(&data);
    }
    Ok(())
}
