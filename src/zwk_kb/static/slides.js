// zwk-kb: web slides. Shows one slide at a time; ← → (also Bild auf/ab, Leertaste) to move,
// Pos1/Ende for the first/last slide, F for full screen; the slide number stays in the address
// (#folie-3), so reloading or sharing keeps the place. Without this file every slide is reached
// by its anchor link.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var deck = document.getElementById("folien");
    if (!deck) {
      return;
    }
    var slides = Array.prototype.slice.call(deck.querySelectorAll(".slide"));
    if (!slides.length) {
      return;
    }
    document.documentElement.classList.add("deck-js");
    var current = 0;
    // screen readers hear the number and title of each new slide
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    deck.appendChild(status);

    function fromHash() {
      var match = /^#folie-(\d+)$/.exec(window.location.hash);
      var n = match ? parseInt(match[1], 10) - 1 : 0;
      return Math.min(Math.max(n, 0), slides.length - 1);
    }

    function show(index, updateAddress) {
      current = Math.min(Math.max(index, 0), slides.length - 1);
      slides.forEach(function (slide, i) {
        var on = i === current;
        slide.classList.toggle("is-current", on);
        if (on) {
          slide.removeAttribute("aria-hidden");
        } else {
          slide.setAttribute("aria-hidden", "true");
        }
      });
      if (updateAddress) {
        var heading = slides[current].querySelector(".slide-heading");
        status.textContent = "Folie " + (current + 1) + " von " + slides.length
          + (heading ? ": " + heading.textContent : "");
        var hash = "#folie-" + (current + 1);
        if (window.location.hash !== hash) {
          window.history.replaceState(null, "", hash);
        }
      }
      document.title = document.title.replace(/^\(\d+\/\d+\) /, "");
      document.title = "(" + (current + 1) + "/" + slides.length + ") " + document.title;
    }

    function toggleFullscreen() {
      if (document.fullscreenElement) {
        document.exitFullscreen();
      } else if (document.documentElement.requestFullscreen) {
        document.documentElement.requestFullscreen().catch(function () {});
      }
    }

    document.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) {
        return;
      }
      var key = event.key;
      if (key === "ArrowRight" || key === "PageDown" || key === " ") {
        show(current + 1, true);
      } else if (key === "ArrowLeft" || key === "PageUp") {
        show(current - 1, true);
      } else if (key === "Home") {
        show(0, true);
      } else if (key === "End") {
        show(slides.length - 1, true);
      } else if (key === "f" || key === "F") {
        toggleFullscreen();
      } else {
        return;
      }
      event.preventDefault();
    });

    deck.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#folie-']");
      if (link) {
        event.preventDefault();
        window.location.hash = link.getAttribute("href");
      }
    });

    window.addEventListener("hashchange", function () {
      show(fromHash(), false);
    });
    show(fromHash(), false);
  });
})();
