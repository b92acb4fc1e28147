/* The pledge form, enhanced: the region follows the country, and a letter larger than the
   limit is refused before the form is sent (the server refuses it too, keeping every field;
   a file larger than the whole request limit would otherwise lose the page). Works without. */
(function () {
  "use strict";
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
  var letter = document.getElementById("letter");
  if (letter && letter.form) {
    var max = parseInt(letter.dataset.maxBytes, 10);
    var message = null;
    var check = function () {
      var file = letter.files && letter.files[0];
      var tooLarge = Boolean(file && max && file.size > max);
      letter.setCustomValidity(tooLarge ? letter.dataset.tooLarge : "");
      if (tooLarge && !message) {
        message = document.createElement("p");
        message.className = "error";
        message.id = "letter-size-error";
        message.setAttribute("role", "alert");
        letter.parentNode.insertBefore(message, letter);
      }
      if (message) { message.textContent = tooLarge ? letter.dataset.tooLarge : ""; }
      return !tooLarge;
    };
    letter.addEventListener("change", check);
    letter.form.addEventListener("submit", function (event) {
      if (!check()) { event.preventDefault(); letter.focus(); }
    });
  }
})();
