/*
 * Text limits said out loud, never enforced by silent truncation. A browser cuts pasted text
 * at an input's maxlength without a word; this turns every maxlength on the page into a counter
 * that names the limit, and a form with a field over its limit is not sent (the server refuses
 * it as well, naming the limit). Words come from the #limit-words JSON block of base.html.
 */
(function () {
  "use strict";

  var words = {};
  function say(key, values) {
    var count = values.n !== undefined ? values.n : values.over;  // "KEY_one": the form for one
    if (Number(count) === 1 && words[key + "_one"]) key += "_one";
    var text = words[key] || "";
    Object.keys(values).forEach(function (name) { text = text.split("{" + name + "}").join(String(values[name])); });
    return text;
  }

  function length(field) { return field.value.trim().length; }

  function watch(field) {
    var limit = field.maxLength;
    field.removeAttribute("maxlength");
    field.dataset.limit = String(limit);
    var counter = document.createElement("p");
    counter.className = "char-count";
    counter.setAttribute("aria-live", "polite");
    counter.id = (field.id || field.name || "field") + "-limit";
    field.insertAdjacentElement("afterend", counter);
    var described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    function update() {
      var over = length(field) - limit;
      var near = length(field) >= limit * 0.8;
      counter.textContent = over > 0 ? say("over", { over: over, limit: limit }) : (near ? say("left", { n: limit - length(field) }) : "");
      counter.classList.toggle("over", over > 0);
      counter.hidden = !counter.textContent;
      if (over > 0) field.setAttribute("aria-invalid", "true");
      else if (field.getAttribute("aria-invalid") === "true" && field.dataset.limitInvalid) field.removeAttribute("aria-invalid");
      field.dataset.limitInvalid = over > 0 ? "1" : "";
    }
    field.addEventListener("input", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("limit-words");
    if (source) { try { words = JSON.parse(source.textContent); } catch (e) { words = {}; } }
    document.querySelectorAll("input[maxlength], textarea[maxlength]").forEach(function (field) {
      if (field.maxLength > 0) watch(field);
    });
    document.addEventListener("submit", function (event) {
      var over = Array.prototype.filter.call(event.target.querySelectorAll("[data-limit]"), function (field) {
        return length(field) > Number(field.dataset.limit);
      });
      if (!over.length) return;
      event.preventDefault();
      over[0].focus();
    }, true);
  });
})();
