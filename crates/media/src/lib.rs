//! Pictures for stories: checking uploads, making responsive variants, and storing them.
//!
//! An editor's upload goes through [`process`] once: it is checked (size, format by its magic
//! bytes, dimensions from the header before any pixel is decoded), its EXIF orientation is
//! applied, every piece of metadata is removed (EXIF with GPS, XMP, comments), and variants
//! [`VARIANT_WIDTHS`] wide are made in WebP and in the original format. The result is plain
//! bytes; [`MediaStorage`] puts them on local disk or in S3-compatible object storage under
//! content-addressed keys ([`variant_key`]).
//!
//! The crate knows nothing of stories or the web: `dateline-newsroom`'s media take-in calls
//! [`process`] on a blocking thread (`spawn_blocking`), then [`MediaStorage::put_processed`];
//! the web crate serves the objects back with [`MediaStorage::get`]. Error messages are written for editors and may be
//! shown to them as they are, except those [`MediaError::is_bad_input`] says are internal.
//!
//! ```
//! use dateline_media::{ImageFormat, Limits, process, sniff};
//!
//! let mut png = Vec::new();
//! image::RgbImage::from_pixel(800, 600, image::Rgb([200, 30, 30]))
//!     .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
//!     .map_err(|e| e.to_string())?;
//! assert_eq!(sniff(&png), Some(ImageFormat::Png));
//!
//! let processed = process(&png, &Limits::default())?;
//! assert_eq!((processed.width, processed.height), (800, 600));
//! // 320 and 640 wide, each in WebP and PNG.
//! assert_eq!(processed.variants.len(), 4);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod process;
mod storage;
mod strip;

use std::fmt;

pub use process::{Processed, Variant, dimensions, process};
#[cfg(feature = "s3")]
pub use storage::S3Settings;
pub use storage::{MediaStorage, content_hash, prefix_key, variant_key};

/// The widths of the responsive variants, smallest first. Only those narrower than the
/// original are made.
pub const VARIANT_WIDTHS: [u32; 5] = [320, 640, 960, 1280, 1920];

/// The image formats an upload may be in, recognised by [`sniff`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    Jpeg,
    Png,
    WebP,
    Gif,
    /// Recognised, but refused with [`MediaError::Unsupported`]: no AVIF decoder builds here
    /// without a system library (see `process`).
    Avif,
}

impl ImageFormat {
    /// The media type to serve the format with, e.g. `image/jpeg`.
    pub fn mime(&self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::WebP => "image/webp",
            Self::Gif => "image/gif",
            Self::Avif => "image/avif",
        }
    }

    /// The file extension used in storage keys, without a dot: `jpg`, `png`, `webp`, `gif`,
    /// `avif`.
    pub fn extension(&self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::WebP => "webp",
            Self::Gif => "gif",
            Self::Avif => "avif",
        }
    }

    /// The format for an extension as [`ImageFormat::extension`] writes it (also `jpeg`), in
    /// any case; for serving a stored key with the right media type.
    pub fn from_extension(extension: &str) -> Option<Self> {
        [Self::Jpeg, Self::Png, Self::WebP, Self::Gif, Self::Avif]
            .into_iter()
            .find(|f| f.extension().eq_ignore_ascii_case(extension))
            .or_else(|| extension.eq_ignore_ascii_case("jpeg").then_some(Self::Jpeg))
    }

    /// The name editors know the format by: `JPEG`, `PNG`, `WebP`, `GIF`, `AVIF`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Jpeg => "JPEG",
            Self::Png => "PNG",
            Self::WebP => "WebP",
            Self::Gif => "GIF",
            Self::Avif => "AVIF",
        }
    }
}

impl fmt::Display for ImageFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The format of an image file judged by its first bytes, never by its name: a PNG called
/// `photo.jpg` is a PNG.
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(ImageFormat::Gif)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some(ImageFormat::WebP)
    } else if ftyp_brands(bytes).any(|brand| brand == b"avif" || brand == b"avis") {
        Some(ImageFormat::Avif)
    } else {
        None
    }
}

