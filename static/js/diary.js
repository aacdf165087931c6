// The diary entry form: "No side effects today" ticks "none" on every side effect not yet
// rated, and the "Same as" link follows the day chosen. Kept in a file: the CSP allows no
// inline script. Without script the server does the same on save.
(function () {
  "use strict";
  var form = document.querySelector("[data-diary-form]");
  if (!form) return;
  var none = form.querySelector("input[name=no_side_effects]");
  if (none) {
    none.addEventListener("change", function () {
      if (!none.checked) return;
      form.querySelectorAll(".effect-row").forEach(function (row) {
        if (row.querySelector("input:checked")) return;
        var first = row.querySelector("input[value='0']");
        if (first) first.checked = true;
      });
    });
  }
  var same = form.querySelector("[data-same-as]");
  form.querySelectorAll("input[name=day]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      if (!same) return;
      var url = new URL(same.href, window.location.href);
      if (!url.searchParams.has("day")) return;
      url.searchParams.set("day", radio.value);
      same.href = url.pathname + url.search;
    });
  });
})();
// "Which other side effect?" shows once another side effect is rated mild or worse.
(function () {
  "use strict";
  var box = document.querySelector("[data-other-text]");
  if (!box) return;
  var radios = document.querySelectorAll("input[name=other_effect]");
  var text = box.querySelector("input");
  function update() {
    var rated = false;
    radios.forEach(function (radio) {
      if (radio.checked && radio.value !== "0") rated = true;
    });
    box.hidden = !rated && !text.value && !box.hasAttribute("data-keep-open");
  }
  radios.forEach(function (radio) {
    radio.addEventListener("change", update);
  });
  update();
})();
