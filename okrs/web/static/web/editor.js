// Searchable selects for the editor and settings forms: a filter box before each
// <select data-searchable> narrows its options as you type (any words, in the name or the
// email). Without JavaScript the select still works, with the browser's own type-ahead.
// A new node's key (<input data-key-from="id_title">) follows its title as it is typed, until
// the person edits the key; without JavaScript the server derives it from the title.
(function () {
  "use strict";

  var LONGEST_DERIVED = 40; // as okrs/goals/keys.py, which decides when the key is left empty

  function keyFromTitle(title) {
    var words = title.normalize("NFKD").replace(/[^\x00-\x7f]/g, "").toLowerCase()
      .match(/[a-z0-9]+/g) || [];
    var key = "";
    for (var i = 0; i < words.length; i++) {
      var longer = key ? key + "-" + words[i] : words[i];
      if (longer.length > LONGEST_DERIVED) break;
      key = longer;
    }
    return key || (words.length ? words[0].slice(0, LONGEST_DERIVED) : "");
  }

  function followTitle(keyInput) {
    var title = document.getElementById(keyInput.dataset.keyFrom);
    if (!title || keyInput.dataset.following) return;
    keyInput.dataset.following = "true";
    // A key already typed (a form shown again after an error) is the person's own.
    var derived = keyInput.value === "" || keyInput.value === keyFromTitle(title.value);
    title.addEventListener("input", function () {
      if (derived) keyInput.value = keyFromTitle(title.value);
    });
    keyInput.addEventListener("input", function () {
      derived = keyInput.value === "";
    });
  }

  var MIN_OPTIONS = 8; // a short list is quicker to read than to filter

  function labelOf(select) {
    var label = select.labels && select.labels[0];
    return label ? label.textContent.trim() : "options";
  }

  function enhance(select) {
    if (select.dataset.enhanced || select.options.length < MIN_OPTIONS) {
      return;
    }
    select.dataset.enhanced = "true";
    var input = document.createElement("input");
    input.type = "search";
    input.className = "select-filter";
    input.placeholder = "Type to filter";
    input.autocomplete = "off";
    input.setAttribute("aria-label", "Filter " + labelOf(select));
    input.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(input, select);

    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var first = null;
      var selectedShown = false;
      Array.prototype.forEach.call(select.options, function (option) {
        var text = (option.text + " " + option.value).toLowerCase();
        var shown = option.value === "" || words.every(function (word) {
          return text.indexOf(word) !== -1;
        });
        option.hidden = !shown;
        if (shown && option.value !== "" && first === null) {
          first = option;
        }
        if (shown && option.selected && option.value !== "") {
          selectedShown = true;
        }
      });
      // Typing then tabbing on picks the best match, as a combobox would.
      if (words.length && !selectedShown && first !== null) {
        first.selected = true;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    // Enter in the filter must not submit a half-made form.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        select.focus();
      }
    });
  }

  function enhanceAll(root) {
    Array.prototype.forEach.call(root.querySelectorAll("select[data-searchable]"), enhance);
    Array.prototype.forEach.call(root.querySelectorAll("input[data-key-from]"), followTitle);
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhanceAll(document);
  });
  // A field swapped in by htmx (aligns-to choices for another cycle) gets its filter too.
  document.addEventListener("htmx:load", function (event) {
    enhanceAll(event.detail.elt.parentNode || document);
  });
})();
