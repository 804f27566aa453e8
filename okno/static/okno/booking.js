/* okno booking pages: "use my location" (reloads with ?lat=&lon=) and the held time's countdown.
   Everything works without this file; it only adds what needs the browser. */
(function () {
  "use strict";

  var locate = document.querySelector("[data-locate]");
  if (locate && "geolocation" in navigator) {
    var button = locate.querySelector("[data-locate-button]");
    var status = locate.querySelector("[data-locate-status]");
    locate.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (position) {
        var url = new URL(window.location.href);
        // Three decimals (about 100 m) are enough to sort offices; no need to send more.
        url.searchParams.set("lat", position.coords.latitude.toFixed(3));
        url.searchParams.set("lon", position.coords.longitude.toFixed(3));
        window.location.assign(url.toString());
      }, function () {
        button.disabled = false;
        status.textContent = locate.getAttribute("data-error");
      }, { timeout: 10000, maximumAge: 600000 });
    });
  }

  var clock = document.querySelector("[data-countdown]");
  if (clock) {
    var ends = Date.now() + parseInt(clock.getAttribute("data-countdown"), 10) * 1000;
    var tick = function () {
      var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
      var seconds = left % 60;
      clock.textContent = Math.floor(left / 60) + ":" + (seconds < 10 ? "0" : "") + seconds;
      if (left > 0) { window.setTimeout(tick, 1000); }
    };
    tick();
  }
})();
