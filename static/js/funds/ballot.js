/* The budget ballot's running total: refuses to go over the fund (or the points) before the
 * server does. The server checks the same rule again (roundtable/funds/operations.checked_choices). */
(function () {
  "use strict";
  var form = document.querySelector(".budget-ballot");
  if (!form) return;
  var budget = parseInt(form.dataset.budget, 10);
  var points = parseInt(form.dataset.points, 10);
  var approval = form.dataset.form === "approval";
  var totalLine = form.querySelector("[data-total]");
  var warning = form.querySelector(".over-budget");
  var submit = form.querySelector(".cast-budget");

  function yuan(fen) {
    var whole = Math.floor(fen / 100), cents = fen % 100;
    var text = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return cents ? text + "." + (cents < 10 ? "0" : "") + cents : text;
  }

  function sum() {
    var total = 0;
    if (approval) {
      form.querySelectorAll("input[name=project]:checked").forEach(function (box) { total += parseInt(box.dataset.cost, 10); });
    } else {
      form.querySelectorAll(".points-input").forEach(function (input) { total += Math.max(parseInt(input.value, 10) || 0, 0); });
    }
    return total;
  }

  function update(changed) {
    var total = sum();
    var limit = approval ? budget : points;
    if (total > limit && changed) {
      // Refuse the change that went over: untick the box, or take the points back.
      if (approval) changed.checked = false;
      else changed.value = Math.max((parseInt(changed.value, 10) || 0) - (total - limit), 0);
      total = sum();
      warning.textContent = approval ? warning.dataset.textApproval : warning.dataset.textPoints;
      warning.hidden = false;
    } else {
      warning.hidden = true;
    }
    var template = approval ? totalLine.dataset.textApproval : totalLine.dataset.textPoints;
    totalLine.textContent = template.replace("{sum}", approval ? yuan(total) : String(total));
    submit.disabled = total === 0 || total > limit;
  }

  form.addEventListener("change", function (event) { update(event.target); });
  form.addEventListener("input", function (event) { if (!approval) update(event.target); });
  update(null);
})();
