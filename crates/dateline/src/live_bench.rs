//! `dateline bench live`: readers' streams on one live blog (issue 17: 10,000 open streams,
//! each new entry reaching all of them within a second, and the server's memory per
//! stream). Against a running server, with an admin token: it makes a live story, opens the
//! streams as browsers would (one connection each, `GET {story}/live`), reads the server's
//! resident memory before and after, then adds entries one at a time and times each until
//! every stream has it. Prints the figures; fails when a stream misses an entry.

use anyhow::{Context, bail, ensure};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(clap::Args)]
pub struct LiveBench {
    /// The running server, e.g. http://127.0.0.1:18080.
    #[arg(long)]
    pub base: String,
    /// An admin token.
    #[arg(long)]
    pub token: String,
    /// Readers' streams to open.
    #[arg(long, default_value_t = 10_000)]
    pub streams: usize,
    /// Entries to add, one at a time.
    #[arg(long, default_value_t = 5)]
    pub entries: usize,
    /// The server's process id, to read its memory (Linux).
    #[arg(long)]
    pub server_pid: Option<u32>,
}

/// Longer than this and an entry counts as lost for the streams that lack it.
const GIVE_UP: Duration = Duration::from_secs(10);
/// Streams being opened at once.
const OPENING: usize = 256;

/// When each stream saw each entry: `seen[entry]` holds one time per stream that saw it.
type Seen = Arc<Mutex<Vec<Vec<Instant>>>>;

fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn marker(entry: usize) -> String {
    format!("fanout-marker-{entry:04}-end")
}

/// One reader: opens the stream, says when it is open, then notes when each entry's marker
/// arrives, in order.
async fn reader(
    addr: String,
    host: String,
    path: String,
    entries: usize,
    opened: Arc<AtomicUsize>,
    seen: Seen,
) -> anyhow::Result<()> {
    let mut socket = tokio::net::TcpStream::connect(&addr).await?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\nUser-Agent: Mozilla/5.0 (bench)\r\n\r\n"
    );
    socket.write_all(request.as_bytes()).await?;
    let mut buffer = vec![0u8; 16 * 1024];
    let mut text = String::new();
    let mut open = false;
    let mut next = 0;
    while next < entries {
        let n = socket.read(&mut buffer).await?;
        ensure!(n > 0, "the server closed a stream");
        text.push_str(&String::from_utf8_lossy(&buffer[..n]));
        if !open {
            if !text.contains("\r\n\r\n") {
                continue;
            }
            ensure!(
                text.starts_with("HTTP/1.1 200"),
                "stream refused: {}",
                text.lines().next().unwrap_or("")
            );
            open = true;
            opened.fetch_add(1, Ordering::SeqCst);
        }
        while next < entries {
            let wanted = marker(next);
            let Some(at) = text.find(&wanted) else { break };
            seen.lock().unwrap_or_else(|e| e.into_inner())[next].push(Instant::now());
            text.drain(..at + wanted.len());
            next += 1;
        }
        // Keep only what could still hold the start of a marker.
        if text.len() > 4096 {
            let keep = text.len() - 64;
            let cut = (keep..text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
            text.drain(..cut);
        }
    }
    Ok(())
}

