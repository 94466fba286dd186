/* Registration page: the province → city → county cascade, the supervision body that follows the
   province and the searchable selects (the captcha's refresh is captcha.js). Plain DOM, no network beyond this app. */
(function () {
  "use strict";
  var cascade = document.querySelector(".region-cascade");
  var province = document.getElementById("province");
  var city = document.getElementById("city");
  var county = document.getElementById("county");
  var chosen = document.querySelector(".chosen-authority");
  var supervision = document.getElementById("supervision");
  var directCounties = [];

  function fill(select, items, keep) {
    while (select.options.length > 1) select.remove(1);
    items.forEach(function (item) {
      var option = new Option(item.name, item.code);
      option.dataset.authority = item.authority;
      select.add(option);
    });
    select.value = keep && items.some(function (i) { return i.code === keep; }) ? keep : "";
  }

  function load(parent) {
    var url = cascade.dataset.url + (parent ? "?parent=" + encodeURIComponent(parent) : "");
    return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); });
  }

  function showAuthority() {
    var deepest = [county, city, province].filter(function (s) { return s.value; })[0];
    chosen.textContent = deepest ? "上报至：" + deepest.selectedOptions[0].dataset.authority : "";
  }

  /* The supervision body of the chosen province, or of a 计划单列市, which has its own. */
  function followSupervision() {
    if (!supervision || supervision.dataset.touched) return;
    var options = Array.prototype.slice.call(supervision.options);
    var match = [city.value, province.value].map(function (code) {
      return options.filter(function (o) { return code && o.dataset.region === code; })[0];
    }).filter(Boolean)[0];
    if (match) supervision.value = match.value;
  }

  function onProvince(keepCity, keepCounty) {
    return load(province.value).then(function (items) {
      if (!province.value) items = [];
      fill(city, items.filter(function (i) { return i.level === 2; }), keepCity);
      directCounties = items.filter(function (i) { return i.level === 3; });
      fill(county, directCounties, keepCounty);
      if (city.value) return onCity(keepCounty);
    }).then(function () { showAuthority(); followSupervision(); });
  }

  function onCity(keepCounty) {
    if (!city.value) { fill(county, directCounties, keepCounty); showAuthority(); return Promise.resolve(); }
    return load(city.value).then(function (items) {
      fill(county, items, keepCounty);
      showAuthority();
    });
  }

  if (cascade) {
    load("").then(function (items) {
      fill(province, items, province.dataset.value);
      if (province.value) onProvince(city.dataset.value, county.dataset.value);
    });
    province.addEventListener("change", function () { onProvince("", ""); });
    city.addEventListener("change", function () { onCity("").then(followSupervision); });
    county.addEventListener("change", showAuthority);
  }
  if (supervision) supervision.addEventListener("change", function () { supervision.dataset.touched = "1"; });

  if (window.jQuery && jQuery.fn.select2) jQuery("select.select2").select2({ width: "100%" });
})();
