/* Dateline story editor: writing the body. A Markdown toolbar with keyboard shortcuts
 * (bold, italic, link, heading, quote, list, picture, embed), and pasting from a word
 * processor or a web page turned into Markdown: headings, emphasis, links and lists are
 * kept, everything else (styles, classes, fonts, tables' markup, scripts) is dropped.
 * The body stays a plain textarea: without scripts the editor works as before.
 * window.datelineWriting.toMarkdown(html) is the paste conversion, for tests and reuse.
 */
(function () {
  "use strict";

  // ---- Paste: HTML to Markdown ---------------------------------------------------------

  function styleOf(el) {
    return (el.getAttribute && el.getAttribute("data-style") || "").toLowerCase().replace(/\s+/g, "");
  }

  function isBold(el) {
    var tag = el.tagName;
    var style = styleOf(el);
    // Google Docs wraps a whole paste in <b style="font-weight:normal">.
    if (/font-weight:(normal|400)/.test(style)) {
      return false;
    }
    return tag === "STRONG" || tag === "B" || /font-weight:(bold|[6-9]00)/.test(style);
  }

  function isItalic(el) {
    var style = styleOf(el);
    if (/font-style:normal/.test(style)) {
      return false;
    }
    return el.tagName === "EM" || el.tagName === "I" || /font-style:italic/.test(style);
  }

  function safeHref(href) {
    return /^(https?:|mailto:)/i.test(href || "") ? href : null;
  }

  // Inline content of `node` as Markdown on one line.
  function inline(node) {
    var out = "";
    node.childNodes.forEach(function (child) {
      out += inlineNode(child);
    });
    return out;
  }

  // One node as inline Markdown.
  function inlineNode(child) {
    if (child.nodeType === 3) {
      return child.nodeValue.replace(/\s+/g, " ");
    }
    if (child.nodeType !== 1) {
      return "";
    }
    var tag = child.tagName;
    if (/mso-list:ignore/.test(styleOf(child)) || /^(SCRIPT|STYLE|META|LINK|TITLE|HEAD|IMG|svg)$/i.test(tag)) {
      return "";
    }
    if (tag === "BR") {
      return "\n";
    }
    var text = inline(child);
    if (tag === "A" && safeHref(child.getAttribute("href")) && text.trim()) {
      return "[" + text.trim().replace(/[\[\]]/g, "") + "](" + child.getAttribute("href") + ")";
    }
    var bold = isBold(child);
    var italic = isItalic(child);
    if ((bold || italic) && text.trim()) {
      var mark = (bold ? "**" : "") + (italic ? "*" : "");
      var lead = text.match(/^\s*/)[0];
      var trail = text.match(/\s*$/)[0];
      return lead + mark + text.trim() + mark.split("").reverse().join("") + trail;
    }
    return text;
  }

  function clean(line) {
    return line.replace(/[ \t\u00a0]+/g, " ").trim();
  }

  var BLOCKS = /^(P|DIV|H[1-6]|UL|OL|LI|BLOCKQUOTE|PRE|TABLE|TR|SECTION|ARTICLE|HEADER|FOOTER|MAIN|ASIDE|FIGURE|FIGCAPTION|DL|DT|DD|HR)$/;

  var BLOCK_SELECTOR = "p, div, h1, h2, h3, h4, h5, h6, ul, ol, li, blockquote, pre, table";

  // Blocks of `node` as Markdown paragraphs (an array of strings).
  function blocks(node, out, list) {
    var loose = "";
    function flush() {
      if (clean(loose)) {
        out.push(clean(loose));
      }
      loose = "";
    }
    node.childNodes.forEach(function (child) {
      if (child.nodeType === 3) {
        loose += child.nodeValue.replace(/\s+/g, " ");
        return;
      }
      if (child.nodeType !== 1) {
        return;
      }
      var tag = child.tagName;
      if (!BLOCKS.test(tag) && child.querySelector(BLOCK_SELECTOR)) {
        // An inline wrapper around blocks (Google Docs' <b style="font-weight:normal">).
        flush();
        blocks(child, out, list);
        return;
      }
      if (!BLOCKS.test(tag)) {
        loose += inlineNode(child);
        return;
      }
      flush();
      var text;
      if (/^H[1-6]$/.test(tag)) {
        text = clean(inline(child));
        if (text) {
          var level = Math.max(2, Math.min(4, Number(tag[1]) + (tag === "H1" ? 1 : 0)));
          out.push(new Array(level + 1).join("#") + " " + text.replace(/\*\*/g, ""));
        }
      } else if (tag === "UL" || tag === "OL") {
        var items = [];
        var n = 0;
        child.childNodes.forEach(function (li) {
          if (li.nodeType === 1 && li.tagName === "LI") {
            n += 1;
            var t = clean(inline(li));
            if (t) {
              items.push((tag === "OL" ? n + ". " : "- ") + t);
            }
          }
        });
        if (items.length) {
          out.push(items.join("\n"));
        }
      } else if (tag === "BLOCKQUOTE") {
        var inner = [];
        blocks(child, inner, list);
        if (inner.length) {
          out.push(inner.map(function (p) {
            return p.split("\n").map(function (l) { return "> " + l; }).join("\n");
          }).join("\n>\n"));
        }
      } else if (/mso-list:/.test(styleOf(child)) && !/mso-list:ignore/.test(styleOf(child))) {
        // Word's lists are paragraphs marked mso-list, their bullet or number in a span
        // marked mso-list:Ignore.
        var marker = child.querySelector("[data-style*='mso-list:Ignore'], [data-style*='mso-list: Ignore']");
        var numbered = marker && /\d/.test(marker.textContent);
        text = clean(inline(child));
        if (text) {
          var item = (numbered ? "1. " : "- ") + text;
          var previous = out.length && list.last === out.length - 1 ? out.pop() + "\n" : "";
          out.push(previous + item);
          list.last = out.length - 1;
        }
      } else if (/^(DIV|SECTION|ARTICLE|MAIN|TABLE|TR|HEADER|FOOTER|ASIDE|FIGURE|DL)$/.test(tag)) {
        blocks(child, out, list);
      } else if (tag !== "HR") {
        text = inline(child).split("\n").map(clean).join("\n").trim();
        if (text) {
          out.push(text);
        }
      }
    });
    flush();
    return out;
  }

  function toMarkdown(html) {
    // Parsed inert: no script runs and no picture loads in a DOMParser document. Styles are
    // read but never applied: the page's CSP would refuse (and report) every one, so
    // style attributes become data-style and style elements go.
    var inert = html
      .replace(/<style[\s\S]*?<\/style\s*>/gi, "")
      .replace(/(<[a-z][^>]*?\s)style\s*=/gi, "$1data-style=");
    var doc = new DOMParser().parseFromString(inert, "text/html");
    return blocks(doc.body, [], { last: -1 }).join("\n\n");
  }

  window.datelineWriting = { toMarkdown: toMarkdown };

  var body = document.getElementById("ed-body");
  if (!body) {
    return;
  }

  function changed() {
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // Replaces the selection with `text`, then selects `[from, to)` within the new text.
  function put(text, from, to) {
    var start = body.selectionStart;
    body.focus();
    body.setRangeText(text, start, body.selectionEnd, "end");
    if (from !== undefined) {
      body.setSelectionRange(start + from, start + to);
    }
    changed();
  }

  body.addEventListener("paste", function (event) {
    var data = event.clipboardData;
    var html = data && data.getData("text/html");
    if (!html) {
      return;
    }
    var markdown = toMarkdown(html);
    if (!markdown) {
      return;
    }
    event.preventDefault();
    put(markdown);
  });

  // ---- Toolbar and shortcuts -------------------------------------------------------------

  function wrap(mark, placeholder) {
    var selected = body.value.slice(body.selectionStart, body.selectionEnd) || placeholder;
    put(mark + selected + mark, mark.length, mark.length + selected.length);
  }

  // Puts `prefix` before every line the selection touches (or removes it when all have it).
  function prefixLines(prefix, numbered) {
    var value = body.value;
    var start = value.lastIndexOf("\n", body.selectionStart - 1) + 1;
    var endAt = value.indexOf("\n", body.selectionEnd);
    var end = endAt === -1 ? value.length : endAt;
    var lines = value.slice(start, end).split("\n");
    var has = lines.every(function (l) {
      return numbered ? /^\d+\. /.test(l) : l.indexOf(prefix) === 0;
    });
    var next = lines.map(function (l, i) {
      if (has) {
        return numbered ? l.replace(/^\d+\. /, "") : l.slice(prefix.length);
      }
      return (numbered ? i + 1 + ". " : prefix) + l;
    }).join("\n");
    body.focus();
    body.setSelectionRange(start, end);
    body.setRangeText(next, start, end, "select");
    changed();
  }

  // A line of its own: blank lines around `text`, `[from, to)` of it selected after.
  function ownParagraph(text, from, to) {
    var before = body.value.slice(0, body.selectionStart);
    var lead = before === "" || /\n\n$/.test(before) ? "" : /\n$/.test(before) ? "\n" : "\n\n";
    put(lead + text + "\n\n", lead.length + from, lead.length + to);
  }

  var actions = {
    bold: function () { wrap("**", "bold text"); },
    italic: function () { wrap("*", "italic text"); },
    link: function () {
      var selected = body.value.slice(body.selectionStart, body.selectionEnd) || "link text";
      var text = "[" + selected + "](https://)";
      put(text, selected.length + 3, text.length - 1);
    },
    heading: function () { prefixLines("## "); },
    quote: function () { prefixLines("> "); },
    list: function () { prefixLines("- "); },
    numbered: function () { prefixLines("", true); },
    picture: function () {
      if (window.datelinePicker) {
        window.datelinePicker.open("body");
      }
    },
    embed: function () {
      // A link on its own line becomes the provider's card on the page.
      ownParagraph("https://", 0, 8);
    },
  };

  // Ctrl (or ⌘) with: B bold, I italic, K link, Alt+2 heading, Shift+. quote,
  // Shift+8 list, Shift+7 numbered list, Shift+P picture, Shift+E embed.
  function shortcut(event) {
    var key = event.key.toLowerCase();
    var code = event.code;
    if (!event.shiftKey && !event.altKey) {
      return { b: "bold", i: "italic", k: "link" }[key];
    }
    if (event.altKey && !event.shiftKey && code === "Digit2") {
      return "heading";
    }
    if (event.shiftKey && !event.altKey) {
      return { Period: "quote", Digit8: "list", Digit7: "numbered", KeyP: "picture", KeyE: "embed" }[code];
    }
    return undefined;
  }

  body.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey)) {
      return;
    }
    var name = shortcut(event);
    if (name) {
      event.preventDefault();
      actions[name]();
    }
  });

  var toolbar = document.querySelector("[data-writing-toolbar]");
  if (toolbar) {
    toolbar.hidden = false;
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("button[data-do]") : null;
      if (button && actions[button.getAttribute("data-do")]) {
        actions[button.getAttribute("data-do")]();
      }
    });
    // One tab stop for the whole toolbar; the arrow keys move between its buttons.
    var buttons = Array.prototype.slice.call(toolbar.querySelectorAll("button"));
    buttons.forEach(function (b, i) {
      b.tabIndex = i === 0 ? 0 : -1;
    });
    toolbar.addEventListener("keydown", function (event) {
      var at = buttons.indexOf(document.activeElement);
      var step = { ArrowRight: 1, ArrowLeft: -1, Home: -at, End: buttons.length - 1 - at }[event.key];
      if (at === -1 || step === undefined) {
        return;
      }
      event.preventDefault();
      var next = buttons[(at + step + buttons.length) % buttons.length];
      buttons[at].tabIndex = -1;
      next.tabIndex = 0;
      next.focus();
    });
  }
})();
