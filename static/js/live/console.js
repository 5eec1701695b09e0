/*
 * The host console: runs the meeting (agenda, speakers, polls) and looks after people
 * without a phone (check-in and assisted votes). Desktop-sized; every action goes
 * through the /live namespace, which checks again that the caller is the host.
 */
(function (RT) {
  "use strict";

  var root = document.getElementById("live");
  if (!root) return;
  var $ = function (id) { return document.getElementById(id); };
  var notice = RT.notice($("live-notice"));
  var el = RT.el;
  var t = RT.t;
  // One idempotency key per (poll, voter) for assisted votes, so that a retry is the same vote.
  var assistKeys = {};
  var startsAt = root.dataset.startsAt || "";

  var live = RT.connect({
    meetingId: Number(root.dataset.meetingId),
    render: render,
    status: RT.statusLine($("live-status"))
  });

  function button(label, event, payload, options) {
    options = options || {};
    return el("button", {
      type: "button", className: options.className || "", disabled: options.disabled, text: label,
      dataset: options.dataset,
      onClick: function (e) {
        if (options.confirm && !window.confirm(options.confirm)) return;
        var target = e.currentTarget;
        RT.act(live, notice, target, event, payload, options.done || t("done")).then(function (ack) {
          if (options.then) options.then(ack, target);
        });
      }
    });
  }

  function participants(state) {
    var sides = (state.presence && state.presence.sides) || {};
    var all = [];
    Object.keys(sides).forEach(function (side) {
      sides[side].forEach(function (p) { if (p.id !== undefined) all.push(p); });
    });
    return all;
  }

  /* Refill a <select> without losing what the host had chosen; a single choice is taken at once. */
  function fillSelect(select, items, placeholder) {
    var keep = select.value || (items.length === 1 ? String(items[0].value) : "");
    var options = [el("option", { value: "", text: placeholder })].concat(items.map(function (item) {
      return el("option", { value: String(item.value), text: item.label });
    }));
    select.replaceChildren.apply(select, options);
    if (items.some(function (item) { return String(item.value) === keep; })) select.value = keep;
  }

  /* ---- meeting -------------------------------------------------------------------------- */

  function renderMeeting(state) {
    RT.keyed($("meeting-controls"), state.meeting, function (meeting) {
      var status = meeting.status;
      var controls = [el("span", { className: "badge status-" + status, id: "meeting-status", text: RT.word("meeting_status_" + meeting.status, meeting.status_label) })];
      var start = { className: "primary", dataset: { action: "start" }, done: t("meeting_started"), then: confirmEarlyStart };
      if (status === "draft" || status === "scheduled") controls.push(button(t("start_meeting"), "meeting_start", {}, start));
      if (status === "adjourned") controls.push(button(t("resume_meeting"), "meeting_start", {}, start));
      if (status === "live") controls.push(button(t("adjourn"), "meeting_adjourn", {}, { dataset: { action: "adjourn" }, done: t("meeting_adjourned_msg") }));
      if (status === "live" || status === "adjourned") {
        controls.push(button(t("conclude"), "meeting_conclude", {}, { className: "danger", confirm: t("confirm_conclude"), dataset: { action: "conclude" }, done: t("meeting_concluded_msg") }));
      }
      return controls;
    });
  }

  /* More than an hour before the scheduled time the server asks for a confirmation first. */
  function confirmEarlyStart(ack, target) {
    if (ack.ok || ack.error !== "early_start") return;
    if (!window.confirm(t("early_start_confirm", { time: startsAt }))) { notice(t("start_cancelled"), false); return; }
    RT.act(live, notice, target, "meeting_start", { early: true }, t("meeting_started"));
  }

  function nameOf(state, participantId) {
    var found = participants(state).filter(function (p) { return p.id === participantId; })[0];
    return found ? found.name : "";
  }

  function renderPresence(state) {
    RT.keyed($("presence"), state.presence, function (presence) {
      if (!presence) return null;
      var blocks = [el("p", { className: "presence-count", text: t("present_count", { present: presence.present, invited: presence.invited }) })];
      ["resident", "department", "organization", "host"].forEach(function (side) {
        var people = (presence.sides || {})[side] || [];
        if (!people.length) return;
        blocks.push(el("h3", { text: t("side_" + side) + " · " + people.length }));
        blocks.push(el("ul", { className: "people" }, people.map(function (person) {
          var action = null;
          if (person.id !== undefined && !person.checked_in) {
            action = button(t("check_in_for"), "check_in_for", { participant_id: person.id }, { className: "small", done: t("checked_in_for", { name: person.name }) });
          }
          return el("li", { className: person.checked_in ? "present" : "absent", dataset: { participantId: String(person.id) } }, [
            person.id === undefined ? null : el("span", { className: "mark", "aria-hidden": "true", text: person.checked_in ? "✓" : "○" }), " ",
            el("span", { className: "person-name", text: person.name }), " ", action
          ]);
        })));
      });
      return blocks;
    });
  }

  /* ---- agenda and speakers -------------------------------------------------------------- */

  function renderAgenda(state) {
    var isLive = state.meeting && state.meeting.status === "live";
    RT.keyed($("agenda"), { agenda: state.agenda, current: state.current_item_id, live: isLive }, function (d) {
      var agenda = d.agenda || [];
      var pending = agenda.filter(function (item) { return item.state === "pending"; });
      var rows = agenda.map(function (item) {
        return el("li", { className: "agenda-item state-" + item.state + (item.id === d.current ? " current" : ""), dataset: { itemId: String(item.id) } }, [
          el("span", { className: "badge", text: t("agenda_" + item.state) }), " ",
          el("span", { className: "agenda-title", text: item.title }),
          item.case ? el("span", { className: "hint", text: " " + t("case_number", { number: item.case.number }) }) : null, " ",
          item.state === "pending" ? button(t("open_item"), "agenda_advance", { item_id: item.id }, { className: "small", disabled: !d.live, done: advanced }) : null
        ]);
      });
      var advance = null;
      if (pending.length) advance = button(t("next_item"), "agenda_advance", {}, { className: "primary", disabled: !d.live, dataset: { action: "advance" }, done: advanced });
      else if (d.current !== null && d.current !== undefined) advance = button(t("close_last_item"), "agenda_advance", {}, { disabled: !d.live, dataset: { action: "advance" }, done: advanced });
      return [el("ol", { className: "agenda" }, rows), advance];
    });
  }

  function advanced(ack) {
    var item = RT.findById((live.state() || {}).agenda, ack.current_item_id);
    return item ? t("item_opened", { title: item.title }) : t("agenda_done");
  }

  function granted(ack) {
    return t("speaker_granted", { name: RT.personName(ack.speaker && ack.speaker.participant) });
  }

  function renderSpeaker(state) {
    RT.keyed($("console-speaker"), state.speaker, function (speaker) {
      if (!speaker) return el("p", { className: "muted", text: t("no_speaker") });
      return [
        el("p", { className: "speaker-name" }, [RT.personName(speaker.participant), " ",
          speaker.stance ? el("span", { className: "badge hand-stance stance-" + speaker.stance, text: t("hand_stance_" + speaker.stance) }) : null]),
        speaker.ends_at ? RT.countdown(speaker.ends_at, "big-countdown") : null,
        button(t("end_speech"), "speaker_done", {}, { className: "primary", dataset: { action: "speaker-done" },
                                                     done: t("speech_ended", { name: RT.personName(speaker.participant) }) })
      ];
    });
    /*
     * The queue as the rules propose it (正反轮流, first-timers first), and the same hands by side.
     * Giving the floor to anyone but the proposed next speaker asks for a reason, which is recorded.
     */
    RT.keyed($("console-queue"), { queue: state.queue, busy: !!state.speaker }, function (d) {
      var queue = d.queue || [];
      if (!queue.length) return el("p", { className: "muted", text: t("no_queue") });
      var bySide = ["support", "oppose", "other"].map(function (side) {
        var hands = queue.filter(function (entry) { return entry.stance === side; });
        return el("div", { className: "queue-side side-" + side }, [
          el("h3", { text: t("hand_stance_" + side) + " · " + hands.length }),
          el("ul", { className: "plain" }, hands.map(function (entry) { return el("li", { text: RT.personName(entry.participant) }); }))
        ]);
      });
      return [
        button(t("grant_next"), "speaker_grant", {}, { className: "primary", disabled: d.busy, dataset: { action: "grant-next" }, done: granted }),
        el("p", { className: "hint", text: t("queue_rule") }),
        el("ol", { className: "queue" }, queue.map(function (entry, index) {
          return el("li", { dataset: { requestId: String(entry.id) }, className: index === 0 ? "proposed" : "" }, [
            el("span", { className: "badge hand-stance stance-" + entry.stance, text: t("hand_stance_" + entry.stance) }), " ",
            el("span", { className: "person-name", text: RT.personName(entry.participant) }), " ",
            el("span", { className: "hint", text: t("side_" + (entry.participant ? entry.participant.side : "host")) + (entry.spoken ? " · " + t("spoken_times", { n: entry.spoken }) : "") }), " ",
            index === 0
              ? button(t("grant"), "speaker_grant", { request_id: entry.id }, { className: "small", disabled: d.busy, done: granted })
              : overrideButton(entry, d.busy)
          ]);
        })),
        el("div", { className: "queue-by-side" }, bySide)
      ];
    });
  }

  function overrideButton(entry, busy) {
    return el("button", {
      type: "button", className: "small", disabled: busy, text: t("grant_out_of_turn"),
      onClick: function (event) {
        var reason = window.prompt(t("override_reason_prompt", { name: RT.personName(entry.participant) }), "");
        if (reason === null) return;
        if (!reason.trim()) { notice(t("override_reason_needed"), true); return; }
        RT.act(live, notice, event.currentTarget, "speaker_grant", { request_id: entry.id, reason: reason.trim() }, granted);
      }
    });
  }

  /* ---- positions, motions, polls -------------------------------------------------------- */

  function renderPositions(state) {
    RT.keyed($("console-positions"), state.positions, function (positions) {
      var blocks = [];
      ["resident", "department", "organization", "host"].forEach(function (side) {
        var list = (positions || {})[side] || [];
        if (!list.length) return;
        blocks.push(el("h3", { text: t("side_" + side) }));
        blocks.push(el("ul", { className: "positions" }, list.map(function (position) {
          return el("li", { className: "position stance-" + position.stance + (position.hidden ? " hidden-position" : ""), dataset: { positionId: String(position.id) } }, [
            el("span", { className: "stance", text: t("stance_" + position.stance) }), " ",
            el("strong", { text: RT.personName(position.participant) }), " ",
            el("span", { className: "position-text", text: position.text === null ? t("hidden") : position.text }), " ",
            position.hidden ? el("span", { className: "badge", text: t("hidden_by_host") }) : hideButton(position)
          ]);
        })));
      });
      return blocks.length ? blocks : el("p", { className: "muted", text: t("no_positions") });
    });
  }

  /*
   * The room's `position` event withholds a hidden text from everyone, hosts included;
   * the host's own snapshot still carries it, so the console fetches one after hiding.
   */
  function hideButton(position) {
    return el("button", {
      type: "button", className: "small", text: t("hide"),
      onClick: function (event) {
        RT.act(live, notice, event.currentTarget, "position_hide", { position_id: position.id },
               t("position_hidden", { name: RT.personName(position.participant) }))
          .then(function (ack) { if (ack.ok) live.refresh(); });
      }
    });
  }

  function renderMotions(state) {
    var motions = state.motions || [];
    RT.keyed($("console-motions"), motions, function () {
      if (!motions.length) return el("p", { className: "muted", text: t("no_motions") });
      return el("ul", { className: "motions" }, motions.map(function (motion) {
        return el("li", { className: "motion state-" + motion.state, dataset: { motionId: String(motion.id) } }, [
          el("p", { className: "motion-text", text: motion.text }),
          el("p", { className: "motion-meta" }, [
            el("span", { className: "badge", text: t("motion_" + motion.state) }), " ",
            t("proposed_by", { name: RT.personName(motion.proposer) }),
            motion.seconder ? " · " + t("seconded_by", { name: RT.personName(motion.seconder) }) : ""
          ])
        ]);
      }));
    });
    fillSelect($("poll-motion"), motions.filter(function (m) { return m.state === "seconded"; }).map(function (m) {
      return { value: m.id, label: m.text };
    }), t("choose_motion"));
  }

  function renderPolls(state) {
    var polls = (state.polls || []).slice().sort(function (a, b) { return b.id - a.id; });
    $("console-polls-empty").hidden = polls.length > 0;
    var container = $("console-polls");
    polls.forEach(function (poll) {
      var card = container.querySelector('[data-poll-card="' + poll.id + '"]');
      if (!card) {
        card = el("article", { className: "poll", dataset: { pollCard: String(poll.id) } }, [
          el("div", { className: "poll-head" }), el("div", { className: "poll-tally" })
        ]);
        container.prepend(card);
      }
      card.classList.toggle("closed", poll.state === "closed");
      RT.keyed(card.querySelector(".poll-head"), [poll.motion, poll.state, poll.secret, poll.kind], function () {
        return [
          el("p", { className: "poll-motion", text: poll.motion }),
          el("p", { className: "poll-meta" }, [
            el("span", { className: "badge", text: poll.secret ? t("secret") : t("named") }), " ",
            el("span", { className: "badge", text: poll.state === "open" ? t("poll_open") : t("poll_closed") }), " ",
            poll.state === "open" ? button(t("close_poll"), "poll_close", { poll_id: poll.id }, { className: "danger", dataset: { action: "close-poll" },
              done: function (ack) {
                var closed = Object.assign({}, poll, { state: "closed", result: ack.result });
                return t("poll_closed_msg", { outcome: RT.outcomeText(closed) });
              } }) : null
          ])
        ];
      });
      RT.keyed(card.querySelector(".poll-tally"), [poll.tally, poll.result, poll.state], function () {
        return [RT.resultLine(poll), RT.tallyBars(poll)];
      });
    });
    renderAssist(state);
  }

  /* Assisted vote: a checked-in resident without a phone tells the host their choice. */
  function renderAssist(state) {
    var open = (state.polls || []).filter(function (p) { return p.state === "open"; });
    $("assist").hidden = open.length === 0;
    fillSelect($("assist-poll"), open.map(function (p) { return { value: p.id, label: p.motion }; }), t("choose_poll"));
    var voters = participants(state).filter(function (p) { return p.side === "resident" && p.checked_in; });
    fillSelect($("assist-voter"), voters.map(function (p) { return { value: p.id, label: p.name }; }), t("assist_for"));
    var poll = RT.findById(state.polls, Number($("assist-poll").value));
    RT.keyed($("assist-choices"), poll ? [poll.id, poll.options, poll.max_choices] : null, function () {
      if (!poll) return null;
      var multiple = poll.max_choices > 1;
      return poll.options.map(function (option) {
        return el("label", { className: "check" }, [
          el("input", { type: multiple ? "checkbox" : "radio", name: "assist-choice", value: String(option.id) }), " ",
          RT.optionLabel(option)
        ]);
      });
    });
  }

  $("assist-poll").addEventListener("change", function () { render(live.state()); });

  $("assist-send").addEventListener("click", function (event) {
    var pollId = Number($("assist-poll").value);
    var voterId = Number($("assist-voter").value);
    var choices = Array.prototype.map.call(document.querySelectorAll("#assist-choices input:checked"), function (input) { return Number(input.value); });
    if (!pollId || !voterId || !choices.length) { notice(t("assist_incomplete"), true); return; }
    var keyName = pollId + ":" + voterId;
    assistKeys[keyName] = assistKeys[keyName] || RT.randomKey();
    RT.act(live, notice, event.currentTarget, "vote_assist",
      { poll_id: pollId, participant_id: voterId, choices: choices, key: assistKeys[keyName] },
      t("assist_recorded_for", { name: nameOf(live.state(), voterId) }))
      .then(function (ack) {
        if (ack.ok && ack.repeated) notice(t("already_voted"), false);
        if (ack.ok) document.querySelectorAll("#assist-choices input").forEach(function (input) { input.checked = false; });
      });
  });

  /* Paper ballot: collected at the table from a checked-in resident; never twice, never beside a phone ballot. */
  $("paper-send").addEventListener("click", function (event) {
    var pollId = Number($("assist-poll").value);
    var voterId = Number($("assist-voter").value);
    var choices = Array.prototype.map.call(document.querySelectorAll("#assist-choices input:checked"), function (input) { return Number(input.value); });
    if (!pollId || !voterId || !choices.length) { notice(t("assist_incomplete"), true); return; }
    RT.act(live, notice, event.currentTarget, "vote_paper",
      { poll_id: pollId, participant_id: voterId, choices: choices, key: RT.randomKey() },
      t("paper_recorded_for", { name: nameOf(live.state(), voterId) }))
      .then(function (ack) {
        if (ack.ok) document.querySelectorAll("#assist-choices input").forEach(function (input) { input.checked = false; });
      });
  });

  /* ---- opening a poll ------------------------------------------------------------------- */

  function syncPollForm() {
    var kind = $("poll-kind").value;
    $("poll-options-field").hidden = kind === "yes_no";
    $("poll-range").hidden = kind !== "multiple";
  }
  $("poll-kind").addEventListener("change", syncPollForm);
  syncPollForm();

  $("poll-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var motionId = Number($("poll-motion").value);
    if (!motionId) { notice(t("choose_motion"), true); return; }
    var kind = $("poll-kind").value;
    var payload = { motion_id: motionId, kind: kind, secret: $("poll-secret").checked };
    if (kind !== "yes_no") {
      payload.options = $("poll-options").value.split("\n").map(function (line) { return line.trim(); }).filter(Boolean);
      if (payload.options.length < 2) { notice(t("options_needed"), true); return; }
    }
    if (kind === "multiple") {
      if ($("poll-min").value) payload.min_choices = Number($("poll-min").value);
      if ($("poll-max").value) payload.max_choices = Number($("poll-max").value);
    }
    var motionText = $("poll-motion").selectedOptions[0] ? $("poll-motion").selectedOptions[0].textContent : "";
    RT.act(live, notice, event.submitter || null, "poll_open", payload, t("poll_opened_msg", { motion: motionText })).then(function (ack) {
      if (ack.ok) { $("poll-options").value = ""; }
    });
  });

  /* ---- the watch link ------------------------------------------------------------------- */

  var copy = $("watch-copy");
  if (copy) {
    copy.addEventListener("click", function () {
      var field = $("watch-url");
      field.select();
      var done = function () { notice(t("copied"), false); };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(field.value).then(done, function () {});
      else if (document.execCommand("copy")) done();
    });
  }

  function render(state) {
    if (!state) return;
    renderMeeting(state);
    renderPresence(state);
    renderAgenda(state);
    renderSpeaker(state);
    renderPositions(state);
    renderMotions(state);
    renderPolls(state);
  }
})(window.RoundtableLive);
