//! The server's limits, tried as an attacker would over raw sockets: headers sent slowly,
//! connections left idle, more connections than allowed, bodies larger than allowed or sent
//! before being signed in.

use crate::server::spawn_with;
use crate::support::Site;
use dateline_core::account::TokenScope;
use dateline_web::Limits;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn limits(header_secs: u64, idle_secs: u64, max_connections: usize) -> Limits {
    Limits {
        header_timeout: Duration::from_secs(header_secs),
        idle_timeout: Duration::from_secs(idle_secs),
        max_connections,
    }
}

async fn connect(base: &str) -> TcpStream {
    TcpStream::connect(base.trim_start_matches("http://")).await.unwrap()
}

/// Reads until the server closes the connection or `within` passes; returns what was read
/// and whether the connection was closed.
async fn read_until_closed(socket: &mut TcpStream, within: Duration) -> (String, bool) {
    let mut seen = Vec::new();
    let mut buf = [0u8; 8192];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, socket.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return (String::from_utf8_lossy(&seen).into_owned(), true),
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&seen).into_owned(), false),
        }
    }
}

/// Reads one response head (up to the blank line), or fails after `within`.
async fn read_head(socket: &mut TcpStream, within: Duration) -> String {
    let mut seen = Vec::new();
    let mut buf = [0u8; 8192];
    tokio::time::timeout(within, async {
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buf).await.unwrap();
            assert!(n > 0, "the server closed the connection: {}", String::from_utf8_lossy(&seen));
            seen.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .expect("no response in time");
    String::from_utf8_lossy(&seen).into_owned()
}

#[tokio::test]
async fn a_half_sent_header_is_cut_off() {
    let site = Site::new().await;
    let base = spawn_with(&site, limits(1, 60, 100)).await;
    let mut socket = connect(&base).await;
    socket.write_all(b"GET / HTTP/1.1\r\nHost: example\r\nX-Slow: ").await.unwrap();
    let started = Instant::now();
    let (_, closed) = read_until_closed(&mut socket, Duration::from_secs(10)).await;
    assert!(closed, "a socket that never finished its header is still open after 10 s");
    assert!(started.elapsed() < Duration::from_secs(5), "closed only after {:?}", started.elapsed());
}

#[tokio::test]
async fn a_silent_kept_alive_connection_is_closed() {
    let site = Site::new().await;
    // A long header timeout, so what closes the connection is the idle timeout.
    let base = spawn_with(&site, limits(120, 1, 100)).await;
    let mut socket = connect(&base).await;
    socket.write_all(b"GET /healthz HTTP/1.1\r\nHost: example\r\n\r\n").await.unwrap();
    let head = read_head(&mut socket, Duration::from_secs(10)).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let (_, closed) = read_until_closed(&mut socket, Duration::from_secs(10)).await;
    assert!(closed, "an idle kept-alive connection is still open after 10 s");
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_for_a_free_place() {
    let site = Site::new().await;
    let base = spawn_with(&site, limits(30, 30, 2)).await;
    let mut first = connect(&base).await;
    let mut second = connect(&base).await;
    // Both places are taken once each connection has been accepted and answered once.
    for socket in [&mut first, &mut second] {
        socket.write_all(b"GET /healthz HTTP/1.1\r\nHost: example\r\n\r\n").await.unwrap();
        assert!(read_head(socket, Duration::from_secs(10)).await.starts_with("HTTP/1.1 200"));
    }
    let mut third = connect(&base).await; // the kernel's queue takes it
    third.write_all(b"GET /healthz HTTP/1.1\r\nHost: example\r\nConnection: close\r\n\r\n").await.unwrap();
    let (answer, _) = read_until_closed(&mut third, Duration::from_millis(1500)).await;
    assert!(answer.is_empty(), "a third connection was served beyond the limit of two: {answer}");
    drop(first);
    let (answer, _) = read_until_closed(&mut third, Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "the waiting connection was not served: {answer:?}");
}

/// Sends a request head announcing a body of `length` bytes and only its first kilobyte:
/// a server that answers has decided without reading the body.
async fn announce_body(base: &str, head: &str, length: usize) -> String {
    let mut socket = connect(base).await;
    let request = format!("{head}Host: example\r\nContent-Length: {length}\r\n\r\n");
    socket.write_all(request.as_bytes()).await.unwrap();
    socket.write_all(&[b'a'; 1024]).await.unwrap();
    read_head(&mut socket, Duration::from_secs(10)).await
}

#[tokio::test]
async fn sessions_and_tokens_are_checked_before_a_body_is_read() {
    let site = Site::new().await;
    let base = spawn_with(&site, Limits::default()).await;
    let big = 50 * 1024 * 1024;

    let head = "POST /admin/stories/new HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n";
    let answer = announce_body(&base, head, big).await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");

    let head = "POST /api/admin/v1/stories HTTP/1.1\r\nContent-Type: application/json\r\n\
                Authorization: Bearer not-a-token\r\n";
    let answer = announce_body(&base, head, big).await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");

    let head = "POST /admin/media HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=x\r\n";
    let answer = announce_body(&base, head, big).await;
    assert!(answer.starts_with("HTTP/1.1 303") || answer.starts_with("HTTP/1.1 401"), "{answer}");
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_while_read() {
    let site = Site::new().await;
    let base = spawn_with(&site, Limits::default()).await;
    let token = crate::api::token(&site, TokenScope::Admin).await;
    let client = reqwest::Client::new();

    // Declared too large: refused before reading.
    let head = format!(
        "POST /api/admin/v1/stories HTTP/1.1\r\nContent-Type: application/json\r\n\
         Authorization: Bearer {token}\r\n"
    );
    let answer = announce_body(&base, &head, 50 * 1024 * 1024).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    // Not declared (streamed): counted as it comes and cut at the limit.
    let chunks = (0..64).map(|_| Ok::<_, std::io::Error>(vec![b' '; 128 * 1024]));
    let request = axum::http::Request::post("/api/admin/v1/stories")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();
    let reply = tower::ServiceExt::oneshot(dateline_web::router(site.state.clone()), request).await.unwrap();
    assert_eq!(reply.status(), 413);

    // The sign-in form is small: a large one is refused, the page itself still works.
    let form = format!("email=a%40b.c&password={}", "p".repeat(64 * 1024));
    let reply = client
        .post(format!("{base}/admin/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 413);
    assert_eq!(client.get(format!("{base}/admin/login")).send().await.unwrap().status(), 200);
}
