/* Loaded on every page: marks that JavaScript runs, wires the copy buttons, turns a private link
   that stopped working into what to do instead, and takes the respondent to what needs fixing:
   the error summary first, then from each of its links to the field itself (the first radio or
   checkbox of a group), as GOV.UK's error summary does. */
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

  /* Enter in a field that has a button of its own (the "e-mail me my link" box, which is part
     of the page's form) presses that button, not the form's first one (base.html: which
     never sends). Without JavaScript the page is saved and says the link was not sent. */
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || event.isComposing || !field.dataset || !field.dataset.enterPresses) { return; }
    var button = document.getElementById(field.dataset.enterPresses);
    if (!button || button.disabled) { return; }
    event.preventDefault();
    button.click();
  });

  /* A private link that stopped working while its page was open (respond.js says so, on the
     autosave's 410): every box showing it says it was replaced and how to get the new one, and
     no longer holds the dead link to copy or e-mail (templates/core/_link_box.html). */
  document.addEventListener("consult:link-gone", function () {
    document.querySelectorAll("[data-link-box]").forEach(function (box) {
      var live = box.querySelector(".link-box-live");
      var gone = box.querySelector(".link-box-gone");
      if (!live || !gone) { return; }
      live.querySelectorAll("input").forEach(function (field) { field.value = ""; field.disabled = true; });
      live.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
      live.hidden = true;
      gone.hidden = false;
    });
  });

  /* A page shown again (from the back/forward cache, or a tab the person comes back to) may
     hold a link replaced meanwhile, and only question pages autosave: ask the box's check
     address once; its 410 means replaced, and the boxes say so (the event above). */
  var checking = false;
  function checkLink() {
    var box = document.querySelector("[data-link-check]");
    if (!box || checking || !window.fetch) { return; }
    checking = true;
    fetch(box.dataset.linkCheck, {headers: {Accept: "application/json"}, cache: "no-store", credentials: "same-origin"})
      .then(function (response) {
        if (response.status === 410) { document.dispatchEvent(new CustomEvent("consult:link-gone")); }
      })
      .catch(function () { /* offline: the next showing asks again */ })
      .then(function () { checking = false; });
  }
  window.addEventListener("pageshow", function (event) { if (event.persisted) { checkLink(); } });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { checkLink(); }
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
