// What Flask-Admin's templates did in onclick attributes, which the Content-Security-Policy refuses (our copies
// under templates/admin/ carry data attributes instead): confirm a row's deletion, run a bulk action, add an
// inline row; links to "javascript:void(0)" (dropdown toggles, filter names) never navigate.
document.addEventListener("click", function (event) {
  var target = event.target.closest("a, button");
  if (!target) return;
  if (target.matches('a[href^="javascript:"]')) event.preventDefault();
  if (target.dataset.consoleConfirm !== undefined && !window.faHelpers.safeConfirm(target.dataset.consoleConfirm)) {
    event.preventDefault();
  } else if (target.dataset.modelAction) {
    window.modelActions.execute(target.dataset.modelAction);
  } else if (target.dataset.inlineAdd) {
    window.faForm.addInlineField(target, target.dataset.inlineAdd);
  }
});
