//! Pictures made on the spot: plain images in each format, and the containers around them
//! (EXIF segments, PNG chunks, RIFF chunks) built by hand to carry metadata or lies.

use std::io::Cursor;

use image::{DynamicImage, Rgb, RgbImage, Rgba, RgbaImage};

/// A smooth picture whose left half is reddish and right half bluish, so a turn is visible.
pub fn picture(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let shade = (y * 100 / height.max(1)) as u8;
        if x < width / 2 { Rgb([200 + shade / 2, 40, 40]) } else { Rgb([40, 40, 200 + shade / 2]) }
    })
}

/// Like [`picture`] with a transparent top-left quarter.
pub fn picture_rgba(width: u32, height: u32) -> RgbaImage {
    let rgb = picture(width, height);
    RgbaImage::from_fn(width, height, |x, y| {
        let [r, g, b] = rgb.get_pixel(x, y).0;
        let alpha = if x < width / 2 && y < height / 2 { 0 } else { 255 };
        Rgba([r, g, b, alpha])
    })
}

pub fn encode(image: DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    image.write_to(&mut Cursor::new(&mut out), format).unwrap();
    out
}

pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
    picture(width, height).write_with_encoder(encoder).unwrap();
    out
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    encode(picture(width, height).into(), image::ImageFormat::Png)
}

/// A lossy WebP, as cameras and browsers make them.
pub fn webp(width: u32, height: u32) -> Vec<u8> {
    let pixels = picture(width, height);
    webp::Encoder::from_rgb(pixels.as_raw(), width, height).encode(80.0).to_vec()
}

/// A GIF of two frames (the second all blue), looping forever, with a comment.
pub fn animated_gif(width: u32, height: u32) -> Vec<u8> {
    use image::codecs::gif::{GifEncoder, Repeat};
    let mut out = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut out);
        encoder.set_repeat(Repeat::Infinite).unwrap();
        let first = DynamicImage::from(picture(width, height)).into_rgba8();
        let second = RgbaImage::from_pixel(width, height, Rgba([0, 0, 255, 255]));
        encoder.encode_frame(image::Frame::new(first)).unwrap();
        encoder.encode_frame(image::Frame::new(second)).unwrap();
    }
    // A comment extension right after the colour table / before the first block.
    let comment = b"\x21\xFE\x0dGIF-COMMENT-X\x00";
    let at = gif_first_block(&out);
    out.splice(at..at, comment.iter().copied());
    out
}

/// Offset of the first block after a GIF's header and global colour table.
fn gif_first_block(gif: &[u8]) -> usize {
    let flags = gif[10];
    13 + if flags & 0x80 != 0 { 3 << ((flags & 7) + 1) } else { 0 }
}

/// Number of frames of a GIF, by `image`'s decoder.
pub fn gif_frames(gif: &[u8]) -> usize {
    use image::AnimationDecoder;
    let decoder = image::codecs::gif::GifDecoder::new(Cursor::new(gif)).unwrap();
    decoder.into_frames().count()
}

/// Marks that must never come out of `process`.
pub const GPS_SECRET: &[u8] = b"SECRET-GPS-33.6844N";
pub const XMP_SECRET: &[u8] = b"SECRET-XMP-Creator";
pub const COMMENT_SECRET: &[u8] = b"SECRET-COMMENT";

/// A big-endian EXIF (TIFF) block: IFD0 with Orientation and a GPS IFD pointer; the GPS IFD
/// with a latitude reference and a map datum holding [`GPS_SECRET`].
pub fn exif_tiff(orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    // IFD0 at 8: 2 entries (2 + 24 bytes) and the next-IFD offset (4) -> GPS IFD at 38.
    let gps_ifd = 8 + 2 + 2 * 12 + 4;
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]);
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1]);
    tiff.extend_from_slice(&(gps_ifd as u32).to_be_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    // GPS IFD: 2 entries, then the datum string after it.
    let datum_at = gps_ifd + 2 + 2 * 12 + 4;
    let datum_len = GPS_SECRET.len() + 1;
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&[0x00, 0x01, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&[0x00, 0x12, 0, 2]);
    tiff.extend_from_slice(&(datum_len as u32).to_be_bytes());
    tiff.extend_from_slice(&(datum_at as u32).to_be_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(GPS_SECRET);
    tiff.push(0);
    tiff
}

fn jpeg_segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut segment = vec![0xFF, marker];
    segment.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    segment.extend_from_slice(payload);
    segment
}

