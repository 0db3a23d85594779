//! Metadata removal by rewriting a file's container, without touching its compressed pixels.
//!
//! An upload whose pixels need no rotation is kept as it came, less everything that is not
//! picture: this module walks the JPEG segments, PNG chunks, GIF blocks or WebP (RIFF) chunks
//! and copies only those needed to show the image. Colour profiles (ICC) are kept, because
//! without them wide-gamut photos look dull, and so is animation; EXIF (with GPS and camera
//! serial numbers), XMP, IPTC, comments, thumbnails and anything after the end of the image
//! (phones append videos and depth maps there) are dropped. The walk also notices a file that
//! is cut short, which lenient decoders would otherwise fill with grey.
//!
//! `process` decodes the stripped bytes, so what is stored is exactly what was checked.

use crate::MediaError;

/// `bytes` of the given format without metadata.
pub(crate) fn strip(format: crate::ImageFormat, bytes: &[u8]) -> Result<Vec<u8>, MediaError> {
    use crate::ImageFormat::*;
    match format {
        Jpeg => strip_jpeg(bytes),
        Png => strip_png(bytes),
        Gif => strip_gif(bytes),
        WebP => strip_webp(bytes),
        Avif => Err(MediaError::Unsupported("AVIF")),
    }
}

fn corrupt(message: &str) -> MediaError {
    MediaError::Corrupt(message.to_owned())
}

fn be16(bytes: &[u8], at: usize) -> Option<usize> {
    bytes.get(at..at + 2).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
}

fn be32(bytes: &[u8], at: usize) -> Option<usize> {
    bytes.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
}

fn le32(bytes: &[u8], at: usize) -> Option<usize> {
    bytes.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
}

// ---------------------------------------------------------------------------------------- JPEG

const JPEG_CUT: &str = "the JPEG file ends before its end-of-image marker";

/// Keeps SOI, tables, frame and scan headers, entropy-coded data and EOI; of the application
/// segments only the ICC profile (APP2 `ICC_PROFILE`) and Adobe's colour transform (APP14,
/// which decoders need to read the colours right). Drops APP0/JFIF, APP1 (EXIF, XMP), APP13
/// (IPTC), other APPn, comments and whatever follows EOI.
fn strip_jpeg(bytes: &[u8]) -> Result<Vec<u8>, MediaError> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut pos = 2;
    loop {
        // A marker: 0xFF, optional 0xFF fill bytes, then the marker code.
        if bytes.get(pos) != Some(&0xFF) {
            return Err(if pos >= bytes.len() {
                corrupt(JPEG_CUT)
            } else {
                corrupt("a JPEG marker is missing")
            });
        }
        while bytes.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let Some(&marker) = bytes.get(pos) else { return Err(corrupt(JPEG_CUT)) };
        pos += 1;
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Ok(out);
            }
            // Markers without a length: restart markers (only legal inside scans) and TEM.
            0xD0..=0xD7 | 0x01 => out.extend_from_slice(&[0xFF, marker]),
            0x00 | 0xD8 => return Err(corrupt("the JPEG data has a misplaced marker")),
            _ => {
                let len = be16(bytes, pos).ok_or_else(|| corrupt(JPEG_CUT))?;
                let segment = bytes.get(pos..pos + len).filter(|_| len >= 2).ok_or_else(|| {
                    if pos + len > bytes.len() {
                        corrupt(JPEG_CUT)
                    } else {
                        corrupt("a JPEG segment has a bad length")
                    }
                })?;
                pos += len;
                let payload = &segment[2..];
                let keep = match marker {
                    0xE2 => payload.starts_with(b"ICC_PROFILE\0"),
                    0xEE => payload.starts_with(b"Adobe"),
                    0xE0..=0xEF | 0xFE => false,
                    _ => true,
                };
                if keep {
                    out.extend_from_slice(&[0xFF, marker]);
                    out.extend_from_slice(segment);
                }
                if marker == 0xDA {
                    // Start of scan: entropy-coded data follows up to the next marker that is
                    // neither a stuffed 0xFF00 nor a restart marker.
                    let end = entropy_end(bytes, pos).ok_or_else(|| corrupt(JPEG_CUT))?;
                    out.extend_from_slice(&bytes[pos..end]);
                    pos = end;
                }
            }
        }
    }
}

/// Where the entropy-coded data starting at `start` ends: the index of the first 0xFF of the
/// next real marker (fill bytes included), or None when the file ends first.
fn entropy_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    loop {
        i += bytes.get(i..)?.iter().position(|&b| b == 0xFF)?;
        let mut code = i + 1;
        while bytes.get(code) == Some(&0xFF) {
            code += 1;
        }
        match *bytes.get(code)? {
            // A stuffed 0xFF data byte, or a restart marker: the scan goes on.
            0x00 | 0xD0..=0xD7 => i = code + 1,
            _ => return Some(i),
        }
    }
}

