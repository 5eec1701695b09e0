/* The budget poll's ballot on the phone (居民说了算, docs/live-protocol.md §3 "Budget polls").
 *
 * Registered with the phone page's ballot hook: one big button per project with its cost,
 * the running total against the fund, and a refusal on the phone when a tap would go over
 * it. The server refuses the same excess (`over_budget`), so a phone without this script
 * still cannot overspend. */
(function (RT, global) {
  "use strict";
  var phone = global.RoundtablePhone;
  if (!phone) return;
  var t = RT.t;

  function yuan(fen) {
    var whole = Math.floor(fen / 100), cents = fen % 100;
    var text = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return cents ? text + "." + (cents < 10 ? "0" : "") + cents : text;
  }

  function cost(poll, chosen) {
    return poll.options.reduce(function (sum, o) { return sum + (chosen.indexOf(o.id) >= 0 ? o.cost_fen || 0 : 0); }, 0);
  }

  function budgetBallot(poll, d, api) {
    var el = api.el;
    var total = cost(poll, d.chosen);
    var buttons = poll.options.map(function (option) {
      var on = d.chosen.indexOf(option.id) >= 0;
      return el("button", {
        type: "button", className: "big choice budget-choice" + (on ? " chosen" : ""), "aria-pressed": on ? "true" : "false",
        dataset: { optionId: String(option.id) },
        onClick: function () {
          if (!on && total + (option.cost_fen || 0) > poll.budget_fen) {
            phone.notice(t("over_budget"), true);
            return;
          }
          api.choose(poll, option.id);
        }
      }, [
        el("span", { className: "choice-mark", "aria-hidden": "true", text: on ? "✓ " : "" }),
        RT.optionLabel(option) + " · " + t("cost_yuan", { amount: yuan(option.cost_fen || 0) })
      ]);
    });
    var ready = d.chosen.length >= 1 && total <= poll.budget_fen;
    var confirm = el("button", {
      type: "button", className: "primary big confirm-vote", disabled: !ready,
      text: ready ? t("confirm_budget", { sum: yuan(total) }) : t("choose_first"),
      onClick: function (event) { api.cast(poll, d.chosen.slice(), event.currentTarget); }
    });
    var line = el("p", { className: "running-total lead", "aria-live": "polite",
      text: t("budget_total", { sum: yuan(total), total: yuan(poll.budget_fen) }) });
    return el("div", { className: "vote budget-vote" }, [line, el("div", { className: "choices" }, buttons), confirm]);
  }

  /* Points: one row per project with − and +; the ballot lists one option id per point given. */
  function pointsBallot(poll, d, api) {
    var el = api.el;
    var given = d.chosen.slice();
    var left = poll.max_choices - given.length;

    function change(optionId, delta) {
      var next = given.slice();
      if (delta > 0) {
        if (left <= 0) { phone.notice(t("over_points"), true); return; }
        next.push(optionId);
      } else {
        var at = next.indexOf(optionId);
        if (at < 0) return;
        next.splice(at, 1);
      }
      api.selections[poll.id] = next;
      phone.registerBallot("points", pointsBallot);  // registering again redraws the phone's ballots
    }

    var rows = poll.options.map(function (option) {
      var mine = given.filter(function (id) { return id === option.id; }).length;
      return el("div", { className: "points-row", dataset: { optionId: String(option.id) } }, [
        el("p", { className: "points-label", text: RT.optionLabel(option) + " · " + t("cost_yuan", { amount: yuan(option.cost_fen || 0) }) }),
        el("div", { className: "points-controls" }, [
          el("button", { type: "button", className: "big points-less", "aria-label": t("points_less", { label: RT.optionLabel(option) }),
                         disabled: mine === 0, text: "−", onClick: function () { change(option.id, -1); } }),
          el("span", { className: "points-given", text: String(mine) }),
          el("button", { type: "button", className: "big points-more", "aria-label": t("points_more", { label: RT.optionLabel(option) }),
                         disabled: left <= 0, text: "+", onClick: function () { change(option.id, 1); } })
        ])
      ]);
    });
    var line = el("p", { className: "running-total lead", "aria-live": "polite",
      text: t("points_total", { given: given.length, total: poll.max_choices }) });
    var confirm = el("button", {
      type: "button", className: "primary big confirm-vote", disabled: given.length === 0,
      text: given.length ? t("confirm_points", { n: given.length }) : t("choose_first"),
      onClick: function (event) { api.cast(poll, given.slice(), event.currentTarget); }
    });
    return el("div", { className: "vote budget-vote points-vote" }, [line].concat(rows, [confirm]));
  }

  phone.registerBallot("budget", budgetBallot);
  phone.registerBallot("points", pointsBallot);
})(window.RoundtableLive, window);
