// zwk-kb: keeps a facilitator's selection in this browser (local storage) between pages.
// Without this file the selection travels in the address (w=…): every "Zur Auswahl hinzufügen"
// link is the same page with the next selection, and every other link keeps it; the server
// never stores a selection. With it, the storage is the selection: the links on results, cards
// and collections add or remove a tool in place, and "Auswahl" in the menu and "Auswahl
// ansehen" open the kept selection. A selection carried in the address is taken over only when
// this browser keeps none yet. The selection page writes what its address holds into storage.
(function () {
  "use strict";
  var KEY = "zwk-kb-auswahl";
  var MAX_TOOLS = 20; // selection.MAX_TOOLS
  var ADD = "Zur Auswahl hinzufügen";
  var REMOVE = "Aus der Auswahl entfernen";

  function load() {
    try {
      var data = JSON.parse(window.localStorage.getItem(KEY) || "{}");
      var slugs = Array.isArray(data.w) ? data.w.filter(function (s) {
        return typeof s === "string" && /^[a-z0-9]+(-[a-z0-9]+)*$/.test(s);
      }) : [];
      return { w: slugs.slice(0, MAX_TOOLS), titel: typeof data.titel === "string" ? data.titel : "" };
    } catch (e) {
      return { w: [], titel: "" };
    }
  }

  function save(selection) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(selection));
    } catch (e) {
      // storage blocked: the links still work, the selection just lives in the address only
    }
  }

  function address(selection) {
    var parts = selection.w.map(function (slug) {
      return "w=" + encodeURIComponent(slug);
    });
    if (selection.titel) {
      parts.push("titel=" + encodeURIComponent(selection.titel));
    }
    return "/auswahl" + (parts.length ? "?" + parts.join("&") : "");
  }

  function toggled(selection, slug) {
    var w = selection.w.filter(function (s) {
      return s !== slug;
    });
    if (w.length === selection.w.length && w.length < MAX_TOOLS) {
      w.push(slug);
    }
    return { w: w, titel: selection.titel };
  }

  document.addEventListener("DOMContentLoaded", function () {
    var page = document.querySelector(".selection-page");
    if (page) {
      var slugs = (page.getAttribute("data-selection") || "").split(" ").filter(Boolean);
      save({ w: slugs, titel: page.getAttribute("data-selection-title") || "" });
      return; // on the selection page every link is the next address
    }
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    var main = document.querySelector("main") || document.body;
    main.appendChild(status);
    var menu = document.querySelector('.site-nav a[href="/auswahl"]');
    var links = document.querySelectorAll("a[data-select]");
    var bars = document.querySelectorAll("a[data-selection-link]");
    var stored = null;
    try {
      stored = window.localStorage.getItem(KEY);
    } catch (e) {
      stored = null;
    }
    if (stored === null && bars.length) {
      var carried = (bars[0].getAttribute("data-carried") || "").split(" ").filter(Boolean);
      if (carried.length) {
        save({ w: carried.slice(0, MAX_TOOLS), titel: "" });
      }
    }

    function refresh() {
      var selection = load();
      Array.prototype.forEach.call(links, function (link) {
        var slug = link.getAttribute("data-select");
        var chosen = selection.w.indexOf(slug) !== -1;
        var label = link.querySelector("[data-select-label]");
        if (label) {
          label.textContent = chosen ? REMOVE : ADD;
        }
        link.setAttribute("href", address(toggled(selection, slug)));
        link.classList.toggle("is-chosen", chosen);
      });
      Array.prototype.forEach.call(bars, function (bar) {
        bar.setAttribute("href", address(selection));
        bar.textContent = "Auswahl ansehen (" + selection.w.length + ")";
        bar.parentNode.hidden = !selection.w.length;
      });
      if (menu) {
        menu.setAttribute("href", address(selection));
        menu.textContent = selection.w.length ? "Auswahl (" + selection.w.length + ")" : "Auswahl";
      }
    }

    Array.prototype.forEach.call(links, function (link) {
      link.addEventListener("click", function (event) {
        var selection = load();
        var slug = link.getAttribute("data-select");
        var next = toggled(selection, slug);
        if (next.w.length === selection.w.length) {
          if (selection.w.indexOf(slug) === -1) {
            event.preventDefault();
            status.textContent = "Die Auswahl ist voll: höchstens " + MAX_TOOLS + " Werkzeuge.";
          }
          return;
        }
        event.preventDefault();
        save(next);
        refresh();
        var added = next.w.length > selection.w.length;
        status.textContent = (added ? "Zur Auswahl hinzugefügt. " : "Aus der Auswahl entfernt. ")
          + "Die Auswahl hat " + next.w.length + (next.w.length === 1 ? " Werkzeug." : " Werkzeuge.");
      });
    });
    refresh();
  });
})();
