// Select2 (FAB's relation fields) draws a search box without a name and a list holding more than list items:
// name each box after its field's label and take the list semantics off its rendered choices (WCAG 4.1.2).
(function () {
  function labelOf(container) {
    var select = container.previousElementSibling;
    var label = select && select.id ? document.querySelector("label[for='" + select.id + "']") : null;
    return label ? label.textContent.trim() : "";
  }
  function patch() {
    document.querySelectorAll(".select2-container").forEach(function (container) {
      var name = labelOf(container);
      container.querySelectorAll(".select2-search__field:not([aria-label])").forEach(function (field) {
        if (name) field.setAttribute("aria-label", name);
      });
      container.querySelectorAll("ul.select2-selection__rendered, ul.select2-selection__rendered > li")
        .forEach(function (element) { element.setAttribute("role", "presentation"); });
    });
  }
  if (!window.MutationObserver) return;
  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; patch(); });
  }).observe(document.body, {childList: true, subtree: true});
  patch();
})();
