//! From an uploaded file to a clean original and its responsive variants, in memory.
//!
//! The order matters for safety and speed: the size and magic bytes are checked first, then
//! the dimensions from the header (so a decompression bomb is refused before any pixel is
//! decoded), then metadata is stripped from the container ([`crate::strip`]), and only then are
//! the stripped bytes decoded, once, under `image`'s allocation limits. Variants are resized
//! from the next bigger one with `fast_image_resize` (Lanczos3), turned as the EXIF orientation
//! says, and encoded on all cores (at most four threads): WebP by libwebp (lossy, quality 80),
//! JPEG by `jpeg-encoder` (quality 82, 4:2:0, progressive), PNG by `image`.
//!
//! Which files are made, by upload format:
//!
//! | upload | original | variants |
//! |---|---|---|
//! | JPEG | JPEG | WebP and JPEG |
//! | PNG | PNG | WebP and PNG |
//! | GIF | GIF (all frames) | WebP and PNG, from the first frame |
//! | WebP | WebP | WebP |
//! | AVIF | refused: no AVIF decoder builds without a system library (libdav1d) | |
//!
//! The original is the upload itself less its metadata when its pixels need no rotation (no
//! quality is lost and it stays animated); otherwise it is re-encoded from the turned pixels:
//! JPEG at quality 90 (chroma subsampled if the upload's was), PNG losslessly (8 bits per
//! channel), WebP lossless or lossy (quality 90) as the upload was, and only the first frame
//! survives. ICC colour profiles are kept in the original and embedded in every variant.

use std::io::Cursor;
use std::num::NonZero;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use fast_image_resize as fr;
use image::metadata::Orientation;
use image::{
    DynamicImage, ImageBuffer, ImageDecoder, ImageEncoder, ImageError, ImageReader, RgbImage, RgbaImage,
};

use crate::{ImageFormat, Limits, MediaError, VARIANT_WIDTHS, sniff, sniff_unsupported, strip};

/// Quality of lossy WebP variants (libwebp's 0-100 scale).
const WEBP_QUALITY: f32 = 80.0;
/// Quality of a lossy WebP original that had to be re-encoded.
const WEBP_ORIGINAL_QUALITY: f32 = 90.0;
/// Quality of JPEG variants (libjpeg's 1-100 scale), with 4:2:0 chroma subsampling.
const JPEG_QUALITY: u8 = 82;
/// Quality of a JPEG original that had to be re-encoded (turned).
const JPEG_ORIGINAL_QUALITY: u8 = 90;
/// Encoding threads at most, whatever the machine: each holds its encoder's buffers.
const MAX_THREADS: usize = 4;

/// A checked upload ready to store: the clean original and its variants.
#[derive(Debug, Clone)]
pub struct Processed {
    /// The format of `original`: always the upload's.
    pub format: ImageFormat,
    /// Width of the picture as shown, after orientation.
    pub width: u32,
    /// Height of the picture as shown, after orientation.
    pub height: u32,
    /// The upload with orientation applied and all metadata (EXIF with GPS, XMP, IPTC,
    /// comments, thumbnails) removed; colour profiles stay.
    pub original: Vec<u8>,
    /// For each of [`VARIANT_WIDTHS`] narrower than the original, smallest first: the WebP
    /// variant, then (for JPEG, PNG and GIF uploads) one in the original's format (PNG for a
    /// GIF). Empty when the original is 320 pixels wide or less.
    pub variants: Vec<Variant>,
}

impl Processed {
    /// The variant of that width and format, if one was made.
    pub fn variant(&self, width: u32, format: ImageFormat) -> Option<&Variant> {
        self.variants.iter().find(|v| v.width == width && v.format == format)
    }
}

/// One resized copy of the picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// One of [`VARIANT_WIDTHS`].
    pub width: u32,
    /// In proportion to the original, rounded, at least 1.
    pub height: u32,
    pub format: ImageFormat,
    pub bytes: Vec<u8>,
}

