//! The theme's own Arabic-script fonts (issue 18, point 6): served over real HTTP as WOFF2,
//! versioned and cached for ever, never compressed again; named by the style sheet with a
//! `unicode-range` and `font-display: swap`; preloaded by Urdu and Arabic pages only; a
//! theme folder's own file replaces one. In headless Chromium an Urdu story is set in the
//! shipped Nastaliq with no glyph from any other font, an English story never fetches
//! it, and the fallback shown while it loads breaks the lines where the font does.

use crate::browser::{browser, browser_available, console_errors, screenshot_dir};
use crate::support::Site;
use dateline_core::StoryDraft;

const NASTALIQ: &str = "fonts/noto-nastaliq-urdu-400.woff2";
const NASKH: [&str; 2] = ["fonts/noto-naskh-arabic-400.woff2", "fonts/noto-naskh-arabic-700.woff2"];

/// A story in the Urdu section, in the demo's sentences (long enough to wrap on a phone).
fn urdu_draft(site: &Site) -> StoryDraft {
    StoryDraft {
        headline: "کراچی میں بارش کے مسئلے پر اہم اجلاس، حکام نے تفصیلات جاری کر دیں".into(),
        standfirst: "لاہور کے شہریوں نے مہنگائی کے بارے میں اپنی تشویش کا اظہار کیا۔".into(),
        body: "حکام کے مطابق صورتحال پر قابو پانے کے لیے ضروری اقدامات کیے جا رہے ہیں۔ \
               اجلاس میں متعلقہ اداروں کے نمائندوں نے شرکت کی۔\n\n\
               ماہرین کا کہنا ہے کہ بجلی کے مسئلے کا دیرپا حل ضروری ہے۔ \
               ترجمان نے بتایا کہ تمام فریقین سے مشاورت مکمل کر لی گئی ہے۔\n\n\
               توقع ہے کہ آئندہ ۱۲ روز میں مزید تفصیلات جاری کی جائیں گی۔"
            .into(),
        dateline_place: "کراچی".into(),
        credit: "اے پی پی".into(),
        section: site.urdu.id,
        tags: Vec::new(),
        language: "ur".into(),
        ..site.draft("")
    }
}

/// The version the site puts in an asset's address (`?v=`): its SHA-256, 6 bytes in hex.
fn version_of(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(bytes)[..6])
}

fn theme_file(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("theme/assets").join(name)).unwrap()
}

