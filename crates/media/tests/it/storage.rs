//! Local and in-memory storage: round trips, content-addressed keys, nothing half-written.

use std::path::{Path, PathBuf};

use dateline_media::{
    ImageFormat, Limits, MediaError, MediaStorage, content_hash, prefix_key, process, variant_key,
};

use crate::support::*;

/// Every regular file under `dir`, relative to it, sorted.
fn files(dir: &Path) -> Vec<String> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path: PathBuf = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                out.push(path.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[tokio::test]
async fn local_storage_round_trips_and_deletes_by_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("media"); // created on demand
    let storage = MediaStorage::local(&root).unwrap();

    let hash = content_hash(b"upload");
    let key = variant_key(&hash, Some(640), ImageFormat::WebP);
    assert_eq!(storage.get(&key).await.unwrap(), None);
    storage.put(&key, b"RIFF....WEBP".to_vec(), "image/webp").await.unwrap();
    storage.put(&variant_key(&hash, None, ImageFormat::Jpeg), vec![0xFF, 0xD8], "image/jpeg").await.unwrap();
    assert_eq!(storage.get(&key).await.unwrap().as_deref(), Some(&b"RIFF....WEBP"[..]));
    assert!(storage.exists(&key).await.unwrap());
    assert_eq!(files(&root), [key.clone(), format!("{}/original.jpg", prefix_key(&hash))]);

    // A neighbour whose hash starts the same is not touched.
    let neighbour = format!("{hash}0");
    storage.put(&variant_key(&neighbour, Some(320), ImageFormat::Png), vec![1], "image/png").await.unwrap();

    assert_eq!(storage.delete_prefix(&prefix_key(&hash)).await.unwrap(), 2);
    assert_eq!(storage.get(&key).await.unwrap(), None);
    assert_eq!(files(&root), [variant_key(&neighbour, Some(320), ImageFormat::Png)]);
    assert_eq!(storage.delete_prefix(&prefix_key(&hash)).await.unwrap(), 0, "nothing left is fine");
}

#[tokio::test]
async fn a_failed_local_write_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let storage = MediaStorage::local(dir.path()).unwrap();
    // A directory where the object should go: the final rename cannot succeed.
    let key = variant_key(&content_hash(b"x"), Some(640), ImageFormat::WebP);
    std::fs::create_dir_all(dir.path().join(&key)).unwrap();

    let error = storage.put(&key, vec![7; 100_000], "image/webp").await.unwrap_err();
    assert!(matches!(error, MediaError::Storage(_)), "{error:?}");
    assert!(error.to_string().contains(&key), "{error}");
    assert_eq!(files(dir.path()), Vec::<String>::new(), "no temporary or partial file");
}

#[tokio::test]
async fn a_failed_set_is_removed_whole() {
    let dir = tempfile::tempdir().unwrap();
    let storage = MediaStorage::local(dir.path()).unwrap();
    let upload = jpeg(1000, 500);
    let hash = content_hash(&upload);
    let processed = process(&upload, &Limits::default()).unwrap();
    // The 960 JPEG cannot be written; the others can.
    std::fs::create_dir_all(dir.path().join(variant_key(&hash, Some(960), ImageFormat::Jpeg))).unwrap();

    assert!(matches!(storage.put_processed(&hash, &processed).await, Err(MediaError::Storage(_))));
    assert_eq!(files(dir.path()), Vec::<String>::new(), "variants written before the failure are gone");
    assert!(!storage.exists(&variant_key(&hash, None, ImageFormat::Jpeg)).await.unwrap());
}

#[tokio::test]
async fn memory_storage_keeps_a_processed_upload() {
    let storage = MediaStorage::memory();
    let upload = png(700, 400);
    let hash = content_hash(&upload);
    let processed = process(&upload, &Limits::default()).unwrap();

    let keys = storage.put_processed(&hash, &processed).await.unwrap();
    assert_eq!(keys.len(), 1 + processed.variants.len());
    assert_eq!(keys[0], variant_key(&hash, None, ImageFormat::Png));
    assert!(keys.contains(&format!("{}/640.webp", prefix_key(&hash))));
    let original = storage.get(&keys[0]).await.unwrap().unwrap();
    assert_eq!(original.as_ref(), processed.original.as_slice());
    for (key, variant) in keys[1..].iter().zip(&processed.variants) {
        assert_eq!(storage.get(key).await.unwrap().unwrap().as_ref(), variant.bytes.as_slice());
    }

    // The content type is kept where the backend can keep it.
    let path = object_store::path::Path::parse(&keys[0]).unwrap();
    let stored = object_store::ObjectStoreExt::get(storage.object_store().as_ref(), &path).await.unwrap();
    assert_eq!(
        stored.attributes.get(&object_store::Attribute::ContentType).map(|v| v.as_ref()),
        Some("image/png")
    );

    // The same upload again writes nothing and answers the same keys.
    assert_eq!(storage.put_processed(&hash, &processed).await.unwrap(), keys);
    assert_eq!(storage.delete_prefix(&prefix_key(&hash)).await.unwrap(), keys.len());
}

#[tokio::test]
async fn bad_keys_and_empty_prefixes_are_refused() {
    let storage = MediaStorage::memory();
    assert!(matches!(storage.put("a/../b", vec![1], "image/png").await, Err(MediaError::Storage(_))));
    assert!(matches!(storage.put("a//b", vec![1], "image/png").await, Err(MediaError::Storage(_))));
    assert!(matches!(storage.delete_prefix("").await, Err(MediaError::Storage(_))));
    assert!(matches!(storage.delete_prefix("/").await, Err(MediaError::Storage(_))));
}
