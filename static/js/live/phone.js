/*
 * The phone page of a participant: a resident, a department or an organization.
 * Large buttons, few taps; everything shown comes from the server's state.
 *
 * Nothing is missed: a poll to vote in, the floor given to me, or a meeting waiting for my
 * check-in shows a banner pinned at the top, scrolls its card into view, vibrates and (if
 * switched on) chimes. Ballots are drawn by one render function per poll kind
 * (RoundtablePhone.registerBallot), and further panels plug in with registerPanel, so that
 * a new kind of poll or ballot does not touch the rest of the page.
 */
(function (RT, global) {
  "use strict";

  var root = document.getElementById("live");
  if (!root) return;
  var meetingId = Number(root.dataset.meetingId);
  var summaryUrl = root.dataset.summaryUrl;
  var receiptUrl = root.dataset.receiptUrl;
  var $ = function (id) { return document.getElementById(id); };
  var notice = RT.notice($("live-notice"));
  var el = RT.el;
  var t = RT.t;
  var TEXT_LIMIT = 500;

  // Input the person is still making: stance chosen, options ticked. Not meeting state.
  var chosenStance = null;
  var selections = {};
  var ballotKinds = {};
  var endedShownFor = null;
  var panels = [];

  var live = RT.connect({
    meetingId: meetingId,
    token: root.dataset.token || null,
    render: render,
    status: RT.statusLine($("live-status")),
    refused: function (ack) {
      // The meeting is over (or was cancelled): its summary page has what was decided.
      if (ack.error === "meeting_ended" && summaryUrl) { global.location.assign(summaryUrl); return true; }
      return false;
    }
  });

  function me(state) { return state.me || {}; }
  function myId(state) { return me(state).participant ? me(state).participant.id : null; }
  function status(state) { return state.meeting ? state.meeting.status : null; }
  function isLive(state) { return status(state) === "live"; }
  function isOver(state) { return status(state) === "concluded" || status(state) === "cancelled"; }
  function mayTakeSides(state) { return !!myId(state) && !me(state).host; }

  function checkedIn(state) {
    var id = myId(state);
    var sides = (state.presence && state.presence.sides) || {};
    var found = null;
    Object.keys(sides).forEach(function (side) {
      sides[side].forEach(function (p) { if (p.id === id) found = !!p.checked_in; });
    });
    return found === null ? !!me(state).checked_in : found;
  }

  /* ---- never miss it: banner, scroll, vibration, chime ------------------------------------ */

  var alerted = {};
  var currentAlert = null;
  var audio = null;

  function chimeOn() { return RT.recall("rt:chime") === "1"; }
  function syncChimeButton() { $("chime-toggle").setAttribute("aria-pressed", chimeOn() ? "true" : "false"); }
  $("chime-toggle").addEventListener("click", function () {
    RT.remember("rt:chime", chimeOn() ? "0" : "1");
    syncChimeButton();
    if (chimeOn()) chime();  // also unlocks audio, which browsers allow only after a tap
  });
  syncChimeButton();

  function chime() {
    var Context = global.AudioContext || global.webkitAudioContext;
    if (!Context) return;
    try {
      audio = audio || new Context();
      if (audio.state === "suspended") audio.resume();
      [0, 0.22].forEach(function (offset) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.frequency.value = offset ? 1175 : 880;
        gain.gain.setValueAtTime(0.0001, audio.currentTime + offset);
        gain.gain.exponentialRampToValueAtTime(0.3, audio.currentTime + offset + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + offset + 0.18);
        osc.connect(gain).connect(audio.destination);
        osc.start(audio.currentTime + offset);
        osc.stop(audio.currentTime + offset + 0.2);
      });
    } catch (e) { /* no sound: the banner and the vibration remain */ }
  }

  function typing() {
    var active = document.activeElement;
    return !!active && (active.tagName === "TEXTAREA" || active.tagName === "INPUT");
  }

  function bringIntoView(target) {
    if (!target) return;
    target.scrollIntoView({ block: "start", behavior: "auto" });
  }

  /* What needs the person now, most urgent first. */
  function pendingAlerts(state) {
    var list = [];
    if (!myId(state) || isOver(state) || !isLive(state)) return list;
    var speaker = state.speaker;
    if (speaker && speaker.participant && speaker.participant.id === myId(state)) {
      list.push({ key: "speak:" + speaker.request_id, text: t("alert_speak"), action: t("alert_go_speak"), target: $("speaker-card") });
    }
    if (!checkedIn(state)) {
      list.push({ key: "checkin:" + meetingId, text: t("alert_check_in"), action: t("alert_go_check_in"), target: $("checkin") });
    } else if (me(state).can_vote) {
      (state.polls || []).forEach(function (poll) {
        if (poll.state === "open" && !myBallot(state, poll)) {
          list.push({ key: "vote:" + poll.id, text: t("alert_vote", { motion: poll.motion }), action: t("alert_go_vote"),
                      target: document.querySelector('[data-poll-card="' + poll.id + '"]') });
        }
      });
    }
    return list;
  }

  function renderAlerts(state) {
    var list = pendingAlerts(state);
    var first = list[0] || null;
    currentAlert = first;
    $("alert-banner").hidden = !first;
    if (first) {
      $("alert-text").textContent = first.text;
      $("alert-go").textContent = first.action;
    }
    list.forEach(function (alert) {
      if (alerted[alert.key]) return;
      alerted[alert.key] = true;
      if (navigator.vibrate) { try { navigator.vibrate([200, 100, 200]); } catch (e) { /* not allowed */ } }
      if (chimeOn()) chime();
      if (alert === first && !typing()) bringIntoView(alert.target);
    });
  }

  $("alert-go").addEventListener("click", function () {
    if (!currentAlert || !currentAlert.target) return;
    bringIntoView(currentAlert.target);
    var control = currentAlert.target.querySelector("button:not([disabled])");
    if (control) control.focus({ preventScroll: true });
  });

  /* ---- sections -------------------------------------------------------------------------- */

  function renderMeeting(state) {
    RT.keyed($("meeting-status"), state.meeting, function (meeting) {
      return document.createTextNode(meeting ? RT.word("meeting_status_" + meeting.status, meeting.status_label) : "");
    });
  }

  function renderCheckIn(state) {
    var data = { present: checkedIn(state), live: isLive(state), participant: !!myId(state), over: isOver(state) };
    RT.keyed($("checkin"), data, function (d) {
      if (!d.participant || d.over) return null;
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
          el("span", { className: "badge", text: RT.word("category_" + it.case.category, it.case.category_label || it.case.category) }),
          " ",
          el("span", { text: t("case_number", { number: it.case.number }) })
        ]) : null
      ];
    });
  }

  function renderSpeaker(state) {
    var speaker = isLive(state) ? state.speaker : null;
    var mine = speaker && speaker.participant && speaker.participant.id === myId(state);
    var paused = status(state) === "adjourned" ? "adjourned" : (isOver(state) || status(state) === "concluded" ? "ended" : null);
    RT.keyed($("speaker"), { speaker: speaker, mine: mine, paused: paused }, function (d) {
      if (d.paused) return el("p", { className: "muted", text: t(d.paused === "ended" ? "meeting_ended" : "meeting_adjourned") });
      if (!d.speaker) return el("p", { className: "muted", text: t("no_speaker") });
      return [
        el("p", { className: "speaker-name" + (d.mine ? " is-me" : "") }, [
          d.mine ? t("you_speak") : RT.personName(d.speaker.participant),
          d.speaker.stance ? el("span", { className: "badge hand-stance", text: " " + t("hand_stance_" + d.speaker.stance) }) : null
        ]),
        d.speaker.ends_at ? RT.countdown(d.speaker.ends_at, "big-countdown") : null
      ];
    });
  }

  function renderHand(state) {
    var id = myId(state);
    var queue = state.queue || [];
    var place = 0, stance = null;
    queue.forEach(function (entry, index) {
      if (entry.participant && entry.participant.id === id) { place = index + 1; stance = entry.stance; }
    });
    var speaking = isLive(state) && state.speaker && state.speaker.participant && state.speaker.participant.id === id;
    var open = isLive(state) && state.current_item_id !== null && state.current_item_id !== undefined;
    var data = { place: place, stance: stance, speaking: !!speaking, open: open, participant: !!id && !me(state).host,
                 waiting: queue.length, live: isLive(state) };
    RT.keyed($("hand"), data, function (d) {
      if (!d.participant || !d.live) return null;
      if (d.speaking) return el("p", { className: "hand-state is-me", text: t("you_speak") });
      if (d.place) {
        return [
          el("p", { className: "my-place", id: "my-place", text: t("my_place", { n: d.place }) + " · " + t("hand_stance_" + d.stance) }),
          el("button", { type: "button", className: "big hand-button lower", id: "hand-button", text: t("hand_lower"),
                         onClick: function (event) { RT.act(live, notice, event.currentTarget, "hand_lower", {}, t("hand_lowered")); } })
        ];
      }
      // 立场明确: the stance comes first; one tap states it and raises the hand.
      return [
        el("p", { className: "hand-ask", text: d.open ? t("hand_ask") : t("no_item") }),
        el("div", { className: "hand-stances", role: "group", "aria-label": t("hand_raise") }, ["support", "oppose", "other"].map(function (code) {
          return el("button", {
            type: "button", className: "big hand-button hand-" + code, disabled: !d.open, dataset: { handStance: code },
            text: t("hand_stance_" + code),
            onClick: function (event) {
              RT.act(live, notice, event.currentTarget, "hand_raise", { stance: code }, t("hand_raised"));
            }
          });
        })),
        el("p", { className: "muted", text: d.open ? t("queue_count", { n: d.waiting }) : "" })
      ];
    });
    RT.keyed($("queue"), queue.map(function (entry) { return [entry.id, RT.personName(entry.participant), entry.stance, entry.participant && entry.participant.id === id]; }), function (rows) {
      return rows.map(function (row) {
        return el("li", { className: row[3] ? "is-me" : "" }, [row[1] + " · " + t("hand_stance_" + row[2])]);
      });
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
        el("div", { className: "poll-tally" }), el("div", { className: "poll-proxies" })
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
      card.classList.toggle("open", poll.state === "open");
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
        canVote: !!me(state).can_vote && mayTakeSides(state), host: !!me(state).host, checkedIn: checkedIn(state),
        chosen: selections[poll.id] || [], max: poll.max_choices, min: poll.min_choices, live: isLive(state)
      };
      RT.keyed(card.querySelector(".poll-vote"), voteData, function (d) { return voteArea(poll, d); });
      RT.keyed(card.querySelector(".poll-tally"), [poll.tally, poll.result && poll.result.result, poll.result && poll.result.winners, poll.state], function () {
        return [RT.resultLine(poll), RT.tallyBars(poll)];
      });
      var proxyData = { open: poll.state === "open" && isLive(state) && checkedIn(state), proxies: me(state).proxies || [],
                        options: poll.options, max: poll.max_choices, chosen: proxySelections };
      RT.keyed(card.querySelector(".poll-proxies"), proxyData, function (d) { return proxyBallots(poll, d); });
    });
  }

  /*
   * A proxy holder votes once for each person they represent (委托投票), with the same ballot
   * as their own for every kind of poll (yes/no, single, multiple, budget, points): each person
   * represented has their own ticks, kept apart from the holder's own and from each other.
   */
  var proxySelections = {};  // grantor id → { poll id → chosen option ids }

  function proxyApi(proxy) {
    var grantorId = proxy.grantor.id;
    var own = proxySelections[grantorId] = proxySelections[grantorId] || {};
    return {
      el: el, t: t, selections: own,
      choose: function (poll, optionId) { own[poll.id] = toggled(own[poll.id] || [], poll, optionId); render(live.state()); },
      cast: function (poll, choices, button) { return castProxy(poll, proxy, choices, button); }
    };
  }

  function proxyBallots(poll, d) {
    if (!d.proxies.length || !d.open) return null;
    var renderBallot = ballotKinds[poll.kind] || ballotKinds.choice;
    return d.proxies.map(function (proxy) {
      var name = RT.personName(proxy.grantor);
      if (proxy.voted_polls.indexOf(poll.id) >= 0) {
        return el("p", { className: "proxy-voted", text: t("proxy_voted", { name: name }) });
      }
      var api = proxyApi(proxy);
      var data = { chosen: api.selections[poll.id] || [], max: poll.max_choices, min: poll.min_choices };
      return el("div", { className: "proxy-ballot", dataset: { grantorId: String(proxy.grantor.id) } }, [
        el("p", { className: "proxy-for", text: t("proxy_for", { name: name }) }),
        renderBallot(poll, data, api)
      ]);
    });
  }

  /* The resident who gave a proxy sees to whom, and can withdraw it (撤销委托) from this phone. */
  function renderGranted(state) {
    var granted = me(state).granted || null;
    var open = !!granted && !isOver(state);
    $("my-proxy").hidden = !open;
    RT.keyed($("my-proxy"), open ? granted : null, function (g) {
      if (!g) return null;
      var name = g.holder.name;
      return [
        el("p", { className: "proxy-given", text: t("proxy_given", { name: name }) }),
        el("button", {
          type: "button", className: "big proxy-withdraw", text: t("proxy_withdraw"),
          onClick: function (event) {
            if (!global.confirm(t("proxy_withdraw_confirm", { name: name }))) return;
            RT.act(live, notice, event.currentTarget, "proxy_revoke", {}, t("proxy_withdrawn"))
              .then(function (ack) { if (ack.ok || ack.error === "already_revoked" || ack.error === "no_proxy") live.refresh(); });
          }
        })
      ];
    });
  }

  function castProxy(poll, proxy, choices, button) {
    var keyName = ["rt", "proxy-key", meetingId, poll.id, proxy.grantor.id].join(":");
    var key = RT.recall(keyName);
    if (!key) { key = RT.randomKey(); RT.remember(keyName, key); }
    return RT.act(live, notice, button, "vote_proxy",
      { poll_id: poll.id, grantor_id: proxy.grantor.id, choices: choices, key: key },
      t("proxy_recorded", { name: RT.personName(proxy.grantor) }))
      .then(function (ack) {
        if (ack.error === "no_proxy" || ack.error === "proxy_revoked") { live.refresh(); return ack; }  // withdrawn
        if (ack.ok || ack.error === "already_voted") {
          if (proxy.voted_polls.indexOf(poll.id) < 0) proxy.voted_polls.push(poll.id);
          delete (proxySelections[proxy.grantor.id] || {})[poll.id];
          render(live.state());
        }
        return ack;
      });
  }

  function receiptBlock(ballot, counted) {
    var code = RT.shortCode(ballot.receipt);
    return el("div", { className: "my-ballot" }, [
      el("p", { className: "voted", text: t("voted") }),
      ballot.receipt ? el("p", { className: "receipt" }, [
        el("span", { className: "receipt-label", text: t("receipt_code") }),
        el("a", { className: "receipt-short", href: receiptUrl + "?code=" + encodeURIComponent(code), text: code })
      ]) : null,
      ballot.receipt ? el("details", { className: "receipt-details" }, [
        el("summary", { text: t("receipt_full") }),
        el("code", { className: "receipt-code", text: ballot.receipt })
      ]) : null,
      counted ? el("p", { className: "counted", text: t("receipt_counted") }) : null
    ]);
  }

  function voteArea(poll, d) {
    if (d.ballot) return receiptBlock(d.ballot, d.counted);
    if (d.state !== "open" || !d.live) return null;
    if (d.host) return el("p", { className: "muted", text: t("host_neutral") });
    if (!d.canVote) return el("p", { className: "muted", text: t("not_voter") });
    if (!d.checkedIn) return el("p", { className: "muted", text: t("need_check_in") });
    var render = ballotKinds[poll.kind] || ballotKinds.choice;
    return render(poll, d, ballotApi);
  }

  /* The ballot of yes/no, single and multiple choice: one big button per option, then confirm. */
  function choiceBallot(poll, d, api) {
    var buttons = poll.options.map(function (option) {
      var on = d.chosen.indexOf(option.id) >= 0;
      return el("button", {
        type: "button", className: "big choice choice-" + (option.code || "option") + (on ? " chosen" : ""), "aria-pressed": on ? "true" : "false",
        dataset: { optionId: String(option.id) },
        onClick: function () { api.choose(poll, option.id); }
      }, [el("span", { className: "choice-mark", "aria-hidden": "true", text: on ? "✓ " : "" }), RT.optionLabel(option)]);
    });
    var ready = d.chosen.length >= d.min && d.chosen.length <= d.max;
    var labels = poll.options.filter(function (o) { return d.chosen.indexOf(o.id) >= 0; }).map(function (o) { return RT.optionLabel(o); });
    var confirm = el("button", {
      type: "button", className: "primary big confirm-vote", disabled: !ready,
      text: ready ? t("confirm_vote", { choice: labels.join(RT.t("list_sep")) }) : t("choose_first"),
      onClick: function (event) { api.cast(poll, d.chosen.slice(), event.currentTarget); }
    });
    return el("div", { className: "vote" }, [el("div", { className: "choices" }, buttons), confirm]);
  }

  function toggled(current, poll, optionId) {
    var chosen = current.slice();
    var at = chosen.indexOf(optionId);
    if (at >= 0) chosen.splice(at, 1);
    else if (poll.max_choices === 1) chosen = [optionId];
    else if (chosen.length < poll.max_choices) chosen.push(optionId);
    return chosen;
  }

  function choose(poll, optionId) {
    selections[poll.id] = toggled(selections[poll.id] || [], poll, optionId);
    render(live.state());
  }

  /* The key is kept per poll, so a retry after a lost answer is recognised as the same vote. */
  function castVote(poll, choices, button) {
    var keyName = storageKey("vote-key", live.state(), poll);
    var key = RT.recall(keyName);
    if (!key) { key = RT.randomKey(); RT.remember(keyName, key); }
    return RT.act(live, notice, button, "vote_cast", { poll_id: poll.id, choices: choices, key: key }, t("vote_recorded"))
      .then(function (ack) {
        if (!ack.ok) return ack;
        var state = live.state();
        RT.remember(storageKey("receipt", state, poll), ack.receipt);
        var ballots = state.me.ballots = state.me.ballots || [];
        if (!ballots.some(function (b) { return b.poll_id === poll.id; })) ballots.push({ poll_id: poll.id, receipt: ack.receipt, assisted: false });
        render(state);
        return ack;
      });
  }

  /* What a ballot renderer may use: pick an option, cast a vote (a Promise of the ack). */
  var ballotApi = { choose: choose, cast: castVote, el: el, t: t, selections: selections };

  /* ---- the end: what was decided, with my own ballots -------------------------------------- */

  function renderEnded(state) {
    var over = status(state) === "concluded" || isOver(state);
    var paused = status(state) === "adjourned";
    var closed = (state.polls || []).filter(function (p) { return p.state === "closed"; });
    var data = { over: over, paused: paused, polls: closed.map(function (p) { return [p.id, p.result, myBallot(state, p)]; }) };
    var shown = over || paused;
    if (shown && endedShownFor !== status(state)) {
      // The meeting just ended or paused: say so where the eye is, and drop stale messages.
      endedShownFor = status(state);
      notice("", false);
      global.setTimeout(function () { bringIntoView($("ended")); }, 0);
    }
    if (!shown) endedShownFor = null;
    $("ended").hidden = !shown;
    document.body.classList.toggle("meeting-over", over);
    $("summary-link").hidden = !over;
    RT.keyed($("ended-heading"), [over, paused], function () {
      return document.createTextNode(over ? t("meeting_ended") : (paused ? t("meeting_adjourned") : ""));
    });
    RT.keyed($("ended-outcomes"), data, function (d) {
      if (!d.over && !d.paused) return null;
      if (!closed.length) return el("p", { className: "muted", text: t("no_decisions") });
      return el("ol", { className: "outcome-list" }, closed.map(function (poll) {
        var mine = myBallot(state, poll);
        return el("li", { className: "outcome result-" + (poll.result ? poll.result.result : "open") }, [
          el("p", { className: "outcome-motion", text: poll.motion }),
          RT.resultLine(poll),
          mine && mine.receipt ? el("p", { className: "my-receipt" }, [
            t("receipt_code") + " ", el("strong", { className: "receipt-short", text: RT.shortCode(mine.receipt) })
          ]) : null
        ]);
      }));
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
            el("span", { className: "badge motion-state", text: t("motion_" + motion.state) }), " ",
            t("proposed_by", { name: RT.personName(motion.proposer) }),
            motion.seconder ? " · " + t("seconded_by", { name: RT.personName(motion.seconder) }) : ""
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

  var positionFits = RT.limitCounter($("position-text"), $("position-count"), TEXT_LIMIT);
  var motionFits = RT.limitCounter($("motion-text"), $("motion-count"), TEXT_LIMIT);

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
    if (!positionFits()) { notice(t("text_too_long", { limit: TEXT_LIMIT }), true); $("position-text").focus(); return; }
    RT.act(live, notice, event.currentTarget, "position_post", { stance: chosenStance, text: text }, t("position_posted"))
      .then(function (ack) {
        if (!ack.ok) return;
        // Start the next position afresh, so that a second tap does not repeat the first stance.
        $("position-text").value = "";
        positionFits();
        chosenStance = null;
        document.querySelectorAll("[data-stance]").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
      });
  });

  $("motion-send").addEventListener("click", function (event) {
    var text = $("motion-text").value.trim();
    if (!text) { notice(t("need_motion_text"), true); $("motion-text").focus(); return; }
    if (!motionFits()) { notice(t("text_too_long", { limit: TEXT_LIMIT }), true); $("motion-text").focus(); return; }
    RT.act(live, notice, event.currentTarget, "motion_propose", { text: text }, t("motion_sent"))
      .then(function (ack) { if (ack.ok) { $("motion-text").value = ""; motionFits(); } });
  });

  /* 朗读: the current item, the open motion and its options (static/js/elder.js reads this). */
  global.RoundtableReadAloud = function () {
    var state = live.state();
    if (!state) return "";
    var parts = [];
    var item = RT.currentItem(state);
    parts.push(item ? t("read_item", { title: item.title }) : t("no_item"));
    (state.polls || []).filter(function (p) { return p.state === "open"; }).forEach(function (poll) {
      parts.push(t("read_poll", { motion: poll.motion, options: poll.options.map(function (o) { return RT.optionLabel(o); }).join(RT.t("list_sep")) }));
    });
    (state.polls || []).filter(function (p) { return p.state === "closed"; }).slice(-1).forEach(function (poll) {
      parts.push(RT.outcomeText(poll));
    });
    return parts.join(RT.t("sentence_end"));
  };

  function render(state) {
    if (!state) return;
    renderMeeting(state);
    renderEnded(state);
    renderCheckIn(state);
    renderGranted(state);
    renderItem(state);
    renderSpeaker(state);
    renderHand(state);
    renderPolls(state);
    renderMotions(state);
    renderPositions(state);
    var sides = mayTakeSides(state) && !isOver(state) && status(state) !== "concluded";
    $("participant-actions").hidden = !sides;
    $("motion-form").hidden = !sides;
    panels.forEach(function (panel) { panel(state, ballotApi); });
    renderAlerts(state);
  }

  ballotKinds.choice = choiceBallot;
  global.RoundtablePhone = {
    /* registerBallot("budget", function (poll, data, api) { return element; }) */
    registerBallot: function (kind, renderBallot) { ballotKinds[kind] = renderBallot; render(live.state()); },
    /* registerPanel(function (state, api) { ... }) runs after every render */
    registerPanel: function (panel) { panels.push(panel); render(live.state()); },
    live: live,
    notice: notice
  };
})(window.RoundtableLive, window);
