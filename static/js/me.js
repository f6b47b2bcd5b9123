/* 我的: log out through the API, then back to the home page. */
(function () {
  "use strict";
  document.querySelector("[data-logout]").addEventListener("click", async (event) => {
    event.preventDefault();
    await Micromall.api("POST", "/api/v1/logout");
    location.href = "/";
  });
})();
