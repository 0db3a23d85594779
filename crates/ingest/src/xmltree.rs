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
        let ns = namespace(&resolved);
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
            Event::Text(t) => {
                let text = t.xml_content(XmlVersion::Implicit1_0).into_owned();
                if let Some(top) = stack.last_mut() {
                    top.children.push(Node::Text(text));
                }
            }
            Event::GeneralRef(r) => {
                // quick-xml hands character and entity references over separately.
                let name: &str = &r;
                let text = crate::text::decode_entities(&format!("&{name};"));
                if let Some(top) = stack.last_mut() {
                    top.children.push(Node::Text(text));
                }
            }
            Event::CData(c) => {
                let text = c.xml_content(XmlVersion::Implicit1_0).into_owned();
                if let Some(top) = stack.last_mut() {
                    top.children.push(Node::Text(text));
                }
            }
            Event::Eof => break,
            _ => {}
        }
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
