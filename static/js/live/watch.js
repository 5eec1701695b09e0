/*
 * The big-screen view (直播): what a projector in the courtyard or a resident at home sees.
 * It connects with the watch token, which the server lets join and listen, never act;
 * so this script sends nothing but `join`. Secret polls show counts only, as for everyone.
 * At the end of the meeting the page reloads into the meeting's summary.
 */
(function (RT, global) {
  "use strict";

  var root = document.getElementById("live");
  if (!root) return;
  var $ = function (id) { return document.getElementById(id); };
  var el = RT.el;
  var t = RT.t;
  var SHOWN_POSITIONS = 3;     // at once, clamped to a few lines each
  var ROTATED_POSITIONS = 9;   // the latest ones take turns
  var ROTATE_MS = 8000;
  var rotation = 0;
  var lastState = null;

  RT.connect({
    meetingId: Number(root.dataset.meetingId),
    token: root.dataset.token,
    render: render,
    status: RT.statusLine($("live-status")),
    refused: function (ack) {
      if (ack.error === "meeting_ended") { global.location.assign(root.dataset.summaryUrl); return true; }
      return false;
    }
  });

  function render(state) {
    lastState = state;
    if (state.meeting && (state.meeting.status === "concluded" || state.meeting.status === "cancelled")) {
      // The watch link now answers with the summary of what was decided.
      global.setTimeout(function () { global.location.assign(root.dataset.summaryUrl); }, 8000);
    }
    RT.keyed($("meeting-status"), state.meeting && RT.word("meeting_status_" + state.meeting.status, state.meeting.status_label), function (label) {
      return document.createTextNode(label || "");
    });
    RT.keyed($("presence-count"), state.presence && [state.presence.present, state.presence.invited], function (d) {
      return d ? document.createTextNode(t("present_count", { present: d[0], invited: d[1] })) : null;
    });
    RT.keyed($("current-item"), RT.currentItem(state), function (item) {
      if (!item) return el("p", { className: "muted", text: t("no_item") });
      return [
        el("p", { className: "item-title", text: item.title }),
        item.case ? el("p", { className: "item-case", text: t("case_number", { number: item.case.number }) + " · " + RT.word("category_" + item.case.category, item.case.category_label) }) : null
      ];
    });
    var speaker = state.meeting && state.meeting.status === "live" ? state.speaker : null;
    RT.keyed($("speaker"), speaker, function (s) {
      if (!s) return el("p", { className: "muted", text: t("no_speaker") });
      return [
        el("p", { className: "speaker-name" }, [RT.personName(s.participant), " ",
          s.stance ? el("span", { className: "badge hand-stance stance-" + s.stance, text: t("hand_stance_" + s.stance) }) : null]),
        s.ends_at ? RT.countdown(s.ends_at, "huge-countdown") : null
      ];
    });
    renderPoll(state);
    renderPositions(state);
  }

  /* The open poll, or else the last one decided, with its result announced large. */
  function renderPoll(state) {
    var polls = (state.polls || []).slice().sort(function (a, b) { return b.id - a.id; });
    var poll = polls.filter(function (p) { return p.state === "open"; })[0] || polls[0] || null;
    RT.keyed($("poll"), poll && [poll.id, poll.motion, poll.state, poll.secret, poll.options, poll.tally, poll.result && poll.result.result, poll.result && poll.result.winners], function () {
      if (!poll) return el("p", { className: "muted", text: t("no_poll") });
      return [
        el("p", { className: "poll-motion", text: poll.motion }),
        el("p", { className: "poll-meta" }, [
          el("span", { className: "badge", text: poll.secret ? t("secret") : t("named") }), " ",
          el("span", { className: "badge", text: poll.state === "open" ? t("poll_open") : t("poll_closed") })
        ]),
        RT.resultLine(poll),
        RT.tallyBars(poll)
      ];
    });
    $("poll").classList.toggle("announced", !!(poll && poll.state === "closed"));
  }

  /* The latest positions that are not hidden (a watcher never receives hidden text), a few at a time. */
  function renderPositions(state) {
    var all = [];
    Object.keys(state.positions || {}).forEach(function (side) {
      state.positions[side].forEach(function (p) { if (!p.hidden && p.text !== null) all.push(p); });
    });
    all.sort(function (a, b) { return b.id - a.id; });
    var latest = all.slice(0, ROTATED_POSITIONS);
    var start = latest.length > SHOWN_POSITIONS ? (rotation * SHOWN_POSITIONS) % latest.length : 0;
    var shown = latest.slice(start, start + SHOWN_POSITIONS);
    RT.keyed($("positions"), shown, function (list) {
      if (!list.length) return el("p", { className: "muted", text: t("no_positions") });
      return el("ul", { className: "positions" }, list.map(function (position) {
        return el("li", { className: "position stance-" + position.stance }, [
          el("span", { className: "stance", text: t("stance_" + position.stance) }), " ",
          el("strong", { text: RT.personName(position.participant) }), " ",
          el("span", { className: "position-text", text: position.text })
        ]);
      }));
    });
  }

  global.setInterval(function () {
    rotation += 1;
    if (lastState) renderPositions(lastState);
  }, ROTATE_MS);
})(window.RoundtableLive, window);
