// 打印申报书: the page's own print button (no inline script, for the content security policy).
document.getElementById("print-now").addEventListener("click", function () { window.print(); });
