// zwk-kb contribution form: optional niceties. The form works fully without this file (counts
// are shown after "Vorschau und prüfen", a new row comes with "Weitere Link-Zeile" or
// "Weitere Quellen-Zeile").
(function () {
  "use strict";

  function each(selector, fn, root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  // live character counts: "Jetzt 42 von 120 Zeichen."
  function counter(span) {
    var field = document.getElementById(span.getAttribute("data-for"));
    var limit = parseInt(span.getAttribute("data-limit"), 10);
    if (!field || !limit) {
      return;
    }
    function update() {
      var length = Array.from(field.value).length;
      span.textContent = length ? "Jetzt " + length + " von " + limit + " Zeichen." : "";
      if (length > limit) {
        span.textContent += " Das sind " + (length - limit) + " zu viel.";
      }
      span.classList.toggle("over", length > limit);
    }
    field.addEventListener("input", update);
    update();
  }

  // searchable lists (communes): hide the choices that do not contain the typed text
  function filter(box) {
    var input = box.querySelector("input[type=search]");
    var list = document.getElementById(input.getAttribute("data-filter"));
    if (!list) {
      return;
    }
    box.hidden = false;
    input.addEventListener("input", function () {
      var wanted = input.value.trim().toLowerCase();
      each("li", function (item) {
        var text = item.textContent.trim().toLowerCase();
        var box = item.querySelector("input");
        item.hidden = wanted !== "" && text.indexOf(wanted) < 0 && !(box && box.checked);
      }, list);
    });
  }

  // A row group (links, sources): rows of title and address. Its fieldset names one entry in
  // data-label ("Link", "Quelle"), which numbers the labels: "Link 2: Text".
  function numbered(label) {
    return new RegExp(label + " \\d+");  // the labels are plain words of the site
  }

  // renumber the visible labels after a row was added or removed
  function renumber(list, label) {
    var number = numbered(label);
    each(".url-row", function (row, index) {
      each("label, .remove-row", function (element) {
        var text = element.firstChild;
        if (element.classList.contains("remove-row")) {
          element.textContent = label + " " + (index + 1) + " entfernen";
        } else if (text && text.nodeType === 3) {
          text.textContent = text.textContent.replace(number, label + " " + (index + 1));
        }
      }, row);
    }, list);
  }

  // a button that removes its row (empty rows are left out anyway; this only tidies up)
  function removable(row, list, button, label) {
    if (row.querySelector(".remove-row")) {
      return;
    }
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "kern-btn kern-btn--tertiary remove-row";
    remove.textContent = label + " entfernen";
    remove.addEventListener("click", function () {
      if (list.querySelectorAll(".url-row").length <= 1) {
        each("input", function (input) { input.value = ""; }, row);
        row.querySelector("input").focus();
        return;
      }
      row.remove();
      renumber(list, label);
      button.hidden = false;
      button.focus();
    });
    row.appendChild(remove);
  }

  // one more row without a round trip (the button still works without JavaScript)
  function rows(fieldset) {
    var button = fieldset.querySelector(".add-row");
    var list = fieldset.querySelector(".rows");
    var max = parseInt(fieldset.getAttribute("data-max-rows"), 10) || 10;
    var label = fieldset.getAttribute("data-label") || "Link";
    var number = numbered(label);
    if (!button || !list) {
      return;
    }
    each(".url-row", function (row) { removable(row, list, button, label); }, list);
    renumber(list, label);
    button.addEventListener("click", function (event) {
      var items = list.querySelectorAll(".url-row");
      if (!items.length || items.length >= max) {
        return;
      }
      event.preventDefault();
      var n = items.length + 1;
      var row = items[items.length - 1].cloneNode(true);
      each(".kern-error, .remove-row", function (element) { element.remove(); }, row);
      each("[id]", function (element) {
        element.id = element.id.replace(/-\d+(-|$)/, "-" + n + "$1");
      }, row);
      each("label[for]", function (element) {
        element.setAttribute("for", element.getAttribute("for").replace(/-\d+$/, "-" + n));
        element.firstChild.textContent = element.firstChild.textContent.replace(
          number, label + " " + n);
      }, row);
      each("input", function (input) {
        input.value = "";
        input.removeAttribute("aria-invalid");
        input.setAttribute("aria-describedby", input.id + "-hint");
        input.className = "kern-form-input__input";
      }, row);
      each(".kern-form-input--error", function (box) {
        box.classList.remove("kern-form-input--error");
      }, row);
      list.appendChild(row);
      each("input[data-pattern]", live, row);
      removable(row, list, button, label);
      renumber(list, label);
      row.querySelector("input").focus();
      if (n >= max) {
        button.hidden = true;
      }
    });
  }

  // checks while typing, with the card schema's own pattern and words (data-pattern,
  // data-message); shown when a field is left, gone as soon as the value fits
  function live(input) {
    var pattern;
    try {
      pattern = new RegExp(input.getAttribute("data-pattern"));
    } catch (e) {
      return;
    }
    var note = document.createElement("p");
    note.className = "kern-error live-check";
    note.id = input.id + "-live";
    note.hidden = true;
    input.parentNode.insertBefore(note, input);
    function update(show) {
      var value = input.value.trim();
      var wrong = value !== "" && !pattern.test(value);
      if (!wrong) {
        note.hidden = true;
      } else if (show) {
        note.textContent = "Bitte prüfen: " +
          input.getAttribute("data-message").replace("{value}", "\u201e" + value + "\u201c");
        note.hidden = false;
      }
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(
        function (id) { return id && id !== note.id; });
      if (!note.hidden) {
        described.push(note.id);
      }
      input.setAttribute("aria-describedby", described.join(" "));
    }
    input.addEventListener("change", function () { update(true); });
    input.addEventListener("input", function () { update(false); });
  }

  // "Text kopieren" next to the file
  function copy(button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector(".copy-status");
    if (!field || !navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        if (status) {
          status.textContent = "Der Text ist kopiert.";
        }
      }, function () {
        field.select();
        if (status) {
          status.textContent = "Bitte mit Strg + C kopieren: der Text ist markiert.";
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    each(".card-form .counter", counter);
    each(".card-form .list-filter", filter);
    each(".card-form input[data-pattern]", live);
    each(".card-form .url-rows", rows);
    each(".copy-button", copy);
    var summary = document.getElementById("fehler") || document.getElementById("ergebnis");
    if (summary) {
      summary.focus();
    }
  });
})();