/// Whether a JPEG stores its colour at lower resolution than its brightness (4:2:0, 4:2:2),
/// as cameras do: a re-encoded original then does the same instead of inflating the file with
/// chroma detail that was never there.
pub(crate) fn jpeg_is_subsampled(bytes: &[u8]) -> bool {
    let mut pos = 2;
    while bytes.get(pos) == Some(&0xFF) {
        let Some(&marker) = bytes.get(pos + 1) else { return false };
        if marker == 0xFF {
            pos += 1;
            continue;
        }
        let Some(len) = be16(bytes, pos + 2) else { return false };
        if matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF) {
            // Precision, height, width, component count, then (id, sampling, table) each;
            // the first component is luma.
            let components = bytes.get(pos + 9).copied().unwrap_or(0);
            let luma_sampling = bytes.get(pos + 11).copied().unwrap_or(0x11);
            return components >= 3 && luma_sampling != 0x11;
        }
        if marker == 0xDA {
            return false;
        }
        pos += 2 + len;
    }
    false
}

// ----------------------------------------------------------------------------------------- PNG

const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";
const PNG_CUT: &str = "the PNG file ends before its IEND chunk";

/// Chunks needed to show the image as its author meant: structure, transparency, colour
/// space and animation. Everything else (text, EXIF, times, physical size, vendor chunks) goes.
const PNG_KEEP: [&[u8; 4]; 16] = [
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"cICP",
    b"mDCV", b"cLLI", b"acTL", b"fcTL", b"fdAT",
];

fn strip_png(bytes: &[u8]) -> Result<Vec<u8>, MediaError> {
    if !bytes.starts_with(PNG_SIGNATURE) {
        return Err(corrupt("the PNG signature is damaged"));
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(PNG_SIGNATURE);
    let mut pos = PNG_SIGNATURE.len();
    loop {
        let len = be32(bytes, pos).ok_or_else(|| corrupt(PNG_CUT))?;
        if len > i32::MAX as usize {
            return Err(corrupt("a PNG chunk has an impossible length"));
        }
        let chunk = bytes.get(pos..pos + 12 + len).ok_or_else(|| corrupt(PNG_CUT))?;
        let kind = &chunk[4..8];
        if pos == PNG_SIGNATURE.len() && kind != b"IHDR" {
            return Err(corrupt("the PNG does not start with its IHDR chunk"));
        }
        pos += chunk.len();
        if PNG_KEEP.iter().any(|k| k.as_slice() == kind) {
            let crc = be32(chunk, 8 + len).unwrap_or_default() as u32;
            if crc32fast::hash(&chunk[4..8 + len]) != crc {
                let name = String::from_utf8_lossy(kind);
                return Err(MediaError::Corrupt(format!("the PNG chunk {name} fails its checksum")));
            }
            out.extend_from_slice(chunk);
        }
        if kind == b"IEND" {
            return Ok(out);
        }
    }
}

// ----------------------------------------------------------------------------------------- GIF

const GIF_CUT: &str = "the GIF file ends in the middle of a block";

/// Keeps the header, colour tables, images, graphic control (frame timing and transparency)
/// and the looping extension; drops comments and other application extensions (XMP, ICC and
/// editors' private data). A GIF that simply lacks its final trailer byte, as many do, gets one.
fn strip_gif(bytes: &[u8]) -> Result<Vec<u8>, MediaError> {
    // Header (6) and logical screen descriptor (7), then the global colour table.
    let flags = *bytes.get(10).ok_or_else(|| corrupt(GIF_CUT))?;
    let mut pos = 13 + colour_table_len(flags);
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(bytes.get(..pos).ok_or_else(|| corrupt(GIF_CUT))?);
    loop {
        match bytes.get(pos) {
            None => {
                out.push(0x3B);
                return Ok(out);
            }
            Some(0x3B) => {
                out.push(0x3B);
                return Ok(out);
            }
            Some(0x21) => {
                let label = *bytes.get(pos + 1).ok_or_else(|| corrupt(GIF_CUT))?;
                let end = sub_blocks_end(bytes, pos + 2)?;
                let block = &bytes[pos..end];
                let keep = match label {
                    0xF9 | 0x01 => true,
                    0xFF => {
                        let id = block.get(3..14);
                        id == Some(b"NETSCAPE2.0") || id == Some(b"ANIMEXTS1.0")
                    }
                    _ => false,
                };
                if keep {
                    out.extend_from_slice(block);
                }
                pos = end;
            }
            Some(0x2C) => {
                // Image descriptor (10 with its introducer), local colour table, LZW code
                // size, then the data sub-blocks.
                let flags = *bytes.get(pos + 9).ok_or_else(|| corrupt(GIF_CUT))?;
                let data = pos + 10 + colour_table_len(flags) + 1;
                let end = sub_blocks_end(bytes, data)?;
                out.extend_from_slice(&bytes[pos..end]);
                pos = end;
            }
            Some(_) => return Err(corrupt("the GIF data has an unknown block")),
        }
    }
}

/// Bytes of the colour table a descriptor's packed flags announce (none without bit 7).
fn colour_table_len(flags: u8) -> usize {
    if flags & 0x80 == 0 { 0 } else { 3 << ((flags & 0x07) + 1) }
}

/// The end of a run of GIF data sub-blocks starting at `pos` (after the zero terminator).
fn sub_blocks_end(bytes: &[u8], mut pos: usize) -> Result<usize, MediaError> {
    loop {
        let size = usize::from(*bytes.get(pos).ok_or_else(|| corrupt(GIF_CUT))?);
        pos += 1 + size;
        if size == 0 {
            return Ok(pos);
        }
        if pos > bytes.len() {
            return Err(corrupt(GIF_CUT));
        }
    }
}

// ---------------------------------------------------------------------------------------- WebP

const WEBP_CUT: &str = "the WebP file is shorter than its header says";

/// VP8X flags: ICC profile, alpha, EXIF, XMP, animation.
const VP8X_ICC: u8 = 0x20;
const VP8X_ALPHA: u8 = 0x10;
const VP8X_EXIF: u8 = 0x08;
const VP8X_XMP: u8 = 0x04;

/// A RIFF chunk: its four-character code and its payload.
type Chunk<'a> = ([u8; 4], &'a [u8]);

