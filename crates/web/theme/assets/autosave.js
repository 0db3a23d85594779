/* Dateline story editor: autosave. While something typed is not yet kept, the whole form
 * is sent every few seconds to the editor's autosave slot (not a revision; nothing
 * public), and once more when the tab is closed or hidden, so a closed tab loses at most
 * the last seconds. Opening the story again offers the slot back (the server renders that
 * offer). Saving the story empties the slot.
 *
 * A crash (of the browser or the system) sends nothing, so the typing is also copied into
 * the browser's own localStorage a moment after each keystroke, under the slot's address,
 * until the server confirms it keeps the same words; saving or discarding drops the copy.
 * When the editor opens with a copy that differs from the form and is newer than the slot
 * (the slot holds nothing the page does not, or what the server last confirmed from here),
 * the copy is sent to the slot and the page opened again, with the server's offer of it.
 * Without localStorage (turned off, full) only the server keeps.
 */
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form) {
    return;
  }
  var url = form.getAttribute("data-autosave");
  var status = document.querySelector("[data-autosave-status]");
  var EVERY_MS = Number(form.getAttribute("data-autosave-ms")) || 3000;
  var KEY = "dateline-autosave:" + url;
  var changed = false;
  var sending = false;
  var submitting = false;
  var copying = null;

  function fields(from) {
    var data = new URLSearchParams();
    new FormData(from || form).forEach(function (value, name) {
      if (typeof value === "string" && name !== "action") {
        data.append(name, value);
      }
    });
    return data;
  }

  // The words of some fields, for comparing: without the token and version, trimmed, as
  // the server compares them.
  function words(data) {
    var out = [];
    new URLSearchParams(data).forEach(function (value, name) {
      if (name !== "csrf" && name !== "version") {
        out.push(name + "=" + encodeURIComponent(value.replace(/\r\n/g, "\n").trim()));
      }
    });
    return out.join("&");
  }

  // What the slot holds as far as this page knows: at first what the page shows.
  var kept = words(fields());

  // The browser's copy, {at, fields, kept}; unavailable or full storage is passed over.
  function stored() {
    try {
      return JSON.parse(window.localStorage.getItem(KEY));
    } catch (e) {
      return null;
    }
  }

  function store(copy) {
    try {
      if (copy) {
        window.localStorage.setItem(KEY, JSON.stringify(copy));
      } else {
        window.localStorage.removeItem(KEY);
      }
    } catch (e) {
      // Full or turned off: no copy rather than an older one; the server's slot still keeps.
      try {
        window.localStorage.removeItem(KEY);
      } catch (ignored) {
        // Nothing to drop.
      }
    }
  }

  function copy() {
    window.clearTimeout(copying);
    copying = null;
    var now = fields();
    // Words the server keeps already need no copy.
    store(words(now) === kept ? null : { at: Date.now(), fields: now.toString(), kept: kept });
  }

  function drop() {
    window.clearTimeout(copying);
    copying = null;
    store(null);
  }

  function clock() {
    var now = new Date();
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return two(now.getHours()) + ":" + two(now.getMinutes()) + ":" + two(now.getSeconds());
  }

  function keep() {
    if (!changed || sending || submitting) {
      return;
    }
    sending = true;
    changed = false;
    var sent = fields();
    fetch(url, { method: "POST", body: sent, credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) {
          throw new Error(String(r.status));
        }
        // Kept: the browser's copy goes once it holds no more than that.
        kept = words(sent);
        var mine = stored();
        if (mine && words(mine.fields) === kept) {
          store(null);
        } else if (mine) {
          mine.kept = kept;
          store(mine);
        }
        if (status) {
          status.textContent = "Unsaved changes kept at " + clock() + ".";
        }
      })
      .catch(function () {
        // Tried again at the next tick.
        changed = true;
        if (status) {
          status.textContent = "Unsaved changes could not be kept just now; trying again.";
        }
      })
      .then(function () {
        sending = false;
      });
  }

  function typed() {
    changed = true;
    window.clearTimeout(copying);
    copying = window.setTimeout(copy, 300);
  }

  form.addEventListener("input", typed);
  form.addEventListener("change", typed);
  form.addEventListener("submit", function (event) {
    submitting = true;
    // A preview saves nothing: the copy is brought up to date, so the preview's page (the
    // same words) leaves it be. Anything else saves the story, and so empties the slot.
    if (event.submitter && event.submitter.value === "preview") {
      if (copying) {
        copy();
      }
    } else {
      drop();
    }
  });
  var discard = document.querySelector('form[action="' + url + '/discard"]');
  if (discard) {
    // Discarded: nothing of this page is kept either, in the slot (no beacon) or here.
    discard.addEventListener("submit", function () {
      submitting = true;
      drop();
    });
  }
  window.setInterval(keep, EVERY_MS);
  // A closing or hidden tab: send what is left, without waiting for an answer.
  function last() {
    if (copying) {
      copy();
    }
    if (changed && !submitting && navigator.sendBeacon) {
      if (navigator.sendBeacon(url, fields())) {
        changed = false;
      }
    }
  }
  window.addEventListener("pagehide", last);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      last();
    }
  });

  // Opening with a copy the form does not show (not when restoring: the form is the slot).
  var left = stored();
  function recover() {
    var data = new URLSearchParams(left.fields);
    data.set("csrf", form.elements.csrf.value);
    fetch(url, { method: "POST", body: data, credentials: "same-origin" }).then(function (r) {
      // Kept: opened again, the page offers it (and finds no copy, so no loop); not over
      // typing done here meanwhile.
      if (r.ok && !changed) {
        drop();
        window.location.replace(window.location.pathname);
      }
    }).catch(function () {});
  }
  if (left && left.fields && words(left.fields) !== kept && !/[?&]restore=/.test(window.location.search)) {
    if (!document.getElementById("autosave-h")) {
      // No offer: the slot holds nothing the page does not.
      recover();
    } else {
      // An offer: what does the slot hold? The restore page shows it.
      fetch(window.location.pathname + "?restore=autosave", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) {
          var other = new DOMParser().parseFromString(html, "text/html").querySelector("form[data-autosave]");
          var slot = other && words(fields(other));
          if (changed) {
            return; // Typed here meanwhile: this page keeps that.
          } else if (slot === words(left.fields)) {
            drop(); // The server has it: its offer is the copy.
          } else if (slot === left.kept) {
            recover(); // The copy came after the slot's words.
          } // Else someone kept other typing since (another browser): the offer is theirs.
        })
        .catch(function () {});
    }
  }
  window.datelineAutosave = { keep: keep };
})();
