/* okno display board: the chime (Web Audio) on every call and recall, an optional spoken call
   (speechSynthesis in the page's language, on with ?speak=1), the office's clock, and a quiet
   reload once a night.

   The panel is re-fetched whole by htmx on each SSE event (see board.html), so this script keeps
   no growing list: one AudioContext for the page's life, one clock timer, one text in the live
   region. The nightly reload (between 03:00 and 04:00 office time, once the page has run two
   hours, and only when the server answers) also frees whatever the browser itself may leak.

   Chromium blocks sound until someone touches the page: start the board's browser with
   --autoplay-policy=no-user-gesture-required, or press "Turn on the sound" once. */
(function () {
  "use strict";

  var body = document.body;
  var zone = body.getAttribute("data-time-zone") || undefined;
  var lang = document.documentElement.lang || "en";
  var speak = body.getAttribute("data-speak") === "1";
  var callText = body.getAttribute("data-call-text") || "{ticket} → {window}";
  var serverOffset = 0;
  var serverNow = parseInt(body.getAttribute("data-server-now") || "0", 10);
  if (serverNow > 0) {
    serverOffset = serverNow * 1000 - Date.now(); /* the board's own clock may be wrong */
  }
  var loadedAt = Date.now();
  var live = document.getElementById("board-live");
  var soundButton = document.getElementById("board-sound");
  var offline = document.getElementById("board-offline");

  /* --- sound -------------------------------------------------------------------------------- */
  var audio = null;

  function audioContext() {
    if (audio === null) {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) {
        return null;
      }
      audio = new Context();
    }
    return audio;
  }

  function offerSound() {
    var context = audioContext();
    if (soundButton && context) {
      soundButton.hidden = context.state !== "suspended";
    }
  }

  if (soundButton) {
    soundButton.addEventListener("click", function () {
      var context = audioContext();
      if (context) {
        context.resume().then(offerSound, offerSound);
      }
    });
  }

  function chime() {
    var context = audioContext();
    if (!context) {
      return;
    }
    if (context.state === "suspended") {
      context.resume().catch(function () {});
      offerSound();
    }
    var start = context.currentTime + 0.05;
    /* two falling tones, "ding-dong" */
    [[880, 0], [659.25, 0.45]].forEach(function (note) {
      var oscillator = context.createOscillator();
      var gain = context.createGain();
      var at = start + note[1];
      oscillator.type = "sine";
      oscillator.frequency.value = note[0];
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.5, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 1.4);
      oscillator.connect(gain);
      gain.connect(context.destination);
      oscillator.start(at);
      oscillator.stop(at + 1.5);
      oscillator.onended = function () {
        oscillator.disconnect();
        gain.disconnect();
      };
    });
  }

  /* --- speech -------------------------------------------------------------------------------- */
  function voiceFor(language) {
    if (!("speechSynthesis" in window)) {
      return null;
    }
    var voices = window.speechSynthesis.getVoices();
    var base = language.toLowerCase().split("-")[0];
    for (var i = 0; i < voices.length; i++) {
      if (voices[i].lang.toLowerCase().split(/[-_]/)[0] === base) {
        return voices[i];
      }
    }
    return null; /* no voice for this language: better silent than read in another one */
  }

  function say(text) {
    var voice = speak ? voiceFor(lang) : null;
    if (!voice) {
      return;
    }
    var utterance = new window.SpeechSynthesisUtterance(text);
    utterance.voice = voice;
    utterance.lang = voice.lang;
    utterance.rate = 0.9;
    window.speechSynthesis.speak(utterance);
  }

  if (speak && "speechSynthesis" in window) {
    window.speechSynthesis.getVoices(); /* voices load asynchronously: start loading them now */
  }

  /* "A001" is spoken "A 1": the letter and the number, as people say it. */
  function spokenLabel(ticket) {
    var label = ticket.label || "";
    var group = ticket.group || "";
    var number = parseInt(label.slice(group.length), 10);
    return group && !isNaN(number) ? group + " " + number : label;
  }

  function callSentence(ticket, spoken) {
    var point = ticket.service_point || {};
    var window_ = point.label || point.number || "";
    return callText
      .replace("{ticket}", spoken ? spokenLabel(ticket) : ticket.label || "")
      .replace("{window}", String(window_));
  }

  /* --- events ---------------------------------------------------------------------------------- */
  body.addEventListener("htmx:sseMessage", function (event) {
    var message = event.detail;
    if (!message || message.type !== "ticket") {
      return;
    }
    var data;
    try {
      data = JSON.parse(message.data);
    } catch (error) {
      return;
    }
    if (data.action !== "called" && data.action !== "recalled") {
      return;
    }
    var ticket = data.ticket || {};
    chime();
    if (live) {
      live.textContent = callSentence(ticket, false);
    }
    window.setTimeout(function () {
      say(callSentence(ticket, true));
    }, 1200);
  });

  body.addEventListener("htmx:sseError", function () {
    if (offline) {
      offline.hidden = false;
    }
  });
  body.addEventListener("htmx:sseOpen", function () {
    if (offline) {
      offline.hidden = true;
    }
  });

  /* --- clock ----------------------------------------------------------------------------------- */
  var clock = document.getElementById("board-clock");
  var dateLine = document.getElementById("board-date");

  function formatter(options) {
    try {
      return new Intl.DateTimeFormat(lang, Object.assign({ timeZone: zone }, options));
    } catch (error) {
      return new Intl.DateTimeFormat(undefined, options);
    }
  }
  var timeFormat = formatter({ hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  var dateFormat = formatter({ weekday: "long", day: "numeric", month: "long" });
  var hourFormat;
  try {
    hourFormat = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "numeric", hourCycle: "h23" });
  } catch (error) {
    hourFormat = new Intl.DateTimeFormat("en-GB", { hour: "numeric", hourCycle: "h23" });
  }

  function now() {
    return new Date(Date.now() + serverOffset);
  }

  function tick() {
    var moment = now();
    if (clock) {
      clock.textContent = timeFormat.format(moment);
      clock.setAttribute("datetime", moment.toISOString());
    }
    if (dateLine) {
      dateLine.textContent = dateFormat.format(moment);
    }
  }
  tick();
  window.setInterval(tick, 1000);

  /* --- the nightly reload ---------------------------------------------------------------------- */
  window.setInterval(function () {
    if (Date.now() - loadedAt < 2 * 3600 * 1000) {
      return;
    }
    if (parseInt(hourFormat.format(now()), 10) !== 3) {
      return;
    }
    window
      .fetch(window.location.href, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.ok) {
          window.location.reload();
        }
      })
      .catch(function () {});
  }, 10 * 60 * 1000);

  offerSound();
})();
