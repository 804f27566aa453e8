/* okno rating tablet: back to the idle screen by itself, 10 s after the thanks and after 60 s
   without a touch on the form; a live event that would re-show the same visit does not wipe the
   answers being given. htmx re-fetches the panel (see tablet.html); this script only decides
   when to let a visit go: the id of the visit let go is sent with the next fetch. */
(function () {
  "use strict";

  var body = document.body;
  var panel = document.getElementById("tablet-panel");
  var dismissed = document.getElementById("tablet-dismissed");
  var offline = document.getElementById("tablet-offline");
  if (!panel || !dismissed) {
    return;
  }
  var idleMs = parseInt(body.getAttribute("data-idle-seconds") || "60", 10) * 1000;
  var thanksMs = parseInt(body.getAttribute("data-thanks-seconds") || "10", 10) * 1000;
  var timer = null;
  var touched = false;

  function backToIdle(visit) {
    if (visit) {
      dismissed.value = visit;
    }
    touched = false;
    window.htmx.trigger(panel, "tablet-idle");
  }

  function arm() {
    window.clearTimeout(timer);
    timer = null;
    var rating = panel.querySelector(".tablet-rate");
    var done = panel.querySelector(".tablet-thanks");
    if (rating) {
      timer = window.setTimeout(function () { backToIdle(rating.getAttribute("data-ticket")); }, idleMs);
    } else if (done) {
      timer = window.setTimeout(function () { backToIdle(done.getAttribute("data-done")); }, thanksMs);
    }
  }

  ["input", "change", "pointerdown", "keydown"].forEach(function (name) {
    panel.addEventListener(name, function () {
      if (name === "input" || name === "change") {
        touched = true;
      }
      if (panel.querySelector(".tablet-rate")) {
        arm();
      }
    });
  });

  body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target !== panel || !touched) {
      return;
    }
    var rating = panel.querySelector(".tablet-rate");
    var verb = (event.detail.requestConfig && event.detail.requestConfig.verb) || "get";
    if (!rating || verb !== "get") {
      return;
    }
    var same = new RegExp('data-ticket="' + rating.getAttribute("data-ticket") + '"');
    if (same.test(event.detail.serverResponse || "")) {
      event.detail.shouldSwap = false; /* the same visit: keep the answers given so far */
    }
  });

  body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target === panel) {
      /* a form sent back with its errors still holds the visitor's answers */
      touched = !!panel.querySelector(".tablet-rate .error-summary");
      arm();
    }
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

  arm();
})();
