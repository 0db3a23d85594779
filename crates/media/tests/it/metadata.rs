//! Orientation applied to the pixels, and nothing but pixels (and colour profiles) kept.

use dateline_media::{ImageFormat, Limits, process};
use image::GenericImageView;

use crate::support::*;

fn is_red(pixel: image::Rgba<u8>) -> bool {
    pixel[0] > 150 && pixel[2] < 100
}

fn is_blue(pixel: image::Rgba<u8>) -> bool {
    pixel[2] > 150 && pixel[0] < 100
}

#[test]
fn exif_orientation_turns_the_pixels_and_all_metadata_goes() {
    // 64 × 32, red left and blue right; orientation 6 means "turn 90° clockwise to show".
    let upload = with_metadata(&jpeg(64, 32), 6);
    assert!(contains(&upload, GPS_SECRET) && contains(&upload, b"Exif\0"), "the fixture carries it");

    let processed = process(&upload, &Limits::default()).unwrap();
    assert_eq!((processed.width, processed.height), (32, 64), "dimensions swapped");
    assert_eq!(processed.format, ImageFormat::Jpeg);
    assert_clean(&processed.original);

    let shown = decode(&processed.original);
    assert_eq!(shown.dimensions(), (32, 64));
    // Turned clockwise, the left (red) half is now on top.
    assert!(is_red(shown.get_pixel(16, 8)), "{:?}", shown.get_pixel(16, 8));
    assert!(is_blue(shown.get_pixel(16, 56)), "{:?}", shown.get_pixel(16, 56));
}

#[test]
fn variants_of_a_turned_photo_are_turned_too() {
    let upload = with_metadata(&jpeg(1400, 700), 6);
    let processed = process(&upload, &Limits::default()).unwrap();
    assert_eq!((processed.width, processed.height), (700, 1400));
    let widths: Vec<(u32, u32)> = processed.variants.iter().map(|v| (v.width, v.height)).collect();
    assert_eq!(widths, [(320, 640), (320, 640), (640, 1280), (640, 1280)]);
    for variant in &processed.variants {
        assert_clean(&variant.bytes);
        let shown = decode(&variant.bytes);
        assert_eq!(shown.dimensions(), (variant.width, variant.height));
        assert!(is_red(shown.get_pixel(variant.width / 2, variant.height / 8)), "{:?}", variant.format);
        assert!(is_blue(shown.get_pixel(variant.width / 2, variant.height * 7 / 8)), "{:?}", variant.format);
    }
}

#[test]
fn every_exif_orientation_gives_the_shown_size() {
    for orientation in 1..=8u16 {
        let processed = process(&with_metadata(&jpeg(48, 24), orientation), &Limits::default()).unwrap();
        let expected = if orientation >= 5 { (24, 48) } else { (48, 24) };
        assert_eq!((processed.width, processed.height), expected, "orientation {orientation}");
        assert_eq!(decode(&processed.original).dimensions(), expected, "orientation {orientation}");
        assert_clean(&processed.original);
    }
}

#[test]
fn upside_down_is_put_right() {
    let processed = process(&with_metadata(&jpeg(64, 32), 3), &Limits::default()).unwrap();
    let shown = decode(&processed.original);
    assert!(is_blue(shown.get_pixel(4, 16)), "turned 180°, blue is on the left");
    assert!(is_red(shown.get_pixel(60, 16)));
}

#[test]
fn png_text_exif_and_times_go_and_the_pixels_stay() {
    let clean = png(400, 300);
    let upload = png_with_metadata(&clean, 1);
    assert!(contains(&upload, COMMENT_SECRET));
    let processed = process(&upload, &Limits::default()).unwrap();
    assert_clean(&processed.original);
    assert!(!contains(&processed.original, b"tIME"));
    assert_eq!(processed.original, clean, "nothing else was touched");
    for variant in &processed.variants {
        assert_clean(&variant.bytes);
    }
}

#[test]
fn png_orientation_is_applied_too() {
    let processed = process(&png_with_metadata(&png(64, 32), 6), &Limits::default()).unwrap();
    assert_eq!((processed.width, processed.height), (32, 64));
    assert_clean(&processed.original);
    let shown = decode(&processed.original);
    assert!(is_red(shown.get_pixel(16, 8)));
}

#[test]
fn webp_exif_and_xmp_go() {
    let upload = webp_with_metadata(&webp(400, 300), 400, 300, 1);
    assert!(contains(&upload, GPS_SECRET));
    let processed = process(&upload, &Limits::default()).unwrap();
    assert_eq!((processed.width, processed.height), (400, 300));
    assert_clean(&processed.original);
    assert_eq!(processed.original[20] & 0x0C, 0, "EXIF and XMP flags cleared");
    assert_eq!(decode(&processed.original).dimensions(), (400, 300));
}

#[test]
fn webp_orientation_is_applied() {
    let upload = webp_with_metadata(&webp(64, 32), 64, 32, 6);
    let processed = process(&upload, &Limits::default()).unwrap();
    assert_eq!((processed.width, processed.height), (32, 64));
    assert_clean(&processed.original);
    assert!(is_red(decode(&processed.original).get_pixel(16, 8)));
}

#[test]
fn data_after_the_end_of_a_jpeg_is_dropped() {
    // Phones append motion-photo videos or depth maps after the end-of-image marker.
    let mut upload = jpeg(200, 100);
    upload.extend_from_slice(b"ftypmp42 a hidden video with its own location track");
    let processed = process(&upload, &Limits::default()).unwrap();
    assert!(!contains(&processed.original, b"hidden video"));
    assert_eq!(&processed.original[processed.original.len() - 2..], &[0xFF, 0xD9]);
}

#[test]
fn icc_profiles_are_kept_in_the_original_and_variants() {
    // A fake profile is enough: nothing here interprets it.
    let profile = {
        let mut p = vec![0u8; 400];
        p[..4].copy_from_slice(&400u32.to_be_bytes());
        p[36..40].copy_from_slice(b"acsp");
        p[100..118].copy_from_slice(b"DATELINE-TEST-ICC!");
        p
    };
    let mut upload = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut upload, 90);
    image::ImageEncoder::set_icc_profile(&mut encoder, profile.clone()).unwrap();
    picture(700, 400).write_with_encoder(encoder).unwrap();

    let processed = process(&with_metadata(&upload, 6), &Limits::default()).unwrap();
    assert!(contains(&processed.original, b"DATELINE-TEST-ICC!"));
    for variant in &processed.variants {
        assert!(contains(&variant.bytes, b"DATELINE-TEST-ICC!"), "{:?} {}", variant.format, variant.width);
        let mut decoder = image::ImageReader::new(std::io::Cursor::new(&variant.bytes))
            .with_guessed_format()
            .unwrap()
            .into_decoder()
            .unwrap();
        assert_eq!(image::ImageDecoder::icc_profile(&mut decoder).unwrap(), Some(profile.clone()));
    }
}
