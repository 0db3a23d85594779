//! Where processed pictures live: a local directory by default, S3-compatible object storage
//! by configuration, memory in tests, all through the `object_store` crate.
//!
//! Keys are content-addressed: [`content_hash`] of the uploaded bytes, fanned out over two
//! directory levels (`ab/cd/abcd…/640.webp`, `ab/cd/abcd…/original.jpg`), so the same upload
//! always lands in the same place and a picture's files share one prefix that
//! [`MediaStorage::delete_prefix`] removes at once. Every object is written whole or not at
//! all (the local store writes a temporary file, syncs it and renames it; S3 puts are atomic).

use std::fmt;
use std::path::Path as FsPath;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt, future::join_all};
use object_store::path::Path;
use object_store::{Attribute, Attributes, ObjectStore, ObjectStoreExt, PutOptions, PutPayload};
use sha2::{Digest, Sha256};

use crate::{ImageFormat, MediaError, Processed};

/// `Cache-Control` for stored objects where the backend keeps it (S3): a key never changes
/// content, so caches may keep it for good.
const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// The blob store for pictures. Cheap to clone; share one in the application state.
#[derive(Clone)]
pub struct MediaStorage {
    store: Arc<dyn ObjectStore>,
    /// Whether the backend stores `Content-Type` and `Cache-Control` (the local one cannot).
    attributes: bool,
}

impl fmt::Debug for MediaStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("MediaStorage").field(&self.store.to_string()).finish()
    }
}

impl MediaStorage {
    /// Files under `dir`, which is created if missing. Writes are atomic (temporary file,
    /// fsync, rename) and empty directories are removed after deletes.
    ///
    /// # Errors
    ///
    /// [`MediaError::Config`] when the directory cannot be created or resolved.
    pub fn local(dir: &FsPath) -> Result<Self, MediaError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            MediaError::Config(format!("cannot create media directory {}: {e}", dir.display()))
        })?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| MediaError::Config(format!("media directory {}: {e}", dir.display())))?
            .with_automatic_cleanup(true)
            .with_fsync(true);
        Ok(Self { store: Arc::new(store), attributes: false })
    }

    /// In memory, for tests: gone when the last clone is dropped.
    pub fn memory() -> Self {
        Self { store: Arc::new(object_store::memory::InMemory::new()), attributes: true }
    }

    /// An S3-compatible bucket (AWS, MinIO, Garage, Ceph…). Nothing is sent until the first
    /// request, so wrong credentials show up then, as [`MediaError::Storage`].
    ///
    /// # Errors
    ///
    /// [`MediaError::Config`] when the settings are incomplete or the endpoint is not a URL.
    #[cfg(feature = "s3")]
    pub fn s3(settings: &S3Settings) -> Result<Self, MediaError> {
        let mut builder = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_access_key_id(&settings.access_key_id)
            .with_secret_access_key(&settings.secret_access_key)
            .with_allow_http(settings.allow_http);
        if let Some(endpoint) = &settings.endpoint {
            // Path-style requests (`endpoint/bucket/key`), which every S3-compatible server
            // understands; AWS itself is reached without an endpoint.
            builder = builder.with_endpoint(endpoint).with_virtual_hosted_style_request(false);
        }
        let store =
            builder.build().map_err(|e| MediaError::Config(format!("S3 bucket {}: {e}", settings.bucket)))?;
        Ok(Self { store: Arc::new(store), attributes: true })
    }

    /// The underlying store, for what this type does not offer (listing, signed URLs...).
    pub fn object_store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// Writes `bytes` under `key`, replacing any object there. `content_type` is stored where
    /// the backend can keep it (S3, memory); serve local files by their extension
    /// ([`ImageFormat::from_extension`]).
    ///
    /// # Errors
    ///
    /// [`MediaError::Storage`] when the key is invalid or the write fails; nothing is left
    /// under the key then.
    pub async fn put(
        &self,
        key: &str,
        bytes: impl Into<Bytes>,
        content_type: &str,
    ) -> Result<(), MediaError> {
        let path = parse_key(key)?;
        let mut options = PutOptions::default();
        if self.attributes {
            let mut attributes = Attributes::new();
            attributes.insert(Attribute::ContentType, content_type.to_owned().into());
            attributes.insert(Attribute::CacheControl, CACHE_CONTROL.into());
            options.attributes = attributes;
        }
        let payload = PutPayload::from_bytes(bytes.into());
        self.store.put_opts(&path, payload, options).await.map_err(|e| storage_error("write", key, &e))?;
        Ok(())
    }

    /// The object under `key`, or None when there is none.
    ///
    /// # Errors
    ///
    /// [`MediaError::Storage`] when the key is invalid or the backend fails.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, MediaError> {
        let path = parse_key(key)?;
        match self.store.get(&path).await {
            Ok(result) => result.bytes().await.map(Some).map_err(|e| storage_error("read", key, &e)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(storage_error("read", key, &e)),
        }
    }

    /// Whether an object exists under `key`.
    ///
    /// # Errors
    ///
    /// [`MediaError::Storage`] when the key is invalid or the backend fails.
    pub async fn exists(&self, key: &str) -> Result<bool, MediaError> {
        let path = parse_key(key)?;
        match self.store.head(&path).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(storage_error("look up", key, &e)),
        }
    }

    /// Deletes every object whose key starts with the path segments of `prefix` (so
    /// `ab/cd/abc` covers `ab/cd/abc/640.webp` but not `ab/cd/abcd/640.webp`), returning how
    /// many went. An empty prefix is refused rather than emptying the store.
    ///
    /// # Errors
    ///
    /// [`MediaError::Storage`] when the prefix is empty or invalid, or listing or deleting
    /// fails; some objects may be gone by then, and a second call finishes the job.
    pub async fn delete_prefix(&self, prefix: &str) -> Result<usize, MediaError> {
        let path = parse_key(prefix)?;
        if path.as_ref().is_empty() {
            return Err(MediaError::Storage("refusing to delete with an empty prefix".into()));
        }
        let locations = self.store.list(Some(&path)).map_ok(|meta| meta.location).boxed();
        let mut deleted = self.store.delete_stream(locations);
        let mut count = 0;
        while let Some(result) = deleted.next().await {
            match result {
                Ok(_) => count += 1,
                // Deleted meanwhile by someone else: the goal is reached.
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(storage_error("delete", prefix, &e)),
            }
        }
        Ok(count)
    }

    /// Stores a processed upload under `hash` (its [`content_hash`]): the variants first, the
    /// original last, so a present original means a complete set. Returns the keys written,
    /// original first. When the original is already there (the same file uploaded again),
    /// nothing is written. When a write fails, whatever was written under the hash is
    /// deleted before the error is returned.
    ///
    /// # Errors
    ///
    /// [`MediaError::Storage`] when a write fails.
    pub async fn put_processed(&self, hash: &str, processed: &Processed) -> Result<Vec<String>, MediaError> {
        let original_key = variant_key(hash, None, processed.format);
        let mut keys = vec![original_key.clone()];
        keys.extend(processed.variants.iter().map(|v| variant_key(hash, Some(v.width), v.format)));
        if self.exists(&original_key).await? {
            return Ok(keys);
        }
        let written = async {
            // Every write runs to its end, failed or not, before the clean-up: a write still
            // in flight (the local store's run on blocking threads and outlive a dropped
            // future) could otherwise land after it.
            let variants = join_all(processed.variants.iter().zip(&keys[1..]).map(|(variant, key)| {
                self.put(key, Bytes::copy_from_slice(&variant.bytes), variant.format.mime())
            }))
            .await;
            variants.into_iter().collect::<Result<(), _>>()?;
            self.put(&original_key, Bytes::copy_from_slice(&processed.original), processed.format.mime())
                .await
        };
        if let Err(error) = written.await {
            // Best effort: the write error is the one worth reporting.
            let _ = self.delete_prefix(&prefix_key(hash)).await;
            return Err(error);
        }
        Ok(keys)
    }
}