/// Formats that are recognised only to refuse them with a helpful message.
pub(crate) fn sniff_unsupported(bytes: &[u8]) -> Option<&'static str> {
    const HEIF_BRANDS: [&[u8; 4]; 8] =
        [b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"];
    if ftyp_brands(bytes).any(|brand| HEIF_BRANDS.contains(&brand)) {
        Some("HEIC")
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some("TIFF")
    } else if bytes.starts_with(&[0xFF, 0x0A]) || bytes.starts_with(b"\0\0\0\x0cJXL ") {
        Some("JPEG XL")
    } else {
        None
    }
}

/// The major and compatible brands of an ISO-BMFF `ftyp` box at the start of the file.
fn ftyp_brands(bytes: &[u8]) -> impl Iterator<Item = &[u8; 4]> {
    let size = bytes.get(..4).map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let ftyp = if bytes.get(4..8) == Some(b"ftyp") && size >= 16 {
        bytes.get(8..size.min(bytes.len())).unwrap_or_default()
    } else {
        &[]
    };
    // Major brand, minor version (skipped), compatible brands.
    let (major, rest) = ftyp.split_at(ftyp.len().min(4));
    let compatible = rest.get(4..).unwrap_or_default();
    major.as_chunks::<4>().0.iter().chain(compatible.as_chunks::<4>().0)
}

/// What an upload may be. The defaults suit photos from current cameras and phones while
/// keeping one decode well under 300 MB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest file accepted, in bytes. Default: 40 MB (40,000,000 bytes).
    pub max_bytes: usize,
    /// The most pixels (width × height) accepted. Default: 50 megapixels. This bounds memory
    /// too: a decoder may allocate at most 4 bytes for each (more is refused with
    /// [`MediaError::TooMuchMemory`]), and all of [`process`] peaks at about 11 bytes per pixel
    /// (see there).
    pub max_pixels: u64,
    /// The longest side accepted, in pixels. Default: 16384.
    pub max_side: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_bytes: 40_000_000, max_pixels: 50_000_000, max_side: 16_384 }
    }
}

/// Why an upload was refused or could not be stored.
///
/// The messages of the bad-input kinds ([`MediaError::is_bad_input`]) are written for editors
/// and can be shown as they are; the others are the server's problem: log them and show a
/// generic message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// The file is bigger than [`Limits::max_bytes`].
    #[error("the file is {}; at most {} are accepted", Size::up(*bytes), Size::down(*max))]
    TooLarge { bytes: usize, max: usize },

    /// The first bytes are not those of any image format we know.
    #[error("the file is not a JPEG, PNG, WebP, GIF or AVIF image")]
    NotAnImage,

    /// An image format this server recognises but cannot read (AVIF, HEIC, TIFF, JPEG XL).
    #[error("{0} images cannot be read by this server yet; please upload a JPEG, PNG, WebP or GIF image")]
    Unsupported(&'static str),

    /// Width × height is over [`Limits::max_pixels`], as the header says: refused before
    /// decoding, so a small file claiming a huge image (a decompression bomb) costs nothing.
    #[error(
        "the image is {width} × {height} pixels; at most {} accepted",
        Megapixels(*max_pixels)
    )]
    TooManyPixels { width: u32, height: u32, max_pixels: u64 },

    /// A side is longer than [`Limits::max_side`].
    #[error("the image is {width} × {height} pixels; at most {max_side} pixels per side are accepted")]
    SideTooLong { width: u32, height: u32, max_side: u32 },

    /// Within the pixel limit, but its colour depth would need more memory than allowed
    /// (for instance a large 16-bit PNG).
    #[error(
        "the image is {width} × {height} pixels and would need more memory than this server allows \
         for one picture; please upload a smaller image or one with 8-bit colour"
    )]
    TooMuchMemory { width: u32, height: u32 },

    /// The data is truncated or damaged.
    #[error("the image data is cut short or damaged: {0}")]
    Corrupt(String),

    /// A valid file using a feature the decoder does not implement (e.g. a 12-bit JPEG).
    #[error(
        "the image uses a feature this server cannot read ({0}); please save it again as a \
         standard JPEG, PNG, WebP or GIF image"
    )]
    UnsupportedFeature(String),

    /// An encoder failed on a decoded image: a bug or resource problem, not the editor's fault.
    #[error("could not write the image: {0}")]
    Encode(String),

    /// Reading, writing or deleting in the storage backend failed.
    #[error("media storage: {0}")]
    Storage(String),

    /// The storage backend could not be set up from its settings.
    #[error("media storage settings: {0}")]
    Config(String),
}

