// zwk-kb: keeps a facilitator's selection in this browser (local storage) between pages.
// Without this file every "Zur Auswahl hinzufügen" link opens /auswahl with that tool, and the
// selection page builds the rest; the server never stores a selection. With it, the links on
// results, cards and collections add or remove a tool in place, and "Auswahl" in the menu opens
// the kept selection. The selection page itself writes what its address holds into the storage.
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
