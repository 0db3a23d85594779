/* Dateline default theme: relative timestamps.
 *
 * Every <time class="js-relative" datetime="RFC3339">absolute text</time>
 * gets its text replaced by a relative time ("just now", "37 seconds ago",
 * "1 minute ago", "2 hours ago", "3 days ago"), refreshed every 15 seconds.
 * The absolute text is kept in the title attribute. Times 7 days old or more
 * keep (get back) the absolute text. Future times (clock skew) are "just now".
 * No dependencies; does nothing when there are no such elements.
 */
(function () {
  "use strict";

  var SECOND = 1000;
  var MINUTE = 60 * SECOND;
  var HOUR = 60 * MINUTE;
  var DAY = 24 * HOUR;
  var REFRESH_MS = 15 * SECOND;
  var originals = typeof WeakMap === "function" ? new WeakMap() : null;

  function parseTime(value) {
    if (!value) {
      return NaN;
    }
    // RFC 3339 allows a space or lowercase "t"/"z"; Date.parse wants ISO 8601.
    var s = String(value).trim().replace(/^(\d{4}-\d{2}-\d{2})[ tT]/, "$1T");
    s = s.replace(/z$/, "Z");
    return Date.parse(s);
  }

  function plural(n, unit) {
    return n + " " + unit + (n === 1 ? "" : "s") + " ago";
  }

  function relativeText(diffMs) {
    if (diffMs < 10 * SECOND) {
      return "just now"; // includes future times (negative diff)
    }
    if (diffMs < MINUTE) {
      return plural(Math.floor(diffMs / SECOND), "second");
    }
    if (diffMs < HOUR) {
      return plural(Math.floor(diffMs / MINUTE), "minute");
    }
    if (diffMs < DAY) {
      return plural(Math.floor(diffMs / HOUR), "hour");
    }
    return plural(Math.floor(diffMs / DAY), "day");
  }

  function absoluteText(el) {
    if (originals) {
      if (!originals.has(el)) {
        originals.set(el, el.textContent);
      }
      return originals.get(el);
    }
    if (el.getAttribute("data-absolute") === null) {
      el.setAttribute("data-absolute", el.textContent);
    }
    return el.getAttribute("data-absolute");
  }

  function update() {
    var nodes = document.querySelectorAll("time.js-relative");
    var now = Date.now();
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      var when = parseTime(el.getAttribute("datetime"));
      if (isNaN(when)) {
        continue;
      }
      var absolute = absoluteText(el);
      if (absolute && el.getAttribute("title") !== absolute) {
        el.setAttribute("title", absolute);
      }
      var diff = now - when;
      var text = diff >= 7 * DAY ? absolute : relativeText(diff);
      if (el.textContent !== text) {
        el.textContent = text;
      }
    }
  }

  function start() {
    try {
      update();
    } catch (e) {
      return;
    }
    // For the live blog below: new entries get their relative times at once.
    window.datelineRefreshTimes = function () {
      try {
        update();
      } catch (e) {
        /* ignore */
      }
    };
    window.setInterval(function () {
      try {
        update();
      } catch (e) {
        /* never let a bad element break the page */
      }
    }, REFRESH_MS);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) {
        try {
          update();
        } catch (e) {
          /* ignore */
        }
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

/* Live blogs: new, edited and deleted entries arrive without a reload.
 *
 * A <section class="live-blog" data-stream="/story/x/live" data-after="N"> opens a
 * Server-Sent Events stream from entry number N (the browser resumes with Last-Event-ID
 * after a drop). "entry" events carry the entry's markup (and its key-event line),
 * "delete" an entry's id, "coverage" whether coverage goes on, "gone" that the story left
 * the site. Without JavaScript, or without EventSource, the page is complete on reload.
 */
(function () {
  "use strict";

  function parseFragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function entryTime(el) {
    var t = el && el.querySelector("time[datetime]");
    var when = t ? Date.parse(t.getAttribute("datetime")) : NaN;
    return isNaN(when) ? 0 : when;
  }

  // Newest first: before the first entry that is older (or as old and listed later).
  function place(list, el) {
    var when = entryTime(el);
    var children = list.children;
    for (var i = 0; i < children.length; i++) {
      if (children[i] !== el && entryTime(children[i]) <= when) {
        list.insertBefore(el, children[i]);
        return;
      }
    }
    list.appendChild(el);
  }

  function start(section) {
    var url = section.getAttribute("data-stream");
    var after = section.getAttribute("data-after") || "0";
    var entries = section.querySelector(".live-entries");
    var keys = section.querySelector(".live-key-list");
    var keyNav = section.querySelector(".live-key-events");
    var status = section.querySelector(".live-status");
    if (!url || !entries || typeof window.EventSource !== "function") {
      return;
    }
    var source = new window.EventSource(url + "?after=" + encodeURIComponent(after));

    function removeKey(id) {
      var old = keys && document.getElementById("key-entry-" + id);
      if (old) {
        old.parentNode.removeChild(old);
      }
      if (keyNav && keys && !keys.children.length) {
        keyNav.hidden = true;
      }
    }

    source.addEventListener("entry", function (event) {
      var data = JSON.parse(event.data);
      var el = parseFragment(data.html);
      if (!el) {
        return;
      }
      var old = document.getElementById("entry-" + data.id);
      if (old) {
        old.parentNode.replaceChild(el, old);
      }
      place(entries, el);
      removeKey(data.id);
      if (data.summary_html && keys) {
        var line = parseFragment(data.summary_html);
        if (line) {
          place(keys, line);
          if (keyNav) {
            keyNav.hidden = false;
          }
        }
      }
      if (window.datelineRefreshTimes) {
        window.datelineRefreshTimes();
      }
    });
    source.addEventListener("delete", function (event) {
      var data = JSON.parse(event.data);
      var old = document.getElementById("entry-" + data.id);
      if (old) {
        old.parentNode.removeChild(old);
      }
      removeKey(data.id);
    });
    source.addEventListener("coverage", function (event) {
      var data = JSON.parse(event.data);
      if (!data.live) {
        var markers = document.querySelectorAll(".live-marker");
        for (var i = 0; i < markers.length; i++) {
          markers[i].parentNode.removeChild(markers[i]);
        }
        if (status) {
          status.textContent = "Live coverage has ended.";
        }
        source.close();
      }
    });
    source.addEventListener("gone", function () {
      if (status) {
        status.textContent = "This story is no longer available.";
      }
      source.close();
    });
  }

  function init() {
    var sections = document.querySelectorAll("section.live-blog[data-stream]");
    for (var i = 0; i < sections.length; i++) {
      try {
        start(sections[i]);
      } catch (e) {
        /* the page stays complete without its updates */
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

/* Embeds: a <figure class="embed" data-embed-src="PLAYER"> is a plain link to the
 * provider until the reader clicks its Play button; only then is the provider's player
 * framed, so no request reaches the provider before that click. Without JavaScript the
 * button stays hidden and the link is all there is.
 */
(function () {
  "use strict";

  function play(figure) {
    var src = figure.getAttribute("data-embed-src");
    if (!src || !/^https:\/\//.test(src)) {
      return;
    }
    var frame = document.createElement("iframe");
    frame.src = src;
    frame.title = figure.getAttribute("data-embed-title") || "Embedded player";
    frame.setAttribute("allow", "autoplay; encrypted-media; fullscreen; picture-in-picture");
    frame.setAttribute("allowfullscreen", "");
    frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    frame.className = "embed-frame";
    figure.replaceChildren(frame);
    figure.classList.add("embed-playing");
  }

  function init() {
    var figures = document.querySelectorAll("figure.embed[data-embed-src]");
    for (var i = 0; i < figures.length; i++) {
      var button = figures[i].querySelector("button.embed-play");
      if (!button) {
        continue;
      }
      button.hidden = false;
      button.addEventListener("click", play.bind(null, figures[i]));
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
