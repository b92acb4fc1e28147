/* Loaded on every page: marks that JavaScript runs, and wires the copy buttons. */
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
})();
