//! Drop folders only under the operator's drop root (`[wire] drop_root`), with real folders
//! and symlinks: none may be set without a root, none outside it (through `..` or a
//! symlink), a folder saved before that lies outside is not looked at, and no file is read,
//! and nothing moved, through a symlink.

use crate::support::Site;
use axum::http::StatusCode;
use dateline_core::{NewSource, Role, Slug, SourceId, WireConfig};
use dateline_newsroom::drop_folder::DropRoot;
use dateline_newsroom::{Clock, poller};
use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::Duration;

fn fixture(name: &str) -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ingest/tests/fixtures/wire");
    std::fs::read(root.join(name)).unwrap()
}

async fn wait_until(limit: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let started = std::time::Instant::now();
    while started.elapsed() < limit {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn no_drop_folder_is_saved_without_a_root() {
    let site = Site::new().await;
    let folder = tempfile::tempdir().unwrap();
    let path = format!("/admin/sources/{}/wire", site.source.id);
    let mut admin = site.signed_in(Role::Administrator).await;
    let location = folder.path().display().to_string();
    let refused =
        admin.post(&path, &[("kind", "drop-newsml"), ("location", &location), ("poll_seconds", "5")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(crate::support::text(&refused.body).contains("drop_root"), "the editor is told why");
    assert_eq!(site.store.wire_source(site.source.id).await.unwrap().unwrap().config.kind, "manual");
}

#[tokio::test]
async fn a_drop_folder_must_be_inside_the_root() {
    let mut site = Site::new().await;
    let root = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("agency")).unwrap();
    symlink(outside.path(), root.path().join("link-out")).unwrap();
    site.state.parts_mut().drop_root = DropRoot::new(Some(root.path().to_owned()));
    let path = format!("/admin/sources/{}/wire", site.source.id);
    let mut admin = site.signed_in(Role::Administrator).await;
    let r = root.path().display().to_string();
    let sideways = format!("{r}/../{}", outside.path().file_name().unwrap().to_string_lossy());
    for (location, why) in [
        (outside.path().display().to_string(), "inside"),
        (sideways, "inside"),
        (format!("{r}/link-out"), "inside"),
        (format!("{r}/missing"), "cannot be read"),
    ] {
        let fields = [("kind", "drop-newsml"), ("location", location.as_str()), ("poll_seconds", "5")];
        let refused = admin.post(&path, &fields).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{location}");
        assert!(crate::support::text(&refused.body).contains(why), "{location}: {}", refused.body);
    }
    assert_eq!(site.store.wire_source(site.source.id).await.unwrap().unwrap().config.kind, "manual");

    let inside = format!("{r}/agency/../agency");
    let saved =
        admin.post(&path, &[("kind", "drop-newsml"), ("location", &inside), ("poll_seconds", "5")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let w = site.store.wire_source(site.source.id).await.unwrap().unwrap();
    let real = std::fs::canonicalize(root.path().join("agency")).unwrap();
    assert_eq!(w.config.location.as_deref(), Some(real.to_str().unwrap()), "saved as the real folder");
}

async fn drop_source(site: &Site, name: &str, folder: &Path) -> SourceId {
    let source = site
        .store
        .create_source(&NewSource {
            slug: Slug::from_title(name).unwrap(),
            name: name.into(),
            credit: name.into(),
        })
        .await
        .unwrap();
    // Saved straight into the store, as a folder set before the root existed would be.
    let config = WireConfig {
        kind: "drop-newsml".into(),
        location: Some(folder.display().to_string()),
        section: Some(site.world.id),
        byline: String::new(),
        language: None,
        auto_publish: true,
    };
    site.store.save_wire_settings(source.id, &config, 1, None, jiff::Timestamp::now()).await.unwrap();
    source.id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_poller_follows_no_symlink_out_of_the_root() {
    let mut site = Site::new().await;
    let root = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let (r, o) = (root.path(), outside.path());
    site.state.parts_mut().drop_root = DropRoot::new(Some(r.to_owned()));
    for folder in ["agency", "moves"] {
        std::fs::create_dir(r.join(folder)).unwrap();
    }
    std::fs::write(o.join("secret.xml"), fixture("newsml_message.xml")).unwrap();
    // A file that is a symlink to a file outside, beside a real file.
    symlink(o.join("secret.xml"), r.join("agency/evil.xml")).unwrap();
    std::fs::write(r.join("agency/good.xml"), fixture("newsml_item.xml")).unwrap();
    let agency = drop_source(&site, "Agency", &r.join("agency")).await;
    // processed/ planted as a symlink leading out: the file is not moved through it.
    symlink(o, r.join("moves/processed")).unwrap();
    std::fs::write(r.join("moves/story.xml"), fixture("newsml_item.xml")).unwrap();
    let moves = drop_source(&site, "Moves", &r.join("moves")).await;
    // A folder outside the root, saved before, and one reached through a symlink.
    std::fs::write(o.join("outside.xml"), fixture("newsml_item.xml")).unwrap();
    let far = drop_source(&site, "Far", o).await;
    symlink(o, r.join("link-out")).unwrap();
    let linked = drop_source(&site, "Linked", &r.join("link-out")).await;

    let runner = tokio::spawn(poller::run(
        site.store.clone(),
        Clock::System,
        site.state.wire_images.clone(),
        site.state.drop_root.clone(),
        site.state.egress.clone(),
        tokio_util::sync::CancellationToken::new(),
    ));
    let error_of =
        async |source| site.store.poll_status(source).await.unwrap().last_error.unwrap_or_default();
    let settled = wait_until(Duration::from_secs(8), async || {
        r.join("agency/processed/good.xml").exists()
            && error_of(moves).await.contains("cannot be moved")
            && error_of(far).await.contains("inside")
            && error_of(linked).await.contains("inside")
    })
    .await;
    runner.abort();
    assert!(settled, "agency {:?}, moves {:?}", error_of(agency).await, error_of(moves).await);

    let items = site.store.wire_items(Some(agency), None, 10).await.unwrap();
    assert_eq!(items.len(), 1, "only the real file was read, not the symlink's target");
    assert!(r.join("agency/evil.xml").is_symlink(), "the symlink is left where it is");
    assert!(o.join("secret.xml").exists() && !o.join("story.xml").exists(), "nothing moved out");
    assert!(r.join("moves/story.xml").exists(), "the file stays in its folder");
    assert!(o.join("outside.xml").exists(), "a folder outside the root is not looked at");
    assert!(site.store.wire_items(Some(far), None, 10).await.unwrap().is_empty());
    assert!(site.store.wire_items(Some(linked), None, 10).await.unwrap().is_empty());
}
