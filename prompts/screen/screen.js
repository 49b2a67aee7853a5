// The classroom screen's live part: renders the view the bot sends, counts down from the
// server's deadline, and follows the bot's event stream (reconnecting by itself after a blip or
// a restart). Every text goes in with textContent: nothing the bot sends is read as HTML.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("screen-data").textContent);
  var view = data.view;
  var lastId = data.id;
  var offset = data.now - Date.now(); // server time minus this screen's clock
  var source = null;
  var gone = false;
  var retry = null;

  function el(id) { return document.getElementById(id); }

  function put(id, value) {
    var node = el(id);
    node.textContent = value || "";
    node.hidden = !value;
  }

  function bars(id, rows, paired) {
    var list = el(id);
    while (list.firstChild) { list.removeChild(list.firstChild); }
    rows.forEach(function (row) {
      var item = document.createElement("li");
      item.className = row.choice || "option";
      var label = document.createElement("span");
      label.textContent = row.label;
      item.appendChild(label);
      var track = document.createElement("span");
      track.className = "track";
      (paired ? ["pre", "post"] : ["share"]).forEach(function (key) {
        var fill = document.createElement("span");
        fill.className = "fill " + key;
        fill.style.width = Math.max(0, Math.min(100, row[key] || 0)) + "%";
        track.appendChild(fill);
      });
      item.appendChild(track);
      var figure = document.createElement("span");
      figure.className = "figure";
      figure.textContent = paired ? row.pre_text + " → " + row.post_text : (row.text || "");
      item.appendChild(figure);
      list.appendChild(item);
    });
  }

  function render(v) {
    if (v.lang !== document.documentElement.lang) { window.location.reload(); return; }
    put("format", v.format);
    put("phase", v.phase);
    put("status", v.status);
    put("title", v.title);
    put("motion", v.motion);
    put("floor", v.floor);
    var vote = v.vote;
    el("vote").hidden = !vote;
    if (vote) {
      put("vote-title", vote.title);
      put("turnout", vote.turnout_text);
      put("hidden-note", vote.tally ? "" : vote.hidden_note);
      bars("tally", vote.tally || [], false);
    }
    el("options").hidden = v.kind !== "poll";
    if (v.kind === "poll") {
      put("poll-turnout", v.turnout_text);
      bars("option-bars", v.options.filter(function (o) { return o.text; }), false);
      put("poll-winner", v.winner);
    }
    var result = v.result;
    el("result").hidden = !result;
    if (result) {
      put("verdict", result.verdict);
      bars("result-bars", result.bars, true);
      put("swing", result.swing.join(" · "));
      put("moves", result.moves.join(" · "));
      put("result-turnout", result.turnout);
    }
    var speech = v.speech;
    el("speech-box").hidden = v.kind === "poll";
    put("speech-by", speech ? speech.name + " · " + speech.side_text : "");
    put("speech", speech ? speech.text : "");
    el("no-speech").hidden = !!speech;
    var questions = el("questions");
    while (questions.firstChild) { questions.removeChild(questions.firstChild); }
    (v.questions || []).forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      questions.appendChild(item);
    });
    el("questions-box").hidden = v.kind === "poll";
    el("no-questions").hidden = (v.questions || []).length > 0;
    var claims = el("claims");
    while (claims.firstChild) { claims.removeChild(claims.firstChild); }
    (v.claims || []).forEach(function (c) {
      var item = document.createElement("li");
      item.className = "claim " + c.side + (c.level ? " below" : "");
      var head = document.createElement("strong");
      head.textContent = c.heading + (c.impact ? " · " + c.impact : "");
      item.appendChild(head);
      item.appendChild(document.createTextNode(" " + c.text));
      claims.appendChild(item);
    });
    el("claims-box").hidden = v.kind === "poll";
    el("no-claims").hidden = (v.claims || []).length > 0;
    tick();
  }

  function clockText(ms) {
    var total = Math.ceil(ms / 1000);
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    var mm = h ? (m < 10 ? "0" + m : "" + m) : "" + m;
    return (h ? h + ":" : "") + mm + ":" + (s < 10 ? "0" + s : "" + s);
  }

  function tick() {
    var node = el("countdown");
    var ms = null;
    if (view.remaining !== null && view.remaining !== undefined) {
      ms = view.remaining;
    } else if (view.deadline !== null && view.deadline !== undefined) {
      ms = Math.max(0, view.deadline - (Date.now() + offset));
    }
    node.hidden = ms === null;
    if (ms === null) { return; }
    node.textContent = clockText(ms);
    var paused = view.remaining !== null && view.remaining !== undefined;
    node.className = "countdown" + (paused ? " paused" : ms <= 0 ? " over" : ms <= 30000 ? " warn" : "");
  }

  function online(yes) { el("reconnecting").hidden = yes || gone; }

  function stop() {
    gone = true;
    if (source) { source.close(); }
    online(true);
    el("gone").hidden = false;
  }

  function check() {
    // the stream was refused or the bot is away: a 403 for the page means the link is dead
    retry = null;
    fetch(window.location.href, { cache: "no-store" }).then(function (response) {
      if (response.status === 403) { stop(); } else { connect(); }
    }, function () { retry = setTimeout(check, 1500); });
  }

  function connect() {
    var url = window.location.pathname.replace(/\/$/, "") + "/events" + (lastId ? "?last=" + encodeURIComponent(lastId) : "");
    source = new EventSource(url);
    source.addEventListener("open", function () { online(true); });
    source.addEventListener("clock", function (event) { offset = Number(event.data) - Date.now(); online(true); });
    source.addEventListener("state", function (event) {
      lastId = event.lastEventId;
      view = JSON.parse(event.data);
      online(true);
      render(view);
    });
    source.addEventListener("gone", stop);
    source.addEventListener("error", function () {
      if (gone) { return; }
      online(false);
      if (source.readyState === EventSource.CLOSED && retry === null) { retry = setTimeout(check, 1500); }
    });
  }

  render(view);
  setInterval(tick, 200);
  connect();
}());
