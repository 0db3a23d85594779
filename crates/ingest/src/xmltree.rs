//! A small namespace-aware element tree that every XML format (RSS, Atom, NewsML-G2) is read
//! from. The input has already been checked by `prepare` (well formed, bounded depth), so
//! building it recursively is safe. Text and character references come out decoded, CDATA
//! as text: a field's characters are exactly the document's.

use crate::IngestError;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

#[derive(Debug, Default)]
pub struct Element {
    /// Local name, without namespace prefix.
    pub name: String,
    /// The namespace the element is in ("" for none). A prefix nobody declared stands for
    /// its usual namespace when it is a well-known one (`dc:`, `media:`...), as lenient
    /// readers take it.
    pub ns: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

#[derive(Debug)]
pub enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// Whether this is `name` in one of the namespaces `ns`.
    pub fn is(&self, ns: &[&str], name: &str) -> bool {
        self.name == name && ns.contains(&self.ns.as_str())
    }

    /// The children that are `name` in one of the namespaces `ns`.
    pub fn all<'a>(&'a self, ns: &'a [&'a str], name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.is(ns, name))
    }

    /// The first child that is `name` in one of the namespaces `ns`.
    pub fn get(&self, ns: &[&str], name: &str) -> Option<&Element> {
        self.elements().find(|e| e.is(ns, name))
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.name == name)
    }

    /// The first descendant (depth first) with this name.
    pub fn find(&self, name: &str) -> Option<&Element> {
        self.elements().find_map(|e| if e.name == name { Some(e) } else { e.find(name) })
    }

    /// All text inside, concatenated.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.collect_text(&mut out);
        out
    }

    fn collect_text(&self, out: &mut String) {
        for n in &self.children {
            match n {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => e.collect_text(out),
            }
        }
    }

    /// The element's content written back as HTML markup (for inline XHTML bodies).
    pub fn inner_html(&self) -> String {
        let mut out = String::new();
        for n in &self.children {
            write_node(n, &mut out);
        }
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn write_node(node: &Node, out: &mut String) {
    match node {
        Node::Text(t) => out.push_str(&escape(t)),
        Node::Element(e) => {
            out.push('<');
            out.push_str(&e.name);
            for (k, v) in &e.attrs {
                out.push_str(&format!(" {k}=\"{}\"", escape(v)));
            }
            out.push('>');
            for c in &e.children {
                write_node(c, out);
            }
            out.push_str(&format!("</{}>", e.name));
        }
    }
}

/// Namespaces of the prefixes feeds use without declaring them.
const USUAL_PREFIXES: &[(&str, &str)] = &[
    ("dc", "http://purl.org/dc/elements/1.1/"),
    ("dcterms", "http://purl.org/dc/terms/"),
    ("content", "http://purl.org/rss/1.0/modules/content/"),
    ("media", "http://search.yahoo.com/mrss/"),
    ("itunes", "http://www.itunes.com/dtds/podcast-1.0.dtd"),
    ("atom", "http://www.w3.org/2005/Atom"),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("xhtml", "http://www.w3.org/1999/xhtml"),
];

fn namespace(resolved: &ResolveResult<'_>) -> String {
    match resolved {
        ResolveResult::Bound(ns) => ns.0.to_owned(),
        ResolveResult::Unbound => String::new(),
        ResolveResult::Unknown(prefix) => USUAL_PREFIXES
            .iter()
            .find(|(p, _)| p == prefix)
            .map_or_else(|| format!("urn:undeclared:{prefix}"), |(_, ns)| (*ns).to_owned()),
    }
}

fn start(e: &BytesStart<'_>, ns: String) -> Element {
    let attrs = e
        .attributes()
        .flatten()
        .map(|a| {
            let key = a.key.local_name().as_ref().to_owned();
            let value =
                a.normalized_value(XmlVersion::Implicit1_0).map(|v| v.into_owned()).unwrap_or_default();
            (key, value)
        })
        .collect();
    Element { name: e.local_name().as_ref().to_owned(), ns, attrs, children: Vec::new() }
}

/// Parses `text` into its root element.
///
/// # Errors
/// [`IngestError::Malformed`] for XML the reader rejects.
pub fn parse(text: &str) -> Result<Element, IngestError> {
    let mut reader = quick_xml::NsReader::from_str(text);
    let mut stack: Vec<Element> = vec![Element::default()];
    loop {
        let (resolved, event) = reader.read_resolved_event().map_err(|e| IngestError::malformed("XML", e))?;
        if matches!(event, Event::Eof) {
            break;
        }
        let ns = namespace(&resolved);
        apply(&mut stack, event, ns)?;
    }
    let mut document = stack.pop().unwrap_or_default();
    document
        .children
        .drain(..)
        .find_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
        .ok_or_else(|| IngestError::malformed("XML", "no root element"))
}

/// Adds one event to the tree being built on `stack` (the open elements, innermost last).
fn apply(stack: &mut Vec<Element>, event: Event<'_>, ns: String) -> Result<(), IngestError> {
    match event {
        Event::Start(e) => stack.push(start(&e, ns)),
        Event::Empty(e) => {
            let el = start(&e, ns);
            if let Some(parent) = stack.last_mut() {
                parent.children.push(Node::Element(el));
            }
        }
        Event::End(_) => {
            let done = stack.pop().ok_or_else(|| IngestError::malformed("XML", "unbalanced end tag"))?;
            match stack.last_mut() {
                Some(parent) => parent.children.push(Node::Element(done)),
                None => return Err(IngestError::malformed("XML", "unbalanced end tag")),
            }
        }
        Event::Text(t) => push_text(stack, t.xml_content(XmlVersion::Implicit1_0).into_owned()),
        // quick-xml hands character and entity references over separately.
        Event::GeneralRef(r) => push_text(stack, crate::text::decode_entities(&format!("&{};", &*r))),
        Event::CData(c) => push_text(stack, c.xml_content(XmlVersion::Implicit1_0).into_owned()),
        _ => {}
    }
    Ok(())
}

fn push_text(stack: &mut [Element], text: String) {
    if let Some(top) = stack.last_mut() {
        top.children.push(Node::Text(text));
    }
}

/// What [`ElementStream`] hands over: an element whole, or the name of one too large to keep.
#[derive(Debug)]
pub enum Streamed {
    Element(Element),
    /// An element over the stream's limit: skipped, never held in memory.
    TooLarge {
        name: String,
        bytes: usize,
    },
}

/// A document read one element at a time, for exports too large to hold (a WordPress
/// export of several gigabytes): each element `depth` levels below the root (2 for the
/// children of an RSS `<channel>`) is built whole and handed over; the levels above are
/// only walked. Memory stays bounded by the largest element, itself capped.
pub struct ElementStream<R> {
    reader: quick_xml::NsReader<Bounded<R>>,
    buf: Vec<u8>,
    depth: usize,
    max_element: usize,
    /// Elements open above the wanted depth.
    open: usize,
    /// Bytes read from the input so far.
    pub position: u64,
}

impl<R: std::io::BufRead> ElementStream<R> {
    pub fn new(input: R, depth: usize, max_element: usize) -> Self {
        let bounded = Bounded { inner: input, since_event: 0, limit: max_element };
        let mut reader = quick_xml::NsReader::from_reader(bounded);
        reader.config_mut().check_end_names = true;
        Self { reader, buf: Vec::new(), depth, max_element, open: 0, position: 0 }
    }

    /// The next element at the wanted depth; `None` at the end of the document.
    ///
    /// # Errors
    /// [`IngestError::Malformed`] for XML the reader rejects, and for a document that
    /// ends before its elements are closed (a file cut short).
    pub fn next_element(&mut self) -> Result<Option<Streamed>, IngestError> {
        let mut stack: Vec<Element> = Vec::new();
        let mut bytes = 0usize;
        // Over the limit: the element's name and how many elements are open inside it.
        let mut skipping: Option<(String, usize)> = None;
        loop {
            self.buf.clear();
            let (resolved, event) = self
                .reader
                .read_resolved_event_into(&mut self.buf)
                .map_err(|e| IngestError::malformed("XML", format!("{e} (near byte {})", self.position)))?;
            let ns = namespace(&resolved);
            self.position = self.reader.buffer_position();
            self.reader.get_mut().since_event = 0;
            let size = event_len(&event);
            if matches!(event, Event::Eof) {
                if self.open > 0 || !stack.is_empty() || skipping.is_some() {
                    return Err(IngestError::malformed(
                        "XML",
                        format!(
                            "the document ends at byte {} before its elements are closed (cut short?)",
                            self.position
                        ),
                    ));
                }
                return Ok(None);
            }
            if let Some((name, open)) = &mut skipping {
                match event {
                    Event::Start(_) => *open += 1,
                    Event::End(_) => {
                        *open -= 1;
                        if *open == 0 {
                            return Ok(Some(Streamed::TooLarge { name: std::mem::take(name), bytes }));
                        }
                    }
                    _ => {}
                }
                bytes += size;
                continue;
            }
            if stack.is_empty() {
                match &event {
                    Event::Start(_) if self.open < self.depth => {
                        self.open += 1;
                        continue;
                    }
                    Event::End(_) => {
                        self.open = self.open.saturating_sub(1);
                        continue;
                    }
                    Event::Start(_) | Event::Empty(_) if self.open == self.depth => {}
                    _ => continue,
                }
            }
            bytes += size;
            if bytes > self.max_element && !stack.is_empty() {
                let name = stack[0].name.clone();
                let open = match event {
                    Event::Start(_) => stack.len() + 1,
                    Event::End(_) => stack.len() - 1,
                    _ => stack.len(),
                };
                if open == 0 {
                    return Ok(Some(Streamed::TooLarge { name, bytes }));
                }
                stack.clear();
                skipping = Some((name, open));
                continue;
            }
            if stack.is_empty()
                && let Event::Empty(e) = &event
            {
                return Ok(Some(Streamed::Element(start(e, ns))));
            }
            if matches!(event, Event::End(_)) && stack.len() == 1 {
                return Ok(stack.pop().map(Streamed::Element));
            }
            // The tree is walked (and dropped) recursively: its depth is bounded as `prepare`
            // bounds a whole document's.
            if matches!(event, Event::Start(_)) && self.open + stack.len() >= crate::prepare::MAX_DEPTH {
                return Err(IngestError::TooDeep { limit: crate::prepare::MAX_DEPTH });
            }
            apply(&mut stack, event, ns)?;
        }
    }
}

/// The input of an [`ElementStream`]: the reader gathers one event (a tag, a run of text) in
/// memory whole, so a single event larger than the stream's limit (a gigabyte of text with
/// no tag in it) is refused as it is read, before it is held.
struct Bounded<R> {
    inner: R,
    /// Bytes handed to the reader since its last event.
    since_event: usize,
    limit: usize,
}

impl<R: std::io::BufRead> std::io::Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let available = std::io::BufRead::fill_buf(self)?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        std::io::BufRead::consume(self, n);
        Ok(n)
    }
}

