/* Live character counts under every field with a limit (data-limit); the server checks the real limit and
   says so, nothing is cut off while typing. Characters are counted as the server counts them (code points). */
(function () {
  "use strict";
  function attach(field) {
    var form = field.form || document;
    var counter = form.querySelector('.char-count[data-for="' + field.name.replace(/"/g, '\\"') + '"]');
    if (!counter || counter.dataset.bound) return;
    counter.dataset.bound = "1";
    function update() {
      var length = Array.from(field.value).length, limit = +field.dataset.limit;
      counter.textContent = length + " / " + limit + " 字" + (length > limit ? "（超出 " + (length - limit) + " 字）" : "");
      counter.classList.toggle("text-danger", length > limit);
      counter.classList.toggle("text-muted", length <= limit);
    }
    field.addEventListener("input", update);
    update();
  }
  function start() { document.querySelectorAll("textarea[data-limit], input[data-limit]").forEach(attach); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
