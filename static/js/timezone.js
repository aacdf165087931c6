// Time zone selects (data-timezone): offer the zone this device is set to. Where nothing was
// chosen yet (data-timezone-propose, at onboarding) it is selected; otherwise a button offers
// it when it differs from the saved one. Kept in a file: the CSP allows no inline script.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  document.querySelectorAll("select[data-timezone]").forEach(function (select) {
    var option = zone && select.querySelector('option[value="' + zone + '"]');
    if (!option || select.value === zone) return;
    if (select.hasAttribute("data-timezone-propose")) {
      select.value = zone;
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-link btn-sm px-0";
    button.textContent = (select.dataset.timezoneOffer || "Use this device's time zone: ") + zone.replace(/_/g, " ");
    button.addEventListener("click", function () {
      select.value = zone;
      button.remove();
    });
    select.insertAdjacentElement("afterend", button);
  });
})();