/// The `href` of each `<link rel="preload" ... as="font">` in `html`.
fn font_preloads(html: &str) -> Vec<String> {
    html.split("<link ")
        .skip(1)
        .filter_map(|tag| tag.split('>').next())
        .filter(|tag| tag.contains(r#"rel="preload""#) && tag.contains(r#"as="font""#))
        .map(|tag| {
            assert!(tag.contains(r#"type="font/woff2""#) && tag.contains("crossorigin"), "{tag}");
            tag.split(r#"href=""#).nth(1).and_then(|rest| rest.split('"').next()).unwrap().to_owned()
        })
        .collect()
}

/// The address of the style sheet a page links.
fn style_sheet(html: &str) -> String {
    let at = html.find(r#"<link rel="stylesheet" href=""#).expect("a style sheet") + 29;
    html[at..].split('"').next().unwrap().to_owned()
}

/// The `@font-face` rule of `family` in `css` whose `src` names `file`.
fn face<'a>(css: &'a str, family: &str, file: &str) -> &'a str {
    css.split("@font-face")
        .skip(1)
        .map(|rule| &rule[..rule.find('}').unwrap()])
        .find(|rule| rule.contains(&format!(r#"font-family: "{family}";"#)) && rule.contains(file))
        .unwrap_or_else(|| panic!("no @font-face for {family} with {file}"))
}

#[tokio::test]
async fn script_fonts_are_served_as_woff2_and_only_urdu_and_arabic_pages_preload_them() {
    let site = Site::new().await;
    let urdu = site.publish(&urdu_draft(&site), "2025-02-27T08:00:00Z").await;
    let arabic = site
        .publish(
            &StoryDraft {
                headline: "البرلمان يقر الميزانية".into(),
                language: "ar".into(),
                ..site.draft("")
            },
            "2025-02-27T09:00:00Z",
        )
        .await;
    let english = site.publish(&site.draft("Parliament passes the budget"), "2025-02-27T10:00:00Z").await;
    let base = crate::server::spawn(&site).await;
    // no_gzip: the Content-Encoding header as sent.
    let client = reqwest::Client::builder().no_gzip().no_brotli().build().unwrap();
    let get = |path: String| {
        let client = client.clone();
        let base = base.clone();
        async move {
            let response = client
                .get(format!("{base}{path}"))
                .header("accept-encoding", "br, gzip")
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{path}");
            let headers = response.headers().clone();
            (headers, response.bytes().await.unwrap().to_vec())
        }
    };
    let page = |path: String| {
        let client = client.clone();
        let base = base.clone();
        async move { client.get(format!("{base}{path}")).send().await.unwrap().text().await.unwrap() }
    };

    let urdu_page = page(crate::support::uri_of(&format!("/story/{}", urdu.slug))).await;
    assert!(urdu_page.contains(r#"<html lang="ur" dir="rtl">"#), "an Urdu page");
    let preloads = font_preloads(&urdu_page);
    let nastaliq_version = version_of(&theme_file(NASTALIQ));
    assert_eq!(
        preloads,
        [format!("/assets/{NASTALIQ}?v={nastaliq_version}")],
        "the Urdu page preloads Nastaliq"
    );
    assert!(
        urdu_page.find("rel=\"preload\"").unwrap() < urdu_page.find("rel=\"stylesheet\"").unwrap(),
        "asked for before the style sheet"
    );

    // The font: its own type, the file's bytes, never compressed again, cached for ever;
    // the first answer is rendered, the second comes from the page cache.
    for round in ["rendered", "kept"] {
        let (headers, body) = get(preloads[0].clone()).await;
        assert_eq!(headers["content-type"], "font/woff2", "{round}");
        assert!(headers.get("content-encoding").is_none(), "{round}: a WOFF2 is not compressed again");
        assert_eq!(headers["cache-control"], "public, max-age=31536000, immutable", "{round}");
        assert!(body.starts_with(b"wOF2"), "{round}: a WOFF2 file");
        assert_eq!(body, theme_file(NASTALIQ), "{round}");
    }
    // Asked for by an old version it is answered without the page cache: still not compressed.
    let (headers, _) = get(format!("/assets/{NASTALIQ}?v=000000000000")).await;
    assert!(headers.get("content-encoding").is_none(), "an old version is not compressed either");
    assert_eq!(headers["content-type"], "font/woff2");

    // The style sheet names the same address, with the range and the swap.
    let sheet = style_sheet(&urdu_page);
    let (headers, css) = get(sheet.clone()).await;
    assert_eq!(headers["content-encoding"], "br", "the sheet itself is compressed");
    let css = {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut brotli::Decompressor::new(css.as_slice(), 4096), &mut text)
            .unwrap();
        text
    };
    let rule = face(&css, "Dateline Nastaliq", NASTALIQ);
    assert!(
        rule.contains(&format!(r#"src: url("{NASTALIQ}?v={nastaliq_version}") format("woff2");"#)),
        "the sheet links the font by its version: {rule}"
    );
    assert!(rule.contains("font-display: swap;"), "{rule}");
    // The Arabic block, not the space (English on an Urdu page keeps its spacing).
    assert!(rule.contains("unicode-range: U+0600-06FF,") && !rule.contains("U+0020"), "{rule}");
    assert!(
        css.contains(r#"--font-nastaliq: "Dateline Nastaliq", "#),
        "Urdu text asks for the shipped face first"
    );
    for file in NASKH {
        let rule = face(&css, "Dateline Naskh", file);
        assert!(rule.contains("font-display: swap;") && rule.contains("unicode-range: "), "{rule}");
    }
    // The sheet's own version covers the fonts' versions it carries.
    assert!(sheet.ends_with(&format!("?v={}", version_of(css.as_bytes()))), "{sheet}");

    // An Arabic page preloads Naskh, regular and bold, served the same way.
    let arabic_page = page(crate::support::uri_of(&format!("/story/{}", arabic.slug))).await;
    let preloads = font_preloads(&arabic_page);
    assert_eq!(preloads.len(), 2, "{preloads:?}");
    for (href, file) in preloads.iter().zip(NASKH) {
        assert_eq!(*href, format!("/assets/{file}?v={}", version_of(&theme_file(file))));
        let (headers, body) = get(href.clone()).await;
        assert_eq!(headers["content-type"], "font/woff2");
        assert!(headers.get("content-encoding").is_none());
        assert_eq!(body, theme_file(file));
    }

    // An English page names no font file at all.
    let english_page = page(format!("/story/{}", english.slug)).await;
    assert!(font_preloads(&english_page).is_empty(), "an English page preloads no font");
    assert!(!english_page.contains("fonts/"), "nor links one");

    // The licence travels with the fonts.
    let licence = client.get(format!("{base}/assets/fonts/OFL.txt")).send().await.unwrap();
    assert_eq!(licence.headers()["content-type"], "text/plain; charset=utf-8");
    let licence = licence.text().await.unwrap();
    assert!(
        licence.contains("SIL OPEN FONT LICENSE Version 1.1") && licence.contains("Noto Project Authors")
    );
}

#[tokio::test]
async fn script_fonts_a_theme_folder_replaces_a_font_and_the_sheet_follows() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(folder.path().join("assets/fonts")).unwrap();
    // The site's own Urdu font (here the Naskh file, under the Nastaliq file's name).
    let own = theme_file(NASKH[0]);
    std::fs::write(folder.path().join("assets").join(NASTALIQ), &own).unwrap();
    let site = Site::with_theme(Some(folder.path())).await;
    let urdu = site.publish(&urdu_draft(&site), "2025-02-27T08:00:00Z").await;

    let page = site.get(&crate::support::uri_of(&format!("/story/{}", urdu.slug))).await;
    assert_eq!(page.status, 200);
    let own_version = version_of(&own);
    assert_ne!(own_version, version_of(&theme_file(NASTALIQ)));
    let address = format!("/assets/{NASTALIQ}?v={own_version}");
    assert_eq!(
        font_preloads(&page.body),
        std::slice::from_ref(&address),
        "the page preloads the site's file"
    );
    let font = site.get(&address).await;
    assert_eq!(font.raw, own, "and is given it");
    assert_eq!(font.header("cache-control"), "public, max-age=31536000, immutable");
    let css = site.get(&style_sheet(&page.body)).await;
    assert!(
        face(&css.body, "Dateline Nastaliq", NASTALIQ).contains(&format!("{NASTALIQ}?v={own_version}")),
        "the built-in sheet names the site's file by its version"
    );
}

/// One Chrome DevTools command, sent through chromedriver.
#[derive(Debug)]
struct Cdp(&'static str, serde_json::Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let body = serde_json::json!({"cmd": self.0, "params": self.1});
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

async fn cdp(client: &fantoccini::Client, cmd: &'static str, params: serde_json::Value) -> serde_json::Value {
    client.issue_cmd(Cdp(cmd, params)).await.unwrap_or_else(|e| panic!("{cmd}: {e}"))
}

/// The fonts Chromium drew the text of the first element matching `selector` with:
/// `(family, is a web font, glyphs)` for each.
async fn fonts_of(client: &fantoccini::Client, selector: &str) -> Vec<(String, bool, u64)> {
    cdp(client, "DOM.enable", serde_json::json!({})).await;
    cdp(client, "CSS.enable", serde_json::json!({})).await;
    let root = cdp(client, "DOM.getDocument", serde_json::json!({"depth": 0})).await;
    let node = cdp(
        client,
        "DOM.querySelector",
        serde_json::json!({"nodeId": root["root"]["nodeId"], "selector": selector}),
    )
    .await;
    assert_ne!(node["nodeId"], 0, "{selector} is on the page");
    let fonts =
        cdp(client, "CSS.getPlatformFontsForNode", serde_json::json!({"nodeId": node["nodeId"]})).await;
    fonts["fonts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["familyName"].as_str().unwrap_or_default().to_owned(),
                f["isCustomFont"].as_bool().unwrap_or_default(),
                f["glyphCount"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

/// Asserts that every letter of the text directly in the first element matching `selector`
/// was drawn with the shipped Nastaliq, and every other glyph is a space.
async fn assert_set_in_nastaliq(client: &fantoccini::Client, selector: &str) {
    let fonts = fonts_of(client, selector).await;
    // The spaces drawn: a line that wraps ends at a space, which is not drawn.
    let spaces = client
        .execute(
            "const el = document.querySelector(arguments[0]); const style = getComputedStyle(el); \
         const lines = style.display === 'inline' ? el.getClientRects().length \
           : Math.round(el.getBoundingClientRect().height / parseFloat(style.lineHeight)); \
         const text = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join(''); \
         return text.trim().split(/\\s+/).length - 1 - (lines - 1)",
            vec![serde_json::json!(selector)],
        )
        .await
        .unwrap();
    let (nastaliq, others): (Vec<_>, Vec<_>) =
        fonts.iter().partition(|(family, web, _)| family == "Noto Nastaliq Urdu" && *web);
    assert!(nastaliq.iter().all(|f| f.2 > 0) && nastaliq.len() == 1, "{selector}: {fonts:?}");
    assert_eq!(
        serde_json::json!(others.iter().map(|f| f.2).sum::<u64>()),
        spaces,
        "{selector}: glyphs from other fonts than the shipped Nastaliq, and spaces: {fonts:?}"
    );
}

/// Where the story's blocks are, in CSS pixels: each one's top and height, and where the
/// page ends.
const LAYOUT: &str = "return ['.story-headline', '.standfirst', '.story-body', '.site-footer']\
    .map(s => { const r = document.querySelector(s).getBoundingClientRect(); \
                return [s, Math.round(r.top + scrollY), Math.round(r.height)]; })";

/// The Nastaliq face's state as the page sees it.
const NASTALIQ_STATE: &str = "return document.fonts.ready.then(() => [...document.fonts]\
    .filter(f => f.family.replace(/\"/g, '') === 'Dateline Nastaliq').map(f => f.status).join(','))";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn script_fonts_an_urdu_story_is_set_in_the_shipped_nastaliq_in_the_browser() {
    if !browser_available() {
        return;
    }
    let site = Site::new().await;
    let english = site.publish(&site.draft("Parliament passes the budget"), "2025-02-27T10:00:00Z").await;
    let base = crate::server::spawn(&site).await;
    let (_driver, client, _profile) = browser().await;
    let eval = |js: &'static str| {
        let client = client.clone();
        async move { client.execute(js, vec![]).await.unwrap() }
    };
    let english_url = format!("{base}/story/{}", english.slug);
    let script_fonts_fetched = "return document.fonts.ready.then(() => performance.getEntriesByType('resource')\
        .filter(e => e.name.includes('/fonts/')).map(e => [e.name.split('/fonts/')[1].split('?')[0], e.initiatorType]))";

    // An English story with no Urdu text on it never fetches the font.
    client.goto(&english_url).await.unwrap();
    assert_eq!(
        eval(script_fonts_fetched).await,
        serde_json::json!([]),
        "an English page loads no script font"
    );
    assert!(console_errors(&client).await.is_empty());

    let urdu = site.publish(&urdu_draft(&site), "2025-02-27T08:00:00Z").await;
    let urdu_url = format!("{base}{}", crate::support::uri_of(&format!("/story/{}", urdu.slug)));

    // First with the font file refused, as a reader sees the page before it arrives: the
    // layout of the fallback.
    cdp(&client, "Network.enable", serde_json::json!({})).await;
    cdp(&client, "Network.setCacheDisabled", serde_json::json!({"cacheDisabled": true})).await;
    cdp(&client, "Network.setBlockedURLs", serde_json::json!({"urls": ["*noto-nastaliq-urdu*"]})).await;
    client.goto(&urdu_url).await.unwrap();
    assert_eq!(eval(NASTALIQ_STATE).await, "error", "the font was kept from the page");
    let fallback = eval(LAYOUT).await;
    let fallback_fonts = fonts_of(&client, ".story-headline").await;
    std::fs::write(screenshot_dir().join("urdu-story-375-fallback.png"), client.screenshot().await.unwrap())
        .unwrap();
    console_errors(&client).await; // the refused font's error, read and dropped

    // Then as it is served.
    cdp(&client, "Network.setBlockedURLs", serde_json::json!({"urls": []})).await;
    cdp(&client, "Network.setCacheDisabled", serde_json::json!({"cacheDisabled": false})).await;
    client.goto(&urdu_url).await.unwrap();
    assert_eq!(eval(NASTALIQ_STATE).await, "loaded", "the Nastaliq face is loaded");
    assert_eq!(eval(r#"return document.fonts.check('16px "Dateline Nastaliq"', 'خبر')"#).await, true);
    let loads = eval(
        "return performance.getEntriesByType('resource').filter(e => e.name.includes('noto-nastaliq-urdu'))\
         .map(e => [e.initiatorType, e.responseStatus])",
    )
    .await;
    assert_eq!(
        loads,
        serde_json::json!([["link", 200]]),
        "fetched once, by the preload, which the sheet used"
    );
    let headline = client.find(fantoccini::Locator::Css(".story-headline")).await.unwrap();
    std::fs::write(screenshot_dir().join("urdu-headline-375.png"), headline.screenshot().await.unwrap())
        .unwrap();
    std::fs::write(screenshot_dir().join("urdu-story-375.png"), client.screenshot().await.unwrap()).unwrap();

    // Every letter from the shipped Nastaliq (a letter it lacked would be drawn by another
    // font, as a box if none has it); only the spaces come from elsewhere (style.css).
    for selector in [".story-headline", ".standfirst", ".story-body p + p"] {
        assert_set_in_nastaliq(&client, selector).await;
    }

    // Shifts while the page loaded (there was none to make: the font came with the sheet).
    let shift = eval(
        "return new Promise(done => { let sum = 0; new PerformanceObserver(list => { \
         for (const e of list.getEntries()) if (!e.hadRecentInput) sum += e.value; }) \
         .observe({type: 'layout-shift', buffered: true}); setTimeout(() => done(sum), 500); })",
    )
    .await;
    assert!(shift.as_f64().unwrap() < 0.01, "layout shift while loading: {shift}");

    // The swap moves nothing: the fallback broke the lines where the font does.
    let loaded = eval(LAYOUT).await;
    eprintln!("fallback {fallback_fonts:?}: {fallback}\nloaded: {loaded}");
    assert_eq!(loaded, fallback, "the blocks' places and heights with the fallback and with the font");

    let errors = console_errors(&client).await;
    assert!(errors.is_empty(), "console errors (a CSP refusal would be one): {errors:?}");

    // Once the English story lists the Urdu one among recent stories, it has Urdu text: the
    // style sheet fetches the font for that card (unicode-range), with no preload. (The
    // browser's cache is off, or it would give the Urdu page's copy, preload and all.)
    cdp(&client, "Network.setCacheDisabled", serde_json::json!({"cacheDisabled": true})).await;
    client.goto(&english_url).await.unwrap();
    assert_eq!(eval("return document.querySelectorAll('link[rel=preload]').length").await, 0);
    assert_eq!(
        eval(script_fonts_fetched).await,
        serde_json::json!([["noto-nastaliq-urdu-400.woff2", "css"]]),
        "fetched for the Urdu card alone"
    );
    assert_set_in_nastaliq(&client, ".card[lang=ur] .card-headline a").await;
    assert!(console_errors(&client).await.is_empty());
    client.close().await.unwrap();
}
