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
