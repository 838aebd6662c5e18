// The desk, fewer clicks: keyboard shortcuts on every staff page, and decision makers that
// follow the complaint manager chosen. Everything here has a way without scripts too.
//
// Keyboard (documented on the Help page):
//   /       search the grid (or the first search box on the page)
//   j / k   next / previous row of the grid
//   Enter   open the row chosen (its details page, or its edit form)
//   Esc     leave the search box
// Keys typed into a field, or pressed with Ctrl, Alt or Meta, are left alone.
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.tagName) {
      return false;
    }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function rows() {
    var table = document.querySelector("table.model-list");
    if (!table) {
      return [];
    }
    return Array.prototype.filter.call(table.querySelectorAll("tbody tr"), function (row) {
      return row.querySelector("td") !== null && row.offsetParent !== null;
    });
  }

  var current = -1;

  function choose(index) {
    var all = rows();
    if (!all.length) {
      return;
    }
    index = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row) {
      row.classList.remove("desk-chosen");
      row.removeAttribute("aria-current");
    });
    var row = all[index];
    row.classList.add("desk-chosen");
    row.setAttribute("aria-current", "true");
    if (!row.hasAttribute("tabindex")) {
      row.setAttribute("tabindex", "-1");
    }
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
    current = index;
  }

  function openChosen() {
    var row = rows()[current];
    if (!row) {
      return false;
    }
    var link =
      row.querySelector("a[href*='/details/']") ||
      row.querySelector("a[href*='/edit/']") ||
      row.querySelector("td a[href]");
    if (!link) {
      return false;
    }
    window.location.assign(link.href);
    return true;
  }

  function searchBox() {
    return (
      document.querySelector("form.search-form input[name=search]") ||
      document.querySelector("input[name=search]") ||
      document.querySelector("input[type=search]")
    );
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey) {
      return;
    }
    if (typing(event.target)) {
      if (event.key === "Escape" && event.target.name === "search") {
        event.target.blur();
      }
      return;
    }
    if (event.key === "/") {
      var box = searchBox();
      if (box) {
        event.preventDefault();
        box.focus();
        box.select();
      }
    } else if (event.key === "j") {
      choose(current + 1);
    } else if (event.key === "k") {
      choose(current < 0 ? 0 : current - 1);
    } else if (event.key === "Enter" && current >= 0) {
      var focused = document.activeElement;
      // Enter on a link or button inside the page does what it always does.
      if (focused && focused !== document.body && !focused.classList.contains("desk-chosen")) {
        return;
      }
      if (openChosen()) {
        event.preventDefault();
      }
    }
  });

  // ------------------------------------------------------------------ names for controls
  // The admin theme's controls that have only a title, or nothing, to say what they are:
  // the grid's tick boxes, a column's "?" and the pickers' (Select2) openers. Screen
  // readers announce them by these names.
  function nameControls() {
    document.querySelectorAll("input.action-rowtoggle:not([aria-label])").forEach(function (box) {
      box.setAttribute("aria-label", "Select all records on this page");
    });
    document.querySelectorAll("input.action-checkbox:not([aria-label])").forEach(function (box) {
      var row = box.closest("tr");
      var first = row ? row.querySelector("td[class^='col-'], td[class*=' col-']") : null;
      var words = first ? first.textContent.trim().replace(/\s+/g, " ") : box.value;
      box.setAttribute("aria-label", "Select " + words);
    });
    document.querySelectorAll("a[data-role=tooltip]:not([aria-label])").forEach(function (link) {
      var words = link.getAttribute("title") || link.getAttribute("data-original-title") || "";
      link.setAttribute("aria-label", "About this column: " + words);
    });
    // Select2 adds a chosen value's "remove" link whenever a value is chosen or restored,
    // so every pass names whatever is still unnamed, not only new pickers.
    document
      .querySelectorAll(
        ".select2-container a.select2-choice:not([aria-label]), " +
          ".select2-container a.select2-search-choice-close:not([aria-label]), " +
          ".select2-container input.select2-input:not([aria-label]), " +
          ".select2-container input.select2-focusser:not([aria-label])"
      )
      .forEach(function (control) {
        var words = pickerName(control.closest(".select2-container"));
        var removes = control.classList.contains("select2-search-choice-close");
        control.setAttribute("aria-label", removes ? "Remove from " + words : words);
      });
  }
  function pickerName(container) {
    var field = container.id && container.id.indexOf("s2id_") === 0 ? container.id.slice(5) : "";
    var label = field ? document.querySelector("label[for='" + field + "']") : null;
    return label ? label.textContent.replace(/[*\s]+/g, " ").trim() : "Choose";
  }
  nameControls();
  window.addEventListener("load", nameControls);
  // Named as soon as they are added (the observer runs before any other script or a
  // screen reader's next look), not a moment later.
  new MutationObserver(nameControls).observe(document.body, { childList: true, subtree: true });

  // ------------------------------------------------------------------ decision makers
  // A complaint's form: its decision-maker picker asks for those above the manager chosen
  // (the picker's look-up carries the manager; the portal narrows the list).
  if (window.jQuery && document.querySelector("form.admin-form input#manager")) {
    window.jQuery.ajaxPrefilter(function (options) {
      var chosenManager = document.querySelector("form.admin-form input#manager");
      var asked = String(options.url || "") + "&" + String(options.data || "");
      if (
        chosenManager &&
        chosenManager.value &&
        asked.indexOf("ajax/lookup/") >= 0 &&
        /[?&]name=decision_maker(&|$)/.test(asked)
      ) {
        options.data = (options.data ? options.data + "&" : "") + "manager=" + encodeURIComponent(chosenManager.value);
      }
    });
  }

  // A step's form (assign, bulk assign) carries where to ask which decision makers suit a
  // complaint manager; choosing the manager narrows the decision maker's list at once. The
  // one chosen stays chosen if still allowed; "Offer decision makers" does the same
  // without scripts.
  var holder = document.querySelector("[data-decision-makers-url]");
  var manager = document.querySelector("select[name=manager]");
  var decisionMaker = document.querySelector("select[name=decision_maker]");
  if (!holder || !manager || !decisionMaker) {
    return;
  }
  var url = holder.getAttribute("data-decision-makers-url");
  var status = document.createElement("p");
  status.className = "small text-muted mt-1 mb-0";
  status.setAttribute("role", "status");
  status.id = "decision-maker-status";
  decisionMaker.parentNode.appendChild(status);
  var offer = document.querySelector("button[name=refresh]");
  if (offer) {
    offer.hidden = true;
  }
  var asked = 0;

  manager.addEventListener("change", function () {
    var kept = decisionMaker.value;
    var separator = url.indexOf("?") >= 0 ? "&" : "?";
    var mine = ++asked;
    fetch(url + separator + new URLSearchParams({ manager: manager.value }).toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (answer) {
        if (!answer || mine !== asked) {
          return;
        }
        decisionMaker.textContent = "";
        var stillThere = false;
        answer.choices.forEach(function (choice) {
          var item = document.createElement("option");
          item.value = choice.id;
          item.textContent = choice.label;
          if (choice.id === kept) {
            item.selected = true;
            stillThere = true;
          }
          decisionMaker.appendChild(item);
        });
        var offered = answer.choices.length - 1;
        status.textContent =
          offered + " decision maker" + (offered === 1 ? "" : "s") + " rank above the manager chosen" +
          (kept && !stillThere ? ": the one chosen before does not, so choose again." : ".");
      })
      .catch(function () {
        if (offer) {
          offer.hidden = false;
        }
      });
  });
})();
