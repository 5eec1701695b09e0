/*
 * Roundtable live client, shared by the phone page, the host console and the big screen.
 *
 * It holds one connection to the /live namespace (docs/live-protocol.md) and a copy of
 * the meeting state that is rebuilt from a fresh snapshot on every (re)connect, so that
 * nothing lives only in the browser. Pages give it a render function and read the state.
 *
 * Every piece of text that came from people is put into the page with textContent
 * (through RT.el); nothing here builds HTML from strings.
 */
(function (global) {
  "use strict";

  var RT = {};
  var ROOM_EVENTS = ["meeting", "presence", "agenda", "queue", "position", "motion", "poll_opened", "tally", "poll_closed"];
  var ACK_TIMEOUT_MS = 10000;

  /* ---- words: the template hands over the translated strings as JSON ---------------------- */

  var strings = null;
  RT.t = function (key, values) {
    if (strings === null) {
      var source = document.getElementById("live-strings");
      strings = source ? JSON.parse(source.textContent) : {};
    }
    // "KEY_one" is the form for a count of one ({n} votes / {n} vote), where the language has one.
    if (values && Number(values.n) === 1 && Object.prototype.hasOwnProperty.call(strings, key + "_one")) key += "_one";
    var text = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(values[name]));
    });
    return text;
  };

  /* ---- DOM building without innerHTML ----------------------------------------------------- */

  RT.el = function (tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      var value = props[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else if (key === "onClick") node.addEventListener("click", value);
      else if (key === "dataset") Object.keys(value).forEach(function (k) { node.dataset[k] = value[k]; });
      else node.setAttribute(key, value === true ? "" : String(value));
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    });
    return node;
  };

  /*
   * Rebuild a container only when the data it shows has changed. Tallies arrive several
   * times a second; rebuilding the vote buttons each time would swallow a tap that lands
   * between two renders, so every section is keyed by exactly the data it displays.
   */
  RT.keyed = function (container, data, build) {
    if (!container) return false;
    var key = JSON.stringify(data === undefined ? null : data);
    if (container.rtKey === key) return false;
    container.rtKey = key;
    var built = [].concat(build(data)).filter(function (node) { return node !== null && node !== undefined && node !== false; });
    container.replaceChildren.apply(container, built);
    return true;
  };

  /* ---- time: countdowns follow the server's clock, not the phone's ----------------------- */

  var clockOffset = 0;
  RT.syncClock = function (serverTime) {
    var at = Date.parse(serverTime);
    if (!isNaN(at)) clockOffset = at - Date.now();
  };
  RT.secondsLeft = function (endsAt) {
    return Math.ceil((Date.parse(endsAt) - (Date.now() + clockOffset)) / 1000);
  };
  RT.formatSeconds = function (seconds) {
    var s = Math.max(0, seconds);
    var rest = s % 60;
    return Math.floor(s / 60) + ":" + (rest < 10 ? "0" : "") + rest;
  };
  /* Every element with data-ends-at shows its own countdown; the ticker holds no state. */
  function tick() {
    document.querySelectorAll("[data-ends-at]").forEach(function (node) {
      var left = RT.secondsLeft(node.dataset.endsAt);
      node.textContent = left > 0 ? RT.formatSeconds(left) : RT.t("time_up");
      node.classList.toggle("ending", left > 0 && left <= 30);
      node.classList.toggle("overtime", left <= 0);
    });
  }
  RT.countdown = function (endsAt, className) {
    var node = RT.el("span", { className: "countdown " + (className || ""), role: "timer", dataset: { endsAt: endsAt } });
    node.setAttribute("aria-live", "off");
    return node;
  };
  setInterval(tick, 250);

  /* ---- state: the snapshot, kept current by room events ------------------------------------ */

  function findById(list, id) {
    for (var i = 0; i < (list || []).length; i += 1) if (list[i].id === id) return list[i];
    return null;
  }
  function upsert(list, item) {
    for (var i = 0; i < list.length; i += 1) {
      if (list[i].id === item.id) { list[i] = item; return; }
    }
    list.push(item);
  }
  function seqOf(poll) {
    return poll && poll.tally && typeof poll.tally.seq === "number" ? poll.tally.seq : -1;
  }

  /*
   * A tally is kept only when its seq is higher than the last one seen for the poll:
   * with several server processes tallies may arrive out of order, and counts must
   * never go back (protocol §4). Returns whether the tally was taken.
   */
  RT.takeTally = function (poll, tally, final) {
    if (!poll || !tally || typeof tally.seq !== "number") return false;
    var seen = seqOf(poll);
    if (final ? tally.seq < seen : tally.seq <= seen) return false;
    poll.tally = { poll_id: poll.id, counts: tally.counts || {}, total: tally.total || 0, seq: tally.seq,
                   channels: tally.channels || (poll.tally && poll.tally.channels) || null };
    return true;
  };

  /* A fresh snapshot replaces everything, except tallies we already saw further along. */
  RT.adoptSnapshot = function (previous, snapshot) {
    (snapshot.polls || []).forEach(function (poll) {
      var before = previous ? findById(previous.polls, poll.id) : null;
      if (before && seqOf(before) > seqOf(poll)) poll.tally = before.tally;
    });
    return snapshot;
  };

  /* A `presence` event after one check-in carries the counts and only the people who changed
     (complete: false): they replace their entries in the list the snapshot gave. */
  function mergePresence(presence, change) {
    Object.keys(change.sides || {}).forEach(function (side) {
      var people = presence.sides[side] = presence.sides[side] || [];
      change.sides[side].forEach(function (person) {
        var at = -1;
        people.forEach(function (p, i) { if (p.id === person.id) at = i; });
        if (at >= 0) people[at] = person; else people.push(person);
      });
    });
    presence.counts = change.counts;
    if (change.invited_by_side) presence.invited_by_side = change.invited_by_side;
    presence.present = change.present;
    presence.invited = change.invited;
  }

  /* Apply one room event to the state; returns whether anything changed. */
  RT.apply = function (state, event, data) {
    if (!state || !data) return false;
    switch (event) {
      case "meeting":
        state.meeting = data;
        return true;
      case "presence":
        if (data.complete === false && state.presence && state.presence.sides) {
          mergePresence(state.presence, data);
        } else {
          state.presence = data;
        }
        return true;
      case "agenda":
        state.agenda = data.agenda || [];
        state.current_item_id = data.current_item_id === undefined ? null : data.current_item_id;
        return true;
      case "queue":
        state.queue = data.queue || [];
        state.speaker = data.speaker || null;
        return true;
      case "position": {
        var sides = state.positions = state.positions || {};
        Object.keys(sides).forEach(function (side) {
          sides[side] = sides[side].filter(function (p) { return p.id !== data.id; });
        });
        var side = data.participant && data.participant.side ? data.participant.side : "host";
        (sides[side] = sides[side] || []).push(data);
        sides[side].sort(function (a, b) { return a.id - b.id; });
        return true;
      }
      case "motion":
        upsert(state.motions = state.motions || [], data);
        return true;
      case "poll_opened": {
        var known = findById(state.polls, data.id);
        if (known && seqOf(known) > seqOf(data)) data.tally = known.tally;
        upsert(state.polls = state.polls || [], data);
        return true;
      }
      case "tally":
        return RT.takeTally(findById(state.polls, data.poll_id), data, false);
      case "poll_closed": {
        var poll = findById(state.polls, data.poll_id);
        if (!poll) return false;
        poll.state = "closed";
        poll.result = data;
        RT.takeTally(poll, data, true);
        return true;
      }
      default:
        return false;
    }
  };

  /* ---- small helpers the pages share ------------------------------------------------------- */

  RT.currentItem = function (state) {
    return state ? findById(state.agenda, state.current_item_id) : null;
  };
  RT.findById = findById;

  RT.randomKey = function () {
    var bytes = new Uint8Array(16);
    global.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  };

  /* localStorage may be missing or full (private browsing); the page must work without it. */
  RT.remember = function (key, value) {
    try { global.localStorage.setItem(key, value); } catch (e) { /* fine: only a convenience */ }
  };
  RT.recall = function (key) {
    try { return global.localStorage.getItem(key); } catch (e) { return null; }
  };

  /* The word for a code the room sends (meeting_status_live, category_parking), else what came with it. */
  RT.word = function (key, fallback) {
    var text = RT.t(key);
    return text === key ? (fallback || "") : text;
  };

  /* An option's words: yes / no / abstain in the reader's language, other options as the host wrote them. */
  RT.optionLabel = function (option) {
    return option.code ? RT.t("option_" + option.code) : option.label;
  };

  /* Tally bars: one row per option, width from the counts. Secret polls show counts only. */
  RT.tallyBars = function (poll) {
    var counts = (poll.tally && poll.tally.counts) || {};
    var total = (poll.tally && poll.tally.total) || 0;
    var top = 0;
    poll.options.forEach(function (o) { top = Math.max(top, counts[String(o.id)] || 0); });
    var winners = poll.result && poll.result.winners ? poll.result.winners : [];
    var rows = poll.options.map(function (option) {
      var n = counts[String(option.id)] || 0;
      var bar = RT.el("span", { className: "bar-fill" });
      bar.style.width = (top ? Math.round((n / top) * 100) : 0) + "%";
      return RT.el("li", { className: "tally-row" + (winners.indexOf(option.id) >= 0 ? " winner" : ""),
                           dataset: { optionId: String(option.id) } }, [
        RT.el("span", { className: "tally-label", text: RT.optionLabel(option) }),
        RT.el("span", { className: "bar" }, [bar]),
        RT.el("span", { className: "tally-count", text: String(n) })
      ]);
    });
    // How the ballots came (phone, paper, assistance, proxy): counts only, so secret polls stay secret.
    var channels = poll.tally && poll.tally.channels;
    var byChannel = channels && total ? RT.el("p", { className: "tally-channels", text: RT.t("tally_channels", {
      phone: channels.phone || 0, paper: channels.paper || 0, assisted: channels.assisted || 0, proxy: channels.proxy || 0
    }) }) : null;
    return RT.el("div", { className: "tally", dataset: { pollId: String(poll.id), seq: String(seqOf(poll)) } }, [
      RT.el("ul", { className: "tally-rows" }, rows),
      RT.el("p", { className: "tally-total", text: RT.t("total_votes", { n: total }) }),
      byChannel
    ]);
  };

  /*
   * The outcome in words, as the summary pages say it (roundtable/live/outcome.py):
   * "赞成 12 > 反对 5,通过(赞成多于反对,到场 20 人,法定 15 人)". Null while the poll is open.
   */
  RT.outcomeText = function (poll) {
    if (poll.state !== "closed" || !poll.result) return null;
    var result = poll.result;
    var counts = result.counts || (poll.tally && poll.tally.counts) || {};
    var tally;
    if (poll.kind === "yes_no") {
      var byCode = {};
      poll.options.forEach(function (o) { byCode[o.code] = counts[String(o.id)] || 0; });
      var yes = byCode.yes || 0, no = byCode.no || 0;
      tally = RT.t("outcome_yes_no", { yes: yes, sign: yes > no ? ">" : (yes === no ? "=" : "<"), no: no });
    } else {
      tally = poll.options.map(function (o) { return RT.t("outcome_option", { label: RT.optionLabel(o), n: counts[String(o.id)] || 0 }); }).join(RT.t("list_sep"));
      var winners = poll.options.filter(function (o) { return (result.winners || []).indexOf(o.id) >= 0; }).map(function (o) { return RT.optionLabel(o); });
      if (winners.length) tally += ";" + RT.t("outcome_winners", { names: winners.join(RT.t("list_sep")) });
    }
    return RT.t("outcome_line", {
      tally: tally, verdict: RT.t("result_" + result.result), rule: RT.t("rule_" + (poll.rule || result.rule)),
      present: result.present || 0, quorum: poll.quorum !== undefined ? poll.quorum : (result.quorum || 0)
    });
  };

  RT.resultLine = function (poll) {
    if (poll.state !== "closed" || !poll.result) return null;
    var result = poll.result.result;
    return RT.el("div", { className: "poll-result result-" + result, role: "status" }, [
      RT.el("p", { className: "verdict" }, [
        RT.el("span", { className: "verdict-mark", "aria-hidden": "true", text: result === "passed" ? "✓ " : "✗ " }),
        RT.t("result_" + result)
      ]),
      RT.el("p", { className: "outcome-text", text: RT.outcomeText(poll) })
    ]);
  };

  /* A receipt's short code: the first 8 hex digits of its hash, in two groups of four. */
  RT.shortCode = function (receipt) {
    if (!receipt) return "";
    var head = String(receipt).slice(0, 8).toUpperCase();
    return head.slice(0, 4) + " " + head.slice(4);
  };

  RT.personName = function (participant) {
    if (!participant) return RT.t("side_host");
    return participant.name || RT.t("side_" + participant.side);
  };

  /* ---- the connection ---------------------------------------------------------------------- */

  /*
   * options: {meetingId, token, render(state), status(kind, message)}
   * Returns {send(event, payload) → Promise<ack>, state()}.
   */
  RT.connect = function (options) {
    var state = null;
    var joined = false;
    var socket = global.io("/live", options.token ? { auth: { token: options.token } } : {});

    function render() { if (state) options.render(state); }
    function status(kind, message) { if (options.status) options.status(kind, message); }

    function join() {
      status("joining");
      var payload = options.meetingId ? { meeting_id: options.meetingId } : {};
      socket.timeout(ACK_TIMEOUT_MS).emit("join", payload, function (err, ack) {
        if (err) { status("retrying", RT.t("timeout")); setTimeout(join, 2000); return; }
        if (!ack || !ack.ok) {
          // A meeting that is over has a summary page; the page decides where to go.
          if (ack && options.refused && options.refused(ack)) return;
          status("refused", (ack && ack.message) || RT.t("refused"));
          return;
        }
        state = RT.adoptSnapshot(state, ack.snapshot);
        RT.syncClock(state.server_time);
        joined = true;
        status("connected");
        render();
        fillPresence();
      });
    }

    /* The snapshot lists the first people of each side only (protocol §5); the host's
       console pages through the rest, one side at a time. */
    function fillPresence() {
      var presence = state && state.presence;
      if (!presence || presence.complete !== false || !(state.me && state.me.host)) return;
      var sides = Object.keys(presence.invited_by_side || {});
      var people = {};
      function page(index, offset) {
        if (index >= sides.length) {
          if (state.presence !== presence) return;  // a newer snapshot came meanwhile
          sides.forEach(function (side) {
            // A check-in merged from a `presence` event meanwhile may be newer than its page;
            // nobody is checked out again, so present in either is present.
            (presence.sides[side] || []).forEach(function (p) {
              var at = -1;
              people[side].forEach(function (q, i) { if (q.id === p.id) at = i; });
              if (at < 0) people[side].push(p);
              else if (p.checked_in) people[side][at].checked_in = true;
            });
            presence.sides[side] = people[side];
          });
          presence.complete = true;
          render();
          return;
        }
        var side = sides[index];
        people[side] = people[side] || [];
        send("presence_list", { side: side, offset: offset }).then(function (ack) {
          if (!ack.ok) return;
          people[side] = people[side].concat(ack.people || []);
          if (ack.more) page(index, offset + ack.people.length);
          else page(index + 1, 0);
        });
      }
      page(0, 0);
    }

    socket.on("connect", join);
    socket.on("disconnect", function () { joined = false; status("reconnecting"); });
    socket.on("connect_error", function (error) {
      joined = false;
      // A refused handshake is final (the server will not change its mind); others are retried.
      if (!socket.active) status("refused", RT.t("refused"));
      else status("reconnecting");
    });
    ROOM_EVENTS.forEach(function (event) {
      socket.on(event, function (data) {
        if (joined && RT.apply(state, event, data)) render();
      });
    });

    function send(event, payload) {
      return new Promise(function (resolve) {
        if (!joined) { resolve({ ok: false, error: "offline", message: RT.t("offline") }); return; }
        socket.timeout(ACK_TIMEOUT_MS).emit(event, payload || {}, function (err, ack) {
          if (err) resolve({ ok: false, error: "timeout", message: RT.t("timeout") });
          else resolve(ack || { ok: false, error: "internal", message: RT.t("timeout") });
        });
      });
    }

    /* Draw again from a fresh snapshot: for what room events cannot carry to everyone alike. */
    function refresh() {
      return send("snapshot", {}).then(function (ack) {
        if (ack.ok) { state = RT.adoptSnapshot(state, ack.snapshot); render(); fillPresence(); }
        return ack;
      });
    }

    return { send: send, refresh: refresh, state: function () { return state; } };
  };

  /* ---- the status line and the message line ------------------------------------------------ */

  RT.statusLine = function (node) {
    return function (kind, message) {
      if (!node) return;
      node.dataset.state = kind;
      node.textContent = message || RT.t("status_" + kind);
    };
  };

  /* A short message after an action: successes fade after 4 s, errors after 10 s or at the next action. */
  RT.notice = function (node) {
    var timer = null;
    return function (message, isError) {
      if (!node) return;
      clearTimeout(timer);
      node.textContent = message || "";
      node.classList.toggle("notice-error", !!isError);
      node.hidden = !message;
      if (message) timer = setTimeout(function () { node.hidden = true; }, isError ? 10000 : 4000);
    };
  };

  /* Send an action from a button: disable it while waiting, report the answer. */
  /* `done` is the message for success: a string, or a function of the ack (say what happened). */
  RT.act = function (live, notice, button, event, payload, done) {
    if (button) button.disabled = true;
    notice("", false);
    return live.send(event, payload).then(function (ack) {
      if (button && button.isConnected) button.disabled = false;
      if (!ack.ok) notice(ack.message || RT.t("failed"), true);
      else notice((typeof done === "function" ? done(ack) : done) || "", false);
      return ack;
    });
  };

  /* Text typed into a box with a limit: refused with the limit named, never cut silently. */
  RT.limitCounter = function (field, counter, limit) {
    function update() {
      var over = field.value.trim().length - limit;
      counter.textContent = over > 0 ? RT.t("text_over", { limit: limit, over: over })
                                     : RT.t("text_left", { n: limit - field.value.trim().length });
      counter.classList.toggle("over", over > 0);
      field.setAttribute("aria-invalid", over > 0 ? "true" : "false");
    }
    field.addEventListener("input", update);
    update();
    return function () { update(); return field.value.trim().length <= limit; };
  };

  global.RoundtableLive = RT;
})(window);
