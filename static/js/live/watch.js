/*
 * The big-screen view (直播): what a projector in the room or a resident at home sees.
 * It connects with the watch token, which the server lets join and listen, never act;
 * so this script sends nothing but `join`. Secret polls show counts only, as for everyone.
 */
(function (RT) {
  "use strict";

  var root = document.getElementById("live");
  if (!root) return;
  var $ = function (id) { return document.getElementById(id); };
  var el = RT.el;
  var t = RT.t;
  var SHOWN_POSITIONS = 6;

  RT.connect({
    meetingId: Number(root.dataset.meetingId),
    token: root.dataset.token,
    render: render,
    status: RT.statusLine($("live-status"))
  });

  function render(state) {
    RT.keyed($("meeting-status"), state.meeting && state.meeting.status_label, function (label) {
      return document.createTextNode(label || "");
    });
    RT.keyed($("presence-count"), state.presence && [state.presence.present, state.presence.invited], function (d) {
      return d ? document.createTextNode(t("present_count", { present: d[0], invited: d[1] })) : null;
    });
    RT.keyed($("current-item"), RT.currentItem(state), function (item) {
      if (!item) return el("p", { className: "muted", text: t("no_item") });
      return [
        el("p", { className: "item-title", text: item.title }),
        item.case ? el("p", { className: "item-case", text: t("case_number", { number: item.case.number }) + " · " + (item.case.category_label || "") }) : null
      ];
    });
    RT.keyed($("speaker"), state.speaker, function (speaker) {
      if (!speaker) return el("p", { className: "muted", text: t("no_speaker") });
      return [
        el("p", { className: "speaker-name", text: RT.personName(speaker.participant) }),
        speaker.ends_at ? RT.countdown(speaker.ends_at, "huge-countdown") : null
      ];
    });
    renderPoll(state);
    renderPositions(state);
  }

  /* The open poll, or else the last one decided. */
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
  }

  /* The latest positions that are not hidden (a watcher never receives hidden text). */
  function renderPositions(state) {
    var all = [];
    Object.keys(state.positions || {}).forEach(function (side) {
      state.positions[side].forEach(function (p) { if (!p.hidden && p.text !== null) all.push(p); });
    });
    all.sort(function (a, b) { return b.id - a.id; });
    RT.keyed($("positions"), all.slice(0, SHOWN_POSITIONS), function (shown) {
      if (!shown.length) return el("p", { className: "muted", text: t("no_positions") });
      return el("ul", { className: "positions" }, shown.map(function (position) {
        return el("li", { className: "position stance-" + position.stance }, [
          el("span", { className: "stance", text: t("stance_" + position.stance) }), " ",
          el("strong", { text: RT.personName(position.participant) }), " ",
          el("span", { className: "position-text", text: position.text })
        ]);
      }));
    });
  }
})(window.RoundtableLive);