impl MediaError {
    /// Whether the upload itself is at fault (answer 4xx with the message) rather than the
    /// server (answer 5xx, log the message).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, Self::Encode(_) | Self::Storage(_) | Self::Config(_))
    }
}

/// A byte count as editors read it: `52 MB`, `40.5 MB`, `820 KB`, `12 bytes` (decimal units,
/// as file managers show them). A file's size is rounded up and a limit down, so a file just
/// over the limit never reads as equal to it.
struct Size {
    bytes: usize,
    round: fn(f64) -> f64,
}

impl Size {
    fn up(bytes: usize) -> Self {
        Self { bytes, round: f64::ceil }
    }

    fn down(bytes: usize) -> Self {
        Self { bytes, round: f64::floor }
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.bytes as f64;
        let tenths = |unit: f64| OneDecimal((self.round)(n / unit * 10.0) / 10.0);
        if n >= 1e6 {
            write!(f, "{} MB", tenths(1e6))
        } else if n >= 1e3 {
            write!(f, "{} KB", tenths(1e3))
        } else {
            write!(f, "{} bytes", self.bytes)
        }
    }
}

/// `50 megapixels are`, `1 megapixel is`, `0.5 megapixels are`.
struct Megapixels(u64);

impl fmt::Display for Megapixels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = OneDecimal(self.0 as f64 / 1e6).to_string();
        let unit = if count == "1" { "megapixel is" } else { "megapixels are" };
        write!(f, "{count} {unit}")
    }
}

/// At most one decimal, none when it would be `.0`: `52`, `40.5`.
struct OneDecimal(f64);

impl fmt::Display for OneDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = format!("{:.1}", self.0);
        f.write_str(text.strip_suffix(".0").unwrap_or(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(Size::up(52_000_000).to_string(), "52 MB");
        assert_eq!(Size::up(40_500_000).to_string(), "40.5 MB");
        assert_eq!(Size::up(40_000_001).to_string(), "40.1 MB");
        assert_eq!(Size::down(40_099_999).to_string(), "40 MB");
        assert_eq!(Size::up(820_000).to_string(), "820 KB");
        assert_eq!(Size::up(12).to_string(), "12 bytes");
        assert_eq!(Megapixels(50_000_000).to_string(), "50 megapixels are");
        assert_eq!(Megapixels(1_000_000).to_string(), "1 megapixel is");
    }

    #[test]
    fn ftyp_brands_are_read_within_the_box() {
        let mut avif = 24u32.to_be_bytes().to_vec();
        avif.extend_from_slice(b"ftypmif1\0\0\0\0mif1avif");
        assert_eq!(sniff(&avif), Some(ImageFormat::Avif));
        let mut heic = 24u32.to_be_bytes().to_vec();
        heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
        assert_eq!(sniff(&heic), None);
        assert_eq!(sniff_unsupported(&heic), Some("HEIC"));
        assert_eq!(sniff(b"\0\0\0\x08ftypavif"), None, "a box too short for a brand");
    }
}
