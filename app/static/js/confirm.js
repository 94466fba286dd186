// Forms and buttons marked data-confirm ask before they submit (删除, 不予推荐, 通过（拟入选）, 提交推荐, 开始公示 …):
// the button pressed speaks first, then its form. One place for every page.
document.querySelectorAll("form").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    var source = event.submitter && event.submitter.dataset.confirm ? event.submitter : form;
    if (source.dataset.confirm && !window.confirm(source.dataset.confirm)) event.preventDefault();
  });
});