pub async fn run(args: LiveBench) -> anyhow::Result<()> {
    let base = args.base.trim_end_matches('/').to_owned();
    let url = url::Url::parse(&base).context("--base must be an http:// address")?;
    let host =
        format!("{}:{}", url.host_str().unwrap_or("127.0.0.1"), url.port_or_known_default().unwrap_or(80));
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
    let api = |method: reqwest::Method, path: &str| {
        client.request(method, format!("{base}{path}")).bearer_auth(&args.token)
    };
    let send_json = |method: reqwest::Method, path: &str, body: &serde_json::Value| {
        api(method, path).header("content-type", "application/json").body(body.to_string()).send()
    };

    // A live story in the first section, published.
    let sections: serde_json::Value = serde_json::from_str(
        &api(reqwest::Method::GET, "/api/content/v1/sections").send().await?.text().await?,
    )?;
    let section = sections[0]["slug"].as_str().context("the site has no section")?.to_owned();
    let run = jiff::Timestamp::now().as_second();
    let story = serde_json::json!({
        "headline": format!("Live fan-out benchmark {run}"),
        "body": "Readers follow this story as it unfolds.",
        "section": section, "live": true,
    });
    let made = send_json(reqwest::Method::POST, "/api/admin/v1/stories", &story).await?;
    ensure!(made.status().is_success(), "story refused: {}", made.text().await.unwrap_or_default());
    let made: serde_json::Value = serde_json::from_str(&made.text().await?)?;
    let id = made["id"].as_i64().context("no story id")?;
    let published = api(reqwest::Method::POST, &format!("/api/admin/v1/stories/{id}/publish")).send().await?;
    ensure!(
        published.status().is_success(),
        "publish refused: {}",
        published.text().await.unwrap_or_default()
    );
    let path = format!("{}/live", made["url"].as_str().context("no story address")?);

    let before = args.server_pid.and_then(rss_kb);
    let opened = Arc::new(AtomicUsize::new(0));
    let seen: Seen = Arc::new(Mutex::new(vec![Vec::with_capacity(args.streams); args.entries]));
    let started = Instant::now();
    let permits = Arc::new(tokio::sync::Semaphore::new(OPENING));
    let mut readers = tokio::task::JoinSet::new();
    for _ in 0..args.streams {
        let permit = permits.clone().acquire_owned().await?;
        let (addr, host, path, opened, seen) =
            (host.clone(), host.clone(), path.clone(), opened.clone(), seen.clone());
        let entries = args.entries;
        let counted = opened.clone();
        readers.spawn(async move {
            let was = counted.load(Ordering::SeqCst);
            let result = reader(addr, host, path, entries, opened, seen);
            tokio::pin!(result);
            // The permit is held until this stream is open (or failed).
            let mut permit = Some(permit);
            loop {
                tokio::select! {
                    done = &mut result => return done,
                    () = tokio::time::sleep(Duration::from_millis(5)), if permit.is_some() => {
                        if counted.load(Ordering::SeqCst) > was { permit = None; }
                    }
                }
            }
        });
    }
    while opened.load(Ordering::SeqCst) < args.streams {
        if started.elapsed() > Duration::from_secs(120) {
            bail!("only {} of {} streams opened in 2 minutes", opened.load(Ordering::SeqCst), args.streams);
        }
        if let Some(Some(Err(e))) = readers.try_join_next().map(|r| r.ok()) {
            bail!("a stream failed while opening: {e:#}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!("live streams open: {} in {:.1} s", args.streams, started.elapsed().as_secs_f64());
    // Let the server settle (buffers, the keep-alive timers) before reading its memory.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let with_streams = args.server_pid.and_then(rss_kb);
    if let (Some(b), Some(w)) = (before, with_streams) {
        println!(
            "server memory: {} MB before, {} MB with the streams open, {:.1} KB per stream",
            b / 1024,
            w / 1024,
            w.saturating_sub(b) as f64 / args.streams as f64
        );
    }

    let mut worst = 0.0f64;
    for entry in 0..args.entries {
        let body = serde_json::json!({
            "title": format!("Update {entry}"),
            "body": format!("The count goes on ({}).", marker(entry)),
            "key_event": entry == 0,
        });
        let posted = Instant::now();
        let added =
            send_json(reqwest::Method::POST, &format!("/api/admin/v1/stories/{id}/entries"), &body).await?;
        ensure!(added.status().is_success(), "entry refused: {}", added.text().await.unwrap_or_default());
        loop {
            let count = seen.lock().unwrap_or_else(|e| e.into_inner())[entry].len();
            if count >= args.streams || posted.elapsed() > GIVE_UP {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let mut ms: Vec<f64> = seen.lock().unwrap_or_else(|e| e.into_inner())[entry]
            .iter()
            .map(|t| t.saturating_duration_since(posted).as_secs_f64() * 1000.0)
            .collect();
        ms.sort_by(f64::total_cmp);
        ensure!(
            ms.len() == args.streams,
            "entry {entry} reached {} of {} streams in {GIVE_UP:?}",
            ms.len(),
            args.streams
        );
        let at = |p: f64| ms[((ms.len() - 1) as f64 * p / 100.0).round() as usize];
        let max = ms.last().copied().unwrap_or(0.0);
        worst = worst.max(max);
        println!(
            "entry {entry} reached all {} streams: p50 {:.0} ms, p99 {:.0} ms, all {:.0} ms",
            args.streams,
            at(50.0),
            at(99.0),
            max
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    println!("live fan-out, slowest entry to reach every stream: {worst:.0} ms");
    readers.abort_all();
    Ok(())
}
