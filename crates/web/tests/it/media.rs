//! The media library through the Admin API: uploads of each format, bad files refused with
//! nothing left behind, variants served with immutable caching, and library pictures on
//! story pages, cards, feeds and sitemaps.

use crate::api::token;
use crate::support::{Client, Page, Site, json_ld};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use dateline_core::account::TokenScope;
use dateline_core::*;
use futures_util::StreamExt;
use serde_json::Value;

/// A photo-like picture (gradients) in `format`.
pub fn picture(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, ((x + y) % 256) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img).write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A multipart body with `file` and text fields.
pub fn multipart(file: Option<(&str, &[u8])>, fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "dateline-test-boundary-7f3a";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .bytes(),
        );
    }
    if let Some((filename, bytes)) = file {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub async fn upload(
    site: &Site,
    token: &str,
    file: Option<(&str, &[u8])>,
    fields: &[(&str, &str)],
) -> (StatusCode, Value) {
    let (content_type, body) = multipart(file, fields);
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/admin/v1/media")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    let page = site.send(request).await;
    (page.status, serde_json::from_slice(&page.raw).unwrap_or(Value::Null))
}

async fn stored_objects(site: &Site) -> usize {
    site.state.pictures.storage.object_store().list(None).count().await
}

fn decoded(page: &Page) -> image::DynamicImage {
    image::load_from_memory(&page.raw).unwrap()
}

#[tokio::test]
async fn every_format_is_taken_in_with_its_variants() {
    let site = Site::new().await;
    let admin = token(&site, TokenScope::Admin).await;
    let jpeg = picture(2000, 1000, image::ImageFormat::Jpeg);
    let fields = [
        ("alt", "Rain over the old city"),
        ("caption", "Monsoon rain in Lahore"),
        ("credit", "Photo: APP"),
        ("focal_x", "30"),
        ("focal_y", "70"),
    ];
    let (status, media) = upload(&site, &admin, Some(("rain.jpg", &jpeg)), &fields).await;
    assert_eq!(status, StatusCode::CREATED, "{media}");
    assert_eq!(
        (media["width"].as_u64(), media["height"].as_u64(), media["format"].as_str()),
        (Some(2000), Some(1000), Some("jpg"))
    );
    assert_eq!(
        (media["caption"].as_str(), media["credit"].as_str(), media["focal_x"].as_u64()),
        (Some("Monsoon rain in Lahore"), Some("Photo: APP"), Some(30))
    );
    let variants = media["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 10, "five widths, each in WebP and JPEG");
    for v in variants {
        let url = v["url"].as_str().unwrap();
        let page = site.get(url).await;
        assert_eq!(page.status, StatusCode::OK, "{url}");
        let mime = if url.ends_with(".webp") { "image/webp" } else { "image/jpeg" };
        assert_eq!(page.header("content-type"), mime);
        assert_eq!(page.header("cache-control"), "public, max-age=31536000, immutable");
        let img = decoded(&page);
        assert_eq!(u64::from(img.width()), v["width"].as_u64().unwrap(), "{url}");
        assert_eq!(img.height() * 2, img.width(), "proportions kept");
    }
    let original = site.get(media["url"].as_str().unwrap()).await;
    assert_eq!((original.status, decoded(&original).width()), (StatusCode::OK, 2000));
    let etag = original.header("etag").to_owned();
    let again = site
        .send(
            Request::get(media["url"].as_str().unwrap())
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);

    let (status, same) = upload(&site, &admin, Some(("copy.jpg", &jpeg)), &[]).await;
    assert_eq!(
        (status, same["id"].clone()),
        (StatusCode::CREATED, media["id"].clone()),
        "the same file is one picture"
    );

    for (name, format, family) in [
        ("map.png", image::ImageFormat::Png, "png"),
        ("chart.gif", image::ImageFormat::Gif, "png"),
        ("photo.webp", image::ImageFormat::WebP, "webp"),
    ] {
        let bytes = picture(700, 400, format);
        let (status, media) = upload(&site, &admin, Some((name, &bytes)), &[]).await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {media}");
        let urls: Vec<&str> =
            media["variants"].as_array().unwrap().iter().map(|v| v["url"].as_str().unwrap()).collect();
        assert!(urls.iter().any(|u| u.ends_with("/640.webp")), "{name}: {urls:?}");
        assert!(urls.iter().any(|u| u.ends_with(&format!("/640.{family}"))), "{name}: {urls:?}");
        assert!(!urls.iter().any(|u| u.contains("/960.")), "{name}: no variant wider than the original");
        assert_eq!(site.get(urls[0]).await.status, StatusCode::OK);
    }
    // A PNG named .jpg is a PNG: the name is never trusted.
    let png = picture(400, 300, image::ImageFormat::Png);
    let (_, misnamed) = upload(&site, &admin, Some(("really-a-png.jpg", &png)), &[]).await;
    assert_eq!(misnamed["format"], "png");

    let list = site
        .send(
            Request::get("/api/admin/v1/media")
                .header(header::AUTHORIZATION, format!("Bearer {admin}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let list: Value = serde_json::from_slice(&list.raw).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 5);
    assert_eq!(list[0]["id"], misnamed["id"], "newest first");

    let put = Request::put(format!("/api/admin/v1/media/{}", media["id"]))
        .header(header::AUTHORIZATION, format!("Bearer {admin}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"alt": "Rain", "caption": "New words", "credit": "APP", "focal_x": 120}"#))
        .unwrap();
    assert_eq!(site.send(put).await.status, StatusCode::UNPROCESSABLE_ENTITY, "focal point over 100%");
}

#[tokio::test]
async fn bad_files_are_refused_clearly_and_leave_nothing_behind() {
    let mut site = Site::new().await;
    let admin = token(&site, TokenScope::Admin).await;
    let refused = |status: StatusCode, body: &Value, words: &str| {
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{message:?} should say {words:?}");
    };
    let (status, body) =
        upload(&site, &admin, Some(("notes.jpg", b"These are my notes, not a picture.")), &[]).await;
    refused(status, &body, "not a JPEG, PNG, WebP, GIF or AVIF");

    // A decompression bomb: a tiny PNG whose header claims 60000 x 60000 pixels.
    let mut bomb = b"\x89PNG\r\n\x1a\n".to_vec();
    let ihdr = [&b"IHDR"[..], &60_000u32.to_be_bytes(), &60_000u32.to_be_bytes(), &[8, 2, 0, 0, 0]].concat();
    bomb.extend(13u32.to_be_bytes());
    bomb.extend(&ihdr);
    bomb.extend(crc32(&ihdr).to_be_bytes());
    // A few bytes of zlib-compressed zeros, then the end: the whole file is under 100 bytes.
    let idat = [&b"IDAT"[..], &[0x78, 0x9c, 0x63, 0x60, 0x18, 0x05, 0x00, 0x00, 0x01, 0x00, 0x01]].concat();
    bomb.extend(((idat.len() - 4) as u32).to_be_bytes());
    bomb.extend(&idat);
    bomb.extend(crc32(&idat).to_be_bytes());
    bomb.extend(0u32.to_be_bytes());
    bomb.extend(b"IEND");
    bomb.extend(crc32(b"IEND").to_be_bytes());
    let (status, body) = upload(&site, &admin, Some(("bomb.png", &bomb)), &[]).await;
    refused(status, &body, "megapixels");

    let jpeg = picture(1200, 800, image::ImageFormat::Jpeg);
    let (status, body) = upload(&site, &admin, Some(("cut.jpg", &jpeg[..jpeg.len() / 2])), &[]).await;
    refused(status, &body, "cut short or damaged");

    let (status, body) = upload(&site, &admin, None, &[("caption", "No file")]).await;
    assert_eq!(
        (status, body["error"]["fields"]["file"].is_string()),
        (StatusCode::UNPROCESSABLE_ENTITY, true)
    );
    let (status, body) = upload(&site, &admin, Some(("x.jpg", &jpeg)), &[("focal_x", "east")]).await;
    assert_eq!(
        (status, body["error"]["fields"]["focal"].is_string()),
        (StatusCode::UNPROCESSABLE_ENTITY, true)
    );
    let (status, _) = upload(&site, "dl_admin_forged", Some(("x.jpg", &jpeg)), &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    site.state.parts_mut().pictures.limits.max_bytes = jpeg.len() - 1;
    let (status, body) = upload(&site, &admin, Some(("big.jpg", &jpeg)), &[]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");

    assert_eq!(stored_objects(&site).await, 0, "no file of a refused upload is kept");
    assert!(site.store.media_list(PageRequest { offset: 0, limit: 10 }).await.unwrap().is_empty());
    assert_eq!(site.get("/media/not-a-hash/original.jpg").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        site.get(&format!("/media/{}/original.jpg", "0".repeat(64))).await.status,
        StatusCode::NOT_FOUND
    );
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[tokio::test]
async fn library_pictures_are_responsive_everywhere_a_story_shows() {
    let site = Site::new().await;
    let admin = token(&site, TokenScope::Admin).await;
    let jpeg = picture(1600, 900, image::ImageFormat::Jpeg);
    let fields = [
        ("alt", "Flooded street"),
        ("caption", "Water in Hyderabad"),
        ("credit", "APP"),
        ("focal_x", "30"),
        ("focal_y", "70"),
    ];
    let (_, media) = upload(&site, &admin, Some(("flood.jpg", &jpeg)), &fields).await;
    let media = site.store.media(MediaId(media["id"].as_i64().unwrap())).await.unwrap().unwrap();
    let body = format!(
        "Water rose overnight.\n\n![Map of the flooded area]({})\n\n![Agency photo](https://agency.example/p/7.jpg)",
        media.url()
    );
    let draft = StoryDraft {
        image: Some(media.story_image()),
        prominence: Prominence::Lead,
        body,
        ..site.draft("Floods close the coastal highway")
    };
    let story = site.publish(&draft, "2025-02-27T10:00:00Z").await;
    let base = format!("/media/{}", media.hash);

    let page = site.get(&format!("/story/{}", story.slug)).await.body;
    assert!(page.contains(&format!(r#"<source type="image/webp" srcset="{base}/320.webp 320w, {base}/640.webp 640w, {base}/960.webp 960w, {base}/1280.webp 1280w""#)), "{page}");
    assert!(page.contains(&format!(r#"<img src="{base}/original.jpg" srcset="{base}/320.jpg 320w, {base}/640.jpg 640w, {base}/960.jpg 960w, {base}/1280.jpg 1280w, {base}/original.jpg 1600w""#)));
    assert!(
        page.contains(
            r#"alt="Flooded street" width="1600" height="900" class="fx-30 fy-70" fetchpriority="high""#
        ),
        "{page}"
    );
    assert!(page.contains(r#"Water in Hyderabad <span class="image-credit">APP</span>"#));
    // Pictures in the body are responsive too, and lazy.
    assert!(
        page.contains(&format!(
            r#"<picture><source type="image/webp" srcset="{base}/320.webp 320w, {base}/640.webp 640w"#
        )),
        "{page}"
    );
    assert!(page.contains(r#"alt="Map of the flooded area" width="1600" height="900" loading="lazy" decoding="async"></picture>"#), "{page}");
    assert!(
        page.contains(r#"<img src="https://agency.example/p/7.jpg" alt="Agency photo" loading="lazy">"#),
        "{page}"
    );
    let absolute = format!("https://news.example.com{base}/original.jpg");
    assert_eq!(json_ld(&page)["image"][0], absolute.as_str());
    assert!(page.contains(&format!(r#"<meta property="og:image" content="{absolute}">"#)));

    let home = site.get("/").await.body;
    assert!(
        home.contains(&format!(r#"<img src="{base}/original.jpg" srcset="{base}/320.jpg 320w"#)),
        "cards use the variants too"
    );
    assert!(home.contains(r#"width="1600" height="900""#), "no layout shift on cards");

    let rss = site.get("/rss.xml").await.body;
    assert!(rss.contains(&format!(r#"<media:content url="{absolute}""#)), "{rss}");
    let atom = site.get("/atom.xml").await.body;
    assert!(
        atom.contains(&format!(r#"<link rel="enclosure" type="image/jpeg" href="{absolute}"/>"#)),
        "{atom}"
    );
    let feed: Value = serde_json::from_str(&site.get("/feed.json").await.body).unwrap();
    assert_eq!(feed["items"][0]["image"], absolute.as_str());
    let news = site.get("/sitemaps/news.xml").await.body;
    assert!(news.contains(&format!("<image:loc>{absolute}</image:loc>")), "{news}");
    let ninjs: Value =
        serde_json::from_str(&site.get(&format!("/story/{}/ninjs.json", story.slug)).await.body).unwrap();
    assert!(ninjs.to_string().contains(&absolute), "{ninjs}");
}

/// Posts a multipart upload form as a signed-in browser would.
async fn post_upload(
    client: &crate::support::Client<'_>,
    file: Option<(&str, &[u8])>,
    fields: &[(&str, &str)],
) -> Page {
    let csrf = client.csrf.clone();
    let all = [fields.to_vec(), vec![("csrf", csrf.as_str())]].concat();
    let (content_type, body) = multipart(file, &all);
    let cookies = client.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    let request = Request::post("/admin/media")
        .header(header::CONTENT_TYPE, content_type)
        .header(header::COOKIE, cookies)
        .body(Body::from(body))
        .unwrap();
    client.site.send(request).await
}

#[tokio::test]
async fn editors_upload_and_describe_pictures_in_the_admin() {
    let site = Site::new().await;
    let mut client = site.signed_in(Role::Editor).await;
    let library = client.get("/admin/media").await;
    assert_eq!(library.status, StatusCode::OK);
    assert!(
        library.body.contains(r#"enctype="multipart/form-data""#) && library.body.contains("data-drop-zone")
    );

    let refused =
        post_upload(&client, Some(("notes.png", b"plain text")), &[("caption", "Kept caption")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        crate::support::text(&refused.body)
            .contains("The picture was not added: the file is not a JPEG, PNG"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains(r#"value="Kept caption""#), "what was typed is kept");

    let jpeg = picture(900, 600, image::ImageFormat::Jpeg);
    let forged = Client { csrf: "forged".into(), ..crate::support::Client::new(&site) };
    let forged = Client { cookies: client.cookies.clone(), ..forged };
    assert_eq!(post_upload(&forged, Some(("a.jpg", &jpeg)), &[]).await.status, StatusCode::FORBIDDEN);

    let uploaded = post_upload(
        &client,
        Some(("street.jpg", &jpeg)),
        &[("caption", "A busy street"), ("credit", "Staff")],
    )
    .await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    let item_path = uploaded.header("location").trim_end_matches("?done=uploaded").to_owned();
    let item = client.get(uploaded.header("location")).await;
    assert!(
        crate::support::text(&item.body).contains("Uploaded."),
        "{} {}",
        item.status,
        crate::support::text(&item.body)
    );
    let media = site.store.media_list(PageRequest { offset: 0, limit: 5 }).await.unwrap().remove(0);
    assert!(
        item.body.contains(&format!(r#"value="{}" readonly"#, media.url())),
        "the address to use is shown"
    );
    assert!(crate::support::text(&client.get("/admin/media").await.body).contains("A busy street"));

    let bad = client
        .post(
            &item_path,
            &[
                ("alt", "Cars"),
                ("caption", "A busy street"),
                ("credit", "Staff"),
                ("focal_x", "150"),
                ("focal_y", "20"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains(r#"value="150""#), "what was typed is kept");
    let saved = client
        .post(
            &item_path,
            &[
                ("alt", "Cars and rickshaws"),
                ("caption", "A busy street"),
                ("credit", "Staff"),
                ("focal_x", "20"),
                ("focal_y", "80"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let media = site.store.media(media.id).await.unwrap().unwrap();
    assert_eq!(
        (media.text.alt.as_str(), media.text.focal_x, media.text.focal_y),
        ("Cars and rickshaws", 20, 80)
    );

    // The address pasted into a story brings the library's size, words and focal point.
    let mut fields = crate::support::story_fields("Traffic returns to the old city", "publish", "0");
    let url = media.url();
    fields.push(("image_url", &url));
    let created = client.post("/admin/stories/new", &fields).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let page = site.get("/story/traffic-returns-to-the-old-city").await.body;
    assert!(
        page.contains(r#"alt="Cars and rickshaws" width="900" height="600" class="fx-20 fy-80""#),
        "{page}"
    );
    let mut unknown = crate::support::story_fields("Another story", "save", "0");
    let missing = format!("/media/{}/original.jpg", "e".repeat(64));
    unknown.push(("image_url", &missing));
    let refused = client.post("/admin/stories/new", &unknown).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(crate::support::text(&refused.body).contains("that picture is not in the media library"));

    let contributor = site.signed_in(Role::Contributor).await;
    assert_eq!(post_upload(&contributor, Some(("c.jpg", &jpeg)), &[]).await.status, StatusCode::FORBIDDEN);
}

async fn delete_media(site: &Site, token: &str, id: i64) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(Method::DELETE)
        .uri(format!("/api/admin/v1/media/{id}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let page = site.send(request).await;
    (page.status, serde_json::from_slice(&page.raw).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_picture_no_story_shows_is_removed_with_its_files_and_one_in_use_stays() {
    let site = Site::new().await;
    let admin = token(&site, TokenScope::Admin).await;
    let jpeg = picture(1400, 800, image::ImageFormat::Jpeg);
    let png = picture(700, 500, image::ImageFormat::Png);
    let webp = picture(500, 300, image::ImageFormat::WebP);
    let before = stored_objects(&site).await;
    let (_, lead) =
        upload(&site, &admin, Some(("lead.jpg", &jpeg)), &[("caption", "Harbour cranes at dawn")]).await;
    let (_, inline) = upload(&site, &admin, Some(("map.png", &png)), &[("alt", "Map of the harbour")]).await;
    let (_, unused) =
        upload(&site, &admin, Some(("spare.webp", &webp)), &[("credit", "Staff photographer")]).await;
    let unused_objects = {
        let with_all = stored_objects(&site).await;
        let (lead_id, inline_id) = (lead["id"].as_i64().unwrap(), inline["id"].as_i64().unwrap());
        let lead = site.store.media(MediaId(lead_id)).await.unwrap().unwrap();
        let inline = site.store.media(MediaId(inline_id)).await.unwrap().unwrap();
        let draft = StoryDraft {
            image: Some(lead.story_image()),
            body: format!("The port reopened.\n\n![Map]({})", inline.url()),
            ..site.draft("Port reopens after the strike")
        };
        site.publish(&draft, "2025-03-01T08:00:00Z").await;
        with_all - before
    };
    assert!(unused_objects > 3, "three pictures and their variants are stored");

    // Found by words in the alt text, caption or credit, any case.
    let found: Value = serde_json::from_str(
        &site
            .send(
                Request::get("/api/admin/v1/media?q=HARBOUR")
                    .header(header::AUTHORIZATION, format!("Bearer {admin}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .body,
    )
    .unwrap();
    let ids: Vec<i64> = found.as_array().unwrap().iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [inline["id"].as_i64().unwrap(), lead["id"].as_i64().unwrap()]);

    // In use as the story's picture, or in its body: 409 naming the story, nothing removed.
    for used in [&lead, &inline] {
        let (status, body) = delete_media(&site, &admin, used["id"].as_i64().unwrap()).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"]["code"], "in_use");
        assert!(
            body["error"]["message"].as_str().unwrap().contains("Port reopens after the strike"),
            "{body}"
        );
    }
    let page =
        site.get(&format!("/media/{}", lead["url"].as_str().unwrap().trim_start_matches("/media/"))).await;
    assert_eq!(page.status, StatusCode::OK, "a picture in use is still served");

    // Unused: 204, the row and every file gone; served no more; a second delete is 404.
    let unused_id = unused["id"].as_i64().unwrap();
    let webp_before = stored_objects(&site).await;
    let (status, _) = delete_media(&site, &admin, unused_id).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(site.store.media(MediaId(unused_id)).await.unwrap().is_none());
    assert!(stored_objects(&site).await < webp_before, "the files are removed");
    let hash = unused["url"].as_str().unwrap().split('/').nth(2).unwrap().to_owned();
    let left = site
        .state
        .pictures
        .storage
        .object_store()
        .list(None)
        .filter(|m| std::future::ready(m.as_ref().unwrap().location.as_ref().contains(&hash)))
        .count()
        .await;
    assert_eq!(left, 0, "no original or variant of the removed picture is left");
    assert_eq!(site.get(unused["url"].as_str().unwrap()).await.status, StatusCode::NOT_FOUND);
    assert_eq!(delete_media(&site, &admin, unused_id).await.0, StatusCode::NOT_FOUND);
    let content = token(&site, TokenScope::Content).await;
    assert_eq!(delete_media(&site, &content, inline["id"].as_i64().unwrap()).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn editors_delete_pictures_in_the_admin_and_authors_cannot() {
    let site = Site::new().await;
    let mut editor = site.signed_in(Role::Editor).await;
    let jpeg = picture(900, 600, image::ImageFormat::Jpeg);
    let used = post_upload(&editor, Some(("used.jpg", &jpeg)), &[("caption", "Used picture")]).await;
    let used_path = used.header("location").trim_end_matches("?done=uploaded").to_owned();
    let png = picture(600, 400, image::ImageFormat::Png);
    let spare = post_upload(&editor, Some(("spare.png", &png)), &[("caption", "Spare picture")]).await;
    let spare_path = spare.header("location").trim_end_matches("?done=uploaded").to_owned();
    let used_media =
        site.store.media_search("used", PageRequest { offset: 0, limit: 5 }).await.unwrap().remove(0);
    let draft = StoryDraft { image: Some(used_media.story_image()), ..site.draft("Budget vote delayed") };
    let story = site.publish(&draft, "2025-03-01T08:00:00Z").await;

    let page = editor.get(&used_path).await;
    assert!(page.body.contains("Delete picture"), "editors see the delete button");
    let refused = editor.post(&format!("{used_path}/delete"), &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.body.contains(&format!(
            r#"<a href="/admin/stories/{}" dir="auto">Budget vote delayed</a>"#,
            story.id
        )),
        "{}",
        refused.body
    );
    assert!(site.store.media(used_media.id).await.unwrap().is_some());

    let removed = editor.post(&format!("{spare_path}/delete"), &[]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let library = editor.get(removed.header("location")).await;
    assert!(crate::support::text(&library.body).contains("The picture and its files were removed."));
    assert!(!library.body.contains("Spare picture"));

    // Search on the library page.
    let found = editor.get("/admin/media?q=used").await;
    assert!(found.body.contains("Used picture"));
    let none = editor.get("/admin/media?q=nothing+like+this").await;
    assert!(crate::support::text(&none.body).contains("No picture matches “nothing like this”."));

    let mut author = site.signed_in(Role::Author).await;
    let page = author.get(&used_path).await;
    assert!(!page.body.contains("Delete picture"), "authors cannot remove pictures");
    assert_eq!(author.post(&format!("{used_path}/delete"), &[]).await.status, StatusCode::FORBIDDEN);
}
