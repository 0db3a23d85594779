//! Writing and opening: upsert, remove, rebuild, persistence, and repairing a damaged directory.

use std::fs;

use dateline_search::{SearchError, SearchIndex, VERSION_FILE};

use crate::support::{found, search, story};

#[test]
fn upsert_replaces_the_story_with_the_same_id() {
    let index = SearchIndex::open_in_ram().unwrap();
    index.upsert(&story(7, "Draft headline", "Old body about wheat.", 1)).unwrap();
    index.upsert(&story(7, "Corrected headline", "New body about rice.", 1)).unwrap();
    assert_eq!(index.doc_count(), 1);
    assert_eq!(found(&index, "wheat"), Vec::<i64>::new());
    let results = search(&index, "rice");
    assert_eq!(results.total, 1);
    assert_eq!(results.hits[0].headline, "Corrected headline");
}

#[test]
fn remove_takes_a_story_out_at_once() {
    let index = SearchIndex::open_in_ram().unwrap();
    index.upsert_many(&[story(1, "Leaked memo", "Text.", 1), story(2, "Other memo", "Text.", 1)]).unwrap();
    index.remove(1).unwrap();
    assert_eq!(found(&index, "memo"), [2]);
    assert_eq!(index.doc_count(), 1);
    index.remove(999).unwrap();
    assert_eq!(index.doc_count(), 1);
}

#[test]
fn rebuild_replaces_everything_and_reports_progress() {
    let index = SearchIndex::open_in_ram().unwrap();
    assert!(index.needs_rebuild());
    index.upsert(&story(1, "Stale story", "Gone after the rebuild.", 1)).unwrap();
    let mut reports = Vec::new();
    let docs = (10..2_510).map(|id| story(id, "Archive story", "From the archive.", id));
    let count = index.rebuild(docs, |n| reports.push(n)).unwrap();
    assert_eq!(count, 2_500);
    assert_eq!(reports, [1_000, 2_000, 2_500]);
    assert!(!index.needs_rebuild());
    assert_eq!(index.doc_count(), 2_500);
    assert_eq!(search(&index, "stale").total, 0);
    assert_eq!(search(&index, "archive").total, 2_500);
    // Writes still work after the rebuild swapped the writer.
    index.upsert(&story(1, "Fresh story", "After the rebuild.", 0)).unwrap();
    assert_eq!(index.doc_count(), 2_501);
}

#[test]
fn a_new_directory_is_created_and_needs_a_rebuild_then_persists() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    {
        let index = SearchIndex::open(&path).unwrap();
        assert!(index.needs_rebuild());
        index.rebuild([story(1, "Kept on disk", "Body.", 1)].into_iter(), |_| {}).unwrap();
    }
    assert_eq!(fs::read_to_string(path.join(VERSION_FILE)).unwrap(), "1");
    let index = SearchIndex::open(&path).unwrap();
    assert!(!index.needs_rebuild());
    assert_eq!(found(&index, "kept"), [1]);
}

#[test]
fn a_second_writer_on_the_same_directory_is_refused_and_nothing_is_wiped() {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    index.upsert(&story(1, "Still here", "Body.", 1)).unwrap();
    let second = SearchIndex::open(dir.path());
    assert!(matches!(second, Err(SearchError::Locked { .. })), "{second:?}");
    assert_eq!(found(&index, "still"), [1]);
    drop(index);
    assert_eq!(found(&SearchIndex::open(dir.path()).unwrap(), "still"), [1]);
}

#[test]
fn junk_in_meta_json_is_recovered_by_recreating_the_index() {
    let dir = tempfile::tempdir().unwrap();
    SearchIndex::open(dir.path()).unwrap().upsert(&story(1, "Before", "Body.", 1)).unwrap();
    fs::write(dir.path().join("meta.json"), "{ this is not json").unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    assert!(index.needs_rebuild());
    assert_eq!(index.doc_count(), 0);
    index.upsert(&story(2, "After", "Body.", 1)).unwrap();
    assert_eq!(found(&index, "after"), [2]);
}

#[test]
fn missing_meta_json_and_garbage_files_are_recovered() {
    let dir = tempfile::tempdir().unwrap();
    SearchIndex::open(dir.path()).unwrap().upsert(&story(1, "Before", "Body.", 1)).unwrap();
    fs::remove_file(dir.path().join("meta.json")).unwrap();
    fs::write(dir.path().join("0123456789abcdef0123456789abcdef.idx"), b"\x00garbage").unwrap();
    fs::create_dir(dir.path().join("junk")).unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    assert!(index.needs_rebuild());
    assert_eq!(index.doc_count(), 0);
    assert!(!dir.path().join("junk").exists());
}

#[test]
fn a_damaged_segment_is_recovered() {
    let dir = tempfile::tempdir().unwrap();
    SearchIndex::open(dir.path()).unwrap().upsert(&story(1, "Before", "Body.", 1)).unwrap();
    for entry in fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "term" || ext == "idx") {
            fs::write(&path, b"truncated").unwrap();
        }
    }
    let index = SearchIndex::open(dir.path()).unwrap();
    assert!(index.needs_rebuild());
    assert_eq!(index.doc_count(), 0);
}

#[test]
fn another_schema_version_is_recreated() {
    let dir = tempfile::tempdir().unwrap();
    SearchIndex::open(dir.path()).unwrap().upsert(&story(1, "Before", "Body.", 1)).unwrap();
    fs::write(dir.path().join(VERSION_FILE), "0").unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    assert!(index.needs_rebuild());
    assert_eq!(index.doc_count(), 0);
    assert_eq!(fs::read_to_string(dir.path().join(VERSION_FILE)).unwrap(), "1");
}

#[test]
fn a_directory_that_is_not_an_index_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("dateline.sqlite"), b"precious").unwrap();
    let result = SearchIndex::open(dir.path());
    assert!(matches!(result, Err(SearchError::ForeignDirectory { .. })), "{result:?}");
    assert_eq!(fs::read(dir.path().join("dateline.sqlite")).unwrap(), b"precious");
    let message = result.unwrap_err().to_string();
    assert!(message.contains("not empty"), "{message}");
}

#[test]
fn a_panic_inside_rebuild_keeps_the_old_contents_and_the_index_writable() {
    let index = SearchIndex::open_in_ram().unwrap();
    index.upsert(&story(1, "Kept", "Body.", 1)).unwrap();
    let clone = index.clone();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let docs = (100..110).map(|id| {
            assert!(id != 105, "the store went away (expected by this test)");
            story(id, "Replacement", "Body.", 1)
        });
        clone.rebuild(docs, |_| {})
    }));
    assert!(result.is_err());
    assert_eq!(found(&index, "kept"), [1]);
    assert_eq!(found(&index, "replacement"), Vec::<i64>::new());
    index.upsert(&story(2, "After", "Body.", 1)).unwrap();
    assert_eq!(found(&index, "after"), [2]);
    assert_eq!(index.doc_count(), 2);
}
