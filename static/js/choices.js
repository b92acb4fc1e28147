/* Enhances multiple choices and rankings; the server enforces the same rules without it.
   - "None of these" (data-exclusive) unticks the other boxes, and ticking another box (or
     writing an "Other" answer) unticks it;
   - a ranking that follows a multiple choice (data-rank-from) offers only what is ticked there,
     the "Other" choice labelled with the respondent's own words. */
(function () {
  "use strict";

  var form = document.querySelector("form.questionnaire-form");
  if (!form) { return; }

  function boxes(name) {
    return Array.prototype.slice.call(form.querySelectorAll('input[type="checkbox"]'))
      .filter(function (box) { return box.name === name; });
  }

  function otherField(name) {
    return document.getElementById(name + ".other");
  }

  function exclusiveChanged(box) {
    if (box.type !== "checkbox" || !box.checked) { return; }
    var group = boxes(box.name);
    if (box.dataset.exclusive) {
      group.forEach(function (other) { if (other !== box) { other.checked = false; } });
      var text = otherField(box.name);
      if (text) { text.value = ""; }
    } else {
      group.forEach(function (other) { if (other.dataset.exclusive) { other.checked = false; } });
    }
  }

  function otherTyped(field) {
    if (!/\.other$/.test(field.id) || !field.value.trim()) { return; }
    boxes(field.id.replace(/\.other$/, "")).forEach(function (box) {
      if (box.dataset.exclusive) { box.checked = false; }
    });
  }

  function refreshRanking(ranks) {
    var source = ranks.dataset.rankFrom;
    var ticked = {};
    boxes(source).forEach(function (box) { if (box.checked) { ticked[box.value] = true; } });
    var text = otherField(source);
    var otherWords = text ? text.value.trim() : "";
    var offered = JSON.parse(ranks.dataset.rankChoices).filter(function (choice) {
      return choice[0] === "other" ? otherWords !== "" : ticked[choice[0]];
    });
    var selects = Array.prototype.slice.call(ranks.querySelectorAll("select"));
    var isOffered = function (key) { return offered.some(function (c) { return c[0] === key; }); };
    var chosen = selects.map(function (select) { return select.value; });
    /* An option no longer ticked leaves the ranking and the later choices move up, as the
       server stores it (answers.split_hidden); otherwise every choice stays where it is. */
    if (chosen.some(function (key) { return key && !isOffered(key); })) {
      var remaining = chosen.filter(function (key) { return key && isOffered(key); });
      chosen = selects.map(function (_select, i) { return remaining[i] || ""; });
    }
    selects.forEach(function (select, i) {
      while (select.options.length > 1) { select.remove(1); }
      offered.forEach(function (choice) {
        var label = choice[0] === "other" ? otherWords : choice[1];
        var option = new Option(label, choice[0]);
        select.add(option);
      });
      select.value = isOffered(chosen[i]) ? chosen[i] : "";
    });
    var empty = ranks.parentNode.querySelector(".rank-empty");
    if (empty) { empty.hidden = offered.length > 0; }
  }

  function refreshRankings() {
    form.querySelectorAll("[data-rank-from]").forEach(refreshRanking);
  }

  form.addEventListener("change", function (event) {
    exclusiveChanged(event.target);
    refreshRankings();
  });
  form.addEventListener("input", function (event) {
    if (event.target.type === "text") {
      otherTyped(event.target);
      refreshRankings();
    }
  });
  refreshRankings();
})();