/// The format and the dimensions (as shown, after orientation) of an image, from its header
/// only: cheap, and safe on a decompression bomb. No limits are applied; compare with
/// [`Limits`] yourself or let [`process`] do it.
///
/// # Errors
///
/// [`MediaError::NotAnImage`], [`MediaError::Unsupported`] (AVIF, HEIC, TIFF, JPEG XL), or
/// [`MediaError::Corrupt`] when the header cannot be read.
pub fn dimensions(bytes: &[u8]) -> Result<(ImageFormat, u32, u32), MediaError> {
    let format = detect(bytes)?;
    let header = read_header(bytes, format, alloc_budget(&Limits::default()))?;
    let (width, height) = header.shown();
    Ok((format, width, height))
}

/// Checks, cleans and resizes an upload; see the module documentation for what is made.
///
/// Synchronous and CPU-bound: call it from a blocking thread. A 12-megapixel JPEG takes about
/// 0.25 s on two cores (0.5 s when its orientation makes the original be re-encoded) and at
/// most about 11 bytes of memory per pixel at its peak (130 MB; 160 MB when turned; about
/// 260-330 MB at 48 megapixels), so run one at a time where memory is tight.
///
/// # Errors
///
/// Every bad-input kind of [`MediaError`], with a message for the editor: too many bytes or
/// pixels, not an image, an unsupported format, damaged or truncated data. `Encode` when an
/// encoder fails, which would be a bug.
pub fn process(bytes: &[u8], limits: &Limits) -> Result<Processed, MediaError> {
    if bytes.len() > limits.max_bytes {
        return Err(MediaError::TooLarge { bytes: bytes.len(), max: limits.max_bytes });
    }
    let format = detect(bytes)?;
    let header = read_header(bytes, format, alloc_budget(limits))?;
    check_dimensions(&header, limits)?;

    let stripped = strip::strip(format, bytes)?;
    let pixels = Pixels::from(decode(&stripped, format, &header, limits)?);
    let orientation = header.orientation;
    let (width, height) = header.shown();
    let quarter_turn = (width, height) != (header.width, header.height);

    // Each variant is resized from the next bigger one: far cheaper than from the original
    // every time, and Lanczos3 keeps the smaller ones sharp. The pixels stay as stored: each
    // encoding job turns its own (small) copy, and the full-size picture is never turned
    // before the variants are made.
    let mut resizer = fr::Resizer::new();
    let mut sized: Vec<Pixels> = Vec::new();
    for &w in VARIANT_WIDTHS.iter().rev().filter(|&&w| w < width) {
        let h = scaled_height(width, height, w);
        let (stored_w, stored_h) = if quarter_turn { (h, w) } else { (w, h) };
        let source = sized.last().unwrap_or(&pixels);
        sized.push(resize(&mut resizer, source, stored_w, stored_h)?);
    }
    let formats = variant_formats(format);
    // Biggest first, so the threads finish together.
    let mut jobs = Vec::new();
    for variant in &sized {
        for &f in formats {
            let encoding = match f {
                ImageFormat::WebP => Encoding::WebP(WEBP_QUALITY),
                ImageFormat::Jpeg => Encoding::Jpeg { quality: JPEG_QUALITY, subsample: true, compact: true },
                _ => Encoding::Png,
            };
            jobs.push(Job { pixels: variant, orientation, encoding });
        }
    }

    // The full-size pixels are only needed again to re-encode a turned original: that job
    // owns them, and reads them through a turned view (JPEG) or frees them once turned.
    let original_job = if orientation == Orientation::NoTransforms {
        drop(pixels);
        None
    } else {
        let encoding = match format {
            ImageFormat::Jpeg => Encoding::Jpeg {
                quality: JPEG_ORIGINAL_QUALITY,
                subsample: strip::jpeg_is_subsampled(&stripped),
                compact: false,
            },
            ImageFormat::WebP if strip::webp_is_lossless(&stripped) => Encoding::WebPLossless,
            ImageFormat::WebP => Encoding::WebP(WEBP_ORIGINAL_QUALITY),
            _ => Encoding::Png,
        };
        Some(OwnedJob { pixels, orientation, encoding })
    };

    let (original, encoded) = encode_all(original_job, &jobs, header.icc.as_deref())?;
    let original = original.map_or(stripped, |e| e.bytes);
    let mut variants: Vec<Variant> = formats
        .iter()
        .cycle()
        .zip(encoded)
        .map(|(&format, e)| Variant { width: e.width, height: e.height, format, bytes: e.bytes })
        .collect();
    variants.sort_by_key(|v| (v.width, v.format != ImageFormat::WebP));
    Ok(Processed { format, width, height, original, variants })
}

