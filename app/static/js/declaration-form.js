/* The declaration form: live self-score totals (the server computes the real ones); counts are char-count.js's. */
(function () {
  "use strict";
  document.querySelectorAll("table.score-table").forEach(function (table) {
    var total = document.querySelector('.score-total[data-table="' + table.dataset.table + '"]');
    table.addEventListener("input", function () {
      var sum = 0;
      table.querySelectorAll("input.score").forEach(function (input) {
        var text = input.value.trim();  // only what the server counts: plain decimals (no 1e5, no words)
        if (/^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$/.test(text)) sum += parseFloat(text.replace(/,/g, ""));
      });
      if (total) total.textContent = Math.round(sum * 100) / 100;
    });
  });
  var hash = window.location.hash;
  if (hash && window.jQuery) jQuery('a[href="' + hash + '"]').tab("show");
  if (window.jQuery && jQuery.fn.select2) jQuery("select.select2").select2({ width: "100%" });
})();
