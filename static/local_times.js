// The zone a form's times are written in follows the case's calendar. When the picker that
// chooses it (a complaint's division, a ticket's client, a review's complaint) changes, the
// zone beside each time, and the zone the form sends back with it, change to the new
// calendar's, and the time shown is converted so that it still names the same instant.
// When a new date is typed, the zone's abbreviation is brought up to date (AEDT or AEST).
// The form works the same without this file: a time is read in the zone shown beside it.
(function () {
  "use strict";

  var asked = new WeakMap();

  function partsOf(input) {
    var hidden = document.getElementById(input.id + "-zone");
    var label = document.getElementById(input.id + "-zone-label");
    var url = input.getAttribute("data-zone-url");
    return hidden && label && url ? { hidden: hidden, label: label, url: url } : null;
  }

  // Ask the portal for the zone (and the time as written in it), then show the answer
  // unless the person has typed something else meanwhile.
  function refresh(input, source) {
    var parts = partsOf(input);
    if (!parts) {
      return;
    }
    var query = new URLSearchParams({ zone: parts.hidden.value, value: input.value });
    if (source !== undefined) {
      query.set("source", source);
    }
    var sent = { value: input.value, zone: parts.hidden.value };
    asked.set(input, sent);
    fetch(parts.url + "?" + query.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (answer) {
        if (
          !answer ||
          asked.get(input) !== sent ||
          input.value !== sent.value ||
          parts.hidden.value !== sent.zone
        ) {
          return;
        }
        input.value = answer.value;
        parts.hidden.value = answer.zone;
        parts.label.textContent = answer.label;
        parts.label.title = answer.zone;
        input.dispatchEvent(new CustomEvent("local-zone-changed", { bubbles: true }));
      })
      .catch(function () {
        // Left as it was: the form still says which zone the time is in.
      });
  }

  function chosen(picker) {
    var value = picker.value || "";
    return value === "__None" ? "" : value;
  }

  function follow(picker, inputs) {
    var changed = function () {
      inputs.forEach(function (input) {
        refresh(input, chosen(picker));
      });
    };
    // Select2 announces a choice through jQuery, which native listeners do not hear.
    if (window.jQuery) {
      window.jQuery(picker).on("change", changed);
    } else {
      picker.addEventListener("change", changed);
    }
  }

  var inputs = Array.prototype.slice.call(document.querySelectorAll("input[data-zone-url]"));
  var bySource = {};
  inputs.forEach(function (input) {
    input.addEventListener("change", function () {
      refresh(input);
    });
    var source = input.getAttribute("data-zone-source");
    if (source) {
      (bySource[source] = bySource[source] || []).push(input);
    }
  });
  Object.keys(bySource).forEach(function (source) {
    var picker = document.getElementById(source);
    if (picker) {
      follow(picker, bySource[source]);
    }
  });
})();
