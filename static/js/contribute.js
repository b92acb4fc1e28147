/* The contribution form, enhanced: a character counter, the region that follows the country,
   and the part list that only matters once an article is chosen. The form works without it. */
(function () {
  "use strict";
  var text = document.getElementById("text");
  var counter = document.getElementById("text-counter");
  var live = document.getElementById("text-counter-live");
  if (text && counter) {
    var max = parseInt(text.dataset.maxLength, 10);
    var template = text.dataset.counterTemplate;
    var level = 0;
    /* The visible count follows every keystroke; screen readers hear it only when it reaches
       90% of the limit or passes it, not on every character. */
    var update = function (quiet) {
      var words = template.replace("{count}", text.value.length).replace("{max}", max);
      counter.textContent = words;
      counter.classList.toggle("error", text.value.length > max);
      var now = text.value.length > max ? 2 : (text.value.length >= 0.9 * max ? 1 : 0);
      if (live && quiet !== true && now > level) { live.textContent = words; }
      level = now;
    };
    text.addEventListener("input", update);
    update(true);
  }
  var country = document.getElementById("country");
  var region = document.getElementById("region");
  if (country && region) {
    var chosenByHand = region.value !== "";
    region.addEventListener("change", function () { chosenByHand = true; });
    country.addEventListener("change", function () {
      var option = country.options[country.selectedIndex];
      if (!chosenByHand && option && option.dataset.region) { region.value = option.dataset.region; }
    });
  }
  var article = document.getElementById("article");
  var part = document.getElementById("part");
  if (article && part) {
    var sync = function () {
      part.disabled = article.value === "";
      if (part.disabled) { part.value = ""; }
    };
    article.addEventListener("change", sync);
    sync();
  }
})();
