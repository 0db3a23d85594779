//! Times `process` on a 12-megapixel photo-like JPEG made on the spot.
//!
//! ```text
//! cargo run --release -p dateline-media --example bench -- [--runs 5] [--rotated] [--png] [--size 4000x3000]
//! ```
//!
//! `--rotated` adds an EXIF orientation (6, a phone held upright), so the original must be
//! re-encoded too: the slowest path. `--png` feeds the same picture as a PNG instead. `--size`
//! changes the default 12 megapixels, e.g. to see the memory taken at the 50-megapixel limit.

use std::time::Instant;

use dateline_media::{Limits, process};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut runs = 5usize;
    let mut rotated = false;
    let mut png = false;
    let (mut width, mut height) = (4000u32, 3000u32);
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--runs" => {
                i += 1;
                runs = args.get(i).ok_or("--runs needs a number")?.parse()?;
            }
            "--size" => {
                i += 1;
                let size = args.get(i).ok_or("--size needs WIDTHxHEIGHT")?;
                let (w, h) = size.split_once('x').ok_or("--size needs WIDTHxHEIGHT")?;
                (width, height) = (w.parse()?, h.parse()?);
            }
            "--rotated" => rotated = true,
            "--png" => png = true,
            other => return Err(format!("unknown argument {other}").into()),
        }
        i += 1;
    }

    let started = Instant::now();
    let pixels = photo_like(width, height);
    let mut upload = Vec::new();
    if png {
        image::RgbImage::from_raw(width, height, pixels)
            .ok_or("bad buffer")?
            .write_to(&mut std::io::Cursor::new(&mut upload), image::ImageFormat::Png)?;
    } else {
        let mut encoder = jpeg_encoder::Encoder::new(&mut upload, 90);
        encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
        encoder.encode(&pixels, width as u16, height as u16, jpeg_encoder::ColorType::Rgb)?;
        if rotated {
            upload.splice(2..2, exif_orientation_6());
        }
    }
    println!(
        "input: {width} × {height} {}{}, {:.1} MB (made in {} ms)",
        if png { "PNG" } else { "JPEG quality 90" },
        if rotated { ", EXIF orientation 6" } else { "" },
        upload.len() as f64 / 1e6,
        started.elapsed().as_millis()
    );

    let limits = Limits::default();
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    let rss_before = status_kb("VmRSS:");
    // Resets the peak (VmHWM) to the current size, so the peak below is process's own.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let cpu_before = cpu_ms();
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let processed = process(&upload, &limits)?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        last = Some(processed);
    }
    let cpu = cpu_ms().zip(cpu_before).map(|(after, before)| (after - before) / times.len() as f64);
    times.sort_by(f64::total_cmp);
    println!(
        "process: min {:.0} ms, median {:.0} ms, max {:.0} ms over {} runs",
        times[0],
        times[times.len() / 2],
        times[times.len() - 1],
        times.len()
    );
    if let Some(cpu) = cpu {
        // Wall time depends on what else runs; CPU time does not, and bounds the wall time
        // on idle cores from below (CPU time / cores).
        println!("CPU time: {cpu:.0} ms per run, all threads");
    }
    if let (Some(before), Some(peak)) = (rss_before, status_kb("VmHWM:")) {
        println!("peak memory: {:.0} MB above the {:.0} MB held before", (peak - before) / 1e3, before / 1e3);
    }
    if let Some(processed) = last {
        println!(
            "original: {} {} × {}, {:.0} KB",
            processed.format,
            processed.width,
            processed.height,
            processed.original.len() as f64 / 1e3
        );
        for v in &processed.variants {
            println!(
                "  {:>4} × {:<4} {:<4} {:>7.1} KB",
                v.width,
                v.height,
                v.format,
                v.bytes.len() as f64 / 1e3
            );
        }
    }
    Ok(())
}

/// Smooth gradients and soft shapes with sensor-like noise: compresses like a photo, unlike
/// flat colour or pure noise.
fn photo_like(width: u32, height: u32) -> Vec<u8> {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % 25) as f32 - 12.0
    };
    let mut out = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..height {
        for x in 0..width {
            let (fx, fy) = (x as f32 / width as f32, y as f32 / height as f32);
            let sky = 1.0 - fy;
            let wave = ((fx * 23.0).sin() * (fy * 17.0).cos() + 1.0) * 0.5;
            let disc = (((fx - 0.6).powi(2) + (fy - 0.4).powi(2)).sqrt() < 0.15) as u8 as f32;
            // Fine texture (foliage, fabric) over the lower half, as photos have.
            let texture = ((x as f32 * 0.25).sin() * (y as f32 * 0.2).cos() * 18.0) * fy;
            let r = 60.0 + 120.0 * sky + 50.0 * wave + 40.0 * disc + texture;
            let g = 80.0 + 90.0 * fx + 40.0 * wave + texture;
            let b = 90.0 + 140.0 * sky * (1.0 - disc) + 20.0 * wave - texture;
            for c in [r, g, b] {
                out.push((c + noise()).clamp(0.0, 255.0) as u8);
            }
        }
    }
    out
}

/// An APP1 Exif segment (big-endian TIFF) whose only tag is Orientation = 6.
fn exif_orientation_6() -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&[0, 1]); // one entry
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
    tiff.extend_from_slice(&[0, 0, 0, 0]); // no next IFD
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    segment.extend_from_slice(b"Exif\0\0");
    segment.extend_from_slice(&tiff);
    segment
}

/// User and system CPU time of this process so far (all threads), from /proc on Linux.
fn cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at the state, field 3.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // The kernel reports in USER_HZ, 100 on every Linux configuration in use.
    Some(ticks * 10.0)
}

/// A field of /proc/self/status in kB, e.g. `VmRSS:` or `VmHWM:` (the peak).
fn status_kb(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
