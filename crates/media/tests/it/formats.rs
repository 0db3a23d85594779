//! Each accepted format in, the right original and variants out.

use dateline_media::{ImageFormat, Limits, VARIANT_WIDTHS, dimensions, process, sniff};
use image::GenericImageView;

use crate::support::*;

/// Every variant: a listed width under the original's, proportional height, the format its
/// bytes say, and pixels of exactly that size.
fn check_variants(processed: &dateline_media::Processed, expected_formats: &[ImageFormat]) {
    let widths: Vec<u32> = VARIANT_WIDTHS.iter().copied().filter(|&w| w < processed.width).collect();
    assert_eq!(processed.variants.len(), widths.len() * expected_formats.len());
    for (i, variant) in processed.variants.iter().enumerate() {
        assert_eq!(variant.width, widths[i / expected_formats.len()], "smallest first");
        assert_eq!(variant.format, expected_formats[i % expected_formats.len()], "WebP first");
        assert!(variant.width < processed.width, "no variant is as wide as the original");
        let expected_height = (f64::from(processed.height) * f64::from(variant.width)
            / f64::from(processed.width))
        .round() as u32;
        assert_eq!(variant.height, expected_height.max(1));
        assert_eq!(sniff(&variant.bytes), Some(variant.format));
        let decoded = decode(&variant.bytes);
        assert_eq!(decoded.dimensions(), (variant.width, variant.height));
    }
}

#[test]
fn jpeg_gets_webp_and_jpeg_variants_at_every_width() {
    let upload = jpeg(2400, 1600);
    let processed = process(&upload, &Limits::default()).unwrap();
    assert_eq!(processed.format, ImageFormat::Jpeg);
    assert_eq!((processed.width, processed.height), (2400, 1600));
    assert_eq!(sniff(&processed.original), Some(ImageFormat::Jpeg));
    check_variants(&processed, &[ImageFormat::WebP, ImageFormat::Jpeg]);
    assert_eq!(processed.variants.len(), 10);
    assert_eq!((processed.variants[9].width, processed.variants[9].height), (1920, 1280));
    let v640 = processed.variant(640, ImageFormat::WebP).unwrap();
    assert_eq!(v640.height, 427);
}

#[test]
fn the_original_passes_through_without_recompression() {
    let upload = jpeg(800, 600);
    let processed = process(&upload, &Limits::default()).unwrap();
    assert!(processed.original.len() <= upload.len(), "only segments were removed");
    assert_eq!(decode(&processed.original).to_rgb8(), decode(&upload).to_rgb8(), "same pixels, bit for bit");
}

#[test]
fn progressive_jpegs_and_restart_markers_survive_the_strip() {
    let pixels = picture(900, 500);
    for (progressive, restart) in [(true, None), (false, Some(4)), (true, Some(2))] {
        let mut upload = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut upload, 85);
        encoder.set_progressive(progressive);
        if let Some(interval) = restart {
            encoder.set_restart_interval(interval);
        }
        encoder.encode(pixels.as_raw(), 900, 500, jpeg_encoder::ColorType::Rgb).unwrap();
        let processed = process(&with_metadata(&upload, 1), &Limits::default()).unwrap();
        assert_clean(&processed.original);
        assert_eq!(
            decode(&processed.original).to_rgb8(),
            decode(&upload).to_rgb8(),
            "{progressive} {restart:?}"
        );
    }
}

#[test]
fn no_variant_is_made_at_or_above_the_original_width() {
    let processed = process(&jpeg(960, 300), &Limits::default()).unwrap();
    let widths: Vec<u32> = processed.variants.iter().map(|v| v.width).collect();
    assert_eq!(widths, [320, 320, 640, 640]);

    let small = process(&png(320, 200), &Limits::default()).unwrap();
    assert!(small.variants.is_empty(), "320 wide needs no 320 variant");
    assert_eq!((small.width, small.height), (320, 200));
}

#[test]
fn png_keeps_png_and_its_transparency() {
    let upload = encode(picture_rgba(700, 500).into(), image::ImageFormat::Png);
    let processed = process(&upload, &Limits::default()).unwrap();
    assert_eq!(processed.format, ImageFormat::Png);
    check_variants(&processed, &[ImageFormat::WebP, ImageFormat::Png]);
    for variant in &processed.variants {
        let decoded = decode(&variant.bytes);
        assert!(decoded.color().has_alpha(), "{:?} {} lost its alpha", variant.format, variant.width);
        let corner = decoded.get_pixel(2, 2);
        assert!(corner[3] < 16, "the transparent corner stays transparent: {corner:?}");
        let opposite = decoded.get_pixel(variant.width - 3, variant.height - 3);
        assert_eq!(opposite[3], 255);
    }
}

