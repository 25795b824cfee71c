// zwk-kb: small enhancements. The site works fully without this file.
// Facet filters: apply a filter as soon as a checkbox changes (the "Filter anwenden" button stays
// for everyone), and give the focus back to the same checkbox after the page reloaded.
(function () {
  "use strict";
  var KEY = "zwk-kb-facet-focus";

  function keyOf(input) {
    return input.name + "\u001f" + input.value;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-autosubmit]");
    Array.prototype.forEach.call(forms, function (form) {
      var hint = form.querySelector(".autosubmit-hint");
      if (hint) {
        hint.hidden = false;
      }
      form.addEventListener("change", function (event) {
        var input = event.target;
        if (!input || input.type !== "checkbox") {
          return;
        }
        try {
          window.sessionStorage.setItem(KEY, keyOf(input));
        } catch (e) {
          // storage may be blocked: the filter still works, only the focus is not restored
        }
        form.submit();
      });
    });

    var wanted = null;
    try {
      wanted = window.sessionStorage.getItem(KEY);
      window.sessionStorage.removeItem(KEY);
    } catch (e) {
      wanted = null;
    }
    if (wanted) {
      var boxes = document.querySelectorAll("form[data-autosubmit] input[type=checkbox]");
      for (var i = 0; i < boxes.length; i += 1) {
        if (keyOf(boxes[i]) === wanted) {
          var details = boxes[i].closest("details");
          if (details) {
            details.open = true;
          }
          boxes[i].focus();
          break;
        }
      }
    }
  });
})();
