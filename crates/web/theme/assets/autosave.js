/* Dateline story editor: autosave. While something typed is not yet kept, the whole form
 * is sent every few seconds to the editor's autosave slot (not a revision; nothing
 * public), and once more when the tab is closed or hidden, so a closed tab or a crash
 * loses at most the last seconds. Opening the story again offers the slot back (the
 * server renders that offer). Saving the story empties the slot.
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
  var changed = false;
  var sending = false;
  var submitting = false;

  function fields() {
    var data = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && name !== "action") {
        data.append(name, value);
      }
    });
    return data;
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
    fetch(url, { method: "POST", body: fields(), credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) {
          throw new Error(String(r.status));
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

  form.addEventListener("input", function () {
    changed = true;
  });
  form.addEventListener("change", function () {
    changed = true;
  });
  form.addEventListener("submit", function () {
    submitting = true;
  });
  window.setInterval(keep, EVERY_MS);
  // A closing or hidden tab: send what is left, without waiting for an answer.
  function last() {
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
  window.datelineAutosave = { keep: keep };
})();
