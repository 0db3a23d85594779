// Presence in the story editor: while this page holds the story's edit lock, it tells the
// server every few seconds that it is still open (the heartbeat). When someone else has
// taken the story over, the answer names them and a prominent alert says so; the page
// stops beating. `window.datelinePresence.beat()` beats at once.
(function () {
  "use strict";
  var box = document.querySelector("[data-presence]");
  if (!box || box.getAttribute("data-presence-held") !== "yes") return;
  var url = box.getAttribute("data-presence");
  var csrf = box.getAttribute("data-csrf") || "";
  var every = Number(box.getAttribute("data-heartbeat-ms")) || 20000;
  var alertBox = box.querySelector("[data-presence-alert]");
  var lost = false;
  var timer = null;

  function showLost(holder, since) {
    lost = true;
    if (timer) clearInterval(timer);
    alertBox.className = "alert alert--conflict";
    alertBox.textContent = "";
    var h = document.createElement("h2");
    h.textContent = "⚠ " + holder + " took this story over" + (since ? " (editing since " + since + ")" : "");
    var p = document.createElement("p");
    p.textContent = "Your changes since your last save are still in the form below but will not be saved. " +
      "Copy what you need, or take the story back and save your version over theirs.";
    var take = document.createElement("button");
    take.type = "submit";
    take.className = "btn";
    take.setAttribute("form", "story-form");
    take.name = "action";
    take.value = "take-over";
    take.textContent = "Take over and save my version";
    alertBox.appendChild(h);
    alertBox.appendChild(p);
    alertBox.appendChild(take);
    alertBox.scrollIntoView({ block: "center" });
  }

  function beat() {
    if (lost) return Promise.resolve(false);
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: "csrf=" + encodeURIComponent(csrf),
    })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (answer) {
        if (answer && answer.held === false) showLost(answer.holder || "Someone else", answer.since);
        return !!(answer && answer.held);
      })
      .catch(function () { return false; });
  }

  window.datelinePresence = { beat: beat };
  timer = setInterval(beat, every);
})();
