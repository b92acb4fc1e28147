/* The contribution form, enhanced: a character counter, the region that follows the country,
   and the part list that only matters once an article is chosen. The form works without it. */
(function () {
  "use strict";
  var text = document.getElementById("text");
  var counter = document.getElementById("text-counter");
  if (text && counter) {
    var max = parseInt(text.dataset.maxLength, 10);
    var template = text.dataset.counterTemplate;
    var update = function () {
      counter.textContent = template.replace("{count}", text.value.length).replace("{max}", max);
      counter.classList.toggle("error", text.value.length > max);
    };
    text.addEventListener("input", update);
    update();
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
