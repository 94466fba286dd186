/* The console's date picker (Flask-Admin's bootstrap-daterangepicker over moment.js) in Simplified Chinese,
   offline: moment's zh-cn month and weekday names, weeks from Monday, and the picker's buttons. */
(function () {
  if (window.moment && !moment.locales().includes("zh-cn")) {
    moment.defineLocale("zh-cn", {
      months: "一月_二月_三月_四月_五月_六月_七月_八月_九月_十月_十一月_十二月".split("_"),
      monthsShort: "1月_2月_3月_4月_5月_6月_7月_8月_9月_10月_11月_12月".split("_"),
      weekdays: "星期日_星期一_星期二_星期三_星期四_星期五_星期六".split("_"),
      weekdaysShort: "周日_周一_周二_周三_周四_周五_周六".split("_"),
      weekdaysMin: "日_一_二_三_四_五_六".split("_"),
      longDateFormat: {LT: "HH:mm", LTS: "HH:mm:ss", L: "YYYY/MM/DD", LL: "YYYY年M月D日",
                       LLL: "YYYY年M月D日 HH:mm", LLLL: "YYYY年M月D日dddd HH:mm"},
      meridiem: function (hour) { return hour < 12 ? "上午" : "下午"; },
      week: {dow: 1, doy: 4}
    });
  }
  if (window.moment) { moment.locale("zh-cn"); }
  var labels = {applyLabel: "确定", cancelLabel: "取消", fromLabel: "从", toLabel: "至", weekLabel: "周",
                customRangeLabel: "自定义"};
  // form.js starts its pickers in a ready handler registered after this one, once daterangepicker.js is loaded.
  $(function () {
    var picker = $.fn.daterangepicker;
    if (!picker) { return; }
    $.fn.daterangepicker = function (options, callback) {
      options = $.extend(true, {locale: labels}, options || {});
      return picker.call(this, options, callback);
    };
  });
})();
