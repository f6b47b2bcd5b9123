/* Report this page view (POST /api/v1/events): the CRM's record of store visits, and the
   "visited" step of the pushes the shopper opened. Fire and forget: a report that fails
   never bothers the shopper. */
(function () {
  "use strict";
  const path = (location.pathname + location.search).slice(0, 300);
  window.Micromall.api("POST", "/api/v1/events", { name: "page_view", path, props: {} }).catch(() => {});
})();
