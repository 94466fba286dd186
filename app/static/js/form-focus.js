// A link from the list of missing fields (?focus=section.field#s-section) opens that field's tab and brings
// the field into view, its first input focused.
(function () {
  var path = new URLSearchParams(window.location.search).get("focus");
  if (!path) return;
  var section = path.split(".")[0];
  var tab = document.querySelector('a[href="#s-' + section + '"]');
  if (tab && window.jQuery) window.jQuery(tab).tab("show");
  var target = document.getElementById("f-" + path);
  if (!target) return;
  target.classList.add("focus-target");
  target.scrollIntoView({block: "center"});
  var input = target.querySelector("input, select, textarea") ||
    (target.nextElementSibling && target.nextElementSibling.querySelector("input, select, textarea"));
  if (input) input.focus();
})();
