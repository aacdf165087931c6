// Regimen forms. Kept in a file: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  // The start form shows only the field the chosen formulation needs. Without script every
  // field shows, each with help text saying when it is needed.
  var FIELDS = {
    capsule: "div_id_capsule_strengths",
    liquid: "div_id_concentration_mg_per_ml",
    drops: "div_id_mg_per_drop",
  };

  function showFormulationField() {
    var chosen = document.querySelector("input[name=form]:checked");
    Object.keys(FIELDS).forEach(function (kind) {
      var box = document.getElementById(FIELDS[kind]);
      if (box) {
        box.hidden = chosen !== null && chosen.value !== kind;
      }
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.name === "form") {
      showFormulationField();
    }
  });
  document.addEventListener("DOMContentLoaded", showFormulationField);
})();
