/* okno kiosk: back to the start screen after a quiet spell, one ticket per tap, printing, and
   the booking code: on-screen keys, and scanning its QR code with the camera where the browser
   can (BarcodeDetector); typing the code always works without either.
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

  /* --- "I have a booking": the code form ------------------------------------------------------ */
  var codeForm = document.querySelector("form[data-kiosk-code-form]");
  var codeInput = codeForm && codeForm.querySelector("[data-kiosk-code]");
  var CODE_LENGTH = 8;

  function setCode(value) {
    codeInput.value = value.toUpperCase().replace(/[^A-Z0-9]/g, "").slice(0, 12);
    touched();
  }

  if (codeInput) {
    codeInput.addEventListener("input", function () {
      var upper = codeInput.value.toUpperCase();
      if (upper !== codeInput.value) {
        codeInput.value = upper;
      }
    });
    var keypad = codeForm.querySelector("[data-kiosk-keypad]");
    if (keypad) {
      keypad.hidden = false;
      keypad.addEventListener("click", function (event) {
        var key = event.target.closest("button");
        if (!key) {
          return;
        }
        if (key.hasAttribute("data-key-erase")) {
          setCode(codeInput.value.slice(0, -1));
        } else if (codeInput.value.length < CODE_LENGTH) {
          setCode(codeInput.value + key.getAttribute("data-key"));
        }
      });
    }
    setupScanner();
  }

  /* The QR code of a booking holds its code, or an address with the code in it
     (".../booking/CODE/..."): either is taken; anything else is ignored. */
  function codeFromScan(text) {
    var value = (text || "").trim();
    if (/^[A-Za-z0-9]{6,12}$/.test(value)) {
      return value.toUpperCase();
    }
    var match = value.match(/\/booking\/([A-Za-z0-9]{6,12})(?:[/?#]|$)/);
    return match ? match[1].toUpperCase() : null;
  }

  function setupScanner() {
    var start = document.querySelector("[data-kiosk-scan]");
    var panel = document.querySelector("[data-kiosk-scanner]");
    if (!start || !panel || !("BarcodeDetector" in window) || !navigator.mediaDevices ||
        !navigator.mediaDevices.getUserMedia) {
      return; /* the scan button stays hidden; the typed code works */
    }
    var video = panel.querySelector("video");
    var stop = panel.querySelector("[data-kiosk-scan-stop]");
    var stream = null;
    var timer = null;
    var detector = null;

    function finish() {
      if (timer) {
        window.clearTimeout(timer);
        timer = null;
      }
      if (stream) {
        stream.getTracks().forEach(function (track) { track.stop(); });
        stream = null;
      }
      panel.hidden = true;
      start.hidden = false;
    }

    function scan(deadline) {
      if (!stream) {
        return;
      }
      if (Date.now() > deadline) {
        finish();
        return;
      }
      touched(); /* a visitor holding up a phone is using the kiosk */
      detector.detect(video).then(function (found) {
        var code = null;
        for (var i = 0; i < found.length && !code; i += 1) {
          code = codeFromScan(found[i].rawValue);
        }
        if (code) {
          finish();
          setCode(code);
          if (codeForm.requestSubmit) {
            codeForm.requestSubmit();
          } else {
            codeForm.submit();
          }
          return;
        }
        timer = window.setTimeout(function () { scan(deadline); }, 250);
      }).catch(function () {
        timer = window.setTimeout(function () { scan(deadline); }, 500);
      });
    }

    Promise.resolve(window.BarcodeDetector.getSupportedFormats ?
      window.BarcodeDetector.getSupportedFormats() : ["qr_code"]).then(function (formats) {
      if (formats.indexOf("qr_code") === -1) {
        return;
      }
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      start.hidden = false;
      start.addEventListener("click", function () {
        navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: false })
          .then(function (media) {
            stream = media;
            video.srcObject = media;
            panel.hidden = false;
            start.hidden = true;
            return video.play();
          })
          .then(function () { scan(Date.now() + 60000); })
          .catch(finish); /* no camera or no permission: the typed code still works */
      });
      stop.addEventListener("click", finish);
      window.addEventListener("pagehide", finish);
    }).catch(function () { /* no scanning */ });
  }
})();
