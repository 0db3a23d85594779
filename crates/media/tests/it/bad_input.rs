//! Uploads that must be refused, each with a message an editor can act on.

use std::time::Instant;

use dateline_media::{Limits, MediaError, process};

use crate::support::*;

fn refusal(bytes: &[u8]) -> MediaError {
    let error = process(bytes, &Limits::default()).unwrap_err();
    assert!(error.is_bad_input(), "{error:?} is the upload's fault");
    error
}

#[test]
fn text_and_random_bytes_are_not_images() {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let random: Vec<u8> = (0..4096)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect();
    for bytes in [&b"Dear editor, please find the photo attached."[..], &random, b"", b"\xFF"] {
        let error = refusal(bytes);
        assert!(matches!(error, MediaError::NotAnImage), "{error:?}");
        assert_eq!(error.to_string(), "the file is not a JPEG, PNG, WebP, GIF or AVIF image");
    }
}

#[test]
fn a_decompression_bomb_is_refused_from_its_header() {
    let bomb = png_claiming(60_000, 60_000);
    assert!(bomb.len() < 100, "a tiny file");
    let started = Instant::now();
    let error = refusal(&bomb);
    assert!(started.elapsed().as_millis() < 500, "refused before decoding");
    assert!(matches!(error, MediaError::TooManyPixels { width: 60_000, height: 60_000, .. }), "{error:?}");
    assert_eq!(error.to_string(), "the image is 60000 × 60000 pixels; at most 50 megapixels are accepted");
}

#[test]
fn a_side_beyond_the_limit_is_refused() {
    let error = refusal(&png_claiming(20_000, 10));
    assert_eq!(
        error.to_string(),
        "the image is 20000 × 10 pixels; at most 16384 pixels per side are accepted"
    );
}

#[test]
fn a_bomb_within_the_limits_but_without_data_is_corrupt_not_grey() {
    // 2000 × 2000 passes the limits; its IDAT holds a few bytes instead of 12 MB.
    let error = refusal(&png_claiming(2000, 2000));
    assert!(matches!(error, MediaError::Corrupt(_)), "{error:?}");
}

#[test]
fn truncated_files_are_refused_in_every_format() {
    for (name, whole) in [
        ("JPEG", jpeg(400, 300)),
        ("PNG", png(400, 300)),
        ("WebP", webp(400, 300)),
        ("GIF", animated_gif(40, 30)),
    ] {
        for cut in [whole.len() / 2, whole.len() - 3] {
            let error = refusal(&whole[..cut]);
            assert!(matches!(error, MediaError::Corrupt(_)), "{name} cut at {cut}: {error:?}");
            assert!(
                error.to_string().starts_with("the image data is cut short or damaged: "),
                "{name}: {error}"
            );
        }
    }
}

#[test]
fn a_png_with_a_damaged_chunk_is_refused() {
    let mut damaged = png(100, 80);
    let idat = damaged.windows(4).position(|w| w == b"IDAT").unwrap();
    damaged[idat + 10] ^= 0x55;
    let error = refusal(&damaged);
    assert_eq!(
        error.to_string(),
        "the image data is cut short or damaged: the PNG chunk IDAT fails its checksum"
    );
}

#[test]
fn an_oversized_upload_is_refused_before_anything_else() {
    let mut big = jpeg(64, 64);
    big.resize(52_000_000, 0);
    let error = refusal(&big);
    assert!(matches!(error, MediaError::TooLarge { bytes: 52_000_000, max: 40_000_000 }), "{error:?}");
    assert_eq!(error.to_string(), "the file is 52 MB; at most 40 MB are accepted");

    let small_limit = Limits { max_bytes: 1000, ..Limits::default() };
    let error = process(&jpeg(200, 200), &small_limit).unwrap_err();
    assert!(error.to_string().ends_with("at most 1 KB are accepted"), "{error}");
}

#[test]
fn custom_pixel_limits_apply() {
    let limits = Limits { max_pixels: 1_000_000, ..Limits::default() };
    let error = process(&png(1200, 1000), &limits).unwrap_err();
    assert_eq!(error.to_string(), "the image is 1200 × 1000 pixels; at most 1 megapixel is accepted");
    assert!(process(&png(1000, 1000), &limits).is_ok());
}

#[test]
fn avif_and_heic_are_recognised_and_refused_plainly() {
    let mut avif = 28u32.to_be_bytes().to_vec();
    avif.extend_from_slice(b"ftypavif\0\0\0\0avifmif1miaf");
    avif.extend_from_slice(&[0; 64]);
    let error = refusal(&avif);
    assert!(matches!(error, MediaError::Unsupported("AVIF")), "{error:?}");
    assert_eq!(
        error.to_string(),
        "AVIF images cannot be read by this server yet; please upload a JPEG, PNG, WebP or GIF image"
    );
    assert_eq!(dateline_media::sniff(&avif), Some(dateline_media::ImageFormat::Avif));

    let mut heic = 24u32.to_be_bytes().to_vec();
    heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    assert!(matches!(refusal(&heic), MediaError::Unsupported("HEIC")));
}

#[test]
fn storage_errors_are_not_the_editors_fault() {
    assert!(!MediaError::Storage("disk full".into()).is_bad_input());
    assert!(!MediaError::Encode("bug".into()).is_bad_input());
}
