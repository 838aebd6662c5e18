// Progressive enhancement of the lodgement form: it works the same without this file.
(function () {
  "use strict";

  function focusField(id) {
    var field = document.getElementById(id);
    if (!field) {
      return false;
    }
    field.focus();
    var label = document.querySelector("label[for='" + id + "']");
    var target = field.closest("fieldset") || label || field;
    target.scrollIntoView({ block: "start" });
    return true;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
      summary.addEventListener("click", function (event) {
        var link = event.target.closest("a[href^='#']");
        if (link && focusField(link.getAttribute("href").slice(1))) {
          event.preventDefault();
        }
      });
    }
    var anonymous = document.getElementById("anonymous");
    var details = document.getElementById("contact-details");
    if (anonymous && details) {
      var show = function () {
        // Hidden details are disabled too, so that what was typed there is not sent.
        var hide = anonymous.checked;
        details.hidden = hide;
        details.querySelectorAll("input, textarea").forEach(function (input) {
          input.disabled = hide;
        });
      };
      anonymous.addEventListener("change", show);
      show();
    }
  });
})();
