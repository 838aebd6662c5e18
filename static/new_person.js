// A complaint's create form: a caller not yet in the register, typed beside the complainant
// picker. While the name, email or phone is typed, the people already in the register with
// the same name, email or phone are listed (the portal's /people-like/ answer), each to be
// chosen instead, or "None of these" to confirm someone new. The choice is posted with the
// form and checked again there; without this file the same list comes back with the form.
(function () {
  "use strict";

  var fieldset = document.getElementById("new-person");
  var list = document.getElementById("likely-people");
  if (!fieldset || !list) {
    return;
  }
  var url = fieldset.getAttribute("data-people-like-url");
  var names = {
    given_name: "new_given_name",
    family_name: "new_family_name",
    email: "new_email",
    phone: "new_phone",
  };
  var timer = null;
  var latest = 0;

  function typed() {
    var values = {};
    Object.keys(names).forEach(function (key) {
      var input = document.getElementById(names[key]);
      values[key] = input ? input.value.trim() : "";
    });
    return values;
  }

  function chosenNow() {
    var checked = list.querySelector("input[name=same_person]:checked");
    return checked ? checked.value : "";
  }

  function option(value, label, checked) {
    var wrapper = document.createElement("div");
    wrapper.className = "form-check";
    var input = document.createElement("input");
    input.type = "radio";
    input.name = "same_person";
    input.value = value;
    input.id = "same_person-" + value;
    input.className = "form-check-input";
    input.checked = checked;
    var text = document.createElement("label");
    text.className = "form-check-label";
    text.htmlFor = input.id;
    text.textContent = label;
    wrapper.appendChild(input);
    wrapper.appendChild(text);
    return wrapper;
  }

  function show(answer) {
    var keep = chosenNow();
    list.textContent = "";
    if (!answer.people.length) {
      return;
    }
    var box = document.createElement("div");
    box.className = "alert alert-warning likely-people";
    box.setAttribute("role", "group");
    box.setAttribute("aria-labelledby", "same_person-legend");
    var intro = document.createElement("p");
    intro.className = "mb-1";
    intro.id = "same_person-legend";
    var strong = document.createElement("strong");
    strong.textContent = "Likely already in the register.";
    intro.appendChild(strong);
    intro.appendChild(document.createTextNode(" Choose the person if it is them, or confirm someone new."));
    box.appendChild(intro);
    answer.people.forEach(function (person) {
      box.appendChild(option(person.id, person.label, keep === person.id));
    });
    box.appendChild(option(answer.new.id, answer.new.label, keep === answer.new.id));
    list.appendChild(box);
  }

  function ask() {
    var values = typed();
    if (!values.family_name && !values.email && values.phone.replace(/\D/g, "").length < 6) {
      list.textContent = "";
      return;
    }
    var asked = ++latest;
    fetch(url + "?" + new URLSearchParams(values).toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (answer) {
        if (answer && asked === latest) {
          show(answer);
        }
      })
      .catch(function () {
        // The form still works: the list comes back with it when it is sent.
      });
  }

  // "New person…" beside the picker opens the new person's fields; they start open when
  // something is typed in them already (a form sent back) or people are listed.
  var address = document.getElementById("new_address");
  var values = typed();
  var started = Object.keys(values).some(function (key) {
    return values[key];
  });
  started = started || (address && address.value.trim()) || list.children.length > 0;
  var toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "btn btn-outline-primary btn-sm mb-3 new-person-toggle";
  toggle.textContent = "New person…";
  toggle.setAttribute("aria-controls", "new-person");
  function opened(open) {
    fieldset.hidden = !open;
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
  toggle.addEventListener("click", function () {
    opened(fieldset.hidden);
    if (!fieldset.hidden) {
      document.getElementById("new_given_name").focus();
    }
  });
  fieldset.parentNode.insertBefore(toggle, fieldset);
  opened(Boolean(started));

  Object.keys(names).forEach(function (key) {
    var input = document.getElementById(names[key]);
    if (input) {
      input.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(ask, 350);
      });
    }
  });
})();
