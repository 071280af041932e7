// Registers the service worker and tells the app (window events, plus flags for an app
// that starts later) when it works offline and when an update waits for a reload.
(function () {
  if (!("serviceWorker" in navigator)) return;
  function say(name, flag) {
    window[flag] = true;
    window.dispatchEvent(new Event(name));
  }
  window.addEventListener("load", async function () {
    try {
      const reg = await navigator.serviceWorker.register("/sw.js");
      if (reg.waiting && navigator.serviceWorker.controller) say("loket:update-ready", "__loketUpdateReady");
      reg.addEventListener("updatefound", function () {
        const worker = reg.installing;
        if (!worker) return;
        worker.addEventListener("statechange", function () {
          if (worker.state !== "installed") return;
          if (navigator.serviceWorker.controller) say("loket:update-ready", "__loketUpdateReady");
        });
      });
      let updating = false;
      window.loketApplyUpdate = function () {
        if (!reg.waiting) return location.reload();
        updating = true;
        reg.waiting.postMessage({ type: "SKIP_WAITING" });
      };
      navigator.serviceWorker.addEventListener("controllerchange", function () {
        if (updating) location.reload();
        else say("loket:offline-ready", "__loketOfflineReady");
      });
      // A tablet stays open for days: look for a new version every hour.
      setInterval(function () {
        reg.update().catch(function () {});
      }, 60 * 60 * 1000);
      await navigator.serviceWorker.ready;
      if (navigator.serviceWorker.controller) say("loket:offline-ready", "__loketOfflineReady");
    } catch (err) {
      console.warn("Loket: service worker registration failed", err);
    }
  });
})();
