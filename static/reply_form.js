// The reply form: "Insert paragraph" puts the chosen canned paragraph at the cursor instead of
// re-rendering the page with it at the end (the form works the same without this script).
(function () {
  "use strict";
  function ready() {
    var button = document.querySelector(".reply-insert");
    var select = document.querySelector(".reply-paragraph");
    var body = document.querySelector("textarea.reply-body");
    if (!button || !select || !body) {
      return;
    }
    button.addEventListener("click", function (event) {
      var chosen = select.value;
      var source = chosen && document.querySelector(
        'template.reply-paragraph-text[data-paragraph="' + chosen + '"]'
      );
      if (!source) {
        return; // let the form say "Choose a paragraph to insert."
      }
      event.preventDefault();
      var text = source.content ? source.content.textContent : source.textContent;
      var start = body.selectionStart;
      var end = body.selectionEnd;
      if (typeof start !== "number") {
        start = end = body.value.length;
      }
      body.value = body.value.slice(0, start) + text + body.value.slice(end);
      body.focus();
      body.selectionStart = body.selectionEnd = start + text.length;
      select.value = "";
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
