// Behaviour of the staff pages, kept out of the HTML so that the Content-Security-Policy
// can forbid inline scripts and event handlers (script-src 'self').
(function () {
  'use strict';

  // A bearer link in a read-only box: focus selects it, ready to copy.
  document.querySelectorAll('.select-on-focus').forEach(function (box) {
    box.addEventListener('focus', function () { box.select(); });
    box.addEventListener('click', function () { box.select(); });
  });

  // Buttons that print the page (printable invitation sheets).
  document.querySelectorAll('[data-print]').forEach(function (button) {
    button.addEventListener('click', function () { window.print(); });
  });

  // Forms that ask first: data-confirm holds the question.
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      if (!window.confirm(form.getAttribute('data-confirm'))) { event.preventDefault(); }
    });
  });

  // The community switch: choosing a community posts to its switch address.
  document.querySelectorAll('select[data-switch-url]').forEach(function (select) {
    select.addEventListener('change', function () {
      select.form.action = select.getAttribute('data-switch-url').replace(/0$/, select.value);
      select.form.submit();
    });
  });

  // A resolution being published: poll its rendering job and reload once it is done.
  var box = document.getElementById('publish-job');
  if (box && box.dataset.jobUrl && window.fetch) {
    var poll = function () {
      fetch(box.dataset.jobUrl, {headers: {Accept: 'application/json'}, credentials: 'same-origin'})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.job && data.job.finished) { window.location.reload(); return; }
          if (data.job) { box.querySelector('progress').value = data.job.progress; }
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 1000);
  }
}());
