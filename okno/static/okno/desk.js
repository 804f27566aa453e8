// okno: the operator console's small helpers (no build step).
// - Timers: every `.desk-timer[data-elapsed]` shows the time since the server rendered it plus
//   the seconds it had then, as M:SS or H:MM:SS, so a wrong clock on the desk PC does not matter.
// - Focus: after the console is swapped, focus goes to its main action (`[data-autofocus]`), so a
//   keyboard user goes on from where the work is, instead of from the top of the page.
(function () {
  "use strict";

  function clock(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var ss = (s < 10 ? "0" : "") + s;
    if (h) {
      return h + ":" + (m < 10 ? "0" : "") + m + ":" + ss;
    }
    return m + ":" + ss;
  }

  function stamp(root) {
    var now = Date.now();
    root.querySelectorAll(".desk-timer[data-elapsed]").forEach(function (timer) {
      timer.dataset.base = String(now - 1000 * Number(timer.dataset.elapsed || 0));
    });
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll(".desk-timer[data-base]").forEach(function (timer) {
      var text = clock(Math.max(0, Math.floor((now - Number(timer.dataset.base)) / 1000)));
      if (timer.textContent !== text) {
        timer.textContent = text;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    stamp(document);
    window.setInterval(tick, 1000);
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "desk-console") {
      return;
    }
    stamp(target);
    var focus = target.querySelector("[data-autofocus]");
    if (focus) {
      focus.focus();
    }
  });
})();
