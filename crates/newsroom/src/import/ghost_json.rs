//! A Ghost export's JSON walked a table row at a time, so that an export of any size is
//! never held whole: `{"db": [{"meta": {...}, "data": {"posts": [...], "tags": [...]}}]}`
//! (or `"db"` as an object). The caller says which tables it wants; each of their rows is
//! handed over as it is read, and everything else is skipped without being kept.

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// What the walk hands over.
pub(super) trait Tables {
    /// `db[0].meta`.
    fn meta(&mut self, meta: Value);
    /// Whether the rows of `table` are wanted.
    fn wants(&self, table: &str) -> bool;
    /// One row of a wanted table; an error stops the walk.
    fn row(&mut self, table: &str, row: Value) -> Result<(), String>;
}

/// What the document turned out to hold.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Shape {
    /// `db[0].data.posts` is there.
    pub posts: bool,
}

/// Why the walk stopped.
#[derive(Debug)]
pub(super) enum WalkError {
    /// Not JSON, or cut short.
    NotJson(String),
    /// JSON, but not shaped like a Ghost export.
    NotGhost(String),
}

/// Walks the document `input`, counting the bytes read into `read`.
pub(super) fn walk(
    input: impl Read,
    read: Arc<AtomicU64>,
    tables: &mut dyn Tables,
) -> Result<Shape, WalkError> {
    let counted = Counting { inner: input, read, skipped_bom: false };
    let mut deserializer =
        serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(256 * 1024, counted));
    let mut shape = Shape::default();
    Top { tables, shape: &mut shape }.deserialize(&mut deserializer).map_err(classify)?;
    deserializer.end().map_err(classify)?;
    Ok(shape)
}

fn classify(e: serde_json::Error) -> WalkError {
    if e.is_data() { WalkError::NotGhost(e.to_string()) } else { WalkError::NotJson(e.to_string()) }
}

/// A reader that counts what it reads and drops a UTF-8 byte order mark.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
    skipped_bom: bool,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        if !self.skipped_bom && n > 0 {
            self.skipped_bom = true;
            if buf[..n].starts_with(b"\xEF\xBB\xBF") {
                buf.copy_within(3..n, 0);
                n -= 3;
            }
        }
        Ok(n)
    }
}

struct Top<'a> {
    tables: &'a mut dyn Tables,
    shape: &'a mut Shape,
}

impl<'de> DeserializeSeed<'de> for Top<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with \"db\"")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "db" && !seen {
                seen = true;
                map.next_value_seed(Db { tables: &mut *self.tables, shape: &mut *self.shape })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// `db`: a list whose first entry is read, or that entry itself.
struct Db<'a> {
    tables: &'a mut dyn Tables,
    shape: &'a mut Shape,
}

impl<'de> DeserializeSeed<'de> for Db<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Db<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"db\" as a list or an object")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if seq.next_element_seed(Entry { tables: &mut *self.tables, shape: &mut *self.shape })?.is_some() {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        Entry { tables: self.tables, shape: self.shape }.visit_map(map)
    }
}

/// One `db` entry: `meta` and `data`.
struct Entry<'a> {
    tables: &'a mut dyn Tables,
    shape: &'a mut Shape,
}

impl<'de> DeserializeSeed<'de> for Entry<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Entry<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with \"meta\" and \"data\"")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "meta" => {
                    let meta = map.next_value::<Value>()?;
                    self.tables.meta(meta);
                }
                "data" => map.next_value_seed(Data { tables: &mut *self.tables, shape: &mut *self.shape })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// `data`: the tables.
struct Data<'a> {
    tables: &'a mut dyn Tables,
    shape: &'a mut Shape,
}

impl<'de> DeserializeSeed<'de> for Data<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Data<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of tables")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(table) = map.next_key::<String>()? {
            let is_posts = table == "posts";
            let rows = map.next_value_seed(Rows { tables: &mut *self.tables, table: &table })?;
            if is_posts && rows {
                self.shape.posts = true;
            }
        }
        Ok(())
    }
}

/// One table: its rows handed over when wanted. Its value says whether it was a list.
struct Rows<'a> {
    tables: &'a mut dyn Tables,
    table: &'a str,
}

impl<'de> DeserializeSeed<'de> for Rows<'_> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Rows<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        if self.tables.wants(self.table) {
            while let Some(row) = seq.next_element::<Value>()? {
                self.tables.row(self.table, row).map_err(de::Error::custom)?;
            }
        } else {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
        }
        Ok(true)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(false)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[derive(Default)]
    struct Seen {
        version: String,
        rows: Vec<(String, String)>,
    }

    impl Tables for Seen {
        fn meta(&mut self, meta: Value) {
            self.version = meta["version"].as_str().unwrap_or("").to_owned();
        }
        fn wants(&self, table: &str) -> bool {
            table != "users"
        }
        fn row(&mut self, table: &str, row: Value) -> Result<(), String> {
            self.rows.push((table.to_owned(), row["id"].to_string()));
            Ok(())
        }
    }

    fn walked(json: &str) -> (Result<Shape, WalkError>, Seen) {
        let mut seen = Seen::default();
        let shape = walk(json.as_bytes(), Arc::default(), &mut seen);
        (shape, seen)
    }

    #[test]
    fn rows_of_wanted_tables_come_one_at_a_time() {
        let (shape, seen) = walked(
            "\u{feff}{\"db\":[{\"meta\":{\"version\":\"5.1.0\"},\"data\":{\"posts\":[{\"id\":\"a\"},{\"id\":\"b\"}],\
             \"users\":[{\"id\":\"u\"}],\"tags\":[{\"id\":\"t\"}],\"other\":{\"x\":1}}},{\"ignored\":true}]}",
        );
        assert!(shape.unwrap().posts);
        assert_eq!(seen.version, "5.1.0");
        let rows: Vec<(&str, &str)> = seen.rows.iter().map(|(t, i)| (t.as_str(), i.as_str())).collect();
        assert_eq!(rows, [("posts", "\"a\""), ("posts", "\"b\""), ("tags", "\"t\"")]);
    }

    #[test]
    fn db_as_an_object_is_read_and_other_shapes_are_told_apart() {
        let (shape, seen) = walked("{\"db\":{\"data\":{\"posts\":[{\"id\":1}]}}}");
        assert!(shape.unwrap().posts && seen.rows.len() == 1);
        assert!(!walked("{\"db\":[]}").0.unwrap().posts);
        assert!(!walked("{\"db\":{\"data\":{\"posts\":{}}}}").0.unwrap().posts);
        assert!(matches!(walked("[1,2]").0, Err(WalkError::NotGhost(_))));
        assert!(matches!(walked("{\"db\":[{\"data\":{\"posts\":[{\"id\":").0, Err(WalkError::NotJson(_))));
        assert!(matches!(walked("<rss/>").0, Err(WalkError::NotJson(_))));
        assert!(matches!(walked("{} trailing").0, Err(WalkError::NotJson(_))));
    }
}
