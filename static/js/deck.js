/* The outcomes deck: one slide at a time, keyboard navigation, full screen.
   Without JavaScript the deck is a long page of slides; this only enhances it. */
(function () {
  "use strict";
  var deck = document.getElementById("deck");
  if (!deck) { return; }
  var slides = Array.prototype.slice.call(deck.querySelectorAll(".slide"));
  if (!slides.length) { return; }
  var counter = document.querySelector("[data-deck='counter']");
  var fullscreen = document.querySelector("[data-deck='fullscreen']");
  var template = deck.getAttribute("data-label-slide") || "{n} / {total}";
  var current = 0;
  // The presenter view and the audience window move together (same browser, same deck).
  var channelName = deck.getAttribute("data-channel");
  var channel = channelName && window.BroadcastChannel ? new BroadcastChannel(channelName) : null;
  var embedded = document.body.classList.contains("deck-embedded");

  document.documentElement.classList.add("deck-active");

  function show(index, moveFocus, tell) {
    current = Math.max(0, Math.min(slides.length - 1, index));
    if (tell && channel && !embedded) { channel.postMessage({ slide: current }); }
    slides.forEach(function (slide, i) {
      var active = i === current;
      slide.classList.toggle("current", active);
      slide.setAttribute("aria-hidden", active ? "false" : "true");
    });
    if (counter) {
      counter.textContent = template.replace("{n}", current + 1).replace("{total}", slides.length);
    }
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", "#" + slides[current].id);
    }
    if (moveFocus) {
      var heading = slides[current].querySelector("h1, h2");
      if (heading) {
        heading.setAttribute("tabindex", "-1");
        heading.focus({ preventScroll: true });
      }
    }
  }

  function fromHash() {
    var found = slides.findIndex(function (slide) { return "#" + slide.id === window.location.hash; });
    return found >= 0 ? found : 0;
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var tag = (event.target && event.target.tagName) || "";
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") { return; }
    var moves = {
      ArrowRight: 1, ArrowDown: 1, PageDown: 1, " ": 1,
      ArrowLeft: -1, ArrowUp: -1, PageUp: -1
    };
    if (event.key in moves) {
      event.preventDefault();
      show(current + (event.shiftKey && event.key === " " ? -1 : moves[event.key]), true, true);
    } else if (event.key === "Home") {
      event.preventDefault();
      show(0, true, true);
    } else if (event.key === "End") {
      event.preventDefault();
      show(slides.length - 1, true, true);
    }
  });

  document.querySelectorAll("[data-deck='next']").forEach(function (button) {
    button.addEventListener("click", function () { show(current + 1, false, true); });
  });
  document.querySelectorAll("[data-deck='previous']").forEach(function (button) {
    button.addEventListener("click", function () { show(current - 1, false, true); });
  });

  function fullscreenChanged() {
    if (!fullscreen) { return; }
    var on = !!document.fullscreenElement;
    fullscreen.textContent = on ? fullscreen.dataset.leave : fullscreen.dataset.enter;
    fullscreen.setAttribute("aria-pressed", on ? "true" : "false");
  }
  if (fullscreen) {
    if (!document.fullscreenEnabled) {
      fullscreen.hidden = true;
    } else {
      fullscreen.setAttribute("aria-pressed", "false");
      fullscreen.addEventListener("click", function () {
        if (document.fullscreenElement) {
          document.exitFullscreen();
        } else {
          document.documentElement.requestFullscreen();
        }
      });
      document.addEventListener("fullscreenchange", fullscreenChanged);
    }
  }
  if (channel && !embedded) {
    channel.onmessage = function (event) {
      if (event.data && typeof event.data.slide === "number") { show(event.data.slide, false, false); }
    };
  }
  window.addEventListener("hashchange", function () { show(fromHash(), false); });
  show(fromHash(), false);
})();
