/* Copy buttons: <button data-copy="#input" data-copied="已复制"> copies the input's value and says so. */
(function () {
  "use strict";

  function said(button, message) {
    var box = button.closest("section, li, .copy-block, form, div");
    var line = box ? box.querySelector(".copy-done") : null;
    if (line) line.textContent = message;
    else button.textContent = message;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.querySelector(button.dataset.copy);
    if (!field) return;
    var text = field.value || field.textContent;
    var done = function () { said(button, button.dataset.copied || "✓"); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallback(field); done(); });
    } else {
      fallback(field);
      done();
    }
  });

  function fallback(field) {
    field.focus();
    if (field.select) field.select();
    try { document.execCommand("copy"); } catch (e) { /* the text stays selected for a long press */ }
  }
})();