/// The formats of the variants: WebP first, then the original's own when it is not WebP.
fn variant_formats(format: ImageFormat) -> &'static [ImageFormat] {
    match format {
        ImageFormat::Jpeg => &[ImageFormat::WebP, ImageFormat::Jpeg],
        ImageFormat::Png | ImageFormat::Gif => &[ImageFormat::WebP, ImageFormat::Png],
        ImageFormat::WebP => &[ImageFormat::WebP],
        ImageFormat::Avif => &[],
    }
}

fn scaled_height(width: u32, height: u32, new_width: u32) -> u32 {
    let h = (u64::from(height) * u64::from(new_width) + u64::from(width) / 2) / u64::from(width);
    u32::try_from(h).unwrap_or(u32::MAX).max(1)
}

/// The format by magic bytes, or the refusal an editor should read.
fn detect(bytes: &[u8]) -> Result<ImageFormat, MediaError> {
    match sniff(bytes) {
        Some(ImageFormat::Avif) => Err(MediaError::Unsupported("AVIF")),
        Some(format) => Ok(format),
        None => Err(sniff_unsupported(bytes).map_or(MediaError::NotAnImage, MediaError::Unsupported)),
    }
}

fn image_format(format: ImageFormat) -> image::ImageFormat {
    match format {
        ImageFormat::Jpeg => image::ImageFormat::Jpeg,
        ImageFormat::Png => image::ImageFormat::Png,
        ImageFormat::WebP => image::ImageFormat::WebP,
        ImageFormat::Gif => image::ImageFormat::Gif,
        ImageFormat::Avif => image::ImageFormat::Avif,
    }
}

/// The most a decoder may allocate: 4 bytes (RGBA, 8 bits) per accepted pixel, and never less
/// than 64 MiB so that small limits still leave room for the decoders' own tables.
fn alloc_budget(limits: &Limits) -> u64 {
    limits.max_pixels.saturating_mul(4).max(64 << 20)
}

/// What the header says, read before any pixel is decoded.
struct Header {
    /// As stored, before orientation.
    width: u32,
    height: u32,
    orientation: Orientation,
    icc: Option<Vec<u8>>,
}

impl Header {
    /// Dimensions as shown: swapped when the orientation turns the picture a quarter.
    fn shown(&self) -> (u32, u32) {
        use Orientation::*;
        match self.orientation {
            Rotate90 | Rotate270 | Rotate90FlipH | Rotate270FlipH => (self.height, self.width),
            _ => (self.width, self.height),
        }
    }
}

fn read_header(bytes: &[u8], format: ImageFormat, budget: u64) -> Result<Header, MediaError> {
    let mut limits = image::Limits::no_limits();
    limits.max_alloc = Some(budget);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format(format));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| decode_error(e, None))?;
    let (width, height) = decoder.dimensions();
    // A damaged EXIF block or profile is not worth refusing the picture for.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let icc = decoder.icc_profile().ok().flatten().filter(|icc| !icc.is_empty());
    Ok(Header { width, height, orientation, icc })
}

fn check_dimensions(header: &Header, limits: &Limits) -> Result<(), MediaError> {
    let (width, height) = header.shown();
    if width == 0 || height == 0 {
        return Err(MediaError::Corrupt(format!("the header gives a size of {width} × {height} pixels")));
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(MediaError::TooManyPixels { width, height, max_pixels: limits.max_pixels });
    }
    if width.max(height) > limits.max_side {
        return Err(MediaError::SideTooLong { width, height, max_side: limits.max_side });
    }
    Ok(())
}