/// Connection settings for [`MediaStorage::s3`].
#[cfg(feature = "s3")]
#[derive(Clone, Default)]
pub struct S3Settings {
    /// The bucket, which must exist.
    pub bucket: String,
    /// The server's URL, e.g. `http://127.0.0.1:9000` for MinIO; None for AWS.
    pub endpoint: Option<String>,
    /// E.g. `eu-central-1`; S3-compatible servers mostly accept `us-east-1`.
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Allow a plain-HTTP endpoint (a server on the same machine or network).
    pub allow_http: bool,
}

#[cfg(feature = "s3")]
impl fmt::Debug for S3Settings {
    /// The secret stays out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

/// The SHA-256 of an upload in lower-case hex: the name of its picture in storage.
pub fn content_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The key of a picture's original (`width` None) or of a variant:
/// `ab/cd/<hash>/original.jpg`, `ab/cd/<hash>/640.webp`. `hash` is a [`content_hash`].
pub fn variant_key(hash: &str, width: Option<u32>, format: ImageFormat) -> String {
    let name = width.map_or_else(|| "original".to_owned(), |w| w.to_string());
    format!("{}/{name}.{}", prefix_key(hash), format.extension())
}

/// The prefix shared by all files of a picture, `ab/cd/<hash>`, for
/// [`MediaStorage::delete_prefix`].
pub fn prefix_key(hash: &str) -> String {
    let fan = |range: std::ops::Range<usize>| hash.get(range).unwrap_or("_");
    format!("{}/{}/{hash}", fan(0..2), fan(2..4))
}

fn parse_key(key: &str) -> Result<Path, MediaError> {
    Path::parse(key).map_err(|e| MediaError::Storage(format!("invalid key {key:?}: {e}")))
}

fn storage_error(action: &str, key: &str, error: &object_store::Error) -> MediaError {
    MediaError::Storage(format!("could not {action} {key}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fan_out_by_hash() {
        let hash = content_hash(b"hello");
        assert_eq!(hash, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assert_eq!(variant_key(&hash, Some(640), ImageFormat::WebP), format!("2c/f2/{hash}/640.webp"));
        assert_eq!(variant_key(&hash, None, ImageFormat::Jpeg), format!("2c/f2/{hash}/original.jpg"));
        assert_eq!(prefix_key("a"), "_/_/a", "short input never panics");
    }
}
