/* The presenter view: the current and the next slide (the deck itself, in frames), the notes of
   the current slide, the time and the time elapsed. It moves with the audience window through a
   BroadcastChannel, in both directions. Without JavaScript the page lists every slide's notes. */
(function () {
  "use strict";
  var root = document.getElementById("presenter");
  if (!root) { return; }
  document.documentElement.classList.add("presenter-active");
  var total = parseInt(root.getAttribute("data-total"), 10) || 1;
  var embed = root.getAttribute("data-embed");
  var current = document.querySelector("iframe[data-presenter='current']");
  var next = document.querySelector("iframe[data-presenter='following']");
  var end = document.querySelector("[data-presenter='end']");
  var counter = document.querySelector("[data-presenter='counter']");
  var notes = Array.prototype.slice.call(document.querySelectorAll(".notes-slide"));
  var channel = window.BroadcastChannel ? new BroadcastChannel(root.getAttribute("data-channel")) : null;
  var index = 0;
  var started = Date.now();

  function show(target, tell) {
    index = Math.max(0, Math.min(total - 1, target));
    current.src = embed + "#slide-" + (index + 1);
    if (index + 1 < total) {
      next.hidden = false;
      end.hidden = true;
      next.src = embed + "#slide-" + (index + 2);
    } else {
      next.hidden = true;
      end.hidden = false;
    }
    notes.forEach(function (item, i) { item.hidden = i !== index; });
    if (counter) {
      counter.textContent = counter.getAttribute("data-template")
        .replace("{n}", index + 1).replace("{total}", total);
    }
    if (tell && channel) { channel.postMessage({ slide: index }); }
  }

  if (channel) {
    channel.onmessage = function (event) {
      if (event.data && typeof event.data.slide === "number") { show(event.data.slide, false); }
    };
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var moves = { ArrowRight: 1, ArrowDown: 1, PageDown: 1, " ": 1, ArrowLeft: -1, ArrowUp: -1, PageUp: -1 };
    if (event.key in moves) {
      event.preventDefault();
      show(index + moves[event.key], true);
    } else if (event.key === "Home") {
      event.preventDefault();
      show(0, true);
    } else if (event.key === "End") {
      event.preventDefault();
      show(total - 1, true);
    }
  });
  document.querySelectorAll("button[data-presenter='next']").forEach(function (b) {
    b.addEventListener("click", function () { show(index + 1, true); });
  });
  document.querySelectorAll("button[data-presenter='previous']").forEach(function (b) {
    b.addEventListener("click", function () { show(index - 1, true); });
  });
  var audience = document.querySelector("[data-presenter='audience']");
  if (audience) {
    audience.addEventListener("click", function () {
      window.open(audience.getAttribute("data-url") + "#slide-" + (index + 1), "consult-audience");
    });
  }

  var clock = document.querySelector("[data-presenter='clock']");
  var elapsed = document.querySelector("[data-presenter='elapsed']");
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var now = new Date();
    clock.textContent = two(now.getHours()) + ":" + two(now.getMinutes()) + ":" + two(now.getSeconds());
    var seconds = Math.floor((Date.now() - started) / 1000);
    elapsed.textContent = two(Math.floor(seconds / 60)) + ":" + two(seconds % 60);
  }
  var reset = document.querySelector("[data-presenter='reset']");
  if (reset) { reset.addEventListener("click", function () { started = Date.now(); tick(); }); }
  tick();
  window.setInterval(tick, 1000);
  show(0, false);
})();
