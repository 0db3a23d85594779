//! S3 storage against a real S3-compatible server on this machine: moto's `moto_server`
//! (`pip install 'moto[server]'`). Without it the test is skipped with a message, except under
//! `CI=true`, where a missing server is a failure: CI must install it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dateline_media::{
    ImageFormat, Limits, MediaStorage, S3Settings, content_hash, prefix_key, process, variant_key,
};

use crate::support::*;

const BUCKET: &str = "dateline-media-test";

/// The moto server this test started; killed (by its own pid) when dropped.
struct Moto {
    child: Child,
    port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `moto_server` on PATH, else None.
fn moto_command() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join("moto_server")).find(|p| p.is_file())
}

/// Starts moto on a free loopback port, or says why not.
fn start_moto() -> Option<Moto> {
    let Some(command) = moto_command() else {
        let message = "moto_server not found on PATH; install it with: pip install 'moto[server]'";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{message} (required when CI=true)");
        eprintln!("skipping the S3 test: {message}");
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(command)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server starts");
    let moto = Moto { child, port };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto_server did not listen on port {port} within 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(moto)
}

/// Creates the bucket with a bare HTTP request (moto does not check signatures).
fn create_bucket(port: u16) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "PUT /{BUCKET} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "creating the bucket: {response}");
}

#[tokio::test]
async fn s3_storage_round_trips_through_a_local_server() {
    let Some(moto) = start_moto() else { return };
    create_bucket(moto.port);
    let storage = MediaStorage::s3(&S3Settings {
        bucket: BUCKET.into(),
        endpoint: Some(format!("http://127.0.0.1:{}", moto.port)),
        region: "us-east-1".into(),
        access_key_id: "test".into(),
        secret_access_key: "test".into(),
        allow_http: true,
    })
    .unwrap();

    let upload = jpeg(700, 400);
    let hash = content_hash(&upload);
    let processed = process(&upload, &Limits::default()).unwrap();
    let keys = storage.put_processed(&hash, &processed).await.unwrap();
    assert_eq!(keys.len(), 5);

    let original = storage.get(&keys[0]).await.unwrap().unwrap();
    assert_eq!(original.as_ref(), processed.original.as_slice());
    let webp_key = variant_key(&hash, Some(640), ImageFormat::WebP);
    let webp = storage.get(&webp_key).await.unwrap().unwrap();
    assert_eq!(webp.as_ref(), processed.variant(640, ImageFormat::WebP).unwrap().bytes.as_slice());

    // Served with the right type and cached for good.
    let path = object_store::path::Path::parse(&webp_key).unwrap();
    let stored = object_store::ObjectStoreExt::get(storage.object_store().as_ref(), &path).await.unwrap();
    let attribute = |a| stored.attributes.get(&a).map(|v| v.as_ref().to_owned());
    assert_eq!(attribute(object_store::Attribute::ContentType).as_deref(), Some("image/webp"));
    assert!(attribute(object_store::Attribute::CacheControl).unwrap_or_default().contains("immutable"));

    assert_eq!(storage.get(&variant_key(&hash, Some(1920), ImageFormat::WebP)).await.unwrap(), None);
    assert_eq!(storage.delete_prefix(&prefix_key(&hash)).await.unwrap(), 5);
    assert_eq!(storage.get(&keys[0]).await.unwrap(), None);
}

#[tokio::test]
async fn s3_errors_name_the_key_and_are_not_the_editors_fault() {
    let Some(moto) = start_moto() else { return };
    // No bucket created: every write fails.
    let storage = MediaStorage::s3(&S3Settings {
        bucket: "missing-bucket".into(),
        endpoint: Some(format!("http://127.0.0.1:{}", moto.port)),
        region: "us-east-1".into(),
        access_key_id: "test".into(),
        secret_access_key: "test".into(),
        allow_http: true,
    })
    .unwrap();
    let error = storage.put("ab/cd/x/640.webp", vec![1, 2, 3], "image/webp").await.unwrap_err();
    assert!(!error.is_bad_input());
    assert!(error.to_string().contains("ab/cd/x/640.webp"), "{error}");
}
