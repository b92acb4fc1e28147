/* Loaded on every page: marks that JavaScript runs, wires the copy buttons, and takes the
   respondent to what needs fixing: the error summary first, then from each of its links to the
   field itself (the first radio or checkbox of a group), as GOV.UK's error summary does. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.dataset.copy);
      field.select();
      if (navigator.clipboard) { navigator.clipboard.writeText(field.value); }
      button.textContent = button.dataset.copied;
    });
  });

  /* Focus a form control and bring its question (legend or label) into view with it. */
  function focusField(id) {
    var field = document.getElementById(id);
    if (!field || typeof field.focus !== "function" || !field.matches("input, select, textarea, button")) {
      return false;
    }
    var fieldset = field.closest("fieldset");
    var legend = fieldset && fieldset.querySelector("legend");
    var label = document.querySelector('label[for="' + CSS.escape(id) + '"]');
    var heading = legend || label;
    if (heading) { heading.scrollIntoView(); }
    field.focus({ preventScroll: !!heading });
    return true;
  }

  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a");
      if (!link) { return; }
      var href = link.getAttribute("href") || "";
      if (href.charAt(0) !== "#") { return; } /* another page: it focuses the field on load */
      if (focusField(decodeURIComponent(href.slice(1)))) { event.preventDefault(); }
    });
    summary.focus();
  } else if (window.location.hash.length > 1) {
    focusField(decodeURIComponent(window.location.hash.slice(1)));
  }
})();
