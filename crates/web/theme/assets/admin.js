/* Dateline newsroom: small conveniences only. Everything works without this file.
 *
 * 1. Any element with data-confirm (a button or link, or a form) asks
 *    confirm(message) first and is cancelled when the answer is no.
 * 2. A form marked data-unsaved-warning (the story editor) warns before the
 *    page is left once something was typed in it, but not when that form is
 *    being submitted.
 * 3. Media upload forms take a dropped file.
 * No dependencies.
 */
(function () {
  "use strict";

  // 1. Confirmations.
  document.addEventListener("click", function (event) {
    var target = event.target;
    var el = target && target.closest ? target.closest("[data-confirm]") : null;
    if (!el || el.tagName === "FORM") {
      return;
    }
    if (!window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.hasAttribute && form.hasAttribute("data-confirm")) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    }
  });

  // 2. Unsaved-changes warning.
  var forms = document.querySelectorAll("form[data-unsaved-warning]");
  if (!forms.length) {
    return;
  }
  var dirty = false;

  function markDirty() {
    dirty = true;
  }

  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("input", markDirty);
    form.addEventListener("change", markDirty);
    form.addEventListener("submit", function (event) {
      if (!event.defaultPrevented) {
        dirty = false;
      }
    });
  });

  window.addEventListener("beforeunload", function (event) {
    if (!dirty) {
      return undefined;
    }
    event.preventDefault();
    // Older browsers need a returnValue; the text itself is not shown.
    event.returnValue = "";
    return "";
  });
})();

/* 3. Media upload forms (data-drop-zone): a file dropped anywhere on the form is put in its
 *    file field, as if chosen with the button. */
(function () {
  "use strict";
  var zones = document.querySelectorAll("form[data-drop-zone]");
  Array.prototype.forEach.call(zones, function (form) {
    var input = form.querySelector("input[type=file]");
    if (!input) {
      return;
    }
    form.addEventListener("dragover", function (event) {
      event.preventDefault();
      form.classList.add("is-dragging");
    });
    form.addEventListener("dragleave", function () {
      form.classList.remove("is-dragging");
    });
    form.addEventListener("drop", function (event) {
      event.preventDefault();
      form.classList.remove("is-dragging");
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  });
})();

/* 4. A front's stories (form[data-front-order]) are reordered by dragging; the new order
 *    is saved at once. The buttons beside each story do the same from the keyboard. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-front-order]");
  if (!form) {
    return;
  }
  var dragged = null;
  form.addEventListener("dragstart", function (event) {
    dragged = event.target.closest ? event.target.closest("li[data-story]") : null;
    if (dragged && event.dataTransfer) {
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.getAttribute("data-story"));
    }
  });
  form.addEventListener("dragover", function (event) {
    if (dragged) {
      event.preventDefault();
    }
  });
  form.addEventListener("drop", function (event) {
    var over = event.target.closest ? event.target.closest("li[data-story]") : null;
    if (!dragged || !over || over === dragged) {
      return;
    }
    event.preventDefault();
    var rect = over.getBoundingClientRect();
    var after = event.clientY > rect.top + rect.height / 2;
    over.parentNode.insertBefore(dragged, after ? over.nextSibling : over);
    dragged = null;
    form.submit();
  });
})();