/// The chunks of a WebP file; an odd payload is followed by a pad byte.
fn riff_chunks(bytes: &[u8]) -> Result<Vec<Chunk<'_>>, MediaError> {
    let riff_len = le32(bytes, 4).ok_or_else(|| corrupt(WEBP_CUT))?;
    let body = bytes.get(12..8 + riff_len).filter(|_| riff_len >= 4).ok_or_else(|| corrupt(WEBP_CUT))?;
    let mut chunks = Vec::new();
    let mut pos = 0;
    while pos < body.len() {
        let len = le32(body, pos + 4).ok_or_else(|| corrupt(WEBP_CUT))?;
        let payload = body.get(pos + 8..pos + 8 + len).ok_or_else(|| corrupt(WEBP_CUT))?;
        let mut fourcc = [0; 4];
        fourcc.copy_from_slice(&body[pos..pos + 4]);
        chunks.push((fourcc, payload));
        pos += 8 + len + (len & 1);
    }
    Ok(chunks)
}

fn write_riff(chunks: &[Chunk<'_>]) -> Vec<u8> {
    let body: usize = chunks.iter().map(|(_, p)| 8 + p.len() + (p.len() & 1)).sum();
    let mut out = Vec::with_capacity(12 + body);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&((4 + body) as u32).to_le_bytes());
    out.extend_from_slice(b"WEBP");
    for (fourcc, payload) in chunks {
        out.extend_from_slice(fourcc);
        out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        out.extend_from_slice(payload);
        if payload.len() & 1 == 1 {
            out.push(0);
        }
    }
    out
}

/// Keeps image data, alpha, animation and the ICC profile; drops EXIF, XMP and unknown chunks
/// and clears their flags in the VP8X header.
fn strip_webp(bytes: &[u8]) -> Result<Vec<u8>, MediaError> {
    let chunks = riff_chunks(bytes)?;
    let mut vp8x = None;
    let mut kept = Vec::with_capacity(chunks.len());
    for (fourcc, payload) in chunks {
        match &fourcc {
            b"VP8X" => {
                let mut header = payload.to_vec();
                if let Some(flags) = header.first_mut() {
                    *flags &= !(VP8X_EXIF | VP8X_XMP);
                }
                vp8x = Some(header);
            }
            b"ICCP" | b"ANIM" | b"ANMF" | b"ALPH" | b"VP8 " | b"VP8L" => kept.push((fourcc, payload)),
            _ => {}
        }
    }
    if !kept.iter().any(|(f, _)| matches!(f, b"VP8 " | b"VP8L" | b"ANMF")) {
        return Err(corrupt("the WebP file holds no image data"));
    }
    if let Some(header) = &vp8x {
        kept.insert(0, (*b"VP8X", header.as_slice()));
    }
    Ok(write_riff(&kept))
}

