/*
 * The phone page of a participant: a resident, a department or an organization.
 * Large buttons, few taps; everything shown comes from the server's state.
 */
(function (RT) {
  "use strict";

  var root = document.getElementById("live");
  if (!root) return;
  var meetingId = Number(root.dataset.meetingId);
  var $ = function (id) { return document.getElementById(id); };
  var notice = RT.notice($("live-notice"));
  var el = RT.el;
  var t = RT.t;

  // Input the person is still making: stance chosen, options ticked. Not meeting state.
  var chosenStance = null;
  var selections = {};

  var live = RT.connect({
    meetingId: meetingId,
    token: root.dataset.token || null,
    render: render,
    status: RT.statusLine($("live-status"))
  });

  function me(state) { return state.me || {}; }
  function myId(state) { return me(state).participant ? me(state).participant.id : null; }
  function isLive(state) { return state.meeting && state.meeting.status === "live"; }

  function checkedIn(state) {
    var id = myId(state);
    var sides = (state.presence && state.presence.sides) || {};
    var found = null;
    Object.keys(sides).forEach(function (side) {
      sides[side].forEach(function (p) { if (p.id === id) found = !!p.checked_in; });
    });
    return found === null ? !!me(state).checked_in : found;
  }

  /* ---- sections -------------------------------------------------------------------------- */

  function renderMeeting(state) {
    RT.keyed($("meeting-status"), state.meeting, function (meeting) {
      return document.createTextNode(meeting ? meeting.status_label : "");
    });
  }

  function renderCheckIn(state) {
    var data = { present: checkedIn(state), live: isLive(state), participant: !!myId(state) };
    RT.keyed($("checkin"), data, function (d) {
      if (!d.participant) return null;
      if (d.present) return el("p", { className: "checked-in", text: t("checked_in") });
      if (!d.live) return el("p", { className: "muted", text: t("not_started") });
      return el("button", {
        type: "button", className: "primary big", id: "checkin-button",
        text: t("check_in"),
        onClick: function (event) { RT.act(live, notice, event.currentTarget, "check_in", {}, t("checked_in")); }
      });
    });
  }

  function renderItem(state) {
    var item = RT.currentItem(state);
    RT.keyed($("current-item"), item, function (it) {
      if (!it) return el("p", { className: "muted", text: t("no_item") });
      return [
        el("p", { className: "item-title", text: it.title }),
        it.case ? el("p", { className: "item-case" }, [
          el("span", { className: "badge", text: it.case.category_label || it.case.category }),
          " ",
          el("span", { text: t("case_number", { number: it.case.number }) })
        ]) : null
      ];
    });
  }

  function renderSpeaker(state) {
    var speaker = state.speaker;
    var mine = speaker && speaker.participant && speaker.participant.id === myId(state);
    RT.keyed($("speaker"), { speaker: speaker, mine: mine }, function (d) {
      if (!d.speaker) return el("p", { className: "muted", text: t("no_speaker") });
      return [
        el("p", { className: "speaker-name" + (d.mine ? " is-me" : "") },
          [d.mine ? t("you_speak") : RT.personName(d.speaker.participant)]),
        d.speaker.ends_at ? RT.countdown(d.speaker.ends_at, "big-countdown") : null
      ];
    });
  }

  function renderHand(state) {
    var id = myId(state);
    var queue = state.queue || [];
    var place = 0;
    queue.forEach(function (entry, index) { if (entry.participant && entry.participant.id === id) place = index + 1; });
    var speaking = state.speaker && state.speaker.participant && state.speaker.participant.id === id;
    var data = { place: place, speaking: !!speaking, open: isLive(state) && state.current_item_id !== null && state.current_item_id !== undefined, participant: !!id, waiting: queue.length };
    RT.keyed($("hand"), data, function (d) {
      if (!d.participant) return null;
      if (d.speaking) return el("p", { className: "hand-state is-me", text: t("you_speak") });
      var button = d.place
        ? el("button", { type: "button", className: "big hand-button lower", id: "hand-button", text: t("hand_lower"),
                         onClick: function (event) { RT.act(live, notice, event.currentTarget, "hand_lower", {}); } })
        : el("button", { type: "button", className: "primary big hand-button", id: "hand-button", text: t("hand_raise"),
                         disabled: !d.open,
                         onClick: function (event) { RT.act(live, notice, event.currentTarget, "hand_raise", {}); } });
      var line = d.place
        ? el("p", { className: "my-place", id: "my-place", text: t("my_place", { n: d.place }) })
        : el("p", { className: "muted", text: d.open ? t("queue_count", { n: d.waiting }) : t("no_item") });
      return [button, line];
    });
    RT.keyed($("queue"), queue.map(function (entry) { return [entry.id, RT.personName(entry.participant), entry.participant && entry.participant.id === id]; }), function (rows) {
      return rows.map(function (row) { return el("li", { className: row[2] ? "is-me" : "" }, [row[1]]); });
    });
  }

  /* ---- polls: one card per poll, its parts rebuilt only when their own data changes ------- */

  /*
   * The server's record says whether I voted; the receipt kept from the ack only fills in
   * a closed secret poll, whose receipt the server can no longer compute (protocol §5).
   */
  function myBallot(state, poll) {
    var own = (me(state).ballots || []).filter(function (b) { return b.poll_id === poll.id; })[0];
    if (!own) return null;
    return { receipt: own.receipt || RT.recall(storageKey("receipt", state, poll)), assisted: !!own.assisted };
  }

  /* Per participant as well: a family may share one phone. */
  function storageKey(kind, state, poll) {
    return ["rt", kind, meetingId, poll.id, myId(state)].join(":");
  }

  function pollCard(poll) {
    var container = $("polls");
    var card = container.querySelector('[data-poll-card="' + poll.id + '"]');
    if (!card) {
      card = el("article", { className: "poll", dataset: { pollCard: String(poll.id) } }, [
        el("div", { className: "poll-head" }), el("div", { className: "poll-vote" }),
        el("div", { className: "poll-tally" })
      ]);
      container.prepend(card);
    }
    return card;
  }

  function renderPolls(state) {
    var polls = state.polls || [];
    $("polls-empty").hidden = polls.length > 0;
    polls.forEach(function (poll) {
      var card = pollCard(poll);
      card.classList.toggle("closed", poll.state === "closed");
      RT.keyed(card.querySelector(".poll-head"), [poll.motion, poll.secret, poll.state, poll.min_choices, poll.max_choices, poll.kind], function () {
        return [
          el("p", { className: "poll-motion", text: poll.motion }),
          el("p", { className: "poll-meta" }, [
            el("span", { className: "badge", text: poll.secret ? t("secret") : t("named") }), " ",
            el("span", { className: "badge " + (poll.state === "open" ? "warn" : ""), text: poll.state === "open" ? t("poll_open") : t("poll_closed") }),
            poll.kind === "multiple" ? el("span", { className: "hint", text: " " + t("choose_between", { min: poll.min_choices, max: poll.max_choices }) }) : null
          ])
        ];
      });
      var ballot = myBallot(state, poll);
      var counted = ballot && poll.result && poll.result.receipts
        ? poll.result.receipts.some(function (r) { return r.receipt === ballot.receipt; }) : false;
      var voteData = {
        state: poll.state, options: poll.options, ballot: ballot, counted: counted,
        canVote: !!me(state).can_vote, checkedIn: checkedIn(state), chosen: selections[poll.id] || [],
        max: poll.max_choices, min: poll.min_choices
      };
      RT.keyed(card.querySelector(".poll-vote"), voteData, function (d) { return voteArea(poll, d); });
      RT.keyed(card.querySelector(".poll-tally"), [poll.tally, poll.result && poll.result.result, poll.result && poll.result.winners], function () {
        return [RT.resultLine(poll), RT.tallyBars(poll)];
      });
    });
  }

  function voteArea(poll, d) {
    if (d.ballot) {
      return el("div", { className: "my-ballot" }, [
        el("p", { className: "voted", text: t("voted") }),
        d.ballot.receipt ? el("p", { className: "receipt" }, [
          el("span", { text: t("receipt") + " " }),
          el("code", { className: "receipt-code", text: d.ballot.receipt })
        ]) : null,
        d.counted ? el("p", { className: "counted", text: t("receipt_counted") }) : null
      ]);
    }
    if (d.state !== "open") return null;
    if (!d.canVote) return el("p", { className: "muted", text: t("not_voter") });
    if (!d.checkedIn) return el("p", { className: "muted", text: t("need_check_in") });
    var budget = poll.kind === "budget";
    var buttons = poll.options.map(function (option) {
      var on = d.chosen.indexOf(option.id) >= 0;
      return el("button", {
        type: "button", className: "big choice" + (on ? " chosen" : ""), "aria-pressed": on ? "true" : "false",
        dataset: { optionId: String(option.id) },
        text: budget ? option.label + " · " + t("cost_yuan", { amount: yuan(option.cost_fen) }) : option.label,
        onClick: function () { choose(poll, option.id); }
      });
    });
    if (budget) buttons.push(el("p", { className: "running-total lead", "aria-live": "polite",
      text: t("budget_total", { sum: yuan(chosenCost(poll, d.chosen)), total: yuan(poll.budget_fen) }) }));
    var ready = d.chosen.length >= d.min && d.chosen.length <= d.max;
    var labels = poll.options.filter(function (o) { return d.chosen.indexOf(o.id) >= 0; }).map(function (o) { return o.label; });
    var confirm = el("button", {
      type: "button", className: "primary big confirm-vote", disabled: !ready,
      text: ready ? t("confirm_vote", { choice: labels.join("、") }) : t("choose_first"),
      onClick: function (event) { castVote(poll, d.chosen.slice(), event.currentTarget); }
    });
    return el("div", { className: "vote" }, [el("div", { className: "choices" }, buttons), confirm]);
  }

  /* Budget polls (居民说了算): the chosen projects' costs, in fen; the server refuses the same excess. */
  function chosenCost(poll, chosen) {
    return poll.options.reduce(function (sum, o) { return sum + (chosen.indexOf(o.id) >= 0 ? o.cost_fen || 0 : 0); }, 0);
  }

  function yuan(fen) {
    var whole = Math.floor(fen / 100), cents = fen % 100;
    var text = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return cents ? text + "." + (cents < 10 ? "0" : "") + cents : text;
  }

  function choose(poll, optionId) {
    var chosen = (selections[poll.id] || []).slice();
    var at = chosen.indexOf(optionId);
    if (at >= 0) chosen.splice(at, 1);
    else if (poll.kind === "budget" && chosenCost(poll, chosen.concat([optionId])) > poll.budget_fen) {
      notice(t("over_budget"), true);
      return;
    }
    else if (poll.max_choices === 1) chosen = [optionId];
    else if (chosen.length < poll.max_choices) chosen.push(optionId);
    selections[poll.id] = chosen;
    render(live.state());
  }

  /* The key is kept per poll, so a retry after a lost answer is recognised as the same vote. */
  function castVote(poll, choices, button) {
    var keyName = storageKey("vote-key", live.state(), poll);
    var key = RT.recall(keyName);
    if (!key) { key = RT.randomKey(); RT.remember(keyName, key); }
    RT.act(live, notice, button, "vote_cast", { poll_id: poll.id, choices: choices, key: key }, t("vote_recorded"))
      .then(function (ack) {
        if (!ack.ok) return;
        var state = live.state();
        RT.remember(storageKey("receipt", state, poll), ack.receipt);
        var ballots = state.me.ballots = state.me.ballots || [];
        if (!ballots.some(function (b) { return b.poll_id === poll.id; })) ballots.push({ poll_id: poll.id, receipt: ack.receipt, assisted: false });
        render(state);
      });
  }

  /* ---- motions and positions ------------------------------------------------------------ */

  function ofCurrentItem(state, list) {
    if (state.current_item_id === null || state.current_item_id === undefined) return list;
    return list.filter(function (x) { return x.item_id === state.current_item_id; });
  }

  function renderMotions(state) {
    var id = myId(state);
    var motions = ofCurrentItem(state, state.motions || []);
    RT.keyed($("motions"), { motions: motions, id: id, live: isLive(state) }, function (d) {
      if (!d.motions.length) return el("p", { className: "muted", text: t("no_motions") });
      return d.motions.map(function (motion) {
        var canSecond = d.live && d.id && motion.state === "proposed" && (!motion.proposer || motion.proposer.id !== d.id);
        return el("article", { className: "motion", dataset: { motionId: String(motion.id) } }, [
          el("p", { className: "motion-text", text: motion.text }),
          el("p", { className: "motion-meta" }, [
            el("span", { className: "badge", text: t("motion_" + motion.state) }), " ",
            t("proposer") + ":" + RT.personName(motion.proposer),
            motion.seconder ? " · " + t("seconder") + ":" + RT.personName(motion.seconder) : ""
          ]),
          canSecond ? el("button", { type: "button", className: "big second-button", text: t("second"),
                                     onClick: function (event) { RT.act(live, notice, event.currentTarget, "motion_second", { motion_id: motion.id }, t("seconded")); } }) : null
        ]);
      });
    });
  }

  function renderPositions(state) {
    RT.keyed($("positions"), { positions: state.positions || {}, item: state.current_item_id }, function (d) {
      var blocks = [];
      ["resident", "department", "organization", "host"].forEach(function (side) {
        var list = ofCurrentItem(state, d.positions[side] || []);
        if (!list.length) return;
        blocks.push(el("h3", { text: t("side_" + side) }));
        blocks.push(el("ul", { className: "positions" }, list.map(positionRow)));
      });
      return blocks.length ? blocks : el("p", { className: "muted", text: t("no_positions") });
    });
  }

  function positionRow(position) {
    return el("li", { className: "position stance-" + position.stance + (position.hidden ? " hidden-position" : "") }, [
      el("span", { className: "stance", text: t("stance_" + position.stance) }), " ",
      el("strong", { text: RT.personName(position.participant) }), " ",
      el("span", { className: "position-text", text: position.hidden && position.text === null ? t("hidden") : position.text })
    ]);
  }

  /* ---- forms that stay on the page (their input is never re-rendered away) ---------------- */

  document.querySelectorAll("[data-stance]").forEach(function (button) {
    button.addEventListener("click", function () {
      chosenStance = button.dataset.stance;
      document.querySelectorAll("[data-stance]").forEach(function (b) {
        b.setAttribute("aria-pressed", b === button ? "true" : "false");
      });
    });
  });

  $("position-send").addEventListener("click", function (event) {
    var text = $("position-text").value.trim();
    if (!chosenStance) { notice(t("need_stance"), true); return; }
    if (!text) { notice(t("need_text"), true); $("position-text").focus(); return; }
    RT.act(live, notice, event.currentTarget, "position_post", { stance: chosenStance, text: text }, t("position_posted"))
      .then(function (ack) {
        if (!ack.ok) return;
        // Start the next position afresh, so that a second tap does not repeat the first stance.
        $("position-text").value = "";
        chosenStance = null;
        document.querySelectorAll("[data-stance]").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
      });
  });

  $("motion-send").addEventListener("click", function (event) {
    var text = $("motion-text").value.trim();
    if (!text) { notice(t("need_motion_text"), true); $("motion-text").focus(); return; }
    RT.act(live, notice, event.currentTarget, "motion_propose", { text: text }, t("motion_proposed"))
      .then(function (ack) { if (ack.ok) $("motion-text").value = ""; });
  });

  function render(state) {
    if (!state) return;
    renderMeeting(state);
    renderCheckIn(state);
    renderItem(state);
    renderSpeaker(state);
    renderHand(state);
    renderPolls(state);
    renderMotions(state);
    renderPositions(state);
    var actions = $("participant-actions");
    if (actions) actions.hidden = !myId(state);
  }
})(window.RoundtableLive);
