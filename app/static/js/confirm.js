// Forms marked data-confirm ask before they submit (删除, 提交推荐, 开始公示 …): one place for every page.
document.querySelectorAll("form[data-confirm]").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
});