fn decode(
    bytes: &[u8],
    format: ImageFormat,
    header: &Header,
    limits: &Limits,
) -> Result<DynamicImage, MediaError> {
    let size = Some(header.shown());
    let mut strict = image::Limits::no_limits();
    strict.max_image_width = Some(limits.max_side);
    strict.max_image_height = Some(limits.max_side);
    strict.max_alloc = Some(alloc_budget(limits));
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format(format));
    reader.limits(strict.clone());
    let decoder = reader.into_decoder().map_err(|e| decode_error(e, size))?;
    strict.reserve(decoder.total_bytes()).map_err(|e| decode_error(e, size))?;
    DynamicImage::from_decoder(decoder).map_err(|e| decode_error(e, size))
}

/// An `image` error in the editor's terms; `size` is the picture's, once known.
fn decode_error(error: ImageError, size: Option<(u32, u32)>) -> MediaError {
    match error {
        ImageError::Limits(_) => match size {
            Some((width, height)) => MediaError::TooMuchMemory { width, height },
            None => MediaError::Corrupt("the image header asks for more memory than allowed".into()),
        },
        ImageError::Unsupported(e) => MediaError::UnsupportedFeature(e.to_string()),
        ImageError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            MediaError::Corrupt("the file ends too early".into())
        }
        ImageError::Encoding(e) => MediaError::Encode(e.to_string()),
        other => MediaError::Corrupt(other.to_string()),
    }
}

/// Decoded pixels in one of the two layouts every encoder here takes.
enum Pixels {
    Rgb(RgbImage),
    Rgba(RgbaImage),
}

impl From<DynamicImage> for Pixels {
    /// RGBA only when some pixel is not fully opaque: opaque RGB resizes and encodes faster.
    fn from(image: DynamicImage) -> Self {
        if image.color().has_alpha() {
            let rgba = image.into_rgba8();
            if rgba.as_raw().chunks_exact(4).any(|p| p[3] != u8::MAX) {
                return Self::Rgba(rgba);
            }
            return Self::Rgb(DynamicImage::ImageRgba8(rgba).into_rgb8());
        }
        Self::Rgb(image.into_rgb8())
    }
}

impl Pixels {
    fn width(&self) -> u32 {
        match self {
            Self::Rgb(i) => i.width(),
            Self::Rgba(i) => i.width(),
        }
    }

    fn height(&self) -> u32 {
        match self {
            Self::Rgb(i) => i.height(),
            Self::Rgba(i) => i.height(),
        }
    }

    fn raw(&self) -> &[u8] {
        match self {
            Self::Rgb(i) => i.as_raw(),
            Self::Rgba(i) => i.as_raw(),
        }
    }

    fn has_alpha(&self) -> bool {
        matches!(self, Self::Rgba(_))
    }

    /// A copy turned and flipped as the EXIF orientation says (as `image`'s
    /// `DynamicImage::apply_orientation` does, without copying first).
    fn oriented(&self, orientation: Orientation) -> Self {
        match self {
            Self::Rgb(i) => Self::Rgb(oriented(i, orientation)),
            Self::Rgba(i) => Self::Rgba(oriented(i, orientation)),
        }
    }
}

fn oriented<P: image::Pixel + 'static>(
    image: &ImageBuffer<P, Vec<P::Subpixel>>,
    orientation: Orientation,
) -> ImageBuffer<P, Vec<P::Subpixel>> {
    use image::imageops::{
        flip_horizontal, flip_horizontal_in_place, flip_vertical, rotate90, rotate180, rotate270,
    };
    match orientation {
        Orientation::NoTransforms => image.clone(),
        Orientation::Rotate90 => rotate90(image),
        Orientation::Rotate180 => rotate180(image),
        Orientation::Rotate270 => rotate270(image),
        Orientation::FlipHorizontal => flip_horizontal(image),
        Orientation::FlipVertical => flip_vertical(image),
        Orientation::Rotate90FlipH => {
            let mut turned = rotate90(image);
            flip_horizontal_in_place(&mut turned);
            turned
        }
        Orientation::Rotate270FlipH => {
            let mut turned = rotate270(image);
            flip_horizontal_in_place(&mut turned);
            turned
        }
    }
}

