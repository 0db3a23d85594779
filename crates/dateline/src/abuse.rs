//! `dateline bench abuse`: what an anonymous attacker can send a running site at once, for
//! the benchmark harness's abuse phase (bench/run), which measures a normal reader's load
//! and the server's memory meanwhile. Four attacks run side by side:
//! - floods of random query strings (up to 60 KB) on every cached page type;
//! - wrong passwords for one account from many parallel sign-ins;
//! - sockets that send a request header a byte at a time and never finish it;
//! - bodies far over every limit, announced and partly sent, without a valid session or
//!   token.
//!
//! It prints what the server answered to each. It judges nothing: the harness does.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(clap::Args)]
pub struct AbuseBench {
    /// The running site, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    pub base: String,
    /// How long the attacks last.
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
    /// A story page's path, flooded like the fronts.
    #[arg(long)]
    pub story: String,
    /// A section front's path.
    #[arg(long)]
    pub section: String,
    /// The account whose password is guessed.
    #[arg(long, default_value = "admin@dateline.example")]
    pub account: String,
    /// Sockets held open sending a header slowly.
    #[arg(long, default_value_t = 300)]
    pub slow_sockets: usize,
}

/// What the server answered, by attack and answer ("200", "429", "closed", ...).
#[derive(Default, Clone)]
struct Tally(Arc<Mutex<BTreeMap<(&'static str, String), u64>>>);

impl Tally {
    fn count(&self, attack: &'static str, answer: impl Into<String>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()).entry((attack, answer.into())).or_default() += 1;
    }
}

/// A small random generator: the attack needs variety, not quality.
struct Noise(u64);

impl Noise {
    fn new(seed: u64) -> Self {
        Self(seed | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }
    fn letters(&mut self, n: usize) -> String {
        (0..n).map(|_| char::from(b'a' + u8::try_from(self.below(26)).unwrap_or(0))).collect()
    }
}

pub async fn run(args: AbuseBench) -> anyhow::Result<()> {
    let base = args.base.trim_end_matches('/').to_owned();
    let host = base.trim_start_matches("http://").to_owned();
    let until = Instant::now() + Duration::from_secs(args.seconds);
    let tally = Tally::default();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
    let pages = [
        "/".to_owned(),
        "/latest".to_owned(),
        args.section.clone(),
        args.story.clone(),
        "/rss.xml".to_owned(),
        "/atom.xml".to_owned(),
        "/feed.json".to_owned(),
        format!("{}/rss.xml", args.section),
        "/sitemap.xml".to_owned(),
        "/sitemaps/news.xml".to_owned(),
        "/robots.txt".to_owned(),
        "/search".to_owned(),
    ];
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..6u64 {
        let (client, base, pages, tally) = (client.clone(), base.clone(), pages.clone(), tally.clone());
        tasks.spawn(async move {
            let mut noise = Noise::new(0x9e37_79b9_7f4a_7c15 ^ worker);
            while Instant::now() < until {
                let page = &pages[noise.below(pages.len())];
                let length = 1 + noise.below(60 * 1024);
                let name_length = 1 + noise.below(8);
                let name = noise.letters(name_length);
                let url =
                    format!("{base}{page}?{name}={}&page={}", noise.letters(length), noise.below(100_000));
                let answer = match client.get(url).send().await {
                    Ok(reply) => {
                        let status = reply.status().as_u16().to_string();
                        let _ = reply.bytes().await;
                        status
                    }
                    Err(e) => error_kind(&e),
                };
                tally.count("random-query flood", answer);
            }
        });
    }
    for _ in 0..4 {
        let (client, base, account, tally) =
            (client.clone(), base.clone(), args.account.clone(), tally.clone());
        tasks.spawn(async move {
            while Instant::now() < until {
                let answer = wrong_sign_in(&client, &base, &account).await;
                tally.count("wrong sign-in", answer);
            }
        });
    }
    for n in 0..args.slow_sockets {
        let (host, tally) = (host.clone(), tally.clone());
        tasks.spawn(async move {
            // Spread the connections over the first seconds.
            tokio::time::sleep(Duration::from_millis(u64::try_from(n).unwrap_or(0) * 10)).await;
            tally.count("slow header", slow_header(&host, until).await);
        });
    }
    for n in 0..2u64 {
        let (host, tally) = (host.clone(), tally.clone());
        tasks.spawn(async move {
            let targets = [
                "POST /api/wire/v1/sources/1/items HTTP/1.1\r\nAuthorization: Bearer wrong\r\n\
                 Content-Type: application/json\r\n",
                "POST /api/admin/v1/stories HTTP/1.1\r\nContent-Type: application/json\r\n",
                "POST /admin/login HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n",
                "POST /admin/media HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=x\r\n",
            ];
            let mut i = usize::try_from(n).unwrap_or(0);
            while Instant::now() < until {
                let target = targets[i % targets.len()];
                i += 1;
                let path = target.split(' ').nth(1).unwrap_or("");
                tally.count("oversized body", format!("{path}: {}", oversized_body(&host, target).await));
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let counts = tally.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut attack = "";
    for ((name, answer), n) in counts {
        if name != attack {
            println!("{name}:");
            attack = name;
        }
        println!("  {answer}: {n}");
    }
    Ok(())
}

fn error_kind(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "could not connect".into()
    } else {
        "connection error".into()
    }
}

/// Gets the sign-in form's token, then posts a wrong password with it.
async fn wrong_sign_in(client: &reqwest::Client, base: &str, account: &str) -> String {
    let form = match client.get(format!("{base}/admin/login")).send().await {
        Ok(reply) => reply,
        Err(e) => return error_kind(&e),
    };
    let cookie = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("dateline_login_csrf="))
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .to_owned();
    let _ = form.bytes().await;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("email", account), ("password", "not-the-password"), ("csrf", &cookie)])
        .finish();
    let sent = client
        .post(format!("{base}/admin/login"))
        .header("cookie", format!("dateline_login_csrf={cookie}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await;
    match sent {
        Ok(reply) => {
            let status = reply.status().as_u16().to_string();
            let _ = reply.bytes().await;
            status
        }
        Err(e) => error_kind(&e),
    }
}

/// Sends a request header a byte every two seconds; says whether the server closed it.
async fn slow_header(host: &str, until: Instant) -> String {
    let Ok(mut socket) = tokio::net::TcpStream::connect(host).await else {
        return "could not connect".into();
    };
    let header =
        b"GET / HTTP/1.1\r\nHost: example\r\nX-Waiting: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let mut buf = [0u8; 1024];
    for byte in header.iter().cycle() {
        if Instant::now() >= until {
            return "still open at the end".into();
        }
        if socket.write_all(&[*byte]).await.is_err() {
            return "closed by the server".into();
        }
        match tokio::time::timeout(Duration::from_secs(2), socket.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return "closed by the server".into(),
            Ok(Ok(_)) => return "answered".into(),
            Err(_) => {}
        }
    }
    "still open at the end".into()
}

/// Announces a 1 GB body and sends its first 64 KB; returns the status line's code.
async fn oversized_body(host: &str, head: &str) -> String {
    let Ok(mut socket) = tokio::net::TcpStream::connect(host).await else {
        return "could not connect".into();
    };
    let request = format!("{head}Host: example\r\nContent-Length: 1000000000\r\n\r\n");
    if socket.write_all(request.as_bytes()).await.is_err() {
        return "closed by the server".into();
    }
    let _ = socket.write_all(&[b'a'; 64 * 1024]).await;
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        while !seen.windows(2).any(|w| w == b"\r\n") {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    if read.is_err() {
        return "no answer in 10 s".into();
    }
    let line = String::from_utf8_lossy(&seen);
    line.split(' ').nth(1).map_or_else(|| "closed by the server".into(), str::to_owned)
}
