/* okno kiosk: back to the start screen after a quiet spell, one ticket per tap, printing.
   Every kiosk screen is a plain page, so this script holds no state between screens except
   the code of the last ticket printed automatically (sessionStorage, one value). */
(function () {
  "use strict";

  var body = document.body;
  var home = body.getAttribute("data-kiosk-home");
  var idleSeconds = parseInt(body.getAttribute("data-kiosk-idle") || "0", 10);
  var lastTouch = Date.now();

  function touched() {
    lastTouch = Date.now();
  }
  ["pointerdown", "keydown", "touchstart", "wheel", "scroll"].forEach(function (name) {
    document.addEventListener(name, touched, { passive: true, capture: true });
  });

  /* The start screen refreshes its counts only while nobody is touching it (see kiosk.html). */
  window.oknoKiosk = {
    quiet: function (seconds) {
      return Date.now() - lastTouch > (seconds || 5) * 1000;
    }
  };

  function goHome() {
    if (home) {
      window.location.replace(home); /* replace: the ticket screen leaves no history entry behind */
    }
  }

  if (home && idleSeconds > 0) {
    window.setInterval(function () {
      if (Date.now() - lastTouch > idleSeconds * 1000) {
        goHome();
      }
    }, 1000);
  }

  document.querySelectorAll("[data-kiosk-done]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      goHome();
    });
  });

  /* A double tap must not take two tickets: a form sends once (it may name its submitter). */
  document.querySelectorAll("form[data-kiosk-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sent")) {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-sent", "1");
    });
  });
  /* A page restored from the back-forward cache can be used again. */
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      form.removeAttribute("data-sent");
    });
  });

  function printTicket() {
    touched();
    window.print();
  }
  window.addEventListener("afterprint", touched);

  document.querySelectorAll("[data-kiosk-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", printTicket);
  });

  var slip = document.querySelector("[data-kiosk-slip]");
  if (slip && body.getAttribute("data-kiosk-autoprint") === "1") {
    var code = slip.getAttribute("data-kiosk-slip");
    var printed = null;
    try {
      printed = window.sessionStorage.getItem("okno-kiosk-printed");
    } catch (error) {
      printed = null;
    }
    if (printed !== code) {
      try {
        window.sessionStorage.setItem("okno-kiosk-printed", code);
      } catch (error) {
        /* private mode: print anyway */
      }
      window.addEventListener("load", printTicket);
    }
  }
})();
