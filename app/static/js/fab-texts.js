// The texts Flask-AppBuilder's scripts write in English (ab_actions.js alerts "No row selected", ab.js gives
// select2 the placeholder "Select a State"), said in the user's language; the page's alert.html carries them.
(function () {
  if (window.fabTexts) { return; }  // a show page includes alert.html twice
  var data = document.querySelector("script.fab-texts");
  var texts = window.fabTexts = data ? JSON.parse(data.textContent) : {};
  function said(text) { return texts.hasOwnProperty(text) ? texts[text] : text; }
  // Runs before ab.js's own ready handlers (registered later), once every script is loaded.
  $(function () {
    var alert = window.ab_alert;
    if (alert) { window.ab_alert = function (text) { return alert(said(text)); }; }
    var select2 = $.fn.select2;
    if (select2) {
      $.fn.select2 = function (options) {
        if (options && typeof options.placeholder === "string") { options.placeholder = said(options.placeholder); }
        return select2.apply(this, arguments);
      };
      $.extend($.fn.select2, select2);
    }
  });
})();