/// Whether a WebP file is losslessly compressed, to re-encode it the same way.
pub(crate) fn webp_is_lossless(bytes: &[u8]) -> bool {
    riff_chunks(bytes).is_ok_and(|chunks| chunks.iter().any(|(f, _)| f == b"VP8L"))
}

/// `webp` (a still image as libwebp writes it) with `icc` embedded: the extended format's
/// VP8X header is added or updated and an ICCP chunk put right after it, as the format requires.
pub(crate) fn webp_with_icc(webp: &[u8], icc: &[u8], width: u32, height: u32) -> Result<Vec<u8>, MediaError> {
    let mut chunks = riff_chunks(webp)?;
    let mut header = match chunks.first() {
        Some(([b'V', b'P', b'8', b'X'], payload)) => {
            let header = payload.to_vec();
            chunks.remove(0);
            header
        }
        _ => {
            let mut header = vec![0; 10];
            header[4..7].copy_from_slice(&(width - 1).to_le_bytes()[..3]);
            header[7..10].copy_from_slice(&(height - 1).to_le_bytes()[..3]);
            header
        }
    };
    let alpha = chunks.iter().any(|(f, _)| f == b"ALPH");
    if let Some(flags) = header.first_mut() {
        *flags |= VP8X_ICC | if alpha { VP8X_ALPHA } else { 0 };
    }
    chunks.retain(|(f, _)| f != b"ICCP");
    chunks.insert(0, (*b"ICCP", icc));
    chunks.insert(0, (*b"VP8X", header.as_slice()));
    Ok(write_riff(&chunks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_segments_are_filtered_and_trailing_data_dropped() {
        let mut jpeg = vec![0xFF, 0xD8];
        jpeg.extend_from_slice(&[0xFF, 0xE1, 0, 8, b'E', b'x', b'i', b'f', 0, 0]);
        jpeg.extend_from_slice(&[0xFF, 0xFE, 0, 4, b'h', b'i']);
        jpeg.extend_from_slice(&[0xFF, 0xDB, 0, 3, 7]);
        jpeg.extend_from_slice(&[0xFF, 0xDA, 0, 3, 1, 0x12, 0xFF, 0x00, 0xFF, 0xD0, 0x34]);
        jpeg.extend_from_slice(&[0xFF, 0xFF, 0xD9, b'v', b'i', b'd']);
        let out = strip_jpeg(&jpeg).unwrap();
        assert_eq!(
            out,
            [
                0xFF, 0xD8, 0xFF, 0xDB, 0, 3, 7, 0xFF, 0xDA, 0, 3, 1, 0x12, 0xFF, 0x00, 0xFF, 0xD0, 0x34,
                0xFF, 0xD9
            ]
        );
        assert!(matches!(strip_jpeg(&jpeg[..14]), Err(MediaError::Corrupt(_))));
        assert!(matches!(strip_jpeg(&jpeg[..jpeg.len() - 4]), Err(MediaError::Corrupt(_))));
    }

    #[test]
    fn gif_comments_and_xmp_go_but_looping_stays() {
        let mut gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00".to_vec();
        gif.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
        gif.extend_from_slice(b"\x21\xFF\x0bNETSCAPE2.0\x03\x01\x00\x00\x00");
        gif.extend_from_slice(b"\x21\xFE\x05hello\x00");
        gif.extend_from_slice(b"\x21\xFF\x0bXMP DataXMP\x02<x\x00");
        gif.extend_from_slice(b"\x2C\0\0\0\0\x01\0\x01\0\0\x02\x02\x44\x01\x00");
        let out = strip_gif(&gif).unwrap();
        assert!(out.windows(11).any(|w| w == b"NETSCAPE2.0"));
        assert!(!out.windows(5).any(|w| w == b"hello"));
        assert!(!out.windows(3).any(|w| w == b"XMP"));
        assert_eq!(out.last(), Some(&0x3B), "a missing trailer is added");
        assert!(strip_gif(&gif[..gif.len() - 3]).is_err());
    }

    #[test]
    fn webp_exif_goes_and_flags_follow() {
        let file = write_riff(&[
            (*b"VP8X", &[VP8X_EXIF | VP8X_XMP, 0, 0, 0, 0, 0, 0, 0, 0, 0][..]),
            (*b"VP8L", &[1, 2, 3][..]),
            (*b"EXIF", &b"MM\0*GPS"[..]),
            (*b"XMP ", &b"<x/>"[..]),
        ]);
        let out = strip_webp(&file).unwrap();
        assert_eq!(out, write_riff(&[(*b"VP8X", &[0; 10][..]), (*b"VP8L", &[1, 2, 3][..])]));
        assert!(webp_is_lossless(&out));
        assert!(strip_webp(&file[..file.len() - 2]).is_err());
    }
}
