//! The story editor in a real browser (issue 18): the picture picker finds, uploads, sets
//! and inserts pictures without leaving the editor.

use crate::browser::{browser, browser_available, console_errors, screenshot_dir, sign_in, until_true};
use crate::media::picture;
use crate::support::Site;
use dateline_core::{MediaText, PageRequest, Role};
use fantoccini::Locator;
use std::time::Duration;

/// Clicks the element `selector` names after scrolling it to the middle of the screen, clear
/// of the editor's sticky action bar.
async fn press(client: &fantoccini::Client, selector: &str) {
    client
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'center', behavior: 'instant'})",
            vec![selector.into()],
        )
        .await
        .unwrap();
    client.find(Locator::Css(selector)).await.unwrap().click().await.unwrap();
}

async fn js_string(client: &fantoccini::Client, js: &str) -> String {
    client.execute(js, vec![]).await.unwrap().as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_picker_uploads_in_place_sets_the_story_picture_and_inserts_one_in_the_body() {
    if !browser_available() {
        return;
    }
    let site = Site::new().await;
    let password = site.account("editor@news.example", Role::Editor, true).await;
    // One picture already in the library, found by a word of its caption.
    let harbour = picture(1200, 800, image::ImageFormat::Jpeg);
    let text =
        MediaText { caption: "Cranes in the harbour".into(), alt: "Cranes".into(), ..MediaText::default() };
    let kept = dateline_newsroom::media::take_in(
        site.store.as_ref(),
        &site.state.pictures,
        harbour,
        text,
        "",
        site.state.clock.now(),
    )
    .await
    .unwrap();
    let base = crate::server::spawn(&site).await;
    let (_driver, client, _profile) = browser().await;
    sign_in(&client, &base, "editor@news.example", &password).await;
    client.goto(&format!("{base}/admin/stories/new")).await.unwrap();
    let css = |s: &'static str| Locator::Css(s);

    // Upload in place: the file chosen in the picker becomes a library picture, chosen.
    press(&client, "button[data-picker=image]").await;
    let file = tempfile::Builder::new().suffix(".png").tempfile().unwrap();
    std::fs::write(file.path(), picture(900, 600, image::ImageFormat::Png)).unwrap();
    client
        .find(css("#picker-file"))
        .await
        .unwrap()
        .send_keys(&file.path().display().to_string())
        .await
        .unwrap();
    assert!(
        until_true(&client, "return !document.querySelector('[data-picker-detail]').hidden && document.querySelector('[data-picker-status]').textContent.startsWith('Uploaded')", Duration::from_secs(20)).await.is_some(),
        "the upload finished: {}",
        js_string(&client, "return document.querySelector('[data-picker-status]').textContent").await
    );
    let uploaded = site.store.media_search("", PageRequest { offset: 0, limit: 5 }).await.unwrap();
    assert_eq!(uploaded.len(), 2, "the upload is in the library");
    let new_picture = uploaded.iter().find(|m| m.id != kept.id).unwrap().clone();

    // Its words and focal point, then "use as the story's picture".
    client.find(css("#picker-alt")).await.unwrap().send_keys("Flooded road near the port").await.unwrap();
    client.find(css("#picker-credit")).await.unwrap().send_keys("Staff photo").await.unwrap();
    let focal = client.find(css("#picker-focal_x")).await.unwrap();
    focal.clear().await.unwrap();
    focal.send_keys("20").await.unwrap();
    press(&client, "button[data-picker-use=image]").await;
    let image_url = format!("/media/{}/original.png", new_picture.hash);
    assert!(
        until_true(
            &client,
            &format!("return document.getElementById('ed-image_url').value === '{image_url}'"),
            Duration::from_secs(10)
        )
        .await
        .is_some(),
        "the story's picture is set"
    );
    assert_eq!(
        js_string(&client, "return document.getElementById('ed-image_alt').value").await,
        "Flooded road near the port"
    );
    assert_eq!(
        js_string(&client, "return document.getElementById('ed-image_credit').value").await,
        "Staff photo"
    );
    assert!(
        !client
            .execute("return document.getElementById('picker').open", vec![])
            .await
            .unwrap()
            .as_bool()
            .unwrap()
    );
    let described = site.store.media(new_picture.id).await.unwrap().unwrap();
    assert_eq!(
        (described.text.alt.as_str(), described.text.focal_x),
        ("Flooded road near the port", 20),
        "the words are kept in the library"
    );

    // Search by a word, choose, insert into the body at the cursor.
    let body = client.find(css("#ed-body")).await.unwrap();
    body.send_keys("First paragraph.\n\nLast paragraph.").await.unwrap();
    client.execute("var b = document.getElementById('ed-body'); b.focus(); b.setSelectionRange(16, 16); b.dispatchEvent(new Event('select'));", vec![]).await.unwrap();
    press(&client, "button[data-picker=image]").await;
    client.find(css("#picker-q")).await.unwrap().send_keys("HARBOUR").await.unwrap();
    press(&client, "[data-picker-search] button[type=submit]").await;
    assert!(
        until_true(
            &client,
            "var t = document.querySelectorAll('[data-picker-results] .picker-tile'); return t.length === 1",
            Duration::from_secs(10)
        )
        .await
        .is_some(),
        "one picture matches: {}",
        js_string(&client, "return document.querySelector('[data-picker-status]').textContent").await
    );
    std::fs::write(screenshot_dir().join("admin-picker-375.png"), client.screenshot().await.unwrap())
        .unwrap();
    press(&client, "[data-picker-results] .picker-tile").await;
    press(&client, "button[data-picker-use=body]").await;
    let expected = format!("First paragraph.\n\n![Cranes]({})\n\nLast paragraph.", kept.url());
    assert!(
        until_true(
            &client,
            &format!(
                "return document.getElementById('ed-body').value === {}",
                serde_json::to_string(&expected).unwrap()
            ),
            Duration::from_secs(10)
        )
        .await
        .is_some(),
        "inserted at the cursor: {:?}",
        js_string(&client, "return document.getElementById('ed-body').value").await
    );

    // Published, the story shows both.
    client.find(css("[name=headline]")).await.unwrap().send_keys("Port road floods").await.unwrap();
    client.find(css("[name=section]")).await.unwrap().select_by_value("world").await.unwrap();
    press(&client, "button[name=action][value=publish]").await;
    client.wait().for_element(css("[role=status]")).await.expect("published");
    assert!(console_errors(&client).await.is_empty(), "no console errors");
    let page = site.get("/story/port-road-floods").await.body;
    assert!(
        page.contains(r#"alt="Flooded road near the port" width="900" height="600" class="fx-20 fy-50""#),
        "{page}"
    );
    assert!(
        page.contains(&format!("/media/{}/", kept.hash)) && page.contains(r#"alt="Cranes""#),
        "the body picture"
    );
    client.close().await.unwrap();
}
