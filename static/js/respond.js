/* Enhances the questionnaire pages: the pages work the same without it.
   - shows or hides questions whose condition depends on an answer on the same page;
   - saves in the background while the respondent types;
   - fills the region from the country; counts characters; copies the personal link. */
(function () {
  "use strict";

  var form = document.querySelector("form.questionnaire-form");

  function answerOf(questionKey) {
    var name = "q." + questionKey;
    var inputs = document.querySelectorAll('[name="' + name + '"]');
    var values = [];
    inputs.forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox")) {
        if (input.checked) { values.push(input.value); }
      } else if (input.value) {
        values.push(input.value);
      }
    });
    return inputs.length ? values : null;
  }

  function applyConditions() {
    document.querySelectorAll("[data-when-question]").forEach(function (block) {
      var values = answerOf(block.dataset.whenQuestion);
      if (values === null) { return; } /* the condition is on another page: the server decided */
      var source = document.getElementById("question-" + block.dataset.whenQuestion);
      var sourceShown = !source || !source.hidden;
      var met = sourceShown && values.indexOf(block.dataset.whenValue) !== -1;
      if (block.dataset.whenOperator === "equals") { met = met && values.length === 1; }
      block.hidden = !met;
    });
  }

  function fillRegion(event) {
    var select = event.target;
    if (!select.dataset.regionMap) { return; }
    var map = JSON.parse(select.dataset.regionMap);
    var region = map[select.value];
    var radios = document.querySelectorAll('input[type="radio"][name^="q."][value="' + region + '"]');
    var group = radios.length ? document.getElementsByName(radios[0].name) : [];
    var chosen = Array.prototype.some.call(group, function (r) { return r.checked && r.dataset.auto !== "1"; });
    if (region && radios.length && !chosen) {
      radios[0].checked = true;
      radios[0].dataset.auto = "1";
    }
  }

  /* Screen readers hear #live-status only: a failed save at once, "Saved" once typing has
     paused for a while, a character count only when it reaches 90% or passes the limit. The
     visible counter and status change on every keystroke and are not live regions. */
  var live = document.getElementById("live-status");
  var announceTimer = null;

  function announce(text) {
    if (!live) { return; }
    live.textContent = "";
    setTimeout(function () { live.textContent = text; }, 50);
  }

  function counterLevel(length, max) {
    if (length > max) { return 2; }
    return length >= 0.9 * max ? 1 : 0;
  }

  function updateCounter(field, quiet) {
    var counter = document.querySelector('[data-counter-for="' + field.name + '"]');
    if (!counter) { return; }
    var max = Number(field.dataset.maxlength);
    var text = counter.dataset.template.replace("COUNT", String(field.value.length));
    counter.textContent = text;
    counter.classList.toggle("error", field.value.length > max);
    var level = counterLevel(field.value.length, max);
    var before = Number(counter.dataset.level || 0);
    counter.dataset.level = String(level);
    if (!quiet && level > before) { announce(text); }
  }

  var status = document.querySelector(".autosave-status");
  var timer = null;
  var inFlight = false;
  var dirty = false;
  var replaced = false;

  function linkReplaced() {
    /* 410: a newer personal link replaced this one. Saving can never succeed again: stop
       trying, keep the text in the fields, and say once, persistently, what to do. */
    replaced = true;
    dirty = false;
    var alert = form.querySelector(".link-replaced-alert");
    if (alert) { alert.hidden = false; }
    if (status) { say(""); }
    /* The "Your personal link" box must not go on offering the dead link (consult.js). */
    document.dispatchEvent(new CustomEvent("consult:link-gone"));
  }

  /* On a phone the status stays at the bottom of the screen while one types: the field being
     typed in must never be under it. consult.css gives the fields a bottom scroll margin of the
     status's height (followed here: its text can take several lines); a field already under
     it when its text grows is scrolled up. */
  function keepFocusVisible() {
    if (!status) { return; }
    var height = status.offsetHeight;
    document.documentElement.style.setProperty("--autosave-height", height + "px");
    var focused = document.activeElement;
    if (!height || !focused || !form.contains(focused)) { return; }
    var field = focused.getBoundingClientRect();
    var top = status.getBoundingClientRect().top;
    if (field.bottom > top - 8) { window.scrollBy(0, Math.min(field.bottom - top + 8, field.top - 8)); }
  }

  function say(text) {
    status.textContent = text;
    keepFocusVisible();
  }

  var waitUntil = 0;
  var renewals = 0;
  var retryNow = false;

  function renewed(token) {
    /* The form's token had expired (or the browser lost its session): the server sent a new
       one. Every form of the page takes it and the save is made again at once; twice in a row
       means something else is wrong, and the page says to save by its buttons instead (that
       save shows the page again with everything typed). */
    renewals += 1;
    if (!token || renewals > 2) {
      if (status) { say(status.dataset.expired + " " + status.dataset.kept); }
      announce(status ? status.dataset.expired : "");
      dirty = false;
      return;
    }
    document.querySelectorAll('input[name="csrf_token"]').forEach(function (input) { input.value = token; });
    dirty = true;
    retryNow = true;
    waitUntil = 0;
  }

  function refused(code, refusal) {
    /* A refusal the server explained (a rate limit with its real wait, a closed questionnaire,
       a text too long): its words stay on the page until a save succeeds, the text stays in the
       fields, and nothing is sent again before the wait said is over. */
    var said = (refusal && refusal.message) || (refusal && refusal.closed && status && status.dataset.closed) || "";
    if (!said) { throw new Error(String(code)); }
    if (status) {
      said = said + " " + status.dataset.kept;
      say(said);
    }
    announce(said);
    dirty = false;
    if (refusal.retry_after) {
      waitUntil = Date.now() + refusal.retry_after * 1000;
      dirty = true;
      schedule(refusal.retry_after * 1000);
    }
  }

  function autosave() {
    if (!form || !form.dataset.autosave || replaced) { return; }
    if (Date.now() < waitUntil) { schedule(waitUntil - Date.now()); return; }
    if (inFlight) { dirty = true; return; }
    inFlight = true;
    dirty = false;
    if (status) { say(status.dataset.saving); }
    fetch(form.dataset.autosave, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 410) { linkReplaced(); return; }
      if (!response.ok && response.status !== 409) {
        return response.json().catch(function () { return null; }).then(function (refusal) {
          if (refusal && refusal.expired) { renewed(refusal.csrf_token); return; }
          refused(response.status, refusal);
        });
      }
      renewals = 0;
      return response.json().then(function (answer) {
        /* The next save is based on what this one wrote (see consult/questionnaires/merging.py). */
        var base = form.querySelector('input[name="base"]');
        if (base && answer.base) { base.value = answer.base; }
        var conflicts = answer.conflicts ? answer.conflicts.length : 0;
        if (conflicts) { showConflict(); }
        if (answer.incomplete) {
          /* A submitted response stays complete: nothing was stored; the page save shows why. */
          if (status) { say(status.dataset.incomplete); }
          announce(status ? status.dataset.incomplete : "");
          return;
        }
        var refusals = showRefusals(answer.errors);
        if (status) {
          /* Answers the server refused are not saved, and answers another answer hides are
             kept but not sent: never a plain "Saved" for either. */
          var said = status.dataset.saved;
          if (refusals) {
            said = refusals === 1 ? status.dataset.savedExceptOne
              : status.dataset.savedExceptMany.replace("COUNT", String(refusals));
          }
          if (conflicts) {
            /* Another browser saved a different answer meanwhile: the rest is saved, that one is
               not overwritten, and the status (in view while one types) says so at once. */
            said = conflicts === 1 ? status.dataset.savedConflictOne
              : status.dataset.savedConflictMany.replace("COUNT", String(conflicts));
          }
          if (answer.hidden) { said = said + " " + status.dataset.savedHidden + " " + answer.hidden; }
          status.classList.toggle("refused", refusals > 0 || conflicts > 0);
          say(said);
          if (announceTimer) { clearTimeout(announceTimer); }
          announceTimer = setTimeout(function () { announce(said); }, answer.hidden || refusals || conflicts ? 50 : 5000);
        }
      });
    }).catch(function () {
      if (status) {
        say(status.dataset.failed);
        announce(status.dataset.failed);
      }
      dirty = true;
    }).then(function () {
      inFlight = false;
      if (dirty && !replaced) { schedule(retryNow ? 200 : 5000); }
      retryNow = false;
    });
  }

  function describedBy(control, id, on) {
    var ids = (control.getAttribute("aria-describedby") || "").split(" ").filter(function (each) {
      return each && each !== id;
    });
    if (on) { ids.push(id); }
    if (ids.length) { control.setAttribute("aria-describedby", ids.join(" ")); }
    else { control.removeAttribute("aria-describedby"); }
    if (on) { control.setAttribute("aria-invalid", "true"); }
    else { control.removeAttribute("aria-invalid"); }
  }

  /* What the background save refused (a year written in words, a text over its limit, too
     many choices, a malformed answer) is not stored: its message goes next to the field, as
     the page save shows it (same id, aria-describedby, aria-invalid), and the text stays in
     the field. A message put there by a background save goes once the answer is accepted.
     Returns how many answers of the page were refused. */
  function showRefusals(errors) {
    var count = 0;
    form.querySelectorAll(".question[id^='question-']").forEach(function (block) {
      var key = block.id.slice("question-".length);
      var message = errors && Object.prototype.hasOwnProperty.call(errors, key) ? errors[key] : "";
      var id = "error-" + key;
      var shown = document.getElementById(id);
      var control = block.querySelector("fieldset") || block.querySelector('[name="q.' + key + '"]');
      if (message) {
        count += 1;
        if (!shown) {
          shown = document.createElement("p");
          shown.className = "error";
          shown.id = id;
          shown.dataset.autosave = "1";
          var help = document.getElementById("help-" + key);
          var after = help && block.contains(help) ? help : block.querySelector(".question-label");
          after.insertAdjacentElement("afterend", shown);
        }
        if (shown.dataset.message !== message) {
          var prefix = document.createElement("span");
          prefix.className = "visually-hidden";
          prefix.textContent = (status && status.dataset.errorPrefix ? status.dataset.errorPrefix : "") + " ";
          shown.textContent = "";
          shown.appendChild(prefix);
          shown.appendChild(document.createTextNode(message));
          shown.dataset.message = message;
        }
        block.classList.add("has-error");
        if (control) { describedBy(control, id, true); }
      } else if (shown && shown.dataset.autosave) {
        shown.remove();
        block.classList.remove("has-error");
        if (control) { describedBy(control, id, false); }
      }
    });
    return count;
  }

  function showConflict() {
    /* Another browser saved a different answer to a question changed here: nothing was
       overwritten; the button posts the page, which shows both answers to choose from. */
    var alert = form.querySelector(".conflict-alert");
    if (alert && alert.hidden) { alert.hidden = false; }
  }

  function schedule(delay) {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(autosave, delay);
  }

  if (form) {
    form.addEventListener("input", function (event) {
      if (event.target.dataset && event.target.dataset.maxlength) { updateCounter(event.target); }
      if (announceTimer) { clearTimeout(announceTimer); announceTimer = null; }
      schedule(1500);
    });
    form.addEventListener("change", function (event) {
      if (event.target.tagName === "SELECT") { fillRegion(event); }
      applyConditions();
      schedule(800);
    });
    form.querySelectorAll("[data-maxlength]").forEach(function (field) { updateCounter(field, true); });
    applyConditions();
  }

  /* consult.js focuses an error summary; a conflict to settle comes first. */
  var conflictSummary = document.getElementById("conflict-summary");
  if (conflictSummary) { conflictSummary.focus(); }
})();
