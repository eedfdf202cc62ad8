// The page viewer: zoom, show/hide the boxes, and arrow keys for the previous/next page.
// Served by the service itself; nothing else is loaded.
(function () {
  "use strict";
  var view = document.getElementById("page-view");
  var viewer = document.getElementById("viewer");
  if (!view || !viewer) return;
  var zoom = 1;
  function apply() { view.style.width = (zoom * 100) + "%"; view.style.maxWidth = zoom > 1 ? "none" : "100%"; }
  document.querySelectorAll("[data-zoom]").forEach(function (button) {
    button.addEventListener("click", function () {
      var step = Number(button.getAttribute("data-zoom"));
      zoom = step === 0 ? 1 : Math.min(4, Math.max(0.4, zoom * (step > 0 ? 1.25 : 0.8)));
      apply();
    });
  });
  var toggle = document.getElementById("show-boxes");
  if (toggle) toggle.addEventListener("change", function () { viewer.classList.toggle("hide-boxes", !toggle.checked); });
  document.addEventListener("keydown", function (event) {
    if (event.target && /INPUT|SELECT|TEXTAREA/.test(event.target.tagName)) return;
    var link = event.key === "ArrowLeft" ? document.getElementById("prev") : event.key === "ArrowRight" ? document.getElementById("next") : null;
    if (link) window.location.href = link.href;
    if (event.key === "+") { zoom = Math.min(4, zoom * 1.25); apply(); }
    if (event.key === "-") { zoom = Math.max(0.4, zoom * 0.8); apply(); }
  });
  var focus = document.querySelector(".page-view rect.focus");
  if (focus && focus.scrollIntoView) focus.scrollIntoView({block: "center"});
})();