fn resize(resizer: &mut fr::Resizer, source: &Pixels, width: u32, height: u32) -> Result<Pixels, MediaError> {
    let pixel_type = if source.has_alpha() { fr::PixelType::U8x4 } else { fr::PixelType::U8x3 };
    let failed =
        |e: &dyn std::fmt::Display| MediaError::Encode(format!("resizing to {width} × {height}: {e}"));
    let src = fr::images::ImageRef::new(source.width(), source.height(), source.raw(), pixel_type)
        .map_err(|e| failed(&e))?;
    let mut dst = fr::images::Image::new(width, height, pixel_type);
    // Lanczos3 is the default; alpha is premultiplied while resizing, so edges stay clean.
    let options = fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Lanczos3));
    resizer.resize(&src, &mut dst, &options).map_err(|e| failed(&e))?;
    let raw = dst.into_vec();
    let pixels = match source {
        Pixels::Rgb(_) => RgbImage::from_raw(width, height, raw).map(Pixels::Rgb),
        Pixels::Rgba(_) => RgbaImage::from_raw(width, height, raw).map(Pixels::Rgba),
    };
    pixels.ok_or_else(|| failed(&"buffer size"))
}

#[derive(Clone, Copy)]
enum Encoding {
    /// Subsampling means 4:2:0. Compact files are progressive with optimised Huffman tables:
    /// a few percent smaller and shown early on slow connections, but the encoder then holds
    /// the whole picture's coefficients (36 MB for 12 megapixels) instead of streaming rows,
    /// so a full-size original is not made compact.
    Jpeg {
        quality: u8,
        subsample: bool,
        compact: bool,
    },
    Png,
    WebP(f32),
    WebPLossless,
}

struct Job<'a> {
    /// As stored in the upload, before orientation.
    pixels: &'a Pixels,
    orientation: Orientation,
    encoding: Encoding,
}

/// A job's output and the dimensions of the picture in it.
struct Encoded {
    bytes: Vec<u8>,
    width: u32,
    height: u32,
}

/// The re-encoding of a turned original, which owns the full-size pixels.
struct OwnedJob {
    pixels: Pixels,
    orientation: Orientation,
    encoding: Encoding,
}

/// Encodes the original (on a thread of its own) and every job (on up to [`MAX_THREADS`]
/// threads, the caller's among them, less one for the original); the jobs' results are in
/// their order.
fn encode_all(
    original: Option<OwnedJob>,
    jobs: &[Job<'_>],
    icc: Option<&[u8]>,
) -> Result<(Option<Encoded>, Vec<Encoded>), MediaError> {
    let cores = thread::available_parallelism().map_or(1, NonZero::get).clamp(1, MAX_THREADS);
    let threads = cores.saturating_sub(usize::from(original.is_some())).clamp(1, jobs.len().max(1));
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(job) = jobs.get(index) else { break };
            done.push((index, run(job, icc)));
        }
        done
    };
    let panicked = || MediaError::Encode("an encoder thread panicked".into());
    let (original, mut results) = thread::scope(|scope| {
        let original = original.map(|job| {
            scope.spawn(move || {
                // A JPEG encoder reads the stored pixels through a turned view: no copy.
                if let (Encoding::Jpeg { quality, subsample, .. }, Pixels::Rgb(stored)) =
                    (job.encoding, &job.pixels)
                {
                    let view = TurnedRgb::new(stored, job.orientation)?;
                    let (width, height) = (u32::from(view.shown.0), u32::from(view.shown.1));
                    let bytes = encode_jpeg(JpegSource::Turned(view), quality, subsample, false, icc)?;
                    return Ok(Encoded { bytes, width, height });
                }
                // Otherwise turned, then the stored pixels go before the encoder takes its share.
                let turned = job.pixels.oriented(job.orientation);
                drop(job.pixels);
                let bytes = encode(&turned, job.encoding, icc)?;
                Ok(Encoded { bytes, width: turned.width(), height: turned.height() })
            })
        });
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut results = work();
        for helper in helpers {
            match helper.join() {
                Ok(done) => results.extend(done),
                Err(_) => results.push((usize::MAX, Err(panicked()))),
            }
        }
        let original = original.map(|handle| handle.join().unwrap_or_else(|_| Err(panicked())));
        (original, results)
    });
    results.sort_by_key(|(index, _)| *index);
    let encoded = results.into_iter().map(|(_, result)| result).collect::<Result<Vec<_>, _>>()?;
    Ok((original.transpose()?, encoded))
}

