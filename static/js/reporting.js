/* Reporting screens: ask before removing a record. */
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});

/* Report form: "used it all" fills the used quantity with what arrived and the leftover with 0. */
document.querySelectorAll("[data-fill-used]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    var used = document.getElementById(button.getAttribute("data-fill-used"));
    var leftover = document.getElementById(button.getAttribute("data-fill-leftover"));
    if (used) used.value = button.getAttribute("data-delivered");
    if (leftover) leftover.value = "0";
  });
});
