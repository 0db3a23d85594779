/* Dateline story editor: the picture picker. Find pictures in the library by words, upload
 * one in place (the file button or a dropped file), give it its words and focal point, and
 * either make it the story's picture or insert it into the body at the cursor, all without
 * leaving the editor. It talks to the media library's own handlers, asking for JSON.
 * Without scripts the editor keeps its image address field and a link to the library.
 * window.datelinePicker.open(mode) opens it from elsewhere (the body toolbar).
 * A picture file dropped straight onto the body goes the same way: uploaded to the library,
 * then inserted where it was dropped as a paragraph of its own, its alt text selected (empty
 * for a new picture) for the editor to type there. Dropped text and links are left alone.
 */
(function () {
  "use strict";
  var dialog = document.getElementById("picker");
  if (!dialog || typeof dialog.showModal !== "function") {
    return;
  }
  var csrf = dialog.getAttribute("data-csrf");
  var results = dialog.querySelector("[data-picker-results]");
  var status = dialog.querySelector("[data-picker-status]");
  var more = dialog.querySelector("[data-picker-more]");
  var detail = dialog.querySelector("[data-picker-detail]");
  var chosenImg = dialog.querySelector("[data-picker-chosen]");
  var search = dialog.querySelector("[data-picker-search]");
  var query = document.getElementById("picker-q");
  var file = document.getElementById("picker-file");
  var drop = dialog.querySelector("[data-picker-drop]");
  var body = document.getElementById("ed-body");
  var chosen = null;
  var page = 1;
  // Where the body's cursor was when the picker opened: focus moves into the dialog.
  var cursor = null;

  function say(message) {
    status.textContent = message;
  }

  function field(name) {
    return document.getElementById("picker-" + name);
  }

  function tile(picture) {
    var li = document.createElement("li");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "picker-tile";
    button.setAttribute("data-picture", String(picture.id));
    var img = document.createElement("img");
    img.src = picture.thumbnail;
    img.alt = "";
    img.width = 160;
    img.height = 107;
    img.loading = "lazy";
    var label = document.createElement("span");
    label.textContent = picture.alt || picture.caption || picture.credit || "Picture " + picture.id;
    label.dir = "auto";
    button.appendChild(img);
    button.appendChild(label);
    button.addEventListener("click", function () {
      choose(picture);
    });
    li.appendChild(button);
    return li;
  }

  function load(reset) {
    if (reset) {
      page = 1;
      results.textContent = "";
    }
    say("Loading pictures…");
    var address = "/admin/media?page=" + page + "&q=" + encodeURIComponent(query.value.trim());
    fetch(address, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) {
          throw new Error("the library answered " + r.status);
        }
        return r.json();
      })
      .then(function (answer) {
        answer.pictures.forEach(function (p) {
          results.appendChild(tile(p));
        });
        more.hidden = !answer.more;
        var shown = results.children.length;
        if (shown === 0) {
          say(query.value.trim() ? "No picture matches “" + query.value.trim() + "”." : "No pictures yet: upload one.");
        } else {
          say(shown + (shown === 1 ? " picture" : " pictures") + (answer.more ? " (more below)" : "") + ".");
        }
      })
      .catch(function (e) {
        say("The pictures could not be loaded: " + e.message + ".");
      });
  }

  function choose(picture) {
    chosen = picture;
    detail.hidden = false;
    chosenImg.src = picture.thumbnail;
    chosenImg.alt = picture.alt;
    field("alt").value = picture.alt;
    field("caption").value = picture.caption;
    field("credit").value = picture.credit;
    field("focal_x").value = picture.focal_x;
    field("focal_y").value = picture.focal_y;
    field("alt").focus();
    say("Chosen: " + (picture.alt || picture.caption || "picture " + picture.id) + ". Give it words, then use it.");
  }

  // Adds one file to the media library. Answers the picture as the library keeps it, or
  // fails with the library's own words (not a picture, too large…).
  function sendToLibrary(chosenFile) {
    var form = new FormData();
    form.append("csrf", csrf);
    form.append("file", chosenFile);
    return fetch("/admin/media", {
      method: "POST",
      body: form,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (r) {
      return r
        .json()
        .catch(function () {
          return null;
        })
        .then(function (answer) {
          if (!r.ok || !answer) {
            throw new Error((answer && answer.error) || "the upload answered " + r.status);
          }
          return answer;
        });
    });
  }

  function upload(files) {
    if (!files || !files.length) {
      return;
    }
    // The file input's list empties when the input is reset: keep the file itself.
    var chosenFile = files[0];
    say("Uploading " + chosenFile.name + "…");
    sendToLibrary(chosenFile)
      .then(function (picture) {
        results.insertBefore(tile(picture), results.firstChild);
        file.value = "";
        choose(picture);
        say("Uploaded " + chosenFile.name + ". Give it words, then use it.");
      })
      .catch(function (e) {
        say("Not uploaded: " + e.message);
      });
  }

  // Saves the words typed for the chosen picture in the library (they travel with it to
  // every story that uses it later), then answers the picture as saved.
  function saveWords() {
    var form = new URLSearchParams();
    form.append("csrf", csrf);
    ["alt", "caption", "credit", "focal_x", "focal_y"].forEach(function (name) {
      form.append(name, field(name).value);
    });
    return fetch("/admin/media/" + chosen.id, {
      method: "POST",
      body: form,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (r) {
      return r.json().then(function (answer) {
        if (!r.ok) {
          throw new Error(answer.error || "saving the words answered " + r.status);
        }
        return answer;
      });
    });
  }

  function markEdited(el) {
    el.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function useAsStoryPicture(picture) {
    var set = function (id, value) {
      var el = document.getElementById(id);
      el.value = value;
      markEdited(el);
    };
    set("ed-image_url", picture.url);
    set("ed-image_alt", picture.alt);
    set("ed-image_caption", picture.caption);
    set("ed-image_credit", picture.credit);
    var preview = document.getElementById("ed-image-preview");
    preview.src = picture.thumbnail;
    preview.alt = "";
    preview.hidden = false;
  }

  // Inserts the picture into the body at offset `at` (the end when null) as a paragraph of
  // its own. Answers where its alt text starts and ends, and where its markup ends.
  function insertIntoBody(picture, at) {
    var alt = picture.alt.replace(/[\[\]]/g, "");
    var text = "![" + alt + "](" + picture.url + ")";
    at = at === null ? body.value.length : Math.min(at, body.value.length);
    var before = body.value.slice(0, at);
    var after = body.value.slice(at);
    // A picture is a paragraph of its own.
    var lead = before === "" || /\n\n$/.test(before) ? "" : /\n$/.test(before) ? "\n" : "\n\n";
    var trail = after === "" || /^\n\n/.test(after) ? "" : /^\n/.test(after) ? "\n" : "\n\n";
    body.value = before + lead + text + trail + after;
    var start = (before + lead).length;
    markEdited(body);
    return { altStart: start + 2, altEnd: start + 2 + alt.length, end: start + text.length };
  }

  function use(mode) {
    if (!chosen) {
      return;
    }
    say("Saving the picture's words…");
    saveWords()
      .then(function (picture) {
        chosen = picture;
        dialog.close();
        if (mode === "body") {
          var end = insertIntoBody(picture, cursor).end;
          body.focus();
          body.setSelectionRange(end, end);
        } else {
          useAsStoryPicture(picture);
          document.getElementById("ed-image_url").focus();
        }
      })
      .catch(function (e) {
        say("Not used: " + e.message);
      });
  }

  function open(mode) {
    dialog.setAttribute("data-mode", mode);
    dialog.querySelector('[data-picker-use="image"]').classList.toggle("btn--primary", mode !== "body");
    dialog.querySelector('[data-picker-use="body"]').classList.toggle("btn--primary", mode === "body");
    cursor = body && document.activeElement === body ? body.selectionStart : cursor;
    dialog.showModal();
    query.focus();
    if (!results.children.length) {
      load(true);
    }
  }

  if (body) {
    // Remember the body's cursor whenever it moves, for "Insert into the body".
    ["keyup", "click", "select", "input"].forEach(function (name) {
      body.addEventListener(name, function () {
        cursor = body.selectionStart;
      });
    });
  }
  document.querySelectorAll("[data-picker]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      open(button.getAttribute("data-picker"));
    });
  });
  document.querySelectorAll(".no-js-only").forEach(function (el) {
    el.hidden = true;
  });
  dialog.querySelector("[data-picker-close]").addEventListener("click", function () {
    dialog.close();
  });
  detail.addEventListener("submit", function (event) {
    event.preventDefault();
    use(dialog.getAttribute("data-mode"));
  });
  search.addEventListener("submit", function (event) {
    event.preventDefault();
    load(true);
  });
  more.addEventListener("click", function () {
    page += 1;
    load(false);
  });
  file.addEventListener("change", function () {
    upload(file.files);
  });
  drop.addEventListener("dragover", function (event) {
    event.preventDefault();
    drop.classList.add("is-dragging");
  });
  drop.addEventListener("dragleave", function () {
    drop.classList.remove("is-dragging");
  });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    drop.classList.remove("is-dragging");
    if (event.dataTransfer) {
      upload(event.dataTransfer.files);
    }
  });
  dialog.querySelectorAll("[data-picker-use]").forEach(function (button) {
    button.addEventListener("click", function () {
      use(button.getAttribute("data-picker-use"));
    });
  });

  // A picture file dropped onto the body itself.
  function carriesFiles(event) {
    var types = event.dataTransfer && event.dataTransfer.types;
    return !!types && Array.prototype.indexOf.call(types, "Files") !== -1;
  }

  // The body's offset under the pointer, moved to the end of its line when that falls
  // inside a line of text (a picture never splits a paragraph's words); the cursor where
  // the browser cannot tell.
  function dropPoint(event) {
    var pos = document.caretPositionFromPoint ? document.caretPositionFromPoint(event.clientX, event.clientY) : null;
    if (!pos || pos.offsetNode !== body) {
      return cursor;
    }
    var text = body.value;
    var at = pos.offset;
    if (at > 0 && text.charAt(at - 1) !== "\n") {
      var eol = text.indexOf("\n", at);
      at = eol === -1 ? text.length : eol;
    }
    return at;
  }

  function dropOntoBody(event) {
    var dropped = event.dataTransfer.files;
    if (!dropped || !dropped.length) {
      return;
    }
    var chosenFile = dropped[0];
    var at = dropPoint(event);
    // What follows the drop point finds it again if the text before it changes meanwhile.
    var tail = at === null ? null : body.value.slice(at);
    bodySay("Uploading " + chosenFile.name + "…");
    sendToLibrary(chosenFile)
      .then(function (picture) {
        results.insertBefore(tile(picture), results.firstChild);
        var now = body.value;
        if (tail !== null && now.slice(now.length - tail.length) === tail) {
          at = now.length - tail.length;
        }
        // A new picture has no alt text yet (one already in the library keeps its own): it is
        // selected, for the editor to type over.
        var place = insertIntoBody(picture, at);
        body.focus();
        body.setSelectionRange(place.altStart, place.altEnd);
        cursor = place.altStart;
        bodySay(
          "Uploaded " + chosenFile.name + ". Type its alt text between the brackets, for readers who cannot see it."
        );
      })
      .catch(function (e) {
        bodySay("Not uploaded: " + e.message);
      });
  }

  var bodyStatus = null;
  function bodySay(message) {
    bodyStatus.textContent = message;
  }

  if (body) {
    // Said next to the body; there from the start, so that screen readers announce it.
    bodyStatus = document.createElement("p");
    bodyStatus.className = "hint";
    bodyStatus.setAttribute("role", "status");
    bodyStatus.setAttribute("aria-live", "polite");
    bodyStatus.setAttribute("data-body-drop-status", "");
    body.insertAdjacentElement("afterend", bodyStatus);
    ["dragenter", "dragover"].forEach(function (name) {
      body.addEventListener(name, function (event) {
        if (carriesFiles(event)) {
          // Else the browser would open the file in place of the editor.
          event.preventDefault();
          event.dataTransfer.dropEffect = "copy";
        }
      });
    });
    body.addEventListener("drop", function (event) {
      if (carriesFiles(event)) {
        event.preventDefault();
        dropOntoBody(event);
      }
    });
  }
  window.datelinePicker = { open: open };
})();