/// Turns the job's pixels as the orientation says, then encodes them.
fn run(job: &Job<'_>, icc: Option<&[u8]>) -> Result<Encoded, MediaError> {
    let turned;
    let pixels = if job.orientation == Orientation::NoTransforms {
        job.pixels
    } else {
        turned = job.pixels.oriented(job.orientation);
        &turned
    };
    let bytes = encode(pixels, job.encoding, icc)?;
    Ok(Encoded { bytes, width: pixels.width(), height: pixels.height() })
}

fn encode(pixels: &Pixels, encoding: Encoding, icc: Option<&[u8]>) -> Result<Vec<u8>, MediaError> {
    let (width, height) = (pixels.width(), pixels.height());
    let failed =
        |what: &str, e: &dyn std::fmt::Debug| MediaError::Encode(format!("{what} {width} × {height}: {e:?}"));
    let mut out = Vec::new();
    match encoding {
        Encoding::Jpeg { quality, subsample, compact } => {
            let size = |side: u32| u16::try_from(side).map_err(|e| failed("JPEG", &e));
            let (width, height) = (size(width)?, size(height)?);
            let colour =
                if pixels.has_alpha() { jpeg_encoder::ColorType::Rgba } else { jpeg_encoder::ColorType::Rgb };
            let source = JpegSource::Raw { raw: pixels.raw(), width, height, colour };
            out = encode_jpeg(source, quality, subsample, compact, icc)?;
        }
        Encoding::Png => {
            let mut encoder = image::codecs::png::PngEncoder::new_with_quality(
                &mut out,
                image::codecs::png::CompressionType::Default,
                image::codecs::png::FilterType::Adaptive,
            );
            if let Some(icc) = icc {
                encoder.set_icc_profile(icc.to_vec()).map_err(|e| failed("PNG", &e))?;
            }
            let colour = if pixels.has_alpha() {
                image::ExtendedColorType::Rgba8
            } else {
                image::ExtendedColorType::Rgb8
            };
            encoder.write_image(pixels.raw(), width, height, colour).map_err(|e| failed("PNG", &e))?;
        }
        Encoding::WebP(_) | Encoding::WebPLossless => {
            let encoder = match pixels {
                Pixels::Rgb(_) => webp::Encoder::from_rgb(pixels.raw(), width, height),
                Pixels::Rgba(_) => webp::Encoder::from_rgba(pixels.raw(), width, height),
            };
            let mut config = webp::WebPConfig::new().map_err(|e| failed("WebP", &e))?;
            match encoding {
                Encoding::WebP(quality) => {
                    config.quality = quality;
                    // libwebp's effort (0-6, default 4). Above a megapixel, 2 is twice as fast
                    // as 4 for files about 3% bigger; below, the time is small either way.
                    config.method = if width as usize * height as usize > 1_000_000 { 2 } else { 4 };
                }
                _ => config.lossless = 1,
            }
            let memory = encoder.encode_advanced(&config).map_err(|e| failed("WebP", &e))?;
            out = match icc {
                Some(icc) => strip::webp_with_icc(&memory, icc, width, height)?,
                None => memory.to_vec(),
            };
        }
    }
    Ok(out)
}