/// `jpeg` with, right after SOI: an APP1 Exif segment (orientation and GPS), an APP1 XMP
/// packet and a comment, each carrying a secret.
pub fn with_metadata(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend_from_slice(&exif_tiff(orientation));
    let mut xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><dc:creator>".to_vec();
    xmp.extend_from_slice(XMP_SECRET);
    xmp.extend_from_slice(b"</dc:creator></x:xmpmeta>");
    let mut out = jpeg[..2].to_vec();
    out.extend(jpeg_segment(0xE1, &exif));
    out.extend(jpeg_segment(0xE1, &xmp));
    out.extend(jpeg_segment(0xFE, COMMENT_SECRET));
    out.extend_from_slice(&jpeg[2..]);
    out
}

pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(kind);
    chunk.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    chunk.extend_from_slice(&crc.finalize().to_be_bytes());
    chunk
}

/// A PNG whose header claims `width` × `height` but holds almost no data: a decompression
/// bomb as far as any decoder that trusts the header is concerned.
pub fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(png_chunk(b"IHDR", &ihdr));
    // A zlib stream of a few zero bytes.
    png.extend(png_chunk(b"IDAT", &[0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]));
    png.extend(png_chunk(b"IEND", &[]));
    png
}

/// `png` with text, EXIF (orientation `orientation`, GPS) and time chunks before its IDAT.
pub fn png_with_metadata(png: &[u8], orientation: u16) -> Vec<u8> {
    let ihdr_end = 8 + 12 + 13;
    let mut text = b"Comment\0".to_vec();
    text.extend_from_slice(COMMENT_SECRET);
    let mut xmp = b"XML:com.adobe.xmp\0\0\0\0\0".to_vec();
    xmp.extend_from_slice(XMP_SECRET);
    let mut out = png[..ihdr_end].to_vec();
    out.extend(png_chunk(b"tEXt", &text));
    out.extend(png_chunk(b"iTXt", &xmp));
    out.extend(png_chunk(b"eXIf", &exif_tiff(orientation)));
    out.extend(png_chunk(b"tIME", &[7, 233, 1, 2, 3, 4, 5]));
    out.extend_from_slice(&png[ihdr_end..]);
    out
}

pub fn riff(chunks: &[(&[u8; 4], &[u8])]) -> Vec<u8> {
    let mut body = b"WEBP".to_vec();
    for (kind, data) in chunks {
        body.extend_from_slice(*kind);
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(data);
        if data.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

/// A simple (VP8-only) WebP rewrapped in the extended format with EXIF (with `orientation`
/// and GPS) and XMP chunks, flags set.
pub fn webp_with_metadata(simple: &[u8], width: u32, height: u32, orientation: u16) -> Vec<u8> {
    assert_eq!(&simple[12..16], b"VP8 ", "libwebp wrote a simple lossy file");
    let vp8 = &simple[20..20 + u32::from_le_bytes(simple[16..20].try_into().unwrap()) as usize];
    let mut vp8x = vec![0x08 | 0x04, 0, 0, 0];
    vp8x.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
    vp8x.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
    let mut xmp = b"<x:xmpmeta>".to_vec();
    xmp.extend_from_slice(XMP_SECRET);
    riff(&[(b"VP8X", &vp8x), (b"VP8 ", vp8), (b"EXIF", &exif_tiff(orientation)), (b"XMP ", &xmp)])
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Asserts that none of the secrets, nor an EXIF or XMP block, survived.
pub fn assert_clean(bytes: &[u8]) {
    for secret in
        [GPS_SECRET, XMP_SECRET, COMMENT_SECRET, b"Exif\0", b"eXIf", b"EXIF", b"ns.adobe.com/xap", b"tEXt"]
    {
        assert!(!contains(bytes, secret), "{:?} is still in the output", String::from_utf8_lossy(secret));
    }
}

/// Decodes any output of `process` with `image`.
pub fn decode(bytes: &[u8]) -> DynamicImage {
    image::load_from_memory(bytes).unwrap()
}
