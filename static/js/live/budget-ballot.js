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
        option.label + " · " + t("cost_yuan", { amount: yuan(option.cost_fen || 0) })
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

  phone.registerBallot("budget", budgetBallot);
})(window.RoundtableLive, window);