impl<R: std::io::BufRead> std::io::BufRead for Bounded<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.since_event > self.limit {
            return Err(std::io::Error::other(format!(
                "a single piece of text or tag is over {} bytes",
                self.limit
            )));
        }
        self.inner.fill_buf()
    }
    fn consume(&mut self, amount: usize) {
        self.since_event += amount;
        self.inner.consume(amount);
    }
}

/// The bytes an event holds, for [`ElementStream`]'s limit.
fn event_len(event: &Event<'_>) -> usize {
    match event {
        Event::Start(e) | Event::Empty(e) => e.len(),
        Event::End(e) => e.len(),
        Event::Text(t) => t.len(),
        Event::CData(c) => c.len(),
        Event::GeneralRef(r) => r.len(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn streamed(xml: &str, max: usize) -> Vec<Result<String, IngestError>> {
        let mut stream = ElementStream::new(xml.as_bytes(), 2, max);
        let mut out = Vec::new();
        loop {
            match stream.next_element() {
                Ok(None) => return out,
                Ok(Some(Streamed::Element(e))) => out.push(Ok(format!("{}={}", e.name, e.text()))),
                Ok(Some(Streamed::TooLarge { name, .. })) => out.push(Ok(format!("{name} too large"))),
                Err(e) => {
                    out.push(Err(e));
                    return out;
                }
            }
        }
    }

    #[test]
    fn elements_come_one_at_a_time_and_oversized_ones_are_skipped() {
        let big = "x".repeat(500);
        let xml = format!(
            "<rss><channel><title>T</title><item><t>one</t></item><item><t>{big}</t><u><v>{big}</v></u></item>\
             <empty/><item><t>three</t></item></channel></rss>"
        );
        let got: Vec<String> = streamed(&xml, 200).into_iter().map(Result::unwrap).collect();
        assert_eq!(got, ["title=T", "item=one", "item too large", "empty=", "item=three"]);
    }

    #[test]
    fn one_piece_of_text_over_the_limit_is_refused_before_it_is_held() {
        let xml = format!("<rss><channel><item><t>{}</t></item></channel></rss>", "x".repeat(5000));
        // Read from a file in small blocks, as an export is.
        let mut stream = ElementStream::new(std::io::BufReader::with_capacity(64, xml.as_bytes()), 2, 1000);
        let e = stream.next_element().unwrap_err();
        assert!(e.to_string().contains("over 1000 bytes"), "{e}");
    }

    #[test]
    fn nesting_deeper_than_a_document_may_is_refused() {
        let deep = format!(
            "<rss><channel><item>{}x{}</item></channel></rss>",
            "<a>".repeat(5000),
            "</a>".repeat(5000)
        );
        let got = streamed(&deep, 1 << 20);
        assert!(matches!(got.last(), Some(Err(IngestError::TooDeep { .. }))), "{got:?}");
    }

    #[test]
    fn a_document_cut_short_is_an_error_not_an_end() {
        let got = streamed("<rss><channel><item><t>one</t></item><item><t>tw", 1000);
        assert!(matches!(got.last(), Some(Err(IngestError::Malformed { .. }))), "{got:?}");
        let got = streamed("<rss><channel><item><t>one</t></item>", 1000);
        let Some(Err(e)) = got.last() else { panic!("{got:?}") };
        assert!(e.to_string().contains("cut short"), "{e}");
    }
}
