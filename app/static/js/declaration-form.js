/* The declaration form: live character counts and self-score totals (the server computes the real ones). */
(function () {
  "use strict";
  document.querySelectorAll("textarea[data-limit]").forEach(function (area) {
    var counter = document.querySelector('.char-count[data-for="' + area.name.replace(/"/g, '\\"') + '"]');
    function update() {
      var length = Array.from(area.value).length, limit = +area.dataset.limit;
      if (counter) { counter.textContent = length + " / " + limit + " 字"; counter.style.color = length > limit ? "#a94442" : ""; }
    }
    area.addEventListener("input", update); update();
  });
  document.querySelectorAll("table.score-table").forEach(function (table) {
    var total = document.querySelector('.score-total[data-table="' + table.dataset.table + '"]');
    table.addEventListener("input", function () {
      var sum = 0;
      table.querySelectorAll("input.score").forEach(function (input) { var v = parseFloat(input.value); if (!isNaN(v)) sum += v; });
      if (total) total.textContent = Math.round(sum * 100) / 100;
    });
  });
  var hash = window.location.hash;
  if (hash && window.jQuery) jQuery('a[href="' + hash + '"]').tab("show");
  if (window.jQuery && jQuery.fn.select2) jQuery("select.select2").select2({ width: "100%" });
})();
