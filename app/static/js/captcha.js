// The captcha of the sign-in and registration pages: a click on the image draws a new one.
(function () {
  var image = document.getElementById("captcha-image");
  if (image) image.addEventListener("click", function () {
    image.src = image.src.split("?")[0] + "?" + Date.now();
  });
})();