/// What the JPEG encoder reads: plain pixels (its SIMD colour conversion applies), or a
/// turned view of them.
enum JpegSource<'a> {
    Raw { raw: &'a [u8], width: u16, height: u16, colour: jpeg_encoder::ColorType },
    Turned(TurnedRgb<'a>),
}

fn encode_jpeg(
    source: JpegSource<'_>,
    quality: u8,
    subsample: bool,
    compact: bool,
    icc: Option<&[u8]>,
) -> Result<Vec<u8>, MediaError> {
    let (width, height) = match &source {
        JpegSource::Raw { width, height, .. } => (*width, *height),
        JpegSource::Turned(view) => view.shown,
    };
    let failed = |e: jpeg_encoder::EncodingError| MediaError::Encode(format!("JPEG {width} × {height}: {e}"));
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    encoder.set_sampling_factor(if subsample {
        jpeg_encoder::SamplingFactor::F_2_2
    } else {
        jpeg_encoder::SamplingFactor::F_1_1
    });
    encoder.set_progressive(compact);
    encoder.set_optimized_huffman_tables(compact);
    if let Some(icc) = icc {
        encoder.add_icc_profile(icc).map_err(failed)?;
    }
    match source {
        JpegSource::Raw { raw, width, height, colour } => encoder.encode(raw, width, height, colour),
        JpegSource::Turned(view) => encoder.encode_image(view),
    }
    .map_err(failed)?;
    Ok(out)
}

/// Stored RGB pixels read as the EXIF orientation shows them, row by row, for the JPEG
/// encoder: a turned full-size original costs no second copy of the picture.
struct TurnedRgb<'a> {
    stored: &'a RgbImage,
    orientation: Orientation,
    /// Width and height as shown.
    shown: (u16, u16),
}

impl<'a> TurnedRgb<'a> {
    fn new(stored: &'a RgbImage, orientation: Orientation) -> Result<Self, MediaError> {
        let (w, h) = stored.dimensions();
        let (shown_w, shown_h) = match orientation {
            Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH => (h, w),
            _ => (w, h),
        };
        let side =
            |s: u32| u16::try_from(s).map_err(|_| MediaError::Encode(format!("JPEG side of {s} pixels")));
        Ok(Self { stored, orientation, shown: (side(shown_w)?, side(shown_h)?) })
    }

    /// The stored coordinates of the shown pixel (x, y), as `image`'s rotations and flips
    /// place them.
    fn source(&self, x: u32, y: u32) -> (u32, u32) {
        let (w, h) = self.stored.dimensions();
        match self.orientation {
            Orientation::NoTransforms => (x, y),
            Orientation::FlipHorizontal => (w - 1 - x, y),
            Orientation::FlipVertical => (x, h - 1 - y),
            Orientation::Rotate180 => (w - 1 - x, h - 1 - y),
            Orientation::Rotate90 => (y, h - 1 - x),
            Orientation::Rotate270 => (w - 1 - y, x),
            Orientation::Rotate90FlipH => (y, x),
            Orientation::Rotate270FlipH => (w - 1 - y, h - 1 - x),
        }
    }
}

impl jpeg_encoder::ImageBuffer for TurnedRgb<'_> {
    fn get_jpeg_color_type(&self) -> jpeg_encoder::JpegColorType {
        jpeg_encoder::JpegColorType::Ycbcr
    }

    fn width(&self) -> u16 {
        self.shown.0
    }

    fn height(&self) -> u16 {
        self.shown.1
    }

    fn fill_buffers(&self, y: u16, buffers: &mut [Vec<u8>; 4]) {
        for x in 0..u32::from(self.shown.0) {
            let (sx, sy) = self.source(x, u32::from(y));
            let [r, g, b] = self.stored.get_pixel(sx, sy).0;
            let (luma, cb, cr) = jpeg_encoder::rgb_to_ycbcr(r, g, b);
            buffers[0].push(luma);
            buffers[1].push(cb);
            buffers[2].push(cr);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The turned view agrees with `image`'s own rotations for all eight orientations.
    #[test]
    fn turned_view_matches_image_rotations() {
        let stored = RgbImage::from_fn(5, 3, |x, y| image::Rgb([x as u8, y as u8, 0]));
        for exif in 1..=8 {
            let orientation = Orientation::from_exif(exif).unwrap();
            let view = TurnedRgb::new(&stored, orientation).unwrap();
            let Pixels::Rgb(expected) = Pixels::Rgb(stored.clone()).oriented(orientation) else {
                unreachable!()
            };
            assert_eq!((u32::from(view.shown.0), u32::from(view.shown.1)), expected.dimensions(), "{exif}");
            for (x, y, pixel) in expected.enumerate_pixels() {
                let (sx, sy) = view.source(x, y);
                assert_eq!(stored.get_pixel(sx, sy), pixel, "orientation {exif} at ({x}, {y})");
            }
        }
    }
}
