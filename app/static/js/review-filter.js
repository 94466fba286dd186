/* 申报审核's region filter: choosing a province fills its cities (and the counties outside any city),
   choosing a city fills its counties; a choice clears the selects below it. The options come from
   /review/declarations/regions/?parent=<id>, which answers only inside the reviewer's own area. */
(function () {
  "use strict";
  var group = document.querySelector(".region-filter");
  if (!group) return;
  var selects = Array.prototype.slice.call(group.querySelectorAll("select[data-region-level]"));
  var byLevel = {};
  selects.forEach(function (s) { byLevel[s.dataset.regionLevel] = s; });

  function fill(select, items) {
    if (!select) return;
    while (select.options.length > 1) select.remove(1);
    items.forEach(function (item) { select.add(new Option(item.name, item.id)); });
    select.value = "";
  }

  function children(parent) {
    if (!parent) return Promise.resolve([]);
    return fetch(group.dataset.url + "?parent=" + encodeURIComponent(parent), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : []; });
  }

  /* The nearest choice above `level`, or the area's own region. */
  function above(level) {
    for (var l = level - 1; l >= 1; l--) {
      if (byLevel[l] && byLevel[l].value) return byLevel[l].value;
    }
    return group.dataset.root;
  }

  selects.forEach(function (select) {
    select.addEventListener("change", function () {
      var level = Number(select.dataset.regionLevel);
      var lower = selects.filter(function (s) { return Number(s.dataset.regionLevel) > level; });
      lower.forEach(function (s) { fill(s, []); });
      if (!lower.length) return;
      children(select.value || above(level)).then(function (items) {
        /* each select below gets the children of its level: a province's cities, and the counties
           outside any city (直辖市 districts, 省直辖县级) until a city is chosen */
        lower.forEach(function (s) {
          var wanted = Number(s.dataset.regionLevel);
          fill(s, items.filter(function (i) { return i.level === wanted; }));
        });
      });
    });
  });
}());
