//! The story editor in a real browser (issue 18): the picture picker finds, uploads, sets
//! and inserts pictures without leaving the editor; pastes and the toolbar write Markdown;
//! typing is kept on the server as it goes, and in the browser against a crash.

use crate::browser::{
    browser_available, console_errors, screenshot_dir, signed_in_browser, type_in, until_true,
};
use crate::media::picture;
use crate::support::Site;
use dateline_core::{MediaText, PageRequest, Role, StoryId};
use fantoccini::Locator;
use std::time::Duration;

const EDITOR: &str = "editor@news.example";

/// A browser signed in as `EDITOR`, in the editor of a new story: the server's address,
/// then what `browser` answers.
async fn new_story(site: &Site) -> (String, tokio::process::Child, fantoccini::Client, tempfile::TempDir) {
    let (base, driver, client, profile) = signed_in_browser(site, EDITOR, Role::Editor).await;
    client.goto(&format!("{base}/admin/stories/new")).await.unwrap();
    (base, driver, client, profile)
}

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
    let (_base, _driver, client, _profile) = new_story(&site).await;
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
    type_in(&client, "#picker-alt", "Flooded road near the port").await;
    type_in(&client, "#picker-credit", "Staff photo").await;
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
    type_in(&client, "#picker-q", "HARBOUR").await;
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
    type_in(&client, "[name=headline]", "Port road floods").await;
    client.find(css("[name=section]")).await.unwrap().select_by_value("world").await.unwrap();
    press(&client, "button[name=action][value=publish]").await;
    client.wait().for_element(css("[role=status]")).await.expect("published");
    let errors = console_errors(&client).await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
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