#[test]
fn opaque_png_variants_carry_no_alpha_channel() {
    let processed = process(&png(700, 500), &Limits::default()).unwrap();
    let webp = processed.variant(640, ImageFormat::WebP).unwrap();
    assert!(!decode(&webp.bytes).color().has_alpha());
}

#[test]
fn gif_stays_animated_and_gets_png_variants_of_its_first_frame() {
    let upload = animated_gif(700, 400);
    let processed = process(&upload, &Limits::default()).unwrap();
    assert_eq!(processed.format, ImageFormat::Gif);
    assert_eq!(sniff(&processed.original), Some(ImageFormat::Gif));
    assert_eq!(gif_frames(&processed.original), 2, "both frames kept");
    check_variants(&processed, &[ImageFormat::WebP, ImageFormat::Png]);
    // First frame: reddish on the left, not the all-blue second frame.
    let left = decode(&processed.variant(640, ImageFormat::Png).unwrap().bytes).get_pixel(10, 10);
    assert!(left[0] > 150 && left[2] < 100, "{left:?}");
    assert!(!contains(&processed.original, b"GIF-COMMENT-X"), "comments go");
    assert!(contains(&processed.original, b"NETSCAPE2.0"), "looping stays");
}

#[test]
fn webp_gets_webp_variants_only() {
    let upload = webp(1000, 600);
    let processed = process(&upload, &Limits::default()).unwrap();
    assert_eq!(processed.format, ImageFormat::WebP);
    check_variants(&processed, &[ImageFormat::WebP]);
    assert_eq!(processed.variants.len(), 3);
}

#[test]
fn lossless_webp_is_read_too() {
    let upload = encode(picture(500, 300).into(), image::ImageFormat::WebP);
    let processed = process(&upload, &Limits::default()).unwrap();
    assert_eq!((processed.format, processed.width, processed.height), (ImageFormat::WebP, 500, 300));
    assert_eq!(decode(&processed.original).to_rgb8(), picture(500, 300), "lossless stays lossless");
}

#[test]
fn the_format_comes_from_the_bytes_not_the_name() {
    // An editor's "photo.jpg" that is really a PNG: nothing here ever sees the name.
    let named_jpg = png(400, 300);
    assert_eq!(sniff(&named_jpg), Some(ImageFormat::Png));
    let processed = process(&named_jpg, &Limits::default()).unwrap();
    assert_eq!(processed.format, ImageFormat::Png);
    assert_eq!(processed.format.extension(), "png");
    assert_eq!(processed.format.mime(), "image/png");
}

#[test]
fn dimensions_reads_only_the_header() {
    assert_eq!(dimensions(&jpeg(640, 480)).unwrap(), (ImageFormat::Jpeg, 640, 480));
    assert_eq!(dimensions(&webp(30, 20)).unwrap(), (ImageFormat::WebP, 30, 20));
    // A bomb's header is read without decoding anything.
    assert_eq!(dimensions(&png_claiming(60_000, 60_000)).unwrap(), (ImageFormat::Png, 60_000, 60_000));
    // As shown: a phone photo held upright.
    assert_eq!(dimensions(&with_metadata(&jpeg(64, 32), 6)).unwrap(), (ImageFormat::Jpeg, 32, 64));
}

#[test]
fn formats_name_their_files() {
    for (format, mime, extension) in [
        (ImageFormat::Jpeg, "image/jpeg", "jpg"),
        (ImageFormat::Png, "image/png", "png"),
        (ImageFormat::WebP, "image/webp", "webp"),
        (ImageFormat::Gif, "image/gif", "gif"),
        (ImageFormat::Avif, "image/avif", "avif"),
    ] {
        assert_eq!((format.mime(), format.extension()), (mime, extension));
        assert_eq!(ImageFormat::from_extension(extension), Some(format));
    }
    assert_eq!(ImageFormat::from_extension("JPEG"), Some(ImageFormat::Jpeg));
    assert_eq!(ImageFormat::from_extension("txt"), None);
}
