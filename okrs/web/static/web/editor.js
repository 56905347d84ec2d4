// Searchable selects for the editor and settings forms: a filter box before each
// <select data-searchable> narrows its options as you type (any words, in the name or the
// email). Without JavaScript the select still works, with the browser's own type-ahead.
(function () {
  "use strict";

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
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhanceAll(document);
  });
  // A field swapped in by htmx (aligns-to choices for another cycle) gets its filter too.
  document.addEventListener("htmx:load", function (event) {
    enhanceAll(event.detail.elt.parentNode || document);
  });
})();
