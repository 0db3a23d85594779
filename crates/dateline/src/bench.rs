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

fn feed(start: usize, count: usize) -> Vec<u8> {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Bench wire</title>\
         <link>https://wire.example.com/</link><language>en</language>",
    );
    for i in start..start + count {
        let _ = write!(
            xml,
            "<item><guid>bench-{i}</guid><title>Bench story number {i} about the budget</title>\
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
        .map(|s| feed(s, args.per_feed.min(args.items - s)))
        .collect();

    let parse_started = Instant::now();
    let mut parsed = Vec::with_capacity(feeds.len());
    for f in &feeds {
        parsed.push(dateline_ingest::parse(f, None)?);
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