/// Drags `what` (`{"file": name, "type": type, "bytes": [...]}` or `{"text": words}`) onto
/// the body and drops it over the middle of its first line, as a mouse would: dragenter,
/// dragover, drop. Answers, for each event, whether the page took it from the browser.
async fn drop_on_body(client: &fantoccini::Client, what: serde_json::Value) -> serde_json::Value {
    client
        .execute(
            "var b = document.getElementById('ed-body'); \
             window.scrollTo(0, b.getBoundingClientRect().top + window.scrollY - 150); \
             var r = b.getBoundingClientRect(), s = getComputedStyle(b); \
             var line = parseFloat(s.lineHeight) || parseFloat(s.fontSize) * 1.2; \
             var x = r.left + parseFloat(s.borderLeftWidth) + parseFloat(s.paddingLeft) + 40; \
             var y = r.top + parseFloat(s.borderTopWidth) + parseFloat(s.paddingTop) + line / 2; \
             var what = arguments[0], d = new DataTransfer(); \
             if (what.file) { d.items.add(new File([new Uint8Array(what.bytes)], what.file, {type: what.type})); } \
             else { d.setData('text/plain', what.text); } \
             return ['dragenter', 'dragover', 'drop'].map(function (name) { \
               var e = new DragEvent(name, {dataTransfer: d, bubbles: true, cancelable: true, clientX: x, clientY: y}); \
               b.dispatchEvent(e); \
               return e.defaultPrevented; \
             });",
            vec![what],
        )
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_picture_file_dropped_on_the_body_is_uploaded_and_inserted_where_it_falls() {
    if !browser_available() {
        return;
    }
    let site = Site::new().await;
    let (_base, _driver, client, _profile) = new_story(&site).await;
    let body = || js_string(&client, "return document.getElementById('ed-body').value");
    let said = "document.querySelector('[data-body-drop-status]').textContent";
    let status =
        || js_string(&client, "return document.querySelector('[data-body-drop-status]').textContent");
    let library =
        || async { site.store.media_search("", PageRequest { offset: 0, limit: 5 }).await.unwrap() };
    // Typing leaves the cursor at the end: where the file falls decides, not the cursor.
    type_in(&client, "#ed-body", "First paragraph.\n\nLast paragraph.").await;

    // Dragged words keep the browser's own handling.
    assert_eq!(
        drop_on_body(&client, serde_json::json!({"text": "dragged words"})).await,
        serde_json::json!([false, false, false]),
        "a dragged text is left to the browser"
    );
    assert_eq!(status().await, "");

    // A picture file: into the library, then into the body over whose first line it fell,
    // after that line, as a paragraph of its own.
    let png = picture(320, 200, image::ImageFormat::Png);
    let dropped = serde_json::json!({"file": "flood.png", "type": "image/png", "bytes": png});
    assert_eq!(
        drop_on_body(&client, dropped).await,
        serde_json::json!([true, true, true]),
        "the page takes a dropped file, so the browser does not open it in place of the editor"
    );
    assert!(
        until_true(
            &client,
            &format!("return {said}.startsWith('Uploaded flood.png')"),
            Duration::from_secs(20)
        )
        .await
        .is_some(),
        "the upload finished: {:?}",
        status().await
    );
    let kept = library().await;
    assert_eq!(kept.len(), 1, "the dropped picture is in the library");
    let url = format!("/media/{}/original.png", kept[0].hash);
    assert_eq!(body().await, format!("First paragraph.\n\n![]({url})\n\nLast paragraph."));
    let errors = console_errors(&client).await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    // The cursor waits in the empty alt text: typing describes the picture there.
    type_in(&client, "#ed-body", "Flooded road").await;
    let described = format!("First paragraph.\n\n![Flooded road]({url})\n\nLast paragraph.");
    assert_eq!(body().await, described);

    // A file that is not a picture: the library's refusal is shown and nothing is inserted.
    let notes = serde_json::json!({"file": "notes.txt", "type": "text/plain", "bytes": b"Minutes of the council.".to_vec()});
    assert_eq!(drop_on_body(&client, notes).await, serde_json::json!([true, true, true]));
    assert!(
        until_true(&client, &format!("return {said}.startsWith('Not uploaded: ')"), Duration::from_secs(20))
            .await
            .is_some(),
        "refused: {:?}",
        status().await
    );
    let refusal = status().await;
    assert!(refusal.contains("The picture was not added"), "the library's own words: {refusal:?}");
    assert_eq!(body().await, described, "nothing inserted");
    assert_eq!(library().await.len(), 1, "nothing added to the library");
    let errors = console_errors(&client).await;
    assert!(
        errors.iter().all(|e| e.contains("/admin/media") && e.contains("422")),
        "only the refused upload's answer: {errors:?}"
    );
    client.close().await.unwrap();
}

/// What a word processor puts on the clipboard (Word's lists are paragraphs marked
/// `mso-list`), with its clutter: classes, styles, comments, `<o:p>`, a script.
const WORD_HTML: &str = r#"<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta charset="utf-8"><style>p.MsoNormal{margin:0}</style></head><body lang=EN-GB>
<!--StartFragment--><h1 style='margin-top:12pt'><span style='font-family:"Calibri Light"'>Budget talks resume</span></h1>
<p class=MsoNormal style='font-size:11pt'>Ministers met on <b>Tuesday</b> in <i>Islamabad</i>; see the <a href="https://finance.example/budget">full statement</a>.<o:p></o:p></p>
<p class=MsoListParagraphCxSpFirst style='mso-list:l0 level1 lfo1'><span style='mso-list:Ignore'>·<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp; </span></span>Fuel subsidies<o:p></o:p></p>
<p class=MsoListParagraphCxSpLast style='mso-list:l0 level1 lfo1'><span style='mso-list:Ignore'>·<span>&nbsp;</span></span>Pay for teachers<o:p></o:p></p>
<p class=MsoNormal><span style='color:red;font-family:Wingdings'>Kept words</span><script>alert(1)</script> <a href="javascript:alert(1)">no link</a></p><!--EndFragment--></body></html>"#;

/// What Google Docs and web pages put there: a `<b style="font-weight:normal">` wrapper,
/// bold and italic as styles, real lists, a quote.
const WEB_HTML: &str = r#"<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-1"><h2 dir="ltr"><span style="font-size:16pt">Who voted</span></h2><p dir="ltr"><span style="font-weight:700">Turnout</span><span style="font-weight:400"> rose, </span><span style="font-style:italic">officials said</span>.</p><ul><li><p>Lahore</p></li><li>Karachi</li></ul><ol><li>First</li><li>Second</li></ol><blockquote><p>We counted every vote.</p></blockquote><table><tr><td>Cell text</td></tr></table></b>"#;

async fn paste(client: &fantoccini::Client, html: &str) {
    client
        .execute(
            "var b = document.getElementById('ed-body'); b.focus(); b.value = ''; \
             var d = new DataTransfer(); d.setData('text/html', arguments[0]); d.setData('text/plain', 'plain'); \
             b.dispatchEvent(new ClipboardEvent('paste', {clipboardData: d, bubbles: true, cancelable: true}));",
            vec![html.into()],
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pasting_keeps_structure_as_markdown_and_the_toolbar_and_shortcuts_format() {
    if !browser_available() {
        return;
    }
    let site = Site::new().await;
    let (_base, _driver, client, _profile) = new_story(&site).await;
    let body = || js_string(&client, "return document.getElementById('ed-body').value");

    paste(&client, WORD_HTML).await;
    assert_eq!(
        body().await,
        "## Budget talks resume\n\n\
         Ministers met on **Tuesday** in *Islamabad*; see the [full statement](https://finance.example/budget).\n\n\
         - Fuel subsidies\n- Pay for teachers\n\n\
         Kept words no link"
    );
    paste(&client, WEB_HTML).await;
    assert_eq!(
        body().await,
        "## Who voted\n\n**Turnout** rose, *officials said*.\n\n- Lahore\n- Karachi\n\n1. First\n2. Second\n\n\
         > We counted every vote.\n\nCell text"
    );

    // The toolbar: bold around the selection; a list; the link shortcut selects the address.
    client
        .execute("var b = document.getElementById('ed-body'); b.value = 'Rain fell\\nRoads shut'; b.focus(); b.setSelectionRange(0, 4);", vec![])
        .await
        .unwrap();
    press(&client, "[data-writing-toolbar] button[data-do=bold]").await;
    assert_eq!(body().await, "**Rain** fell\nRoads shut");
    client.execute("document.getElementById('ed-body').setSelectionRange(0, 21);", vec![]).await.unwrap();
    press(&client, "[data-writing-toolbar] button[data-do=list]").await;
    assert_eq!(body().await, "- **Rain** fell\n- Roads shut");
    client
        .execute(
            "var b = document.getElementById('ed-body'); b.focus(); b.setSelectionRange(18, 23);",
            vec![],
        )
        .await
        .unwrap();
    let control = char::from(fantoccini::key::Key::Control);
    let null = char::from(fantoccini::key::Key::Null);
    type_in(&client, "#ed-body", &format!("{control}k{null}")).await;
    assert_eq!(body().await, "- **Rain** fell\n- [Roads](https://) shut");
    type_in(&client, "#ed-body", "https://roads.example/closures").await;
    assert_eq!(
        body().await,
        "- **Rain** fell\n- [Roads](https://roads.example/closures) shut",
        "the address was selected, so typing replaces it"
    );
    client
        .execute("var b = document.getElementById('ed-body'); b.setSelectionRange(2, 15);", vec![])
        .await
        .unwrap();
    type_in(&client, "#ed-body", &format!("{control}i{null}")).await;
    assert_eq!(body().await, "- ***Rain** fell*\n- [Roads](https://roads.example/closures) shut");
    // The picture button opens the picker, to insert into the body.
    press(&client, "[data-writing-toolbar] button[data-do=picture]").await;
    assert_eq!(
        client
            .execute("var d = document.getElementById('picker'); return d.open && d.dataset.mode", vec![])
            .await
            .unwrap(),
        serde_json::json!("body")
    );
    let errors = console_errors(&client).await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    client.close().await.unwrap();
}

fn with_body<'a>(fields: &mut [(&'a str, &'a str)], body: &'a str) {
    for field in fields.iter_mut().filter(|(name, _)| *name == "body") {
        field.1 = body;
    }
}

#[tokio::test]
async fn unsaved_typing_is_kept_offered_back_restored_and_emptied_by_a_save() {
    use axum::http::StatusCode;
    let site = Site::new().await;
    let story = site.publish(&site.draft("Council approves the budget"), "2025-03-01T08:00:00Z").await;
    let mut editor = site.signed_in(Role::Editor).await;
    let page = editor.get(&format!("/admin/stories/{}", story.id)).await;
    assert!(page.body.contains(&format!(r#"data-autosave="/admin/stories/{}/autosave""#, story.id)));
    assert!(!page.body.contains("You have unsaved changes"));

    // The script posts the whole form; nothing public changes.
    let version = story.version.to_string();
    let mut fields =
        crate::support::story_fields("Council approves the budget after a long night", "", &version);
    with_body(&mut fields, "Typed but not saved.");
    let kept = editor.post(&format!("/admin/stories/{}/autosave", story.id), &fields).await;
    assert_eq!(kept.status, StatusCode::NO_CONTENT, "{}", kept.body);
    assert!(!site.get(&format!("/story/{}", story.slug)).await.body.contains("long night"), "not published");
    assert_eq!(site.store.story(story.id).await.unwrap().unwrap().version, story.version, "not a revision");

    let page = editor.get(&format!("/admin/stories/{}", story.id)).await;
    let text = crate::support::text(&page.body);
    assert!(text.contains("You have unsaved changes from"), "{text}");
    assert!(page.body.contains(&format!(r#"href="/admin/stories/{}?restore=autosave""#, story.id)));
    let restored = editor.get(&format!("/admin/stories/{}?restore=autosave", story.id)).await;
    assert!(
        restored.body.contains(r#"value="Council approves the budget after a long night""#),
        "restored without scripts"
    );
    assert!(restored.body.contains("Typed but not saved."));
    assert!(crate::support::text(&restored.body).contains("Your unsaved changes are back in the form."));

    // Someone else cannot read or write this slot; a forged token keeps nothing.
    let mut contributor = site.signed_in(Role::Contributor).await;
    assert_eq!(
        contributor.post(&format!("/admin/stories/{}/autosave", story.id), &fields).await.status,
        StatusCode::FORBIDDEN
    );
    let mut forged = fields.clone();
    forged.push(("csrf", "forged"));
    assert_eq!(
        editor.post(&format!("/admin/stories/{}/autosave", story.id), &forged).await.status,
        StatusCode::FORBIDDEN
    );

    // Saving the story empties the slot.
    let mut save =
        crate::support::story_fields("Council approves the budget after a long night", "update", &version);
    with_body(&mut save, "Typed but not saved.");
    let saved = editor.post(&format!("/admin/stories/{}", story.id), &save).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(
        !editor.get(&format!("/admin/stories/{}", story.id)).await.body.contains("You have unsaved changes")
    );

    // A new story's typing, then discarded.
    let new_fields = crate::support::story_fields("Draft that never was", "", "0");
    assert_eq!(editor.post("/admin/stories/new/autosave", &new_fields).await.status, StatusCode::NO_CONTENT);
    assert!(editor.get("/admin/stories/new").await.body.contains("You have unsaved changes"));
    let discarded = editor.post("/admin/stories/new/autosave/discard", &[]).await;
    assert_eq!(discarded.status, StatusCode::SEE_OTHER);
    assert!(!editor.get("/admin/stories/new").await.body.contains("You have unsaved changes"));
}

/// What the editor's autosave slot for `story` (`None`: a new story) holds in the store.
async fn slot(site: &Site, story: Option<StoryId>) -> Option<String> {
    let (user, _) = site.store.user_for_login(EDITOR).await.unwrap().unwrap();
    site.store.autosave(user.id, story).await.unwrap().map(|slot| slot.fields)
}

/// Waits up to 5 s for the slot to hold `words`.
async fn slot_holds(site: &Site, story: Option<StoryId>, words: &str) -> bool {
    for _ in 0..50 {
        if slot(site, story).await.is_some_and(|fields| fields.contains(words)) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Lets the page go without the editor's "leave the page?" question.
async fn no_leave_warning(client: &fantoccini::Client) {
    client.execute("window.onbeforeunload = null; window.addEventListener('beforeunload', function (e) { e.stopImmediatePropagation(); }, true);", vec![]).await.unwrap();
}

/// The page's status line says the typing is kept on the server (within 10 s).
async fn kept_on_the_server(client: &fantoccini::Client) -> bool {
    let said = "return document.querySelector('[data-autosave-status]').textContent.startsWith('Unsaved changes kept')";
    until_true(client, said, Duration::from_secs(10)).await.is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_survives_a_closed_tab_and_is_restored_on_reopening() {
    if !browser_available() {
        return;
    }
    let site = Site::new().await;
    let (base, _driver, client, _profile) = new_story(&site).await;
    type_in(&client, "#ed-headline", "Storm reaches the coast").await;
    type_in(&client, "#ed-body", "Winds of 120 km/h were recorded.").await;
    assert!(kept_on_the_server(&client).await, "kept every few seconds");
    // More typing, then the tab goes away at once: the last words leave with it.
    type_in(&client, "#ed-body", " Schools are closed.").await;
    let first = client.window().await.unwrap();
    let other = client.new_window(true).await.unwrap();
    client.switch_to_window(first.clone()).await.unwrap();
    no_leave_warning(&client).await;
    client.close_window().await.unwrap();
    client.switch_to_window(other.handle).await.unwrap();
    assert!(slot_holds(&site, None, "Schools are closed.").await, "the closing tab sent its last typing");

    client.goto(&format!("{base}/admin/stories/new")).await.unwrap();
    let notice = client.find(Locator::Css("#autosave-h")).await.expect("the offer").text().await.unwrap();
    assert!(notice.contains("You have unsaved changes from"), "{notice}");
    press(&client, "a[href='/admin/stories/new?restore=autosave']").await;
    client.wait().for_element(Locator::Css(".flash")).await.unwrap();
    assert_eq!(
        js_string(&client, "return document.getElementById('ed-headline').value").await,
        "Storm reaches the coast"
    );
    assert_eq!(
        js_string(&client, "return document.getElementById('ed-body').value").await.trim(),
        "Winds of 120 km/h were recorded. Schools are closed."
    );
    let errors = console_errors(&client).await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    client.close().await.unwrap();
}

/// A script expression: the browser's own copies (`localStorage`) of the typing for the
/// editor whose autosave address is `autosave`, one after the other ("" for none), their
/// form encoding undone.
fn browser_copy(autosave: &str) -> String {
    format!(
        "Object.keys(localStorage).filter(function (k) {{ return k.indexOf({0}) >= 0; }}).map(function (k) {{ return decodeURIComponent(localStorage.getItem(k).replace(/\\+/g, ' ')); }}).join('')",
        serde_json::to_string(autosave).unwrap()
    )
}

/// The crash, as the server sees it: from now on nothing the page sends reaches it, neither
/// the autosave's ticks nor its beacon.
async fn cut_off(client: &fantoccini::Client) {
    client
        .execute(
            "window.fetch = function () { return new Promise(function () {}); }; \
             navigator.sendBeacon = function () { return true; };",
            vec![],
        )
        .await
        .unwrap();
}

/// Types `words` in the body after the server was cut off, then leaves the page (whose
/// browser's copy, the expression `copy`, has them by then).
async fn crash_after(client: &fantoccini::Client, copy: &str, words: &str) {
    cut_off(client).await;
    type_in(client, "#ed-body", words).await;
    // Copied a moment after the typing, without waiting for the page to go.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        js_string(client, &format!("return {copy}")).await.contains(words.trim()),
        "copied in the browser"
    );
    no_leave_warning(client).await;
    client.goto("about:blank").await.unwrap();
}

/// An existing story open in the editor of a browser signed in as `EDITOR`.
struct OpenStory {
    story: dateline_core::Story,
    /// The editor's address.
    page: String,
    /// The browser's copies of the typing there (`browser_copy`).
    copy: String,
    client: fantoccini::Client,
    _driver: tokio::process::Child,
    _profile: tempfile::TempDir,
}

async fn open_story(site: &Site) -> OpenStory {
    let story = site.publish(&site.draft("Council approves the budget"), "2025-03-01T08:00:00Z").await;
    let (base, _driver, client, _profile) = signed_in_browser(site, EDITOR, Role::Editor).await;
    let page = format!("{base}/admin/stories/{}", story.id);
    let copy = browser_copy(&format!("/admin/stories/{}/autosave", story.id));
    client.goto(&page).await.unwrap();
    OpenStory { story, page, copy, client, _driver, _profile }
}

impl OpenStory {
    /// Within `limit`, the browser holds no copy of the typing any more.
    async fn no_copy_within(&self, limit: Duration) -> bool {
        until_true(&self.client, &format!("return {} === ''", self.copy), limit).await.is_some()
    }

    /// Within 2 s, the browser's copy has `words`.
    async fn copied(&self, words: &str) {
        let has = format!("return {}.indexOf({}) >= 0", self.copy, serde_json::to_string(words).unwrap());
        assert!(until_true(&self.client, &has, Duration::from_secs(2)).await.is_some(), "copied: {words}");
    }

    /// Opens the editor again after a crash: its copy, which has `words`, reaches the slot
    /// and leaves the browser, and the page shows the server's offer of it.
    async fn reopen(&self, site: &Site, words: &str) {
        self.client.goto(&self.page).await.unwrap();
        assert!(slot_holds(site, Some(self.story.id), words).await, "the copy reached the slot");
        assert!(self.no_copy_within(Duration::from_secs(5)).await, "sent, then dropped");
        let offer = "return !!document.getElementById('autosave-h') && document.readyState === 'complete'";
        assert!(until_true(&self.client, offer, Duration::from_secs(5)).await.is_some(), "the offer");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_since_the_last_keep_survives_a_crash_and_saving_drops_the_browsers_copy() {
    if !browser_available() {
        return;
    }
    let site = Site::new().await;
    let open = open_story(&site).await;
    let (client, id) = (&open.client, open.story.id);
    type_in(client, "#ed-body", " Turnout was high.").await;
    assert!(kept_on_the_server(client).await, "kept every few seconds");
    assert!(slot_holds(&site, Some(id), "Turnout was high.").await);
    assert!(
        open.no_copy_within(Duration::from_secs(2)).await,
        "the server keeps the same words: no copy in the browser"
    );

    // More typing, then the crash: the last words never reach the server.
    crash_after(client, &open.copy, " Schools stay open.").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let kept = slot(&site, Some(id)).await.unwrap_or_default();
    assert!(kept.contains("Turnout was high.") && !kept.contains("Schools stay open."), "{kept}");

    // Opened again in the same browser: the page sends its copy, then offers it back.
    open.reopen(&site, "Schools stay open.").await;
    press(client, &format!("a[href='/admin/stories/{id}?restore=autosave']")).await;
    client.wait().for_element(Locator::Css(".flash")).await.unwrap();
    let body = js_string(client, "return document.getElementById('ed-body').value").await;
    assert!(body.trim().ends_with("expected. Turnout was high. Schools stay open."), "{body:?}");

    // Typing after restoring is copied again; saving the story drops the copy.
    type_in(client, "#ed-body", " Polls close at eight.").await;
    open.copied("Polls close at eight.").await;
    press(client, "button[name=action][value=update]").await;
    let updated = "return location.search.indexOf('done=updated') >= 0 && document.readyState === 'complete'";
    assert!(until_true(client, updated, Duration::from_secs(10)).await.is_some(), "updated");
    assert!(
        open.no_copy_within(Duration::from_secs(1)).await,
        "no copy left in the browser: {}",
        js_string(client, &format!("return {}", open.copy)).await
    );
    let saved = site.store.story(id).await.unwrap().unwrap();
    assert!(
        saved.body_source.ends_with("Schools stay open. Polls close at eight."),
        "{:?}",
        saved.body_source
    );
    assert_eq!(slot(&site, Some(id)).await, None, "the save emptied the slot");
    let errors = console_errors(client).await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    client.clone().close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_never_kept_survives_a_crash_and_discarding_drops_the_browsers_copy() {
    if !browser_available() {
        return;
    }
    let site = Site::new().await;
    let open = open_story(&site).await;
    let (client, id) = (&open.client, open.story.id);

    // The crash comes before the first keep: the server has nothing.
    crash_after(client, &open.copy, " Late correction.").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(slot(&site, Some(id)).await, None, "nothing reached the server");
    open.reopen(&site, "Late correction.").await;

    // Typing there instead, then "Discard them": the slot and the copy go.
    type_in(client, "#ed-headline", " (corrected)").await;
    open.copied("(corrected)").await;
    no_leave_warning(client).await;
    press(client, &format!("form[action='/admin/stories/{id}/autosave/discard'] button")).await;
    let gone = "return !document.getElementById('autosave-h') && document.readyState === 'complete'";
    assert!(until_true(client, gone, Duration::from_secs(5)).await.is_some(), "discarded");
    assert!(
        open.no_copy_within(Duration::from_secs(1)).await,
        "no copy left in the browser: {}",
        js_string(client, &format!("return {}", open.copy)).await
    );
    assert_eq!(slot(&site, Some(id)).await, None, "the slot is empty");
    let errors = console_errors(client).await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    client.clone().close().await.unwrap();
}
